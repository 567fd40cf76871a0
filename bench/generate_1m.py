"""Benchmark: ``memberinsight generate --members 1000000`` (time, peak memory, output size).

Runs the generator in a child process into a temporary folder, measures wall time and the
child's peak RSS (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``), counts the rows, prints one
JSON object and deletes the output. A 2,000-member run in the same process tree gives a
baseline so the figures can be compared across machines (``seconds_per_member_ratio``).

    nice -n 10 .venv/bin/python bench/generate_1m.py [--members 1000000] [--seed 7]
    nice -n 10 .venv/bin/python bench/generate_1m.py --quick     # 20,000 members: checks the script works
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = (
    "import sys, json; from pathlib import Path; from memberinsight.workspace.demo import generate_demo; "
    "s = generate_demo(Path(sys.argv[1]), members=int(sys.argv[2]), seed=int(sys.argv[3]), show_progress=True); "
    "print(json.dumps(s.counts))"
)


def _run(out: Path, members: int, seed: int) -> dict[str, object]:
    """Generate in a fresh child process; wall time, row counts and that child's peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(out), str(members), str(seed)],
                          check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in out.glob("*.csv"))
    # ru_maxrss of RUSAGE_CHILDREN is the max over children so far: run the big job last.
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(max(peak_kib, before) / 1024, 1),
            "counts": counts, "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="20,000 members (a quick check, not the benchmark).")
    args = parser.parse_args()
    if args.quick:
        args.members = 20_000
    tmp = Path(tempfile.mkdtemp(prefix="mi_generate_bench_"))
    try:
        base = _run(tmp / "baseline", 2000, args.seed)
        big = _run(tmp / "big", args.members, args.seed)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    counts = big["counts"]
    result = {
        "members": args.members,
        "order_lines": counts["orders"],
        "reviews": counts["reviews"],
        "seconds": big["seconds"],
        "peak_rss_mib": big["peak_rss_mib"],
        "output_mib": round(big["bytes"] / 2**20, 1),
        "lines_per_second": round(counts["orders"] / big["seconds"]),
        "baseline_2000_members_seconds": base["seconds"],
        "baseline_peak_rss_mib": base["peak_rss_mib"],
        "seconds_per_member_ratio": round((big["seconds"] / args.members) / (base["seconds"] / 2000), 3),
        "cpu_count": os.cpu_count(),
        "targets": {"peak_rss_mib_below": 4096, "seconds_below": 600},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
