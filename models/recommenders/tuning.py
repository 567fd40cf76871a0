"""Tuning the hybrid's blend on validation folds carved from the training period (never the test window).

Component scores for the validation members are computed once per fold. Candidate weightings are

* coordinate ascent over :data:`WEIGHT_GRID` starting from the best single component, and
* equal weights over every subset of components,

each scored by NDCG@k averaged over the folds, for each normalisation. The pick is the equal-weight
blend of the *largest* subset whose validation NDCG is within ``tolerance`` (relative) of the best
weighting found, and that best weighting when no equal-weight blend comes close: when validation
cannot tell weightings apart, a simple average is the safer bet on a later period (the "forecast
combination puzzle": estimated optimal weights often lose to simple averages out of sample). Members without purchase history are left out
(their lists come from the cold-start component whatever the weights).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from models.recommenders.hybrid import NORMALISATIONS, HybridRecommender

WEIGHT_GRID: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)


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


def fast_ndcg(scores: np.ndarray, banned: np.ndarray, relevant: np.ndarray, ideal: np.ndarray, k: int) -> float:
    """Mean binary NDCG@k of score rows (same definition as :func:`retrieval.metrics.ndcg_at_k`)."""
    s = np.where(banned, -np.inf, scores)
    kk = min(k, s.shape[1])
    part = np.argpartition(-s, kth=kk - 1, axis=1)[:, :kk]
    vals = np.take_along_axis(s, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    top = np.take_along_axis(part, order, axis=1)
    hits = np.take_along_axis(relevant, top, axis=1) & np.isfinite(np.take_along_axis(s, top, axis=1))
    dcg = (hits / np.log2(np.arange(2, kk + 2))[None, :]).sum(axis=1)
    return float(np.mean(dcg / ideal)) if len(ideal) else 0.0


def tune_hybrid(folds: Sequence[tuple[HybridRecommender, Mapping[Hashable, set]]], k: int = 10,
                grid: Sequence[float] = WEIGHT_GRID, passes: int = 2,
                normalisations: Sequence[str] = NORMALISATIONS, tolerance: float = 0.01) -> TuningResult:
    """Weights and normalisation for the hybrid from validation ``folds`` of (*fitted* hybrid, truth).

    All hybrids must have the same components. They are left as they were; build a new one with
    the result's weights and normalisation.
    """
    names = list(folds[0][0].components)
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
        prepared.append((hybrid, banned, relevant, ideal, raw))
    tried: list[tuple[float, str, dict[str, float]]] = []
    singles: dict[str, dict[str, float]] = {}
    for norm in normalisations:
        normed = []
        for hybrid, banned, relevant, ideal, raw in prepared:
            original, hybrid.normalisation = hybrid.normalisation, norm
            normed.append((hybrid, banned, relevant, ideal,
                           {n: hybrid.normalise(raw[n], banned).astype(np.float32) for n in names}))
            hybrid.normalisation = original
        cache: dict[tuple[float, ...], float] = {}

        def score(weights: dict[str, float], normed: list = normed, cache: dict = cache, norm: str = norm) -> float:
            key = tuple(round(weights.get(n, 0.0), 6) for n in names)
            if key not in cache:
                cache[key] = float(np.mean([fast_ndcg(h.blend(parts, weights), banned, rel, ideal, k)
                                            for h, banned, rel, ideal, parts in normed]))
                tried.append((cache[key], norm, {n: w for n, w in weights.items() if w > 0}))
            return cache[key]

        singles[norm] = {n: round(score({n: 1.0}), 4) for n in names}
        start = max(singles[norm], key=lambda n: singles[norm][n])
        weights = {n: (1.0 if n == start else 0.0) for n in names}
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
    near = [t for t in tried if t[0] >= best * (1.0 - tolerance)]
    even = [t for t in near if len(set(t[2].values())) == 1]
    pool = even or [max(tried, key=lambda t: t[0])]
    value, norm, weights = max(pool, key=lambda t: (len(t[2]), t[0]))
    return TuningResult(weights=weights, normalisation=norm, ndcg=round(value, 4), best_ndcg=round(best, 4),
                        single=singles[norm], evaluations=len(tried), tolerance=tolerance)
