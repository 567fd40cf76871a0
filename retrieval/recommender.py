"""Content-based recommender: a member's taste vector over product embeddings, with MMR diversity.

Taste = sum over the member's products of ``weight * product_vector``, where

* a purchase weighs ``0.5 ** (age_days / half_life_days)`` (re-buys add up, capped at ``max_weight``);
* the member's own rating scales it (5 stars x1.5, 4 x1.25, 3 x0.5) or turns it negative (2 stars,
  1 star), and a returned product is negative: those push the taste vector away;
* products the member bought (or returned, or reviewed) are never recommended.

Candidates are ranked by cosine to the taste vector; the top ``pool_size`` are re-ranked with
maximal marginal relevance (``mmr_lambda``) so that one list does not repeat one product type.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import numpy as np
import pandas as pd
from scipy import sparse

from memberinsight.errors import DataValidationError, ModelNotReadyError

RATING_FACTOR = {5: 1.5, 4: 1.25, 3: 0.5, 2: -0.5, 1: -1.0}


class ContentParams(TypedDict, total=False):
    """Keyword arguments of :class:`ContentRecommender` (for functions that pass them through)."""

    half_life_days: float
    mmr_lambda: float
    pool_size: int
    return_weight: float
    max_weight: float


@dataclass(frozen=True)
class Scored:
    """One recommended product and why: the member's product it is most similar to."""

    product_id: str
    score: float
    because_product_id: str | None
    because_at: datetime | None


