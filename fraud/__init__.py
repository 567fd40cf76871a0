"""Order fraud and brushing detection, the fraud queue and the adjusted product rating.

Public API::

    scan_workspace(ws, full=False, rules_file=None) -> ScanResult    # rules + anomalies + bursts + rings -> queue
    load_rules(ws=None, path=None) -> list[Rule];  parse_rules(text) -> list[Rule];  KINDS
    AnomalyDetector                                                  # IsolationForest + LOF, calibrated risk
    find_bursts(con) -> list[Burst];  find_rings(con, bursts) -> list[Ring]
    list_queue(ws, status="pending", kind=None) -> list[FraudItem];  get_item(ws, item_id) -> FraudItem
    item_orders(ws, item_id) -> list[str]      # a burst item's orders (one item per burst / run: fraud.groups)
    decide(ws, item_id, action, user, version, note=None) -> FraudItem   # ConflictError when stale
    assign(ws, item_id, assignee, user, version);  queue_counts(ws);  audit_trail(ws, item_id);  findings(ws)
    evaluate_fraud(ws, truth_path, k=100) -> FraudEvaluation
    product_rating(ws, product_id) -> AdjustedRating;  rating_movers(ws, limit=10) -> list[AdjustedRating]
    exclusion_status(ws) -> ExclusionStatus;  refresh_exclusions(ws, settings, con)  # clean business figures
    queue_overview(ws, status=None, days=None, limit=10, pattern=None) -> FraudOverview   # by status and pattern
    item_facts(ws, item) -> dict;  last_scan(ws) -> str | None;  was_scanned(ws);  PATTERNS
    main_pattern(ws, item) -> str                     # the item's main pattern, as the overview names it
    linked_accounts(ws, item_id) -> LinkedAccounts    # who else shares the item's device / card / IP / address
    GROUP_KINDS                      # item kinds standing for several orders: burst, coupon_ring (fraud.coupon_rings)

Personal values (IPs, addresses, cards) are hashed at ingest (:mod:`workspace.ingest.order_extras`);
nothing here sees or shows them raw. Decisions come only from people: scores only queue items.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AnomalyDetector": "memberinsight.fraud.anomaly",
    "Burst": "memberinsight.fraud.brushing",
    "find_bursts": "memberinsight.fraud.brushing",
    "Ring": "memberinsight.fraud.rings",
    "find_rings": "memberinsight.fraud.rings",
    "KINDS": "memberinsight.fraud.kinds",
    "Rule": "memberinsight.fraud.rules",
    "load_rules": "memberinsight.fraud.rules",
    "parse_rules": "memberinsight.fraud.rules",
    "rules_path": "memberinsight.fraud.rules",
    "DEFAULT_RULES": "memberinsight.fraud.rules",
    "ScanResult": "memberinsight.fraud.scan",
    "FraudScan": "memberinsight.fraud.scan",
    "scan_workspace": "memberinsight.fraud.scan",
    "FraudItem": "memberinsight.fraud.queue",
    "STATUSES": "memberinsight.fraud.queue",
    "ACTIONS": "memberinsight.fraud.queue",
    "list_queue": "memberinsight.fraud.queue",
    "get_item": "memberinsight.fraud.queue",
    "queue_counts": "memberinsight.fraud.queue",
    "findings": "memberinsight.fraud.queue",
    "operator_labels": "memberinsight.fraud.queue",
    "item_orders": "memberinsight.fraud.queue",
    "decide": "memberinsight.fraud.decisions",
    "assign": "memberinsight.fraud.decisions",
    "audit_trail": "memberinsight.fraud.decisions",
    "FraudEvaluation": "memberinsight.fraud.evaluate",
    "evaluate_fraud": "memberinsight.fraud.evaluate",
    "FraudOverview": "memberinsight.fraud.overview",
    "PATTERNS": "memberinsight.fraud.overview",
    "queue_overview": "memberinsight.fraud.overview",
    "item_facts": "memberinsight.fraud.overview",
    "main_pattern": "memberinsight.fraud.overview",
    "last_scan": "memberinsight.fraud.overview",
    "was_scanned": "memberinsight.fraud.overview",
    "AdjustedRating": "memberinsight.fraud.rating",
    "product_rating": "memberinsight.fraud.rating",
    "rating_movers": "memberinsight.fraud.rating",
    "ExclusionStatus": "memberinsight.fraud.exclusions",
    "exclusion_status": "memberinsight.fraud.exclusions",
    "refresh_exclusions": "memberinsight.fraud.exclusions",
    "confirmed_items": "memberinsight.fraud.exclusions",
    "LinkedAccounts": "memberinsight.fraud.linked",
    "linked_accounts": "memberinsight.fraud.linked",
    "GROUP_KINDS": "memberinsight.fraud.combine",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy attribute access: importing ``fraud`` loads no heavy dependency."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fraud' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
