"""Time-based training data: feature snapshots at past cutoffs, labelled with what happened next.

For horizon ``H`` and the last order date ``D``:

* the **holdout** cutoff is ``D - H``: features as of it, labels from the ``H`` days after (up to ``D``);
* **training** snapshots for evaluation sit at ``D - 2H, D - 2H - step, ...``, so every training label
  ends on or before the holdout cutoff (no leakage);
* **production** models train on snapshots ``D - H, D - H - step, ...`` and score members as of ``D``.

Only members with at least one purchase by the cutoff are in a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from memberinsight.errors import ModelNotReadyError
from memberinsight.models.features import (
    compute_features,
    first_order_date,
    future_targets,
    latest_order_date,
)

NON_FEATURES = frozenset({"member_id", "as_of", "future_orders", "future_days", "future_spend", "churned"})


@dataclass(frozen=True)
class TimePlan:
    """Cutoff dates for one horizon."""

    horizon_days: int
    first_date: date
    last_date: date
    holdout_cutoff: date
    eval_train_cutoffs: list[date]
    prod_train_cutoffs: list[date]


def plan(con: duckdb.DuckDBPyConnection, horizon_days: int, step_days: int = 30, max_snapshots: int = 12,
         min_history_days: int = 60) -> TimePlan:
    """Cutoffs for evaluation and production; raises :class:`ModelNotReadyError` on too little history."""
    first, last = first_order_date(con), latest_order_date(con)
    earliest = first + timedelta(days=min_history_days)
    holdout = last - timedelta(days=horizon_days)

    def series(top: date) -> list[date]:
        return [c for c in (top - timedelta(days=k * step_days) for k in range(max_snapshots)) if c >= earliest]

    eval_cuts = series(holdout - timedelta(days=horizon_days))
    prod_cuts = series(holdout)
    if not eval_cuts:
        need = 2 * horizon_days + min_history_days
        raise ModelNotReadyError(
            f"orders span {(last - first).days} days; time-split models with a {horizon_days}-day horizon "
            f"need at least {need} days")
    return TimePlan(horizon_days, first, last, holdout, eval_cuts, prod_cuts)


def snapshot(con: duckdb.DuckDBPyConnection, as_of: date, horizon_days: int | None,
             categories: list[str]) -> pd.DataFrame:
    """Features of buying members as of ``as_of``, plus labels when ``horizon_days`` is given."""
    feats = compute_features(con, as_of, categories)
    # The same frame on every run: DuckDB returns rows in no fixed order and sums in parallel in no fixed
    # order (shares differing in the 16th digit), and the boosted models' bins and splits follow both, so the
    # same workspace gave predictions up to 0.05 apart from one run to the next.
    feats = feats[feats["frequency"] > 0].sort_values("member_id", kind="stable").reset_index(drop=True)
    floats = feats.select_dtypes("float").columns
    feats[floats] = feats[floats].round(9)
    feats["as_of"] = pd.Timestamp(as_of)
    if horizon_days is None:
        return feats
    tgt = future_targets(con, as_of, horizon_days)
    out = feats.merge(tgt, on="member_id", how="left")
    for c in ("future_orders", "future_days", "future_spend"):
        out[c] = out[c].fillna(0).astype(float).round(9)
    out["churned"] = (out["future_orders"] == 0).astype(int)
    return out


def snapshots(con: duckdb.DuckDBPyConnection, cutoffs: list[date], horizon_days: int,
              categories: list[str]) -> pd.DataFrame:
    """Labelled snapshots stacked (one row per member and cutoff)."""
    return pd.concat([snapshot(con, c, horizon_days, categories) for c in cutoffs], ignore_index=True)


class FeatureEncoder:
    """Turns a feature frame into model input: numbers as floats, text columns as pandas categoricals
    with the levels seen in training (unseen levels and missing columns become missing values)."""

    def fit(self, df: pd.DataFrame, columns: list[str]) -> FeatureEncoder:
        """Record the columns and the levels of the text columns."""
        self.columns_ = list(columns)
        self.levels_: dict[str, list[str]] = {}
        for c in columns:
            if c in df.columns and not pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
                self.levels_[c] = sorted(str(v) for v in df[c].dropna().unique())
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """The model input frame for ``df``."""
        out = pd.DataFrame(index=df.index)
        for c in self.columns_:
            if c in self.levels_:
                values = df[c].astype("string") if c in df.columns else pd.Series(pd.NA, index=df.index)
                out[c] = pd.Categorical(values, categories=self.levels_[c])
            elif c in df.columns:
                out[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
            else:
                out[c] = np.nan
        return out


def model_columns(df: pd.DataFrame) -> list[str]:
    """Feature columns of a snapshot frame (everything but ids, dates and labels)."""
    return [c for c in df.columns if c not in NON_FEATURES]


def lgbm_params(objective: str, random_state: int, **extra: object) -> dict[str, object]:
    """Shared LightGBM settings: small trees, shrinkage, subsampling, deterministic."""
    params: dict[str, object] = {
        "objective": objective, "learning_rate": 0.03, "num_leaves": 7, "min_child_samples": 100,
        "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8, "reg_lambda": 1.0,
        "random_state": random_state, "n_jobs": 1, "verbose": -1, "deterministic": True,
        "force_row_wise": True,
    }
    params.update(extra)
    return params


def _grouped_folds(estimator_cls: type, params: dict[str, object], X: pd.DataFrame, y: np.ndarray,
                   groups: np.ndarray, n_folds: int, max_rounds: int,
                   init: np.ndarray) -> tuple[list[tuple[Any, int]], np.ndarray]:
    """Grouped K-fold with early stopping: the fold models with their best round, and OOF raw scores."""
    n_groups = len(np.unique(groups))
    folds = max(2, min(n_folds, n_groups))
    oof = np.zeros(len(X))
    fitted: list[tuple[Any, int]] = []
    for train_idx, valid_idx in GroupKFold(n_splits=folds).split(X, y, groups):
        est = estimator_cls(n_estimators=max_rounds, **params)
        est.fit(X.iloc[train_idx], y[train_idx], init_score=init[train_idx],
                eval_X=(X.iloc[valid_idx],), eval_y=(y[valid_idx],), eval_init_score=[init[valid_idx]],
                callbacks=[lgb.early_stopping(40, verbose=False)])
        it = max(1, int(est.best_iteration_ or max_rounds))
        fitted.append((est, it))
        oof[valid_idx] = est.predict(X.iloc[valid_idx], raw_score=True, num_iteration=it) + init[valid_idx]
    return fitted, oof


def fit_lgbm_cv(estimator_cls: type, params: dict[str, object], X: pd.DataFrame, y: np.ndarray,
                groups: np.ndarray, n_folds: int = 4, max_rounds: int = 1000,
                init_score: np.ndarray | None = None) -> tuple[Any, np.ndarray, int]:
    """Grouped K-fold with early stopping, then a refit on all rows.

    Returns (refitted model, out-of-fold raw scores including ``init_score``, rounds used). With
    ``init_score`` the trees boost from that margin (e.g. a statistical model's log prediction).
    """
    init = np.zeros(len(X)) if init_score is None else np.asarray(init_score, dtype=float)
    fitted, oof = _grouped_folds(estimator_cls, params, X, y, groups, n_folds, max_rounds, init)
    rounds = int(np.mean([it for _, it in fitted]) * 1.1) + 1
    final = estimator_cls(n_estimators=rounds, **params).fit(X, y, init_score=init)
    return final, oof, rounds


class FoldEnsemble:
    """The fold models of a grouped K-fold fit, each cut at its own early-stopping round.

    Predictions average the fold models' raw scores, so the out-of-fold scores used to calibrate
    come from models exactly like the ones that score new rows (same trees per model, same share
    of the data), unlike a refit on all rows with a different number of trees.
    """

    def __init__(self, models: list[tuple[Any, int]]) -> None:
        self.models = models

    @property
    def rounds(self) -> list[int]:
        """Trees used by each fold model."""
        return [it for _, it in self.models]

    def raw_score(self, X: pd.DataFrame) -> np.ndarray:
        """Mean raw margin of the fold models."""
        return np.mean([m.predict(X, raw_score=True, num_iteration=it) for m, it in self.models], axis=0)

    def contributions(self, X: pd.DataFrame) -> np.ndarray:
        """Mean exact TreeSHAP contributions (last column: bias); rows sum to :meth:`raw_score`."""
        return np.mean([np.asarray(m.predict(X, pred_contrib=True, num_iteration=it)) for m, it in self.models],
                       axis=0)

    def gain(self) -> np.ndarray:
        """Mean total gain per feature over the fold models (trees up to each model's round)."""
        return np.mean([m.booster_.feature_importance(importance_type="gain", iteration=it)
                        for m, it in self.models], axis=0)


def fit_lgbm_folds(estimator_cls: type, params: dict[str, object], X: pd.DataFrame, y: np.ndarray,
                   groups: np.ndarray, n_folds: int = 4, max_rounds: int = 1000) -> tuple[FoldEnsemble, np.ndarray]:
    """Grouped K-fold with early stopping; returns the fold ensemble and its out-of-fold raw scores."""
    fitted, oof = _grouped_folds(estimator_cls, params, X, y, np.asarray(groups), n_folds, max_rounds,
                                 np.zeros(len(X)))
    return FoldEnsemble(fitted), oof
