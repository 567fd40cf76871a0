"""The audit log is append-only (every write path) and hash-chained; verify finds tampering made outside it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memberinsight.errors import DataValidationError
from memberinsight.workspace import Workspace, append_audit, list_audit, verify_audit
from memberinsight.workspace.audit import GENESIS_HASH, row_hash

REPO_ROOT = Path(__file__).resolve().parents[2]
ROWS = "SELECT id, at, actor, action, object_type, object_id, outcome, detail, prev_hash, row_hash FROM audit_log"

# The audit_log DDL of workspaces made before the hash chain (for the migration tests).
LEGACY_DDL = (
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        actor TEXT NOT NULL, action TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT,
        outcome TEXT NOT NULL DEFAULT 'ok', detail TEXT)""",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    """A workspace with five audited actions."""
    ws = Workspace.create(tmp_path / "ws")
    for i in range(1, 6):
        ws.audit(f"user{i}", "test.action", "thing", f"T{i}", detail=json.dumps({"n": i}))
    return ws


def raw(ws: Workspace) -> sqlite3.Connection:
    """A plain connection, the way someone editing the file by hand would open it."""
    return sqlite3.connect(ws.operations_path, isolation_level=None)


def rows(ws: Workspace) -> list[tuple]:
    with raw(ws) as con:
        return con.execute(ROWS + " ORDER BY id").fetchall()


def tamper(ws: Workspace, *statements: str) -> None:
    """Run statements with the guarding triggers dropped (as an attacker with file access could)."""
    con = raw(ws)
    for name in ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace", "audit_log_chain"):
        con.execute(f"DROP TRIGGER IF EXISTS {name}")
    for sql in statements:
        con.execute(sql)
    con.close()


def restore_triggers(ws: Workspace) -> None:
    from memberinsight.workspace.audit import AUDIT_TRIGGERS

    ws.ensure_operational_tables(*AUDIT_TRIGGERS.values())


# ----- a clean log ---------------------------------------------------------------------------------------
def test_a_clean_log_is_one_unbroken_chain(ws: Workspace) -> None:
    stored = rows(ws)
    assert [r[0] for r in stored] == [1, 2, 3, 4, 5]
    assert stored[0][8] == GENESIS_HASH
    for before, row in zip(stored, stored[1:], strict=False):
        assert row[8] == before[9]  # prev_hash is the previous row's hash
    for row in stored:
        assert row[9] == row_hash(*row[:9])  # sha256 over the canonical serialisation
    result = verify_audit(ws)
    assert (result.ok, result.rows, result.checked, result.last_id) == (True, 5, 5, 5)
    assert result.last_hash == stored[-1][9] and result.problem is None


def test_list_is_newest_first_and_limited(ws: Workspace) -> None:
    entries = list_audit(ws, limit=3)
    assert [(e.id, e.actor, e.object_id) for e in entries] == [(5, "user5", "T5"), (4, "user4", "T4"),
                                                               (3, "user3", "T3")]
    with pytest.raises(DataValidationError, match="limit"):
        list_audit(ws, limit=0)


def test_values_are_stored_as_hashed(ws: Workspace) -> None:
    entry = append_audit(ws, "ana", "export", "member", 42, detail="naïve ✓")  # type: ignore[arg-type]
    assert entry.object_id == "42" and rows(ws)[-1] == tuple(vars(entry).values())
    assert verify_audit(ws).ok
    with pytest.raises(DataValidationError, match="actor"):
        ws.audit("  ", "x", "y")


# ----- every write path is refused ------------------------------------------------------------------------
REFUSED = [
    "UPDATE audit_log SET detail = 'rewritten' WHERE id = 2",
    "DELETE FROM audit_log WHERE id = 2",
    "INSERT OR REPLACE INTO audit_log (id, at, actor, action, object_type, outcome, prev_hash, row_hash) "
    "VALUES (2, 'x', 'mallory', 'a', 'b', 'ok', 'p', '" + "f" * 64 + "')",
    "REPLACE INTO audit_log (id, at, actor, action, object_type) VALUES (2, 'x', 'mallory', 'a', 'b')",
    "INSERT INTO audit_log (id, at, actor, action, object_type) VALUES (2, 'x', 'mallory', 'a', 'b') "
    "ON CONFLICT(id) DO UPDATE SET actor = excluded.actor",
    "INSERT OR IGNORE INTO audit_log (id, actor, action, object_type) VALUES (2, 'mallory', 'a', 'b')",
    "INSERT INTO audit_log (actor, action, object_type) VALUES ('mallory', 'a', 'b')",  # no hash: off the chain
    "INSERT INTO audit_log (id, at, actor, action, object_type, outcome, prev_hash, row_hash) "  # forks the chain
    f"VALUES (6, 'x', 'mallory', 'a', 'b', 'ok', '{GENESIS_HASH}', '" + "e" * 64 + "')",
]


