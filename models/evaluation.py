"""Time-split evaluation of churn and purchase/CLV models, and prediction quality by score decile.

Protocol (see :mod:`models.training`): models train on snapshots whose labels end on or before
the holdout cutoff ``D - H`` and are scored on members as of that cutoff against what they did in
the last ``H`` days of data. The BG/NBD baseline is fitted on the holdout-cutoff snapshot itself
(the calibration period), as is standard; its summaries are also inputs of the churn and CLV
models (on each training snapshot, BG/NBD is fitted on that snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from memberinsight.models.candidates import (
    CHURN_CANDIDATES,
    PURCHASE_CANDIDATES,
    SPEND_CANDIDATES,
    BaseRate,
    Choice,
    RecencyRule,
    choose,
    recent_rate,
)
from memberinsight.models.churn import ChurnModel
from memberinsight.models.clv import CLVModel, StatisticalCLV, spend_unavailable_reason, with_statistical
from memberinsight.models.drift import repeat_day_ages
from memberinsight.models.features import top_categories
from memberinsight.models.training import TimePlan, model_columns, plan, snapshot, snapshots


@dataclass(frozen=True)
class QualityBucket:
    """One score bucket (1 = lowest predicted) on the holdout."""

    bucket: int
    members: int
    mean_predicted: float
    actual: float
    lift: float
    """Actual rate (or mean) in the bucket divided by the overall actual rate."""


@dataclass(frozen=True)
class BucketReport:
    """Actual versus predicted per score bucket for one target."""

    kind: str
    """``churn`` (rate of no purchase) or ``purchases`` (mean purchase days)."""
    holdout_cutoff: str
    horizon_days: int
    overall_actual: float
    overall_predicted: float
    buckets: list[QualityBucket] = field(default_factory=list)


@dataclass(frozen=True)
class PredictionQuality:
    """Decile tables for churn and purchases on the latest holdout (of the models that ship), and
    which candidate ships for each prediction with every candidate's holdout metrics."""

    churn: BucketReport
    purchases: BucketReport
    choices: list[Choice] = field(default_factory=list)
    fraud_exclusions: dict[str, Any] = field(default_factory=dict)
    """What the figures leave out as confirmed fraud (:meth:`fraud.ExclusionStatus.as_dict`, with its ``note``)."""


def churn_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """ROC-AUC, PR-AUC, Brier score, and the Brier score of always predicting the base rate."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    base = float(y.mean())
    both = 0 < base < 1
    return {
        "members": int(len(y)), "base_rate": round(base, 4),
        "roc_auc": round(float(roc_auc_score(y, p)), 4) if both else float("nan"),
        "pr_auc": round(float(average_precision_score(y, p)), 4) if both else float("nan"),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "brier_base_rate": round(base * (1 - base), 4),
        "mean_predicted": round(float(p.mean()), 4),
    }


def regression_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Per-member MAE and RMSE, Pearson correlation, and aggregate (total) relative error."""
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    corr = float(np.corrcoef(a, p)[0, 1]) if a.std() > 0 and p.std() > 0 else float("nan")
    total = float(a.sum())
    return {
        "mae": round(float(np.abs(a - p).mean()), 4),
        "rmse": round(float(np.sqrt(((a - p) ** 2).mean())), 4),
        "correlation": round(corr, 4),
        "actual_total": round(total, 2),
        "predicted_total": round(float(p.sum()), 2),
        "aggregate_error": round((float(p.sum()) - total) / total, 4) if total else float("nan"),
    }


def bucket_report(kind: str, predicted: np.ndarray, actual: np.ndarray, holdout_cutoff: date,
                  horizon_days: int, n_buckets: int = 10) -> BucketReport:
    """Members split into ``n_buckets`` equal groups by predicted score; actual vs predicted per group
    (:data:`models.quality_sql.BUCKET_SQL` on DuckDB: the Spark engine runs the same SQL)."""
    from memberinsight.models.quality_sql import duckdb_buckets, report_rows

    overall, predicted_mean, rows = report_rows(duckdb_buckets(kind, predicted, actual, n_buckets))
    return BucketReport(kind, holdout_cutoff.isoformat(), horizon_days, overall, predicted_mean,
                        [QualityBucket(*row) for row in rows])


