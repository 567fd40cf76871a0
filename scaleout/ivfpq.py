"""Vectors beyond one box's HNSW: an IVF-PQ FAISS index over the lake's embeddings.

The single-box store (:class:`retrieval.index.VectorIndex`) keeps every vector in full (flat, then HNSW
above ``ann_threshold``): 1.5 KB per 384-d vector, 150 GB at 100M. IVF-PQ keeps ``m`` bytes per vector
(PQ codes of the residual to one of ``nlist`` k-means cells) and, at query time, scans the ``nprobe``
nearest cells only. It is *trained* on a sample (the coarse k-means and the PQ codebooks), then the
vectors are *added* shard by shard (one Parquet part file of ``LAKE/_vectors/<kind>/`` at a time:
the driver never holds more than one shard's floats); with ``refine = "sq8"`` the index also keeps an
8-bit scalar-quantised copy (``d`` bytes per vector) and re-ranks ``k_factor * k`` PQ candidates with
it, which is what lifts recall@10 above 0.9 (PQ codes alone rank near neighbours coarsely) (bench/spark.py ``--ivfpq``; docs/scale.md).

Inner product on L2-normalised vectors: cosine, as everywhere in :mod:`retrieval`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from memberinsight.errors import ConfigError, ModelNotReadyError

REFINES = ("none", "sq8", "flat")


@dataclass(frozen=True)
class IvfPqParams:
    """IVF-PQ shape: ``nlist`` cells, ``m`` sub-quantisers of ``nbits`` bits, ``nprobe`` cells searched, and
    the re-ranking (``refine``: none, an 8-bit scalar copy ``sq8``, or full floats ``flat``) of
    ``k_factor * k`` candidates."""

    nlist: int
    m: int
    nbits: int = 8
    nprobe: int = 16
    refine: str = "sq8"
    k_factor: int = 16

    @classmethod
    def auto(cls, n: int, dimension: int) -> IvfPqParams:
        """Defaults for ``n`` vectors: nlist a power of two near sqrt(n) (at least 39 training points
        per cell), m = d/8 (8 dims per byte), nprobe = nlist/8 (at least 8: recall@10 0.96-1.0 on the demo shop's vectors,
        0.94 on 1M diffuse synthetic ones; bench/spark.py --ivfpq), an sq8 re-rank of 16k candidates."""
        if n < 1:
            raise ConfigError("an IVF-PQ index needs at least one vector")
        nlist = 2 ** max(0, round(math.log2(max(1.0, math.sqrt(n)))))
        nlist = max(1, min(nlist, n // 39 or 1))
        m = next(c for c in (dimension // 8, dimension // 4, dimension // 2, dimension) if c and dimension % c == 0)
        nbits = 8 if n >= 256 else max(1, int(math.log2(n)))
        return cls(nlist=nlist, m=m, nbits=nbits, nprobe=min(nlist, max(8, nlist // 8)))

    def bytes_per_vector(self, dimension: int) -> int:
        """Index memory per vector: PQ code + 8-byte id (+ the re-rank copy)."""
        code = math.ceil(self.m * self.nbits / 8) + 8
        return code + {"none": 0, "sq8": dimension, "flat": 4 * dimension}[self.refine]


def _check(params: IvfPqParams, dimension: int) -> None:
    if params.refine not in REFINES:
        raise ConfigError(f"refine must be one of {', '.join(REFINES)}, not {params.refine!r}")
    if params.m < 1 or dimension % params.m:
        raise ConfigError(f"IVF-PQ m={params.m} must divide the dimension {dimension}")


def train(sample: np.ndarray, params: IvfPqParams) -> Any:
    """An empty, trained IVF-PQ index (coarse k-means and PQ codebooks from ``sample``)."""
    import faiss

    sample = np.ascontiguousarray(sample, dtype=np.float32)
    d = sample.shape[1]
    _check(params, d)
    quantizer = faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFPQ(quantizer, d, params.nlist, params.m, params.nbits, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.min_points_per_centroid = ivf.pq.cp.min_points_per_centroid = 1  # small sets: no warnings; k-means runs
    # faiss's Python wrappers keep the quantizer / the re-rank copy referenced by the index that uses them
    index: Any = ivf
    if params.refine != "none":
        copy = faiss.IndexFlatIP(d) if params.refine == "flat" else \
            faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        index = faiss.IndexRefine(ivf, copy)
        index.k_factor = float(params.k_factor)
    index.train(sample)
    set_nprobe(index, params.nprobe)
    return index


def set_nprobe(index: Any, nprobe: int) -> None:
    """Cells scanned per query (the recall / latency dial)."""
    import faiss

    faiss.extract_index_ivf(index).nprobe = int(nprobe)


@dataclass
class ShardedIndex:
    """An IVF-PQ index with string labels (``labels[i]`` is FAISS id ``i``)."""

    index: Any
    labels: list[str]
    params: IvfPqParams
    model_id: str = ""
    build_seconds: float = 0.0

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """Top-``k`` (label, approximate cosine) per query row, best first."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        scores, ids = self.index.search(q, min(k, len(self.labels)))
        return [[(self.labels[i], float(s)) for s, i in zip(rs, ri, strict=True) if i >= 0]
                for rs, ri in zip(scores, ids, strict=True)]

    def save(self, folder: Path) -> dict[str, Any]:
        """``index.faiss``, ``labels.json`` and ``manifest.json`` in ``folder``; returns the manifest."""
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(folder / "index.faiss"))
        (folder / "labels.json").write_text(json.dumps(self.labels), encoding="utf-8")
        manifest = {"kind": "ivfpq", "count": len(self.labels), "dimension": int(self.index.d),
                    "model_id": self.model_id, "params": asdict(self.params),
                    "build_seconds": round(self.build_seconds, 3),
                    "index_bytes": (folder / "index.faiss").stat().st_size}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return manifest

    @classmethod
    def load(cls, folder: Path) -> ShardedIndex:
        """The index saved in ``folder`` (:class:`ModelNotReadyError` when there is none)."""
        import faiss

        if not (folder / "manifest.json").is_file():
            raise ModelNotReadyError(f"no IVF-PQ index in {folder}; run `memberinsight lake index`")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        index = faiss.read_index(str(folder / "index.faiss"))
        params = IvfPqParams(**manifest["params"])
        set_nprobe(index, params.nprobe)
        return cls(index, json.loads((folder / "labels.json").read_text(encoding="utf-8")), params,
                   manifest.get("model_id", ""), float(manifest.get("build_seconds", 0.0)))


