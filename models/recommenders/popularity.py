"""Popularity baselines: what is bought now (recency-weighted buyers), overall or within a member's group.

:class:`SegmentPopularityRecommender` is the cold-start model: each member gets the popularity of
the first group level they belong to that has enough buyers - RFM segment, then cluster, then
age band, channel, city, country - and the shop-wide popularity otherwise. A group's popularity is
shrunk towards the shop's: ``(group_buyers_i + m * shop_share_i) / (group_size + m)`` with
``m = shrinkage``, so a small group does not recommend what two of its members happened to buy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from models.recommenders.base import BaseRecommender, Explanation
from models.recommenders.groups import NO_GROUP_VALUES

DEFAULT_LEVELS: tuple[tuple[str, ...], ...] = (
    ("rfm_segment",), ("cluster",), ("age_band",), ("channel",), ("city",), ("country",),
)
LEVEL_WORDS = {"rfm_segment": "segment", "cluster": "cluster", "age_band": "age band", "channel": "channel",
               "city": "city", "country": "country"}


class PopularityRecommender(BaseRecommender):
    """Most-bought products right now: distinct buyers, each weighted by how recently they bought."""

    name = "popularity"
    signal = "popularity"

    def __init__(self, half_life_days: float | None = None) -> None:
        self.half_life_days = half_life_days

    def _fit(self, interactions: Any) -> None:
        if self.half_life_days is None:
            self.scores_ = interactions.popularity.astype(np.float64)
        else:
            self.scores_ = np.asarray(recency_indicator(interactions, self.half_life_days).sum(axis=0),
                                      dtype=np.float64).ravel()

    def cold_scores(self, member_id: str) -> np.ndarray:
        return self.scores_

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.scores_, (len(rows), len(self.scores_))).copy()

    def explain_row(self, row: int | None, item: int) -> Explanation:
        n = int(self.interactions_.buyers[item])
        return Explanation("popularity", f"one of the shop's best sellers right now ({n} buyer{'s' if n != 1 else ''})")


def recency_indicator(interactions: Any, half_life_days: float) -> sparse.csr_matrix:
    """Net-positive pairs weighted ``0.5 ** (days since last purchase / half_life_days)`` (a later return
    line does not make a purchase more recent)."""
    liked = interactions.confidence.copy()
    liked.data[:] = 1.0
    days = getattr(interactions, "last_bought", None)
    last = (days if days is not None else interactions.last_day).multiply(liked).tocsr()
    last.eliminate_zeros()
    today = (interactions.as_of - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    last.data = np.power(0.5, (today - (last.data - 1.0)) / half_life_days).astype(np.float32)
    return last


class SegmentPopularityRecommender(BaseRecommender):
    """Popularity within the member's group (segment, cluster, attributes), shop-wide as the last resort."""

    name = "segment_popularity"
    signal = "segment_popularity"

    def __init__(self, levels: Sequence[Sequence[str]] = DEFAULT_LEVELS, min_buyers: int = 30,
                 half_life_days: float = 60.0, shrinkage: float = 50.0) -> None:
        self.levels = levels
        self.min_buyers = min_buyers
        self.half_life_days = half_life_days
        self.shrinkage = shrinkage

    def fit(self, interactions: Any, groups: pd.DataFrame | None = None) -> SegmentPopularityRecommender:
        """Fit on interactions and a ``groups`` frame (member_id + group columns; see :mod:`.groups`)."""
        self.groups = groups
        super().fit(interactions)
        return self

    def _fit(self, interactions: Any) -> None:
        groups = self.groups if self.groups is not None else pd.DataFrame({"member_id": interactions.member_ids})
        groups = groups.assign(member_id=groups["member_id"].astype(str)).drop_duplicates("member_id")
        groups = groups.set_index("member_id", drop=False)
        liked = recency_indicator(interactions, self.half_life_days)
        bought = (interactions.confidence > 0).astype(np.float32).tocsr()
        rows_of = pd.Series(np.arange(interactions.n_members), index=interactions.member_ids)
        blocks, counts, labels, sizes = [], [], [], []
        self.home_: dict[str, int] = {}
        offset = 0
        for level in self.levels:
            if not all(c in groups.columns for c in level):
                continue
            values = groups[list(level)].astype("string")
            ok = np.ones(len(values), dtype=bool)
            for c in level:
                ok &= (values[c].notna() & ~values[c].isin(sorted(NO_GROUP_VALUES))).to_numpy(dtype=bool)
            keys = pd.Series([" / ".join(str(v) for v in t) for t in values[ok].itertuples(index=False)],
                             index=values.index[ok])
            if keys.empty:
                continue
            in_matrix = keys[keys.index.isin(rows_of.index)]
            codes, names = pd.factorize(in_matrix, sort=True)
            member_rows = rows_of[in_matrix.index].to_numpy()
            has = np.diff(interactions.confidence.indptr)[member_rows] > 0
            G = sparse.csr_matrix((np.ones(has.sum(), np.float32), (codes[has], member_rows[has])),
                                  shape=(len(names), interactions.n_members))
            size = np.asarray(G.sum(axis=1)).ravel()
            keep = np.flatnonzero(size >= self.min_buyers)
            if not len(keep):
                continue
            blocks.append((G[keep] @ liked).tocsr())
            sizes.append(size[keep])
            counts.append((G[keep] @ bought).tocsr())
            words = " x ".join(LEVEL_WORDS.get(c, c) for c in level)
            labels += [f"{words} '{names[i]}' ({int(size[i])} buyers)" for i in keep]
            local = {names[i]: offset + j for j, i in enumerate(keep)}
            for member, key in keys.items():
                if member not in self.home_ and key in local:
                    self.home_[member] = local[key]
            offset += len(keep)
        n_p = interactions.n_products
        self.group_scores_ = sparse.vstack(blocks).tocsr() if blocks else sparse.csr_matrix((0, n_p), dtype=np.float32)
        self.group_buyers_ = sparse.vstack(counts).tocsr() if counts else sparse.csr_matrix((0, n_p), dtype=np.float32)
        self.group_labels_ = labels
        self.group_sizes_ = np.concatenate(sizes) if sizes else np.zeros(0)
        shop = np.asarray(liked.sum(axis=0), dtype=np.float64).ravel()
        self.global_ = shop / max(float(np.diff(interactions.confidence.indptr).astype(bool).sum()), 1.0)

    def group_of(self, member_id: Any) -> int | None:
        """The member's home group id (``None``: shop-wide popularity)."""
        self._check()
        return self.home_.get(str(member_id))

    def group_label(self, member_id: Any) -> str | None:
        """Words for the member's home group, e.g. ``segment 'Champions' (120 buyers)``."""
        gid = self.group_of(member_id)
        return None if gid is None else self.group_labels_[gid]

    def _scores_for(self, gids: list[int | None]) -> np.ndarray:
        out = np.empty((len(gids), len(self.global_)), dtype=np.float64)
        for i, g in enumerate(gids):
            if g is None:
                out[i] = self.global_
            else:
                group = self.group_scores_[g].toarray().ravel()
                out[i] = (group + self.shrinkage * self.global_) / (self.group_sizes_[g] + self.shrinkage)
        return out

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        ids = self.interactions_.member_ids
        return self._scores_for([self.home_.get(ids[r]) for r in rows])

    def cold_scores(self, member_id: str) -> np.ndarray:
        return self._scores_for([self.home_.get(str(member_id))])[0]

    def _explain(self, member_id: str, item: int) -> Explanation:
        gid = self.home_.get(member_id)
        if gid is None:
            n = int(self.interactions_.buyers[item])
            return Explanation("popularity", f"one of the shop's best sellers right now ({n} buyers); "
                                             "no group of yours has enough buyers to compare with")
        n = int(self.group_buyers_[gid, item])
        return Explanation("segment_popularity",
                           f"popular with members in your {self.group_labels_[gid]}: {n} of them bought it")

    def explain_row(self, row: int | None, item: int) -> Explanation:
        return self._explain(self.interactions_.member_ids[row] if row is not None else "", item)

    def cold_explanation(self, member_id: str, item: int) -> Explanation:
        exp = self._explain(member_id, item)
        return Explanation(exp.signal, exp.reason + " (no purchase history yet)", exp.because_product_id, exp.rule)
