"""Benchmark: member features in DuckDB SQL vs the pandas implementation, on synthetic order lines.

Usage::

    nice -n 10 .venv/bin/python bench/features.py [--lines 10000000] [--members 1000000] [--threads 0]

Prints one JSON object: data sizes, DuckDB seconds (to a DataFrame and to a table), pandas seconds
(same definitions, :mod:`models.features_reference`, on frames already in memory), the speed-up
ratio in wall time and in CPU time (all threads; fairer on a shared machine), peak memory, the
load average, and whether both produced the same features for a sample of members.
Targets: DuckDB <= 60 s for 10M lines and >= 5x faster than pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import psutil

from models.features import compute_features, materialise_features, top_categories
from models.features_reference import reference_features

START = date(2024, 10, 1)
DAYS = 730
CATEGORIES = ["Outdoor", "Home", "Kitchen", "Garden", "Toys", "Beauty", "Fashion", "Sports", "Pets",
              "Electronics", "Books", "Music", "Baby", "Auto"]


def _cpu() -> float:
    """CPU seconds of this process, all threads (user + system)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0 = DuckDB default)")
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()
    proc = psutil.Process()

    t0 = time.perf_counter()
    frames = synthesise(args.lines, args.members)
    gen_s = time.perf_counter() - t0
    as_of = START + timedelta(days=DAYS - 60)

    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(os.path.join(tmp, "bench.duckdb"))
        if args.threads:
            con.execute(f"SET threads = {args.threads}")
        t0 = time.perf_counter()
        for name, df in frames.items():
            con.register("_df", df)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _df")
            con.unregister("_df")
        load_s = time.perf_counter() - t0
        cats = top_categories(con, as_of)

        t0, c0 = time.perf_counter(), _cpu()
        sql_df = compute_features(con, as_of, cats)
        sql_s, sql_cpu = time.perf_counter() - t0, _cpu() - c0
        t0 = time.perf_counter()
        n_table = materialise_features(con, "member_features", as_of, cats)
        table_s = time.perf_counter() - t0
        con.close()

    result = {
        "lines": int(len(frames["orders"])), "members": int(len(frames["members"])),
        "orders": int(frames["orders"]["order_id"].nunique()), "feature_rows": int(len(sql_df)),
        "feature_columns": int(sql_df.shape[1] - 1), "as_of": as_of.isoformat(),
        "cpu_count": os.cpu_count(), "generate_seconds": round(gen_s, 2), "load_seconds": round(load_s, 2),
        "duckdb_seconds": round(sql_s, 2), "duckdb_cpu_seconds": round(sql_cpu, 2),
        "duckdb_to_table_seconds": round(table_s, 2),
        "table_rows": n_table,
    }
    if not args.skip_pandas:
        t0, c0 = time.perf_counter(), _cpu()
        ref = reference_features(frames["members"], frames["products"], frames["orders"], frames["reviews"],
                                 as_of, cats)
        pd_s, pd_cpu = time.perf_counter() - t0, _cpu() - c0
        sample = sql_df["member_id"].sample(min(2000, len(sql_df)), random_state=0)
        a = sql_df.set_index("member_id").loc[sample]
        b = ref.set_index("member_id").loc[sample]
        num = [c for c in a.columns if c not in ("age_band", "channel", "country")]
        same = bool(np.allclose(a[num].astype(float).to_numpy(), b[num].astype(float).to_numpy(),
                                rtol=1e-9, atol=1e-6, equal_nan=True)) and len(ref) == len(sql_df)
        result.update({"pandas_seconds": round(pd_s, 2), "pandas_cpu_seconds": round(pd_cpu, 2),
                       "speedup_vs_pandas": round(pd_s / sql_s, 2),
                       "cpu_ratio_vs_pandas": round(pd_cpu / sql_cpu, 2) if sql_cpu else None,
                       "same_results_on_sample": same})
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    result["peak_rss_gb"] = round(proc.memory_info().rss / 2**30, 2)
    result["targets"] = {"duckdb_le_60s": result["duckdb_seconds"] <= 60,
                         "wall_speedup_ge_5x": result.get("speedup_vs_pandas", 0) >= 5,
                         "cpu_speedup_ge_5x": (result.get("cpu_ratio_vs_pandas") or 0) >= 5}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