@pytest.mark.parametrize("recursive_triggers", [False, True])
@pytest.mark.parametrize("sql", REFUSED, ids=["update", "delete", "insert-or-replace", "replace", "upsert",
                                              "insert-or-ignore", "unhashed-insert", "forked-insert"])
def test_every_rewrite_is_refused_and_the_row_is_unchanged(ws: Workspace, sql: str,
                                                          recursive_triggers: bool) -> None:
    before = rows(ws)
    con = raw(ws)
    con.execute(f"PRAGMA recursive_triggers = {'ON' if recursive_triggers else 'OFF'}")
    with pytest.raises(sqlite3.IntegrityError, match="append-only|hash chain"):
        con.execute(sql)
    con.close()
    assert rows(ws) == before
    assert verify_audit(ws).ok


# ----- tampering outside the triggers is caught ------------------------------------------------------------
def test_an_edited_row_is_named(ws: Workspace) -> None:
    tamper(ws, "UPDATE audit_log SET detail = '{\"n\": 99}' WHERE id = 3")
    result = verify_audit(ws)
    assert not result.ok and (result.problem.row_id, result.problem.kind) == (3, "edited")
    assert result.checked == 2 and result.rows == 5


def test_a_deleted_middle_row_is_named(ws: Workspace) -> None:
    tamper(ws, "DELETE FROM audit_log WHERE id = 3")
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (4, "deleted") and "row 3 " in problem.message


def test_deleted_rows_at_the_end_are_noticed(ws: Workspace) -> None:
    tamper(ws, "DELETE FROM audit_log WHERE id >= 4")
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (4, "deleted") and "rows 4..5" in problem.message
    ws.audit("alice", "later", "thing")  # the next row does not paper over the hole
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (6, "deleted") and "rows 4..5" in problem.message


def test_an_edited_and_rehashed_row_is_named(ws: Workspace) -> None:
    row = rows(ws)[1]  # id 2
    forged = row_hash(row[0], row[1], "mallory", *row[3:9])
    tamper(ws, f"UPDATE audit_log SET actor = 'mallory', row_hash = '{forged}' WHERE id = 2")
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (2, "forged_hash")


def test_a_replaced_hash_is_named(ws: Workspace) -> None:
    tamper(ws, "UPDATE audit_log SET row_hash = '" + "a" * 64 + "' WHERE id = 2")
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (2, "forged_hash")


def test_reordered_rows_are_named(ws: Workspace) -> None:
    tamper(ws, "UPDATE audit_log SET id = 100 WHERE id = 2", "UPDATE audit_log SET id = 2 WHERE id = 3",
           "UPDATE audit_log SET id = 3 WHERE id = 100")
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (2, "reordered") and "after row 3" in problem.message


def test_a_row_inserted_outside_the_chain_is_named(ws: Workspace) -> None:
    tamper(ws, "INSERT INTO audit_log (actor, action, object_type) VALUES ('mallory', 'a', 'b')")
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (6, "unhashed")


def test_removed_triggers_fail_verification_until_the_next_append(ws: Workspace) -> None:
    tamper(ws)
    result = verify_audit(ws)
    assert not result.ok and result.checked == 5
    assert result.problem.kind == "unprotected" and "audit_log_no_update" in result.problem.message
    ws.audit("alice", "later", "thing")
    assert verify_audit(ws).ok


# ----- appends in a caller's transaction ---------------------------------------------------------------------
def test_audit_joins_the_callers_transaction(ws: Workspace) -> None:
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        ws.audit("alice", "rolled.back", "thing", con=con)
        assert con.in_transaction  # the caller still owns its transaction
        con.execute("ROLLBACK")
        ws.audit("alice", "own.transaction", "thing", con=con)  # no transaction open: it makes its own
        assert not con.in_transaction
        con.execute("BEGIN IMMEDIATE")
        ws.audit("alice", "committed", "thing", con=con)
        con.execute("COMMIT")
    assert [r[3] for r in rows(ws)[5:]] == ["own.transaction", "committed"]
    assert [r[0] for r in rows(ws)] == list(range(1, 8))
    assert verify_audit(ws).ok


# ----- concurrency ------------------------------------------------------------------------------------------
APPENDER = """
import sys, time
from pathlib import Path
from memberinsight.workspace import Workspace
ws, name, go = Workspace.open(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
(go.parent / f"ready-{name}").touch()
while not go.exists():
    time.sleep(0.005)
for i in range(int(sys.argv[4])):
    ws.audit(name, "concurrent", "thing", str(i))
    time.sleep(0.001)  # let the other writer in between
"""


