"""Benchmark: a full fraud scan (rules, anomalies, brushing, rings, scoring, queue) per million order lines.

For each ``--members`` size: generates the demo shop with planted fraud and ingests it (IPs, addresses
and cards hashed) in one child process, then, in a fresh child process, times
``scan_workspace(full=True)`` phase by phase and samples that process's resident memory (DuckDB
works inside the process, so its memory is included) every 50 ms. The scan
time per million order lines and the peak memory are fitted linearly over the sizes and extrapolated
to ``--target-lines`` (10 million by default; the issue's bar is 5 minutes). The scan's CPU time (user +
system, all threads) is reported beside the wall time: on a shared machine the wall time includes
waiting for a core. Prints one JSON object.

    nice -n 10 .venv/bin/python bench/fraud.py --members 80000 160000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# bench/ holds scripts named like the packages (fraud.py, screening.py): never import from here
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

TARGET_SECONDS = 300.0


class PeakMemory:
    """Samples this process's resident memory in a background thread; ``peak_mb`` after ``stop()``."""

    def __init__(self, every_s: float = 0.05) -> None:
        import psutil

        self._process = psutil.Process()
        self._every = every_s
        self._stop = threading.Event()
        self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self.start_rss = self._process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)


def prepare(root: Path, members: int, seed: int) -> dict[str, object]:
    """Generate the shop with planted fraud and ingest it (IPs, addresses, cards hashed)."""
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.demo.fraud import generate_fraud_demo
    from memberinsight.workspace.ingest import ingest_directory

    folder = root / f"m{members}"
    t0 = time.perf_counter()
    generate_fraud_demo(folder / "csv", members=members, seed=seed)
    generated = time.perf_counter() - t0
    t0 = time.perf_counter()
    ingest_directory(Workspace.create(folder / "workspace"), folder / "csv")
    return {"workspace": str(folder / "workspace"), "generate_seconds": round(generated, 1),
            "ingest_seconds": round(time.perf_counter() - t0, 1)}


def scan(workspace: Path) -> dict[str, object]:
    """One full scan of ``workspace`` in this (fresh) process: timings, CPU time, peak memory."""
    from memberinsight.fraud.scan import scan_workspace
    from memberinsight.workspace import Workspace

    ws = Workspace.open(workspace)
    with ws.analytics(read_only=True) as con:
        lines, orders = con.execute("SELECT count(*), count(DISTINCT order_id) FROM orders").fetchall()[0]
    cpu0 = os.times()
    with PeakMemory() as memory:
        result = scan_workspace(ws, full=True)
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    s = result.scan
    return {"order_lines": int(lines), "orders": int(orders), "scan_seconds": s.seconds["total"],
            "scan_cpu_seconds": round(cpu, 1), "phases": s.seconds,
            "scan_seconds_per_million_lines": round(s.seconds["total"] / (lines / 1e6), 2),
            "rss_before_mb": round(memory.start_rss / 2**20, 1), "peak_rss_mb": memory.peak_mb,
            "queued": s.queued, "bursts": s.bursts, "rings": s.rings}


def _child(*args: str) -> dict[str, object]:
    """Run this script with ``args`` in a fresh Python process (so each scan's memory is its own)."""
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], check=True, capture_output=True,
                          text=True)
    return dict(json.loads(done.stdout))


def run_size(root: Path, members: int, seed: int) -> dict[str, object]:
    """Prepare one shop size, then scan it in a fresh process."""
    prepared = _child("--prepare", str(root), str(members), str(seed))
    return {"members": members, **prepared, **_child("--scan", str(prepared["workspace"]))}


def _fit(xs: list[float], ys: list[float], at: float) -> float:
    """Least-squares line through (xs, ys), evaluated at ``at`` (one point: proportional)."""
    if len(xs) == 1:
        return ys[0] / xs[0] * at
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return my + slope * (at - mx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[80_000, 160_000],
                        help="Shop sizes (about 6.3 order lines per member).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target-lines", type=float, default=10e6)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep files here (default: a temp dir).")
    parser.add_argument("--prepare", nargs=3, metavar=("ROOT", "MEMBERS", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--scan", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare(Path(args.prepare[0]), int(args.prepare[1]), int(args.prepare[2]))))
        return
    if args.scan:
        print(json.dumps(scan(args.scan)))
        return
    root = args.workdir or Path(tempfile.mkdtemp(prefix="bench_fraud_"))
    os.environ.setdefault("MEMBERINSIGHT_HOME", str(root / "home"))  # children inherit it
    runs = [run_size(root, m, args.seed) for m in sorted(args.members)]
    xs = [float(r["order_lines"]) for r in runs]  # type: ignore[arg-type]
    seconds = _fit(xs, [float(r["scan_seconds"]) for r in runs], args.target_lines)  # type: ignore[arg-type]
    cpu = _fit(xs, [float(r["scan_cpu_seconds"]) for r in runs], args.target_lines)  # type: ignore[arg-type]
    peak = _fit(xs, [float(r["peak_rss_mb"]) for r in runs], args.target_lines)  # type: ignore[arg-type]
    out = {"cpu_count": os.cpu_count(), "runs": runs, "target_lines": int(args.target_lines),
           "extrapolated_scan_seconds": round(seconds, 1), "extrapolated_scan_cpu_seconds": round(cpu, 1),
           "extrapolated_peak_rss_mb": round(peak, 1),
           "target_seconds": TARGET_SECONDS, "within_target": seconds <= TARGET_SECONDS,
           "method": "linear least-squares fit of scan seconds and peak RSS against order lines over the runs"}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
