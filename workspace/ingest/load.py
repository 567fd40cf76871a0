"""Transactional ingestion: :func:`ingest_file` and :func:`ingest_directory`.

Every file of an ingest is read and row-validated in pandas first (no database work), so a
file-level error in any of them stops the ingest before anything is committed. Each file then
loads in ONE DuckDB transaction (strict mode: all files in one): stage, check against stored data,
insert/update, write ``ingest_log`` and the batch's details, commit. Any error (or a crash, or
``kill -9``) before the commit leaves the stored data exactly as it was. The rejects CSV is written
next to the transaction as ``*.<pid>.partial`` and only published (renamed into place) after the
commit; partial files of dead processes are removed when a workspace is opened or loaded.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from memberinsight.errors import DataValidationError
from memberinsight.workspace.ingest.dates import DateRules
from memberinsight.workspace.ingest.formats import detect_kind, mapping_for
from memberinsight.workspace.ingest.merge import check_stored, merge, stage
from memberinsight.workspace.ingest.order_extras import hash_personal
from memberinsight.workspace.ingest.readers import read_table
from memberinsight.workspace.ingest.records import delimiter_name
from memberinsight.workspace.ingest.report import (
    IngestReport,
    describe,
    first_error,
    reject_counts,
    reject_table,
    write_rejects,
)
from memberinsight.workspace.ingest.retail import prepare_retail
from memberinsight.workspace.ingest.validate import Prepared, prepare_canonical
from memberinsight.workspace.schema import MEMBERS, ORDERS, add_extra_columns_sql
from memberinsight.workspace.store import Workspace, partial_path

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


def prepare(path: Path, kind: str | None = None, notify: ProgressFn = _noop,
            rules: DateRules | None = None) -> Prepared:
    """Read, map and row-validate one file (no database access); ``rules`` say how dates are read."""
    path = Path(path)
    display = str(path)
    notify("reading")
    raw = read_table(path, display)
    try:
        kind = kind or detect_kind(raw.columns, display)
        mapping = mapping_for(kind, raw.columns, display)
    except DataValidationError as exc:  # say how the header was split: a wrong delimiter shows here
        raise DataValidationError(
            f"{exc.detail} (header read as {len(raw.columns)} column(s) separated by "
            f"{delimiter_name(raw.delimiter)})", file=exc.file, row=exc.row, column=exc.column) from exc
    notify("validating")
    if mapping.format == "online_retail":
        return prepare_retail(raw, mapping, rules=rules)
    return prepare_canonical(raw, mapping, rules=rules)


@dataclass
class _Folder:
    """What a directory argument contributed: its files' positions, unknown files, a labels file."""

    directory: Path
    first: int
    count: int
    others: list[str]
    labels: Path | None


@dataclass
class Batch:
    """Every file of one ingest, read and row-validated (see :func:`prepare_paths`); nothing stored yet."""

    prepared: list[Prepared]
    folders: list[_Folder] = field(default_factory=list)

    @property
    def source(self) -> str:
        return ", ".join(p.raw.file for p in self.prepared)


def prepare_paths(paths: list[Path], kind: str | None = None, on_progress: ProgressFn | None = None,
                  rules: DateRules | None = None) -> Batch:
    """Read, map and row-validate every file first (no database access).

    ``paths`` holds files and directories (a directory contributes its ``members``, ``products``,
    ``orders``, ``reviews`` files in that order). Any file-level problem (missing file, empty,
    undecodable, missing required column) raises :class:`DataValidationError` here, before anything
    is committed, whichever file it is in.
    """
    notify = on_progress or _noop
    batch = Batch([])
    for path in map(Path, paths):
        if path.is_dir():
            if kind:
                raise DataValidationError("kind applies to files, not directories", file=str(path))
            found, others = _directory_files(path)
            labels = path / LABELS_FILE
            batch.folders.append(_Folder(path, len(batch.prepared), len(found), others,
                                         labels if labels.is_file() else None))
            batch.prepared.extend(prepare(p, k, notify, rules) for k, p in found)
        else:
            batch.prepared.append(prepare(path, kind, notify, rules))
    if not batch.prepared:
        raise DataValidationError("nothing to ingest: no files given")
    return batch


