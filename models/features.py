"""Member features computed in DuckDB (SQL) as of a cutoff date.

Everything is measured *as of* a date ``as_of``: order lines and reviews stamped before
``as_of + 1 day`` count, nothing later does, so appending future orders never changes a feature.

Definitions (all in days; spend in the shop currency):

* Lines of non-product items (``products.is_product = FALSE``: postage, fees) and guest lines are ignored.
  Members appear when they signed up by ``as_of`` or have a purchase or return line before it; a
  member without a sign-up date appears from their first purchase or return (never before it).
* A *return line* has ``is_return`` true or a negative quantity; a *purchase line* is any other line
  with a positive quantity. A *purchase order* has at least one purchase line; its time is its first
  purchase line's time and its value the sum of ``quantity * unit_price`` over its purchase lines.
* ``frequency`` purchase orders; ``purchase_days`` distinct days with a purchase;
  ``recency_days`` days from the last purchase day to ``as_of``; ``first_order_days`` (= BG/NBD ``T``)
  days from the first purchase day to ``as_of``; ``tenure_days`` from the earlier of sign-up and first
  purchase to ``as_of``.
* ``gross_spend`` sum of purchase orders; ``return_value`` absolute value of return lines;
  ``monetary`` = gross - returns; ``avg_order_value`` = gross / frequency.
* ``ipt_*``: statistics (mean, population std, median, last) of the gaps between consecutive purchase days.
* ``orders_90d`` / ``orders_prev_90d``: purchase orders in the 90 days up to ``as_of`` and the 90 before;
  likewise spend; ``trend_orders`` = difference; ``trend_spend`` = (last - previous) / (last + previous).
* ``days_overdue`` = ``recency_days - ipt_mean`` (negative: not yet due); ``overdue_ratio`` =
  ``recency_days / ipt_mean`` (both need two purchase days); ``repeat_rate_year`` repeat purchase days
  per 365 days since the first purchase (at least 30 days counted); ``recency_share`` =
  ``recency_days / first_order_days`` (share of the buying life spent silent).
* ``return_rate`` returned units / purchased units (capped at 1).
* ``review_count`` / ``mean_rating`` over the member's reviews.
* BG/NBD summary: ``x_repeat`` = purchase_days - 1, ``t_x_days`` first to last purchase day,
  ``repeat_aov`` mean value of repeat purchase days (Gamma-Gamma input).
* ``share_<category>``: share of gross spend per category (top categories before ``as_of``; rest -> ``share_other``).
* ``age_band``, ``channel``, ``country``: member attributes (text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from memberinsight.errors import ModelNotReadyError

MAX_CATEGORIES = 12
OTHER = "other"

CORE_COLUMNS: tuple[str, ...] = (
    "recency_days", "frequency", "purchase_days", "monetary", "gross_spend", "avg_order_value",
    "tenure_days", "first_order_days", "ipt_mean", "ipt_std", "ipt_median", "ipt_last",
    "orders_90d", "orders_prev_90d", "spend_90d", "spend_prev_90d", "orders_365d", "spend_365d",
    "trend_orders", "trend_spend", "units", "units_per_order", "distinct_categories", "return_value",
    "return_rate", "review_count", "mean_rating",
    "x_repeat", "t_x_days", "repeat_aov",
    "days_overdue", "overdue_ratio", "repeat_rate_year", "recency_share",
)
ATTRIBUTE_COLUMNS: tuple[str, ...] = ("age_band", "channel", "country")
"""Member attributes copied from ``members`` (text; models treat them as categorical)."""


@dataclass(frozen=True)
class CategoryColumn:
    """A ``share_*`` column and the category it measures (``None`` for the 'other' bucket)."""

    column: str
    category: str | None


def slug(text: str) -> str:
    """A safe lower-case identifier fragment for a category name."""
    s = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return s or "blank"


def as_date(value: date | datetime | str) -> date:
    """Coerce a date-like value (ISO string, datetime, date) into a :class:`date`."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def latest_order_date(con: duckdb.DuckDBPyConnection) -> date:
    """The date of the most recent order line; raises :class:`ModelNotReadyError` when there are none."""
    row = con.execute(LATEST_ORDER_SQL).fetchall()[0]
    if row[0] is None:
        raise ModelNotReadyError("the workspace has no orders; ingest data first")
    return row[0]


def first_order_date(con: duckdb.DuckDBPyConnection) -> date:
    """The date of the earliest order line."""
    row = con.execute("SELECT CAST(min(ordered_at) AS DATE) FROM clean_orders").fetchall()[0]
    if row[0] is None:
        raise ModelNotReadyError("the workspace has no orders; ingest data first")
    return row[0]


