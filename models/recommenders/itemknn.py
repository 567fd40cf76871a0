"""Item-based k-nearest-neighbour collaborative filtering over the member x product matrix.

Item similarity is the cosine between product columns of the BM25-weighted (or plain, or TF-IDF)
confidence matrix (recency half-life and quantity weight of its own, see
:meth:`~models.recommenders.interactions.Interactions.weighted`), keeping the ``neighbours`` most similar products per product (``implicit``'s
multithreaded all-pairs kNN). A member's score for product *j* is ``sum_i c_ui * sim(i, j)`` over
the products *i* they bought; the explanation names the bought product with the largest term.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from memberinsight.errors import DataValidationError
from memberinsight.models.recommenders.base import BaseRecommender, Explanation

WEIGHTINGS = ("cosine", "bm25", "tfidf")


def fit_threads(num_threads: int) -> int:
    """Threads for native fitting: ``num_threads`` when positive, else all cores."""
    import os

    return num_threads if num_threads > 0 else max(1, os.cpu_count() or 1)


class ItemKNNRecommender(BaseRecommender):
    """Cosine item-item kNN on implicit feedback."""

    name = "item_knn"
    signal = "item_knn"

    def __init__(self, neighbours: int = 100, weighting: str = "bm25", bm25_k1: float = 1.2,
                 bm25_b: float = 0.75, binary: bool = False, half_life_days: float | None = 90.0,
                 quantity_weight: float | None = 1.0, num_threads: int = 0) -> None:
        self.neighbours = neighbours
        self.weighting = weighting
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self.binary = binary
        self.half_life_days = half_life_days
        self.quantity_weight = quantity_weight
        self.num_threads = num_threads

    def _fit(self, interactions: Any) -> None:
        import warnings

        from implicit.nearest_neighbours import BM25Recommender, CosineRecommender, TFIDFRecommender
        from implicit.utils import ParameterWarning
        from threadpoolctl import threadpool_limits

        if self.weighting not in WEIGHTINGS:
            raise DataValidationError(f"weighting must be one of {WEIGHTINGS}, got {self.weighting!r}",
                                      column="weighting")
        self.confidence_ = interactions.weighted(self.half_life_days, self.quantity_weight)
        X = self._user_matrix(self.confidence_)
        threads = fit_threads(self.num_threads)
        if self.weighting == "bm25":
            model = BM25Recommender(K=self.neighbours, K1=self.bm25_k1, B=self.bm25_b, num_threads=threads)
        elif self.weighting == "tfidf":
            model = TFIDFRecommender(K=self.neighbours, num_threads=threads)
        else:
            model = CosineRecommender(K=self.neighbours, num_threads=threads)
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ParameterWarning)  # implicit's own BM25/TF-IDF weighting returns COO
            model.fit(X, show_progress=False)
        sim = model.similarity.tocsr().astype(np.float32)
        sim.setdiag(0.0)
        sim.eliminate_zeros()
        self.similarity_ = sim

    def fallback(self) -> str | None:
        """"falls back to popularity" when no two products share a buyer."""
        self._check()
        if self.similarity_.nnz:
            return None
        return "item-kNN falls back to popularity: no two products share a buyer"

    def _user_matrix(self, confidence: sparse.csr_matrix) -> sparse.csr_matrix:
        X = confidence.astype(np.float32, copy=True)
        if self.binary:
            X.data[:] = 1.0
        return X

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        X = self._user_matrix(self.confidence_[rows])
        return np.asarray((X @ self.similarity_).toarray(), dtype=np.float64)

    def contributions(self, row: int, item: int) -> tuple[np.ndarray, np.ndarray]:
        """(bought product positions, their share of the score of ``item``)."""
        conf = self.confidence_
        items = conf.indices[conf.indptr[row]:conf.indptr[row + 1]]
        weights = conf.data[conf.indptr[row]:conf.indptr[row + 1]].astype(np.float64)
        if self.binary:
            weights = np.ones_like(weights)
        sims = np.asarray(self.similarity_[items][:, [item]].toarray()).ravel()
        return items, weights * sims

    def explain_row(self, row: int | None, item: int) -> Explanation:
        if row is None:
            return self.cold_explanation("", item)
        items, parts = self.contributions(row, item)
        if not len(items) or parts.max() <= 0:
            return Explanation("item_knn", "bought by members with purchases like yours")
        best = int(items[int(np.argmax(parts))])
        inter = self.interactions_
        when = inter.bought_on(row, best)
        return Explanation("item_knn", f"members who bought {inter.product_label(best)} also bought this "
                                       f"(you bought it{' on ' + when if when else ''})",
                           because_product_id=inter.product_ids[best])
