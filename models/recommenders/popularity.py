"""Popularity baselines: what is bought now (recency-weighted buyers), overall or within a member's group.

:class:`SegmentPopularityRecommender` is the cold-start model. Each member gets the popularity of
the first group in this fallback chain that they belong to and that has at least ``min_buyers``
buyers (members with purchase history):

1. a **saved segment** (``segments`` package; the smallest one when the member is in several),
2. their **RFM segment** (including "No Purchases Yet": its members have bought nothing, so it never
   has buyers of its own and is passed over - the explanation says so),
3. their **cluster** (``-1`` means "not clustered", not a group),
4. **demographic groups**: age band, then acquisition channel, city, country,
5. the **shop-wide** popularity.

Every recommendation names the group it came from ("popular with members in your age band '25-34'
(312 buyers)"); for a member without history it also names the earlier groups of the chain that
were passed over and why. A group's popularity is shrunk towards the shop's:
``(group_buyers_i + m * shop_share_i) / (group_size + m)`` with ``m = shrinkage``, so a small group
does not recommend what two of its members happened to buy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from memberinsight.models.recommenders.base import BaseRecommender, Explanation
from memberinsight.models.recommenders.groups import NO_GROUP_VALUES

DEFAULT_LEVELS: tuple[tuple[str, ...], ...] = (
    ("saved_segment",), ("rfm_segment",), ("cluster",), ("age_band",), ("channel",), ("city",), ("country",),
)
"""The fallback chain, most specific first (see the module docstring)."""
MULTI_VALUED = frozenset({"saved_segment"})
"""Group columns holding a list of groups per member (a member can be in several saved segments)."""
LEVEL_WORDS = {"saved_segment": "saved segment", "rfm_segment": "segment", "cluster": "cluster",
               "age_band": "age band", "channel": "channel", "city": "city", "country": "country"}


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
    """Popularity within the member's group, along an explicit fallback chain (see :data:`DEFAULT_LEVELS`)."""

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
        self._groups = groups
        super().fit(interactions)
        del self._groups
        return self

    def _level_keys(self, groups: pd.DataFrame, level: Sequence[str]) -> pd.Series:
        """Group key per member for one level (index: member id; repeated for multi-valued columns)."""
        if len(level) == 1 and level[0] in MULTI_VALUED:
            pairs = groups[level[0]].dropna().explode().dropna().astype(str)
            return pairs[pairs.str.strip() != ""]
        values = groups[list(level)].astype("string")
        ok = np.ones(len(values), dtype=bool)
        for c in level:
            ok &= (values[c].notna() & ~values[c].isin(sorted(NO_GROUP_VALUES))).to_numpy(dtype=bool)
        return pd.Series([" / ".join(str(v) for v in t) for t in values[ok].itertuples(index=False)],
                         index=values.index[ok], dtype=object)

    def _fit(self, interactions: Any) -> None:
        groups = getattr(self, "_groups", None)
        if groups is None:
            groups = pd.DataFrame({"member_id": interactions.member_ids})
        groups = groups.assign(member_id=groups["member_id"].astype(str)).drop_duplicates("member_id")
        groups = groups.set_index("member_id", drop=False)
        liked = recency_indicator(interactions, self.half_life_days)
        bought = (interactions.confidence > 0).astype(np.float32).tocsr()
        rows_of = pd.Series(np.arange(interactions.n_members), index=interactions.member_ids)
        history = np.diff(interactions.confidence.indptr) > 0
        blocks, counts, labels, sizes = [], [], [], []
        self.home_: dict[str, int] = {}
        self.levels_used_: list[tuple[str, ...]] = []
        self.too_small_: dict[tuple[str, str], int] = {}
        offset = 0
        for level in self.levels:
            if not all(c in groups.columns for c in level):
                continue
            keys = self._level_keys(groups, level)
            if keys.empty:
                continue
            self.levels_used_.append(tuple(level))
            in_matrix = keys[keys.index.isin(rows_of.index)]
            names = pd.Index(sorted(set(keys.astype(str))))
            codes = names.get_indexer(in_matrix.astype(str))
            member_rows = rows_of[in_matrix.index].to_numpy()
            has = history[member_rows]
            G = sparse.csr_matrix((np.ones(int(has.sum()), np.float32), (codes[has], member_rows[has])),
                                  shape=(len(names), interactions.n_members))
            G.data[:] = 1.0  # a member listed twice in one group counts once
            size = np.asarray(G.sum(axis=1)).ravel()
            keep = np.flatnonzero(size >= self.min_buyers)
            words = " x ".join(LEVEL_WORDS.get(c, c) for c in level)
            for i in np.flatnonzero(size < self.min_buyers):
                self.too_small_[(words, str(names[i]))] = int(size[i])
            if not len(keep):
                continue
            blocks.append((G[keep] @ liked).tocsr())
            sizes.append(size[keep])
            counts.append((G[keep] @ bought).tocsr())
            labels += [f"{words} '{names[i]}' ({int(size[i])} buyers)" for i in keep]
            local = {str(names[i]): (offset + j, size[i]) for j, i in enumerate(keep)}
            # a member in several groups of one level (saved segments) gets the smallest: the most specific
            options = sorted(((str(m), local[str(k)]) for m, k in keys.items() if str(k) in local),
                             key=lambda t: (t[0], t[1][1], t[1][0]))
            for member, (gid, _) in options:
                if member not in self.home_:
                    self.home_[member] = gid
            offset += len(keep)
        n_p = interactions.n_products
        self.group_scores_ = sparse.vstack(blocks).tocsr() if blocks else sparse.csr_matrix((0, n_p), dtype=np.float32)
        self.group_buyers_ = sparse.vstack(counts).tocsr() if counts else sparse.csr_matrix((0, n_p), dtype=np.float32)
        self.group_labels_ = labels
        self.group_sizes_ = np.concatenate(sizes) if sizes else np.zeros(0)
        self.groups_ = groups
        shop = np.asarray(liked.sum(axis=0), dtype=np.float64).ravel()
        self.global_ = shop / max(float(history.sum()), 1.0)

    def group_of(self, member_id: Any) -> int | None:
        """The member's home group id (``None``: shop-wide popularity)."""
        self._check()
        return self.home_.get(str(member_id))

    def group_label(self, member_id: Any) -> str | None:
        """Words for the member's home group, e.g. ``segment 'Champions' (120 buyers)``."""
        gid = self.group_of(member_id)
        return None if gid is None else self.group_labels_[gid]

    def skipped_groups(self, member_id: Any) -> list[str]:
        """Groups earlier in the chain that the member belongs to but that have too few buyers, in chain
        order, e.g. ``["segment 'No Purchases Yet' (0 buyers)"]``."""
        self._check()
        member = str(member_id)
        groups = getattr(self, "groups_", None)
        if groups is None or member not in groups.index:
            return []
        home = self.group_label(member)
        out = []
        for level in self.levels_used_:
            words = " x ".join(LEVEL_WORDS.get(c, c) for c in level)
            keys = self._level_keys(groups.loc[[member]], level)
            labels = [f"{words} '{k}'" for k in keys.astype(str)]
            if home is not None and any(home.startswith(lab + " (") for lab in labels):
                break
            out += [f"{words} '{k}' ({self.too_small_[(words, str(k))]} buyers)" for k in keys.astype(str)
                    if (words, str(k)) in self.too_small_]
        return out

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
        skipped = self.skipped_groups(member_id)
        note = "no purchase history yet"
        if skipped:
            note += f"; {', '.join(skipped)}: too few buyers to learn from (at least {self.min_buyers} needed)"
        return Explanation(exp.signal, f"{exp.reason} ({note})", exp.because_product_id, exp.rule)
