"""``memberinsight user ...`` and ``memberinsight evaluate agent`` through the real CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from workspace import Workspace

runner = CliRunner()


def test_user_add_list_remove(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    w = ["--workspace", str(ws.path)]
    result = runner.invoke(app, ["user", "add", "ana", "--password", "long-enough-pw", "--role", "admin", *w])
    assert result.exit_code == 0, result.output
    assert "Added user ana (admin)" in result.output
    listed = json.loads(runner.invoke(app, ["user", "list", "--json", *w]).stdout)
    assert [(u["username"], u["role"]) for u in listed] == [("ana", "admin")]
    assert "long-enough-pw" not in runner.invoke(app, ["user", "list", *w]).output
    again = runner.invoke(app, ["user", "add", "ana", "--password", "long-enough-pw", *w])
    assert again.exit_code != 0 and "already exists" in str(again.exception)
    assert runner.invoke(app, ["user", "remove", "ana", *w]).exit_code == 0
    assert json.loads(runner.invoke(app, ["user", "list", "--json", *w]).stdout) == []


@pytest.mark.slow
def test_evaluate_agent_reports_accuracy() -> None:
    result = runner.invoke(app, ["evaluate", "agent", "--json", "--no-misses"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"routing_eval", "routing_heldout"}
    main = report["routing_eval"]
    assert main["cases"] >= 150 and main["accuracy"] >= 0.9
    assert set(main["per_tool"]) >= {"segment_overview", "campaign_copy", "clarify"}
