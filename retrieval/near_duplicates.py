"""Near-duplicate reviews written by different accounts (copy rings, templated fake reviews).

Pairs of reviews whose embeddings have cosine >= ``threshold`` and whose authors differ are linked;
connected components of those links are the clusters. A review without an account (guest) counts
as its own author. Same-account pairs never create a link (re-posting one's own review is a
different problem), though a cluster may hold two reviews of one account linked through others.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from memberinsight.config import Settings
from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.retrieval.build import REVIEWS
from memberinsight.retrieval.search import index_and_embedder
from memberinsight.retrieval.texts import load_reviews


@dataclass(frozen=True)
class DuplicatePair:
    """Two reviews by different accounts and the cosine similarity of their texts."""

    review_a: str
    review_b: str
    similarity: float


@dataclass
class DuplicateCluster:
    """A group of near-identical reviews from at least two accounts (lists aligned with ``review_ids``)."""

    cluster_id: int
    review_ids: list[str]
    member_ids: list[str | None]
    product_ids: list[str]
    pairs: list[DuplicatePair] = field(default_factory=list)
    min_similarity: float = 0.0
    max_similarity: float = 0.0

    @property
    def size(self) -> int:
        return len(self.review_ids)

    @property
    def accounts(self) -> int:
        """Distinct authors (guest reviews count one each)."""
        return len({m if m is not None else f"guest:{r}" for r, m in zip(self.review_ids, self.member_ids, strict=True)})


def _author(member_id: object, review_id: str) -> str:
    return f"guest:{review_id}" if member_id is None or pd.isna(member_id) else str(member_id)


def find_near_duplicate_reviews(ws, threshold: float = 0.9, settings: Settings | None = None,
                                min_chars: int = 0, k: int = 32) -> list[DuplicateCluster]:
    """Clusters of reviews with pairwise cosine >= ``threshold`` written by different accounts.

    ``min_chars`` ignores very short texts; ``k`` bounds neighbours per review on an approximate index.
    Clusters are sorted largest first, then by similarity.
    """
    if not 0 < threshold <= 1:
        raise DataValidationError(f"threshold must be in (0, 1], got {threshold}", column="threshold")
    index, _ = index_and_embedder(ws, REVIEWS, settings)
    reviews = load_reviews(ws).set_index("review_id")
    author = {rid: _author(m, rid) for rid, m in zip(reviews.index, reviews["member_id"], strict=True)}
    short = {rid for rid, t in zip(reviews.index, reviews["text"], strict=True) if len(str(t).strip()) < min_chars}
    links = [DuplicatePair(a, b, round(sim, 4)) for a, b, sim in index.pairs_above(threshold, k=k)
             if a in author and b in author and author[a] != author[b] and a not in short and b not in short]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in links:
        ra, rb = find(pair.review_a), find(pair.review_b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[DuplicatePair]] = defaultdict(list)
    for pair in links:
        groups[find(pair.review_a)].append(pair)
    clusters = []
    for pairs in groups.values():
        ids = sorted({p.review_a for p in pairs} | {p.review_b for p in pairs})
        sims = [p.similarity for p in pairs]
        clusters.append(DuplicateCluster(
            cluster_id=0, review_ids=ids,
            member_ids=[None if pd.isna(reviews.at[r, "member_id"]) else str(reviews.at[r, "member_id"]) for r in ids],
            product_ids=[str(reviews.at[r, "product_id"]) for r in ids], pairs=pairs,
            min_similarity=min(sims), max_similarity=max(sims)))
    clusters.sort(key=lambda c: (-c.size, -c.max_similarity, c.review_ids[0]))
    for i, cluster in enumerate(clusters):
        cluster.cluster_id = i + 1
    return clusters


def clusters_by_review(clusters: list[DuplicateCluster]) -> dict[str, DuplicateCluster]:
    """Lookup: review id -> the cluster it belongs to (reviews in no cluster are absent)."""
    return {rid: c for c in clusters for rid in c.review_ids}


def near_duplicates_of(ws, review_id: str, threshold: float = 0.9, k: int = 20,
                       settings: Settings | None = None) -> list[DuplicatePair]:
    """Reviews by other accounts whose text is within ``threshold`` of one review, most similar first."""
    index, _ = index_and_embedder(ws, REVIEWS, settings)
    if review_id not in index:
        raise NotFoundError(f"review '{review_id}' is not in the review index")
    hits = index.search(index.vectors([review_id]), k + 1, exclude=[review_id])[0]
    hits = [(rid, sim) for rid, sim in hits if sim >= threshold]
    reviews = load_reviews(ws, [review_id, *[rid for rid, _ in hits]]).set_index("review_id")
    me = _author(reviews.at[review_id, "member_id"], review_id)
    return [DuplicatePair(review_id, rid, round(sim, 4)) for rid, sim in hits
            if rid in reviews.index and _author(reviews.at[rid, "member_id"], rid) != me]
