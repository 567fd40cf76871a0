"""Matrix factorisation of implicit feedback: alternating least squares (``implicit``, Hu et al. 2008).

The confidence of a bought pair is ``1 + alpha * c_ui`` (c from :mod:`.interactions`); unbought
pairs have confidence 1 and preference 0. Scores are ``x_u . y_j``. The explanation uses the exact
decomposition of the ALS score into one term per bought product,
``score_uj = sum_i C_ui * y_j^T W_u y_i`` with ``W_u = (Y^T C_u Y + lambda I)^-1``, and names the
product with the largest term.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from memberinsight.models.recommenders.base import BaseRecommender, Explanation
from memberinsight.models.recommenders.itemknn import fit_threads


class ALSRecommender(BaseRecommender):
    """Implicit-feedback ALS (CPU, conjugate-gradient solver)."""

    name = "als"
    signal = "als"
    positive_only = False  # every score is a factor match, negative ones included

    def __init__(self, factors: int = 64, regularization: float = 0.05, alpha: float = 10.0,
                 iterations: int = 15, half_life_days: float | None = 30.0, quantity_weight: float | None = 0.0,
                 random_state: int = 42, num_threads: int = 0) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.half_life_days = half_life_days
        self.quantity_weight = quantity_weight
        self.random_state = random_state
        self.num_threads = num_threads

    def _confidence(self, confidence: sparse.csr_matrix) -> sparse.csr_matrix:
        C = confidence.astype(np.float32, copy=True)
        C.data = 1.0 + self.alpha * C.data
        return C

    def _fit(self, interactions: Any) -> None:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(factors=self.factors, regularization=self.regularization, alpha=1.0,
                                            iterations=self.iterations, random_state=self.random_state,
                                            num_threads=fit_threads(self.num_threads))
            self.confidence_ = interactions.weighted(self.half_life_days, self.quantity_weight)
            model.fit(self._confidence(self.confidence_), show_progress=False)
        self.user_factors_ = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        y = self.item_factors_.astype(np.float64)
        self.gram_ = y.T @ y

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        return (self.user_factors_[rows] @ self.item_factors_.T).astype(np.float64)

    def contributions(self, row: int, item: int) -> tuple[np.ndarray, np.ndarray]:
        """(bought product positions, their terms in the ALS score of ``item``)."""
        conf = self.confidence_
        items = conf.indices[conf.indptr[row]:conf.indptr[row + 1]]
        c = 1.0 + self.alpha * conf.data[conf.indptr[row]:conf.indptr[row + 1]].astype(np.float64)
        Y = self.item_factors_.astype(np.float64)
        Yi = Y[items]
        A = self.gram_ + self.regularization * np.eye(Y.shape[1]) + (Yi * (c - 1.0)[:, None]).T @ Yi
        weighted = np.linalg.solve(A, Y[item])
        return items, c * (Yi @ weighted)

    def explain_row(self, row: int | None, item: int) -> Explanation:
        if row is None:
            return self.cold_explanation("", item)
        items, parts = self.contributions(row, item)
        if not len(items) or parts.max() <= 0:
            return Explanation("als", "fits the buying pattern of members like you (latent factors)")
        best = int(items[int(np.argmax(parts))])
        inter = self.interactions_
        share = parts.max() / max(parts[parts > 0].sum(), 1e-12)
        return Explanation("als", f"fits your taste pattern, mostly because you bought {inter.product_label(best)} "
                                  f"({share:.0%} of the match)", because_product_id=inter.product_ids[best])
