"""Bursts as one queue item: the orders of one brushing burst or one velocity / card-testing run, together.

A card-testing attack or a brushing burst is tens of near-identical orders; queued one by one, an
analyst works thirty items that are one decision. :func:`find_groups` collects, over the whole history:

* every brushing burst (:func:`fraud.brushing.find_bursts`): its orders;
* every *run* of a velocity or card-testing rule: the orders the rule hit that share the key it groups
  by (account, device, IP, address or card) and follow each other within the rule's window;

and merges groups that share an order (one attack often fires the account rule, the device rule and
card testing at once). :func:`burst_items` then makes one ``burst`` item per group: its risk is the
riskiest of its orders' risks (each order's risk already counts the burst or run as evidence), its
evidence lists the orders (count, span, total value, the first few ids) and its first reason says it
in plain words ("12 orders in 9 minutes, £38 in all, account M1"). Orders of a group are not queued
one by one (``Scored.in_burst``) unless the evidence *outside* the group (other rules, the anomaly
score, a ring) is enough on its own to queue them.

Why a ``burst`` kind and not the account item: a burst is a set of orders, sometimes from many accounts
(brushing, a device cycling accounts), and confirming it must leave out exactly those orders; confirming
an account leaves out its whole history, which is wrong for a taken-over account's owner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pandas as pd

from memberinsight.fraud.brushing import Burst
from memberinsight.fraud.combine import WEIGHTS, Scored
from memberinsight.fraud.kinds import IDENTIFIER_LABELS
from memberinsight.fraud.rings import Ring
from memberinsight.fraud.rules import Rule

RUN_KINDS = {"velocity": ("minutes", 60.0), "card_testing": ("hours", 3600.0)}
"""Rule checks whose hits come in runs: the parameter that sets the window and its unit in seconds."""
RUN_DEFAULT_BY = {"velocity": "member_id", "card_testing": "device_id"}
SHOWN_ORDERS = 10
SHOWN_REASONS = 5


@dataclass
class OrderGroup:
    """Orders that are one event (a burst or a run), with what made them one."""

    orders: list[str]
    members: list[str]
    start: pd.Timestamp
    end: pd.Timestamp
    total: float
    rules: set[str] = field(default_factory=set)
    bursts: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    via: str | None = None
    """What ties the orders when not one account (``device``, ``IP address``...)."""
    pattern: str = "order velocity"
    times: dict[str, pd.Timestamp] = field(default_factory=dict)
    amounts: dict[str, float] = field(default_factory=dict)
    buyers: dict[str, str] = field(default_factory=dict)
    linking_rules: set[str] = field(default_factory=set)
    """Rules the group's own definition already covers: for a brushing burst, the shared-identifier rules
    (its buyers are linked by definition)."""

    @property
    def group_id(self) -> str:
        """Provisional item id: the group's first order (a rescan may map it onto an existing item)."""
        return f"burst:{self.orders[0]}"


