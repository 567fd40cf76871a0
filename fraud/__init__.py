"""Order fraud and brushing detection, the fraud queue and the adjusted product rating.

Public API::

    scan_workspace(ws, full=False, rules_file=None) -> ScanResult    # rules + anomalies + bursts + rings -> queue
    load_rules(ws=None, path=None) -> list[Rule];  parse_rules(text) -> list[Rule];  KINDS
    AnomalyDetector                                                  # IsolationForest + LOF, calibrated risk
    find_bursts(con) -> list[Burst];  find_rings(con, bursts) -> list[Ring]
    list_queue(ws, status="pending", kind=None) -> list[FraudItem];  get_item(ws, item_id) -> FraudItem
    decide(ws, item_id, action, user, version, note=None) -> FraudItem   # ConflictError when stale
    assign(ws, item_id, assignee, user, version);  queue_counts(ws);  audit_trail(ws, item_id);  findings(ws)
    evaluate_fraud(ws, truth_path, k=100) -> FraudEvaluation
    product_rating(ws, product_id) -> AdjustedRating;  rating_movers(ws, limit=10) -> list[AdjustedRating]
    exclusion_status(ws) -> ExclusionStatus;  refresh_exclusions(ws, settings, con)  # clean business figures
    queue_overview(ws, status=None, days=None, limit=10, pattern=None) -> FraudOverview   # by status and pattern
    item_facts(ws, item) -> dict;  last_scan(ws) -> str | None;  was_scanned(ws);  PATTERNS

Personal values (IPs, addresses, cards) are hashed at ingest (:mod:`workspace.ingest.order_extras`);
nothing here sees or shows them raw. Decisions come only from people: scores only queue items.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AnomalyDetector": "fraud.anomaly",
    "Burst": "fraud.brushing",
    "find_bursts": "fraud.brushing",
    "Ring": "fraud.rings",
    "find_rings": "fraud.rings",
    "KINDS": "fraud.kinds",
    "Rule": "fraud.rules",
    "load_rules": "fraud.rules",
    "parse_rules": "fraud.rules",
    "rules_path": "fraud.rules",
    "DEFAULT_RULES": "fraud.rules",
    "ScanResult": "fraud.scan",
    "FraudScan": "fraud.scan",
    "scan_workspace": "fraud.scan",
    "FraudItem": "fraud.queue",
    "STATUSES": "fraud.queue",
    "ACTIONS": "fraud.queue",
    "list_queue": "fraud.queue",
    "get_item": "fraud.queue",
    "queue_counts": "fraud.queue",
    "findings": "fraud.queue",
    "operator_labels": "fraud.queue",
    "decide": "fraud.decisions",
    "assign": "fraud.decisions",
    "audit_trail": "fraud.decisions",
    "FraudEvaluation": "fraud.evaluate",
    "evaluate_fraud": "fraud.evaluate",
    "FraudOverview": "fraud.overview",
    "PATTERNS": "fraud.overview",
    "queue_overview": "fraud.overview",
    "item_facts": "fraud.overview",
    "last_scan": "fraud.overview",
    "was_scanned": "fraud.overview",
    "AdjustedRating": "fraud.rating",
    "product_rating": "fraud.rating",
    "rating_movers": "fraud.rating",
    "ExclusionStatus": "fraud.exclusions",
    "exclusion_status": "fraud.exclusions",
    "refresh_exclusions": "fraud.exclusions",
    "confirmed_items": "fraud.exclusions",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy attribute access: importing ``fraud`` loads no heavy dependency."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fraud' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
