"""The audit log: append-only by trigger, tamper-evident by a hash chain.

Every row of ``audit_log`` stores ``prev_hash`` (the previous row's ``row_hash``; 64 zeros for the first
row) and ``row_hash`` = sha256 of the canonical serialisation of ``(id, at, actor, action, object_type,
object_id, outcome, detail, prev_hash)``: a compact JSON array (``ensure_ascii=False``), UTF-8 encoded.
Editing, deleting or moving a row breaks the chain; :func:`verify_audit` names the first broken row.

Triggers refuse UPDATE, DELETE, an INSERT over an existing id (``INSERT OR REPLACE`` would otherwise
delete the old row without firing the delete trigger) and an INSERT that does not extend the chain.
Appends run inside a write transaction (``BEGIN IMMEDIATE``, or the caller's own), so two writers can
never both extend the same last row.

Workspaces made before the chain existed are migrated once, in one transaction, on first use: the two
hash columns are added, the no-update trigger is dropped and recreated around filling them (row content
is never changed), and an ``audit.chain_started`` row records how many rows were chained.

Someone who can write the file can still drop the triggers and rewrite the whole tail with fresh hashes;
keep the last hash :func:`verify_audit` reports somewhere else (a ticket, an e-mail) to detect that.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from memberinsight.errors import DataValidationError

if TYPE_CHECKING:
    from memberinsight.workspace.store import Workspace

GENESIS_HASH = "0" * 64
CHAIN_STARTED = "audit.chain_started"
_APPEND_ONLY = "audit_log is append-only"

AUDIT_TABLE_DDL = """CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        object_type TEXT NOT NULL,
        object_id TEXT,
        outcome TEXT NOT NULL DEFAULT 'ok',
        detail TEXT,
        prev_hash TEXT,
        row_hash TEXT
    )"""

# name -> DDL. Each guards one write path; audit_log_chain also refuses a row without explicit id and hashes.
AUDIT_TRIGGERS: dict[str, str] = {
    "audit_log_no_update": "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
                           f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
    "audit_log_no_delete": "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
                           f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
    "audit_log_no_replace": "CREATE TRIGGER IF NOT EXISTS audit_log_no_replace BEFORE INSERT ON audit_log "
                            "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
                            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY} (that id already exists)'); END",
    "audit_log_chain": "CREATE TRIGGER IF NOT EXISTS audit_log_chain BEFORE INSERT ON audit_log "
                       "WHEN NEW.row_hash IS NULL OR length(NEW.row_hash) != 64 "
                       "OR NEW.id <= coalesce((SELECT max(id) FROM audit_log), 0) "
                       "OR NEW.prev_hash IS NOT coalesce((SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1), "
                       f"'{GENESIS_HASH}') "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log rows must extend the hash chain "
                       "(append with Workspace.audit)'); END",
}
# What Workspace.create runs (the chain trigger is valid before a legacy table gets its hash columns:
# SQLite resolves trigger columns when the trigger fires, and every append migrates first).
AUDIT_DDL: tuple[str, ...] = (AUDIT_TABLE_DDL, *AUDIT_TRIGGERS.values())

_COLUMNS = "id, at, actor, action, object_type, object_id, outcome, detail, prev_hash, row_hash"


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    at: str
    actor: str
    action: str
    object_type: str
    object_id: str | None
    outcome: str
    detail: str | None
    prev_hash: str | None
    row_hash: str | None


@dataclass(frozen=True)
class AuditProblem:
    """The first place the chain breaks. ``kind``: edited, forged_hash, deleted, reordered, unhashed or
    unprotected (a guarding trigger is missing; ``row_id`` is then None)."""

    row_id: int | None
    kind: str
    message: str


@dataclass(frozen=True)
class AuditVerification:
    """What :func:`verify_audit` found: ``ok``, how many rows there are and were checked, the last row's
    id and hash (the anchor to keep elsewhere), and the first problem when not ok."""

    ok: bool
    rows: int
    checked: int
    last_id: int | None
    last_hash: str | None
    chain_started_id: int | None
    problem: AuditProblem | None = None


def row_hash(id: int, at: str, actor: str, action: str, object_type: str, object_id: str | None,
             outcome: str, detail: str | None, prev_hash: str | None) -> str:
    """sha256 (hex) of the canonical serialisation of one row, ``prev_hash`` included."""
    fields = [id, at, actor, action, object_type, object_id, outcome, detail, prev_hash]
    canonical = json.dumps([_canonical(v) for v in fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, bytes):  # only a row written by hand can hold a BLOB
        return "blob:" + value.hex()
    return value


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(*(row[i] for i in range(10)))


def _hash_of(e: AuditEntry) -> str:
    return row_hash(e.id, e.at, e.actor, e.action, e.object_type, e.object_id, e.outcome, e.detail, e.prev_hash)


def _now() -> str:
    now = datetime.now(UTC)
    return f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z"  # the format of the column default


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# ----- schema -------------------------------------------------------------------------------------
def _columns(con: sqlite3.Connection) -> set[str]:
    return {r[1] for r in con.execute("PRAGMA table_info(audit_log)")}


def _missing_triggers(con: sqlite3.Connection) -> list[str]:
    present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                         "AND tbl_name = 'audit_log'")}
    return [name for name in AUDIT_TRIGGERS if name not in present]


def _needs_setup(con: sqlite3.Connection) -> bool:
    return not {"prev_hash", "row_hash"} <= _columns(con)


def _setup(con: sqlite3.Connection, restore_triggers: bool) -> None:
    """Create the table, migrate a legacy one, and (when asked) recreate missing triggers.

    Runs inside the caller's write transaction, so a migration is all or nothing.
    """
    columns = _columns(con)
    if not columns:
        for ddl in AUDIT_DDL:
            con.execute(ddl)
        return
    if not {"prev_hash", "row_hash"} <= columns:
        _migrate(con, columns)
        return
    if restore_triggers:
        for name in _missing_triggers(con):
            con.execute(AUDIT_TRIGGERS[name])


def _migrate(con: sqlite3.Connection, columns: set[str]) -> None:
    """Chain the rows of a log written before hashes existed (once; the content is left as it is)."""
    for name in AUDIT_TRIGGERS:
        con.execute(f"DROP TRIGGER IF EXISTS {name}")
    for column in ("prev_hash", "row_hash"):
        if column not in columns:
            con.execute(f"ALTER TABLE audit_log ADD COLUMN {column} TEXT")
    prev, count, first_id, last_id = GENESIS_HASH, 0, None, None
    for row in con.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id").fetchall():
        e = _entry(row)
        digest = row_hash(e.id, e.at, e.actor, e.action, e.object_type, e.object_id, e.outcome, e.detail, prev)
        con.execute("UPDATE audit_log SET prev_hash = ?, row_hash = ? WHERE id = ?", (prev, digest, e.id))
        prev, count, first_id, last_id = digest, count + 1, first_id or e.id, e.id
    for ddl in AUDIT_TRIGGERS.values():
        con.execute(ddl)
    _insert(con, "system", CHAIN_STARTED, "audit_log", None, "ok",
            json.dumps({"rows": count, "first_id": first_id, "last_id": last_id,
                        "missing_ids": (last_id - first_id + 1 - count) if first_id and last_id else 0}))


# ----- appending ----------------------------------------------------------------------------------
def _insert(con: sqlite3.Connection, actor: Any, action: Any, object_type: Any, object_id: Any,
            outcome: Any, detail: Any) -> AuditEntry:
    """Append one row; the caller holds the write lock."""
    last = con.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    new_id = max(last[0] if last else 0, seq[0] if seq else 0) + 1
    prev = (last[1] if last else None) or GENESIS_HASH
    values = (new_id, _now(), str(actor), str(action), str(object_type), _text(object_id), str(outcome),
              _text(detail), prev)
    digest = row_hash(*values)
    con.execute(f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, digest))
    return AuditEntry(*values, digest)


def _append_on(con: sqlite3.Connection, args: tuple[Any, ...]) -> AuditEntry:
    if con.in_transaction:  # the caller's transaction: the row commits (or rolls back) with its work
        _setup(con, restore_triggers=True)
        return _insert(con, *args)
    con.execute("BEGIN IMMEDIATE")  # read-last-hash + insert under the write lock: no fork
    try:
        _setup(con, restore_triggers=True)
        entry = _insert(con, *args)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    return entry


def append_audit(ws: Workspace, actor: str, action: str, object_type: str, object_id: str | None = None,
                 outcome: str = "ok", detail: str | None = None,
                 con: sqlite3.Connection | None = None) -> AuditEntry:
    """Append one row to the audit log, chained to the last one, and return it.

    With ``con`` the row is written on that connection: inside its open transaction when there is one
    (committed or rolled back with the caller's work), else in a transaction of its own.
    """
    if actor is None or not str(actor).strip():
        raise DataValidationError("an audit row needs an actor", column="actor")
    args = (actor, action, object_type, object_id, outcome, detail)
    if con is not None:
        return _append_on(con, args)
    with ws.operations() as own:
        return _append_on(own, args)


# ----- reading ------------------------------------------------------------------------------------
def _prepare_read(con: sqlite3.Connection) -> None:
    """Create or migrate a legacy log before reading (the only write a read makes, once per workspace)."""
    if not _needs_setup(con):
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        _setup(con, restore_triggers=False)  # checks again under the lock: another process may have migrated
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


def list_audit(ws: Workspace, limit: int = 20) -> list[AuditEntry]:
    """The latest ``limit`` rows of the audit log, newest first."""
    if limit < 1:
        raise DataValidationError("limit must be at least 1", column="limit")
    with ws.operations() as con:
        _prepare_read(con)
        rows = con.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
    return [_entry(r) for r in rows]


def verify_audit(ws: Workspace) -> AuditVerification:
    """Walk the hash chain from the first row; report OK or the first broken row (see :class:`AuditProblem`)."""
    with ws.operations() as con:
        _prepare_read(con)
        con.execute("BEGIN")  # one snapshot: appends running now are not half-seen
        try:
            return _walk(con)
        finally:
            con.execute("COMMIT")


def _walk(con: sqlite3.Connection) -> AuditVerification:
    total = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    started = con.execute("SELECT min(id) FROM audit_log WHERE action = ?", (CHAIN_STARTED,)).fetchone()[0]
    legacy_until = started or 0  # rows chained by the migration may have gaps in their ids
    cursor = con.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id")
    prev: AuditEntry | None = None
    fetched = cursor.fetchone()
    current = _entry(fetched) if fetched else None
    checked = 0

    def result(problem: AuditProblem | None) -> AuditVerification:
        return AuditVerification(ok=problem is None, rows=total, checked=checked,
                                 last_id=prev.id if prev else None, last_hash=prev.row_hash if prev else None,
                                 chain_started_id=started, problem=problem)

    while current is not None:
        fetched = cursor.fetchone()
        following = _entry(fetched) if fetched else None
        problem = _check_row(con, prev, current, following, legacy_until)
        if problem is not None:
            return result(problem)
        checked, prev, current = checked + 1, current, following
    seq_row = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    last_id = prev.id if prev else 0
    if seq_row and seq_row[0] > last_id:
        return result(AuditProblem(last_id + 1, "deleted", f"rows {last_id + 1}..{seq_row[0]} were deleted from "
                                                           f"the end of the log (ids were handed out up to {seq_row[0]})"))
    missing = _missing_triggers(con)
    if missing:
        return result(AuditProblem(None, "unprotected", f"the chain is intact but the trigger(s) {', '.join(missing)} "
                                                        "guarding the log were removed; the next append restores them"))
    return result(None)


def _check_row(con: sqlite3.Connection, prev: AuditEntry | None, row: AuditEntry, following: AuditEntry | None,
               legacy_until: int) -> AuditProblem | None:
    rid = row.id
    if row.row_hash is None or row.prev_hash is None:
        return AuditProblem(rid, "unhashed", f"row {rid} has no hash: it was written outside the chain")
    expected_prev = prev.row_hash if prev else GENESIS_HASH
    expected_id = prev.id + 1 if prev else 1
    content_ok = _hash_of(row) == row.row_hash
    if row.prev_hash != expected_prev:
        hit = con.execute("SELECT id FROM audit_log WHERE row_hash = ? AND id != ?",
                          (row.prev_hash, prev.id if prev else -1)).fetchone()
        if hit is not None:
            after = f"row {prev.id}" if prev else "the start"
            return AuditProblem(rid, "reordered", f"row {rid} was written after row {hit[0]}, but now follows {after}: "
                                                  "rows were moved")
        if rid != expected_id:
            return AuditProblem(rid, "deleted", f"{_span(expected_id, rid - 1)} before row {rid} "
                                                f"{'is' if rid - 1 == expected_id else 'are'} missing (deleted)")
        if content_ok and prev is not None:
            return AuditProblem(prev.id, "forged_hash", f"row {prev.id}'s hash was rewritten after row {rid} was "
                                                        f"chained to it (its content was changed and re-hashed)")
        return AuditProblem(rid, "edited", f"row {rid}'s link to the previous row (prev_hash) was changed")
    if not content_ok:
        if following is not None and following.prev_hash != row.row_hash:
            return AuditProblem(rid, "forged_hash", f"row {rid}'s stored hash is not the one row {following.id} "
                                                    "was chained to (its hash was replaced)")
        return AuditProblem(rid, "edited", f"row {rid}'s content differs from when it was written "
                                           "(its hash no longer matches)")
    if rid != expected_id and rid > legacy_until:
        return AuditProblem(rid, "deleted", f"{_span(expected_id, rid - 1)} before row {rid} "
                                            f"{'is' if rid - 1 == expected_id else 'are'} missing (deleted)")
    return None


def _span(first: int, last: int) -> str:
    return f"row {first}" if first == last else f"rows {first}..{last}"
