"""Benchmark: ingest the full UCI Online Retail export (541,909 lines, .csv.gz) into a fresh workspace.

Prints one JSON object: wall time of the first ingest (validate + derive members/products + load in one
transaction), of a re-ingest of the same file (everything unchanged), the row counts, peak RSS, and a
baseline measured in the same run: a bare ``pandas.read_csv`` of the same file (``ratio_vs_read_csv``
says how many plain reads one validated, transactional ingest costs).

    nice -n 10 .venv/bin/python bench/ingest_online_retail.py [--file ../shared/data/online_retail.csv.gz]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "online_retail.csv.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=DEFAULT)
    args = parser.parse_args()
    if not args.file.is_file():
        print(json.dumps({"skipped": f"{args.file} not found"}))
        return
    import pandas as pd

    from workspace import Workspace
    from workspace.ingest import ingest_file

    start = time.perf_counter()
    baseline = pd.read_csv(args.file, dtype=str, keep_default_na=False)
    baseline_s = time.perf_counter() - start
    del baseline
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.create(Path(tmp) / "ws")
        stages: dict[str, float] = {}
        t0 = time.perf_counter()
        report = ingest_file(ws, args.file, on_progress=lambda s: stages.setdefault(s, round(time.perf_counter() - t0, 3)))
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = ingest_file(ws, args.file)
        second_s = time.perf_counter() - t0
    print(json.dumps({
        "file": str(args.file),
        "rows_read": report.rows_read,
        "rows_loaded": report.rows_loaded,
        "rows_rejected": report.rows_rejected,
        "rejects_by_reason": report.rejects_by_reason,
        "members_created": report.auto_created.get("members", 0),
        "products_created": report.auto_created.get("products", 0),
        "ingest_seconds": round(first_s, 3),
        "stage_started_at_seconds": stages,
        "rows_per_second": round(report.rows_read / first_s),
        "reingest_seconds": round(second_s, 3),
        "reingest_rows_unchanged": again.rows_unchanged,
        "baseline_read_csv_seconds": round(baseline_s, 3),
        "ratio_vs_read_csv": round(first_s / baseline_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }, indent=2))


if __name__ == "__main__":
    sys.exit(main())
