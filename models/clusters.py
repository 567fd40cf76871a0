"""Behavioural clusters of buying members: K-means on standardised features, k chosen by silhouette.

Skewed amounts (orders, spend, basket size) are log-transformed before standardising. Each
cluster is described by the features where its mean differs most from everyone's mean
(in standard deviations), in plain words (see :mod:`models.wording`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.wording import direction_words, feature_label

BASE_FEATURES: tuple[str, ...] = (
    "recency_days", "frequency", "monetary", "avg_order_value", "tenure_days", "ipt_mean",
    "return_rate", "trend_orders", "distinct_categories", "review_count",
)
LOG_FEATURES = frozenset({"frequency", "monetary", "avg_order_value", "ipt_mean", "review_count"})


@dataclass(frozen=True)
class ClusterInfo:
    """One cluster: size and its most distinctive features in words."""

    cluster: int
    label: str
    size: int
    share: float
    distinctive: list[tuple[str, float]]
    """(feature label, mean difference in standard deviations), strongest first."""


class ClusterModel:
    """K-means over standardised behaviour features of members with at least one purchase."""

    def __init__(self, k_min: int = 2, k_max: int = 8, random_state: int = 42,
                 silhouette_sample: int = 2000, max_shares: int = 6) -> None:
        self.k_min = k_min
        self.k_max = k_max
        self.random_state = random_state
        self.silhouette_sample = silhouette_sample
        self.max_shares = max_shares

    def _matrix(self, features: pd.DataFrame) -> np.ndarray:
        cols = []
        for c in self.columns_:
            v = pd.to_numeric(features[c], errors="coerce").astype(float)
            if c in LOG_FEATURES:
                v = np.log1p(v.clip(lower=0))
            cols.append(v.fillna(self.fill_[c]).to_numpy())
        return np.column_stack(cols)

    def fit(self, features: pd.DataFrame, categories: dict[str, str] | None = None) -> ClusterModel:
        """Choose k by silhouette, fit K-means and describe each cluster."""
        buyers = features[features["frequency"].fillna(0) > 0]
        if len(buyers) < max(10, self.k_min * 3):
            raise DataValidationError(f"too few buying members to cluster ({len(buyers)})", column="frequency")
        shares = [c for c in features.columns if c.startswith("share_")]
        share_means = buyers[shares].mean().sort_values(ascending=False)
        self.columns_ = [c for c in BASE_FEATURES if c in features.columns] + [
            c for c in share_means.index[: self.max_shares] if share_means[c] > 0.02]
        self.categories_ = dict(categories or {})
        self.fill_ = {}
        for c in self.columns_:
            v = pd.to_numeric(buyers[c], errors="coerce").astype(float)
            if c in LOG_FEATURES:
                v = np.log1p(v.clip(lower=0))
            self.fill_[c] = float(v.median()) if v.notna().any() else 0.0
        X = self._matrix(buyers)
        self.scaler_ = StandardScaler().fit(X)
        Z = self.scaler_.transform(X)
        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(len(Z), min(len(Z), self.silhouette_sample), replace=False)
        self.silhouettes_: dict[int, float] = {}
        best: tuple[float, int, KMeans] | None = None
        for k in range(self.k_min, min(self.k_max, len(Z) - 1) + 1):
            km = KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit(Z)
            score = float(silhouette_score(Z[sample], km.labels_[sample]))
            self.silhouettes_[k] = round(score, 4)
            if best is None or score > best[0]:
                best = (score, k, km)
        assert best is not None
        self.silhouette_, self.k_, self.kmeans_ = best
        self._describe(Z, self.kmeans_.labels_)
        return self

    def _describe(self, Z: np.ndarray, labels: np.ndarray) -> None:
        infos: list[ClusterInfo] = []
        for k in range(self.k_):
            mask = labels == k
            diff = Z[mask].mean(axis=0) if mask.any() else np.zeros(Z.shape[1])
            order = np.argsort(-np.abs(diff))
            picked: list[tuple[str, float]] = []
            words: list[str] = []
            for j in order:
                col = self.columns_[j]
                if abs(diff[j]) < 0.25 or (col.startswith("share_") and diff[j] < 0):
                    continue
                words.append(direction_words(col, bool(diff[j] > 0), self.categories_))
                picked.append((feature_label(col, self.categories_), round(float(diff[j]), 2)))
                if len(picked) == 3:
                    break
            label = ", ".join(dict.fromkeys(words)) or "typical members"
            label = label[0].upper() + label[1:]
            if label in {i.label for i in infos}:
                label = f"{label} ({k + 1})"
            infos.append(ClusterInfo(k, label, int(mask.sum()),
                                     round(float(mask.mean()), 4), picked))
        self.clusters_ = infos

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Cluster of each row (-1 for members without a purchase)."""
        if not hasattr(self, "kmeans_"):
            raise ModelNotReadyError("ClusterModel is not fitted")
        out = np.full(len(features), -1, dtype=int)
        buyers = (features["frequency"].fillna(0) > 0).to_numpy()
        if buyers.any():
            out[buyers] = self.kmeans_.predict(self.scaler_.transform(self._matrix(features[buyers])))
        return out

    def label_of(self, cluster: int) -> str:
        """The plain-words label of a cluster id."""
        if not hasattr(self, "clusters_"):
            raise ModelNotReadyError("ClusterModel is not fitted")
        if cluster < 0:
            return "No purchases yet"
        return self.clusters_[cluster].label
