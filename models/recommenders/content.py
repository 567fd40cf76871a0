"""The content-based signal: the retrieval package's taste-vector recommender behind this package's contract.

Product vectors come from the workspace's product index (built by the ``indexes`` build step);
the member's taste is fitted by :class:`retrieval.recommender.ContentRecommender` on the same order
lines (and reviews) before ``as_of``. A product without any sales is scored like any other, so new
products are reachable through this signal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from memberinsight.errors import ModelNotReadyError
from memberinsight.models.recommenders.base import BaseRecommender, Explanation

PRODUCT_INDEX = "products"
"""Name of the retrieval package's product index in ``<workspace>/indexes``."""


def load_product_vectors(ws: Any) -> tuple[list[str], np.ndarray]:
    """(product ids, unit vectors) from the workspace's product index; ModelNotReadyError when absent."""
    from memberinsight.retrieval import VectorIndex

    return VectorIndex.load(ws.indexes_dir, PRODUCT_INDEX).all_vectors()


class ContentSignal(BaseRecommender):
    """Cosine between a member's taste vector and each product's text embedding."""

    name = "content"
    signal = "content"

    def __init__(self, half_life_days: float = 180.0, return_weight: float = 1.0, max_weight: float = 3.0) -> None:
        self.half_life_days = half_life_days
        self.return_weight = return_weight
        self.max_weight = max_weight

    def fit(self, interactions: Any, vectors: tuple[list[str], np.ndarray] | None = None,
            lines: pd.DataFrame | None = None, ratings: pd.DataFrame | None = None) -> ContentSignal:
        """Fit on ``interactions`` plus product ``vectors`` (ids, matrix), the order ``lines`` and reviews."""
        if vectors is None or lines is None:
            raise ModelNotReadyError("the content signal needs product vectors and order lines "
                                     "(run `memberinsight build` to build the product index)")
        self._vectors, self._lines, self._ratings = vectors, lines, ratings
        super().fit(interactions)
        del self._vectors, self._lines, self._ratings
        return self

    def _fit(self, interactions: Any) -> None:
        from memberinsight.retrieval import ContentRecommender

        ids, vecs = self._vectors
        cr = ContentRecommender(half_life_days=self.half_life_days, return_weight=self.return_weight,
                                max_weight=self.max_weight)
        purchases = self._lines[["member_id", "product_id", "ordered_at", "quantity", "is_return"]]
        ratings = self._ratings
        if ratings is not None and len(ratings):
            ratings = ratings[pd.to_datetime(ratings["created_at"]) < interactions.as_of]
        cr.fit(ids, vecs, purchases, ratings, as_of=interactions.as_of.to_pydatetime())
        # product vectors in this package's column order (zeros for products without a vector)
        pos = {p: i for i, p in enumerate(cr.product_ids_)}
        cols = np.array([pos.get(p, -1) for p in interactions.product_ids])
        vectors = np.zeros((interactions.n_products, cr.vectors_.shape[1]), dtype=np.float32)
        vectors[cols >= 0] = cr.vectors_[cols[cols >= 0]]
        self.vectors_ = vectors
        self.covered_ = int((cols >= 0).sum())
        taste = np.zeros((interactions.n_members, vectors.shape[1]), dtype=np.float32)
        for i, m in enumerate(interactions.member_ids):
            row = cr.members_.get(m)
            if row is not None and cr.has_taste_[row]:
                taste[i] = cr.taste_[row]
        self.taste_ = taste

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        return (self.taste_[rows] @ self.vectors_.T).astype(np.float64)

    def cold_scores(self, member_id: str) -> np.ndarray:
        return np.zeros(self.interactions_.n_products)

    def explain_row(self, row: int | None, item: int) -> Explanation:
        inter = self.interactions_
        bought = inter.bought_items(row)
        if row is None or not len(bought):
            return Explanation("content", "described like products members enjoy")
        sims = self.vectors_[bought] @ self.vectors_[item]
        best = int(bought[int(np.argmax(sims))])
        when = inter.bought_on(row, best)
        return Explanation("content", f"similar to {inter.product_label(best)} you bought"
                                      f"{' on ' + when if when else ''} (description similarity {sims.max():.2f})",
                           because_product_id=inter.product_ids[best])
