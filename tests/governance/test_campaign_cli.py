"""``memberinsight campaign ...``: the workflow from the command line, acting users set by MEMBERINSIGHT_ACTOR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from tests.governance.campaign_setup import SEGMENT, add_accounts

runner = CliRunner()


def _run(args: list[str], actor: str, ws: str):
    return runner.invoke(app, [*args, "-w", ws], env={"MEMBERINSIGHT_ACTOR": actor})


def _json(args: list[str], actor: str, ws: str):
    result = _run([*args, "--json"], actor, ws)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _refused(args: list[str], actor: str, ws: str, error: type[Exception], text: str) -> None:
    result = _run(args, actor, ws)
    assert result.exit_code != 0 and isinstance(result.exception, error), result.output
    assert text in str(result.exception)


def test_create_edit_submit_approve_export_and_results(workspace_copy) -> None:
    from memberinsight.errors import AuthError, ConflictError
    from memberinsight.governance.campaigns import CampaignStateError

    add_accounts(workspace_copy)
    ws = str(workspace_copy.path)
    c = _json(["campaign", "create", "Thank our champions", "--segment", SEGMENT, "--offer", "10% off",
               "--variant", "Thanks!", "--holdout", "20"], "alice", ws)
    assert (c["campaign_id"], c["state"], c["version"], c["author"]) == ("C0001", "draft", 1, "alice (cli)")
    _refused(["campaign", "export", "C0001", "--reason", "too early"], "bob", ws, CampaignStateError,
             "only an approved campaign can be exported")
    assert not (Path(ws) / "exports").exists() or not list((Path(ws) / "exports").iterdir())
    c = _json(["campaign", "edit", "c1", "--version", "1", "--offer", "15% off", "--schedule", "2026-12-24"],
              "alice", ws)
    assert (c["version"], c["offer"], c["schedule"]) == (2, "15% off", "2026-12-24")
    _refused(["campaign", "submit", "C0001", "--version", "1"], "alice", ws, ConflictError, "changed by alice (cli)")
    c = _json(["campaign", "submit", "C0001", "--version", "2"], "alice", ws)
    assert c["state"] == "in_review"
    _refused(["campaign", "export", "C0001", "--reason", "still early"], "bob", ws, CampaignStateError,
             "is in review")
    _refused(["campaign", "approve", "C0001", "--version", "3"], "alice", ws, AuthError,
             "two-person approval is on")
    _refused(["campaign", "approve", "C0001", "--version", "3"], "olivia", ws, AuthError, "needs the role admin")
    c = _json(["campaign", "approve", "C0001", "--version", "3"], "bob", ws)
    assert c["state"] == "approved" and c["approved_by"] == "bob (cli)" and c["audience_size"] > 100
    e = _json(["campaign", "export", "C0001", "--reason", "Christmas send"], "bob", ws)
    assert e["held_out"] == round(c["audience_size"] * 0.2) and e["written"] > 0
    assert e["written"] + sum(e["left_out"].values()) + e["held_out"] == c["audience_size"]
    assert Path(e["path"]).parent == (Path(ws) / "exports").resolve()
    r = _json(["campaign", "results", "C0001", "--days", "7"], "alice", ws)
    assert (r["treated"] + r["control"], r["days"]) == (c["audience_size"], 7)

    shown = _json(["campaign", "show", "C0001"], "olivia", ws)
    assert shown["campaign"]["state"] == "results_imported" and shown["control"] == e["held_out"]
    assert shown["results"]["treated"] == r["treated"]
    listed = _json(["campaign", "list", "--state", "results_imported"], "olivia", ws)
    assert [x["campaign_id"] for x in listed] == ["C0001"]
    history = _json(["campaign", "history", "C0001"], "olivia", ws)
    assert [(h["version"], h["action"], h["actor"]) for h in history] == [
        (1, "create", "alice (cli)"), (2, "edit", "alice (cli)"), (3, "submit", "alice (cli)"),
        (4, "approve", "bob (cli)"), (5, "export", "bob (cli)"), (6, "results", "alice (cli)")]
    text = _run(["campaign", "history", "C0001"], "olivia", ws)
    assert text.exit_code == 0 and "v2" in text.stdout and "'10% off' -> '15% off'" in text.stdout
    shown_text = _run(["campaign", "show", "C0001"], "olivia", ws)
    assert "approved by bob (cli)" in shown_text.stdout and "results: Campaign C0001" in shown_text.stdout


@pytest.mark.parametrize("args", [["campaign", "edit", "C0001", "--version", "1"]])
def test_edit_without_changes_is_refused(workspace_copy, args: list[str]) -> None:
    from memberinsight.errors import DataValidationError

    add_accounts(workspace_copy)
    ws = str(workspace_copy.path)
    _json(["campaign", "create", "Quiet", "--segment", SEGMENT], "alice", ws)
    _refused(args, "alice", ws, DataValidationError, "nothing to edit")
    _refused(["campaign", "return", "C0001", "--version", "1", "--reason", "no"], "bob", ws, DataValidationError,
             "is draft")
