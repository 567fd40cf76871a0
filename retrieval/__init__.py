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
    "Embedder": "retrieval.embedder",
    "get_embedder": "retrieval.embedder",
    "EmbeddingCache": "retrieval.cache",
    "embed_with_cache": "retrieval.cache",
    "VectorIndex": "retrieval.index",
    "IndexManifest": "retrieval.index",
    "read_manifest": "retrieval.index",
    "build_indexes": "retrieval.build",
    "sync_index": "retrieval.build",
    "SyncResult": "retrieval.build",
    "product_corpus": "retrieval.texts",
    "review_corpus": "retrieval.texts",
    "ProductHit": "retrieval.search",
    "ReviewHit": "retrieval.search",
    "search_products": "retrieval.search",
    "search_reviews": "retrieval.search",
    "similar_products": "retrieval.search",
    "ContentRecommender": "retrieval.recommender",
    "Recommendation": "retrieval.content_recs",
    "recommend_for_member": "retrieval.content_recs",
    "recommend_for_segment": "retrieval.content_recs",
    "fit_content_recommender": "retrieval.content_recs",
    "DuplicateCluster": "retrieval.near_duplicates",
    "DuplicatePair": "retrieval.near_duplicates",
    "find_near_duplicate_reviews": "retrieval.near_duplicates",
    "clusters_by_review": "retrieval.near_duplicates",
    "near_duplicates_of": "retrieval.near_duplicates",
    "ContentEvaluation": "retrieval.evaluate",
    "evaluate_content": "retrieval.evaluate",
    "recall_at_k": "retrieval.metrics",
    "ndcg_at_k": "retrieval.metrics",
    "map_at_k": "retrieval.metrics",
    "precision_at_k": "retrieval.metrics",
    "coverage": "retrieval.metrics",
    "evaluate_rankings": "retrieval.metrics",
    "time_split": "retrieval.metrics",
    "holdout_truth": "retrieval.metrics",
    "purchases_only": "retrieval.metrics",
    "TimeSplit": "retrieval.metrics",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy attribute access: importing ``retrieval`` loads no heavy dependency."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
