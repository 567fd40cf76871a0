"""``memberinsight audit list|verify`` and the actor the command line records (never a free flag)."""

from __future__ import annotations

import getpass
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.workspace import Workspace

runner = CliRunner()
CLI = Path(sys.executable).with_name("memberinsight")


@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("MEMBERINSIGHT_ACTOR", raising=False)
    ws = Workspace.create(tmp_path / "ws")
    for i in range(1, 4):
        ws.audit(f"user{i}", "test.action", "thing", f"T{i}", detail=f"step {i}")
    return ws


def actors(ws: Workspace, action: str) -> list[str]:
    with ws.operations() as con:
        return [r[0] for r in con.execute("SELECT actor FROM audit_log WHERE action = ? ORDER BY id", (action,))]


def test_list_has_a_header_and_newest_first(ws: Workspace) -> None:
    result = runner.invoke(app, ["audit", "list", "--limit", "2", "-w", str(ws.path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "at", "actor", "action", "object", "outcome", "detail"]
    assert [line.split()[0] for line in lines[1:]] == ["3", "2"] and "user3" in lines[1] and "thing T3" in lines[1]
    rows = json.loads(runner.invoke(app, ["audit", "list", "--json", "-w", str(ws.path)]).stdout)
    assert [r["id"] for r in rows] == [3, 2, 1] and len(rows[0]["row_hash"]) == 64
    assert rows[0]["prev_hash"] == rows[1]["row_hash"]


def test_verify_a_clean_log(ws: Workspace) -> None:
    result = runner.invoke(app, ["audit", "verify", "-w", str(ws.path)])
    assert result.exit_code == 0, result.output
    out = json.loads(runner.invoke(app, ["audit", "verify", "--json", "-w", str(ws.path)]).stdout)
    assert (out["ok"], out["rows"], out["last_id"], out["problem"]) == (True, 3, 3, None)
    assert "3 rows" in result.stdout and out["last_hash"] in result.stdout


@pytest.mark.parametrize(("statement", "row_id", "kind"), [
    ("UPDATE audit_log SET detail = 'nothing happened' WHERE id = 2", 2, "edited"),
    ("DELETE FROM audit_log WHERE id = 2", 3, "deleted"),
])
def test_verify_names_a_row_tampered_outside_the_triggers(ws: Workspace, statement: str, row_id: int,
                                                         kind: str) -> None:
    con = sqlite3.connect(ws.operations_path, isolation_level=None)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("DROP TRIGGER audit_log_no_delete")
    con.execute(statement)
    con.close()
    proc = subprocess.run([str(CLI), "audit", "verify", "-w", str(ws.path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and f"BROKEN at row {row_id} ({kind})" in proc.stdout
    result = runner.invoke(app, ["audit", "verify", "--json", "-w", str(ws.path)])
    out = json.loads(result.stdout)
    assert result.exit_code == 1 and out["ok"] is False
    assert (out["problem"]["row_id"], out["problem"]["kind"]) == (row_id, kind)


def test_cli_records_the_os_user_or_the_configured_actor(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    w = ["-w", str(ws.path)]
    assert runner.invoke(app, ["user", "add", "ana", "--password", "long-enough-pw", *w]).exit_code == 0
    monkeypatch.setenv("MEMBERINSIGHT_ACTOR", "carol")
    assert runner.invoke(app, ["user", "remove", "ana", *w]).exit_code == 0
    assert actors(ws, "user.add") == [f"{getpass.getuser()} (cli)"]
    assert actors(ws, "user.remove") == ["carol (cli)"]


def test_queue_decide_records_the_actor_and_refuses_a_user_flag(ws: Workspace,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from memberinsight.screening.queue import ScoreRow, write_scores

    write_scores(ws, [ScoreRow("R1", None, None, 0.9, "rules", {}, [])], queue_min_risk=0.5)
    w = ["-w", str(ws.path)]
    refused = runner.invoke(app, ["queue", "decide", "R1", "--action", "remove", "--user", "mallory",
                                  "--version", "1", *w])
    assert refused.exit_code == 2 and "--user" in refused.output
    monkeypatch.setenv("MEMBERINSIGHT_ACTOR", "alice")
    decided = runner.invoke(app, ["queue", "decide", "R1", "--action", "remove", "--version", "1", "--json", *w])
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout)["decided_by"] == "alice (cli)"
    assert actors(ws, "screening.remove") == ["alice (cli)"]
    assert runner.invoke(app, ["audit", "verify", *w]).exit_code == 0


def test_segment_commands_take_no_owner_flag(ws: Workspace) -> None:
    for args in (["segment", "delete", "Anything", "--owner", "mallory"],
                 ["segment", "save", "Anything", "--sentence", "members in London", "--owner", "mallory"]):
        result = runner.invoke(app, [*args, "-w", str(ws.path)])
        assert result.exit_code == 2 and "--owner" in result.output
