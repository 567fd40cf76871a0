"""Coupon abuse as one queue item per ring: linked accounts reusing a coupon, together.

Coupon abuse is not a burst in time: five fresh accounts on one device each redeem the first-order coupon
over a week or two. Queued one order at a time it is five to ten near-identical items that are one decision.
:func:`find_coupon_rings` takes the orders the coupon rule (``coupon_reuse_linked``) hit and ties their
accounts when the orders share a device, IP address, shipping address or card hash (an identifier shared by
more than the rule's ``max_accounts`` accounts, such as a mobile gateway, ties nobody, as in the rule). Each
connected set of at least two accounts is a ring; :func:`coupon_ring_items` makes one ``coupon_ring`` item
per ring, built like a burst item (:mod:`fraud.groups`): its risk is the riskiest of its orders' risks, its
evidence names the coupons, the accounts, the orders, the discount in all and what links the accounts, and its
first reason says it in plain words ("coupon WELCOME10 used by 5 linked accounts on 7 orders, £35.00 off in all;
shared device"). A decision on it applies to every order, like a burst's (the queue treats both as group items,
:data:`fraud.combine.GROUP_KINDS`). Orders of a ring are not queued one by one unless the evidence *outside* the
ring (other rules, the anomaly score, a ring of accounts other than this one) is enough on its own.

Orders already in a burst or run (:func:`fraud.groups.find_groups`) stay with it: a ring never takes them.
Identifiers appear only as what kind they are ("device", "card"), never as values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from memberinsight.fraud.combine import WEIGHTS, Scored
from memberinsight.fraud.groups import (
    SHOWN_ORDERS,
    SHOWN_REASONS,
    BurstItems,
    OrderGroup,
    UnionFind,
    group_items,
    noisy_or,
    span_words,
)
from memberinsight.fraud.rings import Ring
from memberinsight.fraud.rules import Rule

COUPON_KIND = "coupon_reuse_linked"
LINKS = (("device_id", "device"), ("payment_fingerprint", "card"), ("ip_hash", "IP address"),
         ("shipping_address_hash", "address"))
"""Identifier columns that tie two accounts of a ring, and what each is called in words."""
PATTERN = "coupon abuse"


@dataclass
class CouponGroup(OrderGroup):
    """A ring's orders (an :class:`OrderGroup`) with the coupon and discount of each and what ties its accounts."""

    coupons: dict[str, str] = field(default_factory=dict)
    discounts: dict[str, float] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    """Link kind (``device``, ``card``...) -> how many shared values of that kind tie the ring's accounts."""

    @property
    def group_id(self) -> str:
        """Provisional item id: the ring's first order (a rescan may map it onto an existing item)."""
        return f"coupon_ring:{self.orders[0]}"


def _hubs(con: duckdb.DuckDBPyConnection, max_accounts: int) -> set[tuple[str, str]]:
    """``(column, value)`` of identifiers shared by more than ``max_accounts`` accounts: they tie nobody."""
    parts = " UNION ALL ".join(f"SELECT '{c}' AS col, {c} AS v, member_id FROM f_orders WHERE {c} IS NOT NULL"
                               for c, _ in LINKS)
    rows = con.execute(f"SELECT col, v FROM ({parts}) GROUP BY ALL HAVING count(DISTINCT member_id) > ?",
                       [int(max_accounts)]).fetchall()
    return {(str(c), str(v)) for c, v in rows}


def _candidates(hits: pd.DataFrame, names: set[str], rings: list[Ring]) -> tuple[set[str], list[list[str]]]:
    """Accounts that may be in a coupon ring (the coupon rule's buyers and the members of account rings where
    several accounts redeemed one coupon) and those account rings' member lists (they tie their accounts)."""
    hit = hits.loc[hits["rule"].isin(names), "member_id"].dropna() if not hits.empty else pd.Series(dtype=str)
    tied = [list(r.members) for r in rings if r.coupon_accounts >= 2 and not r.bursts and r.risk >= 0.5]
    return {str(m) for m in hit} | {m for members in tied for m in members}, tied


