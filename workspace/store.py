"""The workspace: one directory holding everything a shop's analysis needs.

Layout::

    <workspace>/
        analytics.duckdb     members, products, orders, reviews, features, predictions (DuckDB)
        operations.sqlite    what operators change: users, audit log, screening queue, campaigns,
                             saved segments (SQLite, WAL mode)
        rejects/             one CSV of rejected rows per ingest batch
        indexes/             FAISS indexes + manifests (retrieval package)
        models/              fitted models + manifests
        cache/               embedding cache and other derived data

Connections are short-lived: open, work, close. DuckDB allows one writing process at a time
and, while it writes, no reader in another process; so writers work on a copy under the
workspace's write lock and publish it atomically (:meth:`Workspace.writing`), and readers open
the live file read-only and keep working during an ingest or a build.

The workspace folder is private to its owner (0700) and so are the database files (0600): they
hold personal data and password hashes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from memberinsight.errors import WorkspaceError
from memberinsight.workspace.audit import AUDIT_DDL, append_audit
from memberinsight.workspace.clean import CLEAN_RELATIONS, ensure_clean_relations
from memberinsight.workspace.schema import INGEST_LOG_DDL, TABLES, create_table_sql
from memberinsight.workspace.writelock import LOCK_FILE, write_lock

ANALYTICS_DB = "analytics.duckdb"
OPERATIONS_DB = "operations.sqlite"
PARTIAL_SUFFIX = ".partial"
WRITING_SUFFIX = ".writing"  # analytics.duckdb.<pid>.writing: the copy a writer works on
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
_shadows = threading.local()  # .map: workspace path -> the copy this thread writes
_OPEN_RETRY_S = 10.0
# What Workspace.create makes (and Workspace.discard may remove): database files, then folders.
_DB_FILES = (ANALYTICS_DB, ANALYTICS_DB + ".wal", OPERATIONS_DB, OPERATIONS_DB + "-wal", OPERATIONS_DB + "-shm",
             LOCK_FILE)
_SUBDIRS = ("rejects", "indexes", "models", "cache", "labels")


def partial_path(final: Path) -> Path:
    """Where a file is written before it is published: ``<final>.<pid>.partial`` (same folder)."""
    return final.with_name(f"{final.name}.{os.getpid()}{PARTIAL_SUFFIX}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True


def _shadow_map() -> dict[Path, Path]:
    if not hasattr(_shadows, "map"):
        _shadows.map = {}
    return _shadows.map


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open DuckDB, retrying for a few seconds while another process briefly holds the file."""
    deadline = time.monotonic() + _OPEN_RETRY_S
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise WorkspaceError(f"cannot open {path}: {exc}") from exc
            time.sleep(0.1)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_workspace(path: str | Path) -> bool:
    """True when ``path`` holds a Member Insight database (analytics.duckdb or operations.sqlite)."""
    path = Path(path).expanduser()
    return (path / ANALYTICS_DB).is_file() or (path / OPERATIONS_DB).is_file()

OPERATIONS_DDL = (
    """CREATE TABLE IF NOT EXISTS users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT 'operator',
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
    )""",
    *AUDIT_DDL,  # audit_log + its append-only triggers (workspace/audit.py: hash chain, migration)
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
)


