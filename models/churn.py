"""Churn risk: probability that a buying member places no order in the next ``horizon_days`` days.

LightGBM (binary log-loss) trained on stacked time snapshots (:mod:`models.training`) with
member-grouped K-fold early stopping. The fold models themselves score new members (their raw
margins are averaged, :class:`models.training.FoldEnsemble`), so the Platt (logistic) calibration
fitted on their out-of-fold margins applies to exactly the kind of model that is used. Inputs are
the member features plus, when present, the BG/NBD summaries (``bg_p_alive``, ``bg_p_zero``...).
Per-member reasons come from exact TreeSHAP contributions (``pred_contrib=True``, averaged over
the fold models) and are worded by :mod:`models.wording`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.linear_model import LogisticRegression

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.training import FeatureEncoder, fit_lgbm_folds, lgbm_params
from memberinsight.models.wording import reason_text

BANDS: tuple[tuple[str, float], ...] = (("low", 0.0), ("medium", 0.4), ("high", 0.7))
"""Churn band lower bounds: low < 0.4 <= medium < 0.7 <= high."""


@dataclass(frozen=True)
class ChurnReason:
    """One feature's push on a member's churn risk."""

    feature: str
    value: float | str | None
    contribution: float
    """TreeSHAP contribution in log-odds (positive raises risk)."""
    text: str


def churn_band(p: float | None) -> str | None:
    """``low`` / ``medium`` / ``high`` for a churn probability."""
    if p is None or not np.isfinite(p):
        return None
    band = BANDS[0][0]
    for name, lower in BANDS:
        if p >= lower:
            band = name
    return band


class ChurnModel:
    """Calibrated gradient-boosting churn classifier with per-member TreeSHAP reasons."""

    def __init__(self, horizon_days: int = 90, random_state: int = 42, n_folds: int = 4,
                 max_rounds: int = 1000) -> None:
        self.horizon_days = horizon_days
        self.random_state = random_state
        self.n_folds = n_folds
        self.max_rounds = max_rounds

    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray,
            categories: dict[str, str] | None = None) -> ChurnModel:
        """Fit on feature rows ``X``, labels ``y`` (1 = churned), ``groups`` = member ids."""
        y = np.asarray(y, dtype=int)
        if len(np.unique(y)) < 2:
            raise DataValidationError("churn labels have a single class; need both churned and retained members",
                                      column="churned")
        self.feature_names_ = list(X.columns)
        self.categories_ = dict(categories or {})
        self.encoder_ = FeatureEncoder().fit(X, self.feature_names_)
        Xf = self.encoder_.transform(X)
        params = lgbm_params("binary", self.random_state)
        self.model_, oof = fit_lgbm_folds(LGBMClassifier, params, Xf, y, np.asarray(groups), self.n_folds,
                                          self.max_rounds)
        self.n_rounds_ = self.model_.rounds
        self.calibrator_ = LogisticRegression(C=1e6).fit(oof.reshape(-1, 1), y)
        self.base_rate_ = float(y.mean())
        return self

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise ModelNotReadyError("ChurnModel is not fitted; run `memberinsight build`")

    def raw_score(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated margin (log-odds) per row: the mean of the fold models' margins."""
        self._check()
        return self.model_.raw_score(self.encoder_.transform(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated churn probability per row."""
        raw = self.raw_score(X)
        return self.calibrator_.predict_proba(np.asarray(raw).reshape(-1, 1))[:, 1]

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Exact TreeSHAP contributions (log-odds) per feature plus a ``bias`` column; rows sum to
        :meth:`raw_score`."""
        self._check()
        contrib = self.model_.contributions(self.encoder_.transform(X))
        return pd.DataFrame(contrib, columns=[*self.feature_names_, "bias"], index=X.index)

    def importance(self) -> dict[str, float]:
        """Mean total gain per feature over the fold models, largest first."""
        self._check()
        gain = self.model_.gain()
        pairs = sorted(zip(self.feature_names_, gain, strict=True), key=lambda kv: -kv[1])
        return {k: round(float(v), 2) for k, v in pairs}

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[ChurnReason]]:
        """The ``top`` features pushing each member's risk away from the average, in plain words.

        For members above the training churn rate the reasons raise risk; below it, they lower it.
        """
        contrib = self.contributions(X)
        probs = self.predict_proba(X)
        values = X.reindex(columns=self.feature_names_)
        out: list[list[ChurnReason]] = []
        cvals = contrib[self.feature_names_].to_numpy()
        for i in range(len(X)):
            up = probs[i] >= self.base_rate_
            row = cvals[i] if up else -cvals[i]
            order = np.argsort(-row)
            picked = []
            for j in order[:top]:
                if row[j] <= 0:
                    break
                col = self.feature_names_[j]
                val = values.iat[i, j]
                value = None if pd.isna(val) else (val if isinstance(val, str) else float(val))
                picked.append(ChurnReason(col, value, round(float(cvals[i, j]), 4),
                                          reason_text(col, value, bool(cvals[i, j] > 0), self.categories_)))
            out.append(picked)
        return out
