"""Benchmark: IVF-PQ shards added one after another on the driver vs encoded in parallel Spark tasks.

Usage::

    nice -n 10 .venv/bin/python bench/spark_ivfpq_parallel.py [--vectors 300000] [--parts 16] [--master local[2]]

Writes ``--vectors`` synthetic 384-d embeddings (``bench/spark.py``'s generator) as ``--parts`` Parquet part
files, trains one IVF-PQ (the defaults of :meth:`scaleout.ivfpq.IvfPqParams.auto`, sq8 re-rank) on a 100k
sample once, then adds the parts to two copies of the trained index: one after another on the driver
(:func:`scaleout.ivfpq.build_sharded`'s loop; FAISS encodes with every core of the driver) and with
:func:`scaleout.ivfpq_parallel.add_parallel` (Spark tasks encode, one core each; the driver appends).
Prints one JSON object: training seconds, the wall seconds of each add, whether the two index files are
byte-identical, and the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def write_parts(vectors: np.ndarray, folder: Path, parts: int) -> list[str]:
    """The vectors as ``parts`` Parquet files (``id``, ``vector``), ids in row order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, rows in enumerate(np.array_split(np.arange(len(vectors)), parts)):
        values = pa.array(vectors[rows].reshape(-1), type=pa.float32())
        column = pa.FixedSizeListArray.from_arrays(values, vectors.shape[1]).cast(pa.list_(pa.float32()))
        path = folder / f"part-{i:05d}.parquet"
        pq.write_table(pa.table({"id": [str(r) for r in rows], "vector": column}), path)
        paths.append(str(path))
    return paths


def run(n: int, parts: int, master: str) -> dict[str, Any]:
    import faiss
    from spark import synthetic_embeddings  # bench/spark.py

    from memberinsight.config import load_settings
    from memberinsight.scaleout import spark_session
    from memberinsight.scaleout.ivfpq import IvfPqParams, parquet_shards, train
    from memberinsight.scaleout.ivfpq_parallel import add_parallel

    load = [round(x, 2) for x in os.getloadavg()]
    vectors = synthetic_embeddings(n)
    params = IvfPqParams.auto(n, vectors.shape[1])
    rng = np.random.default_rng(1)
    sample = vectors[np.sort(rng.choice(n, min(n, 100_000), replace=False))]
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_parts(vectors, Path(tmp) / "vectors", parts)
        del vectors
        t0 = time.perf_counter()
        blob = faiss.serialize_index(train(sample, params))
        train_s = time.perf_counter() - t0
        spark = spark_session(load_settings(engine_spark_master=master,
                                            engine_spark_conf={"spark.ui.enabled": "false"}),
                              app_name="bench-ivfpq-parallel")
        spark.sparkContext.parallelize([0, 1], 2).count()  # workers started before timing
        sequential = faiss.deserialize_index(blob)
        t0 = time.perf_counter()
        for _, shard in parquet_shards(Path(tmp) / "vectors"):  # build_sharded's add loop
            sequential.add(np.ascontiguousarray(shard, dtype=np.float32))
        seq_s = time.perf_counter() - t0
        parallel = faiss.deserialize_index(blob)
        t0 = time.perf_counter()
        add_parallel(spark, parallel, paths)
        par_s = time.perf_counter() - t0
        same = bytes(faiss.serialize_index(parallel)) == bytes(faiss.serialize_index(sequential))
        spark.stop()
    return {"vectors": n, "parts": parts, "master": master, "params": params.__dict__, "trained_on": len(sample),
            "train_seconds": round(train_s, 1), "add_sequential_seconds": round(seq_s, 1),
            "add_parallel_seconds": round(par_s, 1), "speedup": round(seq_s / max(1e-9, par_s), 2),
            "driver_faiss_threads": faiss.omp_get_max_threads(), "identical_index": same, "cores": os.cpu_count(),
            "load_before": load, "load_after": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=300_000)
    parser.add_argument("--parts", type=int, default=16)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    print(json.dumps(run(args.vectors, args.parts, args.master), indent=2))


if __name__ == "__main__":
    main()
