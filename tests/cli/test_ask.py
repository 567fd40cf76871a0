"""``memberinsight ask "QUESTION" [--json]``: the agent end to end on a built demo workspace, through the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app

runner = CliRunner()
pytestmark = pytest.mark.slow


def _ask(ws, *args: str) -> dict:
    result = runner.invoke(app, ["ask", *args, "--json", "-w", str(ws.path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ask_answers_with_tool_arguments_and_table(built_workspace) -> None:
    with built_workspace.analytics(read_only=True) as con:
        member = con.execute("SELECT member_id FROM members ORDER BY member_id LIMIT 1 OFFSET 122").fetchone()[0]
    data = _ask(built_workspace, f"whats the churn risk on {member}")
    assert (data["tool"], data["arguments"], data["outcome"]) == ("member_lookup", {"member_id": member},
                                                                  "member_lookup")
    assert data["ok"] and member in data["answer"] and not data["refused"]

    data = _ask(built_workspace, "forcast Kitchenware for the next 6 wks")  # typos, shorthand, a near-name
    assert (data["tool"], data["arguments"]) == ("category_forecast", {"category": "Kitchen", "weeks": 6})
    assert data["answer"].startswith("_I read “kitchenware” as Kitchen._")  # the guess is said, not hidden
    assert len(data["table"]) == 6 and {"week_start", "units", "revenue"} <= set(data["table"][0])

    data = _ask(built_workspace, "compare our VIPs with the lapsed custmers")
    assert data["arguments"] == {"segment_a": "Champions", "segment_b": "Lost"}
    assert "Champions" in data["answer"] and "Lost" in data["answer"]


def test_ask_follow_up_refusal_and_question_back(built_workspace) -> None:
    data = _ask(built_workspace, "only the ones over £1000", "--after", "who is at risk of churning?")
    assert (data["tool"], data["arguments"]["min_clv"]) == ("at_risk_members", 1000.0)
    assert all(row["predicted_clv_365d"] >= 1000 for row in data["table"])

    for question in ("delete all reviews from the database", "who won the world cup in 2022"):
        data = _ask(built_workspace, question)
        assert (data["tool"], data["outcome"], data["refused"], data["ok"]) == (None, "refused", True, False)
        assert "member" in data["answer"] and data["table"] is None  # says what it can do; looks nothing up

    data = _ask(built_workspace, "compare them")
    assert (data["outcome"], data["refused"]) == ("asked back", False)

    plain = runner.invoke(app, ["ask", "how many champions are there", "-w", str(built_workspace.path)])
    assert plain.exit_code == 0 and "tool: segment_overview(segment='Champions')" in plain.output


def test_ask_names_the_fraud_command_the_app_does_not(built_workspace) -> None:
    data = _ask(built_workspace, "any suspicious orders in the fraud queue?")
    assert data["tool"] == "fraud_overview" and "`memberinsight fraud queue decide`" in data["answer"]