class UnionFind:
    """Disjoint sets over integer ids (path halving): ``union(a, b)`` links two, ``find(i)`` names i's set."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, i: int) -> int:
        self.parent.setdefault(i, i)
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _runs(con: duckdb.DuckDBPyConnection, hits: pd.DataFrame, rules: list[Rule]) -> list[tuple[list[str], str, str]]:
    """``(orders, rule name, key column)`` for every run of a velocity or card-testing rule."""
    out: list[tuple[list[str], str, str]] = []
    if hits.empty:
        return out
    for rule in rules:
        if not rule.enabled or rule.kind not in RUN_KINDS:
            continue
        hit = hits.loc[hits["rule"] == rule.name, ["order_id"]].dropna().drop_duplicates()
        if hit.empty:
            continue
        by = str(rule.params.get("by", RUN_DEFAULT_BY[rule.kind]))
        if by not in IDENTIFIER_LABELS:  # checked when the rule was loaded; never splice anything else
            continue
        param, unit = RUN_KINDS[rule.kind]
        window = float(rule.params.get(param, 1.0)) * unit
        con.register("_run_hits", hit.astype(str))
        try:
            rows = con.execute(f"SELECT o.order_id, o.{by} AS k, epoch(o.ordered_at) AS t FROM f_orders o "
                               f"JOIN _run_hits h USING (order_id) WHERE o.{by} IS NOT NULL ORDER BY k, t, order_id"
                               ).fetchall()
        finally:
            con.unregister("_run_hits")
        current: list[str] = []
        last_key, last_t = None, 0.0
        for order_id, key, t in rows:
            if current and (key != last_key or float(t) - last_t > window):
                out.append((current, rule.name, by))
                current = []
            current.append(str(order_id))
            last_key, last_t = key, float(t)
        if current:
            out.append((current, rule.name, by))
    return [r for r in out if len(r[0]) >= 2]


def find_groups(con: duckdb.DuckDBPyConnection, hits: pd.DataFrame, bursts: list[Burst],
                rules: list[Rule]) -> list[OrderGroup]:
    """Brushing bursts and rule runs, merged where they share orders (facts tables prepared on ``con``)."""
    runs = _runs(con, hits, rules)
    kinds = {r.name: r.kind for r in rules}
    product_of = {b.burst_id: b.product_id for b in bursts}
    sources: list[tuple[list[str], str | None, str | None, str | None]] = (
        [(b.orders, None, b.burst_id, None) for b in bursts] + [(o, rule, None, by) for o, rule, by in runs])
    if not sources:
        return []
    union = UnionFind()
    first_of: dict[str, int] = {}
    for i, (orders, *_) in enumerate(sources):
        union.find(i)
        for o in orders:
            if o in first_of:
                union.join(i, first_of[o])
            else:
                first_of[o] = i
    merged: dict[int, list[int]] = {}
    for i in range(len(sources)):
        merged.setdefault(union.find(i), []).append(i)
    every = sorted(first_of)
    con.register("_group_orders", pd.DataFrame({"order_id": every}, dtype=str))
    try:
        facts = con.execute("SELECT o.order_id, o.member_id, o.ordered_at, o.amount, o.top_product FROM f_orders o "
                            "JOIN _group_orders USING (order_id)").df().set_index("order_id")
    finally:
        con.unregister("_group_orders")
    groups = []
    for members in merged.values():
        orders = sorted({o for i in members for o in sources[i][0] if o in facts.index},
                        key=lambda o: (facts.at[o, "ordered_at"], o))
        if len(orders) < 2:
            continue
        part = facts.loc[orders]
        rules_in = {str(sources[i][1]) for i in members if sources[i][1]}
        bursts_in = sorted({str(sources[i][2]) for i in members if sources[i][2]})
        bys = {str(sources[i][3]) for i in members if sources[i][3]}
        accounts = sorted({str(m) for m in part["member_id"].dropna()})
        via = None
        if len(accounts) != 1:
            via = next((IDENTIFIER_LABELS[b] for b in ("device_id", "payment_fingerprint", "ip_hash",
                                                       "shipping_address_hash") if b in bys), None)
        pattern = ("brushing" if bursts_in else "card testing"
                   if any(kinds.get(r) == "card_testing" for r in rules_in) else "order velocity")
        groups.append(OrderGroup(orders, accounts, pd.Timestamp(part["ordered_at"].min()),
                                 pd.Timestamp(part["ordered_at"].max()), float(part["amount"].sum()), rules_in,
                                 bursts_in, sorted({product_of[b] for b in bursts_in} if bursts_in
                                                   else {str(p) for p in part["top_product"].dropna()}), via, pattern,
                                 {o: pd.Timestamp(t) for o, t in part["ordered_at"].items()},
                                 {o: float(a) for o, a in part["amount"].fillna(0.0).items()},
                                 {o: str(m) for o, m in part["member_id"].dropna().items()},
                                 linking_rules={r for r, k in kinds.items() if k == "shared_identifier"}
                                 if bursts_in else set()))
    return sorted(groups, key=lambda g: g.orders[0])


def span_words(minutes: float) -> str:
    """``9 minutes``, ``5.2 hours``, ``3.1 days``."""
    if minutes < 1.5:
        return "1 minute" if minutes >= 0.5 else "under a minute"
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:.1f} days"


def group_sentence(group: OrderGroup, orders: list[str] | None = None, total: float | None = None,
                   start: Any = None, end: Any = None, members: list[str] | None = None) -> str:
    """The burst in plain words: ``12 orders in 9 minutes, £38 in all, account M1``."""
    from memberinsight.figures import money

    orders = orders if orders is not None else group.orders
    members = members if members is not None else group.members
    start, end = pd.Timestamp(start if start is not None else group.start), pd.Timestamp(
        end if end is not None else group.end)
    total = group.total if total is None else total
    what = (f"{len(orders)} small orders of product {group.products[0]}"
            if group.pattern == "brushing" and len(group.products) == 1 else f"{len(orders)} orders")
    who = (f"account {members[0]}" if len(members) == 1 else
           f"{len(members)} accounts" + (f" on one {group.via}" if group.via else "") if members else "guest checkouts")
    return f"{what} in {span_words((end - start).total_seconds() / 60)}, {money(total)} in all, {who}"


def _outside_risk(order: Scored, group: OrderGroup, ring_bursts: dict[str, set[str]]) -> float:
    """The order's risk without the group's own evidence: its runs' rules, its brushing burst and a ring tied
    by that burst (the ring's accounts keep their own items for the rest of the ring's evidence)."""
    own = group.rules | group.linking_rules
    values = [float(r["weight"]) for r in order.reasons if r.get("source") == "rule" and r.get("rule") not in own]
    values.append(WEIGHTS["anomaly"] * float(order.parts.get("anomaly", 0.0)))
    ring = order.evidence.get("ring")
    if not (ring and ring_bursts.get(str(ring), set()) & set(group.bursts)):
        values.append(WEIGHTS["ring_on_order"] * float(order.parts.get("ring", 0.0)))
    if any(r.get("source") == "burst" and r.get("burst_id") not in group.bursts for r in order.reasons):
        values.append(float(order.parts.get("burst", 0.0)))
    return noisy_or(values)


def noisy_or(values: list[float]) -> float:
    """The chance that at least one of independent risks ``values`` (each clipped to 0..1) holds."""
    keep = 1.0
    for v in values:
        keep *= 1.0 - min(max(v, 0.0), 1.0)
    return 1.0 - keep


def burst_item(group: OrderGroup, order_ids: list[str], scored: dict[str, Scored], item_id: str | None = None,
               note: str | None = None) -> Scored:
    """One ``burst`` item over ``order_ids`` (``group``'s orders, or the new ones when continuing a decided item);
    ``scored``: the scan's scored orders by id (an order too weak to be scored still belongs to the burst)."""
    ids = sorted(order_ids, key=lambda o: (group.times.get(o, group.start), o))
    members = sorted({group.buyers[o] for o in ids if o in group.buyers})
    times = [group.times[o] for o in ids if o in group.times] or [group.start, group.end]
    start, end = min(times), max(times)
    total = sum(group.amounts.get(o, 0.0) for o in ids)
    orders = [scored[o] for o in ids if o in scored]
    risk = max((s.risk for s in orders), default=0.0)
    sentence = group_sentence(group, ids, total, start, end, members)
    reasons: list[dict[str, Any]] = [{"source": "group", "pattern": group.pattern, "weight": risk, "text": sentence}]
    if note:
        reasons.append({"source": "group", "pattern": group.pattern, "weight": risk, "text": note})
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for s in orders:
        for r in s.reasons:
            if r.get("source") not in ("rule", "burst"):
                continue
            key = (r.get("source"), r.get("rule"), r.get("burst_id"))
            if key not in seen or float(seen[key]["weight"]) < float(r["weight"]):
                seen[key] = r
    reasons += sorted(seen.values(), key=lambda r: -float(r["weight"]))[:SHOWN_REASONS]
    evidence = {"orders": len(ids), "order_ids": ids[:SHOWN_ORDERS], "span_minutes": round(
        (end - start).total_seconds() / 60, 1), "total_value": round(total, 2), "start": str(start), "end": str(end),
        "accounts": len(members), "account_ids": members[:SHOWN_ORDERS], "pattern": group.pattern,
        "rules": sorted(group.rules), "bursts": group.bursts, "burst": group.bursts[0] if group.bursts else None,
        "products": group.products[:SHOWN_ORDERS], "via": group.via, "summary": sentence}
    object_id = item_id.split(":", 1)[1] if item_id else ids[0]
    return Scored("burst", object_id, members[0] if len(members) == 1 else None, round(risk, 4),
                  {"riskiest_order": round(risk, 4)}, reasons, evidence, orders=ids)


@dataclass
class BurstItems:
    """What :func:`burst_items` made: the items, the orders (``in_burst`` set where only the burst queues them)
    and, per provisional item id, the group it came from (to continue a decided item with new orders)."""

    items: list[Scored]
    orders: list[Scored]
    groups: dict[str, OrderGroup]


def burst_items(groups: list[OrderGroup], orders: list[Scored], queue_min_risk: float,
                rings: list[Ring] | None = None) -> BurstItems:
    """One burst item per group; orders whose evidence outside the group would not queue them get ``in_burst``
    (``rings``: the scan's rings, so a ring that is tied by the group's own burst is not counted as outside)."""
    ring_bursts = {r.ring_id: set(r.bursts) for r in rings or []}
    return group_items(groups, orders, queue_min_risk, burst_item,
                       lambda order, group: _outside_risk(order, group, ring_bursts))


def group_items(groups: Sequence[Any], orders: list[Scored], queue_min_risk: float,
                make_item: Callable[[Any, list[str], dict[str, Scored]], Scored],
                outside_risk: Callable[[Scored, Any], float],
                markable: Callable[[Scored], bool] = lambda order: True) -> BurstItems:
    """One item per group (``make_item``; groups whose item has no risk are dropped); a ``markable`` order of a
    group whose ``outside_risk`` (its risk without the group's evidence) would not queue it on its own gets
    ``in_burst`` set to the group's item, the first group's when it is in several. Shared by bursts and
    coupon rings."""
    by_id = {s.object_id: s for s in orders if s.kind == "order"}
    items: list[Scored] = []
    marked: dict[str, str] = {}
    made: dict[str, Any] = {}
    for g in groups:
        item = make_item(g, g.orders, by_id)
        if item.risk <= 0:
            continue
        items.append(item)
        made[item.item_id] = g
        for o in g.orders:
            s = by_id.get(o)
            if s is not None and markable(s) and outside_risk(s, g) < queue_min_risk:
                marked.setdefault(o, item.item_id)
    kept = [replace(s, in_burst=marked[s.object_id]) if s.kind == "order" and s.object_id in marked else s
            for s in orders]
    for item in items:
        item.evidence["own_items"] = [o for o in item.orders if o in by_id and o not in marked][:SHOWN_ORDERS]
    return BurstItems(items, kept, made)
