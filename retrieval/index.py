"""A FAISS vector store with string ids, incremental updates, a manifest and crash-safe saves.

* Exact inner-product search (``IndexFlatIP``) up to ``ann_threshold`` live vectors, HNSW above it;
  the type is chosen automatically and switched by a compaction when the size crosses the line.
* FAISS ids are positions; ``labels[pos]`` is the product / review id. Updates append a new vector
  and tombstone the old position; removals tombstone. Tombstoned (and caller-excluded) positions
  are filtered inside the FAISS search with an ``IDSelector``. When a quarter of the positions are
  dead the index is compacted (rebuilt from its own stored vectors - nothing is re-embedded).
* :meth:`VectorIndex.save` writes generation-numbered files (temp file, ``fsync``, ``os.replace``,
  ``fsync`` of the directory) and then swaps the manifest the same way: a crash - or a power loss -
  at any point leaves the previous generation loadable. Old generations are deleted only after the
  new manifest's rename is durable (directory synced).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import faiss
import numpy as np

from memberinsight.errors import ConfigError, ModelNotReadyError, WorkspaceError

COMPACT_DEAD_FRACTION = 0.25


@dataclass(frozen=True)
class HnswParams:
    """HNSW graph parameters (M links per node, construction and search beam widths)."""

    m: int = 32
    ef_construction: int = 80
    ef_search: int = 128


@dataclass
class IndexManifest:
    """What a saved index holds; ``<name>.manifest.json`` in the index directory."""

    name: str
    model_id: str
    dimension: int
    count: int
    index_type: str
    built_at: str
    build_seconds: float
    generation: int
    index_file: str
    labels_file: str
    index_bytes: int
    total_positions: int
    params: dict[str, int] = field(default_factory=dict)


@contextmanager
def _locked(lock_path: Path):
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_file(path: Path) -> None:
    """Flush a written file's data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Make renames and unlinks in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` durably: temp file, fsync, rename, fsync of the directory."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