_PRODUCTS = """
    SELECT product_id, category, is_product, hash(category) AS cat_id{top}
    FROM (SELECT product_id, COALESCE(NULLIF(trim(category), ''), 'Uncategorised') AS category,
                 COALESCE(is_product, TRUE) AS is_product FROM products)
"""
# Category normalisation happens once per product; lines carry a small integer category id.
_LINES_TEMPLATE = """
    SELECT o.member_id, o.order_id, o.product_id, o.ordered_at, o.quantity,
           o.quantity * o.unit_price AS amount,
           (COALESCE(o.is_return, FALSE) OR o.quantity < 0) AS is_ret,
           COALESCE(p.category, 'Uncategorised') AS category,
           COALESCE(p.cat_id, hash('Uncategorised')) AS cat_id{top_col}
    FROM clean_orders o LEFT JOIN ({products}) p ON p.product_id = o.product_id
    WHERE o.member_id IS NOT NULL AND o.ordered_at < $boundary
      AND COALESCE(p.is_product, TRUE)
"""
_LINES = _LINES_TEMPLATE.format(products=_PRODUCTS.format(top=""), top_col="")


def top_categories(con: duckdb.DuckDBPyConnection, as_of: date | str,
                   limit: int = MAX_CATEGORIES) -> list[str]:
    """Categories by member purchase value before ``as_of + 1 day`` (at most ``limit``)."""
    boundary = as_date(as_of) + timedelta(days=1)
    rows = con.execute(TOP_CATEGORIES_SQL, {"boundary": boundary, "limit": limit}).fetchall()
    return [r[0] for r in rows]


TOP_CATEGORIES_SQL = (f"WITH lines AS ({_LINES}) SELECT category FROM lines WHERE NOT is_ret AND quantity > 0 "
                      "GROUP BY category ORDER BY sum(amount) DESC, category LIMIT $limit")
"""The query of :func:`top_categories` (parameters ``$boundary``, ``$limit``); the Spark engine runs it too."""
LATEST_ORDER_SQL = "SELECT CAST(max(ordered_at) AS DATE) FROM clean_orders"
"""The query of :func:`latest_order_date`."""


def category_columns(categories: list[str], with_other: bool = True) -> list[CategoryColumn]:
    """The ``share_*`` columns for ``categories`` (unique names) plus ``share_other``."""
    out: list[CategoryColumn] = []
    used: set[str] = {f"share_{OTHER}"}
    for cat in categories:
        name, n = f"share_{slug(cat)}", 2
        while name in used:
            name, n = f"share_{slug(cat)}_{n}", n + 1
        used.add(name)
        out.append(CategoryColumn(name, cat))
    if with_other:
        out.append(CategoryColumn(f"share_{OTHER}", None))
    return out


