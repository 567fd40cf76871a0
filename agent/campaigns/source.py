"""Build fact sheets and audiences from a workspace (canonical tables plus model predictions).

Segment membership comes from ``member_predictions.rfm_segment`` (written by ``memberinsight
build``); any other segment source can pass member ids directly. Statistics are computed in
DuckDB over the canonical tables; predicted value and churn risk are added when the predictions
table has them. Names of the audience are read only for the checker (``forbidden_names``).
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from agent.campaigns.facts import Fact, FactSheet, ProductFact, names_from
from memberinsight.errors import DataValidationError, MemberInsightError, ModelNotReadyError, NotFoundError

PREDICTIONS_TABLE = "member_predictions"
_CHURN_COLUMNS = ("churn_probability", "churn_prob", "p_churn", "churn_risk")
_CLV_COLUMNS = ("predicted_clv_365d", "clv", "clv_90d", "predicted_clv", "expected_clv", "clv_value")
_PURCHASES_COLUMNS = ("expected_orders_90d", "expected_purchases", "expected_orders", "predicted_orders")


def _columns(con: Any, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return [r[0] for r in rows]


def segment_member_ids(ws: Any, segment: str) -> list[str]:
    """Member ids in the named RFM segment (case-insensitive) from ``member_predictions``."""
    with ws.analytics(read_only=True) as con:
        cols = _columns(con, PREDICTIONS_TABLE)
        if "rfm_segment" not in cols:
            raise ModelNotReadyError("segments are not built yet (no member_predictions.rfm_segment) — run "
                                     "`memberinsight build`, or pass member ids")
        ids = [r[0] for r in con.execute(
            f"SELECT member_id FROM {PREDICTIONS_TABLE} WHERE lower(rfm_segment) = lower(?) ORDER BY member_id",
            [segment.strip()]).fetchall()]
        if not ids:
            names = [r[0] for r in con.execute(
                f"SELECT DISTINCT rfm_segment FROM {PREDICTIONS_TABLE} ORDER BY 1").fetchall()]
            raise NotFoundError(f"no members in segment {segment!r} (segments: {', '.join(map(str, names))})")
    return ids


def _describe(ws: Any, segment: str) -> str:
    """The analytics package's description of a named RFM segment ('' when unavailable)."""
    try:
        models = importlib.import_module("models")
        summary = getattr(models, "segment_summary", None)
        rows = summary(ws) if summary is not None else []
    except (ImportError, MemberInsightError, duckdb.Error):  # analytics not built for this workspace
        return ""
    for row in rows:
        if str(getattr(row, "segment", "")).lower() == segment.lower():
            return str(getattr(row, "description", "") or "")
    return ""


def _churn_reasons(con: Any, top: int = 3) -> tuple[str, ...]:
    """The most common churn reasons in the audience (``member_predictions.churn_reasons``, '; '-joined)."""
    if "churn_reasons" not in _columns(con, PREDICTIONS_TABLE):
        return ()
    rows = con.execute(f"SELECT p.churn_reasons FROM {PREDICTIONS_TABLE} p JOIN _audience a USING (member_id) "
                       "WHERE p.churn_reasons IS NOT NULL").fetchall()
    counts = Counter(r.strip() for (text,) in rows for r in str(text).split(";") if r.strip())
    return tuple(reason for reason, _ in counts.most_common(top))


def _prediction_stats(con: Any, stats: list[Fact]) -> None:
    cols = _columns(con, PREDICTIONS_TABLE)
    picks = [(next((c for c in cands if c in cols), None), key, label, kind) for cands, key, label, kind in (
        (_CLV_COLUMNS, "avg_clv", "Average predicted customer value", "money"),
        (_CHURN_COLUMNS, "avg_churn_probability", "Average churn risk", "percent"),
        (_PURCHASES_COLUMNS, "avg_expected_orders", "Expected orders per member in the forecast horizon", "number"),
    )]
    for col, key, label, kind in picks:
        if col is None:
            continue
        seg, everyone = con.execute(
            f"SELECT avg(CASE WHEN a.member_id IS NOT NULL THEN p.{col} END), avg(p.{col}) FROM {PREDICTIONS_TABLE} p "
            "LEFT JOIN _audience a USING (member_id)").fetchone()
        if seg is None:
            continue
        scale = 100.0 if kind == "percent" and everyone is not None and everyone <= 1.0 else 1.0
        stats.append(Fact(key, label, round(float(seg) * scale, 1 if kind == "percent" else 2), kind))
        if everyone is not None:
            stats.append(Fact("all_" + key, label + " (all members)",
                              round(float(everyone) * scale, 1 if kind == "percent" else 2), kind))


def build_fact_sheet(ws: Any, segment: str | None = None, member_ids: Sequence[str] | None = None, *,
                     offer: str = "", deadline: date | None = None, as_of: date | None = None,
                     brand: str = "our shop", max_products: int = 3, tone_voice: str | None = None) -> FactSheet:
    """The fact sheet for a segment (by name) or any list of member ids, from the workspace."""
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
            _prediction_stats(con, stats)
            reasons = _churn_reasons(con)
        since = (pd.Timestamp(data_end) - timedelta(days=365)) if data_end is not None else pd.Timestamp("1900-01-01")
        top = con.execute("""
            SELECT p.title, p.price, p.category, count(DISTINCT o.member_id) AS buyers
            FROM orders o JOIN _audience a USING (member_id) JOIN products p USING (product_id)
            WHERE NOT coalesce(o.is_return, false) AND coalesce(p.is_product, true) AND o.ordered_at >= ?
              AND p.title IS NOT NULL
            GROUP BY ALL ORDER BY buyers DESC, p.title LIMIT ?""", [since.to_pydatetime(), max_products]).fetchall()
        products = tuple(ProductFact(str(t).strip(), round(float(pr), 2) if pr is not None else None,
                                     c, "popular with this audience") for t, pr, c, _ in top)
        names = con.execute("SELECT m.first_name, m.last_name FROM members m JOIN _audience a USING (member_id)").fetchall()
        catalogue = con.execute("SELECT DISTINCT title FROM products WHERE coalesce(is_product, true) "
                                "AND title IS NOT NULL").fetchall()
    label = segment or "Selected members"
    return FactSheet(
        segment=label, audience_size=len(seg), offer=offer, deadline=deadline, as_of=as_of, brand=brand,
        **({"brand_voice": tone_voice} if tone_voice else {}),
        segment_description=_describe(ws, label) if segment else "", stats=tuple(stats), products=products,
        churn_reasons=reasons,
        forbidden_names=names_from(n for row in names for n in row),
        catalogue_names=frozenset(str(t[0]).strip() for t in catalogue),
    )


def default_deadline(as_of: date | None = None, days: int = 14) -> date:
    """The default offer end: ``days`` after ``as_of`` (today)."""
    return (as_of or date.today()) + timedelta(days=days)
