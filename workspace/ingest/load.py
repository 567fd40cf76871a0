"""Transactional ingestion: :func:`ingest_file` and :func:`ingest_directory`.

Each file is read and row-validated in pandas first (no database work), then loaded in ONE
DuckDB transaction: stage, check against stored data, insert/update, write ``ingest_log`` and
the batch's details, commit. Any error (or a crash, or ``kill -9``) before the commit leaves the
stored data exactly as it was. The rejects CSV is written next to the transaction and only
published (renamed into place) after the commit.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from memberinsight.errors import DataValidationError
from workspace.ingest.formats import detect_kind, mapping_for
from workspace.ingest.merge import check_stored, merge, stage
from workspace.ingest.readers import read_table
from workspace.ingest.report import (
    IngestReport,
    describe,
    first_error,
    reject_counts,
    reject_table,
    write_rejects,
)
from workspace.ingest.retail import prepare_retail
from workspace.ingest.validate import Prepared, prepare_canonical
from workspace.store import Workspace

ProgressFn = Callable[[str], None]

DETAILS_DDL = """
CREATE TABLE IF NOT EXISTS ingest_details (
    batch_id VARCHAR PRIMARY KEY,
    report VARCHAR NOT NULL
)
"""
DIRECTORY_ORDER: tuple[str, ...] = ("members", "products", "orders", "reviews")
LABELS_FILE = "review_labels.csv"
NOT_INGESTED = frozenset({LABELS_FILE})  # and every *_truth.csv (the demo's ground truth)


def _noop(stage_name: str) -> None:
    return None


def prepare(path: Path, kind: str | None = None, notify: ProgressFn = _noop) -> Prepared:
    """Read, map and row-validate one file (no database access)."""
    path = Path(path)
    display = str(path)
    notify("reading")
    raw = read_table(path, display)
    kind = kind or detect_kind(raw.columns, display)
    mapping = mapping_for(kind, raw.columns, display)
    notify("validating")
    if mapping.format == "online_retail":
        return prepare_retail(raw, mapping)
    return prepare_canonical(raw, mapping)


def ingest_file(ws: Workspace, path: Path, kind: str | None = None, strict: bool = False,
                on_progress: ProgressFn | None = None, actor: str = "system") -> IngestReport:
    """Load one CSV (or .csv.gz) into the workspace in a single transaction.

    ``kind`` is one of members, products, orders, reviews, online_retail; ``None`` detects it from
    the header. Bad rows are rejected (listed in a rejects CSV with their original content, line,
    column and reason) and the rest is loaded; with ``strict=True`` any bad row raises
    :class:`DataValidationError` naming the first bad line and column, and nothing changes.
    File-level problems (empty, undecodable, missing required column) always raise.
    ``on_progress`` receives stage names (``reading``, ``validating``, ``loading <table>``,
    ``committing``, ``done``). Each committed batch, and each refused one, is recorded in the
    workspace audit log under ``actor``.
    """
    notify = on_progress or _noop
    start = time.perf_counter()
    with _audit_refusal(ws, actor, str(path)):
        prepared = prepare(path, kind, notify)
        return _run(ws, [prepared], strict, notify, start, actor)[0]


def ingest_directory(ws: Workspace, directory: Path, strict: bool = False,
                     on_progress: ProgressFn | None = None, actor: str = "system") -> list[IngestReport]:
    """Load ``members``, ``products``, ``orders``, ``reviews`` (.csv or .csv.gz) from ``directory``.

    Files load in that order, one transaction each (with ``strict=True``: all in one transaction,
    so a bad row anywhere leaves the workspace unchanged). ``review_labels.csv`` (review-screening
    ground truth) is copied to ``<workspace>/labels/``; ``*_truth.csv`` files are ignored.
    """
    notify = on_progress or _noop
    directory = Path(directory)
    if not directory.is_dir():
        raise DataValidationError("not a directory", file=str(directory))
    found = []
    for kind in DIRECTORY_ORDER:
        for suffix in (".csv", ".csv.gz"):
            if (directory / f"{kind}{suffix}").is_file():
                found.append((kind, directory / f"{kind}{suffix}"))
                break
    if not found:
        raise DataValidationError(
            "no members.csv, products.csv, orders.csv or reviews.csv in this directory", file=str(directory))
    used = {p.name for _, p in found} | NOT_INGESTED
    others = sorted(p.name for p in directory.iterdir() if p.is_file() and p.name not in used
                    and p.name.lower().endswith((".csv", ".csv.gz")) and "_truth.csv" not in p.name)
    if strict:
        start = time.perf_counter()
        with _audit_refusal(ws, actor, str(directory)):
            reports = _run(ws, [prepare(p, k, notify) for k, p in found], True, notify, start, actor)
    else:
        reports = [ingest_file(ws, p, k, False, on_progress, actor) for k, p in found]
    if others:
        reports[0].warnings.append(f"files in {directory} not ingested (unknown names): {', '.join(others)}")
    labels = directory / LABELS_FILE
    if labels.is_file():
        target = ws.path / "labels" / LABELS_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".partial")
        shutil.copyfile(labels, tmp)
        tmp.replace(target)
        note = next((r for r in reports if r.kind == "reviews"), reports[-1])
        note.warnings.append(f"{LABELS_FILE} copied to {target} (ground truth for the screening evaluation)")
    return reports


def _batch_id(sha: str) -> str:
    return f"{datetime.now():%Y%m%dT%H%M%S}-{sha[:8]}-{uuid.uuid4().hex[:6]}"


def _rejects_path(ws: Workspace, batch_id: str, file: str) -> Path:
    stem = re.sub(r"(\.csv)?(\.gz)?$", "", Path(file).name, flags=re.IGNORECASE)
    return ws.rejects_dir / f"{batch_id}_{re.sub(r'[^A-Za-z0-9_.-]', '_', stem)}.csv"


@contextmanager
def _audit_refusal(ws: Workspace, actor: str, source: str) -> Iterator[None]:
    """Record a refused ingest (bad file, or a bad row in strict mode) in the audit log, then re-raise."""
    try:
        yield
    except DataValidationError as exc:
        ws.audit(actor, "ingest", "file", source, outcome="refused", detail=str(exc)[:500])
        raise


def _run(ws: Workspace, prepared: list[Prepared], strict: bool, notify: ProgressFn,
         start: float, actor: str = "system") -> list[IngestReport]:
    """Load prepared files in one transaction; publish rejects files after the commit."""
    reports: list[IngestReport] = []
    partials: list[tuple[Path, Path]] = []
    with ws.analytics() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(DETAILS_DDL)
            for prep in prepared:
                report, partial = _load(ws, con, prep, strict, notify, start)
                reports.append(report)
                if partial:
                    partials.append(partial)
            notify("committing")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            for tmp, _ in partials:
                tmp.unlink(missing_ok=True)
            raise
    for tmp, final in partials:
        tmp.replace(final)
    for r in reports:
        ws.audit(actor, "ingest", "batch", r.batch_id, detail=(
            f"{r.file}: {r.kind} ({r.format}) read {r.rows_read}, loaded {r.rows_loaded}, "
            f"unchanged {r.rows_unchanged}, rejected {r.rows_rejected}"))
    notify("done")
    return reports


def _load(ws: Workspace, con: duckdb.DuckDBPyConnection, prep: Prepared, strict: bool,
          notify: ProgressFn, start: float) -> tuple[IngestReport, tuple[Path, Path] | None]:
    raw, issues = prep.raw, prep.issues
    batch_id = _batch_id(raw.sha256)
    warnings = list(prep.warnings)
    previous = con.execute("SELECT batch_id, loaded_at FROM ingest_log WHERE sha256 = ? AND kind = ? "
                           "ORDER BY loaded_at DESC LIMIT 1", [raw.sha256, prep.main.table.name]).fetchall()
    if previous:
        batch, at = previous[0]
        warnings.append(f"the same file was already ingested (batch {batch}, {at:%Y-%m-%d %H:%M})")
    auto_created: dict[str, int] = {}
    main_counts = None
    for staged in prep.staged:
        notify(f"loading {staged.table.name}")
        rows = staged.frame[issues.ok.to_numpy()] if staged.counted else staged.frame
        name = stage(con, staged, rows)
        if staged.counted:
            check_stored(con, staged, name, issues)
        counts = merge(con, staged, name, issues if staged.counted else None)
        if staged.counted:
            main_counts = counts
        elif counts.inserted:
            auto_created[staged.table.name] = counts.inserted
    assert main_counts is not None
    rejects = reject_table(raw, issues)
    if strict and len(rejects):
        raise first_error(rejects, raw.file)
    if main_counts.updated:
        warnings.append(f"{main_counts.updated} stored {prep.main.table.name} updated (changed attributes)")
    for table, n in auto_created.items():
        warnings.append(f"{n} {table} created from the order lines")
    final = partial = None
    if len(rejects):
        final = _rejects_path(ws, batch_id, raw.file)
        partial = final.with_suffix(".partial")
        write_rejects(rejects, partial)
    report = IngestReport(
        file=raw.file, kind=prep.main.table.name, format=prep.mapping.format, encoding=raw.encoding,
        batch_id=batch_id, rows_read=raw.rows_read, rows_loaded=main_counts.inserted + main_counts.updated,
        rows_unchanged=main_counts.unchanged, rows_rejected=len(rejects), rejects_by_reason=reject_counts(rejects),
        rejects_file=final, warnings=warnings, seconds=round(time.perf_counter() - start, 3),
        rows_updated=main_counts.updated, auto_created=auto_created,
        sample_rejects=[describe(r) for _, r in rejects.head(5).iterrows()])
    report.check()
    _log(con, report, raw.sha256, prep.quality)
    return report, (partial, final) if partial and final else None


def _log(con: duckdb.DuckDBPyConnection, report: IngestReport, sha: str, quality: dict[str, int]) -> None:
    con.execute(
        "INSERT INTO ingest_log (batch_id, kind, source_file, sha256, format, rows_read, rows_loaded, "
        "rows_rejected, rows_duplicate, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [report.batch_id, report.kind, str(Path(report.file).resolve()), sha, report.format, report.rows_read, report.rows_loaded,
         report.rows_rejected, report.rows_unchanged, datetime.now()])
    details = {
        "encoding": report.encoding, "rows_updated": report.rows_updated,
        "rejects_by_reason": report.rejects_by_reason,
        "rejects_file": str(report.rejects_file) if report.rejects_file else None,
        "auto_created": report.auto_created, "quality": quality, "warnings": report.warnings,
        "seconds": report.seconds,
    }
    con.execute("INSERT INTO ingest_details VALUES (?, ?)", [report.batch_id, json.dumps(details)])
