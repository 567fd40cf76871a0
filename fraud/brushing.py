"""Order brushing (刷单): bursts of small orders of one product from fresh or linked accounts, then 5-star reviews.

For each product, its purchase orders are marked *suspicious* when the order is small (at most
``small_multiple`` times the shop's typical order), the buyer then posted a 5-star review of that
product within ``review_days``, and the buyer's account was at most ``fresh_days`` old or shares a
device, IP, address or card with another buyer of the same product (identifiers shared by more than
``hub_accounts`` accounts do not count). A burst is a ``window_days`` window holding at least
``min_orders`` suspicious orders of one product from different accounts when that count is
improbable at the expected count (the product's orders in that window times the product's usual
share of such orders, see :func:`_windows`): its Poisson tail is below ``alpha`` divided by the number
of product-weeks in the history (a Bonferroni correction: a big catalogue over years has many weeks
in which chance alone could look like a burst). Each burst comes with its evidence; its risk grows with the
review share, the fresh and linked shares and near-duplicate review texts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from memberinsight.fraud.facts import LINK_FIELDS

PRIOR_ORDERS = 20.0


@dataclass(frozen=True)
class BrushingParams:
    """Thresholds of the burst search (see the module docstring)."""

    fresh_days: int = 30
    hub_accounts: int = 10
    small_multiple: float = 2.0
    window_days: float = 7.0
    min_orders: int = 4
    alpha: float = 0.05
    review_days: int = 21
    min_review_share: float = 0.5


@dataclass
class Burst:
    """One detected burst with its evidence."""

    burst_id: str
    product_id: str
    start: pd.Timestamp
    end: pd.Timestamp
    orders: list[str]
    members: list[str]
    fresh: int
    linked: int
    five_star_reviews: int
    expected_orders: float
    p_value: float
    near_duplicate_reviews: int = 0
    review_ids: list[str] = field(default_factory=list)
    risk: float = 0.0

    @property
    def reason(self) -> str:
        """The burst in one sentence."""
        return (f"{len(self.orders)} small orders of {self.product_id} in "
                f"{max((self.end - self.start).total_seconds() / 86400, 0.1):.1f} days "
                f"(about {self.expected_orders:.1f} expected), {self.fresh} from accounts under a month old, "
                f"{self.linked} from accounts sharing a device, IP, address or card, followed by "
                f"{self.five_star_reviews} five-star reviews ({self.near_duplicate_reviews} near-duplicates)")


def _suspicious_orders(con: duckdb.DuckDBPyConnection, p: BrushingParams) -> pd.DataFrame:
    """Small orders whose buyer then posted a 5-star review of the product, from a fresh account or one sharing a
    (non-hub) device, IP, address or card with another such buyer of the same product."""
    fields = ", ".join(f"o.{f}" for f in LINK_FIELDS)
    cand = con.execute(f"""
        SELECT DISTINCT o.order_id, l.product_id, o.member_id, o.ordered_at, {fields},
               date_diff('day', m.signup, o.ordered_at) <= $fresh AS fresh
        FROM f_orders o JOIN orders l ON l.order_id = o.order_id AND l.quantity > 0
        JOIN reviews r ON r.member_id = o.member_id AND r.product_id = l.product_id AND r.rating = 5
             AND r.created_at >= o.ordered_at AND r.created_at <= o.ordered_at + to_days(CAST($days AS INTEGER))
        JOIN f_members m ON m.member_id = o.member_id CROSS JOIN f_shop s
        WHERE NOT o.is_return AND o.amount <= $small * s.typical
        ORDER BY l.product_id, o.ordered_at, o.order_id""",
        {"fresh": p.fresh_days, "small": p.small_multiple, "days": p.review_days}).df()
    linked = pd.Series(False, index=cand.index)
    for f in LINK_FIELDS:
        values = cand[[f]].dropna().drop_duplicates()
        if values.empty:
            continue
        con.register("_brush_values", values.rename(columns={f: "v"}))
        try:
            hubs = {r[0] for r in con.execute(
                f"SELECT o.{f} FROM f_orders o JOIN _brush_values b ON b.v = o.{f} GROUP BY 1 "
                "HAVING count(DISTINCT o.member_id) > $hub", {"hub": p.hub_accounts}).fetchall()}
        finally:
            con.unregister("_brush_values")
        usable = cand[f].notna() & ~cand[f].isin(hubs)
        buyers = cand[usable].groupby(["product_id", f])["member_id"].transform("nunique")
        linked |= (buyers >= 2).reindex(cand.index, fill_value=False)
    cand["linked"] = linked.to_numpy()
    keep = cand["fresh"].fillna(False).astype(bool) | cand["linked"]
    return cand.loc[keep, ["order_id", "product_id", "member_id", "ordered_at", "fresh", "linked"]].reset_index(
        drop=True)


def _poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean)."""
    if mean <= 0:
        return 0.0 if k > 0 else 1.0
    term = math.exp(-mean)
    below = 0.0
    for i in range(k):
        below += term
        term *= mean / (i + 1)
    return max(0.0, 1.0 - below)


