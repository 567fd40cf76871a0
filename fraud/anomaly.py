"""Unsupervised order anomalies: Isolation Forest and Local Outlier Factor, calibrated to a 0-1 risk.

:class:`AnomalyDetector` follows the scikit-learn contract (``__init__`` stores parameters,
``fit`` returns ``self``, learned attributes end in ``_``, using it unfitted raises
:class:`~memberinsight.errors.ModelNotReadyError`).

* Features are robust-scaled (median, inter-quartile range).
* Isolation Forest scores every order. LOF (fitted on a sample) scores every order up to
  ``lof_max_rows``; beyond that only the Isolation Forest's top ``lof_share`` are re-scored by LOF
  (a second opinion where it matters), the rest keep their forest rank.
* Each detector's score becomes its percentile among the training orders; the anomaly score is the
  mean of the two percentiles.
* Calibration: with operator decisions (confirmed = 1, cleared = 0; at least ``min_labels`` of
  each), an isotonic fit of the score to those labels; otherwise an empirical tail estimate with a
  contamination prior ``c``: ``risk = c / (c + (1 - c) * p)``, where ``p`` is the share of training
  orders scoring at least as high (0.5 at the expected contamination boundary, near 1 for the rarest).
* Reasons: the features furthest from typical in their unusual direction, in plain words.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.figures import money
from memberinsight.fraud.features import BY_NAME, FEATURE_NAMES


class AnomalyDetector:
    """Isolation Forest + LOF over order features, with a calibrated risk and reasons."""

    def __init__(self, contamination: float = 0.02, n_estimators: int = 150, n_neighbors: int = 30,
                 lof_sample: int = 10_000, lof_max_rows: int = 50_000, lof_share: float = 0.02,
                 reference_sample: int = 10_000, min_labels: int = 10, random_state: int = 42) -> None:
        self.contamination = contamination
        self.n_estimators = n_estimators
        self.n_neighbors = n_neighbors
        self.lof_sample = lof_sample
        self.lof_max_rows = lof_max_rows
        self.lof_share = lof_share
        self.reference_sample = reference_sample
        self.min_labels = min_labels
        self.random_state = random_state

    # ----- fitting --------------------------------------------------------------
    def fit(self, X: pd.DataFrame, labels: pd.Series | None = None) -> AnomalyDetector:
        """Learn scaling, both detectors and the calibration from ``X`` (rows: orders, columns: features).

        ``labels`` (index aligned with ``X``; 1 = confirmed fraud, 0 = cleared, NaN = undecided) switch the
        calibration to an isotonic fit when there are enough of both.
        """
        from sklearn.ensemble import IsolationForest
        from sklearn.neighbors import LocalOutlierFactor

        if not 0 < self.contamination < 0.5:
            raise DataValidationError("contamination must be between 0 and 0.5", column="contamination")
        if len(X) < max(self.n_neighbors + 1, 20):
            raise DataValidationError(f"anomaly detection needs at least {max(self.n_neighbors + 1, 20)} orders, "
                                      f"got {len(X)}")
        self.columns_ = [c for c in FEATURE_NAMES if c in X.columns]
        values = X[self.columns_].to_numpy(dtype=float)
        self.center_ = np.median(values, axis=0)
        q75, q25 = np.percentile(values, [75, 25], axis=0)
        spread = (q75 - q25) / 1.349
        std = values.std(axis=0)
        self.scale_ = np.where(spread > 1e-9, spread, np.where(std > 1e-9, std, 1.0))
        z = self._scale(values)
        rng = np.random.default_rng(self.random_state)
        self.forest_ = IsolationForest(n_estimators=self.n_estimators, random_state=self.random_state,
                                       n_jobs=1).fit(z)
        sample = z[rng.choice(len(z), self.lof_sample, replace=False)] if len(z) > self.lof_sample else z
        self.lof_ = LocalOutlierFactor(n_neighbors=min(self.n_neighbors, len(sample) - 1), novelty=True).fit(sample)
        ref = z[rng.choice(len(z), self.reference_sample, replace=False)] if len(z) > self.reference_sample else z
        forest_raw, lof_raw = -self.forest_.score_samples(ref), -self.lof_.score_samples(ref)
        self.forest_ref_, self.lof_ref_ = np.sort(forest_raw), np.sort(lof_raw)
        self.score_ref_ = np.sort((self._percentile(self.forest_ref_, forest_raw)
                                   + self._percentile(self.lof_ref_, lof_raw)) / 2)
        self.isotonic_ = None
        if labels is not None:
            known = labels[labels.index.isin(X.index)].dropna()
            if known.nunique() == 2 and known.value_counts().min() >= self.min_labels:
                from sklearn.isotonic import IsotonicRegression

                scores = self._combined(z[X.index.get_indexer(known.index)])
                self.isotonic_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
                    scores, known.to_numpy(dtype=float))
        return self

    def _check(self) -> None:
        if not hasattr(self, "forest_"):
            raise ModelNotReadyError("the anomaly detector is not fitted: call fit() first")

    def _scale(self, values: np.ndarray) -> np.ndarray:
        return (values - self.center_) / self.scale_

    @staticmethod
    def _percentile(reference: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return np.searchsorted(reference, scores, side="right") / len(reference)

    def _combined(self, z: np.ndarray) -> np.ndarray:
        forest = self._percentile(self.forest_ref_, -self.forest_.score_samples(z))
        lof = forest.copy()
        if len(z) <= self.lof_max_rows:
            chosen = np.arange(len(z))
        else:
            chosen = np.argsort(-forest, kind="stable")[: max(1, int(len(z) * self.lof_share))]
        lof[chosen] = self._percentile(self.lof_ref_, -self.lof_.score_samples(z[chosen]))
        return (forest + lof) / 2

    # ----- scoring --------------------------------------------------------------
    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        """Anomaly score in [0, 1]: the mean training percentile of the two detectors (higher: stranger)."""
        self._check()
        return self._combined(self._scale(X[self.columns_].to_numpy(dtype=float)))

    def risk_from_scores(self, scores: np.ndarray) -> np.ndarray:
        """Scores (from :meth:`score_samples`) to a calibrated 0-1 risk."""
        self._check()
        if self.isotonic_ is not None:
            return np.asarray(self.isotonic_.predict(scores), dtype=float)
        tail = 1.0 - np.searchsorted(self.score_ref_, scores, side="left") / len(self.score_ref_)
        tail = np.clip(tail, 1.0 / len(self.score_ref_), 1.0)
        c = self.contamination
        return c / (c + (1 - c) * tail)

    def predict_risk(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated 0-1 risk per row of ``X``."""
        return self.risk_from_scores(self.score_samples(X))

    def reasons(self, X: pd.DataFrame, top: int = 3, min_z: float = 2.0) -> list[list[dict[str, Any]]]:
        """Per row, up to ``top`` features furthest from typical in their unusual direction (robust z >= ``min_z``)."""
        self._check()
        values = X[self.columns_].to_numpy(dtype=float)
        z = self._scale(values) * np.array([BY_NAME[c].direction for c in self.columns_])
        out = []
        for row, zrow in zip(values, z, strict=True):
            order = [j for j in np.argsort(-zrow, kind="stable")[:top] if zrow[j] >= min_z]
            out.append([_reason(self.columns_[j], row[j], self.center_[j], zrow[j]) for j in order])
        return out


def _reason(name: str, value: float, typical: float, z: float) -> dict[str, Any]:
    feature = BY_NAME[name]
    shown = money if feature.money else (lambda v: f"{v:,.2f}".rstrip("0").rstrip("."))
    return {"feature": name, "value": round(float(value), 4), "typical": round(float(typical), 4),
            "z": round(float(z), 2), "text": f"{feature.label}: {shown(value)} (typical {shown(typical)})"}
