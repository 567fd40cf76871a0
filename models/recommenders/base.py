"""The contract every recommender follows, and the result type that crosses package borders.

A recommender is fitted on an :class:`~models.recommenders.interactions.Interactions` object and
scores every catalogue product for a member. :meth:`BaseRecommender.recommend` turns the scores
into a ranked list of :class:`Recommendation` objects, each carrying an explanation: the signal
that produced it and, where there is one, the purchased product or association rule behind it.
Members unknown to the model (no purchase history) get the model's cold-start scores (popularity
unless a subclass knows better).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np

from memberinsight.errors import DataValidationError, ModelNotReadyError

SIGNALS: tuple[str, ...] = ("popularity", "segment_popularity", "item_knn", "als", "rules", "content")
"""Every signal a recommendation can come from (``Recommendation.signal``)."""


@dataclass(frozen=True)
class Explanation:
    """Why one product is recommended: the signal, a sentence, and the evidence behind it."""

    signal: str
    reason: str
    because_product_id: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Recommendation:
    """A recommended product with its score and explanation."""

    product_id: str
    title: str
    category: str
    price: float | None
    score: float
    signal: str
    """The signal that produced (or contributed most to) this recommendation; one of :data:`SIGNALS`."""
    reason: str
    """One sentence for people, e.g. "often bought by members who bought Hiking Boots"."""
    because_product_id: str | None = None
    """The member's purchased product behind it (item-kNN, ALS, content, rules)."""
    rule: str | None = None
    """The association rule behind it, e.g. ``{P1} -> {P2} (confidence 0.41, lift 6.2)``."""
    contributions: dict[str, float] = field(default_factory=dict)
    """Hybrid only: weighted, normalised score per signal."""


def top_k(scores: np.ndarray, k: int, banned: np.ndarray | None = None) -> np.ndarray:
    """Positions of the ``k`` highest finite scores (ties broken by position), skipping ``banned``."""
    s = np.array(scores, dtype=np.float64, copy=True)
    if banned is not None and len(banned):
        s[banned] = -np.inf
    finite = np.isfinite(s)
    n = int(finite.sum())
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < n:
        part = np.argpartition(-s, k - 1)[:k]
    else:
        part = np.flatnonzero(finite)
    return part[np.lexsort((part, -s[part]))]


