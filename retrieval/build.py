"""Build / refresh the product and review indexes of a workspace (the ``indexes`` build step).

Incremental: a label whose text hash is unchanged keeps its vector; new or changed texts are
looked up in the embedding cache and embedded only when absent; labels no longer in the data are
removed. A model change (different model id) rebuilds that index from scratch.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from memberinsight.config import Settings
from memberinsight.retrieval.cache import EmbeddingCache, embed_with_cache, text_hash
from memberinsight.retrieval.embedder import Embedder, get_embedder
from memberinsight.retrieval.index import VectorIndex, read_manifest
from memberinsight.retrieval.texts import Corpus, product_corpus, review_corpus

PRODUCTS, REVIEWS = "products", "reviews"


@dataclass(frozen=True)
class SyncResult:
    """What one index refresh did."""

    name: str
    count: int
    added: int
    updated: int
    removed: int
    embedded: int
    """Texts actually run through the model (the rest came from the embedding cache)."""
    index_type: str
    saved: bool
    seconds: float


def _open_or_new(ws, name: str, embedder: Embedder, settings: Settings) -> tuple[VectorIndex, bool]:
    """The saved index when it was made with this model, else a new empty one; and whether it was reused."""
    manifest = read_manifest(ws.indexes_dir, name)
    if manifest is not None and manifest.model_id == embedder.model_id and manifest.dimension == embedder.dimension:
        index = VectorIndex.load(ws.indexes_dir, name)
        index.ann_threshold = settings.ann_threshold
        return index, True
    return VectorIndex(name, embedder.dimension, embedder.model_id, ann_threshold=settings.ann_threshold), False


def sync_index(ws, name: str, corpus: Corpus, embedder: Embedder, settings: Settings,
               show_progress: bool = False) -> SyncResult:
    """Bring index ``name`` in line with ``corpus`` and save it when anything changed."""
    start = time.perf_counter()
    index, reused = _open_or_new(ws, name, embedder, settings)
    hashes = [text_hash(t) for t in corpus.texts]
    todo = [i for i, (label, h) in enumerate(zip(corpus.ids, hashes, strict=True)) if index.text_hash_of(label) != h]
    gone = set(index.live_labels()) - set(corpus.ids)
    embedded = added = updated = removed = 0
    if todo:
        result = embed_with_cache([corpus.texts[i] for i in todo], embedder, EmbeddingCache.for_workspace(ws),
                                  show_progress=show_progress, description=f"Embedding {name}")
        embedded = result.embedded
        added, updated = index.upsert([corpus.ids[i] for i in todo], result.vectors, [hashes[i] for i in todo])
    if gone:
        removed = index.remove(gone)
    restructured = index.needs_compaction  # e.g. ann_threshold changed in the settings
    if restructured:
        index.compact()
    changed = bool(todo or gone) or restructured or not reused
    if changed:
        index.save(ws.indexes_dir)
    return SyncResult(name=name, count=index.count, added=added, updated=updated, removed=removed,
                      embedded=embedded, index_type=index.index_type, saved=changed,
                      seconds=round(time.perf_counter() - start, 3))


def build_indexes(ws, settings: Settings, show_progress: bool | None = None) -> dict[str, Any]:
    """Refresh the product and review indexes; returns a summary per index (build step entry point)."""
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    embedder = get_embedder(settings)
    out: dict[str, Any] = {"model_id": embedder.model_id, "backend": embedder.backend}
    for name, corpus in ((PRODUCTS, product_corpus(ws)), (REVIEWS, review_corpus(ws))):
        out[name] = asdict(sync_index(ws, name, corpus, embedder, settings, show_progress=show_progress))
    return out