def find_coupon_rings(con: duckdb.DuckDBPyConnection, hits: pd.DataFrame, rules: list[Rule],
                      rings: list[Ring] | None = None, taken: set[str] | None = None) -> list[CouponGroup]:
    """The rings of linked accounts reusing a coupon (facts tables prepared on ``con``).

    Accounts are those the coupon rule hit, plus the members of an account ring (:mod:`fraud.rings`, no brushing
    burst, risk at least 0.5) where at least two redeemed one coupon; two are tied when their coupon orders share
    a device, IP, address or card (hubs excepted) or they are in one such account ring. A ring holds its accounts'
    coupon orders for every coupon at least two of them redeemed; ``taken``: orders already in a burst or run,
    left out.
    """
    coupon_rules = [r for r in rules if r.enabled and r.kind == COUPON_KIND]
    if not coupon_rules:
        return []
    names = {r.name for r in coupon_rules}
    accounts_in, tied = _candidates(hits, names, rings or [])
    if not accounts_in:
        return []
    max_accounts = min(int(r.params.get("max_accounts", 30)) for r in coupon_rules)
    con.register("_coupon_accounts", pd.DataFrame({"member_id": sorted(accounts_in)}, dtype=str))
    try:
        facts = con.execute(
            "SELECT o.order_id, o.member_id, o.ordered_at, o.amount, o.top_product, o.coupon_code, "
            f"o.discount_amount, {', '.join('o.' + c for c, _ in LINKS)} FROM f_orders o "
            "JOIN _coupon_accounts USING (member_id) WHERE o.coupon_code IS NOT NULL AND NOT o.is_return "
            "ORDER BY o.ordered_at, o.order_id").df()
    finally:
        con.unregister("_coupon_accounts")
    facts = facts[~facts["order_id"].astype(str).isin(taken or set())]
    if facts.empty:
        return []
    hubs = _hubs(con, max_accounts)
    union = UnionFind()
    accounts = sorted({str(m) for m in facts["member_id"]})
    index = {m: i for i, m in enumerate(accounts)}
    sharing: dict[tuple[str, str], set[str]] = {}
    for col, _ in LINKS:
        for member, value in facts[["member_id", col]].dropna().itertuples(index=False):
            if (col, str(value)) not in hubs:
                sharing.setdefault((col, str(value)), set()).add(str(member))
    for owners in [*sharing.values(), *tied]:
        present = sorted(m for m in owners if m in index)
        for other in present[1:]:
            union.join(index[other], index[present[0]])
    components: dict[int, list[str]] = {}
    for m in accounts:
        components.setdefault(union.find(index[m]), []).append(m)
    label = dict(LINKS)
    groups = []
    for members in components.values():
        part = facts[facts["member_id"].isin(members)]
        users = part.groupby("coupon_code")["member_id"].nunique()
        part = part[part["coupon_code"].isin(users[users >= 2].index)]
        if part["member_id"].nunique() < 2:
            continue
        members = sorted({str(m) for m in part["member_id"]})
        orders = [str(o) for o in part["order_id"]]
        links = Counter(label[col] for (col, _), owners in sharing.items() if len(owners & set(members)) >= 2)
        if not links:  # tied through an account ring only: what ties that ring
            links = Counter({k: n for r in rings or [] if set(r.members) & set(members) for k, n in r.links.items()})
        groups.append(CouponGroup(
            orders, members, pd.Timestamp(part["ordered_at"].min()), pd.Timestamp(part["ordered_at"].max()),
            float(part["amount"].sum()), set(names), [], sorted({str(p) for p in part["top_product"].dropna()}),
            links.most_common(1)[0][0] if links else None, PATTERN,
            {str(o): pd.Timestamp(t) for o, t in zip(part["order_id"], part["ordered_at"], strict=True)},
            {str(o): float(a) for o, a in zip(part["order_id"], part["amount"].fillna(0.0), strict=True)},
            {str(o): str(m) for o, m in zip(part["order_id"], part["member_id"], strict=True)},
            linking_rules={r.name for r in rules if r.kind == "shared_identifier"},
            coupons={str(o): str(c) for o, c in zip(part["order_id"], part["coupon_code"], strict=True)},
            discounts={str(o): float(d) for o, d in zip(part["order_id"], part["discount_amount"], strict=True)
                       if d is not None and d == d},
            links=dict(links.most_common())))
    return sorted(groups, key=lambda g: g.orders[0])