def load_batch(ws: Workspace, batch: Batch, strict: bool = False, on_progress: ProgressFn | None = None,
               actor: str = "system", blank_clears: bool = False) -> list[IngestReport]:
    """Load a prepared batch: one transaction per file, or (``strict``) one for the whole batch.

    With ``strict=True`` a bad row in any file raises and nothing of the batch is stored. A blank
    cell never erases a stored member/product value unless ``blank_clears``.
    """
    notify = on_progress or _noop
    start = time.perf_counter()
    ws.clean_partials()
    with _audit_refusal(ws, actor, batch.source), ws.writing("ingest", actor):
        if strict:
            reports = _run(ws, batch.prepared, True, notify, start, actor, blank_clears)
        else:
            reports = [r for prep in batch.prepared
                       for r in _run(ws, [prep], False, notify, start, actor, blank_clears)]
    for folder in batch.folders:
        _finish_folder(ws, folder, reports[folder.first:folder.first + folder.count])
    return reports


def ingest_paths(ws: Workspace, paths: list[Path], kind: str | None = None, strict: bool = False,
                 on_progress: ProgressFn | None = None, actor: str = "system", rules: DateRules | None = None,
                 blank_clears: bool = False) -> list[IngestReport]:
    """Load files and directories: every file is validated before any is committed.

    File-level errors in any file stop the ingest with the workspace unchanged. Without ``strict``
    each file then loads in its own transaction (bad rows rejected, the rest loaded); with
    ``strict=True`` all files load in one transaction or not at all. Refusals are recorded in the
    audit log under ``actor``.
    """
    with ws.write_lock("ingest", actor):  # a second writer is told before its files are read
        with _audit_refusal(ws, actor, ", ".join(map(str, paths))):
            batch = prepare_paths(paths, kind, on_progress, rules)
        return load_batch(ws, batch, strict, on_progress, actor, blank_clears)


def ingest_file(ws: Workspace, path: Path, kind: str | None = None, strict: bool = False,
                on_progress: ProgressFn | None = None, actor: str = "system", rules: DateRules | None = None,
                blank_clears: bool = False) -> IngestReport:
    """Load one CSV (or .csv.gz) into the workspace in a single transaction.

    ``kind`` is one of members, products, orders, reviews, online_retail; ``None`` detects it from
    the header. Bad rows are rejected (listed in a rejects CSV with their original content, line,
    column and reason) and the rest is loaded; with ``strict=True`` any bad row raises
    :class:`DataValidationError` naming the first bad line and column, and nothing changes.
    File-level problems (empty, undecodable, missing required column) always raise.
    ``on_progress`` receives stage names (``reading``, ``validating``, ``loading <table>``,
    ``committing``, ``done``). Each committed batch, and each refused one, is recorded in the
    workspace audit log under ``actor``. The report always names a rejects file (header only when
    nothing was rejected).
    """
    if Path(path).is_dir():
        raise DataValidationError("is a directory: use ingest_directory", file=str(path))
    return ingest_paths(ws, [Path(path)], kind, strict, on_progress, actor, rules, blank_clears)[0]