def find_bursts(con: duckdb.DuckDBPyConnection, params: BrushingParams | None = None) -> list[Burst]:
    """Brushing bursts over the facts tables (:func:`fraud.facts.prepare_facts` first), riskiest first."""
    p = params or BrushingParams()
    sus = _suspicious_orders(con, p)
    if sus.empty:
        return []
    counts = sus.groupby("product_id")["member_id"].nunique()
    candidates = counts[counts >= p.min_orders].index
    con.register("_burst_products", pd.DataFrame({"product_id": candidates}))
    try:
        all_orders = con.execute("""
            SELECT DISTINCT l.product_id, l.order_id, l.ordered_at FROM orders l JOIN _burst_products USING (product_id)
            WHERE l.quantity > 0 ORDER BY l.product_id, l.ordered_at""").df()
        total = con.execute("""
            SELECT count(DISTINCT order_id || '|' || product_id),
                   (SELECT sum(greatest(date_diff('day', lo, hi), $w) / $w) FROM (
                        SELECT min(ordered_at) AS lo, max(ordered_at) AS hi FROM orders WHERE quantity > 0
                        GROUP BY product_id))
            FROM orders WHERE quantity > 0""", {"w": p.window_days}).fetchall()[0]
    finally:
        con.unregister("_burst_products")
    share = len(sus) / max(float(total[0]), 1.0)  # shop-wide: how many product orders look so
    max_p = p.alpha / max(float(total[1] or 1.0), 1.0)  # Bonferroni over every product-week that could burst
    sus["ordered_at"] = pd.to_datetime(sus["ordered_at"])
    window = np.timedelta64(int(p.window_days * 86400), "s")
    times_of = {k: pd.to_datetime(g["ordered_at"]).to_numpy() for k, g in all_orders.groupby("product_id")}
    bursts: list[Burst] = []
    for product in candidates:
        rows = sus[sus["product_id"] == product].reset_index(drop=True)
        bursts.extend(_windows(str(product), rows, times_of.get(product, np.array([], dtype="datetime64[ns]")),
                               window, share, max_p, p))
    _attach_reviews(con, bursts, p)
    kept = [b for b in bursts if b.five_star_reviews >= p.min_review_share * len(b.members)]
    for b in kept:
        b.risk = burst_risk(b)
    return sorted(kept, key=lambda b: (-b.risk, b.burst_id))