def ring_sentence(group: CouponGroup, order_ids: list[str]) -> str:
    """The ring in plain words: ``coupon WELCOME10 used by 5 linked accounts on 7 orders, £35.00 off in all;
    shared device``."""
    from memberinsight.figures import money

    codes = Counter(group.coupons[o] for o in order_ids if o in group.coupons)
    members = {group.buyers[o] for o in order_ids if o in group.buyers}
    if len(codes) == 1:
        coupon = f"coupon {next(iter(codes))}"
    else:
        named = [f"{c} ({n} order{'s' if n > 1 else ''})" for c, n in codes.most_common()]
        coupon = "coupons " + (", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else "".join(named))
    off = [group.discounts[o] for o in order_ids if o in group.discounts]
    who = f"{len(members)} linked accounts" if len(members) != 1 else f"linked account {next(iter(members))}"
    text = f"{coupon} used by {who} on {len(order_ids)} order{'s' if len(order_ids) != 1 else ''}"
    if off:
        text += f", {money(sum(off))} off in all"
    if group.links:
        kinds = list(group.links)
        text += "; shared " + (", ".join(kinds[:-1]) + " and " + kinds[-1] if len(kinds) > 1 else kinds[0])
    return text


def _outside_risk(order: Scored, group: CouponGroup, rings: dict[str, Ring]) -> float:
    """The order's risk without the ring's own evidence: the coupon rule, the shared-identifier rules and an
    account ring made of the same accounts (tied by the same identifiers)."""
    own = group.rules | group.linking_rules
    values = [float(r["weight"]) for r in order.reasons if r.get("source") == "rule" and r.get("rule") not in own]
    values.append(WEIGHTS["anomaly"] * float(order.parts.get("anomaly", 0.0)))
    ring = rings.get(str(order.evidence.get("ring")))
    if ring is not None and not set(ring.members) & set(group.members):
        values.append(WEIGHTS["ring_on_order"] * float(order.parts.get("ring", 0.0)))
    values.append(float(order.parts.get("burst", 0.0)))
    return noisy_or(values)


def coupon_ring_item(group: CouponGroup, order_ids: list[str], scored: dict[str, Scored], item_id: str | None = None,
                     note: str | None = None) -> Scored:
    """One ``coupon_ring`` item over ``order_ids`` (the ring's orders, or the new ones when continuing a decided
    item); ``scored``: the scan's scored orders by id."""
    ids = sorted(order_ids, key=lambda o: (group.times.get(o, group.start), o))
    members = sorted({group.buyers[o] for o in ids if o in group.buyers})
    times = [group.times[o] for o in ids if o in group.times] or [group.start, group.end]
    start, end = min(times), max(times)
    total = sum(group.amounts.get(o, 0.0) for o in ids)
    orders = [scored[o] for o in ids if o in scored]
    risk = max((s.risk for s in orders), default=0.0)
    sentence = ring_sentence(group, ids)
    reasons: list[dict[str, Any]] = [{"source": "group", "pattern": PATTERN, "weight": risk, "text": sentence}]
    if note:
        reasons.append({"source": "group", "pattern": PATTERN, "weight": risk, "text": note})
    seen: dict[str, dict[str, Any]] = {}
    for s in orders:
        for r in s.reasons:
            rule = str(r.get("rule"))
            if r.get("source") == "rule" and (rule not in seen or float(seen[rule]["weight"]) < float(r["weight"])):
                seen[rule] = r
    reasons += sorted(seen.values(), key=lambda r: -float(r["weight"]))[:SHOWN_REASONS]
    codes = Counter(group.coupons[o] for o in ids if o in group.coupons)
    off = [group.discounts[o] for o in ids if o in group.discounts]
    evidence = {"orders": len(ids), "order_ids": ids[:SHOWN_ORDERS], "span_minutes": round(
        (end - start).total_seconds() / 60, 1), "span": span_words((end - start).total_seconds() / 60),
        "total_value": round(total, 2), "discount": round(sum(off), 2) if off else None, "start": str(start),
        "end": str(end), "accounts": len(members), "account_ids": members[:SHOWN_ORDERS], "pattern": PATTERN,
        "coupons": dict(codes.most_common()), "links": dict(group.links), "via": group.via,
        "rules": sorted(group.rules), "products": group.products[:SHOWN_ORDERS], "summary": sentence}
    object_id = item_id.split(":", 1)[1] if item_id else ids[0]
    return Scored("coupon_ring", object_id, members[0] if len(members) == 1 else None, round(risk, 4),
                  {"riskiest_order": round(risk, 4)}, reasons, evidence, orders=ids)


def coupon_ring_items(groups: list[CouponGroup], orders: list[Scored], queue_min_risk: float,
                      rings: list[Ring] | None = None) -> BurstItems:
    """One coupon-ring item per ring; orders whose evidence outside the ring would not queue them get ``in_burst``
    set to the ring's item (orders already set by a burst keep theirs)."""
    by_ring = {r.ring_id: r for r in rings or []}
    return group_items(groups, orders, queue_min_risk, coupon_ring_item,
                       lambda order, group: _outside_risk(order, group, by_ring),
                       markable=lambda order: order.in_burst is None)
