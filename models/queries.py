"""Read-side API over the built analytics tables: segment summaries and comparisons, at-risk
members, category forecasts and prediction quality. Everything here only reads the workspace."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import duckdb
import pandas as pd

from memberinsight.errors import ModelNotReadyError, NotFoundError
from memberinsight.figures import money, share
from memberinsight.models.build import get_info
from memberinsight.models.candidates import Choice, choice_from_dict
from memberinsight.models.demand import (
    CategoryForecast,
    ForecastPoint,
    category_history,
    forecast_category,
    weekly_series,
)
from memberinsight.models.evaluation import BucketReport, PredictionQuality, QualityBucket
from memberinsight.models.segments import SEGMENTS, describe_segment
from memberinsight.models.wording import plural


@dataclass(frozen=True)
class SegmentStats:
    """Size, value and typical behaviour of one segment (RFM segment or cluster)."""

    segment: str
    kind: str
    """``rfm`` or ``cluster``."""
    members: int
    member_share: float
    revenue: float
    """Net spend of the segment's members up to the as-of date."""
    revenue_share: float
    median_recency_days: float | None
    median_frequency: float | None
    median_monetary: float | None
    median_avg_order_value: float | None
    mean_churn_probability: float | None
    mean_predicted_clv_365d: float | None
    expected_orders_90d: float | None
    """Sum over members: purchase days (several orders on one day count once) expected in the next 90 days."""
    description: str = ""
    suggested_action: str = ""


@dataclass(frozen=True)
class MetricDifference:
    """One metric of two segments side by side."""

    metric: str
    a: float | None
    b: float | None
    ratio: float | None
    """a / b (None when b is 0 or missing)."""


@dataclass
class SegmentComparison:
    """Two segments compared metric by metric, with a one-paragraph summary."""

    a: SegmentStats
    b: SegmentStats
    differences: list[MetricDifference] = field(default_factory=list)
    summary: str = ""


@dataclass(frozen=True)
class AtRiskMember:
    """A valuable member likely to lapse."""

    member_id: str
    rfm_segment: str | None
    churn_probability: float
    churn_band: str | None
    predicted_clv_365d: float | None
    spend_last_365d: float
    value_at_risk: float
    """churn_probability x spend in the last 365 days."""
    recency_days: float | None
    reasons: str


def _con_check(con: duckdb.DuckDBPyConnection) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = {"member_predictions", "member_features"} - tables
    if missing:
        raise ModelNotReadyError(f"analytics have not been built ({', '.join(sorted(missing))} missing); "
                                 "run `memberinsight build`")


def _frame(ws: Any) -> pd.DataFrame:
    with ws.analytics(read_only=True) as con:
        _con_check(con)
        return con.execute("""
            SELECT p.*, f.recency_days, f.frequency, f.monetary, f.avg_order_value, f.spend_365d
            FROM member_predictions p JOIN member_features f USING (member_id)""").df()


def _num(v: Any, digits: int = 2) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v), digits)


def _stats(name: str, kind: str, part: pd.DataFrame, total_members: int, total_revenue: float) -> SegmentStats:
    desc, action = describe_segment(name) if kind == "rfm" else ("", "")
    revenue = float(part["monetary"].sum())
    return SegmentStats(
        segment=name, kind=kind, members=len(part),
        member_share=round(len(part) / total_members, 4) if total_members else 0.0,
        revenue=round(revenue, 2), revenue_share=round(revenue / total_revenue, 4) if total_revenue else 0.0,
        median_recency_days=_num(part["recency_days"].median()),
        median_frequency=_num(part["frequency"].median()),
        median_monetary=_num(part["monetary"].median()),
        median_avg_order_value=_num(part["avg_order_value"].median()),
        mean_churn_probability=_num(part["churn_probability"].mean(), 4),
        mean_predicted_clv_365d=_num(part["predicted_clv_365d"].mean()),
        expected_orders_90d=_num(part["expected_orders_90d"].sum(), 1),
        description=desc, suggested_action=action,
    )


def segment_summary(ws: Any, by: str = "rfm") -> list[SegmentStats]:
    """One :class:`SegmentStats` per RFM segment (``by="rfm"``, in the standard order) or cluster."""
    df = _frame(ws)
    total_m, total_r = len(df), float(df["monetary"].sum())
    if by == "cluster":
        groups = [(lab, df[df["cluster_label"] == lab]) for lab in
                  df.dropna(subset=["cluster"]).sort_values("cluster")["cluster_label"].unique()]
        return [_stats(str(n), "cluster", g, total_m, total_r) for n, g in groups]
    present = set(df["rfm_segment"].dropna())
    order = [s for s in SEGMENTS if s in present] + sorted(present - set(SEGMENTS))
    return [_stats(s, "rfm", df[df["rfm_segment"] == s], total_m, total_r) for s in order]


