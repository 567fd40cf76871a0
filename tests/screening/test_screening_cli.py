"""``memberinsight screen``, ``queue list|show|decide`` and ``evaluate screening`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from memberinsight.cli import app

runner = CliRunner()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_screen_queue_and_decide(workspace_copy) -> None:
    w = ["-w", str(workspace_copy.path)]
    run = _json(["screen", "--new", "--json", *w])
    assert run["scored"] == 0 and run["new_only"] is True  # the build already screened everything
    items = _json(["queue", "list", "--limit", "5", "--json", *w])
    assert len(items) == 5 and items[0]["risk"] >= items[-1]["risk"] and items[0]["status"] == "pending"
    rid = items[0]["review_id"]
    shown = _json(["queue", "show", rid, "--json", *w])
    assert shown["version"] == 1 and shown["reasons"] and shown["signals"]
    decided = _json(["queue", "decide", rid, "--action", "remove", "--note", "ring", "--user", "alice",
                     "--version", "1", "--json", *w])
    assert (decided["status"], decided["version"], decided["decided_by"]) == ("removed", 2, "alice")
    removed = _json(["queue", "list", "--status", "removed", "--json", *w])
    assert [i["review_id"] for i in removed] == [rid]
    text = runner.invoke(app, ["queue", "list", "--limit", "2", *w])
    assert text.exit_code == 0 and "pending" in text.stdout


def test_stale_decision_exits_with_a_clear_message(workspace_copy) -> None:
    w = ["-w", str(workspace_copy.path)]
    rid = _json(["queue", "list", "--limit", "1", "--json", *w])[0]["review_id"]
    _json(["queue", "decide", rid, "--action", "approve", "--user", "alice", "--version", "1", "--json", *w])
    cli = Path(sys.executable).with_name("memberinsight")
    proc = subprocess.run([str(cli), "queue", "decide", rid, "--action", "remove", "--user", "bob", "--version", "1",
                           *w], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "changed by someone else" in proc.stderr and "version 2" in proc.stderr
    proc = subprocess.run([str(cli), "queue", "decide", rid, "--action", "delete", "--user", "bob", "--version", "2",
                           *w], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "unknown action" in proc.stderr


def test_evaluate_screening_skips_what_is_missing(tmp_path: Path) -> None:
    result = _json(["evaluate", "screening", "--no-demo", "--real", str(tmp_path / "absent.csv"), "--json"])
    assert result["demo"] is None and result["real"] is None
    assert any("absent.csv is absent" in s for s in result["skipped"])
