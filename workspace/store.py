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

Connections are short-lived: open, work, close. DuckDB allows one writing process at a time,
so nothing holds a connection across user interactions.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from memberinsight.errors import WorkspaceError
from workspace.schema import INGEST_LOG_DDL, TABLES, create_table_sql

ANALYTICS_DB = "analytics.duckdb"
OPERATIONS_DB = "operations.sqlite"
PARTIAL_SUFFIX = ".partial"
# What Workspace.create makes (and Workspace.discard may remove): database files, then folders.
_DB_FILES = (ANALYTICS_DB, ANALYTICS_DB + ".wal", OPERATIONS_DB, OPERATIONS_DB + "-wal", OPERATIONS_DB + "-shm")
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
    """CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        object_type TEXT NOT NULL,
        object_id TEXT,
        outcome TEXT NOT NULL DEFAULT 'ok',
        detail TEXT
    )""",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
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
            sub.mkdir(parents=True, exist_ok=True)
        with ws.analytics() as con:
            for table in TABLES.values():
                con.execute(create_table_sql(table))
            con.execute(INGEST_LOG_DDL)
        with ws.operations() as con:
            for ddl in OPERATIONS_DDL:
                con.execute(ddl)
        ws.clean_partials()
        return ws

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
        """A DuckDB connection to the analytics database, closed on exit."""
        try:
            con = duckdb.connect(str(self.analytics_path), read_only=read_only)
        except duckdb.IOException as exc:
            raise WorkspaceError(f"cannot open {self.analytics_path}: {exc}") from exc
        try:
            yield con
        finally:
            con.close()

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
        """Append one row to the audit log (append-only; enforced by triggers)."""
        sql = ("INSERT INTO audit_log (actor, action, object_type, object_id, outcome, detail) "
               "VALUES (?, ?, ?, ?, ?, ?)")
        args = (actor, action, object_type, object_id, outcome, detail)
        if con is not None:
            con.execute(sql, args)
            return
        with self.operations() as own:
            own.execute(sql, args)

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.operations() as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.operations() as con:
            con.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