def _norm(text: str) -> str:
    text = re.sub(r"[^a-z0-9 ]", "", text.lower().replace("'", ""))
    text = re.sub(r"\b(members?|customers?|segment|the|cluster)\b", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def resolve_segment(ws: Any, name: str) -> tuple[str, str]:
    """Map a loose RFM or cluster name ("new members", "cant lose them", "cluster 2") to (kind, exact name).

    Only the analytics' own segments (``kind`` is ``"rfm"`` or ``"cluster"``), for their summary
    statistics. To get the *members* of any named segment, saved (custom) segments included, call
    ``segments.resolve_segment_members(ws, name)`` (a layer above this package).
    """
    df = _frame(ws)
    m = re.fullmatch(r"\s*cluster\s*#?\s*(\d+)\s*", name.lower())
    if m:
        hit = df[df["cluster"] == int(m.group(1))]
        if hit.empty:
            raise NotFoundError(f"no cluster {m.group(1)}")
        return "cluster", str(hit["cluster_label"].iloc[0])
    key = _norm(name)
    rfm = {_norm(s): s for s in df["rfm_segment"].dropna().unique()}
    clusters = {_norm(s): s for s in df["cluster_label"].dropna().unique()}
    for table, kind in ((rfm, "rfm"), (clusters, "cluster")):
        if key in table:
            return kind, table[key]
    for table, kind in ((rfm, "rfm"), (clusters, "cluster")):
        hits = [v for k, v in table.items() if key and (key in k or k in key)]
        if len(hits) == 1:
            return kind, hits[0]
    known = ", ".join(sorted(rfm.values()))
    raise NotFoundError(f"no RFM segment or cluster matching '{name}' (RFM segments: {known}; or 'cluster N'); "
                        "saved segments resolve through segments.resolve_segment_members")


def _segment_stats(ws: Any, name: str) -> SegmentStats:
    kind, exact = resolve_segment(ws, name)
    stats = segment_summary(ws, by=kind)
    return next(s for s in stats if s.segment == exact)


def compare_segments(ws: Any, a: str, b: str) -> SegmentComparison:
    """Compare two segments (RFM names or cluster labels, loosely matched) metric by metric."""
    sa, sb = _segment_stats(ws, a), _segment_stats(ws, b)
    metrics = ("members", "revenue", "revenue_share", "median_recency_days", "median_frequency",
               "median_monetary", "median_avg_order_value", "mean_churn_probability", "mean_predicted_clv_365d",
               "expected_orders_90d")
    diffs = []
    for m in metrics:
        va, vb = getattr(sa, m), getattr(sb, m)
        ratio = round(va / vb, 3) if va is not None and vb not in (None, 0) else None
        diffs.append(MetricDifference(m, va, vb, ratio))

    def _side(s: SegmentStats) -> str:
        orders = "n/a" if s.median_frequency is None else plural(s.median_frequency, "order")
        recency = "n/a" if s.median_recency_days is None else f"{s.median_recency_days:,.0f}"
        churn = "n/a" if s.mean_churn_probability is None else share(s.mean_churn_probability, 0)
        clv = "n/a" if s.mean_predicted_clv_365d is None else money(s.mean_predicted_clv_365d)
        return (f"{s.segment}: {s.members:,} members ({share(s.member_share, 0)}), {share(s.revenue_share, 0)} of "
                f"revenue, median {orders}, last order {recency} days ago, mean churn risk {churn}, "
                f"mean 12-month value {clv}.")

    summary = f"{_side(sa)} {_side(sb)}"
    return SegmentComparison(sa, sb, diffs, summary)


def at_risk_members(ws: Any, min_clv: float = 0.0, limit: int = 20, min_churn: float = 0.5,
                    member_ids: Collection[str] | None = None) -> list[AtRiskMember]:
    """Members with churn probability >= ``min_churn`` and predicted 12-month CLV >= ``min_clv``,
    most value at risk first (churn probability x last-year spend). ``member_ids`` restricts them to a
    group (a named segment's members come from ``segments.resolve_segment_members`` in the caller)."""
    df = _frame(ws)
    df = df[df["churn_probability"].notna() & (df["churn_probability"] >= min_churn)]
    df = df[df["predicted_clv_365d"].fillna(0) >= min_clv]
    if member_ids is not None:
        df = df[df["member_id"].isin([str(m) for m in member_ids])]
    df = df.assign(value_at_risk=df["churn_probability"] * df["spend_365d"].fillna(0))
    df = df.sort_values(["value_at_risk", "churn_probability", "member_id"], ascending=[False, False, True])
    return [AtRiskMember(r.member_id, r.rfm_segment, round(float(r.churn_probability), 4), r.churn_band,
                         _num(r.predicted_clv_365d), round(float(r.spend_365d or 0), 2),
                         round(float(r.value_at_risk), 2), _num(r.recency_days, 0), r.churn_reasons or "")
            for r in df.head(limit).itertuples(index=False)]


def category_forecast(ws: Any, category: str, weeks: int = 12) -> CategoryForecast:
    """Weekly units and revenue forecast for ``category`` (stored by the build when ``weeks`` fits and it starts
    the day after the last day of data, otherwise computed now with the method the build chose) with 80%
    prediction intervals and recent history."""
    with ws.analytics(read_only=True) as con:
        series = weekly_series(con)
        stored = _stored_forecast(con, category)
        try:
            method = str(get_info(con, "demand_champion"))
        except ModelNotReadyError:
            method = "ets"
    fc = category_history(series, category)
    starts_after_data = stored is not None and fc.last_day is not None and \
        pd.Timestamp(stored["week_start"].iloc[0]).date() == fc.last_day + timedelta(days=1)
    if stored is not None and len(stored) >= weeks and starts_after_data:  # not one made before the data changed
        fc.interval = float(stored["interval"].iloc[0])
        fc.points = [ForecastPoint(pd.Timestamp(r.week_start).date(),
                                   r.units, r.units_lower, r.units_upper, r.revenue, r.revenue_lower,
                                   r.revenue_upper) for r in stored.head(weeks).itertuples(index=False)]
        fc.method = str(stored["method"].iloc[0])
        return fc
    return forecast_category(series, category, weeks, method=method)


def _stored_forecast(con: duckdb.DuckDBPyConnection, category: str) -> pd.DataFrame | None:
    try:
        df = con.execute("SELECT * FROM category_forecasts WHERE lower(category) = lower(?) ORDER BY week_start",
                         [category]).df()
    except duckdb.CatalogException:
        return None
    return df if not df.empty else None


def forecast_categories(ws: Any) -> list[str]:
    """Categories that have a demand series."""
    with ws.analytics(read_only=True) as con:
        series = weekly_series(con)
    return sorted(series["category"].unique()) if not series.empty else []


def model_choices(ws: Any) -> list[Choice]:
    """What ships for each prediction (churn, purchases, spend, demand) and how every candidate did
    on the holdout, read from the model manifests of the latest build (absent ones are left out)."""
    from memberinsight.models.store import ModelStore

    store = ModelStore.for_workspace(ws)
    raw: list[Any] = []
    for name in ("churn", "clv", "demand"):
        try:
            choice = store.manifest(name).metrics.get("choice")
        except ModelNotReadyError:
            continue
        if name == "clv" and isinstance(choice, dict):
            raw += [choice.get("purchases"), choice.get("spend")]
        else:
            raw.append(choice)
    return [c for c in (choice_from_dict(r) for r in raw if isinstance(r, dict)) if c is not None]


def prediction_quality(ws: Any, settings: Any = None) -> PredictionQuality:
    """Actual vs predicted per score decile on the latest holdout, for churn and purchases
    (stored by the ``churn`` and ``clv`` build steps: the deciles of the model that ships), and
    the champion / challenger choices (``settings`` is accepted for symmetry)."""
    with ws.analytics(read_only=True) as con:
        try:
            df = con.execute("SELECT * FROM prediction_quality ORDER BY kind, bucket").df()
        except duckdb.CatalogException as exc:
            raise ModelNotReadyError("no prediction-quality data; run `memberinsight build`") from exc
        get_info(con, "as_of")

    def report(kind: str) -> BucketReport:
        part = df[df["kind"] == kind]
        if part.empty:
            raise ModelNotReadyError(f"no {kind} quality buckets; run `memberinsight build`")
        first = part.iloc[0]
        buckets = [QualityBucket(int(r.bucket), int(r.members), float(r.mean_predicted), float(r.actual),
                                 float(r.lift)) for r in part.itertuples(index=False)]
        cutoff = first["holdout_cutoff"]
        return BucketReport(kind, pd.Timestamp(cutoff).date().isoformat(), int(first["horizon_days"]),
                            float(first["overall_actual"]), float(first["overall_predicted"]), buckets)

    from memberinsight.fraud import exclusion_status

    return PredictionQuality(report("churn"), report("purchases"), model_choices(ws),
                             exclusion_status(ws, settings).as_dict())
