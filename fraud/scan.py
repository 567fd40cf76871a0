"""``scan``: run the rules, the anomaly detector, the brushing and ring search; score and queue.

All reading happens on a read-only analytics connection (temporary tables only), so a scan never
takes the workspace's write lock and runs while the app serves. Results go to the operational
database (:mod:`fraud.queue`). Scans are incremental by default: only orders newer than the last
scan's watermark (and the accounts that placed them) are re-scored and queued; ``full=True`` re-scores
everything. Bursts and rings are always searched over the whole history (they span time).

The orders of one brushing burst or one velocity / card-testing run are queued as one ``burst`` item
(:mod:`fraud.groups`); a later scan that finds more of its orders extends that item (see :mod:`fraud.queue`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.fraud.anomaly import AnomalyDetector
from memberinsight.fraud.brushing import Burst, burst_evidence, find_bursts
from memberinsight.fraud.combine import GROUP_KINDS, Scored, score_accounts, score_orders
from memberinsight.fraud.coupon_rings import (
    CouponGroup,
    coupon_ring_item,
    coupon_ring_items,
    find_coupon_rings,
)
from memberinsight.fraud.facts import prepare_facts
from memberinsight.fraud.features import order_features
from memberinsight.fraud.groups import burst_item, burst_items, find_groups
from memberinsight.fraud.queue import operator_labels, write_scores
from memberinsight.fraud.rings import Ring, find_rings, ring_evidence
from memberinsight.fraud.rules import load_rules, run_rules

WATERMARK_META = "fraud_scan_watermark"
QUEUE_MIN_RISK = 0.5
ANOMALY_REASON_SHARE = 0.05


@dataclass
class FraudScan:
    """What one scan did: counts, the watermark it used and set, per-rule hits, timings."""

    orders: int
    scored_orders: int
    scored_accounts: int
    since: str | None
    watermark: str | None
    rule_hits: dict[str, int] = field(default_factory=dict)
    bursts: int = 0
    rings: int = 0
    queued: int = 0
    refreshed: int = 0
    stored: int = 0
    burst_items: int = 0
    """Bursts and runs scored as one item each (queued when risky enough)."""
    orders_in_bursts: int = 0
    """Orders queued only through their burst or coupon-ring item (not one by one)."""
    coupon_ring_items: int = 0
    """Rings of linked accounts reusing a coupon, scored as one item each (:mod:`fraud.coupon_rings`)."""
    extended: int = 0
    merged: int = 0
    calibration: str = "contamination prior"
    optional_fields: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class ScanResult:
    """Everything a scan computed (for evaluations and tests): scored items, hits, bursts, rings."""

    scan: FraudScan
    items: list[Scored]
    hits: pd.DataFrame
    bursts: list[Burst]
    rings: list[Ring]


def _removed_reviews(ws: Any) -> dict[str, int]:
    """Reviews removed as fake in the review queue, per account (the review queue feeding this one)."""
    with ws.operations() as con:
        has = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'screening_queue'").fetchone()
        if not has:
            return {}
        removed = [r[0] for r in con.execute("SELECT review_id FROM screening_queue WHERE status = 'removed'")]
    if not removed:
        return {}
    with ws.analytics(read_only=True) as con:
        con.register("_removed", pd.DataFrame({"review_id": removed}))
        rows = con.execute("SELECT member_id, count(*) FROM reviews JOIN _removed USING (review_id) "
                           "WHERE member_id IS NOT NULL GROUP BY 1").fetchall()
    return {str(m): int(n) for m, n in rows}


def scan_workspace(ws: Any, full: bool = False, rules_file: str | Path | None = None,
                   queue_min_risk: float = QUEUE_MIN_RISK, random_state: int = 42, write: bool = True) -> ScanResult:
    """Scan the workspace for order fraud and brushing; store scores and queue risky items (``write``)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    rules = load_rules(ws, rules_file)
    watermark_text = None if full else ws.get_meta(WATERMARK_META)
    since = datetime.fromisoformat(watermark_text) if watermark_text else None
    with ws.analytics(read_only=True) as con:
        facts = prepare_facts(con)
        timings["facts"] = time.perf_counter() - t0
        t = time.perf_counter()
        hits = run_rules(con, rules)  # all hits: rings and accounts need the whole picture
        timings["rules"] = time.perf_counter() - t
        t = time.perf_counter()
        features = order_features(con)
        timings["features"] = time.perf_counter() - t
        t = time.perf_counter()
        bursts = find_bursts(con)
        rings = find_rings(con, bursts, hits)
        groups = find_groups(con, hits, bursts, rules)
        coupon_groups = find_coupon_rings(con, hits, rules, rings, {o for g in groups for o in g.orders})
        timings["brushing_and_rings"] = time.perf_counter() - t
        newest = con.execute("SELECT max(ordered_at) FROM f_orders").fetchone()
    t = time.perf_counter()
    labels = pd.Series({k.split(":", 1)[1]: v for k, v in operator_labels(ws).items() if k.startswith("order:")},
                       dtype=float)
    scored: list[Scored] = []
    calibration = "contamination prior"
    if len(features) >= 50:
        detector = AnomalyDetector(random_state=random_state)
        detector.fit(features.set_index("order_id"), labels if len(labels) else None)
        calibration = "operator decisions (isotonic)" if detector.isotonic_ is not None else calibration
        anomaly = detector.predict_risk(features)
        top = features.assign(_a=anomaly).nlargest(max(1, int(len(features) * ANOMALY_REASON_SHARE)), "_a")
        reasons = dict(zip(top["order_id"], detector.reasons(top), strict=True))
    else:
        anomaly, reasons = np.zeros(len(features)), {}
    timings["anomaly"] = time.perf_counter() - t
    orders = score_orders(features, anomaly, reasons, hits, bursts, rings)
    accounts = score_accounts(orders, hits, rings, _removed_reviews(ws))
    made = burst_items(groups, orders, queue_min_risk, rings)
    coupons = coupon_ring_items(coupon_groups, made.orders, queue_min_risk, rings)
    orders = coupons.orders
    scored = orders + accounts + made.items + coupons.items
    if since is not None:
        fresh_orders = set(features.loc[features["ordered_at"] > since, "order_id"])
        if not hits.empty:  # older orders with newer evidence (a cancellation that arrived since the last scan)
            late = hits[(hits["level"] == "order") & (pd.to_datetime(hits["at"]) > since)]
            fresh_orders |= set(late["order_id"].astype(str))
        touched = set(features.loc[features["ordered_at"] > since, "member_id"].dropna())
        scored = [s for s in scored if (s.kind == "order" and s.object_id in fresh_orders)
                  or (s.kind == "account" and s.object_id in touched)
                  or (s.kind in GROUP_KINDS and not fresh_orders.isdisjoint(s.orders))]
    result = FraudScan(
        orders=facts.orders, scored_orders=sum(s.kind == "order" for s in scored),
        scored_accounts=sum(s.kind == "account" for s in scored), since=watermark_text,
        watermark=str(newest[0]) if newest and newest[0] is not None else None,
        rule_hits={str(k): int(v) for k, v in hits.groupby("rule").size().items()} if not hits.empty else {},
        bursts=len(bursts), rings=sum(r.risk >= 0.5 for r in rings), calibration=calibration,
        optional_fields=list(facts.present), burst_items=len(made.items), coupon_ring_items=len(coupons.items),
        orders_in_bursts=sum(s.in_burst is not None for s in orders))
    if write:
        t = time.perf_counter()
        found = ([(f"burst:{b.burst_id}", "burst", b.risk, b.members, burst_evidence(b)) for b in bursts]
                 + [(f"ring:{r.ring_id}", "ring", r.risk, r.members, ring_evidence(r)) for r in rings if r.risk >= 0.5])
        by_id = {s.object_id: s for s in orders}

        def continue_burst(item: Scored, ids: list[str], target: str | None, note: str | None) -> Scored:
            if item.kind == "coupon_ring":
                group = coupons.groups[item.item_id]
                assert isinstance(group, CouponGroup)
                return coupon_ring_item(group, ids, by_id, target, note)
            return burst_item(made.groups[item.item_id], ids, by_id, target, note)

        counts = write_scores(ws, scored, found, queue_min_risk, continue_burst=continue_burst)
        result.queued, result.refreshed, result.stored = counts["queued"], counts["refreshed"], counts["stored"]
        result.extended, result.merged = counts["extended"], counts["merged"]
        if result.watermark:
            ws.set_meta(WATERMARK_META, datetime.fromisoformat(result.watermark).isoformat())
        timings["store"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    result.seconds = {k: round(v, 3) for k, v in timings.items()}
    return ScanResult(result, scored, hits, bursts, rings)
