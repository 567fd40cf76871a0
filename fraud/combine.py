"""One risk per order and per account, from rule hits, anomaly scores, brushing bursts and rings.

Every source gives a 0-1 risk with its reasons; they combine as independent pieces of evidence,
``1 - prod(1 - w_i * r_i)``, with weights :data:`WEIGHTS` (an anomaly alone is weaker evidence
than a rule, since unusual is not the same as fraudulent). An order's risk uses its rule hits, its
anomaly risk, the bursts it is part of and the ring of its account; an account's risk uses its
account-level rule hits, its ring, reviews removed in the review queue and its riskiest order
(damped, so one odd order does not put the account in the queue as well).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.fraud.brushing import Burst
from memberinsight.fraud.rings import Ring

WEIGHTS = {"anomaly": 0.5, "ring_on_order": 0.6, "order_on_account": 0.8, "removed_reviews": 0.5}
MIN_ANOMALY_REASON = 0.3
MIN_RISK = 0.2
"""Orders and accounts below this combined risk are not kept (nor stored): nothing points at them."""
GROUP_KINDS = ("burst", "coupon_ring")
"""Item kinds that stand for several orders (:mod:`fraud.groups`, :mod:`fraud.coupon_rings`): a decision on one
applies to every order it holds."""


@dataclass
class Scored:
    """One order, account or burst with its combined risk, per-source risks and reasons (strongest first).

    ``orders``: a burst's orders (:mod:`fraud.groups`); ``in_burst``: the burst item that queues this order
    instead of an item of its own (None: the order is queued on its own when risky enough).
    """

    kind: str
    object_id: str
    member_id: str | None
    risk: float
    parts: dict[str, float] = field(default_factory=dict)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    orders: list[str] = field(default_factory=list)
    in_burst: str | None = None

    @property
    def item_id(self) -> str:
        return f"{self.kind}:{self.object_id}"


def _combine(values: list[float]) -> float:
    keep = 1.0
    for v in values:
        keep *= 1.0 - min(max(v, 0.0), 1.0)
    return 1.0 - keep


def score_orders(features: pd.DataFrame, anomaly: np.ndarray, anomaly_reasons: dict[str, list[dict[str, Any]]],
                 hits: pd.DataFrame, bursts: list[Burst], rings: list[Ring]) -> list[Scored]:
    """Combined risk of every purchase order (``features``: order_id, member_id; ``anomaly`` aligned with it)."""
    order_hits = hits[hits["level"] == "order"] if not hits.empty else hits
    by_order: dict[str, list[dict[str, Any]]] = {}
    for row in order_hits.drop_duplicates(["rule", "order_id"]).itertuples(index=False):
        by_order.setdefault(str(row.order_id), []).append(
            {"source": "rule", "rule": row.rule, "severity": row.severity, "weight": row.weight, "text": row.reason})
    burst_of: dict[str, Burst] = {}
    for b in bursts:
        for o in b.orders:
            if o not in burst_of or burst_of[o].risk < b.risk:
                burst_of[o] = b
    ring_of = {m: r for r in rings for m in r.members}
    out = []
    for oid, member, a in zip(features["order_id"], features["member_id"], anomaly, strict=True):
        rule_reasons = sorted(by_order.get(oid, []), key=lambda r: -r["weight"])
        rule_risk = _combine([r["weight"] for r in rule_reasons])
        burst = burst_of.get(oid)
        ring = ring_of.get(member) if isinstance(member, str) else None
        parts = {"rules": round(rule_risk, 4), "anomaly": round(float(a), 4),
                 "burst": burst.risk if burst else 0.0, "ring": ring.risk if ring else 0.0}
        risk = _combine([rule_risk, WEIGHTS["anomaly"] * float(a), parts["burst"],
                         WEIGHTS["ring_on_order"] * parts["ring"]])
        if risk < MIN_RISK:
            continue
        reasons = list(rule_reasons)
        if burst:
            reasons.insert(0, {"source": "burst", "burst_id": burst.burst_id, "weight": burst.risk,
                               "text": f"part of a brushing burst: {burst.reason}"})
        if ring and ring.risk >= 0.5:
            reasons.append({"source": "ring", "ring_id": ring.ring_id, "weight": ring.risk,
                            "text": f"buyer is in {ring.ring_id}: {ring.reason}"})
        if a >= MIN_ANOMALY_REASON:
            for r in anomaly_reasons.get(oid, []):
                reasons.append({"source": "anomaly", "weight": round(float(a), 4), **r})
        out.append(Scored("order", oid, member if isinstance(member, str) else None, round(risk, 4), parts, reasons,
                          {"burst": burst.burst_id if burst else None, "ring": ring.ring_id if ring else None}))
    return out


def score_accounts(orders: list[Scored], hits: pd.DataFrame, rings: list[Ring],
                   removed_reviews: dict[str, int]) -> list[Scored]:
    """Combined risk of every account with any evidence."""
    acct_hits = hits[hits["level"] == "account"] if not hits.empty else hits
    by_member: dict[str, list[dict[str, Any]]] = {}
    for row in acct_hits.drop_duplicates(["rule", "member_id"]).itertuples(index=False):
        by_member.setdefault(str(row.member_id), []).append(
            {"source": "rule", "rule": row.rule, "severity": row.severity, "weight": row.weight, "text": row.reason})
    worst: dict[str, Scored] = {}
    risky: dict[str, int] = {}
    for s in orders:
        if s.member_id is None:
            continue
        if s.member_id not in worst or worst[s.member_id].risk < s.risk:
            worst[s.member_id] = s
        risky[s.member_id] = risky.get(s.member_id, 0) + (s.risk >= 0.5)
    ring_of = {m: r for r in rings for m in r.members}
    members = set(by_member) | set(worst) | set(ring_of) | set(removed_reviews)
    out = []
    for m in sorted(members):
        rule_reasons = by_member.get(m, [])
        ring = ring_of.get(m)
        order = worst.get(m)
        removed = removed_reviews.get(m, 0)
        parts = {"rules": round(_combine([r["weight"] for r in rule_reasons]), 4),
                 "ring": ring.risk if ring else 0.0, "orders": order.risk if order else 0.0,
                 "removed_reviews": float(removed)}
        risk = _combine([parts["rules"], parts["ring"], WEIGHTS["order_on_account"] * parts["orders"],
                         WEIGHTS["removed_reviews"] if removed else 0.0])
        if risk < MIN_RISK:
            continue
        reasons = list(rule_reasons)
        if ring:
            reasons.insert(0, {"source": "ring", "ring_id": ring.ring_id, "weight": ring.risk,
                               "text": f"in {ring.ring_id}: {ring.reason}"})
        if removed:
            reasons.append({"source": "reviews", "weight": WEIGHTS["removed_reviews"],
                            "text": f"{removed} of its reviews were removed as fake in the review queue"})
        if order and order.risk >= 0.5:
            reasons.append({"source": "order", "order_id": order.object_id, "weight": order.risk,
                            "text": f"{risky[m]} risky order(s); riskiest {order.object_id} "
                                    f"({order.reasons[0]['text'] if order.reasons else 'risk ' + str(order.risk)})"})
        out.append(Scored("account", m, m, round(risk, 4), parts, reasons, {"ring": ring.ring_id if ring else None}))
    return out