@dataclass
class ChurnEvaluation:
    """Holdout metrics of the churn model and of every churn candidate."""

    plan: TimePlan
    metrics: dict[str, float]
    """The boosted model's holdout metrics."""
    train_rows: int
    top_features: dict[str, float]
    quality: BucketReport
    """Deciles of the candidate that ships (the champion)."""
    choice: Choice | None = None
    holdout: pd.DataFrame | None = field(default=None, repr=False)
    """Per holdout member: ``member_id``, the champion's ``champion_churn`` and ``churned`` (in memory only:
    the Spark engine's quality buckets read it, :mod:`scaleout.quality`)."""


@dataclass
class CLVEvaluation:
    """Holdout metrics of every purchases and spend candidate (see :mod:`models.candidates`).

    ``purchases`` / ``spend`` map candidate name -> metrics, plus ``model``: the metrics of the
    candidate that ships (the champion). ``spend`` is empty when order values are unknown.
    """

    plan: TimePlan
    purchases: dict[str, dict[str, float]]
    spend: dict[str, dict[str, float]]
    bgnbd_params: dict[str, float]
    train_rows: int
    quality: BucketReport
    choice_purchases: Choice | None = None
    choice_spend: Choice | None = None
    spend_note: str = ""
    drift: dict[str, float] = field(default_factory=dict)
    """The drift-aware BG/NBD's parameters at the holdout cutoff (``drift_per_year`` and more)."""
    holdout: pd.DataFrame | None = field(default=None, repr=False)
    """The holdout snapshot (features as of the cutoff, what members did after it) with the champions'
    expectations per member: ``champion_purchases`` and ``champion_spend`` (NaN without prices).
    In memory only: the interval calibration and coverage check read it (:mod:`models.interval_check`)."""
    stat: StatisticalCLV | None = field(default=None, repr=False)
    """BG/NBD (and Gamma-Gamma) fitted on the holdout snapshot."""


def _categories(con: duckdb.DuckDBPyConnection, cutoff: date) -> tuple[list[str], dict[str, str]]:
    from memberinsight.models.features import category_columns

    cats = top_categories(con, cutoff)
    return cats, {c.column: (c.category or "other categories") for c in category_columns(cats)}


def churn_candidates(train: pd.DataFrame, test: pd.DataFrame, boosted: ChurnModel,
                     cols: list[str]) -> dict[str, np.ndarray]:
    """Churn probabilities of every candidate on ``test`` (baselines fitted on ``train``)."""
    y = train["churned"].to_numpy()
    return {"base_rate": BaseRate().fit(y).predict_proba(test),
            "recency_rule": RecencyRule().fit(train, y).predict_proba(test),
            "bgnbd": test["bg_p_zero"].to_numpy(dtype=float),
            "boosted": boosted.predict_proba(test[cols])}


def evaluate_churn(con: duckdb.DuckDBPyConnection, horizon_days: int = 90, random_state: int = 42,
                   time_plan: TimePlan | None = None) -> ChurnEvaluation:
    """Train on past snapshots, score the holdout cutoff, compare with the last ``horizon_days``;
    every churn candidate is scored and the champion chosen on the Brier score."""
    tp = time_plan or plan(con, horizon_days)
    cats, names = _categories(con, tp.eval_train_cutoffs[0])
    train = with_statistical(snapshots(con, tp.eval_train_cutoffs, horizon_days, cats), horizon_days)
    test = with_statistical(snapshot(con, tp.holdout_cutoff, horizon_days, cats), horizon_days)
    cols = [c for c in model_columns(train) if c in test.columns]
    model = ChurnModel(horizon_days, random_state).fit(train[cols], train["churned"].to_numpy(),
                                                       train["member_id"].to_numpy(), names)
    y = test["churned"].to_numpy()
    probs = churn_candidates(train, test, model, cols)
    scores = {name: churn_metrics(y, p) for name, p in probs.items()}
    choice = choose("churn", scores, CHURN_CANDIDATES)
    top = dict(list(model.importance().items())[:8])
    return ChurnEvaluation(tp, scores["boosted"], len(train), top,
                           bucket_report("churn", probs[choice.champion], y, tp.holdout_cutoff, horizon_days),
                           choice, test[["member_id"]].assign(champion_churn=probs[choice.champion], churned=y))


