"""``evaluate fraud``: queue precision and planted-group recall against hidden labels.

Labels come from ``fraud_truth.csv`` (written by :func:`workspace.demo.fraud.plant_fraud`): rows of
``kind`` (order / account), ``object_id``, ``pattern``, ``group_id``. After a full scan:

* **top-k precision**: of the ``k`` riskiest queue items (orders, accounts and bursts), the share that are
  labelled (any pattern, the generator's own fake-review accounts included); a burst or coupon-ring item
  counts as labelled when at least half of its orders are;
* **group recall**: a planted group (a brushing ring, a card-testing burst, a coupon-abuse ring, a
  takeover) counts as found when at least ``min_share`` of its labelled orders and accounts are in
  the queue, a queued burst or coupon-ring item covering each of its orders; reported per pattern and combined over
  the four planted patterns (the generator's own ``review_fraud`` groups are reported apart: they were
  not planted for this check).

``queued`` counts queue items (a burst or a coupon ring is one); ``covered`` counts the orders and accounts they stand for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from memberinsight.errors import DataValidationError
from memberinsight.fraud.combine import GROUP_KINDS
from memberinsight.fraud.scan import QUEUE_MIN_RISK, scan_workspace

PLANTED = ("brushing", "card_testing", "coupon_abuse", "account_takeover")
TARGETS = {"top_k_precision": 0.90, "recall": 0.90}


@dataclass
class PatternRecall:
    """Recall of one pattern's groups, and how many of its labelled items were queued."""

    pattern: str
    groups: int
    found: int
    recall: float
    items: int
    items_queued: int


@dataclass
class FraudEvaluation:
    """The figures ``memberinsight evaluate fraud`` prints."""

    k: int
    top_k_precision: float
    queued: int
    queue_precision: float
    combined_recall: float
    patterns: list[PatternRecall] = field(default_factory=list)
    other_patterns: list[PatternRecall] = field(default_factory=list)
    targets: dict[str, float] = field(default_factory=lambda: dict(TARGETS))
    meets_targets: bool = False
    top_false_positives: list[dict[str, Any]] = field(default_factory=list)
    scan: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    covered: int = 0
    """Orders and accounts the queue stands for (a burst item covers each of its orders)."""
    burst_items: int = 0
    coupon_ring_items: int = 0


def read_truth(path: Path) -> pd.DataFrame:
    """The hidden labels; raises :class:`DataValidationError` when the file is missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError("no fraud labels file (fraud_truth.csv): generate the demo with --fraud",
                                  file=str(path))
    truth = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"kind", "object_id", "pattern", "group_id"} - set(truth.columns)
    if missing:
        raise DataValidationError(f"missing column(s) {', '.join(sorted(missing))}", file=str(path))
    return truth.assign(item_id=truth["kind"] + ":" + truth["object_id"])


def evaluate_fraud(ws: Any, truth_path: Path, k: int = 100, min_share: float = 0.5,
                   queue_min_risk: float = QUEUE_MIN_RISK) -> FraudEvaluation:
    """Full scan of ``ws``, then precision and recall against ``truth_path``."""
    if k < 1:
        raise DataValidationError("k must be at least 1", column="k")
    start = time.perf_counter()
    truth = read_truth(truth_path)
    result = scan_workspace(ws, full=True)
    queue = sorted((s for s in result.items if s.risk >= queue_min_risk and s.in_burst is None),
                   key=lambda s: (-s.risk, s.item_id))
    labelled = set(truth["item_id"])
    covers = {s.item_id: [f"order:{o}" for o in s.orders] if s.kind in GROUP_KINDS else [s.item_id] for s in queue}
    queued_ids = {c for ids in covers.values() for c in ids}

    def is_labelled(s: Any) -> bool:
        ids = covers[s.item_id]
        return sum(c in labelled for c in ids) * 2 >= len(ids)

    top = queue[:k]
    hits = sum(is_labelled(s) for s in top)
    patterns: list[PatternRecall] = []
    others: list[PatternRecall] = []
    for pattern, rows in truth.groupby("pattern", sort=True):
        in_queue = rows["item_id"].isin(queued_ids)
        share = in_queue.groupby(rows["group_id"]).mean()
        found = int((share >= min_share).sum())
        entry = PatternRecall(str(pattern), len(share), found, round(found / len(share), 4), len(rows),
                              int(in_queue.sum()))
        (patterns if pattern in PLANTED else others).append(entry)
    groups = sum(p.groups for p in patterns)
    combined = round(sum(p.found for p in patterns) / groups, 4) if groups else 0.0
    precision = round(hits / len(top), 4) if top else 0.0
    evaluation = FraudEvaluation(
        k=k, top_k_precision=precision, queued=len(queue),
        queue_precision=round(sum(is_labelled(s) for s in queue) / len(queue), 4) if queue else 0.0,
        covered=len(queued_ids), burst_items=sum(s.kind == "burst" for s in queue),
        coupon_ring_items=sum(s.kind == "coupon_ring" for s in queue),
        combined_recall=combined, patterns=patterns, other_patterns=others,
        top_false_positives=[{"item_id": s.item_id, "risk": s.risk,
                              "reasons": [r["text"] for r in s.reasons[:3]]}
                             for s in top if not is_labelled(s)][:10],
        scan={"orders": result.scan.orders, "rule_hits": result.scan.rule_hits, "bursts": result.scan.bursts,
              "rings": result.scan.rings, "seconds": result.scan.seconds})
    evaluation.meets_targets = (precision >= TARGETS["top_k_precision"] and combined >= TARGETS["recall"]
                                and all(p.recall >= TARGETS["recall"] for p in patterns))
    evaluation.seconds = round(time.perf_counter() - start, 2)
    return evaluation
