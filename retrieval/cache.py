"""The embedding cache: vectors keyed by (model id, text hash), in ``<workspace>/cache/embeddings.sqlite``.

A rebuild looks every text up here first and embeds only new or changed texts. The cache is a
plain SQLite file (WAL), safe to delete: it only costs re-embedding. The model id
(:attr:`retrieval.embedder.Embedder.model_id`) names the model, its fingerprint and the backend's
vector scheme, so vectors computed another way (e.g. the batch-dependent ``-int8`` vectors of
before int8 texts were run alone, now ``-int8r``) are never served for the current embedder.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE_FILE = "embeddings.sqlite"
_CHUNK = 500


def text_hash(text: str) -> str:
    """Stable 128-bit hash of a text (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """Vectors by (model id, text hash). Open per use; every call is its own short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model_id TEXT NOT NULL, text_hash TEXT NOT NULL, "
                "dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model_id, text_hash)) WITHOUT ROWID")

    @classmethod
    def for_workspace(cls, ws) -> EmbeddingCache:
        """The cache file inside a workspace's cache directory."""
        return cls(ws.cache_dir / CACHE_FILE)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30)
        con.execute("PRAGMA busy_timeout=30000")
        return con

    def get_many(self, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``hashes`` (missing ones are absent from the result)."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with closing(self._connect()) as con:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start:start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = con.execute(
                    f"SELECT text_hash, vector FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})",
                    (model_id, *chunk))
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model_id: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors (float32) under their text hashes (replacing any previous entry)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        rows = [(model_id, h, int(v.shape[0]), v.tobytes()) for h, v in zip(hashes, vectors, strict=True)]
        with closing(self._connect()) as con, con:
            con.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)

    def count(self, model_id: str | None = None) -> int:
        """Number of cached vectors (for one model, or all)."""
        with closing(self._connect()) as con:
            if model_id is None:
                return int(con.execute("SELECT count(*) FROM embeddings").fetchone()[0])
            return int(con.execute("SELECT count(*) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()[0])


@dataclass(frozen=True)
class EmbedResult:
    """Vectors for a list of texts and how many had to be embedded (the rest came from the cache)."""

    vectors: np.ndarray
    embedded: int
    cached: int


def embed_with_cache(texts: Sequence[str], embedder, cache: EmbeddingCache | None,
                     show_progress: bool = False, description: str = "Embedding") -> EmbedResult:
    """Embeddings of ``texts``, taking what the cache has and embedding (and caching) only the rest.

    Identical texts are embedded once.
    """
    hashes = [text_hash(t) for t in texts]
    have = cache.get_many(embedder.model_id, hashes) if cache is not None else {}
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in have and h not in missing:
            missing[h] = t
    if missing:
        fresh = embedder.encode(list(missing.values()), show_progress=show_progress, description=description)
        if cache is not None:
            cache.put_many(embedder.model_id, list(missing), fresh)
        have.update(zip(missing, fresh, strict=True))
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for i, h in enumerate(hashes):
        out[i] = have[h]
    return EmbedResult(vectors=out, embedded=len(missing), cached=len(texts) - sum(
        1 for h in hashes if h in missing))
