"""The hybrid ranker: a weighted blend of content, collaborative, rules and popularity signals.

For each member every component scores the whole catalogue; the member's already-bought products
are masked, each component's row is normalised (``max``: divided by its largest score, negatives
clipped; ``rank``: reciprocal rank ``1 / (rank_offset + rank)``), and the blend is the weighted sum.
Weights are tuned on a validation split carved from the training period (:mod:`.tuning`).

Cold start: a member with no purchase history gets the segment-popularity component (popularity in
their RFM segment / cluster / attribute group). A new product with no sales has no collaborative
or popularity score but is reachable through the content signal. Every recommendation names the
component that contributed most and that component's own evidence (bought product or rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from memberinsight.errors import DataValidationError
from models.recommenders.base import BaseRecommender, Explanation, Recommendation

NORMALISATIONS = ("max", "rank")
SIGNAL_WORDS = {"item_knn": "bought-together-by-members", "als": "taste pattern", "rules": "basket rules",
                "content": "description similarity", "segment_popularity": "popular in your group",
                "popularity": "best seller"}


class HybridRecommender(BaseRecommender):
    """Weighted blend of fitted component recommenders (see module docstring)."""

    name = "hybrid"
    signal = "hybrid"

    def __init__(self, components: Mapping[str, BaseRecommender], weights: Mapping[str, float] | None = None,
                 normalisation: str = "max", rank_offset: float = 10.0) -> None:
        self.components = components
        self.weights = weights
        self.normalisation = normalisation
        self.rank_offset = rank_offset

    def fit(self, interactions: Any, **side: Any) -> HybridRecommender:
        """Fit every component that is not fitted yet (``side`` data goes to components that take it:
        ``groups`` to segment popularity; ``vectors``, ``lines``, ``ratings`` to content)."""
        for name, comp in self.components.items():
            if hasattr(comp, "interactions_") and comp.interactions_ is interactions:
                continue
            if name == "content":
                comp.fit(interactions, **{k: v for k, v in side.items() if k in ("vectors", "lines", "ratings")})
            elif name == "segment_popularity":
                comp.fit(interactions, groups=side.get("groups"))
            else:
                comp.fit(interactions)
        super().fit(interactions)
        return self

    def _fit(self, interactions: Any) -> None:
        if self.normalisation not in NORMALISATIONS:
            raise DataValidationError(f"normalisation must be one of {NORMALISATIONS}", column="normalisation")
        weights = dict(self.weights) if self.weights is not None else {n: 1.0 for n in self.components}
        unknown = set(weights) - set(self.components)
        if unknown:
            raise DataValidationError(f"weights for unknown components {sorted(unknown)}", column="weights")
        self.weights_ = {n: float(w) for n, w in weights.items() if w > 0}
        if not self.weights_:
            raise DataValidationError("at least one component needs a positive weight", column="weights")
        self.cold_component_ = next((n for n in ("segment_popularity", "popularity") if n in self.components), None)

    # ----- scoring -------------------------------------------------------------
    def normalise(self, scores: np.ndarray, banned_mask: np.ndarray | None = None) -> np.ndarray:
        """Row-wise normalisation of a (members x products) block, with banned entries set to 0."""
        s = np.array(scores, dtype=np.float64, copy=True)
        if banned_mask is not None:
            s[banned_mask] = -np.inf
        if self.normalisation == "max":
            s = np.where(np.isfinite(s), np.maximum(s, 0.0), 0.0)
            peak = s.max(axis=1, keepdims=True)
            return np.divide(s, peak, out=np.zeros_like(s), where=peak > 0)
        order = np.argsort(-s, axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(s.shape[1])[None, :].repeat(len(s), 0), axis=1)
        out = 1.0 / (self.rank_offset + ranks + 1.0)
        out[~np.isfinite(s) | (s <= 0)] = 0.0
        return out * (self.rank_offset + 1.0)

    def banned_mask(self, rows: np.ndarray) -> np.ndarray:
        """Boolean (len(rows) x products): what each member already bought or returned."""
        mask = np.zeros((len(rows), self.interactions_.n_products), dtype=bool)
        for i, r in enumerate(rows):
            mask[i, self.interactions_.banned(int(r))] = True
        return mask

    def component_scores(self, rows: np.ndarray, names: list[str] | None = None) -> dict[str, np.ndarray]:
        """Normalised scores per component for known member ``rows``."""
        mask = self.banned_mask(rows)
        return {n: self.normalise(self.components[n].score_rows(rows), mask)
                for n in (names or list(self.weights_))}

    def blend(self, parts: Mapping[str, np.ndarray], weights: Mapping[str, float] | None = None) -> np.ndarray:
        """Weighted sum of normalised component blocks."""
        weights = weights if weights is not None else self.weights_
        total = None
        for n, w in weights.items():
            if w > 0 and n in parts:
                total = parts[n] * w if total is None else total + parts[n] * w
        if total is None:
            raise DataValidationError("no component to blend", column="weights")
        return total

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.blend(self.component_scores(rows))

    def cold_scores(self, member_id: str) -> np.ndarray:
        if self.cold_component_ is None:
            return super().cold_scores(member_id)
        return self.components[self.cold_component_].cold_scores(member_id)

    def cold_explanation(self, member_id: str, item: int) -> Explanation:
        if self.cold_component_ is None:
            return super().cold_explanation(member_id, item)
        return self.components[self.cold_component_].cold_explanation(member_id, item)

    # ----- explaining ------------------------------------------------------------
    def explain_row(self, row: int | None, item: int) -> Explanation:
        if row is None:
            return self.cold_explanation("", item)
        parts = self.component_scores(np.array([row]))
        contrib = {n: float(parts[n][0, item] * w) for n, w in self.weights_.items()}
        return self._explain(row, item, contrib)

    def _explain(self, row: int, item: int, contrib: dict[str, float]) -> Explanation:
        ranked = sorted(contrib, key=lambda n: -contrib[n])
        lead = ranked[0]
        if contrib[lead] <= 0:
            lead = self.cold_component_ or ranked[0]
        exp = self.components[lead].explain_row(row, item)
        others = [SIGNAL_WORDS.get(n, n) for n in ranked[1:] if contrib[n] > 0.25 * max(contrib[lead], 1e-12)]
        reason = exp.reason + (f"; also supported by {', '.join(others)}" if others else "")
        return Explanation(exp.signal, reason, exp.because_product_id, exp.rule)

    def recommend(self, member_id: Any, k: int = 10, exclude_bought: bool = True) -> list[Recommendation]:
        """The ``k`` best products for a member; each names its strongest signal and the evidence."""
        if k <= 0:
            raise DataValidationError(f"k must be positive, got {k}", column="k")
        self._check()
        inter = self.interactions_
        row = inter.row_of(member_id)
        if row is None or not inter.has_history(row):
            return super().recommend(member_id, k, exclude_bought)
        rows = np.array([row])
        mask = self.banned_mask(rows) if exclude_bought else np.zeros((1, inter.n_products), dtype=bool)
        parts = {n: self.normalise(self.components[n].score_rows(rows), mask) for n in self.weights_}
        scores = self.blend(parts)[0]
        items, filled = self._pick(scores, k, inter.banned(row, exclude_bought))
        out = []
        for item in items:
            if item in filled:
                out.append(inter.describe(item, 0.0, self.fill_explanation(item)))
                continue
            contrib = {n: round(float(parts[n][0, item] * w), 6) for n, w in self.weights_.items()}
            out.append(inter.describe(item, float(scores[item]), self._explain(row, item, contrib), contrib))
        return out
