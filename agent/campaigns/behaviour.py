"""How an audience buys, as facts a suggestion can cite: revenue share, timing, order gap, discounts.

:func:`behaviour_facts` reads the canonical tables (and ``member_predictions`` when built) for one
audience and returns plain :class:`~agent.campaigns.facts.Fact` values:

* ``audience_revenue`` / ``share_of_revenue``: net revenue to date and its share of the shop's;
  ``revenue_12m`` / ``share_of_revenue_12m``: the same over the last 12 months of data;
* ``peak_day`` (a weekday name), ``peak_day_share``, ``peak_hour_from`` / ``peak_hour_to`` (24-hour
  clock, the busiest three-hour window) and ``peak_hours_share``: when the audience orders; from
  the audience's own orders when it has at least :data:`MIN_TIMING_ORDERS`, else from every
  member's (``timing_basis`` says which);
* ``usual_gap_days``: the median of the members' usual days between orders (predictions table);
* ``discount_share`` / ``all_discount_share``: share of purchase lines bought below list price;
* ``category_share``: share of the audience's purchase lines in the featured category.

Nothing here is personal data: only counts and shares over the audience.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from memberinsight.agent.campaigns.facts import Fact
from memberinsight.errors import MemberInsightError

MIN_TIMING_ORDERS = 30
WINDOW_HOURS = 3
DISCOUNT_GAP = 0.97
"""A line counts as discounted when paid below this share of the list price (as the offer model does)."""
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BEHAVIOUR_KEYS = frozenset({
    "audience_revenue", "share_of_revenue", "revenue_12m", "share_of_revenue_12m", "peak_day", "peak_day_share",
    "peak_hour_from", "peak_hour_to", "peak_hours_share", "timing_basis", "timing_orders", "usual_gap_days",
    "discount_share", "all_discount_share", "category_share"})
"""Keys of the facts this module adds (kept on a one-member sheet too)."""


def behaviour_facts(ws: Any, member_ids: Sequence[str], category: str | None = None) -> list[Fact]:
    """Facts about how the audience (``member_ids``) buys, compared with every member where it helps.

    Returns ``[]`` when the workspace has no orders; a part whose data is missing is left out.
    """
    ids = pd.DataFrame({"member_id": list(dict.fromkeys(str(m) for m in member_ids))})
    try:
        with ws.analytics(read_only=True) as con:
            con.register("_behaviour_audience", ids)
            facts = _revenue(con) + _timing(con) + _gap(con) + _discounts(con)
            if category:
                facts += _category(con, category)
    except (duckdb.Error, MemberInsightError):  # tables an older workspace lacks: no behaviour facts
        return []
    return facts


def _revenue(con: Any) -> list[Fact]:
    row = con.execute("""
        WITH lines AS (SELECT o.member_id, o.quantity * o.unit_price AS value, o.ordered_at,
                              b.member_id IS NOT NULL AS inside
                       FROM orders o LEFT JOIN _behaviour_audience b USING (member_id)
                       WHERE o.member_id IS NOT NULL),
             bounds AS (SELECT max(ordered_at) - INTERVAL 365 DAY AS since FROM lines)
        SELECT sum(CASE WHEN inside THEN value END), sum(value),
               sum(CASE WHEN inside AND ordered_at > since THEN value END),
               sum(CASE WHEN ordered_at > since THEN value END)
        FROM lines, bounds""").fetchone()
    mine, total, mine_12m, total_12m = (float(v) if v is not None else 0.0 for v in row)
    facts: list[Fact] = []
    if total > 0:
        facts += [Fact("audience_revenue", "Revenue from the audience to date", round(mine, 2), "money"),
                  Fact("share_of_revenue", "Share of the shop's revenue to date", round(100 * mine / total, 1),
                       "percent")]
    if total_12m > 0:
        facts += [Fact("revenue_12m", "Revenue from the audience in the last 12 months", round(mine_12m, 2), "money"),
                  Fact("share_of_revenue_12m", "Share of the shop's revenue in the last 12 months",
                       round(100 * mine_12m / total_12m, 1), "percent")]
    return facts


def _timing(con: Any) -> list[Fact]:
    """The busiest weekday and three-hour window of the audience's orders (else every member's)."""
    query = """
        SELECT isodow(first_at) - 1 AS dow, hour(first_at) AS hr, count(*) AS n
        FROM (SELECT o.order_id, min(o.ordered_at) AS first_at FROM orders o {join}
              WHERE o.member_id IS NOT NULL AND NOT coalesce(o.is_return, false) GROUP BY o.order_id)
        GROUP BY ALL"""
    own = con.execute(query.format(join="JOIN _behaviour_audience USING (member_id)")).df()
    basis = "these members"
    if int(own["n"].sum()) < MIN_TIMING_ORDERS:
        own, basis = con.execute(query.format(join="")).df(), "all members"
    total = int(own["n"].sum())
    if total < MIN_TIMING_ORDERS:
        return []
    by_day = own.groupby("dow")["n"].sum()
    day = int(by_day.idxmax())
    by_hour = own.groupby("hr")["n"].sum().reindex(range(24), fill_value=0)
    windows = {h: int(sum(by_hour[(h + k) % 24] for k in range(WINDOW_HOURS))) for h in range(24)}
    start = max(windows, key=lambda h: (windows[h], -h))
    return [Fact("timing_basis", "Whose orders the timing comes from", basis, "text"),
            Fact("timing_orders", "Orders the timing is based on", total, "count"),
            Fact("peak_day", "Busiest day for orders", WEEKDAYS[day], "text"),
            Fact("peak_day_share", "Share of orders placed on the busiest day",
                 round(100 * float(by_day[day]) / total, 1), "percent"),
            Fact("peak_hour_from", "Busiest three hours for orders start (24-hour clock)", start, "number"),
            Fact("peak_hour_to", "Busiest three hours for orders end (24-hour clock)",
                 (start + WINDOW_HOURS) % 24, "number"),
            Fact("peak_hours_share", "Share of orders placed in the busiest three hours",
                 round(100 * windows[start] / total, 1), "percent")]


def _gap(con: Any) -> list[Fact]:
    cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'member_predictions'").fetchall()}
    if "avg_days_between_orders" not in cols:
        return []
    gap = con.execute("SELECT median(p.avg_days_between_orders) FROM member_predictions p "
                      "JOIN _behaviour_audience USING (member_id) WHERE p.avg_days_between_orders > 0").fetchone()[0]
    return [Fact("usual_gap_days", "Usual days between orders (median)", int(round(float(gap))), "days")] \
        if gap is not None else []


def _discounts(con: Any) -> list[Fact]:
    row = con.execute(f"""
        SELECT avg(CASE WHEN b.member_id IS NOT NULL THEN
                   CASE WHEN o.unit_price < {DISCOUNT_GAP} * p.price THEN 1.0 ELSE 0.0 END END),
               avg(CASE WHEN o.unit_price < {DISCOUNT_GAP} * p.price THEN 1.0 ELSE 0.0 END)
        FROM orders o JOIN products p USING (product_id) LEFT JOIN _behaviour_audience b USING (member_id)
        WHERE o.member_id IS NOT NULL AND o.quantity > 0 AND NOT coalesce(o.is_return, false) AND p.price > 0
          AND coalesce(p.is_product, true)""").fetchone()
    mine, everyone = row
    if mine is None or everyone is None:
        return []
    return [Fact("discount_share", "Share of their purchases bought on discount", round(100 * float(mine), 1),
                 "percent"),
            Fact("all_discount_share", "Share of all members' purchases bought on discount",
                 round(100 * float(everyone), 1), "percent")]


def _category(con: Any, category: str) -> list[Fact]:
    share = con.execute("""
        SELECT avg(CASE WHEN lower(p.category) = lower(?) THEN 1.0 ELSE 0.0 END)
        FROM orders o JOIN products p USING (product_id) JOIN _behaviour_audience USING (member_id)
        WHERE o.quantity > 0 AND NOT coalesce(o.is_return, false) AND coalesce(p.is_product, true)""",
                        [category]).fetchone()[0]
    if share is None:
        return []
    return [Fact("category_share", "Share of their purchases in the featured category", round(100 * float(share), 1),
                 "percent")]
