"""The hybrid ranker: a weighted blend of content, collaborative, rules and popularity signals.

For each member every component scores the whole catalogue; the member's already-bought products
are masked, each component's row is normalised (``max``: divided by its largest score, negatives
clipped; ``rank``: reciprocal rank ``1 / (rank_offset + rank)``), and the blend is the weighted sum.
Weights are tuned on a validation split carved from the training period (:mod:`.tuning`).

Cold start: a member with no purchase history gets the segment-popularity component (popularity in
their saved / RFM segment, cluster or demographic group; :mod:`.popularity`).

New products: a product nobody has bought yet (no member purchase, in no basket) has no
collaborative, rules or popularity score, and the tuned blend may give the content signal weight 0.
So that new products stay reachable whatever the weights, the last ``new_product_slots`` places of
a member's list are *reserved*: they go to the member's most similar new products (cosine to a
product the member bought of at least ``new_product_min_similarity``), when there are any and
they are not in the list already. The reason says so ("new in the shop, no sales yet: similar to
..."). Needs the content component (the product index); without one there are no vectors to match.

Every recommendation names the component that contributed most and that component's own
evidence (bought product or rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from memberinsight.errors import DataValidationError
from memberinsight.models.recommenders.base import BaseRecommender, Explanation, Recommendation
from memberinsight.models.recommenders.content import ContentSignal
from memberinsight.models.recommenders.popularity import SegmentPopularityRecommender

NORMALISATIONS = ("max", "rank")
SIGNAL_WORDS = {"item_knn": "bought-together-by-members", "als": "taste pattern", "rules": "basket rules",
                "content": "description similarity", "segment_popularity": "popular in your group",
                "popularity": "best seller"}


class HybridRecommender(BaseRecommender):
    """Weighted blend of fitted component recommenders (see module docstring)."""

    name = "hybrid"
    signal = "hybrid"

    def __init__(self, components: Mapping[str, BaseRecommender], weights: Mapping[str, float] | None = None,
                 normalisation: str = "max", rank_offset: float = 10.0, new_product_slots: int = 1,
                 new_product_min_similarity: float = 0.5) -> None:
        self.components = components
        self.weights = weights
        self.normalisation = normalisation
        self.rank_offset = rank_offset
        self.new_product_slots = new_product_slots
        self.new_product_min_similarity = new_product_min_similarity

    def fit(self, interactions: Any, **side: Any) -> HybridRecommender:
        """Fit every component that is not fitted yet (``side`` data goes to components that take it:
        ``groups`` to a segment-popularity component; ``vectors``, ``lines``, ``ratings`` to a content one)."""
        for comp in self.components.values():
            if hasattr(comp, "interactions_") and comp.interactions_ is interactions:
                continue
            if isinstance(comp, ContentSignal):
                comp.fit(interactions, vectors=side.get("vectors"), lines=side.get("lines"),
                         ratings=side.get("ratings"))
            elif isinstance(comp, SegmentPopularityRecommender):
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
        if self.new_product_slots < 0:
            raise DataValidationError("new_product_slots must be 0 or more", column="new_product_slots")
        sold = np.asarray(interactions.buyers) > 0
        if interactions.baskets is not None and interactions.baskets.shape[0]:
            sold |= np.asarray(interactions.baskets.sum(axis=0)).ravel() > 0
        self.new_items_ = np.flatnonzero(~sold).astype(np.int64)
        """Catalogue positions of products with no purchase at all (member or guest) before ``as_of``."""
        self.new_item_set_ = frozenset(int(i) for i in self.new_items_)

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

    # ----- new products ----------------------------------------------------------
    def new_product_matches(self, row: int, exclude: set[int] | None = None) -> list[tuple[int, int, float]]:
        """(new product, the member's most similar purchase, cosine) for new products at least
        ``new_product_min_similarity`` close to something the member bought, best first."""
        content = self.components.get("content")
        new = getattr(self, "new_items_", np.zeros(0, np.int64))
        if content is None or not len(new) or not hasattr(content, "vectors_"):
            return []
        bought = self.interactions_.bought_items(row)
        if exclude:
            new = new[~np.isin(new, np.fromiter(exclude, np.int64, len(exclude)))]
        if not len(bought) or not len(new):
            return []
        sims = np.einsum("bd,nd->bn", content.vectors_[bought], content.vectors_[new])
        best = sims.argmax(axis=0)
        top = sims[best, np.arange(len(new))]
        order = np.lexsort((new, -top))
        return [(int(new[j]), int(bought[best[j]]), float(top[j])) for j in order
                if top[j] >= self.new_product_min_similarity]

    def _adjust(self, row: int | None, items: list[int], k: int, banned: np.ndarray) -> tuple[list[int], set[int]]:
        """Reserve the last ``new_product_slots`` places for the member's closest new products."""
        slots = min(int(getattr(self, "new_product_slots", 0)), k)
        if not slots or row is None or not self.interactions_.has_history(row):
            return items, set()
        already = [i for i in items if i in getattr(self, "new_item_set_", frozenset())]
        wanted = slots - len(already)
        if wanted <= 0:
            return items, set()
        picks = [m[0] for m in self.new_product_matches(row, exclude=set(items) | set(np.asarray(banned).tolist()))]
        picks = picks[:wanted]
        if not picks:
            return items, set()
        keep = [i for i in items if i not in picks]
        removable = [i for i in reversed(keep) if i not in already][:max(0, len(keep) + len(picks) - k)]
        keep = [i for i in keep if i not in removable]
        return keep + picks, set(picks)

    def _new_product_explanation(self, row: int, item: int) -> Explanation:
        match = next((m for m in self.new_product_matches(row) if m[0] == item), None)
        inter = self.interactions_
        if match is None:
            return Explanation("content", "new in the shop, no sales yet")
        _, best, sim = match
        when = inter.bought_on(row, best)
        return Explanation("content", f"new in the shop, no sales yet: similar to {inter.product_label(best)} you "
                                      f"bought{' on ' + when if when else ''} (description similarity {sim:.2f})",
                           because_product_id=inter.product_ids[best])

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
        banned = inter.banned(row, exclude_bought)
        items, filled = self._pick(scores, k, banned)
        items, reserved = self._adjust(row, items, k, banned)
        out = []
        for item in items:
            if item in filled and item not in reserved:
                out.append(inter.describe(item, 0.0, self.fill_explanation(item)))
                continue
            contrib = {n: round(float(parts[n][0, item] * w), 6) for n, w in self.weights_.items()}
            exp = self._new_product_explanation(row, item) if item in reserved else self._explain(row, item, contrib)
            out.append(inter.describe(item, float(scores[item]), exp, contrib))
        return out