def test_two_processes_appending_at_once_make_one_chain(ws: Workspace, tmp_path: Path) -> None:
    go, per_process = tmp_path / "go", 150
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(ws.path), name, str(go), str(per_process)],
                              cwd=REPO_ROOT) for name in ("writer-a", "writer-b")]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{n}").exists() for n in ("writer-a", "writer-b")):  # both at the start line
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    go.touch()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    stored = rows(ws)
    assert [r[0] for r in stored] == list(range(1, 5 + 2 * per_process + 1))
    by_actor = {a: [r[5] for r in stored if r[2] == a] for a in ("writer-a", "writer-b")}
    assert by_actor["writer-a"] == by_actor["writer-b"] == [str(i) for i in range(per_process)]
    result = verify_audit(ws)
    assert result.ok and result.rows == 5 + 2 * per_process


# ----- workspaces made before the chain -------------------------------------------------------------------
def legacy_workspace(tmp_path: Path, gap: bool = False) -> Workspace:
    ws = Workspace.create(tmp_path / "legacy")
    with raw(ws) as con:
        con.execute("DROP TABLE audit_log")
        for ddl in LEGACY_DDL:
            con.execute(ddl)
        for i in range(1, 5):
            con.execute("INSERT INTO audit_log (actor, action, object_type, object_id, detail) "
                        "VALUES (?, 'old.action', 'thing', ?, ?)", (f"old{i}", f"O{i}", None if i == 2 else f"d{i}"))
        if gap:  # a hole from before the triggers existed
            con.execute("DROP TRIGGER audit_log_no_delete")
            con.execute("DELETE FROM audit_log WHERE id = 2")
    return ws


@pytest.mark.parametrize("first_touch", ["append", "verify", "create"])
def test_a_legacy_log_is_chained_once_without_changing_its_rows(tmp_path: Path, first_touch: str) -> None:
    ws = legacy_workspace(tmp_path)
    with raw(ws) as con:
        old = con.execute("SELECT id, at, actor, action, object_type, object_id, outcome, detail FROM audit_log "
                          "ORDER BY id").fetchall()
    if first_touch == "create":
        Workspace.create(ws.path)  # the new DDL over the old table, then the first append migrates
    if first_touch in ("append", "create"):
        ws.audit("alice", "new.action", "thing")
    result = verify_audit(ws)
    assert result.ok and result.chain_started_id == 5
    stored = rows(ws)
    assert [r[:8] for r in stored[:4]] == old  # content untouched; only the hash columns were filled
    started = stored[4]
    assert (started[2], started[3]) == ("system", "audit.chain_started")
    assert json.loads(started[7]) == {"rows": 4, "first_id": 1, "last_id": 4, "missing_ids": 0}
    assert len(stored) == (6 if first_touch != "verify" else 5)
    ws.audit("bob", "after", "thing")
    assert verify_audit(ws).ok and sum(r[3] == "audit.chain_started" for r in rows(ws)) == 1
    tamper(ws, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3")  # a chained legacy row is protected too
    restore_triggers(ws)
    assert (verify_audit(ws).problem.row_id, verify_audit(ws).problem.kind) == (3, "edited")


def test_a_legacy_gap_is_accepted_but_a_new_one_is_not(tmp_path: Path) -> None:
    ws = legacy_workspace(tmp_path, gap=True)
    ws.audit("alice", "new.action", "thing")
    ws.audit("bob", "new.action", "thing")
    assert verify_audit(ws).ok
    stored = rows(ws)
    assert [r[0] for r in stored] == [1, 3, 4, 5, 6, 7]
    assert json.loads(stored[3][7]) == {"rows": 3, "first_id": 1, "last_id": 4, "missing_ids": 1}
    tamper(ws, "DELETE FROM audit_log WHERE id = 6")
    restore_triggers(ws)
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (7, "deleted") and "row 6 " in problem.message


def test_migration_happens_once_so_later_unhashed_rows_stay_suspect(tmp_path: Path) -> None:
    ws = legacy_workspace(tmp_path)
    ws.audit("alice", "new.action", "thing")
    tamper(ws, "INSERT INTO audit_log (actor, action, object_type) VALUES ('mallory', 'a', 'b')")
    ws.audit("bob", "after", "thing")  # the append restores triggers but never re-chains old rows
    problem = verify_audit(ws).problem
    assert (problem.row_id, problem.kind) == (7, "unhashed")
