"""Benchmark: features + RFM segments on Spark (local[N]) vs DuckDB, same SQL, same synthetic order lines.

Usage::

    nice -n 10 .venv/bin/python bench/spark.py [--lines 1000000 3000000 10000000] [--master local[2]]
    nice -n 10 .venv/bin/python bench/spark.py --quick        # 200k lines: a smoke run
    nice -n 10 .venv/bin/python bench/spark.py --scoring WORKSPACE [--members 20000]
    nice -n 10 .venv/bin/python bench/spark.py --ivfpq [--workspace WS] [--vectors 1000000]

For each size the synthetic shop of ``bench/features.py`` (members = lines / 10) is written once as a
Parquet lake (the layout of :mod:`scaleout.lake`). Then, each in its own subprocess:

* ``duckdb``: load the lake into a DuckDB file (not timed), then features as of the cutoff
  (``materialise_features``) and RFM scores and segments (``models.segments.rfm_sql``) into tables;
* ``spark``: start a session (timed apart: ``startup_seconds``), then :func:`scaleout.build_on_spark`
  (read the lake, features, RFM, both written as Parquet).

Prints one JSON object: per size, seconds per engine, the ratio Spark / DuckDB, members, and whether
both engines agree on the member count and total net spend, the load average before and after (the
machine may be shared), and with two sizes or more a straight-line fit per engine (``growth``: fixed
seconds and seconds per million lines). On one box Spark is expected to be slower (JVM, shuffle to disk,
task scheduling); the growth of its time with the data is what sizes a cluster (docs/scale.md).

``--scoring WORKSPACE`` instead times the per-partition work of distributed scoring on one core: the
workspace's shipped models (:func:`scaleout.scoring.score_frame`: churn with reasons, purchases, spend,
CLV, next order) over its member features repeated to ``--members`` rows, and the item-kNN lists
(:meth:`scaleout.recommend.KNNScorer.recommend`) of its members; milliseconds per member.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
TABLES = ("members", "products", "orders", "reviews")


def write_lake(lines: int, root: Path) -> int:
    """The synthetic shop of bench/features.py as a Parquet lake; returns its member count."""
    sys.path.insert(0, str(HERE))
    from features import synthesise  # bench/features.py

    frames = synthesise(lines, max(1000, lines // 10))
    for name in TABLES:
        (root / name).mkdir(parents=True, exist_ok=True)
        frames[name].to_parquet(root / name / "part-00000.parquet", index=False)
    return len(frames["members"])


def run_duckdb(lake: Path) -> dict[str, Any]:
    """Load the lake into DuckDB (untimed), then time features + RFM into tables."""
    import duckdb

    from memberinsight.models.features import latest_order_date, materialise_features, top_categories
    from memberinsight.models.segments import rfm_sql
    from memberinsight.workspace.clean import ensure_clean_relations

    con = duckdb.connect(str(lake.parent / "bench.duckdb"))
    for name in TABLES:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet('{lake / name}/*.parquet')")
    ensure_clean_relations(con)
    t0 = time.perf_counter()
    as_of = latest_order_date(con)
    n = materialise_features(con, "member_features", as_of, top_categories(con, as_of))
    t1 = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TABLE member_segments AS {rfm_sql('member_features')}")
    t2 = time.perf_counter()
    spend = con.execute("SELECT sum(monetary) FROM member_features").fetchall()[0][0]
    return {"seconds": round(t2 - t0, 2), "features_seconds": round(t1 - t0, 2),
            "segments_seconds": round(t2 - t1, 2), "members": n, "net_spend": round(float(spend), 2)}


def run_spark(lake: Path, master: str) -> dict[str, Any]:
    """Start Spark (timed apart), then time the Spark build of features + RFM."""
    from memberinsight.config import load_settings
    from memberinsight.scaleout import build_on_spark, spark_session

    settings = load_settings(engine_spark_master=master, engine_spark_conf={
        "spark.driver.memory": os.environ.get("BENCH_SPARK_MEMORY", "6g"),
        "spark.sql.shuffle.partitions": os.environ.get("BENCH_SPARK_PARTITIONS", "16")})
    t0 = time.perf_counter()
    spark = spark_session(settings, app_name="bench")
    startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = build_on_spark(settings, str(lake), str(lake.parent / "outputs"), spark=spark)
    seconds = time.perf_counter() - t0
    spend = spark.read.parquet(str(lake.parent / "outputs" / "member_features")).agg({"monetary": "sum"}).collect()[0][0]
    return {"seconds": round(seconds, 2), "startup_seconds": round(startup, 2), "steps": report.seconds,
            "members": report.rows["member_features"], "net_spend": round(float(spend), 2)}


def run_scoring(workspace: Path, members: int) -> dict[str, Any]:
    """Per-member cost, on one core, of the work each Spark task does when scoring (no Spark overhead)."""
    import pandas as pd

    from memberinsight.models.build import get_info
    from memberinsight.models.recommenders.interactions import load_lines
    from memberinsight.scaleout.recommend import load_knn
    from memberinsight.scaleout.scoring import load_scorers, score_frame
    from memberinsight.workspace import Workspace

    ws = Workspace.open(workspace)
    models, knn = load_scorers(ws), load_knn(ws)
    with ws.analytics(read_only=True) as con:
        feats = con.execute("SELECT * FROM member_features").df()
        as_of = pd.Timestamp(get_info(con, "as_of")).date()
    copies = max(1, members // len(feats))
    big = pd.concat([feats.assign(member_id=feats["member_id"] + f"-{i}") for i in range(copies)], ignore_index=True)
    t0 = time.process_time()
    scored = score_frame(models, big, as_of)
    score_cpu = time.process_time() - t0
    lines = load_lines(ws)
    lines = lines[lines["ordered_at"] < knn.as_of].assign(line_no=lambda f: range(len(f)))  # in load order
    t0 = time.process_time()
    recs = knn.recommend(lines, 10)
    knn_cpu = time.process_time() - t0
    n_warm = int(lines["member_id"].nunique())
    return {"members": len(big), "buyers_scored": len(scored), "score_cpu_seconds": round(score_cpu, 2),
            "score_ms_per_buyer": round(1000 * score_cpu / max(len(scored), 1), 3),
            "knn_members": n_warm, "knn_cpu_seconds": round(knn_cpu, 2), "knn_rows": len(recs),
            "knn_ms_per_member": round(1000 * knn_cpu / max(n_warm, 1), 3),
            "products": len(knn.product_ids), "similarity_nnz": int(knn.similarity.nnz),
            "models": models.describe(), "load_average": round(os.getloadavg()[0], 2)}


def synthetic_embeddings(n: int, d: int = 384, seed: int = 0, latent: int = 64, spread: float = 0.5) -> np.ndarray:
    """``n`` unit vectors shaped like sentence embeddings: topics (4 sqrt(n) centres) in a 64-d latent space
    projected to ``d`` dimensions, plus ``spread`` within a topic (1.0: as wide as the topics themselves,
    neighbours far less distinct) and a little isotropic noise."""
    rng = np.random.default_rng(seed)
    centres = max(16, int(4 * np.sqrt(n)))
    proj = (rng.normal(size=(latent, d)) / np.sqrt(latent)).astype(np.float32)
    topics = rng.normal(size=(centres, latent)).astype(np.float32)
    out = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 100_000):
        size = min(n, start + 100_000) - start
        z = topics[rng.integers(0, centres, size)] + spread * rng.normal(size=(size, latent)).astype(np.float32)
        v = z @ proj + 0.05 * rng.normal(size=(size, d)).astype(np.float32)
        out[start:start + size] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _ivfpq_case(vectors: np.ndarray, queries: np.ndarray, nprobes: list[int], shard: int) -> dict[str, Any]:
    from memberinsight.scaleout.ivfpq import IvfPqParams, build_sharded, recall_and_latency

    n, d = vectors.shape
    params = IvfPqParams.auto(n, d)
    rng = np.random.default_rng(1)
    sample = vectors[np.sort(rng.choice(n, min(n, 100_000), replace=False))]
    shards = (([str(i) for i in range(s, min(n, s + shard))], vectors[s:s + shard]) for s in range(0, n, shard))
    t0 = time.perf_counter()
    index = build_sharded(sample, shards, params)
    built = time.perf_counter() - t0
    sweep = {str(p): recall_and_latency(index, vectors, queries, k=10, nprobe=p)
             for p in sorted({min(params.nlist, x) for x in nprobes})}
    return {"vectors": n, "dimension": d, "params": params.__dict__, "trained_on": len(sample),
            "build_seconds": round(built, 1), "bytes_per_vector": params.bytes_per_vector(d),
            "flat_bytes_per_vector": 4 * d, "by_nprobe": sweep}


def run_ivfpq(workspace: Path | None, n: int, nprobes: list[int], spread: float = 0.5) -> dict[str, Any]:
    """recall@10 against exact search and p50 / p99 latency of the IVF-PQ (scaleout.ivfpq, its default
    parameters) on a workspace's product and review vectors and on ``n`` synthetic 384-d vectors."""
    out: dict[str, Any] = {"cpus": os.cpu_count(), "load_average_before": round(os.getloadavg()[0], 2)}
    if workspace is not None:
        from memberinsight.retrieval.index import VectorIndex
        from memberinsight.workspace import Workspace

        ws = Workspace.open(workspace)
        for kind in ("products", "reviews"):
            _, vectors = VectorIndex.load(ws.indexes_dir, kind).all_vectors()
            out[kind] = _ivfpq_case(vectors, vectors, nprobes, shard=1000)  # every vector as a query
    t0 = time.perf_counter()
    vectors = synthetic_embeddings(n, spread=spread)
    rng = np.random.default_rng(2)
    queries = vectors[rng.choice(n, 1000, replace=False)] + 0.02 * rng.normal(size=(1000, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    out["synthetic"] = {"generate_seconds": round(time.perf_counter() - t0, 1), "spread": spread,
                        **_ivfpq_case(vectors, queries, nprobes, shard=100_000)}
    out["load_average_after"] = round(os.getloadavg()[0], 2)
    return out


def growth(sizes: dict[str, Any], engine: str) -> dict[str, float]:
    """Least-squares ``seconds = fixed + per_million_lines * millions`` over the measured sizes."""
    import numpy as np

    x = np.array([int(k) / 1e6 for k in sizes], dtype=float)
    y = np.array([v[engine]["seconds"] for v in sizes.values()], dtype=float)
    slope, fixed = np.polyfit(x, y, 1)
    return {"fixed_seconds": round(float(fixed), 2), "seconds_per_million_lines": round(float(slope), 2)}


def _child(engine: str, lake: Path, master: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", engine, str(lake), "--master", master],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 3_000_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--quick", action="store_true", help="200k lines only")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--scoring", type=Path, help="time per-member scoring with this built workspace's models")
    parser.add_argument("--members", type=int, default=20_000, help="with --scoring: members to score")
    parser.add_argument("--ivfpq", action="store_true", help="IVF-PQ recall@10 and latency (scaleout.ivfpq)")
    parser.add_argument("--workspace", type=Path, help="with --ivfpq: a built workspace's product / review vectors")
    parser.add_argument("--vectors", type=int, default=1_000_000, help="with --ivfpq: synthetic 384-d vectors")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[4, 8, 16, 32, 64], help="with --ivfpq")
    parser.add_argument("--spread", type=float, default=0.5, help="with --ivfpq: synthetic topic width")
    args = parser.parse_args()
    if args.ivfpq:
        print(json.dumps(run_ivfpq(args.workspace, args.vectors, args.nprobe, args.spread), indent=2))
        return
    if args.scoring:
        print(json.dumps(run_scoring(args.scoring, args.members), indent=2))
        return
    if args.child:
        engine, lake = args.child
        result = run_duckdb(Path(lake)) if engine == "duckdb" else run_spark(Path(lake), args.master)
        print(json.dumps(result))
        return
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:  # `make bench` without the [spark] extra
        print(json.dumps({"skipped": "pyspark is not installed (scripts/setup.sh --spark)"}))
        return
    sizes = [200_000] if args.quick else args.lines
    results: dict[str, Any] = {"master": args.master, "cpus": os.cpu_count(), "sizes": {}}
    for lines in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_spark_") as tmp:
            lake = Path(tmp) / "lake"
            members = write_lake(lines, lake)
            load_before = os.getloadavg()[0]  # the machine is shared: other people's work shows here
            duck = _child("duckdb", lake, args.master)
            spark = _child("spark", lake, args.master)
            results["sizes"][str(lines)] = {
                "members": members, "duckdb": duck, "spark": spark,
                "ratio_spark_over_duckdb": round(spark["seconds"] / max(duck["seconds"], 1e-9), 1),
                "same_members": duck["members"] == spark["members"],
                "same_net_spend": abs(duck["net_spend"] - spark["net_spend"]) <= 1e-6 * max(1.0, abs(duck["net_spend"])),
                "load_average_before": round(load_before, 2), "load_average": round(os.getloadavg()[0], 2),
            }
        print(json.dumps(results["sizes"][str(lines)]), file=sys.stderr, flush=True)
    if len(results["sizes"]) >= 2:
        results["growth"] = {e: growth(results["sizes"], e) for e in ("duckdb", "spark")}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
