from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from memberinsight.errors import WorkspaceError
from memberinsight.workspace import TABLES, Workspace


def test_create_is_idempotent_and_lays_out_the_directory(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    ws.audit("alice", "test", "thing", "1")
    again = Workspace.create(tmp_path / "ws")
    for sub in ("rejects", "indexes", "models", "cache"):
        assert (ws.path / sub).is_dir()
    with again.analytics(read_only=True) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert set(TABLES) <= tables
    with again.operations() as con:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_open_missing_workspace_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="memberinsight demo"):
        Workspace.open(tmp_path / "nowhere")


def test_audit_log_is_append_only(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    ws.audit("alice", "decide", "review", "R1", detail="approve")
    with ws.operations() as con:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE audit_log SET actor = 'mallory'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit_log")
        assert con.execute("SELECT actor FROM audit_log").fetchone()[0] == "alice"


def test_meta_round_trip(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    assert ws.get_meta("k", "none") == "none"
    ws.set_meta("k", "1")
    ws.set_meta("k", "2")
    assert ws.get_meta("k") == "2"
