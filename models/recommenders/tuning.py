"""Tuning the hybrid's blend on validation folds carved from the training period (never the test window).

Component scores for the validation members are computed once per fold (:func:`prepare_folds`).
How many weightings are tried depends on how many members the folds score (the more weightings
tried on few members, the more the pick fits noise: on a 50-member fold a search over 250
weightings "found" a blend that then lost to the best single model):

* ``full`` (at least :data:`FULL_SEARCH_MEMBERS` scored members): coordinate ascent over
  :data:`WEIGHT_GRID` starting from the best single component, plus equal weights over every
  subset of components;
* ``few`` (fewer members): each component alone and equal weights over its best 2, 3, ...
  components (ranked by their own validation NDCG) - about a dozen candidates.

Each is scored by NDCG@k averaged over the folds, for each normalisation. The pick is the
equal-weight blend of the *largest* subset whose validation NDCG is within ``tolerance`` (relative)
of the best weighting found, and that best weighting when no equal-weight blend comes close. The
tolerance grows as the folds get smaller (``0.5 / sqrt(members)``, between ``tolerance`` and
:data:`MAX_TOLERANCE`): when validation
cannot tell weightings apart, a simple average is the safer bet on a later period (the "forecast
combination puzzle"). Members without purchase history are left out (their lists come from the
cold-start component whatever the weights).

Ties at zero are broken by popularity, as :meth:`BaseRecommender.recommend` fills slots without
evidence with popular products.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from memberinsight.models.recommenders.hybrid import NORMALISATIONS, HybridRecommender

WEIGHT_GRID: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
FULL_SEARCH_MEMBERS = 500
"""Scored validation members (all folds together) needed for the full weight search."""
MAX_TOLERANCE = 0.05
"""Largest relative tolerance for preferring an equal-weight blend (reached below 100 members)."""
TIE_BREAK = 1e-6


@dataclass
class TuningResult:
    """Chosen weights and normalisation, with validation NDCG figures."""

    weights: dict[str, float]
    normalisation: str
    ndcg: float
    """Mean validation NDCG@k of the chosen weighting."""
    best_ndcg: float = 0.0
    """Best mean validation NDCG@k of any weighting tried."""
    single: dict[str, float] = field(default_factory=dict)
    """Mean validation NDCG@k of each component alone (chosen normalisation)."""
    evaluations: int = 0
    tolerance: float = 0.01
    search: str = "full"
    """``full`` or ``few`` (see the module docstring)."""
    members: int = 0
    """Scored validation members, all folds together."""


@dataclass
class PreparedFold:
    """One validation fold's raw component scores for its scored members, and their truth."""

    hybrid: HybridRecommender
    banned: np.ndarray
    relevant: np.ndarray
    ideal: np.ndarray
    raw: dict[str, np.ndarray]
    tie: np.ndarray
    """Popularity scaled to at most :data:`TIE_BREAK` (breaks ties at zero like the popularity fill)."""

    @property
    def members(self) -> int:
        """Members scored on this fold."""
        return len(self.ideal)


def fast_ndcg(scores: np.ndarray, banned: np.ndarray, relevant: np.ndarray, ideal: np.ndarray, k: int) -> float:
    """Mean binary NDCG@k of score rows (same definition as :func:`retrieval.metrics.ndcg_at_k`)."""
    return float(np.mean(member_ndcg(scores, banned, relevant, ideal, k))) if len(ideal) else 0.0