class ContentRecommender:
    """Recommends products close to a member's taste vector (scikit-learn style: ``fit`` then use)."""

    def __init__(self, half_life_days: float = 180.0, mmr_lambda: float = 0.7, pool_size: int = 50,
                 return_weight: float = 1.0, max_weight: float = 3.0) -> None:
        self.half_life_days = half_life_days
        self.mmr_lambda = mmr_lambda
        self.pool_size = pool_size
        self.return_weight = return_weight
        self.max_weight = max_weight

    # ----- fitting ---------------------------------------------------------
    def fit(self, product_ids: Sequence[str], vectors: np.ndarray, purchases: pd.DataFrame,
            ratings: pd.DataFrame | None = None, as_of: datetime | None = None,
            popularity: pd.Series | None = None) -> ContentRecommender:
        """Learn taste vectors.

        ``purchases``: member_id, product_id, ordered_at, quantity, is_return (order lines).
        ``ratings``: member_id, product_id, rating, created_at (reviews). Rows after ``as_of`` are ignored.
        ``popularity``: buyers per product for cold-start members (default: counted from ``purchases``).
        """
        missing = {"member_id", "product_id", "ordered_at", "is_return"} - set(purchases.columns)
        if missing:
            raise DataValidationError(f"purchases lack columns {sorted(missing)}", column=sorted(missing)[0])
        self.product_ids_ = [str(p) for p in product_ids]
        self.vectors_ = np.ascontiguousarray(vectors, dtype=np.float32)
        self.position_ = {p: i for i, p in enumerate(self.product_ids_)}
        lines = purchases[purchases["member_id"].notna()].copy()
        lines["ordered_at"] = pd.to_datetime(lines["ordered_at"])
        self.as_of_ = pd.Timestamp(as_of) if as_of is not None else (
            lines["ordered_at"].max() if len(lines) else pd.Timestamp.now())
        lines = lines[(lines["ordered_at"] < self.as_of_) & lines["product_id"].isin(self.position_)]
        lines["pos"] = lines["product_id"].map(self.position_).astype(np.int64)
        lines["decay"] = 0.5 ** ((self.as_of_ - lines["ordered_at"]).dt.total_seconds() / 86400.0
                                 / self.half_life_days)
        returned = lines["is_return"].fillna(False).astype(bool)
        if "quantity" in lines.columns:
            returned |= lines["quantity"].fillna(1) < 0
        bought = lines[~returned].groupby(["member_id", "pos"]).agg(
            weight=("decay", "sum"), at=("ordered_at", "max")).reset_index()
        bought["weight"] = bought["weight"].clip(upper=self.max_weight)
        back = lines[returned].groupby(["member_id", "pos"])["decay"].max().rename("ret").reset_index()
        hist = bought.merge(back, on=["member_id", "pos"], how="outer")
        hist["weight"] = hist["weight"].fillna(0.0)
        hist.loc[hist["ret"].notna(), "weight"] = -self.return_weight * hist["ret"]
        if ratings is not None and len(ratings):
            hist = self._apply_ratings(hist, ratings)
        self.members_ = {m: i for i, m in enumerate(sorted(hist["member_id"].astype(str).unique()))}
        rows = hist["member_id"].astype(str).map(self.members_).to_numpy()
        shape = (len(self.members_), len(self.product_ids_))
        self.weights_ = sparse.csr_matrix((hist["weight"].to_numpy(float), (rows, hist["pos"].to_numpy())), shape=shape)
        self.seen_ = sparse.csr_matrix((np.ones(len(hist)), (rows, hist["pos"].to_numpy())), shape=shape)
        taste = np.asarray(self.weights_ @ self.vectors_, dtype=np.float32)
        has_pos = np.asarray((self.weights_ > 0).sum(axis=1)).ravel() > 0
        norms = np.linalg.norm(taste, axis=1)
        self.has_taste_ = has_pos & (norms > 1e-9)
        self.taste_ = taste / np.where(norms > 1e-9, norms, 1.0)[:, None]
        keys = zip(hist["member_id"].astype(str), hist["pos"].astype(int), strict=True)
        self.last_at_ = dict(zip(keys, hist["at"], strict=True))
        if popularity is None:
            popularity = lines[~returned].groupby("product_id")["member_id"].nunique()
        pop = np.zeros(len(self.product_ids_))
        for pid, n in popularity.items():
            if pid in self.position_:
                pop[self.position_[pid]] = float(n)
        self.popularity_ = pop
        return self

    def _apply_ratings(self, hist: pd.DataFrame, ratings: pd.DataFrame) -> pd.DataFrame:
        rated = ratings[ratings["member_id"].notna() & ratings["product_id"].isin(self.position_)].copy()
        if "created_at" in rated.columns:
            rated = rated[pd.to_datetime(rated["created_at"]) < self.as_of_]
        rated["pos"] = rated["product_id"].map(self.position_).astype(np.int64)
        rated = rated.groupby(["member_id", "pos"])["rating"].mean().round().astype(int).rename("rating").reset_index()
        hist = hist.merge(rated, on=["member_id", "pos"], how="outer")
        hist["weight"] = hist["weight"].fillna(0.0)
        factor = hist["rating"].map(RATING_FACTOR)
        base = hist["weight"].abs().where(hist["weight"] != 0, 0.5)  # rated but not bought: half a purchase
        scaled = np.where(factor >= 0, hist["weight"].where(hist["weight"] != 0, base) * factor, -base * factor.abs())
        hist["weight"] = np.where(factor.notna(), scaled, hist["weight"])
        return hist

    def _check(self) -> None:
        if not hasattr(self, "taste_"):
            raise ModelNotReadyError("ContentRecommender is not fitted; call fit() first")

    # ----- using -----------------------------------------------------------
    def knows(self, member_id: Hashable) -> bool:
        """True when the member has a usable (positive) history."""
        self._check()
        row = self.members_.get(str(member_id))
        return row is not None and bool(self.has_taste_[row])

    def bought(self, member_id: Hashable) -> set[str]:
        """Products the member bought, returned or reviewed before ``as_of``."""
        self._check()
        row = self.members_.get(str(member_id))
        if row is None:
            return set()
        return {self.product_ids_[p] for p in self.seen_[row].indices}

    def recommend(self, member_id: Hashable, k: int = 10, diversify: bool = True) -> list[Scored]:
        """Top-``k`` unseen products for a member (popular products when the member has no taste yet)."""
        self._check()
        row = self.members_.get(str(member_id))
        seen = self.seen_[row].indices if row is not None else np.zeros(0, np.int64)
        if row is None or not self.has_taste_[row]:
            banned = set(seen.tolist())
            order = [p for p in np.argsort(-self.popularity_, kind="stable") if p not in banned][:k]
            return [Scored(self.product_ids_[p], 0.0, None, None) for p in order]
        return self._rank(self.taste_[row], seen, k, diversify, self._liked(row), str(member_id))

    def recommend_many(self, member_ids: Sequence[Hashable], k: int = 10, diversify: bool = True
                       ) -> dict[Hashable, list[str]]:
        """Product ids recommended to each member (for evaluations)."""
        return {m: [s.product_id for s in self.recommend(m, k, diversify)] for m in member_ids}

    def segment_taste(self, member_ids: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
        """The segment's taste vector (mean of its members' tastes) and its summed product weights."""
        self._check()
        rows = [self.members_[str(m)] for m in member_ids if str(m) in self.members_]
        rows = [r for r in rows if self.has_taste_[r]]
        if not rows:
            return np.zeros(self.vectors_.shape[1], np.float32), np.zeros(len(self.product_ids_))
        taste = self.taste_[rows].mean(axis=0)
        weights = np.asarray(self.weights_[rows].sum(axis=0)).ravel()
        return taste / max(float(np.linalg.norm(taste)), 1e-9), weights

    def recommend_segment(self, member_ids: Sequence[Hashable], k: int = 10, exclude_bought: bool = False,
                          diversify: bool = True) -> list[Scored]:
        """Top-``k`` products for a group's shared taste; ``because`` is one of the group's favourites."""
        taste, weights = self.segment_taste(member_ids)
        if not np.any(taste):
            return []
        seen = np.zeros(0, np.int64)
        if exclude_bought:
            rows = [self.members_[str(m)] for m in member_ids if str(m) in self.members_]
            seen = np.unique(self.seen_[rows].indices)
        liked = np.argsort(-weights, kind="stable")[:20]
        liked = liked[weights[liked] > 0]
        return self._rank(taste, seen, k, diversify, liked, None)

    def _liked(self, row: int) -> np.ndarray:
        w = self.weights_[row]
        return w.indices[w.data > 0]

    def _rank(self, taste: np.ndarray, seen: np.ndarray, k: int, diversify: bool, liked: np.ndarray,
              member: str | None) -> list[Scored]:
        scores = self.vectors_ @ taste
        scores[seen] = -np.inf
        n_ok = int(np.isfinite(scores).sum())
        pool = np.argsort(-scores, kind="stable")[:min(max(self.pool_size, k), n_ok)]
        chosen = self._mmr(pool, scores, k) if diversify else list(pool[:k])
        out = []
        for p in chosen:
            because, at = None, None
            if len(liked):
                best = liked[int(np.argmax(self.vectors_[liked] @ self.vectors_[p]))]
                because = self.product_ids_[best]
                at = self.last_at_.get((member, best)) if member is not None else None
                at = None if at is None or pd.isna(at) else pd.Timestamp(at).to_pydatetime()
            out.append(Scored(self.product_ids_[p], round(float(scores[p]), 4), because, at))
        return out

    def _mmr(self, pool: np.ndarray, scores: np.ndarray, k: int) -> list[int]:
        """Maximal marginal relevance: relevance minus redundancy with what is already chosen."""
        chosen: list[int] = []
        v = self.vectors_[pool]
        # einsum, not `@`: a tiny GEMM through multi-threaded OpenBLAS can take ~100 ms on a busy CPU
        sims = np.einsum("id,jd->ij", v, v)
        redundancy = np.full(len(pool), -np.inf)
        left = np.ones(len(pool), dtype=bool)
        for _ in range(min(k, len(pool))):
            value = self.mmr_lambda * scores[pool] - (1 - self.mmr_lambda) * np.where(
                np.isfinite(redundancy), redundancy, 0.0)
            value[~left] = -np.inf
            i = int(np.argmax(value))
            chosen.append(int(pool[i]))
            left[i] = False
            redundancy = np.maximum(redundancy, sims[i])
        return chosen
