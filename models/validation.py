"""A data-validation report before models: what this shop's data allows, in plain words.

``memberinsight validate`` (and every ``build``) checks the loaded orders against what the models
need and says what each finding means for them: history span against the horizon, seasonality,
one-time buyers, repeat buyers, prices, returns, zero or negative orders, the frequency-value
correlation (Gamma-Gamma assumes none), baskets and reviews. Nothing is fitted; it is a few SQL
aggregates, so it is quick on large shops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from memberinsight.models.demand import MIN_SEASONAL_WEEKS

OK, WARNING, PROBLEM = "ok", "warning", "problem"


@dataclass(frozen=True)
class DataCheck:
    """One finding about the data and what it means for the models."""

    name: str
    status: str
    """``ok``, ``warning`` (models run but with a caveat) or ``problem`` (something cannot be modelled)."""
    value: float | None
    finding: str
    meaning: str


@dataclass
class DataReport:
    """Every check, with the headline counts."""

    members: int
    buyers: int
    orders: int
    first_order: str | None
    last_order: str | None
    horizon_days: int
    checks: list[DataCheck] = field(default_factory=list)

    def text(self) -> str:
        """The report for people: one line per finding, its meaning indented under it."""
        mark = {OK: "ok  ", WARNING: "note", PROBLEM: "stop"}
        head = (f"{self.members:,} members, {self.buyers:,} with orders, {self.orders:,} purchase orders "
                f"({self.first_order} to {self.last_order}); horizon {self.horizon_days} days")
        return "\n".join([head, *[f"[{mark[c.status]}] {c.finding}\n       {c.meaning}" for c in self.checks]])


_ORDERS = """
    WITH lines AS (
        SELECT o.member_id, o.order_id, o.ordered_at, o.quantity, o.unit_price,
               (COALESCE(o.is_return, FALSE) OR o.quantity < 0) AS is_ret
        FROM orders o LEFT JOIN products p ON p.product_id = o.product_id
        WHERE COALESCE(p.is_product, TRUE)
    ), buy AS (
        SELECT member_id, order_id, min(ordered_at) AS placed, sum(quantity * unit_price) AS value,
               count(*) AS lines, count(*) FILTER (WHERE unit_price > 0) AS priced
        FROM lines WHERE NOT is_ret AND quantity > 0 GROUP BY member_id, order_id
    )