def build_sharded(sample: np.ndarray, shards: Iterable[tuple[list[str], np.ndarray]], params: IvfPqParams,
                  model_id: str = "") -> ShardedIndex:
    """Train on ``sample``, then add ``(labels, vectors)`` shards one at a time (ids follow the labels)."""
    start = time.perf_counter()
    index = train(sample, params)
    labels: list[str] = []
    for shard_labels, vectors in shards:
        if len(shard_labels):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            labels.extend(shard_labels)
    if len(set(labels)) != len(labels):
        raise ConfigError("duplicate ids among the shards of an IVF-PQ index")
    return ShardedIndex(index, labels, params, model_id, time.perf_counter() - start)


def parquet_shards(folder: Path, id_column: str = "id") -> Iterator[tuple[list[str], np.ndarray]]:
    """``(ids, vectors)`` per Parquet part file of an embeddings folder (``id``, ``vector`` columns)."""
    import pyarrow.parquet as pq

    for part in sorted(folder.glob("*.parquet")):
        table = pq.read_table(part, columns=[id_column, "vector"])
        if table.num_rows == 0:
            continue
        flat = table.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
        yield [str(x) for x in table.column(id_column).to_pylist()], \
            np.asarray(flat, dtype=np.float32).reshape(table.num_rows, -1)


def recall_and_latency(index: ShardedIndex, base: np.ndarray, queries: np.ndarray, k: int = 10,
                       nprobe: int | None = None) -> dict[str, float]:
    """recall@k of ``index`` against exact inner-product search over ``base`` (rows in label order), and
    p50 / p99 single-query latency in milliseconds (one query at a time, as the app asks)."""
    import faiss

    if nprobe is not None:
        set_nprobe(index.index, nprobe)
    exact = faiss.IndexFlatIP(base.shape[1])
    exact.add(np.ascontiguousarray(base, dtype=np.float32))
    q = np.ascontiguousarray(queries, dtype=np.float32)
    _, truth = exact.search(q, k)
    hits, times = 0, []
    for row in range(len(q)):
        t0 = time.perf_counter()
        _, got = index.index.search(q[row:row + 1], k)
        times.append((time.perf_counter() - t0) * 1000)
        hits += len(set(got[0].tolist()) & set(truth[row].tolist()))
    return {"recall_at_k": round(hits / (k * len(q)), 4), "k": k, "queries": len(q),
            "p50_ms": round(float(np.percentile(times, 50)), 3), "p99_ms": round(float(np.percentile(times, 99)), 3)}
