"""Offline evaluation of content-based recommendations on a time split, against popularity.

Train = order lines and reviews before the cutoff (the last ``test_days`` days are the test
period); relevant items = products a member bought in the test period that they had not bought
before. Both recommenders exclude what the member already bought, so the comparison is fair.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Unpack

import numpy as np
import pandas as pd

from memberinsight.config import Settings, load_settings
from memberinsight.errors import DataValidationError
from memberinsight.retrieval.build import PRODUCTS
from memberinsight.retrieval.content_recs import load_purchases, load_ratings
from memberinsight.retrieval.metrics import evaluate_rankings, holdout_truth, time_split
from memberinsight.retrieval.recommender import ContentParams, ContentRecommender
from memberinsight.retrieval.search import index_and_embedder


@dataclass
class ContentEvaluation:
    """Metrics per method on one time split."""

    cutoff: datetime
    test_days: int
    k: int
    users: int
    catalogue: int
    methods: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def lift_recall(self) -> float:
        """Content (with diversity) Recall@k divided by popularity's."""
        base = self.methods["popularity"][f"recall@{self.k}"]
        return round(self.methods["content"][f"recall@{self.k}"] / base, 3) if base else float("inf")


def popularity_rankings(train: pd.DataFrame, members: Sequence[Hashable], product_ids: Sequence[str],
                        k: int) -> dict[Hashable, list[str]]:
    """Most-bought products (distinct buyers in train), minus what each member already bought."""
    lines = train[~train["is_return"].fillna(False).astype(bool)]
    counts = lines.groupby("product_id")["member_id"].nunique()
    known = set(product_ids)
    ranked = [p for p in counts.sort_values(ascending=False, kind="stable").index if p in known]
    seen = train.groupby("member_id")["product_id"].agg(set).to_dict()
    out: dict[Hashable, list[str]] = {}
    for m in members:
        mine = seen.get(m, set())
        out[m] = [p for p in ranked if p not in mine][:k]
    return out


def evaluate_content(ws, settings: Settings | None = None, k: int = 10, test_days: int = 90,
                     **params: Unpack[ContentParams]) -> ContentEvaluation:
    """Recall/NDCG/MAP@k and coverage of content-based recommendations vs popularity on a time split."""
    start = time.perf_counter()
    settings = settings or load_settings()
    index, _ = index_and_embedder(ws, PRODUCTS, settings)
    product_ids, vectors = index.all_vectors()
    purchases = load_purchases(ws)
    if purchases.empty:
        raise DataValidationError("no member orders to evaluate on")
    split = time_split(purchases, test_days=test_days)
    truth = holdout_truth(split)
    members = sorted(truth, key=str)  # member ids are strings (VARCHAR): str keeps their order
    ratings = load_ratings(ws)
    model = ContentRecommender(**params).fit(product_ids, vectors, split.train, ratings, as_of=split.cutoff)
    result = ContentEvaluation(cutoff=split.cutoff, test_days=test_days, k=k, users=len(members),
                               catalogue=len(product_ids))
    rankings = {
        "content": model.recommend_many(members, k, diversify=True),
        "content_no_diversity": model.recommend_many(members, k, diversify=False),
        "popularity": popularity_rankings(split.train, members, product_ids, k),
    }
    for name, recs in rankings.items():
        result.methods[name] = evaluate_rankings(recs, truth, k, catalogue_size=len(product_ids))
    lists = [set(v) for v in rankings["content"].values() if v]
    pos = {p: i for i, p in enumerate(product_ids)}
    result.methods["content"]["intra_list_similarity"] = round(float(np.mean(
        [_ils(vectors, [pos[p] for p in items]) for items in lists])) if lists else 0.0, 4)
    result.methods["content_no_diversity"]["intra_list_similarity"] = round(float(np.mean(
        [_ils(vectors, [pos[p] for p in v]) for v in rankings["content_no_diversity"].values() if v])), 4)
    result.seconds = round(time.perf_counter() - start, 2)
    return result


def _ils(vectors: np.ndarray, rows: list[int]) -> float:
    """Mean pairwise cosine within one list (lower = more diverse)."""
    if len(rows) < 2:
        return 0.0
    v = vectors[rows]
    sims = np.einsum("id,jd->ij", v, v)  # see ContentRecommender._mmr: no tiny BLAS GEMMs
    n = len(rows)
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))
