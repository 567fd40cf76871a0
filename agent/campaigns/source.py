"""Build fact sheets and audiences from a workspace (canonical tables plus the models' outputs).

Audiences are a saved segment (issue 9), an RFM segment (``member_predictions.rfm_segment``,
written by ``memberinsight build``), any list of member ids, or one member. Statistics are computed
in DuckDB over the canonical tables; predicted value and churn risk come from the predictions
table; recommended products, the promoted category's demand forecast and a member's profile come
from the models package (:mod:`agent.campaigns.insights`), with best sellers as the fallback when
the recommenders are not built. The products shown are chosen for the send date: a wider pool is read
and out-of-season items give way (:func:`agent.campaigns.season.seasonal`; the hemisphere from the
audience's most common country), and each carries its category's median price (for "just £X").
Names of the audience are read only for the checker (``forbidden_names``).
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from memberinsight.agent.campaigns.behaviour import BEHAVIOUR_KEYS, behaviour_facts
from memberinsight.agent.campaigns.facts import Fact, FactSheet, ProductFact, names_from
from memberinsight.agent.campaigns.insights import (
    audience_range_facts,
    category_forecast_facts,
    member_profile_facts,
    member_recommendations,
    segment_recommendations,
)
from memberinsight.agent.campaigns.season import hemisphere, seasonal
from memberinsight.errors import DataValidationError, MemberInsightError, NotFoundError
from memberinsight.segments import segment_member_ids

PREDICTIONS_TABLE = "member_predictions"
_CHURN_COLUMNS = ("churn_probability", "churn_prob", "p_churn", "churn_risk")
_CLV_COLUMNS = ("predicted_clv_365d", "clv", "clv_90d", "predicted_clv", "expected_clv", "clv_value")
_PURCHASES_COLUMNS = ("expected_orders_90d", "expected_purchases", "expected_orders", "predicted_orders")
SEASON_POOL = 3
"""Products read per product shown, so out-of-season ones can give way to the next in line."""


def _columns(con: Any, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return [r[0] for r in rows]


def _describe(ws: Any, segment: str) -> str:
    """The analytics' description of an RFM segment, else the saved segment's definition in words."""
    try:
        models = importlib.import_module("memberinsight.models")
        summary = getattr(models, "segment_summary", None)
        rows = summary(ws) if summary is not None else []
    except (ImportError, MemberInsightError, duckdb.Error):  # analytics not built for this workspace
        rows = []
    for row in rows:
        if str(getattr(row, "segment", "")).lower() == segment.lower():
            return str(getattr(row, "description", "") or "")
    try:
        from memberinsight.segments import describe, resolve_segment

        return describe(resolve_segment(ws, segment))
    except (MemberInsightError, duckdb.Error):
        return ""


def _churn_reasons(con: Any, top: int = 3) -> tuple[str, ...]:
    """The most common churn reasons in the audience (``member_predictions.churn_reasons``, '; '-joined)."""
    if "churn_reasons" not in _columns(con, PREDICTIONS_TABLE):
        return ()
    rows = con.execute(f"SELECT p.churn_reasons FROM {PREDICTIONS_TABLE} p JOIN _audience a USING (member_id) "
                       "WHERE p.churn_reasons IS NOT NULL").fetchall()
    counts = Counter(r.strip() for (text,) in rows for r in str(text).split(";") if r.strip())
    return tuple(reason for reason, _ in counts.most_common(top))


def _prediction_stats(con: Any, stats: list[Fact], forecasts: list[Fact]) -> None:
    """Audience averages of predicted value and churn risk (with the all-member figure), and forecasts:
    expected orders (per member and in total) and the audience's total predicted value."""
    cols = _columns(con, PREDICTIONS_TABLE)
    picks = [(next((c for c in cands if c in cols), None), key, label, kind) for cands, key, label, kind in (
        (_CLV_COLUMNS, "avg_clv", "Average predicted customer value", "money"),
        (_CHURN_COLUMNS, "avg_churn_probability", "Average churn risk", "percent"),
        (_PURCHASES_COLUMNS, "avg_expected_orders", "Expected orders per member in the forecast horizon", "number"),
    )]
    for col, key, label, kind in picks:
        if col is None:
            continue
        seg, everyone, total = con.execute(
            f"SELECT avg(CASE WHEN a.member_id IS NOT NULL THEN p.{col} END), avg(p.{col}), "
            f"sum(CASE WHEN a.member_id IS NOT NULL THEN p.{col} END) FROM {PREDICTIONS_TABLE} p "
            "LEFT JOIN _audience a USING (member_id)").fetchone()
        if seg is None:
            continue
        scale = 100.0 if kind == "percent" and everyone is not None and everyone <= 1.0 else 1.0
        target = forecasts if key == "avg_expected_orders" else stats
        target.append(Fact(key, label, round(float(seg) * scale, 1 if kind == "percent" else 2), kind))
        if everyone is not None:
            target.append(Fact("all_" + key, label + " (all members)",
                               round(float(everyone) * scale, 1 if kind == "percent" else 2), kind))
        if key == "avg_expected_orders":
            forecasts.append(Fact("total_expected_orders", "Expected orders from the whole audience in the "
                                  "forecast horizon", int(round(float(total))), "count"))
        elif key == "avg_clv":
            forecasts.append(Fact("total_predicted_value", "Predicted value of the whole audience",
                                  round(float(total), 2), "money"))


