"""Retrieval: sentence embeddings, FAISS indexes, semantic search, content-based recommendations,
near-duplicate reviews and the ranking metrics shared by recommender evaluations.

Public API (import from here; submodules load torch / FAISS / ONNX Runtime lazily)::

    get_embedder(settings, backend=None) -> Embedder          # .encode(texts) -> float32 (n, d), normalised
    build_indexes(ws, settings) -> dict                         # the `indexes` build step (incremental)
    search_products(ws, query, k=10, settings=None, category=None) -> list[ProductHit]
    search_reviews(ws, query, k=10, settings=None, product_id=None) -> list[ReviewHit]
    similar_products(ws, product_id, k=10, settings=None) -> list[ProductHit]
    recommend_for_member(ws, member_id, k=10, settings=None) -> list[Recommendation]
    recommend_for_segment(ws, member_ids, k=10, settings=None) -> list[Recommendation]
                                                                # NAME: saved or RFM segment
    find_near_duplicate_reviews(ws, threshold=0.9, settings=None) -> list[DuplicateCluster]
    near_duplicates_of(ws, review_id, threshold=0.9) -> list[DuplicatePair]
    evaluate_content(ws, settings=None, k=10, test_days=90) -> ContentEvaluation
    retrieval.metrics: recall_at_k, ndcg_at_k, map_at_k, precision_at_k, coverage, evaluate_rankings,
                       time_split, holdout_truth, purchases_only
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Embedder": "memberinsight.retrieval.embedder",
    "get_embedder": "memberinsight.retrieval.embedder",
    "EmbeddingCache": "memberinsight.retrieval.cache",
    "embed_with_cache": "memberinsight.retrieval.cache",
    "VectorIndex": "memberinsight.retrieval.index",
    "IndexManifest": "memberinsight.retrieval.index",
    "read_manifest": "memberinsight.retrieval.index",
    "build_indexes": "memberinsight.retrieval.build",
    "sync_index": "memberinsight.retrieval.build",
    "SyncResult": "memberinsight.retrieval.build",
    "product_corpus": "memberinsight.retrieval.texts",
    "review_corpus": "memberinsight.retrieval.texts",
    "ProductHit": "memberinsight.retrieval.search",
    "ReviewHit": "memberinsight.retrieval.search",
    "search_products": "memberinsight.retrieval.search",
    "search_reviews": "memberinsight.retrieval.search",
    "similar_products": "memberinsight.retrieval.search",
    "ContentRecommender": "memberinsight.retrieval.recommender",
    "Recommendation": "memberinsight.retrieval.content_recs",
    "recommend_for_member": "memberinsight.retrieval.content_recs",
    "recommend_for_segment": "memberinsight.retrieval.content_recs",
    "fit_content_recommender": "memberinsight.retrieval.content_recs",
    "DuplicateCluster": "memberinsight.retrieval.near_duplicates",
    "DuplicatePair": "memberinsight.retrieval.near_duplicates",
    "find_near_duplicate_reviews": "memberinsight.retrieval.near_duplicates",
    "clusters_by_review": "memberinsight.retrieval.near_duplicates",
    "near_duplicates_of": "memberinsight.retrieval.near_duplicates",
    "ContentEvaluation": "memberinsight.retrieval.evaluate",
    "evaluate_content": "memberinsight.retrieval.evaluate",
    "recall_at_k": "memberinsight.retrieval.metrics",
    "ndcg_at_k": "memberinsight.retrieval.metrics",
    "map_at_k": "memberinsight.retrieval.metrics",
    "precision_at_k": "memberinsight.retrieval.metrics",
    "coverage": "memberinsight.retrieval.metrics",
    "evaluate_rankings": "memberinsight.retrieval.metrics",
    "time_split": "memberinsight.retrieval.metrics",
    "holdout_truth": "memberinsight.retrieval.metrics",
    "purchases_only": "memberinsight.retrieval.metrics",
    "TimeSplit": "memberinsight.retrieval.metrics",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy attribute access: importing ``retrieval`` loads no heavy dependency."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
