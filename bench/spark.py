"""Benchmark: features + RFM segments on Spark (local[N]) vs DuckDB, same SQL, same synthetic order lines.

Usage::

    nice -n 10 .venv/bin/python bench/spark.py [--lines 1000000 3000000 10000000] [--master local[2]]
    nice -n 10 .venv/bin/python bench/spark.py --quick        # 200k lines: a smoke run

For each size the synthetic shop of ``bench/features.py`` (members = lines / 10) is written once as a
Parquet lake (the layout of :mod:`scaleout.lake`). Then, each in its own subprocess:

* ``duckdb``: load the lake into a DuckDB file (not timed), then features as of the cutoff
  (``materialise_features``) and RFM scores and segments (``models.segments.rfm_sql``) into tables;
* ``spark``: start a session (timed apart: ``startup_seconds``), then :func:`scaleout.build_on_spark`
  (read the lake, features, RFM, both written as Parquet).

Prints one JSON object: per size, seconds per engine, the ratio Spark / DuckDB, members, and whether
both engines agree on the member count and total net spend. On one box Spark is expected to be slower
(JVM, shuffle to disk, task scheduling); the growth of its time with the data is what sizes a cluster
(docs/scale.md).
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
    args = parser.parse_args()
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
            duck = _child("duckdb", lake, args.master)
            spark = _child("spark", lake, args.master)
            results["sizes"][str(lines)] = {
                "members": members, "duckdb": duck, "spark": spark,
                "ratio_spark_over_duckdb": round(spark["seconds"] / max(duck["seconds"], 1e-9), 1),
                "same_members": duck["members"] == spark["members"],
                "same_net_spend": abs(duck["net_spend"] - spark["net_spend"]) <= 1e-6 * max(1.0, abs(duck["net_spend"])),
                "load_average": os.getloadavg()[0],
            }
        print(json.dumps(results["sizes"][str(lines)]), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
