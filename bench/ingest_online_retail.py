"""Benchmark: ingest the full UCI Online Retail export (541,909 lines, .csv.gz) into a fresh workspace.

Prints one JSON object: wall time of the first ingest (validate + derive members/products + load in one
transaction), of a re-ingest of the same file (everything unchanged), the row counts, peak RSS, and a
baseline measured in the same run: a bare ``pandas.read_csv`` of the same file (``ratio_vs_read_csv``
says how many plain reads one validated, transactional ingest costs). ``overlap`` loads the 30,000-line
sample first and then the full file into another workspace: with content-based line numbers the full
file rejects nothing and the result equals the full file alone (``duplicates`` and ``missing`` are 0).

    nice -n 10 .venv/bin/python bench/ingest_online_retail.py [--file ../shared/data/online_retail.csv.gz]
    nice -n 10 .venv/bin/python bench/ingest_online_retail.py --days 7    # quick: the first week only
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEFAULT = DATA / "online_retail.csv.gz"
SAMPLE = DATA / "online_retail_sample.csv"


def _first_days(path: Path, days: int, out: Path) -> Path:
    """The lines of the first ``days`` days of ``path`` (a quick run), written to ``out``."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    stamp = pd.to_datetime(frame["InvoiceDate"], format="ISO8601")
    frame[stamp < stamp.min().normalize() + pd.Timedelta(days=days)].to_csv(out, index=False)
    return out


def _overlap(full: Path, sample: Path, tmp: Path) -> dict[str, object]:
    """Sample first, then the full file: what the full file's ingest reports, compared with it alone."""
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_file

    both = Workspace.create(tmp / "sample_then_full")
    ingest_file(both, sample)
    t0 = time.perf_counter()
    report = ingest_file(both, full)
    seconds = time.perf_counter() - t0
    alone = Workspace.create(tmp / "full_only")
    ingest_file(alone, full)
    cols = "order_id, member_id, product_id, quantity, unit_price, ordered_at, is_return, country"
    with both.analytics(read_only=True) as con:
        con.execute(f"ATTACH '{alone.analytics_path}' AS alone (READ_ONLY)")
        duplicates = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM orders EXCEPT ALL "
                                 f"SELECT {cols} FROM alone.orders)").fetchall()[0][0]
        missing = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM alone.orders EXCEPT ALL "
                              f"SELECT {cols} FROM orders)").fetchall()[0][0]
    return {"full_after_sample_seconds": round(seconds, 3), "rows_loaded": report.rows_loaded,
            "rows_unchanged": report.rows_unchanged, "rows_rejected": report.rows_rejected,
            "rejects_by_reason": report.rejects_by_reason, "duplicates": duplicates, "missing": missing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--days", type=int, default=0, help="Only the first N days of both files (quick run).")
    args = parser.parse_args()
    if not args.file.is_file():
        print(json.dumps({"skipped": f"{args.file} not found"}))
        return
    import pandas as pd

    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_file

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        file, sample = args.file, args.sample
        if args.days:
            file = _first_days(file, args.days, tmp / "full_days.csv")
            sample = _first_days(sample, args.days, tmp / "sample_days.csv") if sample.is_file() else sample
        start = time.perf_counter()
        baseline = pd.read_csv(file, dtype=str, keep_default_na=False)
        baseline_s = time.perf_counter() - start
        del baseline
        ws = Workspace.create(tmp / "ws")
        stages: dict[str, float] = {}
        t0 = time.perf_counter()
        report = ingest_file(ws, file, on_progress=lambda s: stages.setdefault(s, round(time.perf_counter() - t0, 3)))
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = ingest_file(ws, file)
        second_s = time.perf_counter() - t0
        overlap = _overlap(file, sample, tmp) if sample.is_file() else {"skipped": f"{sample} not found"}
    print(json.dumps({
        "file": str(args.file),
        "days": args.days or None,
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
        "overlap": overlap,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }, indent=2))


if __name__ == "__main__":
    sys.exit(main())