def _best_sellers(con: Any, since: Any, k: int) -> list[ProductFact]:
    """The audience's most-bought products of the last year (the fallback for recommendations)."""
    top = con.execute("""
        SELECT p.title, p.price, p.category, min(p.product_id) AS product_id, count(DISTINCT o.member_id) AS buyers
        FROM orders o JOIN _audience a USING (member_id) JOIN products p USING (product_id)
        WHERE NOT coalesce(o.is_return, false) AND coalesce(p.is_product, true) AND o.ordered_at >= ?
          AND p.title IS NOT NULL
        GROUP BY ALL ORDER BY buyers DESC, p.title LIMIT ?""", [since.to_pydatetime(), k]).fetchall()
    return [ProductFact(str(t).strip(), round(float(pr), 2) if pr is not None else None, c,
                        "popular with this audience", str(pid)) for t, pr, c, pid, _ in top]


def build_fact_sheet(ws: Any, segment: str | None = None, member_ids: Sequence[str] | None = None, *,
                     offer: str = "", deadline: date | None = None, as_of: date | None = None,
                     brand: str = "our shop", max_products: int = 3, tone_voice: str | None = None,
                     recommend: bool = True) -> FactSheet:
    """The fact sheet for a segment (saved or RFM, by name) or any list of member ids, from the workspace.

    Products are the next-best-offer model's for the audience (``recommend``), else its best
    sellers; forecasts are the predicted orders and value of the audience and the demand forecast
    of the promoted (or best-selling) category.
    """
    if member_ids is None:
        if not segment:
            raise DataValidationError("name a segment or pass member ids", column="segment")
        member_ids = segment_member_ids(ws, segment)
    ids = list(dict.fromkeys(str(m) for m in member_ids))
    if not ids:
        raise DataValidationError("the audience is empty", column="member_ids")
    as_of = as_of or date.today()
    audience = pd.DataFrame({"member_id": ids})
    stats: list[Fact] = []
    forecasts: list[Fact] = []
    with ws.analytics(read_only=True) as con:
        con.register("_audience", audience)
        per = con.execute("""
            WITH per AS (
                SELECT member_id,
                       count(DISTINCT CASE WHEN NOT coalesce(is_return, false) THEN order_id END) AS n_orders,
                       sum(quantity * unit_price) AS spend, max(ordered_at) AS last_order
                FROM orders WHERE member_id IS NOT NULL GROUP BY member_id)
            SELECT m.member_id, per.n_orders, per.spend, per.last_order, a.member_id IS NOT NULL AS in_audience
            FROM members m LEFT JOIN per USING (member_id) LEFT JOIN _audience a USING (member_id)
        """).df()
        data_end = con.execute("SELECT max(ordered_at) FROM orders").fetchone()[0]
        seg = per[per["in_audience"]]
        if seg.empty:
            raise NotFoundError(f"none of the {len(ids)} member ids exist in the workspace")
        buyers, all_buyers = seg[seg["n_orders"].fillna(0) > 0], per[per["n_orders"].fillna(0) > 0]
        if not buyers.empty:
            stats.append(Fact("avg_orders", "Average orders per member", round(float(buyers["n_orders"].mean()), 1)))
            stats.append(Fact("avg_spend", "Average spend per member", round(float(buyers["spend"].mean()), 2), "money"))
            stats.append(Fact("avg_order_value", "Average order value",
                              round(float(buyers["spend"].sum() / buyers["n_orders"].sum()), 2), "money"))
            if data_end is not None:
                days = (pd.Timestamp(data_end) - pd.to_datetime(buyers["last_order"])).dt.days.mean()
                stats.append(Fact("avg_days_since_last_order", "Average days since the last order", round(float(days)),
                                  "days"))
        if not all_buyers.empty:
            stats.append(Fact("all_avg_spend", "Average spend per member (all members)",
                              round(float(all_buyers["spend"].mean()), 2), "money"))
        stats.append(Fact("share_of_members", "Share of all members", round(100 * len(seg) / max(len(per), 1), 1),
                          "percent"))
        reasons: tuple[str, ...] = ()
        if PREDICTIONS_TABLE in {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}:
            _prediction_stats(con, stats, forecasts)
            reasons = _churn_reasons(con)
        since = (pd.Timestamp(data_end) - timedelta(days=365)) if data_end is not None else pd.Timestamp("1900-01-01")
        best = _best_sellers(con, since, max_products * SEASON_POOL)
        names = con.execute("SELECT m.first_name, m.last_name FROM members m JOIN _audience a USING (member_id)").fetchall()
        catalogue = con.execute("SELECT DISTINCT title FROM products WHERE coalesce(is_product, true) "
                                "AND title IS NOT NULL").fetchall()
        country = _audience_country(con)
        medians = _category_medians(con)
    forecasts += audience_range_facts(ws, ids)
    recommended, category = segment_recommendations(ws, ids, max_products * SEASON_POOL) if recommend else ([], None)
    products = _featured(recommended or best, as_of, country, medians, max_products)
    category = category or next((p.category for p in products if p.category), None)
    forecasts += category_forecast_facts(ws, category)
    stats += behaviour_facts(ws, ids, category)
    label = segment or "Selected members"
    voice: dict[str, Any] = {"brand_voice": tone_voice} if tone_voice else {}
    return FactSheet(
        segment=label, audience_size=len(seg), offer=offer, deadline=deadline, as_of=as_of, brand=brand, **voice,
        segment_description=_describe(ws, label) if segment else "", stats=tuple(stats),
        forecasts=tuple(forecasts), products=tuple(products), churn_reasons=reasons,
        forbidden_names=names_from(n for row in names for n in row),
        catalogue_names=frozenset(str(t[0]).strip() for t in catalogue), country=country,
    )


