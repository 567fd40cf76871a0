"""``memberinsight build`` steps of the analytics package: each takes ``(ws, settings)``, writes its
DuckDB tables and model versions, and returns a small summary (``features``, ``segments`` and
``demand`` here; ``churn`` and ``clv`` in :mod:`models.build_predictions`).

Tables written to the analytics database:

* ``member_features`` - :mod:`models.features` for every member as of the latest order date;
* ``member_segments`` / ``member_churn`` / ``member_clv`` - per-step outputs (in ``member_clv``,
  ``expected_orders_*`` are expected *purchase days* - several orders on one day count once - and
  ``predicted_spend_90d`` / ``predicted_clv_365d`` are *gross* spend: returns are not deducted);
* ``member_predictions`` - the join the rest of the product reads (see :data:`PREDICTION_COLUMNS`);
* ``category_forecasts`` - weekly demand forecasts with intervals;
* ``prediction_quality`` - holdout deciles for churn and purchases;
* ``analytics_info`` - key/value facts (as-of date, horizon, category of each ``share_*`` column).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from memberinsight.config import Settings
from memberinsight.errors import ModelNotReadyError
from memberinsight.models.clusters import ClusterModel
from memberinsight.models.demand import backtest, category_names, forecast_category, weekly_series
from memberinsight.models.evaluation import BucketReport
from memberinsight.models.features import (
    category_columns,
    latest_order_date,
    materialise_features,
    top_categories,
)
from memberinsight.models.segments import rfm_table
from memberinsight.models.store import ModelStore, data_fingerprint

FORECAST_WEEKS = 12

_PART_DDL = {
    "member_segments": """CREATE TABLE IF NOT EXISTS member_segments (member_id VARCHAR, r_score INTEGER,
        f_score INTEGER, m_score INTEGER, rfm_score VARCHAR, rfm_segment VARCHAR, cluster INTEGER,
        cluster_label VARCHAR)""",
    "member_churn": """CREATE TABLE IF NOT EXISTS member_churn (member_id VARCHAR, churn_probability DOUBLE,
        churn_band VARCHAR, churn_reasons VARCHAR, churn_reasons_json VARCHAR)""",
    "member_clv": """CREATE TABLE IF NOT EXISTS member_clv (member_id VARCHAR, expected_orders_90d DOUBLE,
        expected_orders_365d DOUBLE, predicted_spend_90d DOUBLE, predicted_clv_365d DOUBLE, clv_tier VARCHAR,
        p_alive DOUBLE, expected_next_order_date DATE, bgnbd_expected_90d DOUBLE, orders_90d_low DOUBLE,
        orders_90d_high DOUBLE, spend_90d_low DOUBLE, spend_90d_high DOUBLE, enough_history BOOLEAN,
        history_note VARCHAR, orders_365d_low DOUBLE, orders_365d_high DOUBLE, clv_365d_low DOUBLE,
        clv_365d_high DOUBLE)""",
}

_INTERVAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("orders_90d_low", "DOUBLE"), ("orders_90d_high", "DOUBLE"), ("spend_90d_low", "DOUBLE"),
    ("spend_90d_high", "DOUBLE"), ("enough_history", "BOOLEAN"), ("history_note", "VARCHAR"),
    ("orders_365d_low", "DOUBLE"), ("orders_365d_high", "DOUBLE"), ("clv_365d_low", "DOUBLE"),
    ("clv_365d_high", "DOUBLE"))
"""Nullable 80% interval and history columns of ``member_clv`` (:mod:`models.intervals`; the build
also stores each member's standard deviations, ``*_sd``, read by :mod:`models.group_sums`)."""

PREDICTION_COLUMNS: tuple[str, ...] = (
    "member_id", "r_score", "f_score", "m_score", "rfm_score", "rfm_segment", "cluster", "cluster_label",
    "churn_probability", "churn_band", "churn_reasons", "expected_orders_90d", "expected_orders_365d",
    "predicted_spend_90d", "predicted_clv_365d", "clv_tier", "p_alive", "expected_next_order_date",
    "avg_days_between_orders", "bgnbd_expected_90d", "orders_90d_low", "orders_90d_high", "spend_90d_low",
    "spend_90d_high", "enough_history", "history_note", "orders_365d_low", "orders_365d_high", "clv_365d_low",
    "clv_365d_high",
)


def _set_info(con: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS analytics_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for key, value in values.items():
        con.execute("INSERT OR REPLACE INTO analytics_info VALUES (?, ?)", [key, json.dumps(value, default=str)])


def get_info(con: duckdb.DuckDBPyConnection, key: str) -> Any:
    """A value from ``analytics_info``; raises :class:`ModelNotReadyError` when the build has not run."""
    try:
        rows = con.execute("SELECT value FROM analytics_info WHERE key = ?", [key]).fetchall()
    except duckdb.CatalogException as exc:
        raise ModelNotReadyError("analytics have not been built; run `memberinsight build`") from exc
    if not rows:
        raise ModelNotReadyError(f"analytics value '{key}' missing; run `memberinsight build`")
    return json.loads(rows[0][0])


def _features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    try:
        return con.execute("SELECT * FROM member_features ORDER BY member_id").df()
    except duckdb.CatalogException as exc:
        raise ModelNotReadyError("member features missing; run `memberinsight build --only features`") from exc


def _write(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    con.register("_df", df)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _df")
    finally:
        con.unregister("_df")


def refresh_predictions(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild ``member_predictions`` from the per-step tables (missing parts give NULL columns)."""
    for ddl in _PART_DDL.values():
        con.execute(ddl)
    for column, kind in _INTERVAL_COLUMNS:  # member_clv written before intervals were added
        con.execute(f"ALTER TABLE member_clv ADD COLUMN IF NOT EXISTS {column} {kind}")
    con.execute("""
        CREATE OR REPLACE TABLE member_predictions AS
        SELECT f.member_id, s.r_score, s.f_score, s.m_score, s.rfm_score, s.rfm_segment, s.cluster,
               s.cluster_label, c.churn_probability, c.churn_band, c.churn_reasons,
               v.expected_orders_90d, v.expected_orders_365d, v.predicted_spend_90d, v.predicted_clv_365d,
               v.clv_tier, v.p_alive, v.expected_next_order_date, f.ipt_mean AS avg_days_between_orders,
               v.bgnbd_expected_90d, v.orders_90d_low, v.orders_90d_high, v.spend_90d_low, v.spend_90d_high,
               v.enough_history, v.history_note, v.orders_365d_low, v.orders_365d_high, v.clv_365d_low,
               v.clv_365d_high
        FROM member_features f
        LEFT JOIN member_segments s USING (member_id)
        LEFT JOIN member_churn c USING (member_id)
        LEFT JOIN member_clv v USING (member_id)
        ORDER BY f.member_id""")
    return int(con.execute("SELECT count(*) FROM member_predictions").fetchall()[0][0])


def _save_quality(con: duckdb.DuckDBPyConnection, report: BucketReport) -> None:
    con.execute("""CREATE TABLE IF NOT EXISTS prediction_quality (kind VARCHAR, holdout_cutoff DATE,
        horizon_days INTEGER, bucket INTEGER, members INTEGER, mean_predicted DOUBLE, actual DOUBLE,
        lift DOUBLE, overall_actual DOUBLE, overall_predicted DOUBLE)""")
    con.execute("DELETE FROM prediction_quality WHERE kind = ?", [report.kind])
    for b in report.buckets:
        con.execute("INSERT INTO prediction_quality VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [report.kind, report.holdout_cutoff, report.horizon_days, b.bucket, b.members,
                     b.mean_predicted, b.actual, b.lift, report.overall_actual, report.overall_predicted])


def build_features(ws: Any, settings: Settings) -> dict[str, Any]:
    """Step ``features``: ``member_features`` as of the latest order date.

    It first snapshots the orders and accounts confirmed as fraud (:func:`fraud.exclusions.refresh_exclusions`):
    the features and every later step read ``clean_orders`` / ``clean_members``, which leave them out
    while the setting ``fraud.exclude_confirmed`` is on. The summary says how many were left out.
    """
    from memberinsight.fraud import refresh_exclusions

    with ws.analytics() as con:
        excluded = refresh_exclusions(ws, settings, con)
        as_of = latest_order_date(con)
        cats = top_categories(con, as_of)
        n = materialise_features(con, "member_features", as_of, cats)
        names = {c.column: (c.category or "other categories") for c in category_columns(cats)}
        _set_info(con, {"as_of": as_of.isoformat(), "categories": names, "horizon_days": settings.horizon_days,
                        "features_built_at": datetime.now(UTC).isoformat(timespec="seconds")})
        refresh_predictions(con)
    return {"members": n, "as_of": as_of.isoformat(), "categories": len(cats),
            "fraud_exclusions": excluded.as_dict()}


def build_segments(ws: Any, settings: Settings) -> dict[str, Any]:
    """Step ``segments``: RFM scores and named segments, K-means clusters with plain-word labels."""
    with ws.analytics() as con:
        feats = _features(con)
        names = get_info(con, "categories")
        rfm = rfm_table(feats)
        buyers = int((feats["frequency"] > 0).sum())
        if buyers >= 30:
            model = ClusterModel(random_state=settings.random_seed).fit(feats, names)
            labels = model.predict(feats)
            rfm["cluster"] = labels
            rfm["cluster_label"] = [model.label_of(int(k)) for k in labels]
            ModelStore.for_workspace(ws).save(
                "clusters", model, data={"as_of": get_info(con, "as_of"), "members": buyers},
                features=model.columns_, params={"k": model.k_},
                metrics={"silhouette": model.silhouette_, "silhouettes": model.silhouettes_},
                fingerprint=data_fingerprint(con))
        else:
            rfm["cluster"], rfm["cluster_label"] = pd.NA, None
        rfm["cluster"] = rfm["cluster"].astype("Int64")
        _write(con, "member_segments", rfm)
        refresh_predictions(con)
    counts = rfm["rfm_segment"].value_counts().to_dict()
    return {"members": len(rfm), "segments": counts,
            "clusters": int(rfm["cluster"].max() + 1) if buyers >= 30 else 0}


def skip(reason: str) -> dict[str, Any]:
    """A step summary saying the step could not run on this shop, and why."""
    return {"skipped": reason}


def build_demand(ws: Any, settings: Settings) -> dict[str, Any]:
    """Step ``demand``: rolling-origin backtest of the ETS forecast against seasonal naive; the
    winner on sMAPE of weekly units forecasts every category."""
    from memberinsight.models.candidates import DEMAND_CANDIDATES, choose

    with ws.analytics() as con:
        series = weekly_series(con)
        if series.empty or series["week_start"].nunique() < 20:
            return skip("fewer than 20 complete weeks of orders")
        bt = backtest(series)
        choice = choose("demand", bt.candidates(), DEMAND_CANDIDATES)
        rows = []
        for cat in category_names(series):
            fc = forecast_category(series, cat, FORECAST_WEEKS, method=choice.champion)
            rows += [{"category": fc.category, "week_start": p.week_start, "units": p.units,
                      "units_lower": p.units_lower, "units_upper": p.units_upper, "revenue": p.revenue,
                      "revenue_lower": p.revenue_lower, "revenue_upper": p.revenue_upper,
                      "interval": fc.interval, "method": fc.method} for p in fc.points]
        _write(con, "category_forecasts", pd.DataFrame(rows))
        _set_info(con, {"demand_champion": choice.champion})
        fingerprint = data_fingerprint(con)
    ModelStore.for_workspace(ws).save(
        "demand", {"backtest": bt, "weeks": FORECAST_WEEKS, "champion": choice.champion},
        data={"weeks": int(series["week_start"].nunique()), "last_week": str(series["week_start"].max().date())},
        params={"forecast_weeks": FORECAST_WEEKS, "champion": choice.champion},
        metrics={"backtest": bt.metrics, "baseline": bt.baseline, "choice": asdict(choice)},
        fingerprint=fingerprint)
    return {"categories": bt.categories, "weeks": FORECAST_WEEKS,
            "smape_units": bt.metrics["units"]["smape_model"],
            "smape_units_naive": bt.metrics["units"]["smape_naive"],
            "champion": {"champion": choice.champion, "margin": choice.margin, "note": choice.note}}