def ingest_directory(ws: Workspace, directory: Path, strict: bool = False,
                     on_progress: ProgressFn | None = None, actor: str = "system", rules: DateRules | None = None,
                     blank_clears: bool = False) -> list[IngestReport]:
    """Load ``members``, ``products``, ``orders``, ``reviews`` (.csv or .csv.gz) from ``directory``.

    Every file is read and validated before anything is committed, so a file-level error in
    ``orders`` stops the ingest before ``members`` is stored. Files then load in that order, one
    transaction each (with ``strict=True``: all in one transaction, so a bad row anywhere leaves the
    workspace unchanged). ``review_labels.csv`` (review-screening ground truth) is copied to
    ``<workspace>/labels/``; ``*_truth.csv`` files are ignored.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataValidationError("not a directory", file=str(directory))
    return ingest_paths(ws, [directory], None, strict, on_progress, actor, rules, blank_clears)


def _directory_files(directory: Path) -> tuple[list[tuple[str, Path]], list[str]]:
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
    return found, others


def _finish_folder(ws: Workspace, folder: _Folder, reports: list[IngestReport]) -> None:
    """After the commit: note unknown files, copy the review labels into the workspace."""
    if folder.others:
        reports[0].warnings.append(
            f"files in {folder.directory} not ingested (unknown names): {', '.join(folder.others)}")
    if folder.labels is None:
        return
    target = ws.path / "labels" / LABELS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(target)
    shutil.copyfile(folder.labels, tmp)
    tmp.replace(target)
    note = next((r for r in reports if r.kind == "reviews"), reports[-1])
    note.warnings.append(f"{LABELS_FILE} copied to {target} (ground truth for the screening evaluation)")


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
         start: float, actor: str = "system", blank_clears: bool = False) -> list[IngestReport]:
    """Load prepared files in one transaction; publish rejects files after the commit."""
    reports: list[IngestReport] = []
    partials: list[tuple[Path, Path]] = []
    with ws.analytics() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(DETAILS_DDL)
            for ddl in add_extra_columns_sql(ORDERS) + add_extra_columns_sql(MEMBERS):  # workspaces made before
                con.execute(ddl)  # the optional order fields / member consent columns
            for prep in prepared:
                report, partial = _load(ws, con, prep, strict, notify, start, blank_clears)
                reports.append(report)
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
          notify: ProgressFn, start: float, blank_clears: bool = False) -> tuple[IngestReport, tuple[Path, Path]]:
    hash_personal(ws, prep)  # IPs, addresses, payment ids: keyed hashes from here on (rejects file included)
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
        counts = merge(con, staged, name, issues if staged.counted else None, blank_clears)
        if staged.counted:
            main_counts = counts
        elif counts.inserted:
            auto_created[staged.table.name] = counts.inserted
    assert main_counts is not None
    rejects = reject_table(raw, issues)
    if strict and len(rejects):
        raise first_error(rejects, raw.file)
    if main_counts.updated:
        fields = ", ".join(f"{c} {n}" for c, n in main_counts.fields_changed.items())
        warnings.append(f"{main_counts.updated} stored {prep.main.table.name} updated; values changed per "
                        f"column: {fields}")
    if main_counts.blanks_kept:
        blanks = ", ".join(f"{c} {n}" for c, n in main_counts.blanks_kept.items())
        warnings.append(f"{sum(main_counts.blanks_kept.values())} blank cell(s) left stored values as they were "
                        f"({blanks}); ingest with --blank-clears to erase them")
    for table, n in auto_created.items():
        warnings.append(f"{n} {table} created from the order lines")
    final = _rejects_path(ws, batch_id, raw.file)  # always written: header only when nothing was rejected
    partial = partial_path(final)
    write_rejects(rejects, partial)
    report = IngestReport(
        file=raw.file, kind=prep.main.table.name, format=prep.mapping.format, encoding=raw.encoding,
        batch_id=batch_id, rows_read=raw.rows_read, rows_loaded=main_counts.inserted + main_counts.updated,
        rows_unchanged=main_counts.unchanged, rows_rejected=len(rejects), rejects_by_reason=reject_counts(rejects),
        rejects_file=final, warnings=warnings, seconds=round(time.perf_counter() - start, 3),
        rows_updated=main_counts.updated, auto_created=auto_created,
        fields_changed=main_counts.fields_changed, blanks_kept=main_counts.blanks_kept,
        sample_rejects=[describe(r) for _, r in rejects.head(5).iterrows()])
    report.check()
    _log(con, report, raw.sha256, prep.quality)
    return report, (partial, final)


def _log(con: duckdb.DuckDBPyConnection, report: IngestReport, sha: str, quality: dict[str, int]) -> None:
    con.execute(
        "INSERT INTO ingest_log (batch_id, kind, source_file, sha256, format, rows_read, rows_loaded, "
        "rows_rejected, rows_duplicate, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [report.batch_id, report.kind, str(Path(report.file).resolve()), sha, report.format, report.rows_read, report.rows_loaded,
         report.rows_rejected, report.rows_unchanged, datetime.now()])
    details = {
        "encoding": report.encoding, "rows_updated": report.rows_updated,
        "fields_changed": report.fields_changed, "blanks_kept": report.blanks_kept,
        "rejects_by_reason": report.rejects_by_reason,
        "rejects_file": str(report.rejects_file),
        "auto_created": report.auto_created, "quality": quality, "warnings": report.warnings,
        "seconds": report.seconds,
    }
    con.execute("INSERT INTO ingest_details VALUES (?, ?)", [report.batch_id, json.dumps(details)])