def feature_sql(categories: list[str]) -> tuple[str, dict[str, Any]]:
    """The feature query for a fixed category list; parameters ``$as_of`` and ``$boundary`` stay open."""
    cols = category_columns(categories)
    params: dict[str, Any] = {f"cat{i}": c.category for i, c in enumerate(cols) if c.category is not None}
    when = " ".join(f"WHEN $cat{i} THEN {i}" for i, c in enumerate(cols) if c.category is not None)
    top = f", CASE category {when} ELSE -1 END AS top_idx" if when else ", -1 AS top_idx"
    unknown = categories.index("Uncategorised") if "Uncategorised" in categories else -1
    lines = _LINES_TEMPLATE.format(products=_PRODUCTS.format(top=top),
                                   top_col=f", COALESCE(p.top_idx, {unknown}) AS top_idx")
    share_exprs = []
    for i, c in enumerate(cols):
        cond = f"top_idx = {i}" if c.category is not None else "top_idx = -1"
        share_exprs.append(
            f"sum(CASE WHEN {cond} THEN amount ELSE 0 END) / nullif(sum(amount), 0) AS \"{c.column}\"")
    shares = ",\n           ".join(share_exprs)
    sql = f"""
WITH lines AS ({lines}),
buy AS (SELECT member_id, order_id, ordered_at, quantity, amount, cat_id, top_idx FROM lines
        WHERE NOT is_ret AND quantity > 0),
ord AS (
    SELECT member_id, order_id, CAST(min(ordered_at) AS DATE) AS d, sum(amount) AS value,
           sum(quantity) AS units
    FROM buy GROUP BY member_id, order_id
),
ow AS (
    SELECT member_id, d, value, units,
           date_diff('day', lag(d) OVER w, d) AS gap, first_value(d) OVER w AS first_d
    FROM ord WINDOW w AS (PARTITION BY member_id ORDER BY d)
),
ostat AS (
    SELECT member_id, count(*) AS frequency, sum(value) AS gross_spend, sum(units) AS units,
           count(*) FILTER (WHERE gap IS NULL OR gap > 0) AS purchase_days,
           min(d) AS first_d, max(d) AS last_d,
           coalesce(sum(value) FILTER (WHERE d > first_d), 0) AS repeat_value,
           avg(gap) FILTER (WHERE gap > 0) AS ipt_mean,
           stddev_pop(gap) FILTER (WHERE gap > 0) AS ipt_std,
           median(gap) FILTER (WHERE gap > 0) AS ipt_median,
           arg_max(gap, d) FILTER (WHERE gap > 0) AS ipt_last,
           count(*) FILTER (WHERE date_diff('day', d, $as_of) < 90) AS orders_90d,
           count(*) FILTER (WHERE date_diff('day', d, $as_of) BETWEEN 90 AND 179) AS orders_prev_90d,
           count(*) FILTER (WHERE date_diff('day', d, $as_of) < 365) AS orders_365d,
           coalesce(sum(value) FILTER (WHERE date_diff('day', d, $as_of) < 90), 0) AS spend_90d,
           coalesce(sum(value) FILTER (WHERE date_diff('day', d, $as_of) BETWEEN 90 AND 179), 0)
               AS spend_prev_90d,
           coalesce(sum(value) FILTER (WHERE date_diff('day', d, $as_of) < 365), 0) AS spend_365d
    FROM ow GROUP BY member_id
),
mcat AS (SELECT member_id, cat_id, min(top_idx) AS top_idx, sum(amount) AS amount FROM buy
         GROUP BY member_id, cat_id),
lstat AS (
    SELECT member_id, count(*) AS distinct_categories,
           {shares}
    FROM mcat GROUP BY member_id
),
rstat AS (
    SELECT member_id, sum(abs(amount)) AS return_value, sum(abs(quantity)) AS returned_units
    FROM lines WHERE is_ret GROUP BY member_id
),
rev AS (
    SELECT member_id, count(*) AS review_count, avg(rating) AS mean_rating
    FROM reviews WHERE member_id IS NOT NULL AND created_at < $boundary GROUP BY member_id
),
seen AS (SELECT member_id FROM ostat UNION SELECT member_id FROM rstat),
base AS (
    SELECT coalesce(m.member_id, s.member_id) AS member_id, m.signup_date, m.age_band, m.channel, m.country
    FROM (SELECT member_id, min(signup_date) AS signup_date, min(age_band) AS age_band,
                 min(channel) AS channel, min(country) AS country
          FROM clean_members GROUP BY member_id
          HAVING min(signup_date) <= $as_of
              OR (min(signup_date) IS NULL AND member_id IN (SELECT member_id FROM seen))) m
    FULL OUTER JOIN seen s ON s.member_id = m.member_id
)
SELECT b.member_id,
       CAST(date_diff('day', o.last_d, $as_of) AS DOUBLE) AS recency_days,
       coalesce(o.frequency, 0) AS frequency,
       coalesce(o.purchase_days, 0) AS purchase_days,
       coalesce(o.gross_spend, 0) - coalesce(r.return_value, 0) AS monetary,
       coalesce(o.gross_spend, 0) AS gross_spend,
       o.gross_spend / nullif(o.frequency, 0) AS avg_order_value,
       CAST(date_diff('day', least(b.signup_date, o.first_d), $as_of) AS DOUBLE) AS tenure_days,
       CAST(date_diff('day', o.first_d, $as_of) AS DOUBLE) AS first_order_days,
       o.ipt_mean, o.ipt_std, CAST(o.ipt_median AS DOUBLE) AS ipt_median,
       CAST(o.ipt_last AS DOUBLE) AS ipt_last,
       coalesce(o.orders_90d, 0) AS orders_90d, coalesce(o.orders_prev_90d, 0) AS orders_prev_90d,
       coalesce(o.spend_90d, 0) AS spend_90d, coalesce(o.spend_prev_90d, 0) AS spend_prev_90d,
       coalesce(o.orders_365d, 0) AS orders_365d, coalesce(o.spend_365d, 0) AS spend_365d,
       coalesce(o.orders_90d, 0) - coalesce(o.orders_prev_90d, 0) AS trend_orders,
       coalesce((o.spend_90d - o.spend_prev_90d) / nullif(o.spend_90d + o.spend_prev_90d, 0), 0)
           AS trend_spend,
       coalesce(o.units, 0) AS units,
       o.units / nullif(o.frequency, 0) AS units_per_order,
       coalesce(l.distinct_categories, 0) AS distinct_categories,
       coalesce(r.return_value, 0) AS return_value,
       CASE WHEN o.units > 0 THEN least(1.0, coalesce(r.returned_units, 0) / o.units) END AS return_rate,
       coalesce(v.review_count, 0) AS review_count, v.mean_rating,
       coalesce(o.purchase_days, 1) - 1 AS x_repeat,
       CAST(date_diff('day', o.first_d, o.last_d) AS DOUBLE) AS t_x_days,
       o.repeat_value / nullif(o.purchase_days - 1, 0) AS repeat_aov,
       date_diff('day', o.last_d, $as_of) - o.ipt_mean AS days_overdue,
       date_diff('day', o.last_d, $as_of) / o.ipt_mean AS overdue_ratio,
       365.0 * (o.purchase_days - 1) / greatest(date_diff('day', o.first_d, $as_of), 30) AS repeat_rate_year,
       date_diff('day', o.last_d, $as_of) / nullif(date_diff('day', o.first_d, $as_of), 0) AS recency_share,
       b.age_band, b.channel, b.country,
       {", ".join(f'l."{c.column}"' for c in cols)}
FROM base b
LEFT JOIN ostat o USING (member_id)
LEFT JOIN lstat l USING (member_id)
LEFT JOIN rstat r USING (member_id)
LEFT JOIN rev v USING (member_id)
ORDER BY b.member_id
"""
    return sql, params


