"""The fraud queue as operators ask about it: patterns, counts by status and pattern, a look-back window.

The queue (:mod:`fraud.queue`) keeps each item's reasons by source (rules, anomalies, bursts, rings).
Operators and the chat ask by *pattern* ("brushing", "card testing", "coupon abuse"):
:func:`item_patterns` names the patterns an item's evidence shows, most specific first, from the rule
checks that fired (their kind, from the rules file in force), the brushing bursts and rings of the latest
scan and, for an account, its riskiest order. :func:`queue_overview` counts the queue by status and
pattern, optionally only for items whose orders fall in the last N days of the data (the data's own
newest order, not today: a demo or an old export still has a "this week"), and lists the riskiest.
:func:`item_facts` gives what an operator needs beside the reasons (amount, date, products; never an IP,
address or card).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from memberinsight.errors import ConfigError, DataValidationError, ModelNotReadyError
from memberinsight.fraud.combine import GROUP_KINDS
from memberinsight.fraud.queue import KINDS, STATUSES, FraudItem, ensure_tables, list_queue

PATTERNS: dict[str, str] = {
    "brushing": "fake or self-purchases of one product followed by five-star reviews",
    "card testing": "many different cards tried from one device, IP or account in a short time",
    "coupon abuse": "one coupon redeemed across linked accounts",
    "account takeover": "an established account suddenly on a new device and address, ordering big",
    "new account big order": "a brand-new account placing a large (express) order",
    "refund abuse": "refunds or chargebacks, or a refund after a good review",
    "cancelled soon": "an order the buyer cancelled in full (or mostly) soon after placing it",
    "order velocity": "many orders in a short time",
    "linked accounts": "accounts tied by shared devices, cards, addresses or IPs",
    "unusual amount": "an order far above the member's or the shop's typical order",
    "removed reviews": "reviews removed as fake in the review queue",
    "unusual order": "an order unlike the shop's usual ones (anomaly detection)",
}
"""Pattern names, most specific first (an item's main pattern is the first that applies)."""
RULE_PATTERNS: dict[str, str] = {
    "card_testing": "card testing", "coupon_reuse_linked": "coupon abuse", "new_device_and_address": "account takeover",
    "new_account_high_value": "new account big order", "refund_rate": "refund abuse",
    "cancelled_after_review": "refund abuse", "velocity": "order velocity", "shared_identifier": "linked accounts",
    "amount_vs_typical": "unusual amount", "cancelled_soon": "cancelled soon",
}
"""The pattern each rule check (:data:`fraud.KINDS`) is evidence of."""
NO_SCAN = "no fraud scan yet: run `memberinsight fraud scan` (or `memberinsight build`)"
_ALL = 1_000_000


@dataclass
class OverviewItem:
    """One queue item for people: its main pattern, the first reason in plain words and when its orders were."""

    item_id: str
    kind: str
    object_id: str
    member_id: str | None
    status: str
    risk: float
    version: int
    pattern: str
    patterns: list[str]
    why: str
    when: datetime | None
    """The order's time; for an account, its latest order."""
    decided_by: str | None = None
    decided_at: str | None = None
    note: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    orders: int | None = None
    """For a burst or a coupon ring: how many orders it stands for."""


@dataclass
class FraudOverview:
    """Counts by status (in the window) and by pattern (in the status asked for), and the riskiest items."""

    counts: dict[str, int]
    by_pattern: dict[str, int]
    items: list[OverviewItem]
    matched: int
    """Items in the status, window and pattern asked for (``items`` holds the riskiest ``limit`` of them)."""
    status: str | None
    pattern: str | None
    days: int | None
    window_start: datetime | None
    window_end: datetime | None
    last_scan: str | None
    """When the latest scores were stored (UTC stamp; None when no scan scored anything)."""


def last_scan(ws: Any) -> str | None:
    """When the latest scan that scored anything stored its scores (a UTC stamp); None when none did."""
    ensure_tables(ws)
    with ws.operations() as con:
        row = con.execute("SELECT max(scanned_at) FROM fraud_scores").fetchone()
    return row[0] if row and row[0] else None


def was_scanned(ws: Any) -> bool:
    """True once a scan has run on this workspace (it stored scores, or left its watermark)."""
    from memberinsight.fraud.scan import WATERMARK_META

    return last_scan(ws) is not None or ws.get_meta(WATERMARK_META) is not None


def rule_kinds(ws: Any) -> dict[str, str]:
    """Rule name -> check kind, from the workspace's rules file (the packaged rules when it is unreadable)."""
    from memberinsight.fraud.rules import load_rules

    try:
        rules = load_rules(ws)
    except ConfigError:
        rules = load_rules(None)
    return {r.name: r.kind for r in rules}


def findings_by_id(ws: Any) -> dict[str, dict[str, Any]]:
    """The latest scan's bursts and rings by finding id (``burst:<id>``, ``ring:<id>``) with their evidence."""
    ensure_tables(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT finding_id, evidence FROM fraud_findings").fetchall()
    return {r["finding_id"]: json.loads(r["evidence"]) for r in rows}


def _scored_reasons(ws: Any, item_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Stored reasons of scored items (queued or not)."""
    if not item_ids:
        return {}
    with ws.operations() as con:
        rows = con.execute(f"SELECT item_id, reasons FROM fraud_scores WHERE item_id IN "
                           f"({', '.join('?' * len(item_ids))})", item_ids).fetchall()
    return {r["item_id"]: json.loads(r["reasons"]) for r in rows}


def reason_patterns(reason: dict[str, Any], kinds: dict[str, str], found: dict[str, dict[str, Any]],
                    order_patterns: dict[str, list[str]] | None = None) -> list[str]:
    """The patterns one reason is evidence of (``kinds``: rule name -> check kind; ``found``:
    :func:`findings_by_id`; ``order_patterns``: patterns of the orders an account's reasons name)."""
    source = reason.get("source")
    if source == "group":  # a burst item's own sentence: the pattern its orders show
        return [str(reason["pattern"])] if reason.get("pattern") in PATTERNS else []
    if source == "burst":
        return ["brushing"]
    if source == "ring":
        ring = found.get(f"ring:{reason.get('ring_id')}", {})
        return ["brushing" if ring.get("bursts") else "linked accounts"] + (
            ["coupon abuse"] if int(ring.get("coupon_accounts") or 0) >= 2 else [])
    if source == "rule":
        return [RULE_PATTERNS.get(kinds.get(str(reason.get("rule")), ""), "unusual order")]
    if source == "reviews":
        return ["removed reviews"]
    if source == "order" and order_patterns is not None:
        return list(order_patterns.get(str(reason.get("order_id")), []))
    return ["unusual order"] if source == "anomaly" else []


def item_patterns(reasons: list[dict[str, Any]], kinds: dict[str, str], found: dict[str, dict[str, Any]],
                  order_patterns: dict[str, list[str]] | None = None) -> list[str]:
    """The patterns ``reasons`` show: the item's own evidence first, in :data:`PATTERNS` order, then what an
    account's riskiest order shows (see :func:`reason_patterns`)."""
    own: set[str] = set()
    inherited: set[str] = set()
    for reason in reasons:
        (inherited if reason.get("source") == "order" else own).update(
            reason_patterns(reason, kinds, found, order_patterns))
    ordered = [p for p in PATTERNS if p in own] + [p for p in PATTERNS if p in inherited - own]
    return ordered or ["unusual order"]


def _times(ws: Any, items: list[FraudItem]) -> tuple[dict[str, datetime], datetime | None]:
    """(item id -> its order's time, an account's latest order or a burst's last order; the data's newest order)."""
    orders = pd.DataFrame({"id": [i.object_id for i in items if i.kind == "order"]}, dtype=str)
    accounts = pd.DataFrame({"id": [i.object_id for i in items if i.kind == "account"]}, dtype=str)
    with ws.analytics(read_only=True) as con:
        newest = con.execute("SELECT max(ordered_at) FROM orders").fetchall()[0][0]
        con.register("_orders", orders)
        con.register("_accounts", accounts)
        rows = con.execute(
            "SELECT 'order:' || o.order_id, min(o.ordered_at) FROM orders o JOIN _orders q ON o.order_id = q.id "
            "GROUP BY 1 UNION ALL SELECT 'account:' || o.member_id, max(o.ordered_at) FROM orders o "
            "JOIN _accounts q ON o.member_id = q.id GROUP BY 1").fetchall()
        con.unregister("_orders")
        con.unregister("_accounts")
    times = {k: v for k, v in rows if v is not None}
    for i in items:
        if i.kind in GROUP_KINDS and i.evidence.get("end"):
            times[i.item_id] = pd.Timestamp(i.evidence["end"]).to_pydatetime()
    return times, newest


def _check(status: str | None, days: int | None, limit: int, pattern: str | None, kind: str | None) -> None:
    if status is not None and status not in STATUSES:
        raise DataValidationError(f"unknown status {status!r} (use one of {', '.join(STATUSES)})", column="status")
    if days is not None and days < 1:
        raise DataValidationError("days must be at least 1 (the last N days of the data)", column="days")
    if limit < 1:
        raise DataValidationError("limit must be at least 1", column="limit")
    if pattern is not None and pattern not in PATTERNS:
        raise DataValidationError(f"unknown pattern {pattern!r} (use one of {', '.join(PATTERNS)})", column="pattern")
    if kind is not None and kind not in KINDS:
        raise DataValidationError(f"unknown kind {kind!r} (use {', '.join(KINDS)})", column="kind")


def queue_overview(ws: Any, status: str | None = None, days: int | None = None, limit: int = 10,
                   pattern: str | None = None, kind: str | None = None) -> FraudOverview:
    """The fraud queue summarised: counts by status, counts by main pattern and the riskiest ``limit`` items.

    ``status`` None: every status. ``days``: only items whose orders are from the last ``days`` days of the
    data (an account: any of its orders). ``pattern``: only items showing that pattern (:data:`PATTERNS`).
    Raises :class:`ModelNotReadyError` when the workspace was never scanned.
    """
    _check(status, days, limit, pattern, kind)
    if not was_scanned(ws):
        raise ModelNotReadyError(NO_SCAN)
    scanned = last_scan(ws)
    queued = list_queue(ws, status=None, kind=kind, limit=_ALL)
    times, newest = _times(ws, queued)
    start = newest - timedelta(days=days) if days and newest is not None else None
    if days:
        queued = [i for i in queued if start is not None and times.get(i.item_id, start) > start]
    counts = dict.fromkeys(STATUSES, 0)
    for i in queued:
        counts[i.status] += 1
    chosen = [i for i in queued if status is None or i.status == status]
    kinds, found = rule_kinds(ws), findings_by_id(ws)
    wanted = sorted({str(r.get("order_id")) for i in chosen for r in i.reasons if r.get("source") == "order"})
    stored = _scored_reasons(ws, [f"order:{o}" for o in wanted])
    order_patterns = {o: item_patterns(stored.get(f"order:{o}", []), kinds, found) for o in wanted}
    rows = []
    for i in chosen:
        patterns = item_patterns(i.reasons, kinds, found, order_patterns)
        if pattern is not None and pattern not in patterns:
            continue
        lead = (i.reasons[0] if i.kind in GROUP_KINDS and i.reasons and i.reasons[0].get("source") == "group"
                else None)
        if lead is not None:  # a burst reads as its own sentence, under the pattern its orders show
            patterns = [p for p in patterns if p == lead.get("pattern")] + [p for p in patterns
                                                                            if p != lead.get("pattern")]
        why = str(lead["text"]) if lead is not None else next((str(r.get("text")) for r in i.reasons if r.get("text")
                    and patterns[0] in reason_patterns(r, kinds, found, order_patterns)),
                   next((str(r.get("text")) for r in i.reasons if r.get("text")), f"risk {i.risk:.0%}"))
        rows.append(OverviewItem(i.item_id, i.kind, i.object_id, i.member_id, i.status, i.risk, i.version,
                                 patterns[0], patterns, why, times.get(i.item_id), i.decided_by, i.decided_at, i.note,
                                 i.reasons, int(i.evidence.get("orders") or 0) if i.kind in GROUP_KINDS else None))
    by_pattern: dict[str, int] = {}
    for row in rows:
        by_pattern[row.pattern] = by_pattern.get(row.pattern, 0) + 1
    by_pattern = {p: by_pattern[p] for p in PATTERNS if p in by_pattern}
    return FraudOverview(counts, by_pattern, rows[:limit], len(rows), status, pattern, days, start, newest, scanned)


def main_pattern(ws: Any, item: FraudItem) -> str:
    """The item's main pattern, as :func:`queue_overview` names it (a burst or coupon ring: its own)."""
    lead = item.reasons[0] if item.kind in GROUP_KINDS and item.reasons else {}
    if lead.get("source") == "group" and lead.get("pattern") in PATTERNS:
        return str(lead["pattern"])
    return item_patterns(item.reasons, rule_kinds(ws), findings_by_id(ws))[0]


def item_facts(ws: Any, item: FraudItem) -> dict[str, Any]:
    """What an operator reads beside the reasons: for an order its time, amount, lines, units, products, payment
    status and delivery; for an account its signup, orders, spend and first and last order; for a burst its orders,
    accounts, total value, first and last order and products. No personal values."""
    from memberinsight.fraud.facts import order_columns

    if item.kind in GROUP_KINDS:
        return _burst_facts(ws, item)
    with ws.analytics(read_only=True) as con:
        have = order_columns(con)
        extra = ", ".join(f"any_value({c}) AS {c}" if c in have else f"NULL AS {c}" for c in ("status", "shipping_method"))
        if item.kind == "order":
            row = con.execute(
                f"SELECT min(o.ordered_at) AS ordered_at, any_value(o.member_id) AS member_id, "
                f"sum(o.quantity * o.unit_price) FILTER (WHERE o.quantity > 0) AS amount, count(*) AS lines, "
                f"sum(o.quantity) FILTER (WHERE o.quantity > 0) AS units, "
                f"string_agg(DISTINCT coalesce(p.title, o.product_id), '; ') AS products, {extra} "
                f"FROM orders o LEFT JOIN products p USING (product_id) WHERE o.order_id = ?", [item.object_id]).fetchone()
            names: tuple[str, ...] = ("ordered_at", "member_id", "amount", "lines", "units", "products", "status",
                                      "shipping_method")
        else:
            row = con.execute(
                "SELECT any_value(m.signup_date) AS signup_date, count(DISTINCT o.order_id) AS orders, "
                "sum(o.quantity * o.unit_price) FILTER (WHERE o.quantity > 0) AS spend, min(o.ordered_at) AS first_order, "
                "max(o.ordered_at) AS last_order FROM members m LEFT JOIN orders o USING (member_id) "
                "WHERE m.member_id = ?", [item.object_id]).fetchone()
            names = ("signup_date", "orders", "spend", "first_order", "last_order")
    if row is None:
        return {}
    return {k: v for k, v in zip(names, row, strict=True) if v is not None}


def _burst_facts(ws: Any, item: FraudItem) -> dict[str, Any]:
    """A burst's or coupon ring's orders in figures (all its orders, from the queue's record of them)."""
    from memberinsight.fraud.queue import item_orders

    orders = item_orders(ws, item.item_id) or list(item.evidence.get("order_ids", []))
    if not orders:
        return {}
    with ws.analytics(read_only=True) as con:
        con.register("_burst_orders", pd.DataFrame({"order_id": orders}, dtype=str))
        try:
            row = con.execute(
                "SELECT count(DISTINCT o.order_id), count(DISTINCT o.member_id), "
                "sum(o.quantity * o.unit_price) FILTER (WHERE o.quantity > 0), min(o.ordered_at), max(o.ordered_at), "
                "string_agg(DISTINCT coalesce(p.title, o.product_id), '; ') FROM orders o "
                "JOIN _burst_orders USING (order_id) LEFT JOIN products p USING (product_id)").fetchall()[0]
        finally:
            con.unregister("_burst_orders")
    if row is None:
        return {}
    names = ("orders", "accounts", "amount", "first_order", "last_order", "products")
    facts = {k: v for k, v in zip(names, row, strict=True) if v is not None}
    facts["order_ids"] = sorted(orders)[:10]
    return facts