def _windows(product: str, rows: pd.DataFrame, all_times: np.ndarray, window: np.timedelta64, share: float,
             max_p: float, p: BrushingParams) -> list[Burst]:
    """The product's bursts: repeatedly the window holding most suspicious orders, while that count is improbable.

    Expected count in a window: the product's orders in that window times the product's own share of
    suspicious orders outside it (shrunk towards the shop-wide ``share`` with the weight of
    :data:`PRIOR_ORDERS` orders), so a launch or a season that brings many genuine new buyers is no burst.
    """
    times = rows["ordered_at"].to_numpy()
    free = np.ones(len(rows), dtype=bool)
    found = []
    while free.sum() >= p.min_orders:
        idx = np.flatnonzero(free)
        ends = np.searchsorted(times[idx], times[idx] + window, side="right")
        counts = ends - np.arange(len(idx))
        best = int(np.argmax(counts))
        chosen = idx[best:ends[best]]
        part = rows.iloc[chosen]
        start, end = part["ordered_at"].min(), part["ordered_at"].max()
        lo, hi = np.searchsorted(all_times, start.to_datetime64()), np.searchsorted(all_times, end.to_datetime64(),
                                                                                  side="right")
        inside = max(int(hi - lo), len(chosen))
        outside_sus, outside = len(rows) - len(chosen), max(len(all_times) - inside, 0)
        own = (outside_sus + PRIOR_ORDERS * share) / (outside + PRIOR_ORDERS)
        expected = inside * own
        p_value = _poisson_tail(len(chosen), expected)
        if part["member_id"].nunique() < p.min_orders or p_value > max_p:
            break
        found.append(Burst(f"{product}@{start:%Y%m%d}", product, start, end, part["order_id"].tolist(),
                           sorted(part["member_id"].unique()), int(part["fresh"].sum()), int(part["linked"].sum()),
                           0, round(expected, 3), p_value))
        free[chosen] = False
    return found


def _attach_reviews(con: duckdb.DuckDBPyConnection, bursts: list[Burst], p: BrushingParams) -> None:
    if not bursts:
        return
    wanted = pd.DataFrame([(b.burst_id, b.product_id, m, b.start, b.end) for b in bursts for m in b.members],
                          columns=["burst_id", "product_id", "member_id", "start", "end"])
    con.register("_burst_buyers", wanted)
    try:
        reviews = con.execute("""
            SELECT w.burst_id, r.review_id, r.member_id, r.text FROM _burst_buyers w
            JOIN reviews r ON r.product_id = w.product_id AND r.member_id = w.member_id
                 AND r.created_at >= w.start AND r.created_at <= w."end" + to_days(CAST($days AS INTEGER))
            WHERE r.rating = 5 ORDER BY r.review_id""", {"days": p.review_days}).df()
    finally:
        con.unregister("_burst_buyers")
    from memberinsight.fraud.textsim import near_duplicates

    dupes = near_duplicates(reviews["text"].tolist(), reviews["member_id"].tolist())
    reviews["dupe"] = dupes
    by_burst = {k: g for k, g in reviews.groupby("burst_id")}
    for b in bursts:
        g = by_burst.get(b.burst_id)
        if g is None:
            continue
        b.five_star_reviews = int(g["member_id"].nunique())
        b.near_duplicate_reviews = int(g["dupe"].sum())
        b.review_ids = g["review_id"].tolist()


def burst_risk(b: Burst) -> float:
    """0-1: starts at 0.5 for a qualifying burst, then grows with reviews, fresh and linked buyers, near-duplicates."""
    n = max(len(b.members), 1)
    parts = [0.5, 0.5 * min(b.five_star_reviews / n, 1.0), 0.3 * min(b.fresh / n, 1.0),
             0.3 * min(b.linked / n, 1.0), 0.3 * min(b.near_duplicate_reviews / n, 1.0)]
    keep = 1.0
    for w in parts:
        keep *= 1.0 - w
    return round(1.0 - keep, 4)


def burst_evidence(b: Burst) -> dict[str, Any]:
    """A burst as plain data for the queue and the report."""
    return {"burst_id": b.burst_id, "product_id": b.product_id, "start": str(b.start), "end": str(b.end),
            "orders": len(b.orders), "accounts": len(b.members), "fresh_accounts": b.fresh,
            "linked_accounts": b.linked, "five_star_reviews": b.five_star_reviews,
            "near_duplicate_reviews": b.near_duplicate_reviews, "expected_orders": b.expected_orders,
            "p_value": float(f"{b.p_value:.3g}"), "risk": b.risk, "reason": b.reason, "review_ids": b.review_ids}
