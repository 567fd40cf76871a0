"""IVF-PQ shards encoded in parallel on Spark: the same index as :func:`scaleout.ivfpq.build_sharded`, byte for byte.

Adding a vector to an IVF-PQ index is two steps: *encoding* (the nearest coarse cell, the PQ code of the
residual, and the re-rank copy's 8-bit code) - the CPU work - and *appending* the codes to the cell's
inverted list - a copy. Here the driver trains the index on the sample as before and broadcasts it
serialised (``faiss.serialize_index``: centroids and codebooks, no vectors); each Spark task reads one
Parquet part file of the embeddings and encodes it (``sa_encode`` of the IVF-PQ and of the re-rank index);
the driver appends the codes in part-file order with ``add_sa_codes`` under the ids the sequential build
gives (part after part), so the inverted lists, the index file and every search result are the same as
adding the parts one after another. Parts run a wave at a time (``spark.default.parallelism`` parts): the
driver holds one wave's codes (``m + d`` bytes per vector with sq8), never float vectors.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from memberinsight.errors import ConfigError
from memberinsight.scaleout.ivfpq import IvfPqParams, ShardedIndex, train


def encode_part(blob: np.ndarray, path: str, id_column: str = "id", threads: int = 1
                ) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """(ids, IVF-PQ codes, re-rank codes or None) of one Parquet part file, encoded with the trained index
    ``blob`` (``faiss.serialize_index``); runs in a Spark task, on ``threads`` cores (a task's one core:
    FAISS would otherwise start a thread per core in every task)."""
    import faiss
    import pyarrow.parquet as pq

    faiss.omp_set_num_threads(threads)
    index = faiss.deserialize_index(blob)
    table = pq.read_table(path, columns=[id_column, "vector"])
    ids = [str(x) for x in table.column(id_column).to_pylist()]
    if not ids:
        return ids, np.zeros((0, 0), dtype=np.uint8), None
    flat = table.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    vectors = np.ascontiguousarray(np.asarray(flat, dtype=np.float32).reshape(len(ids), -1))
    codes = faiss.extract_index_ivf(index).sa_encode(vectors)
    refine = getattr(index, "refine_index", None)
    return ids, codes, None if refine is None else faiss.downcast_index(refine).sa_encode(vectors)


def add_parallel(spark: Any, index: Any, parts: list[str], wave: int | None = None) -> list[str]:
    """Add the Parquet ``parts`` to the trained ``index`` (empty), encoded in Spark tasks, appended in part
    order under ids ``0..n-1``; returns the labels (``labels[i]`` is FAISS id ``i``)."""
    import faiss

    shared = spark.sparkContext.broadcast(faiss.serialize_index(index))
    ivf = faiss.extract_index_ivf(index)
    refine = getattr(index, "refine_index", None)
    refine = None if refine is None else faiss.downcast_index(refine)
    rdd = spark.sparkContext.parallelize(list(parts), max(1, len(parts))).map(
        lambda path: encode_part(shared.value, path))
    step = wave or max(1, int(spark.sparkContext.defaultParallelism))
    labels: list[str] = []
    for first in range(0, len(parts), step):
        for ids, codes, refine_codes in spark.sparkContext.runJob(rdd, lambda rows: rows,
                                                                  list(range(first, min(first + step, len(parts))))):
            if not ids:
                continue
            ivf.add_sa_codes(codes, np.arange(len(labels), len(labels) + len(ids), dtype=np.int64))
            if refine is not None:
                refine.add_sa_codes(refine_codes)
            labels.extend(ids)
    if refine is not None:
        index.ntotal = len(labels)
    shared.unpersist()
    if len(set(labels)) != len(labels):
        raise ConfigError("duplicate ids among the shards of an IVF-PQ index")
    return labels


def build_parallel(spark: Any, sample: np.ndarray, parts: list[str], params: IvfPqParams, model_id: str = "",
                   wave: int | None = None) -> ShardedIndex:
    """Train on ``sample`` (driver), encode each Parquet part of ``parts`` in a Spark task, append the codes in
    part order: the index :func:`scaleout.ivfpq.build_sharded` builds from the same parts, built in parallel."""
    start = time.perf_counter()
    index = train(sample, params)
    labels = add_parallel(spark, index, parts, wave)
    return ShardedIndex(index, labels, params, model_id, time.perf_counter() - start)
