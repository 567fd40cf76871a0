"""Benchmark: building the interaction matrix and training item-kNN and ALS on ~10M order lines.

Synthesises order lines with numpy (power-law product popularity inside 200 categories, members with
a favourite category and log-normal activity, 3% returns, quantities, two years of timestamps),
runs the production code path (``build_interactions`` on a DataFrame with string ids, then
``ItemKNNRecommender.fit`` and ``ALSRecommender.fit``) and prints JSON: seconds and peak RSS per
phase (RSS sampled every 20 ms), the popularity model as the in-run baseline, and top-10 scoring
throughput. Target: item-kNN and ALS each fit in <= 5 minutes and the whole run stays under 8 GiB.

Run once, niced:  ``nice -n 10 .venv/bin/python bench/recommenders.py [--lines 10000000]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

# bench/ holds scripts named like packages (bench/retrieval.py): keep them from shadowing the real ones
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


class PeakRSS:
    """Samples the process RSS in a thread; ``peak`` since the last ``reset``."""

    def __init__(self, interval: float = 0.02) -> None:
        self.proc = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(self.interval)

    def start(self) -> PeakRSS:
        self._thread.start()
        return self

    def reset(self) -> None:
        self.peak = self.proc.memory_info().rss

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def synthesise(n_lines: int, n_members: int, n_products: int, seed: int = 7) -> pd.DataFrame:
    """Order lines with realistic skew: member_id, product_id, order_id, quantity, ordered_at, is_return."""
    rng = np.random.default_rng(seed)
    n_cat = 200
    activity = rng.lognormal(0.0, 1.0, n_members)
    per_member = np.maximum(1, np.round(activity / activity.sum() * n_lines)).astype(np.int64)
    member = np.repeat(np.arange(n_members, dtype=np.int64), per_member)[:n_lines]
    n = len(member)
    product_cat = rng.integers(0, n_cat, n_products)
    weight = 1.0 / np.arange(1, n_products + 1) ** 0.9  # power-law popularity
    rng.shuffle(weight)
    order = np.argsort(product_cat, kind="stable")
    cat_start = np.searchsorted(product_cat[order], np.arange(n_cat + 1))
    cum = np.cumsum(weight[order])
    favourite = rng.integers(0, n_cat, n_members)[member]
    use_fav = rng.random(n) < 0.7
    cat = np.where(use_fav, favourite, rng.integers(0, n_cat, n))
    lo, hi = cat_start[cat], cat_start[cat + 1]
    base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    target = base + rng.random(n) * (cum[np.maximum(hi - 1, 0)] - base)
    pos = np.clip(np.searchsorted(cum, target), lo, np.maximum(hi - 1, lo))
    product = order[pos]
    days = rng.random(n) * 730.0
    start = np.datetime64("2024-01-01T00:00:00")
    ordered_at = start + (days * 86400).astype("timedelta64[s]")
    order_no = member * 1000 + (days // 7).astype(np.int64)  # one order per member and week
    returned = rng.random(n) < 0.03
    qty = 1 + rng.poisson(0.6, n)
    return pd.DataFrame({
        "member_id": pd.Series(member).map("M{:07d}".format),
        "product_id": pd.Series(product).map("P{:06d}".format),
        "order_id": order_no,
        "quantity": np.where(returned, -qty, qty),
        "ordered_at": ordered_at,
        "is_return": returned,
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--members", type=int, default=1_900_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--neighbours", type=int, default=100)
    args = parser.parse_args()

    from memberinsight.models.recommenders import (
        ALSRecommender,
        ItemKNNRecommender,
        PopularityRecommender,
        build_interactions,
    )

    rss = PeakRSS().start()
    out: dict[str, object] = {"lines": args.lines, "members": args.members, "products": args.products,
                              "cpu_count": os.cpu_count(), "threads": os.cpu_count(),
                              "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
                              "targets": {"fit_seconds_max": 300, "peak_rss_gib_max": 8.0}}
    phases: dict[str, dict[str, float]] = {}

    @contextmanager
    def phase(name: str):
        rss.reset()
        t0, c0 = time.perf_counter(), time.process_time()
        yield
        phases[name] = {"seconds": round(time.perf_counter() - t0, 2),
                        "cpu_seconds": round(time.process_time() - c0, 2),
                        "peak_rss_gib": round(rss.peak / 2**30, 3)}
        print(f"{name}: {phases[name]}", file=sys.stderr, flush=True)

    with phase("synthesise"):
        lines = synthesise(args.lines, args.members, args.products)
    catalogue = pd.DataFrame({"product_id": [f"P{i:06d}" for i in range(args.products)],
                              "title": [f"Product {i}" for i in range(args.products)], "category": "c", "price": 1.0})
    with phase("build_interactions"):
        inter = build_interactions(lines, catalogue)
    del lines
    out["pairs"] = inter.stats["pairs"]
    out["interaction_members"] = inter.n_members
    with phase("popularity_fit"):
        pop = PopularityRecommender(half_life_days=60.0).fit(inter)
    with phase("item_knn_fit"):
        knn = ItemKNNRecommender(neighbours=args.neighbours).fit(inter)
    with phase("als_fit"):
        als = ALSRecommender(factors=args.factors, iterations=args.iterations).fit(inter)
    sample = [inter.member_ids[i] for i in np.linspace(0, inter.n_members - 1, 10_000).astype(int)]
    for name, model in (("popularity", pop), ("item_knn", knn), ("als", als)):
        with phase(f"{name}_recommend_10k"):
            model.recommend_many(sample, 10)
    rss.stop()
    out["phases"] = phases
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out["peak_rss_gib"] = round(max(p["peak_rss_gib"] for p in phases.values()), 3)
    base = max(phases["popularity_fit"]["seconds"], 1e-3)
    out["fit_seconds_vs_popularity"] = {n: round(phases[f"{n}_fit"]["seconds"] / base, 1) for n in ("item_knn", "als")}
    out["meets_targets"] = (phases["item_knn_fit"]["seconds"] <= 300 and phases["als_fit"]["seconds"] <= 300
                            and out["peak_rss_gib"] <= 8.0)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
