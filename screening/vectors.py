"""Embeddings and near-duplicate pairs for screening, through the retrieval package's public API.

Screening first brings the retrieval indexes up to date (``retrieval.build_indexes``: incremental,
only new or changed texts are embedded, on the embedder's fast ONNX path, through the embedding
cache), then reads review and product vectors from them and asks retrieval for near-duplicate
pairs. This is the only module of ``screening`` that talks to ``retrieval``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from memberinsight.config import Settings
from memberinsight.errors import ModelNotReadyError

REVIEWS, PRODUCTS = "reviews", "products"
INCREMENTAL_LIMIT = 2000
"""An incremental run with more new reviews than this recomputes every pair instead (faster then)."""


def sync_indexes(ws, settings: Settings, show_progress: bool = False) -> dict[str, Any]:
    """Make the product and review indexes current (cheap when nothing changed)."""
    from memberinsight import retrieval

    return retrieval.build_indexes(ws, settings, show_progress=show_progress)


def _index_vectors(ws, name: str, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Vectors of ``ids`` from a saved index (zeros where absent) and a mask of the ids found."""
    from memberinsight import retrieval

    index = retrieval.VectorIndex.load(ws.indexes_dir, name)
    labels, stored = index.all_vectors()
    pos = {label: i for i, label in enumerate(labels)}
    rows = np.array([pos.get(str(i), -1) for i in ids], dtype=np.int64)
    found = rows >= 0
    out = np.zeros((len(ids), index.dimension), dtype=np.float32)
    out[found] = stored[rows[found]]
    return out, found


def review_vectors(ws, review_ids: Sequence[str]) -> np.ndarray:
    """Vectors of reviews from the (synced) review index; raises when some are missing."""
    out, found = _index_vectors(ws, REVIEWS, review_ids)
    if not found.all():
        missing = [review_ids[i] for i in np.flatnonzero(~found)[:3]]
        raise ModelNotReadyError(f"{int((~found).sum())} reviews are not in the review index (e.g. {missing}); "
                                 "run `memberinsight build`")
    return out


def product_vectors(ws) -> tuple[list[str], np.ndarray]:
    """Every indexed product id and its vector."""
    from memberinsight import retrieval

    index = retrieval.VectorIndex.load(ws.indexes_dir, PRODUCTS)
    labels, stored = index.all_vectors()
    return [str(x) for x in labels], stored


def near_duplicate_pairs(ws, settings: Settings, threshold: float, new_ids: Sequence[str] | None = None
                         ) -> list[tuple[str, str, float]]:
    """Pairs of reviews by different accounts with cosine >= ``threshold``: all of them, or those
    touching ``new_ids`` (an incremental run)."""
    from memberinsight import retrieval

    if new_ids is None or len(new_ids) > INCREMENTAL_LIMIT:
        clusters = retrieval.find_near_duplicate_reviews(ws, threshold=threshold, settings=settings)
        return [(p.review_a, p.review_b, float(p.similarity)) for c in clusters for p in c.pairs]
    out = []
    for rid in new_ids:
        for p in retrieval.near_duplicates_of(ws, rid, threshold=threshold, settings=settings):
            out.append((p.review_a, p.review_b, float(p.similarity)))
    return out


def encode_texts(texts: Sequence[str], settings: Settings) -> np.ndarray:
    """Vectors of texts outside the workspace (evaluation sets), through the settings' embedding cache."""
    from memberinsight import retrieval

    cache = retrieval.EmbeddingCache(settings.cache_path / "embeddings.sqlite")
    return retrieval.embed_with_cache(list(texts), retrieval.get_embedder(settings), cache).vectors


def embedder_id(settings: Settings) -> str:
    """Identifies the configured embedding model (a model change forces a retrain)."""
    from memberinsight import retrieval

    return retrieval.get_embedder(settings).model_id
