"""IVF-PQ shards encoded in parallel on Spark local[2] (:mod:`scaleout.ivfpq_parallel`): on the demo shop's
product and review vectors (the single-box build's, split into Parquet part files) the parallel build is the
sequential build byte for byte, so every search returns the same ids and scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.slow]


def _demo_vectors(ws, kind: str) -> tuple[list[str], np.ndarray]:
    """The built workspace's stored (flat) vectors of ``kind`` and their labels."""
    import faiss

    folder = Path(ws.path) / "indexes"
    index_file = sorted(folder.glob(f"{kind}.*.faiss"))[-1]
    labels = json.loads(index_file.with_name(index_file.name.replace(".faiss", ".labels.json")).read_text())["labels"]
    index = faiss.read_index(str(index_file))
    assert index.ntotal == len(labels)
    return [str(x) for x in labels], index.reconstruct_n(0, index.ntotal)


def _write_parts(folder: Path, labels: list[str], vectors: np.ndarray, parts: int) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    paths = []
    for i, rows in enumerate(np.array_split(np.arange(len(labels)), parts)):
        path = folder / f"part-{i:05d}.parquet"
        pq.write_table(pa.table({"id": [labels[r] for r in rows],
                                 "vector": [vectors[r].astype(np.float32).tolist() for r in rows]}), path)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize(("kind", "refine"), [("products", "sq8"), ("reviews", "sq8"), ("reviews", "none")])
def test_parallel_build_equals_sequential(spark, built_workspace, tmp_path: Path, kind: str, refine: str) -> None:
    import faiss

    from memberinsight.scaleout.ivfpq import IvfPqParams, build_sharded, parquet_shards
    from memberinsight.scaleout.ivfpq_parallel import build_parallel

    labels, vectors = _demo_vectors(built_workspace, kind)
    assert len(labels) == {"products": 360, "reviews": 1307}[kind]
    folder = tmp_path / kind
    parts = _write_parts(folder, labels, vectors, 5)
    _write_parts(tmp_path / "empty", [], vectors[:0], 1)  # an empty part adds nothing
    auto = IvfPqParams.auto(len(labels), vectors.shape[1])
    params = IvfPqParams(auto.nlist, auto.m, auto.nbits, auto.nprobe, refine)
    sample = vectors  # below 100k vectors the lake index trains on all of them
    sequential = build_sharded(sample, parquet_shards(folder), params)
    parallel = build_parallel(spark, sample, [*parts[:2], str(tmp_path / "empty" / "part-00000.parquet"), *parts[2:]],
                              params, wave=2)
    assert parallel.labels == sequential.labels == labels and parallel.index.ntotal == len(labels)
    assert bytes(faiss.serialize_index(parallel.index)) == bytes(faiss.serialize_index(sequential.index))
    queries = vectors[::3]
    assert parallel.search(queries, 10) == sequential.search(queries, 10)
    hits = parallel.search(queries[:50], 1)
    assert sum(h[0][0] == labels[3 * i] for i, h in enumerate(hits)) >= 45  # a real index: finds itself
