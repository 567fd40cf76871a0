"""Top-k ranking metrics and a time split, shared by every recommender evaluation.

Per-user metrics take a ranked list and the set of relevant items; :func:`evaluate_rankings`
averages them over the users that have at least one relevant item. Relevance is binary.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from memberinsight.errors import DataValidationError


def precision_at_k(recommended: Sequence[Hashable], relevant: set, k: int) -> float:
    """Share of the top ``k`` that is relevant (denominator ``k``)."""
    if k <= 0:
        return 0.0
    return sum(1 for item in recommended[:k] if item in relevant) / k


def recall_at_k(recommended: Sequence[Hashable], relevant: set, k: int) -> float:
    """Share of the relevant items found in the top ``k`` (0 when nothing is relevant)."""
    if not relevant:
        return 0.0
    return sum(1 for item in recommended[:k] if item in relevant) / len(relevant)


def hit_rate_at_k(recommended: Sequence[Hashable], relevant: set, k: int) -> float:
    """1 when at least one relevant item is in the top ``k``."""
    return float(any(item in relevant for item in recommended[:k]))


def ndcg_at_k(recommended: Sequence[Hashable], relevant: set, k: int) -> float:
    """Normalised discounted cumulative gain with binary gains (1 = perfect ranking)."""
    if not relevant:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, item in enumerate(recommended[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def map_at_k(recommended: Sequence[Hashable], relevant: set, k: int) -> float:
    """Average precision at ``k``: mean of precision at each hit, over ``min(k, |relevant|)``."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for i, item in enumerate(recommended[:k]):
        if item in relevant:
            hits += 1
            total += hits / (i + 1)
    return total / min(k, len(relevant))


def coverage(recommendations: Iterable[Sequence[Hashable]], catalogue_size: int, k: int | None = None) -> float:
    """Share of the catalogue that appears in at least one user's (top-``k``) list."""
    if catalogue_size <= 0:
        return 0.0
    seen: set = set()
    for ranked in recommendations:
        seen.update(ranked[:k] if k else ranked)
    return len(seen) / catalogue_size


def evaluate_rankings(recommendations: Mapping[Hashable, Sequence[Hashable]],
                      truth: Mapping[Hashable, set], k: int = 10,
                      catalogue_size: int | None = None) -> dict[str, float]:
    """Mean recall/NDCG/MAP/precision/hit rate@k over users with relevant items (missing lists count as empty)."""
    users = [u for u, rel in truth.items() if rel]
    out: dict[str, float] = {"users": float(len(users)), "k": float(k)}
    for name, fn in (("recall", recall_at_k), ("ndcg", ndcg_at_k), ("map", map_at_k),
                     ("precision", precision_at_k), ("hit_rate", hit_rate_at_k)):
        values = [fn(list(recommendations.get(u, ())), truth[u], k) for u in users]
        out[f"{name}@{k}"] = round(sum(values) / len(values), 4) if values else 0.0
    if catalogue_size is not None:
        out[f"coverage@{k}"] = round(coverage((recommendations.get(u, ()) for u in users), catalogue_size, k), 4)
    return out


@dataclass(frozen=True)
class TimeSplit:
    """Interactions before ``cutoff`` (train) and from ``cutoff`` on (test)."""

    cutoff: datetime
    train: pd.DataFrame
    test: pd.DataFrame


def time_split(interactions: pd.DataFrame, test_days: int | None = 90, test_fraction: float | None = None,
               time_col: str = "ordered_at") -> TimeSplit:
    """Split by time: the last ``test_days`` days, or the latest ``test_fraction`` of rows, are the test set."""
    if time_col not in interactions.columns:
        raise DataValidationError(f"interactions have no '{time_col}' column", column=time_col)
    if interactions.empty:
        raise DataValidationError("no interactions to split")
    times = pd.to_datetime(interactions[time_col])
    if test_fraction is not None:
        if not 0 < test_fraction < 1:
            raise DataValidationError(f"test_fraction must be in (0, 1), got {test_fraction}")
        cutoff = times.quantile(1 - test_fraction)
    else:
        cutoff = times.max() - timedelta(days=int(test_days or 90))
    mask = times < cutoff
    return TimeSplit(cutoff=pd.Timestamp(cutoff).to_pydatetime(), train=interactions[mask].copy(),
                     test=interactions[~mask].copy())


def purchases_only(lines: pd.DataFrame) -> pd.DataFrame:
    """The purchase lines of ``lines``: return / cancellation lines (``is_return``, or a negative
    ``quantity``) dropped. A returned product is not a relevant one."""
    keep = pd.Series(True, index=lines.index)
    if "is_return" in lines.columns:
        keep &= ~lines["is_return"].fillna(False).astype(bool)
    if "quantity" in lines.columns:
        keep &= ~(pd.to_numeric(lines["quantity"], errors="coerce").fillna(1) < 0)
    return lines[keep]


def holdout_truth(split: TimeSplit, user_col: str = "member_id", item_col: str = "product_id",
                  new_items_only: bool = True) -> dict[Hashable, set]:
    """Test-period *purchases* per user who also appears in train (optionally only items new to that user).

    Return lines of the test period are never relevant (:func:`purchases_only`); everything the user
    bought or returned in train counts as already seen.
    """
    train_items = split.train.groupby(user_col)[item_col].agg(set).to_dict()
    truth: dict[Hashable, set] = {}
    for user, items in purchases_only(split.test).groupby(user_col)[item_col].agg(set).items():
        if user not in train_items:
            continue
        wanted = items - train_items[user] if new_items_only else set(items)
        if wanted:
            truth[user] = wanted
    return truth