def member_ndcg(scores: np.ndarray, banned: np.ndarray, relevant: np.ndarray, ideal: np.ndarray,
                k: int) -> np.ndarray:
    """Binary NDCG@k of each score row."""
    if not len(ideal):
        return np.zeros(0)
    s = np.where(banned, -np.inf, scores)
    kk = min(k, s.shape[1])
    part = np.argpartition(-s, kth=kk - 1, axis=1)[:, :kk]
    vals = np.take_along_axis(s, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    top = np.take_along_axis(part, order, axis=1)
    hits = np.take_along_axis(relevant, top, axis=1) & np.isfinite(np.take_along_axis(s, top, axis=1))
    dcg = (hits / np.log2(np.arange(2, kk + 2))[None, :]).sum(axis=1)
    return np.asarray(dcg / ideal)


def prepare_folds(folds: Sequence[tuple[HybridRecommender, Mapping[Hashable, set]]], k: int) -> list[PreparedFold]:
    """Raw component scores of each fold's members with history (computed once)."""
    prepared = []
    for hybrid, truth in folds:
        inter = hybrid.interactions_
        members = [str(m) for m in truth if inter.has_history(inter.row_of(m))]
        rows = np.array([inter.row_of(m) for m in members], dtype=np.int64)
        banned = hybrid.banned_mask(rows)
        relevant = np.zeros_like(banned)
        for i, m in enumerate(members):
            cols = [c for c in (inter.col_of(p) for p in truth[m]) if c is not None]
            relevant[i, cols] = True
        sizes = np.array([len(truth[m]) for m in members])
        ideal = np.array([np.sum(1.0 / np.log2(np.arange(2, min(k, n) + 2))) for n in sizes])
        raw = {n: c.score_rows(rows).astype(np.float32) for n, c in hybrid.components.items()}
        pop = np.asarray(inter.popularity, dtype=np.float64)
        tie = TIE_BREAK * pop / max(float(pop.max()), 1e-12) if len(pop) else pop
        prepared.append(PreparedFold(hybrid, banned, relevant, ideal, raw, tie.astype(np.float32)))
    return prepared


def normalised(fold: PreparedFold, norm: str) -> dict[str, np.ndarray]:
    """The fold's component blocks under normalisation ``norm``."""
    original, fold.hybrid.normalisation = fold.hybrid.normalisation, norm
    try:
        return {n: fold.hybrid.normalise(r, fold.banned).astype(np.float32) for n, r in fold.raw.items()}
    finally:
        fold.hybrid.normalisation = original


def fold_member_ndcg(fold: PreparedFold, parts: Mapping[str, np.ndarray], weights: Mapping[str, float],
                     k: int) -> np.ndarray:
    """Per-member NDCG@k of one weighting on one fold (``parts``: :func:`normalised` blocks)."""
    return member_ndcg(fold.hybrid.blend(parts, weights) + fold.tie[None, :], fold.banned, fold.relevant,
                       fold.ideal, k)


def tune_hybrid(folds: Sequence[tuple[HybridRecommender, Mapping[Hashable, set]]], k: int = 10,
                grid: Sequence[float] = WEIGHT_GRID, passes: int = 2,
                normalisations: Sequence[str] = NORMALISATIONS, tolerance: float = 0.01,
                search: str | None = None) -> TuningResult:
    """Weights and normalisation for the hybrid from validation ``folds`` of (*fitted* hybrid, truth).

    All hybrids must have the same components. They are left as they were; build a new one with
    the result's weights and normalisation. ``search``: ``full``, ``few`` or None (by members scored).
    """
    return tune_prepared(prepare_folds(folds, k), k, grid, passes, normalisations, tolerance, search)


def tune_prepared(prepared: Sequence[PreparedFold], k: int = 10, grid: Sequence[float] = WEIGHT_GRID,
                  passes: int = 2, normalisations: Sequence[str] = NORMALISATIONS, tolerance: float = 0.01,
                  search: str | None = None) -> TuningResult:
    """:func:`tune_hybrid` on folds already prepared with :func:`prepare_folds`."""
    names = list(prepared[0].raw)
    members = sum(f.members for f in prepared)
    mode = search or ("full" if members >= FULL_SEARCH_MEMBERS else "few")
    tol = max(tolerance, min(MAX_TOLERANCE, 0.5 / math.sqrt(max(members, 1)))) if search is None else tolerance
    tried: list[tuple[float, str, dict[str, float]]] = []
    singles: dict[str, dict[str, float]] = {}
    for norm in normalisations:
        normed = [(f, normalised(f, norm)) for f in prepared]
        cache: dict[tuple[float, ...], float] = {}

        def score(weights: dict[str, float], normed: list[Any] = normed, cache: dict[Any, float] = cache,
                  norm: str = norm) -> float:
            key = tuple(round(weights.get(n, 0.0), 6) for n in names)
            if key not in cache:
                cache[key] = float(np.mean([np.mean(fold_member_ndcg(f, parts, weights, k)) if f.members else 0.0
                                            for f, parts in normed]))
                tried.append((cache[key], norm, {n: w for n, w in weights.items() if w > 0}))
            return cache[key]

        singles[norm] = {n: round(score({n: 1.0}), 4) for n in names}
        ranked = sorted(names, key=lambda n: -singles[norm][n])
        if mode == "few":
            for size in range(2, len(names) + 1):
                score(dict.fromkeys(ranked[:size], 1.0))
            continue
        weights = {n: (1.0 if n == ranked[0] else 0.0) for n in names}
        current = score(weights)
        for _ in range(passes):
            improved = False
            for n in names:
                for w in grid:
                    trial = {**weights, n: w}
                    if w == weights[n] or not any(v > 0 for v in trial.values()):
                        continue
                    value = score(trial)
                    if value > current + 1e-9:
                        current, weights, improved = value, trial, True
            if not improved:
                break
        for size in range(2, len(names) + 1):
            for subset in combinations(names, size):
                score(dict.fromkeys(subset, 1.0))
    best = max(v for v, _, _ in tried)
    near = [t for t in tried if t[0] >= best * (1.0 - tol)]
    even = [t for t in near if len(set(t[2].values())) == 1]
    pool = even or [max(tried, key=lambda t: t[0])]
    value, norm, weights = max(pool, key=lambda t: (len(t[2]), t[0]))
    return TuningResult(weights=weights, normalisation=norm, ndcg=round(value, 4), best_ndcg=round(best, 4),
                        single=singles[norm], evaluations=len(tried), tolerance=round(tol, 4), search=mode,
                        members=members)
