"""An unsupervised outlier score on behaviour features (Isolation Forest).

Heavy-tailed counts are log-transformed and everything is robust-scaled before the forest; the
score is the forest's anomaly score mapped to [0, 1] by its rank (1 = most unusual review).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import RobustScaler

from memberinsight.errors import ModelNotReadyError

OUTLIER_FEATURES = ("burst_count", "burst_ratio", "burst_young", "account_age_days", "reviewer_volume",
                    "member_orders", "verified", "rating_deviation", "rating_extremity", "reviewer_extreme_share")
_LOG = ("burst_count", "burst_ratio", "burst_young", "account_age_days", "reviewer_volume", "member_orders")


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    cols = []
    for name in OUTLIER_FEATURES:
        v = frame[name].to_numpy(float)
        cols.append(np.log1p(np.maximum(v, 0)) if name in _LOG else v)
    return np.column_stack(cols)


class BehaviourOutlier:
    """Isolation Forest over behaviour columns; ``score`` in [0, 1], higher = more unusual."""

    def __init__(self, n_estimators: int = 200, max_samples: int | str = 512, random_state: int = 42) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.random_state = random_state

    def fit(self, frame: pd.DataFrame) -> BehaviourOutlier:
        x = _matrix(frame)
        self.scaler_ = RobustScaler(quantile_range=(10, 90)).fit(x)
        self.forest_ = IsolationForest(n_estimators=self.n_estimators,
                                       max_samples=min(self.max_samples, len(x)) if isinstance(self.max_samples, int)
                                       else self.max_samples,
                                       random_state=self.random_state, n_jobs=1).fit(self.scaler_.transform(x))
        self.reference_ = np.sort(-self.forest_.score_samples(self.scaler_.transform(x)))
        return self

    def raw(self, frame: pd.DataFrame) -> np.ndarray:
        """Anomaly scores (higher = more unusual), not normalised."""
        if not hasattr(self, "forest_"):
            raise ModelNotReadyError("BehaviourOutlier.fit must run before scoring")
        return -self.forest_.score_samples(self.scaler_.transform(_matrix(frame)))

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Share of the fitted reviews that are less unusual than each row, in [0, 1]."""
        raw = self.raw(frame)
        return np.searchsorted(self.reference_, raw, side="right") / max(len(self.reference_), 1)


def outlier_rank(values: np.ndarray) -> np.ndarray:
    """Rank-normalise any score to [0, 1]."""
    if len(values) == 0:
        return values
    return (rankdata(values) - 1) / max(len(values) - 1, 1)