class VectorIndex:
    """Normalised vectors under string labels; cosine (inner-product) top-k search."""

    def __init__(self, name: str, dimension: int, model_id: str, ann_threshold: int = 50_000,
                 hnsw: HnswParams | None = None) -> None:
        self.name, self.dimension, self.model_id = name, int(dimension), model_id
        self.ann_threshold = int(ann_threshold)
        self.hnsw = hnsw or HnswParams()
        self.labels: list[str] = []
        self.text_hashes: list[str] = []
        self.dead: set[int] = set()
        self._pos: dict[str, int] = {}
        self.index: faiss.Index = self._new_index("flat")
        self.build_seconds = 0.0

    # ----- structure -------------------------------------------------------
    @property
    def index_type(self) -> str:
        return "hnsw" if isinstance(self.index, faiss.IndexHNSW) else "flat"

    @property
    def count(self) -> int:
        """Live vectors."""
        return len(self._pos)

    def __contains__(self, label: str) -> bool:
        return label in self._pos

    def _new_index(self, kind: str) -> faiss.Index:
        if kind == "flat":
            return faiss.IndexFlatIP(self.dimension)
        index = faiss.IndexHNSWFlat(self.dimension, self.hnsw.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.hnsw.ef_construction
        index.hnsw.efSearch = self.hnsw.ef_search
        return index

    def _wanted_type(self, live: int) -> str:
        return "hnsw" if live > self.ann_threshold else "flat"

    def text_hash_of(self, label: str) -> str | None:
        """The hash of the text a label's vector was made from (None when absent)."""
        pos = self._pos.get(label)
        return None if pos is None else self.text_hashes[pos]

    def live_labels(self) -> list[str]:
        return list(self._pos)

    # ----- changes ---------------------------------------------------------
    def upsert(self, labels: Sequence[str], vectors: np.ndarray, text_hashes: Sequence[str] | None = None
               ) -> tuple[int, int]:
        """Add new labels and replace existing ones; returns ``(added, updated)``."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(vectors) != len(labels):
            raise ConfigError(f"index {self.name}: expected {len(labels)} vectors of dimension {self.dimension}, "
                              f"got shape {vectors.shape}")
        if len(set(labels)) != len(labels):
            raise ConfigError(f"index {self.name}: duplicate labels in one upsert")
        hashes = list(text_hashes) if text_hashes is not None else [""] * len(labels)
        updated = 0
        for label in labels:
            old = self._pos.pop(label, None)
            if old is not None:
                self.dead.add(old)
                updated += 1
        start = len(self.labels)
        self.labels.extend(labels)
        self.text_hashes.extend(hashes)
        for i, label in enumerate(labels):
            self._pos[label] = start + i
        t0 = time.perf_counter()
        if self.needs_compaction:
            stored = self.index.reconstruct_n(0, self.index.ntotal) if self.index.ntotal else \
                np.zeros((0, self.dimension), np.float32)
            self._rebuild(np.concatenate([stored, vectors]))
        else:
            self.index.add(vectors)
        self.build_seconds += time.perf_counter() - t0
        return len(labels) - updated, updated

    def remove(self, labels: Iterable[str]) -> int:
        """Tombstone labels (unknown ones are ignored); returns how many were removed."""
        removed = 0
        for label in labels:
            pos = self._pos.pop(label, None)
            if pos is not None:
                self.dead.add(pos)
                removed += 1
        if removed and self.needs_compaction:
            self.compact()
        return removed

    def compact(self) -> None:
        """Drop tombstones and (re)choose the index type for the live count."""
        stored = self.index.reconstruct_n(0, self.index.ntotal) if self.index.ntotal else \
            np.zeros((0, self.dimension), np.float32)
        t0 = time.perf_counter()
        self._rebuild(stored)
        self.build_seconds += time.perf_counter() - t0

    @property
    def needs_compaction(self) -> bool:
        return self.index_type != self._wanted_type(self.count) or \
            len(self.dead) > COMPACT_DEAD_FRACTION * max(1, len(self.labels))

    def _rebuild(self, stored: np.ndarray) -> None:
        """Compact: keep live positions only (in label order), choose the index type, re-add."""
        keep = sorted(self._pos.values())
        self.labels = [self.labels[p] for p in keep]
        self.text_hashes = [self.text_hashes[p] for p in keep]
        self._pos = {label: i for i, label in enumerate(self.labels)}
        self.dead = set()
        self.index = self._new_index(self._wanted_type(len(keep)))
        if keep:
            self.index.add(np.ascontiguousarray(stored[keep]))

    # ----- reading ---------------------------------------------------------
    def vectors(self, labels: Sequence[str]) -> np.ndarray:
        """Stored vectors of ``labels`` (raises NotFoundError-like KeyError for unknown labels)."""
        out = np.zeros((len(labels), self.dimension), dtype=np.float32)
        for i, label in enumerate(labels):
            out[i] = self.index.reconstruct(self._pos[label])
        return out

    def all_vectors(self) -> tuple[list[str], np.ndarray]:
        """Every live label and its vector."""
        positions = sorted(self._pos.values())
        if not positions:
            return [], np.zeros((0, self.dimension), np.float32)
        stored = self.index.reconstruct_n(0, self.index.ntotal)
        return [self.labels[p] for p in positions], stored[positions]

    def search(self, queries: np.ndarray, k: int, exclude: Iterable[str] = (), only: Iterable[str] | None = None,
               ef_search: int | None = None) -> list[list[tuple[str, float]]]:
        """Top-``k`` (label, cosine) per query row, best first.

        Removed items and ``exclude`` are skipped; with ``only``, results are restricted to those labels.
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if self.count == 0 or k <= 0:
            return [[] for _ in range(len(queries))]
        banned = set(self.dead)
        banned.update(self._pos[label] for label in exclude if label in self._pos)
        selector: faiss.IDSelector | None = None
        if only is not None:
            allowed = {self._pos[label] for label in only if label in self._pos} - banned
            if not allowed:
                return [[] for _ in range(len(queries))]
            k_eff = min(k, len(allowed))
            selector = faiss.IDSelectorBatch(np.fromiter(allowed, np.int64))
        else:
            k_eff = min(k, self.count - (len(banned) - len(self.dead)))
            if k_eff <= 0:
                return [[] for _ in range(len(queries))]
            if banned:  # keep `inner` referenced: IDSelectorNot does not own it
                inner = faiss.IDSelectorBatch(np.fromiter(banned, np.int64))
                selector = faiss.IDSelectorNot(inner)
        params: faiss.SearchParameters | None = None
        if self.index_type == "hnsw":
            # faiss-cpu's bundled stubs (__init__.pyi) leave out SearchParametersHNSW, which the module has
            params = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                efSearch=max(ef_search or self.hnsw.ef_search, k_eff))
        elif selector is not None:
            params = faiss.SearchParameters()
        if params is not None and selector is not None:
            params.sel = selector
        scores, ids = self.index.search(queries, k_eff, params=params)
        del selector, params
        return [[(self.labels[i], float(s)) for s, i in zip(row_s, row_i, strict=True) if i >= 0]
                for row_s, row_i in zip(scores, ids, strict=True)]

    def pairs_above(self, threshold: float, k: int = 32, chunk: int = 2048) -> list[tuple[str, str, float]]:
        """Every pair of live labels with cosine >= ``threshold``, each pair once as ``(a, b, sim)``, a < b.

        Exact (FAISS range search) on a flat index; on HNSW, among the ``k`` nearest neighbours of each vector.
        """
        labels, stored = self.all_vectors()
        if len(labels) < 2:
            return []
        pairs: dict[tuple[str, str], float] = {}
        exact = None
        if self.index_type == "flat":
            exact = faiss.IndexFlatIP(self.dimension)
            exact.add(stored)
        for start in range(0, len(labels), chunk):
            block = stored[start:start + chunk]
            if exact is not None:
                lims, dist, ids = exact.range_search(block, float(threshold))
                found = [[(labels[int(j)], float(d)) for j, d in zip(ids[lims[q]:lims[q + 1]], dist[lims[q]:lims[q + 1]],
                                                                   strict=True)] for q in range(len(block))]
            else:
                found = self.search(block, k + 1)
            for q, row in enumerate(found):
                me = labels[start + q]
                for other, sim in row:
                    if other != me and sim >= threshold:
                        key = (me, other) if me < other else (other, me)
                        pairs[key] = max(sim, pairs.get(key, -1.0))
        return [(a, b, sim) for (a, b), sim in sorted(pairs.items())]

    # ----- persistence -----------------------------------------------------
    def save(self, directory: Path) -> IndexManifest:
        """Write a new generation durably and swap the manifest atomically; older generations are removed
        only once the new manifest is on disk (see the module docstring)."""
        directory.mkdir(parents=True, exist_ok=True)
        with _locked(directory / f".{self.name}.lock"):
            previous = read_manifest(directory, self.name)
            generation = (previous.generation if previous else 0) + 1
            stem = f"{self.name}.{generation:06d}"
            index_path, labels_path = directory / f"{stem}.faiss", directory / f"{stem}.labels.json"
            tmp = directory / f".{stem}.faiss.tmp{os.getpid()}"
            try:
                faiss.write_index(self.index, str(tmp))
                _fsync_file(tmp)
                os.replace(tmp, index_path)
            finally:
                tmp.unlink(missing_ok=True)
            _fsync_dir(directory)
            _replace_text(labels_path, json.dumps(
                {"labels": self.labels, "text_hashes": self.text_hashes, "dead": sorted(self.dead)}))
            manifest = IndexManifest(
                name=self.name, model_id=self.model_id, dimension=self.dimension, count=self.count,
                index_type=self.index_type, built_at=datetime.now(UTC).isoformat(timespec="seconds"),
                build_seconds=round(self.build_seconds, 3), generation=generation, index_file=index_path.name,
                labels_file=labels_path.name, index_bytes=index_path.stat().st_size,
                total_positions=len(self.labels), params={**asdict(self.hnsw), "ann_threshold": self.ann_threshold})
            _replace_text(manifest_path(directory, self.name), json.dumps(asdict(manifest), indent=2))
            # the new generation is durable now (files synced, then the manifest rename synced)
            keep = {index_path.name, labels_path.name}
            for stale in directory.glob(f"{self.name}.*"):
                if stale.name not in keep and not stale.name.endswith(".manifest.json"):
                    stale.unlink(missing_ok=True)
            for stale in directory.glob(f".{self.name}.*.tmp*"):
                stale.unlink(missing_ok=True)
            _fsync_dir(directory)
        return manifest

    @classmethod
    def load(cls, directory: Path, name: str) -> VectorIndex:
        """Load the generation the manifest names; raises ModelNotReadyError / WorkspaceError."""
        manifest = read_manifest(directory, name)
        if manifest is None:
            raise ModelNotReadyError(f"no '{name}' index in {directory}; run `memberinsight build`")
        index_path, labels_path = directory / manifest.index_file, directory / manifest.labels_file
        if not index_path.is_file() or index_path.stat().st_size != manifest.index_bytes or not labels_path.is_file():
            raise WorkspaceError(f"index '{name}' in {directory} is incomplete or corrupt; run `memberinsight build`")
        params = {k: v for k, v in manifest.params.items() if k != "ann_threshold"}
        self = cls(name, manifest.dimension, manifest.model_id,
                   ann_threshold=manifest.params.get("ann_threshold", 50_000), hnsw=HnswParams(**params))
        try:
            self.index = faiss.read_index(str(index_path))
            meta = json.loads(labels_path.read_text(encoding="utf-8"))
        except (RuntimeError, ValueError) as exc:
            raise WorkspaceError(f"index '{name}' in {directory} cannot be read ({exc}); run `memberinsight build`") from exc
        self.labels, self.text_hashes, self.dead = meta["labels"], meta["text_hashes"], set(meta["dead"])
        if self.index.ntotal != len(self.labels):
            raise WorkspaceError(f"index '{name}' in {directory}: {self.index.ntotal} vectors for "
                                 f"{len(self.labels)} labels; run `memberinsight build`")
        self._pos = {label: i for i, label in enumerate(self.labels) if i not in self.dead}
        if isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = self.hnsw.ef_search
        self.build_seconds = manifest.build_seconds
        return self


def manifest_path(directory: Path, name: str) -> Path:
    return directory / f"{name}.manifest.json"


def read_manifest(directory: Path, name: str) -> IndexManifest | None:
    """The manifest of a saved index, or None when there is none."""
    path = manifest_path(directory, name)
    if not path.is_file():
        return None
    try:
        return IndexManifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise WorkspaceError(f"index manifest {path} is unreadable ({exc}); run `memberinsight build`") from exc


@lru_cache(maxsize=8)
def _load_generation(directory: Path, name: str, generation: int, mtime_ns: int) -> VectorIndex:
    return VectorIndex.load(directory, name)


def open_index(directory: Path, name: str) -> VectorIndex:
    """The saved index, loaded once per generation per process (callers must not modify it)."""
    path = manifest_path(directory, name)
    manifest = read_manifest(directory, name)
    if manifest is None:
        raise ModelNotReadyError(f"no '{name}' index in {directory}; run `memberinsight build`")
    return _load_generation(directory, name, manifest.generation, path.stat().st_mtime_ns)
