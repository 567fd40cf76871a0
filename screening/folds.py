"""Grouped K-fold splits that also spread each class over the folds.

Screening labels are lopsided and clustered: a copy ring or a burst is one group whose reviews are
all fake. ``GroupKFold`` balances fold *sizes* only, so it can put every fake group in one fold and
leave the other folds' training rows without a fake. :func:`stratified_group_folds` keeps whole
groups together and assigns them, largest first, to the fold that has the fewest rows of the
group's majority class so far. Deterministic (no randomness), linear in the number of groups.
"""

from __future__ import annotations

import numpy as np


def stratified_group_folds(y: np.ndarray, groups: np.ndarray, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_splits`` (train rows, test rows) pairs; a group is never on both sides. Empty test folds are dropped."""
    y = np.asarray(y, dtype=int)
    if n_splits < 2:
        return []
    _, gidx = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    size = np.bincount(gidx)
    pos = np.bincount(gidx, weights=y)
    neg = size - pos
    total = np.array([max(neg.sum(), 1.0), max(pos.sum(), 1.0)])
    load = np.zeros((2, n_splits))
    rows = np.zeros(n_splits)
    fold_of = np.empty(len(size), dtype=np.int64)
    for g in np.lexsort((np.arange(len(size)), -size)):
        major = int(pos[g] > neg[g])
        cost = load[major] / total[major] + 1e-9 * rows
        f = int(np.argmin(cost))
        fold_of[g] = f
        load[0, f] += neg[g]
        load[1, f] += pos[g]
        rows[f] += size[g]
    row_fold = fold_of[gidx]
    out = []
    for f in range(n_splits):
        te = np.flatnonzero(row_fold == f)
        if len(te):
            out.append((np.flatnonzero(row_fold != f), te))
    return out


def two_class(y: np.ndarray, minimum: int = 1) -> bool:
    """Whether ``y`` holds at least ``minimum`` rows of each of the classes 0 and 1."""
    counts = np.bincount(np.asarray(y, dtype=int), minlength=2)
    return bool(len(counts) == 2 and counts.min() >= minimum)