"""


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(_ORDERS + sql).fetchall()[0]


def _history(days: int, horizon: int) -> DataCheck:
    need = 2 * horizon + 60
    months = days / 30.4
    finding = f"{months:.0f} months of order history ({days} days)"
    if days < need:
        return DataCheck("history", PROBLEM, days, finding,
                         f"churn and purchase models need {need} days for a {horizon}-day horizon (two "
                         "horizons plus 60 days); they will be skipped. Segments and forecasts still run.")
    if days < need + 180:
        return DataCheck("history", WARNING, days, finding,
                         f"enough for {horizon}-day churn and purchase models, but few training snapshots; "
                         "expect wide differences between candidates on the holdout.")
    return DataCheck("history", OK, days, finding, f"enough for time-split models with a {horizon}-day horizon.")


def _seasonality(weeks: int) -> DataCheck:
    finding = f"{weeks} complete weeks of orders"
    if weeks < 20:
        return DataCheck("seasonality", PROBLEM, weeks, finding, "demand forecasts need 20 weeks; they will be skipped.")
    if weeks < MIN_SEASONAL_WEEKS:
        return DataCheck("seasonality", WARNING, weeks, finding,
                         "about a year of history or less: seasonal forecasts are not possible; forecasts use "
                         "the recent level, and seasonal naive falls back to last week's value.")
    return DataCheck("seasonality", OK, weeks, finding,
                     "more than a year: annual seasonality can be estimated and seasonal naive compared.")


def validate_data(ws: Any, horizon_days: int = 90) -> DataReport:
    """Check the workspace's orders against what the models need (nothing is fitted or written)."""
    with ws.analytics(read_only=True) as con:
        members = int(con.execute("SELECT count(*) FROM members").fetchall()[0][0])
        n_orders, buyers, first, last, priced_lines, lines, bad_value, baskets = _scalar(con, """
            SELECT count(*), count(DISTINCT member_id), CAST(min(placed) AS DATE), CAST(max(placed) AS DATE),
                   coalesce(sum(priced), 0), coalesce(sum(lines), 0), count(*) FILTER (WHERE value <= 0),
                   count(*) FILTER (WHERE lines > 1) FROM buy""")
        returns, = _scalar(con, "SELECT count(*) FILTER (WHERE is_ret) FROM lines")
        per_member = con.execute(_ORDERS + """
            SELECT count(DISTINCT CAST(placed AS DATE)) AS days, avg(value) AS aov FROM buy
            WHERE member_id IS NOT NULL GROUP BY member_id""").df()
        reviews = int(con.execute("SELECT count(*) FROM reviews").fetchall()[0][0])
    report = DataReport(members, int(buyers), int(n_orders), str(first) if first else None,
                        str(last) if last else None, horizon_days)
    if not n_orders:
        report.checks.append(DataCheck("orders", PROBLEM, 0, "no purchase orders",
                                       "nothing can be modelled until orders are loaded (memberinsight ingest)."))
        return report
    days = (last - first).days
    report.checks += [_history(days, horizon_days), _seasonality(days // 7)]
    repeaters = int((per_member["days"] > 1).sum())
    one_share = 1 - repeaters / max(len(per_member), 1)
    finding = f"{one_share:.0%} of buying members bought once ({repeaters:,} repeat buyers)"
    if repeaters < 20:
        report.checks.append(DataCheck("repeat_buyers", PROBLEM, repeaters, finding,
                                       "too few repeat buyers for BG/NBD and the boosted models; purchase and "
                                       "churn predictions will be skipped or close to the base rate."))
    elif one_share > 0.7:
        report.checks.append(DataCheck("repeat_buyers", WARNING, one_share, finding,
                                       "mostly one-time buyers: predictions separate members mainly by recency; "
                                       "simple baselines may win on the holdout, and then they ship."))
    else:
        report.checks.append(DataCheck("repeat_buyers", OK, one_share, finding, "enough repeat behaviour to learn from."))
    priced = priced_lines / lines if lines else 0.0
    finding = f"{priced:.0%} of purchase lines have a price"
    if priced == 0:
        report.checks.append(DataCheck("prices", PROBLEM, priced, finding,
                                       "spend, CLV and value tiers cannot be predicted; purchases and churn still are."))
    elif priced < 0.9:
        report.checks.append(DataCheck("prices", WARNING, priced, finding,
                                       "unpriced lines count as zero spend: CLV and RFM value scores are understated."))
    else:
        report.checks.append(DataCheck("prices", OK, priced, finding, "spend and CLV can be modelled."))
    ret = returns / max(lines + returns, 1)
    report.checks.append(DataCheck(
        "returns", WARNING if ret > 0.2 else OK, ret, f"{ret:.0%} of order lines are returns or cancellations",
        "spend predictions are gross (returns are not deducted); net value will be lower." if ret > 0.2 else
        "returns are counted in net spend and the return rate feature."))
    zero = bad_value / n_orders
    if priced > 0:
        report.checks.append(DataCheck(
            "zero_value_orders", WARNING if zero > 0.05 else OK, zero, f"{zero:.0%} of orders have zero or negative value",
            "free or fully discounted orders lower average order values and Gamma-Gamma's spend estimates."
            if zero > 0.05 else "order values look usable."))
        rep = per_member[(per_member["days"] > 1) & (per_member["aov"] > 0)]
        if len(rep) >= 20:
            r = float(np.corrcoef(np.log(rep["days"]), np.log(rep["aov"]))[0, 1])
            report.checks.append(DataCheck(
                "frequency_value", WARNING if abs(r) > 0.3 else OK, round(r, 3),
                f"correlation between purchase frequency and order value among repeat buyers: {r:.2f}",
                "Gamma-Gamma assumes none: its spend estimates may be biased; the spend model that ships is "
                "whichever wins on the holdout." if abs(r) > 0.3 else "Gamma-Gamma's independence assumption holds."))
    basket = baskets / n_orders
    report.checks.append(DataCheck(
        "baskets", WARNING if basket < 0.05 else OK, basket, f"{basket:.0%} of orders have more than one product",
        "almost no baskets: bought-together rules cannot be learned; the rules recommender falls back to "
        "popularity." if basket < 0.05 else "baskets are available for bought-together rules."))
    report.checks.append(DataCheck(
        "reviews", WARNING if reviews == 0 else OK, reviews, f"{reviews:,} reviews",
        "no reviews: review screening and the rating model are skipped." if reviews == 0 else
        "reviews are available for screening and the rating model."))
    return report
