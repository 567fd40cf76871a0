"""The suppression list: add (idempotent), remove (soft, with who and when), import with a rejects file whose counts
add up, list with history; every change audited; the ``suppress`` commands with --json."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.config import load_settings
from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.governance import (
    add_suppression,
    import_suppressions,
    list_suppressions,
    remove_suppression,
    screen_audience,
    suppression_counts,
)
from tests.governance.gating_shop import write_shop


@pytest.fixture
def ws(tmp_path: Path):
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory

    ws = Workspace.create(tmp_path / "workspace")
    ingest_directory(ws, write_shop(tmp_path / "csv"))
    return ws


def _audit(ws, prefix: str = "suppression.") -> list[tuple[str, str, str, dict]]:
    with sqlite3.connect(ws.path / "operations.sqlite") as con:
        rows = con.execute("SELECT actor, action, object_id, detail FROM audit_log WHERE action LIKE ? ORDER BY id",
                           [prefix + "%"]).fetchall()
    return [(a, b, c, json.loads(d)) for a, b, c, d in rows]


def test_add_is_idempotent_remove_keeps_history_and_everything_is_audited(ws) -> None:
    row, created = add_suppression(ws, " M01 ", "Legal hold", actor="dpo", note="  court   order ")
    assert created and (row.member_id, row.channel, row.reason, row.note, row.added_by) == (
        "M01", "all", "legal_hold", "court order", "dpo")
    again, created = add_suppression(ws, "M01", "legal_hold", actor="ops")
    assert not created and again.id == row.id and again.added_by == "dpo"
    add_suppression(ws, "M01", "bounced", actor="ops", channel="email")
    assert suppression_counts(ws) == {"unsubscribed": 0, "bounced": 1, "complained": 0, "legal_hold": 1}
    screen = screen_audience(ws, ["M01"], "email", settings=load_settings())
    assert screen.left_out["bounced"] == ("M01",) and screen.counts()["legal_hold"] == 0  # the first reason counts
    assert screen_audience(ws, ["M01"], "sms", settings=load_settings()).left_out["legal_hold"] == ("M01",)

    (lifted,) = remove_suppression(ws, "M01", actor="dpo", reason="legal_hold", note="case closed")
    assert (lifted.removed_by, lifted.removed_note, lifted.active) == ("dpo", "case closed", False)
    assert [s.reason for s in list_suppressions(ws, member_id="M01")] == ["bounced"]
    history = list_suppressions(ws, member_id="M01", include_removed=True)
    assert [(s.reason, s.active) for s in history] == [("bounced", True), ("legal_hold", False)]
    with pytest.raises(NotFoundError, match="no suppression in force"):
        remove_suppression(ws, "M01", actor="dpo", reason="legal_hold")
    actions = [(a, b, c, d.get("reason")) for a, b, c, d in _audit(ws)]
    assert actions == [("dpo", "suppression.add", "M01", "legal_hold"), ("ops", "suppression.add", "M01", "bounced"),
                       ("dpo", "suppression.remove", "M01", "legal_hold")]  # the no-op add wrote nothing
    _, created = add_suppression(ws, "M01", "legal_hold", actor="dpo")
    assert created  # a lifted suppression can be put back; the old row stays in the history
    assert len(list_suppressions(ws, member_id="M01", include_removed=True)) == 3


def test_bad_values_are_refused_with_the_column(ws) -> None:
    for kwargs, column in (({"member_id": "", "reason": "bounced"}, "member_id"),
                           ({"member_id": "M01", "reason": "angry"}, "reason"),
                           ({"member_id": "M01", "reason": "bounced", "channel": "fax"}, "channel"),
                           ({"member_id": "M01", "reason": "bounced", "note": "x" * 501}, "note")):
        with pytest.raises(DataValidationError) as info:
            add_suppression(ws, actor="ops", **kwargs)
        assert info.value.column == column
    with pytest.raises(DataValidationError, match="who makes this change"):
        add_suppression(ws, "M01", "bounced", actor=" ")
    assert list_suppressions(ws, include_removed=True) == [] and _audit(ws) == []


def test_import_rejects_bad_rows_with_line_and_column_and_the_counts_add_up(ws, tmp_path: Path) -> None:
    add_suppression(ws, "M03", "bounced", actor="ops", channel="email")
    source = tmp_path / "unsubscribes.csv"
    source.write_text(
        "Member ID,Reason,Channel,Note\n"
        "M01,unsubscribed,email,via footer link\n"      # 2 added
        "M02,Legal-Hold,,\n"                              # 3 added (all channels)
        "M03,bounced,email,\n"                            # 4 already in force
        ",bounced,email,\n"                               # 5 rejected: member_id
        "M04,angry,email,\n"                              # 6 rejected: reason
        "M05,complained,fax,\n"                           # 7 rejected: channel
        "M06,bounced\n"                                   # 8 rejected: field count
        "\n"                                              # 9 blank: skipped
        "NEW42,complained,sms,\"=HYPERLINK(\"\"x\"\")\"\n"  # 10 added: not in the workspace yet
        "M01,unsubscribed,email,dup\n",                   # 11 already (the same as line 2)
        encoding="utf-8")
    result = import_suppressions(ws, source, actor="ops")
    assert (result.rows, result.added, result.already, result.rejected) == (9, 3, 2, 4)
    assert result.rows == result.added + result.already + result.rejected
    assert result.by_reason == {"unsubscribed": 1, "bounced": 0, "complained": 1, "legal_hold": 1}
    assert result.unknown_members == 1
    assert result.rejects_by_problem == {"bad_member_id": 1, "bad_reason": 1, "bad_channel": 1,
                                         "wrong_field_count": 1}
    with result.rejects_file.open(newline="", encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert [(r["line"], r["column"], r["problem"]) for r in rejects] == [
        ("5", "member_id", "bad_member_id"), ("6", "reason", "bad_reason"), ("7", "channel", "bad_channel"),
        ("8", "", "wrong_field_count")]
    assert rejects[1]["member_id"] == "M04" and "angry" in rejects[1]["message"]
    assert result.rejects_file.parent == ws.rejects_dir
    rows = {s.member_id: s for s in list_suppressions(ws)}
    assert (rows["M01"].channel, rows["M02"].channel, rows["M02"].reason) == ("email", "all", "legal_hold")
    assert rows["NEW42"].note == "=HYPERLINK(\"x\")" and rows["M01"].source == "import:unsubscribes.csv"
    (audit,) = [d for _, action, _, d in _audit(ws) if action == "suppression.import"]
    assert (audit["added"], audit["rejected"], audit["rows"]) == (3, 4, 9) and len(audit["ids"]) == 3

    again = import_suppressions(ws, source, actor="ops")  # re-running changes nothing
    assert (again.added, again.already, again.rejected) == (0, 5, 4)


def test_import_refuses_a_file_it_cannot_use(ws, tmp_path: Path) -> None:
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("email,reason\nx@example.com,bounced\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        import_suppressions(ws, no_id, actor="ops")
    assert (info.value.file, info.value.row, info.value.column) == ("no_id.csv", 1, "member_id")
    ids_only = tmp_path / "ids.csv"
    ids_only.write_text("member_id\nM01\nM02\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="no reason column"):
        import_suppressions(ws, ids_only, actor="ops")
    result = import_suppressions(ws, ids_only, actor="ops", default_reason="unsubscribed", default_channel="sms")
    assert result.added == 2 and {s.channel for s in list_suppressions(ws)} == {"sms"}
    latin = tmp_path / "latin.csv"
    latin.write_bytes("member_id,reason\nM\xe9,bounced\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match="not UTF-8"):
        import_suppressions(ws, latin, actor="ops")


def test_suppress_commands(ws, tmp_path: Path) -> None:
    from memberinsight.cli import app

    runner = CliRunner()
    w = ["-w", str(ws.path)]
    res = runner.invoke(app, ["suppress", "add", "M07", "--reason", "complained", "--note", "phoned", "--json", *w])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["created"] and data["suppression"]["reason"] == "complained"
    res = runner.invoke(app, ["suppress", "add", "M07", "-r", "complained", *w])
    assert "already suppressed" in res.output
    res = runner.invoke(app, ["suppress", "add", "M07", "-r", "grumpy", *w])
    assert res.exit_code != 0
    source = tmp_path / "list.csv"
    source.write_text("member_id;reason\nM08;bounced\nM09;nope\n", encoding="utf-8")
    res = runner.invoke(app, ["suppress", "import", str(source), "--channel", "email", *w])
    assert res.exit_code == 0, res.output
    assert "Read 2 rows from list.csv: 1 added (1 bounced), 0 already in force, 1 rejected." in res.output
    assert "1 bad_reason" in res.output
    res = runner.invoke(app, ["suppress", "list", "--json", *w])
    listed = json.loads(res.output)
    assert listed["counts"] == {"unsubscribed": 0, "bounced": 1, "complained": 1, "legal_hold": 0}
    assert [s["member_id"] for s in listed["suppressions"]] == ["M08", "M07"]
    res = runner.invoke(app, ["suppress", "remove", "M07", "--note", "resolved", *w])
    assert res.exit_code == 0 and "Lifted 1 suppression(s) of M07: complained on all" in res.output
    res = runner.invoke(app, ["suppress", "list", "--history", *w])
    assert "M07" in res.output and "by " in res.output and "In force: 0 unsubscribed, 1 bounced" in res.output
    actors = {a for a, *_ in _audit(ws)}
    assert len(actors) == 1 and next(iter(actors)).endswith("(cli)")