@dataclass(frozen=True)
class Workspace:
    """A workspace directory. Create with :meth:`create` (idempotent) or :meth:`open` (must exist)."""

    path: Path

    # ----- construction -------------------------------------------------
    @classmethod
    def create(cls, path: str | Path) -> Workspace:
        """Create (or reuse) a workspace at ``path``: directories and both databases' base tables."""
        ws = cls(Path(path).expanduser().resolve())
        for sub in (ws.path, ws.rejects_dir, ws.indexes_dir, ws.models_dir, ws.cache_dir):
            sub.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        ws.path.chmod(PRIVATE_DIR)
        (ws.path / LOCK_FILE).touch(mode=PRIVATE_FILE)
        if not ws._has_base_tables():
            with ws.analytics() as con:
                for table in TABLES.values():
                    con.execute(create_table_sql(table))
                con.execute(INGEST_LOG_DDL)
                ensure_clean_relations(con)  # clean_orders / clean_members (workspace.clean)
        with ws.operations() as con:
            for ddl in OPERATIONS_DDL:
                con.execute(ddl)
        for name in (ANALYTICS_DB, OPERATIONS_DB):
            (ws.path / name).chmod(PRIVATE_FILE)
        ws.clean_partials()
        return ws

    def _has_base_tables(self) -> bool:
        """True when the live analytics database already has every base table (read-only check)."""
        if not self.analytics_path.is_file():
            return False
        with self.analytics(read_only=True) as con:
            names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {*TABLES, "ingest_log", *CLEAN_RELATIONS} <= names

    @classmethod
    def open(cls, path: str | Path) -> Workspace:
        """Open an existing workspace; raises :class:`WorkspaceError` if there is none at ``path``."""
        ws = cls(Path(path).expanduser().resolve())
        if not ws.analytics_path.is_file():
            raise WorkspaceError(
                f"no workspace at {ws.path} (missing {ANALYTICS_DB}); "
                "run `memberinsight ingest` or `memberinsight demo` first"
            )
        ws.clean_partials()
        return ws

    # ----- housekeeping ----------------------------------------------------
    def clean_partials(self) -> int:
        """Delete unpublished files (``*.<pid>.partial``) left by processes that no longer run.

        A ``kill -9`` between writing a rejects file and publishing it leaves one behind; files of
        live processes (an ingest running now) are kept. Returns how many were removed.
        """
        removed = 0
        for copy in self.path.glob(f"{ANALYTICS_DB}.*{WRITING_SUFFIX}*"):  # a writer's copy (and its .wal)
            pid = copy.name[len(ANALYTICS_DB) + 1:].split(".")[0]
            if pid.isdigit() and not _alive(int(pid)):
                copy.unlink(missing_ok=True)
                removed += 1
        for folder in (self.rejects_dir, self.path / "labels"):
            if not folder.is_dir():
                continue
            for item in folder.glob(f"*{PARTIAL_SUFFIX}"):
                pid = item.name[:-len(PARTIAL_SUFFIX)].rpartition(".")[2]
                if pid.isdigit() and _alive(int(pid)):
                    continue
                item.unlink(missing_ok=True)
                removed += 1
        return removed

    def discard(self) -> None:
        """Remove a workspace that was just created and holds nothing of value (a failed first ingest).

        Only what :meth:`create` makes is removed: the two databases and the empty sub-folders;
        the folder itself goes only when it is then empty. Other files are never touched.
        """
        for name in _DB_FILES:
            (self.path / name).unlink(missing_ok=True)
        self.clean_partials()
        for name in _SUBDIRS:
            folder = self.path / name
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        if self.path.is_dir() and not any(self.path.iterdir()):
            self.path.rmdir()

    # ----- paths ---------------------------------------------------------
    @property
    def analytics_path(self) -> Path:
        return self.path / ANALYTICS_DB

    @property
    def operations_path(self) -> Path:
        return self.path / OPERATIONS_DB

    @property
    def rejects_dir(self) -> Path:
        return self.path / "rejects"

    @property
    def indexes_dir(self) -> Path:
        return self.path / "indexes"

    @property
    def models_dir(self) -> Path:
        return self.path / "models"

    @property
    def cache_dir(self) -> Path:
        return self.path / "cache"

    # ----- connections ---------------------------------------------------
    @contextmanager
    def analytics(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection to the analytics database, closed on exit.

        Inside :meth:`writing` (same thread) it is the writer's copy; a read-write connection outside
        one takes a short write session of its own. Read-only connections read the live file.
        """
        shadow = _shadow_map().get(self.path)
        if shadow is None and not read_only:
            with self.writing("write"), self.analytics() as con:
                yield con
            return
        con = _connect(shadow or self.analytics_path, read_only)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def write_lock(self, action: str, actor: str = "system", wait_s: float | None = None,
                   on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the workspace's write lock (re-entrant; see :mod:`workspace.writelock`).

        ``wait_s`` defaults to the ``write_wait_s`` setting; then :class:`WorkspaceBusyError`.
        """
        if wait_s is None:
            from memberinsight.config import load_settings

            wait_s = load_settings().write_wait_s
        with write_lock(self.path, action, actor, wait_s, on_wait):
            yield

    @contextmanager
    def writing(self, action: str, actor: str = "system", wait_s: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """A write session: the block's analytics connections (this thread) write a copy of the database,
        published atomically when the block ends normally and thrown away otherwise.

        Readers in other threads and processes keep reading the live file meanwhile. Nested
        sessions join the outer one.
        """
        shadows = _shadow_map()
        if self.path in shadows:
            yield
            return
        with self.write_lock(action, actor, wait_s, on_wait):
            copy = self.path / f"{ANALYTICS_DB}.{os.getpid()}{WRITING_SUFFIX}"
            self._fold_live_wal()
            if self.analytics_path.is_file():
                shutil.copyfile(self.analytics_path, copy)
            shadows[self.path] = copy
            try:
                yield
                if not copy.is_file():  # nothing was written
                    return
                with _connect(copy, read_only=False) as con:
                    con.execute("CHECKPOINT")
                copy.chmod(PRIVATE_FILE)
                _fsync(copy)
                os.replace(copy, self.analytics_path)
                _fsync(self.path)
            finally:
                shadows.pop(self.path, None)
                for leftover in (copy, copy.with_name(copy.name + ".wal")):
                    leftover.unlink(missing_ok=True)

    def _fold_live_wal(self) -> None:
        """Fold a write-ahead log left beside the live file (older versions wrote it in place) into it."""
        if (self.path / (ANALYTICS_DB + ".wal")).is_file() and self.analytics_path.is_file():
            with _connect(self.analytics_path, read_only=False) as con:
                con.execute("CHECKPOINT")

    @contextmanager
    def operations(self) -> Iterator[sqlite3.Connection]:
        """A SQLite connection (WAL, foreign keys on, rows as ``sqlite3.Row``); commits on success."""
        con = sqlite3.connect(self.operations_path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA busy_timeout=30000")
        try:
            yield con
        finally:
            con.close()

    def ensure_operational_tables(self, *ddl: str) -> None:
        """Run ``CREATE ... IF NOT EXISTS`` statements a package needs in the operational database."""
        with self.operations() as con:
            for statement in ddl:
                con.execute(statement)

    def audit(self, actor: str, action: str, object_type: str, object_id: str | None = None,
              outcome: str = "ok", detail: str | None = None,
              con: sqlite3.Connection | None = None) -> None:
        """Append one row to the hash-chained, append-only audit log (see :mod:`workspace.audit`).

        With ``con`` the row joins that connection's open transaction (or gets one of its own).
        """
        append_audit(self, actor, action, object_type, object_id, outcome, detail, con=con)

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.operations() as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.operations() as con:
            con.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