class BaseRecommender(ABC):
    """Fit on interactions, then score, recommend and explain (scikit-learn style)."""

    name: ClassVar[str] = "base"
    signal: ClassVar[str] = "popularity"
    positive_only: ClassVar[bool] = True
    """Scores of 0 or less mean "no evidence": such slots are filled with popular products instead."""

    # ----- to implement --------------------------------------------------------------
    @abstractmethod
    def _fit(self, interactions: Any) -> None:
        """Learn from ``interactions`` (set attributes ending in ``_``)."""

    @abstractmethod
    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        """Dense scores (len(rows) x n_products) for members at matrix ``rows`` (known members)."""

    @abstractmethod
    def explain_row(self, row: int | None, item: int) -> Explanation:
        """The explanation of product position ``item`` for member ``row`` (``None``: unknown member)."""

    # ----- shared ----------------------------------------------------------------------
    def fit(self, interactions: Any) -> Self:
        """Fit on an :class:`~models.recommenders.interactions.Interactions`; returns ``self``."""
        self.interactions_ = interactions
        self._fit(interactions)
        return self

    def _check(self) -> None:
        if not hasattr(self, "interactions_"):
            raise ModelNotReadyError(f"{type(self).__name__} is not fitted; call fit() first")

    def fallback(self) -> str | None:
        """Why this fitted model recommends what another model would (e.g. rules with no baskets give
        popularity), or None when it works as designed. Builds and evaluations report it."""
        return None

    def cold_scores(self, member_id: str) -> np.ndarray:
        """Scores for a member with no history: recency-weighted popularity."""
        return self.interactions_.popularity.astype(np.float64)

    def cold_explanation(self, member_id: str, item: int) -> Explanation:
        """The explanation used for cold-start members."""
        buyers = int(self.interactions_.buyers[item])
        return Explanation("popularity", f"popular right now ({buyers} buyer{'s' if buyers != 1 else ''}); "
                                         "no purchase history to personalise on yet")

    def fill_explanation(self, item: int) -> Explanation:
        """The explanation of a popular product filling a slot the model had no evidence for."""
        buyers = int(self.interactions_.buyers[item])
        return Explanation("popularity", f"one of the shop's best sellers right now ({buyers} buyer"
                                         f"{'s' if buyers != 1 else ''}); added because the {self.name} model "
                                         "found too few matches for you")

    def member_scores(self, member_id: Hashable) -> tuple[int | None, np.ndarray]:
        """(matrix row or None, scores over all products) for one member."""
        self._check()
        row = self.interactions_.row_of(member_id)
        if row is None or not self.interactions_.has_history(row):
            return row, self.cold_scores(str(member_id))
        return row, self.score_rows(np.array([row]))[0]

    def recommend(self, member_id: Hashable, k: int = 10, exclude_bought: bool = True) -> list[Recommendation]:
        """The ``k`` best products for a member, each with an explanation."""
        if k <= 0:
            raise DataValidationError(f"k must be positive, got {k}", column="k")
        row, scores = self.member_scores(member_id)
        banned = self.interactions_.banned(row, exclude_bought)
        items, filled = self._pick(scores, k, banned)
        items, _ = self._adjust(row, items, k, banned)
        cold = row is None or not self.interactions_.has_history(row)
        out = []
        for item in items:
            if item in filled:
                exp, score = self.fill_explanation(int(item)), 0.0
            else:
                exp = self.cold_explanation(str(member_id), int(item)) if cold else self.explain_row(row, int(item))
                score = float(scores[item])
            out.append(self.interactions_.describe(int(item), score, exp))
        return out

    def _pick(self, scores: np.ndarray, k: int, banned: np.ndarray) -> tuple[list[int], set[int]]:
        """Top-``k`` positions; when the model has fewer than ``k`` positive scores, popular products fill up."""
        items = [int(i) for i in top_k(scores, k, banned)]
        if not self.positive_only:
            return items, set()
        keep = [i for i in items if scores[i] > 0]
        if len(keep) == len(items):
            return items, set()
        skip = np.concatenate([np.asarray(banned, dtype=np.int64), np.array(keep, dtype=np.int64)])
        extra = [int(i) for i in top_k(self.interactions_.popularity, k - len(keep), skip)]
        return keep + extra, set(extra)

    def _adjust(self, row: int | None, items: list[int], k: int, banned: np.ndarray) -> tuple[list[int], set[int]]:
        """Last change to a member's top-``k`` positions (the hybrid reserves slots for new products);
        returns the list and the positions it put in. The default changes nothing."""
        return items, set()

    def recommend_many(self, member_ids: Sequence[Hashable], k: int = 10, exclude_bought: bool = True,
                       batch_size: int = 512) -> dict[str, list[str]]:
        """Product ids recommended to each member (no explanations; for evaluations)."""
        self._check()
        inter = self.interactions_
        out: dict[str, list[str]] = {}
        known = [(str(m), inter.row_of(m)) for m in member_ids]
        warm = [(m, r) for m, r in known if r is not None and inter.has_history(r)]
        warm_ids = {m for m, _ in warm}
        for m, _ in known:
            if m not in warm_ids:
                _, scores = self.member_scores(m)
                row = inter.row_of(m)
                banned = inter.banned(row, exclude_bought)
                items = self._adjust(row, self._pick(scores, k, banned)[0], k, banned)[0]
                out[m] = [inter.product_ids[i] for i in items]
        for start in range(0, len(warm), batch_size):
            chunk = warm[start:start + batch_size]
            rows = np.array([r for _, r in chunk], dtype=np.int64)
            block = self.score_rows(rows)
            for (m, r), scores in zip(chunk, block, strict=True):
                banned = inter.banned(r, exclude_bought)
                items = self._adjust(r, self._pick(scores, k, banned)[0], k, banned)[0]
                out[m] = [inter.product_ids[i] for i in items]
        return out
