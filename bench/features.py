"""Benchmark: member features in DuckDB SQL vs the pandas implementation, on synthetic order lines.

Usage::

    nice -n 10 .venv/bin/python bench/features.py [--lines 10000000] [--members 1000000] [--threads 0]
    nice -n 10 .venv/bin/python bench/features.py --quick          # 200k lines, 20k members: a smoke run

The synthetic tables are generated once and written to Parquet in a temporary folder; each engine
then runs in its **own fresh subprocess**, so its peak memory (``ru_maxrss``, the high-water mark of
resident memory) is its own and not the generator's or the other engine's:

* ``load``: loads the Parquet files into a DuckDB database file (``load_seconds``);
* ``duckdb``: opens that file and computes the features to a DataFrame and to a table;
* ``pandas``: reads the Parquet files into DataFrames (``pandas_frames_loaded``: resident memory
  then), then runs the same definitions (:mod:`models.features_reference`).

Prints one JSON object: data sizes, seconds and CPU seconds (all threads; fairer on a shared machine)
per engine, the speed-up in wall and CPU time, peak memory per engine subprocess (``peak_memory_gb``),
the load average, and whether both engines produced the same features for a sample of members. Targets: DuckDB <= 60 s for 10M lines and >= 5x faster
than pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

START = date(2024, 10, 1)
DAYS = 730
AS_OF = START + timedelta(days=DAYS - 60)
TABLES = ("members", "products", "orders", "reviews")
CATEGORIES = ["Outdoor", "Home", "Kitchen", "Garden", "Toys", "Beauty", "Fashion", "Sports", "Pets",
              "Electronics", "Books", "Music", "Baby", "Auto"]
SAMPLE = 2000


def _cpu() -> float:
    """CPU seconds of this process, all threads (user + system)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_gb() -> float:
    """Peak resident memory of this process so far (Linux reports ``ru_maxrss`` in KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kib / 2**20, 3)


def _rss_gb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**30, 3)


def synthesise(lines: int, members: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Canonical frames with ``lines`` order lines (about 2.5 lines per order, 3% returns)."""
    rng = np.random.default_rng(seed)
    n_products = 5000
    products = pd.DataFrame({
        "product_id": [f"P{i:05d}" for i in range(n_products)],
        "title": "item", "category": rng.choice(CATEGORIES, n_products),
        "description": "", "price": rng.gamma(2.0, 15.0, n_products).round(2), "attributes": "{}",
        "is_product": rng.random(n_products) > 0.002, "created_at": pd.Timestamp(START),
    })
    member_ids = np.array([f"M{i:07d}" for i in range(members)])
    signup = pd.Timestamp(START) + pd.to_timedelta(rng.integers(-200, DAYS, members), unit="D")
    mem = pd.DataFrame({"member_id": member_ids, "email": None, "phone": None, "first_name": None,
                        "last_name": None, "signup_date": signup.normalize(), "age_band": "25-34",
                        "city": "Leeds", "country": "UK", "channel": rng.choice(["organic", "social"], members)})
    orders_n = lines * 2 // 5
    weight = rng.gamma(0.6, 1.0, members)  # heterogeneous purchase rates
    order_member = rng.choice(members, orders_n, p=weight / weight.sum())
    order_time = (pd.Timestamp(START) + pd.to_timedelta(rng.integers(0, DAYS * 86400, orders_n), unit="s"))
    per_order = np.maximum(1, rng.poisson(1.5, orders_n))
    per_order[-1] += lines - per_order.sum() if per_order.sum() < lines else 0
    order_idx = np.repeat(np.arange(orders_n), per_order)[:lines]
    line_no = (np.arange(len(order_idx)) - np.repeat(np.cumsum(per_order) - per_order, per_order)[:lines]) + 1
    qty = rng.integers(1, 4, len(order_idx))
    ret = rng.random(len(order_idx)) < 0.03
    prod_idx = rng.integers(0, n_products, len(order_idx))
    guest = rng.random(orders_n) < 0.05
    orders = pd.DataFrame({
        "order_id": pd.Series(order_idx).map("O{:08d}".format).to_numpy(),
        "line_no": line_no.astype(np.int32),
        "member_id": pd.Series(np.where(guest, None, member_ids[order_member]))[order_idx].to_numpy(),
        "product_id": products["product_id"].to_numpy()[prod_idx],
        "quantity": np.where(ret, -qty, qty).astype(np.int32),
        "unit_price": products["price"].to_numpy()[prod_idx],
        "ordered_at": order_time[order_idx] + pd.to_timedelta(np.where(ret, 5, 0), unit="D"),
        "is_return": ret, "country": "UK", "channel": "web",
    })
    n_rev = max(1, lines // 20)
    reviews = pd.DataFrame({
        "review_id": [f"R{i}" for i in range(n_rev)], "product_id": products["product_id"].to_numpy()[
            rng.integers(0, n_products, n_rev)],
        "member_id": member_ids[rng.integers(0, members, n_rev)], "rating": rng.integers(1, 6, n_rev),
        "text": "ok", "created_at": pd.Timestamp(START) + pd.to_timedelta(rng.integers(0, DAYS, n_rev), unit="D"),
        "verified_purchase": True,
    })
    return {"members": mem, "products": products, "orders": orders, "reviews": reviews}


# ----- engines (each runs in its own subprocess) ------------------------------------------------

def load_duckdb(data: Path, threads: int) -> dict[str, Any]:
    """Load the Parquet files into a DuckDB database file (its own subprocess: not counted below)."""
    import duckdb

    con = duckdb.connect(str(data / "bench.duckdb"))
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    t0 = time.perf_counter()
    for name in TABLES:
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{data / (name + '.parquet')}')")
    from memberinsight.workspace.clean import ensure_clean_relations

    ensure_clean_relations(con)  # clean_orders / clean_members: what the features read (pass-through here)
    con.close()
    return {"load_seconds": round(time.perf_counter() - t0, 2), "peak_rss_gb": _peak_gb()}


def run_duckdb(data: Path, threads: int) -> dict[str, Any]:
    """Open the loaded DuckDB file and compute the features (to a DataFrame, then to a table)."""
    import duckdb

    from memberinsight.models.features import compute_features, materialise_features, top_categories

    con = duckdb.connect(str(data / "bench.duckdb"))
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    cats = top_categories(con, AS_OF)
    t0, c0 = time.perf_counter(), _cpu()
    df = compute_features(con, AS_OF, cats)
    sql_s, sql_cpu = time.perf_counter() - t0, _cpu() - c0
    t0 = time.perf_counter()
    n_table = materialise_features(con, "member_features", AS_OF, cats)
    table_s = time.perf_counter() - t0
    con.close()
    _save_sample(df, data / "sample_duckdb.parquet")
    return {"seconds": round(sql_s, 2), "cpu_seconds": round(sql_cpu, 2), "to_table_seconds": round(table_s, 2),
            "feature_rows": int(len(df)), "feature_columns": int(df.shape[1] - 1), "table_rows": n_table,
            "categories": cats, "peak_rss_gb": _peak_gb()}


def run_pandas(data: Path, categories: list[str]) -> dict[str, Any]:
    """Read the Parquet files into DataFrames, then compute the features with pandas group-bys."""
    from memberinsight.models.features_reference import reference_features

    frames = {name: pd.read_parquet(data / f"{name}.parquet") for name in TABLES}
    base = _rss_gb()
    t0, c0 = time.perf_counter(), _cpu()
    ref = reference_features(frames["members"], frames["products"], frames["orders"], frames["reviews"],
                             AS_OF, categories)
    pd_s, pd_cpu = time.perf_counter() - t0, _cpu() - c0
    _save_sample(ref, data / "sample_pandas.parquet")
    return {"seconds": round(pd_s, 2), "cpu_seconds": round(pd_cpu, 2), "feature_rows": int(len(ref)),
            "rss_after_load_gb": base, "peak_rss_gb": _peak_gb()}


def _save_sample(df: pd.DataFrame, path: Path) -> None:
    ids = df["member_id"].sort_values().iloc[:: max(1, len(df) // SAMPLE)]
    df[df["member_id"].isin(ids)].sort_values("member_id").to_parquet(path, index=False)


def _child(engine: str, data: Path, extra: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--engine", engine, "--data", str(data), *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _same(data: Path) -> bool:
    a = pd.read_parquet(data / "sample_duckdb.parquet").set_index("member_id")
    b = pd.read_parquet(data / "sample_pandas.parquet").set_index("member_id")
    if list(a.index) != list(b.index) or list(a.columns) != list(b.columns):
        return False
    num = [c for c in a.columns if c not in ("age_band", "channel", "country")]
    return bool(np.allclose(a[num].astype(float).to_numpy(), b[num].astype(float).to_numpy(),
                            rtol=1e-9, atol=1e-6, equal_nan=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="small smoke run: 200k lines, 20k members")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0 = DuckDB default)")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--engine", choices=("load", "duckdb", "pandas"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--categories", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine == "load":
        print(json.dumps(load_duckdb(args.data, args.threads)))
        return
    if args.engine == "duckdb":
        print(json.dumps(run_duckdb(args.data, args.threads)))
        return
    if args.engine == "pandas":
        print(json.dumps(run_pandas(args.data, json.loads(args.categories))))
        return
    if args.quick:
        args.lines, args.members = 200_000, 20_000

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        t0 = time.perf_counter()
        frames = synthesise(args.lines, args.members)
        gen_s = time.perf_counter() - t0
        sizes = {"lines": int(len(frames["orders"])), "members": int(len(frames["members"])),
                 "orders": int(frames["orders"]["order_id"].nunique())}
        for name, df in frames.items():
            df.to_parquet(data / f"{name}.parquet", index=False)
        del frames
        load = _child("load", data, ["--threads", str(args.threads)])
        duck = _child("duckdb", data, ["--threads", str(args.threads)])
        result: dict[str, Any] = {**sizes, "feature_rows": duck["feature_rows"],
                                  "feature_columns": duck["feature_columns"], "as_of": AS_OF.isoformat(),
                                  "cpu_count": os.cpu_count(), "generate_seconds": round(gen_s, 2),
                                  "load_seconds": load["load_seconds"], "duckdb_seconds": duck["seconds"],
                                  "duckdb_cpu_seconds": duck["cpu_seconds"],
                                  "duckdb_to_table_seconds": duck["to_table_seconds"], "table_rows": duck["table_rows"],
                                  "peak_memory_gb": {"duckdb": duck["peak_rss_gb"],
                                                     "duckdb_load_step": load["peak_rss_gb"]}}
        if not args.skip_pandas:
            pand = _child("pandas", data, ["--categories", json.dumps(duck["categories"])])
            result.update({
                "pandas_seconds": pand["seconds"], "pandas_cpu_seconds": pand["cpu_seconds"],
                "speedup_vs_pandas": round(pand["seconds"] / duck["seconds"], 2) if duck["seconds"] else None,
                "cpu_ratio_vs_pandas": round(pand["cpu_seconds"] / duck["cpu_seconds"], 2)
                if duck["cpu_seconds"] else None,
                "same_results_on_sample": _same(data) and pand["feature_rows"] == duck["feature_rows"]})
            result["peak_memory_gb"]["pandas"] = pand["peak_rss_gb"]
            result["peak_memory_gb"]["pandas_frames_loaded"] = pand["rss_after_load_gb"]
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    result["targets"] = {"duckdb_le_60s": result["duckdb_seconds"] <= 60,
                         "wall_speedup_ge_5x": (result.get("speedup_vs_pandas") or 0) >= 5,
                         "cpu_speedup_ge_5x": (result.get("cpu_ratio_vs_pandas") or 0) >= 5}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
