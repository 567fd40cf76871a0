"""Champion / challenger for the recommenders: the hybrid ships only when its lead holds out of fold.

The hybrid's weights are tuned on validation folds, so its in-sample validation NDCG flatters it.
:func:`cross_validated_leads` measures the lead honestly: for each fold, the weights *and* the best
single component are chosen on the other folds, then both are scored on the held-out fold.
:func:`choose_champion` ships the hybrid only when that out-of-fold lead is positive on every fold
(at least two folds); otherwise the best single model (best mean validation NDCG) ships.

:func:`bootstrap_margin` gives the paired bootstrap interval of a mean per-member difference (for
the evaluation's "hybrid vs best single" margin).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from memberinsight.models.recommenders.tuning import PreparedFold, fold_member_ndcg, normalised, tune_prepared
from memberinsight.retrieval import ndcg_at_k


@dataclass
class Champion:
    """Which recommender ships, and why."""

    shipped: str
    """``hybrid`` or the name of the single model that ships."""
    best_single: str
    fold_leads: list[float] = field(default_factory=list)
    """Out-of-fold NDCG@k lead of the hybrid over the best single model, per validation fold."""
    reason: str = ""


def cross_validated_leads(prepared: Sequence[PreparedFold], k: int = 10, search: str | None = None,
                          differences: dict[str, float] | None = None) -> list[float]:
    """Per fold: hybrid NDCG@k minus best-single NDCG@k, both chosen on the other folds.

    ``differences``, when given, receives every scored member's out-of-fold difference (keyed
    ``"fold:row"``), for :func:`bootstrap_margin` of the lead."""
    leads = []
    for i, held in enumerate(prepared):
        rest = [f for j, f in enumerate(prepared) if j != i]
        if not rest or not held.members:
            continue
        tuned = tune_prepared(rest, k, search=search)
        single = max(tuned.single, key=lambda n: tuned.single[n])
        parts = normalised(held, tuned.normalisation)
        blended = fold_member_ndcg(held, parts, tuned.weights, k)
        single_ndcg = fold_member_ndcg(held, parts, {single: 1.0}, k)
        if differences is not None:
            differences.update({f"{i}:{j}": float(d) for j, d in enumerate(blended - single_ndcg)})
        leads.append(round(float(np.mean(blended)) - float(np.mean(single_ndcg)), 4))
    return leads


def choose_champion(validation: Mapping[str, float], leads: Sequence[float], weights: Mapping[str, float],
                    fallbacks: Collection[str] = ()) -> Champion:
    """The shipped model from mean validation NDCG per single model and the out-of-fold ``leads``.

    A model in ``fallbacks`` (one that fell back to another, e.g. rules giving popularity) is not
    chosen as the best single model while another model is available: it would ship in disguise."""
    singles = {n: v for n, v in validation.items() if n != "hybrid"}
    genuine = {n: v for n, v in singles.items() if n not in fallbacks} or singles
    best = max(genuine, key=lambda n: genuine[n])
    if len(weights) == 1 and next(iter(weights)) not in fallbacks:
        only = next(iter(weights))
        return Champion(only, best, list(leads), f"the tuned blend is {only} alone")
    if len(leads) < 2:
        return Champion(best, best, list(leads), "too little history for two validation folds: the hybrid's "
                                                 "lead cannot be checked, the best single model ships")
    won = sum(1 for v in leads if v > 0)
    if won == len(leads):
        return Champion("hybrid", best, list(leads), f"the hybrid led the best single model on all {won} "
                                                     "validation folds (weights chosen on the other folds)")
    return Champion(best, best, list(leads), f"the hybrid led the best single model ({best}) on only {won} of "
                                             f"{len(leads)} validation folds, so {best} ships")


def per_member_ndcg(lists: Mapping[str, Sequence[Hashable]], truth: Mapping[str, set], k: int) -> dict[str, float]:
    """NDCG@k of each member's list (members of ``truth``; a missing list scores 0)."""
    return {m: ndcg_at_k(list(lists.get(m, [])), truth[m], k) for m in truth}


def bootstrap_margin(a: Mapping[str, float], b: Mapping[str, float], n_boot: int = 2000, level: float = 0.95,
                     seed: int = 0) -> dict[str, float]:
    """Mean of ``a - b`` over shared members, with a paired bootstrap interval (members resampled)."""
    members = sorted(set(a) & set(b))
    diff = np.array([a[m] - b[m] for m in members], dtype=np.float64)
    if not len(diff):
        return {"margin": 0.0, "low": 0.0, "high": 0.0, "members": 0, "level": level}
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(n_boot, len(diff)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return {"margin": round(float(diff.mean()), 4), "low": round(float(lo), 4), "high": round(float(hi), 4),
            "members": len(diff), "level": level}