def _params(as_of: date, categories: list[str]) -> tuple[str, dict[str, Any]]:
    sql, params = feature_sql(categories)
    params.update({"as_of": as_of, "boundary": as_of + timedelta(days=1)})
    return sql, params


def compute_features(con: duckdb.DuckDBPyConnection, as_of: date | str | None = None,
                     categories: list[str] | None = None) -> pd.DataFrame:
    """One row per member who existed on ``as_of`` (default: the latest order date), features as columns.

    ``categories`` fixes the ``share_*`` columns (a fitted model passes the list it was trained
    with); by default the top categories by spend before the cutoff are used.
    """
    cutoff = as_date(as_of) if as_of is not None else latest_order_date(con)
    cats = categories if categories is not None else top_categories(con, cutoff)
    sql, params = _params(cutoff, cats)
    df = con.execute(sql, params).df()
    df.attrs["as_of"] = cutoff.isoformat()
    df.attrs["categories"] = list(cats)
    return df


def materialise_features(con: duckdb.DuckDBPyConnection, table: str, as_of: date | str,
                         categories: list[str] | None = None) -> int:
    """``CREATE OR REPLACE TABLE <table>`` with the features as of ``as_of``; returns the row count."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise ValueError(f"bad table name {table!r}")
    cutoff = as_date(as_of)
    cats = categories if categories is not None else top_categories(con, cutoff)
    sql, params = _params(cutoff, cats)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}", params)
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def share_columns(df: pd.DataFrame) -> list[str]:
    """The ``share_*`` columns of a feature frame."""
    return [c for c in df.columns if c.startswith("share_")]


FUTURE_TARGETS_SQL = """
WITH lines AS (
    SELECT o.member_id, o.order_id, CAST(o.ordered_at AS DATE) AS d, o.quantity * o.unit_price AS amount
    FROM clean_orders o LEFT JOIN products p ON p.product_id = o.product_id
    WHERE o.member_id IS NOT NULL AND o.ordered_at >= $start AND o.ordered_at < $end
      AND COALESCE(p.is_product, TRUE) AND NOT COALESCE(o.is_return, FALSE) AND o.quantity > 0
)
SELECT member_id, count(DISTINCT order_id) AS future_orders, count(DISTINCT d) AS future_days,
       sum(amount) AS future_spend
FROM lines GROUP BY member_id
"""
"""Per member: purchase orders, purchase days and spend in ``[$start, $end)`` (the Spark engine runs it too)."""


def future_targets(con: duckdb.DuckDBPyConnection, as_of: date | str, horizon_days: int) -> pd.DataFrame:
    """Per member: purchase orders, purchase days and spend in the ``horizon_days`` days after ``as_of``."""
    start, end = future_window(as_of, horizon_days)
    return con.execute(FUTURE_TARGETS_SQL, {"start": start, "end": end}).df()


def future_window(as_of: date | str, horizon_days: int) -> tuple[date, date]:
    """The ``[start, end)`` dates of :data:`FUTURE_TARGETS_SQL` for ``horizon_days`` after ``as_of``."""
    start = as_date(as_of) + timedelta(days=1)
    return start, start + timedelta(days=horizon_days)