def evaluate_clv(con: duckdb.DuckDBPyConnection, horizon_days: int = 90, random_state: int = 42,
                 time_plan: TimePlan | None = None) -> CLVEvaluation:
    """Every purchases and spend candidate on the holdout; the champions are chosen on RMSE."""
    tp = time_plan or plan(con, horizon_days)
    H = horizon_days
    cats, _ = _categories(con, tp.eval_train_cutoffs[0])
    train = with_statistical(snapshots(con, tp.eval_train_cutoffs, H, cats), H)
    test = snapshot(con, tp.holdout_cutoff, H, cats)
    stat = StatisticalCLV().fit(test).fit_drift(test, repeat_day_ages(con, tp.holdout_cutoff))
    test = pd.concat([test, stat.predict(test, H)], axis=1)
    cols = [c for c in model_columns(train) if c in test.columns]
    model = CLVModel(H, random_state).fit(
        train[cols], train["future_days"].to_numpy(), train["future_spend"].to_numpy(),
        train["member_id"].to_numpy())
    pred = model.predict(test[cols])
    recent_n, recent_s = recent_rate(test, H)
    trend_n = stat.expected_purchases_drift(test, H)
    actual_n = test["future_days"].to_numpy()
    n_preds = {"recent_rate": recent_n, "bgnbd": test["bg_expected"].to_numpy(), "bgnbd_trend": trend_n,
               "boosted": pred["expected_purchases"].to_numpy()}
    if stat.drift_.kappa_ == 0.0:  # no significant drift: the drift model is plain BG/NBD
        n_preds.pop("bgnbd_trend")
    purchases = {k: regression_metrics(actual_n, v) for k, v in n_preds.items()}
    choice_n = choose("purchases", purchases, PURCHASE_CANDIDATES)
    purchases["model"] = purchases[choice_n.champion]
    spend: dict[str, dict[str, float]] = {}
    choice_s = None
    s_preds: dict[str, np.ndarray] = {}
    if stat.has_spend and model.spend_model_ is not None:
        value = test["gg_value"].to_numpy()
        s_preds = {"recent_rate": recent_s, "bgnbd": test["bg_spend"].to_numpy(),
                   "bgnbd_trend": trend_n * value, "boosted": pred["expected_spend"].to_numpy()}
        if "bgnbd_trend" not in n_preds:
            s_preds.pop("bgnbd_trend")
        spend = {k: regression_metrics(test["future_spend"].to_numpy(), v) for k, v in s_preds.items()}
        choice_s = choose("spend", spend, SPEND_CANDIDATES)
        spend["model"] = spend[choice_s.champion]
    quality = bucket_report("purchases", n_preds[choice_n.champion], actual_n, tp.holdout_cutoff, H)
    note = "" if spend else (stat.spend_note_ or spend_unavailable_reason(test))
    holdout = test.assign(champion_purchases=n_preds[choice_n.champion],
                          champion_spend=s_preds[choice_s.champion] if choice_s else np.nan)
    return CLVEvaluation(tp, purchases, spend, stat.params(), len(train), quality, choice_n, choice_s, note,
                         stat.drift_.params(), holdout, stat)


@dataclass
class AnalyticsEvaluation:
    """Everything ``memberinsight evaluate analytics`` reports."""

    horizon_days: int
    churn: ChurnEvaluation | None
    clv: CLVEvaluation | None
    demand: object | None
    """:class:`models.demand.BacktestResult` (``None`` with too little history)."""
    notes: list[str] = field(default_factory=list)
    intervals: dict[str, Any] | None = None
    """Coverage of the shipped 80% intervals of purchases and spend on the holdout
    (:func:`models.intervals.holdout_coverage`)."""


def evaluate_analytics(ws: object, horizon_days: int = 90, random_state: int = 42) -> AnalyticsEvaluation:
    """Churn and CLV on the time split, demand on the rolling-origin backtest (fresh, nothing stored)."""
    from memberinsight.errors import DataValidationError, ModelNotReadyError
    from memberinsight.models.demand import backtest, weekly_series
    from memberinsight.models.intervals import holdout_coverage

    notes: list[str] = []
    churn = clv = demand = None
    intervals: dict[str, Any] | None = None
    with ws.analytics(read_only=True) as con:  # type: ignore[attr-defined]
        try:
            tp = plan(con, horizon_days)
            churn = evaluate_churn(con, horizon_days, random_state, tp)
            clv = evaluate_clv(con, horizon_days, random_state, tp)
            intervals = holdout_coverage(clv, random_state)
        except ModelNotReadyError as exc:
            notes.append(f"churn/CLV not evaluated: {exc}")
        try:
            demand = backtest(weekly_series(con))
        except DataValidationError as exc:
            notes.append(f"demand not evaluated: {exc}")
    return AnalyticsEvaluation(horizon_days, churn, clv, demand, notes, intervals)