def _audience_country(con: Any) -> str:
    """The audience's most common home country ('' when none is recorded)."""
    row = con.execute("SELECT m.country, count(*) AS n FROM members m JOIN _audience a USING (member_id) "
                      "WHERE m.country IS NOT NULL AND trim(m.country) <> '' GROUP BY 1 ORDER BY n DESC, 1 "
                      "LIMIT 1").fetchone()
    return str(row[0]).strip() if row else ""


def _category_medians(con: Any) -> dict[str, float]:
    """The median list price of each category in the catalogue."""
    rows = con.execute("SELECT category, median(price) FROM products WHERE coalesce(is_product, true) "
                       "AND price IS NOT NULL AND category IS NOT NULL GROUP BY category").fetchall()
    return {str(c): float(m) for c, m in rows if m is not None}


def _featured(products: Sequence[ProductFact], as_of: date, country: str, medians: dict[str, float],
              k: int) -> list[ProductFact]:
    """The first ``k`` products that suit the send date's season, each with its category's median price."""
    chosen = seasonal(list(products), as_of, hemisphere(country), keep=k)
    return [replace(p, category_price=medians.get(p.category or "")) if p.category_price is None else p
            for p in chosen]


def build_member_fact_sheet(ws: Any, member_id: str, *, offer: str = "", deadline: date | None = None,
                            as_of: date | None = None, brand: str = "our shop", max_products: int = 3,
                            tone_voice: str | None = None) -> FactSheet:
    """The fact sheet for one member: their profile with personal fields removed (segment, churn
    risk and reasons, predicted value, favourite categories), forecasts and their recommendations.

    Falls back to the plain order statistics of that one member when the analytics are not built.
    The member's own names are kept for the checker only (never in the prompt).
    """
    base = build_fact_sheet(ws, member_ids=[member_id], offer=offer, deadline=deadline, as_of=as_of, brand=brand,
                            max_products=max_products, tone_voice=tone_voice, recommend=False)
    info = member_profile_facts(ws, str(member_id))
    if info is None:
        return replace(base, segment="One member")
    pool = member_recommendations(ws, str(member_id), max_products * SEASON_POOL)
    if pool:
        with ws.analytics(read_only=True) as con:
            medians = _category_medians(con)
        products = _featured(pool, base.as_of or date.today(), base.country, medians, max_products)
    else:
        products = list(base.products)
    category = info["top_category"] or next((p.category for p in products if p.category), None)
    comparisons = [f for f in base.stats if f.key.startswith("all_")
                   or (f.key in BEHAVIOUR_KEYS and f.key != "category_share")]  # that share is of another category
    label = f"One member ({info['segment']})" if info["segment"] else "One member"
    return replace(base, segment=label, segment_description=info["description"] or "",
                   stats=tuple(info["stats"] + comparisons),
                   forecasts=tuple(info["forecasts"] + category_forecast_facts(ws, category)),
                   churn_reasons=info["churn_reasons"] or base.churn_reasons, products=tuple(products),
                   member_profile=info["profile"])


CLOSED_DAYS = ((12, 24), (12, 25), (12, 26), (12, 31), (1, 1))
"""Days an offer should not end on when nobody chose it (Christmas Eve to Boxing Day, New Year's Eve and Day):
"ends Friday 25 December" reads as a mistake, and nobody shops the last hours of it."""


def default_deadline(as_of: date | None = None, days: int = 14) -> date:
    """The default offer end: ``days`` after ``as_of`` (today), brought forward off :data:`CLOSED_DAYS`
    (never to before tomorrow)."""
    start = as_of or date.today()
    end = start + timedelta(days=days)
    while (end.month, end.day) in CLOSED_DAYS and end > start + timedelta(days=1):
        end -= timedelta(days=1)
    return end
