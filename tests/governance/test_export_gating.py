"""Acceptance: a member without consent for a channel, on the suppression list, with a fresh 1-star review or
return, fraud-flagged or over the frequency cap never appears in that channel's export, and every summary (report,
audit row, CLI text and --json, the app's message) counts each reason. Real workspace files, real CSV read back."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.config import load_settings
from memberinsight.governance import REASONS, export_audience, export_segment, screen_audience
from memberinsight.governance.contacts import contact_counts
from tests.governance.gating_shop import (
    EMAIL_KEPT,
    EMAIL_LEFT_OUT,
    MEMBERS,
    PUSH_KEPT,
    REFERENCE_DAY,
    SMS_KEPT,
    build_shop,
)

AUDIENCE = [*MEMBERS, "M99"]
REFERENCE_DAY_START = datetime(2000, 1, 1)  # contact counts since: every contact


@pytest.fixture
def ws(tmp_path: Path):
    return build_shop(tmp_path)


def _ids(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["member_id"] for r in rows], rows


def _last_export_audit(ws) -> dict:
    with sqlite3.connect(ws.path / "operations.sqlite") as con:
        (detail,) = con.execute("SELECT detail FROM audit_log WHERE action = 'audience.export' "
                                "ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(detail)


def test_email_export_leaves_out_each_reason_and_counts_it(ws) -> None:
    settings = load_settings(workspace=ws.path)
    before = contact_counts(ws, REFERENCE_DAY_START)
    report = export_segment(ws, None, "email", actor="ana", reason="summer mailing", member_ids=AUDIENCE,
                            settings=settings)
    written, rows = _ids(report.path)
    assert written == EMAIL_KEPT and report.written == len(EMAIL_KEPT) == 8
    assert rows[0]["email"] == "a01@example.com"
    expected = {r: len(EMAIL_LEFT_OUT.get(r, [])) for r in REASONS}
    assert report.left_out == expected and list(report.left_out) == list(REASONS)
    assert sum(report.left_out.values()) + report.written == report.requested == 21
    assert (report.not_found, report.without_contact, report.reference_day) == (1, 1, REFERENCE_DAY)
    assert report.summary.startswith("8 of 21 members can receive email; left out: 1 not in the workspace, "
                                     "1 without email, 2 without email consent, 1 unsubscribed, 1 bounced, "
                                     "1 complained, 1 on legal hold, 1 with a 1-2 star review in the last 30 days, "
                                     "1 with a return in the last 30 days, 2 flagged in the fraud queue, "
                                     "1 already contacted 3 times in 7 days")
    assert "(reviews and returns as of 2025-06-30, the day of the newest order, as the data ends before today)" in (
        report.summary)
    detail = _last_export_audit(ws)
    assert detail["left_out"] == expected and detail["reference_day"] == "2025-06-30" and detail["rows"] == 8
    assert "a01@" not in json.dumps(detail)  # counts only, no contact details
    after = contact_counts(ws, REFERENCE_DAY_START)  # the written members are now on the contact log
    assert {m: after.get(m, 0) - before.get(m, 0) for m in MEMBERS if after.get(m, 0) != before.get(m, 0)} == {
        m: 1 for m in EMAIL_KEPT}


def test_sms_and_push_use_their_own_consent_and_suppressions(ws, tmp_path: Path) -> None:
    sms = export_audience(ws, AUDIENCE, tmp_path / "sms.csv", channel="sms", actor="ana")
    assert _ids(sms.path)[0] == SMS_KEPT
    assert sms.left_out["no_contact"] == 1 and sms.left_out["unsubscribed"] == 2  # M20 no phone; M05, M18
    assert sms.left_out["bounced"] == 0 and sms.left_out["no_consent"] == 1  # M06 bounced on email only
    push = export_audience(ws, AUDIENCE, tmp_path / "push.csv", channel="push", actor="ana")
    ids, rows = _ids(push.path)
    assert ids == PUSH_KEPT and list(rows[0]) == ["member_id"] and push.columns == ("member_id",)
    assert push.left_out["no_contact"] == 0 and push.left_out["no_consent"] == 3  # M02, M03, M20 (refused)
    assert "@" not in push.path.read_text(encoding="utf-8")


def test_unrecorded_consent_included_only_when_configured_and_said_plainly(ws, tmp_path: Path) -> None:
    settings = load_settings(workspace=ws.path, contact_consent_unrecorded="include")
    report = export_audience(ws, AUDIENCE, tmp_path / "incl.csv", channel="email", settings=settings)
    ids = _ids(report.path)[0]
    assert "M03" in ids and "M02" not in ids  # never recorded: included; refused: never
    assert report.left_out["no_consent"] == 1
    assert "Consent not recorded was treated as given" in report.summary and "1 of them" in report.summary
    strict = screen_audience(ws, AUDIENCE, "email", settings=load_settings(workspace=ws.path))
    assert "M03" in strict.left_out["no_consent"] and "treated as given" not in strict.summary()


def test_cap_review_and_return_windows_follow_the_settings(ws) -> None:
    loose = load_settings(workspace=ws.path, contact_frequency_cap=4, contact_low_review_days=3,
                          contact_return_days=5)
    screen = screen_audience(ws, AUDIENCE, "email", settings=loose)
    assert {"M09", "M10", "M14"} <= set(screen.kept)  # review 5 days, return 10 days, 3 contacts: all allowed now
    tight = load_settings(workspace=ws.path, contact_low_review_days=120, contact_return_days=200)
    screen = screen_audience(ws, AUDIENCE, "email", settings=tight)
    assert screen.left_out["recent_low_review"] == ("M09", "M16") and "M16" not in screen.kept


def test_audience_command_counts_and_names_who_is_left_out_without_writing(
        ws, monkeypatch: pytest.MonkeyPatch) -> None:
    from memberinsight.cli import app
    from memberinsight.segments import save_segment

    save_segment(ws, "Everyone", {"where": {"field": "country", "op": "=", "value": "United Kingdom"}}, owner="ana")
    exports = ws.path / "exports"
    before = contact_counts(ws, REFERENCE_DAY_START)
    runner = CliRunner()
    res = runner.invoke(app, ["audience", "Everyone", "--channel", "email", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["kept"] == 8 and data["requested"] == 20 and data["reference_day"] == "2025-06-30"
    assert data["left_out"] == {r: len([m for m in EMAIL_LEFT_OUT.get(r, []) if m != "M99"]) for r in REASONS}
    assert data["left_out_ids"]["fraud_flagged"] == ["M11", "M12"]
    res = runner.invoke(app, ["audience", "Everyone", "-c", "sms", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert "9 of 20 members can receive sms" in res.output and "unsubscribed (2): M05, M18" in res.output
    assert not exports.exists() or not list(exports.iterdir())
    assert contact_counts(ws, REFERENCE_DAY_START) == before  # counting is not contacting

    monkeypatch.setenv("MEMBERINSIGHT_CAMPAIGNS_DIRECT_EXPORT", "true")  # a direct export (no campaign): opt in
    res = runner.invoke(app, ["export-audience", "--segment", "Everyone", "--reason", "test", "--json",
                              "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["written"] == 8 and out["left_out"]["frequency_cap"] == 1 and "left out" in out["summary"]
    assert _ids(Path(out["path"]))[0] == EMAIL_KEPT


def test_app_export_message_counts_each_reason(ws) -> None:
    from memberinsight.agent.services import Services
    from memberinsight.segments import save_segment
    from memberinsight.ui import callbacks as cb
    from memberinsight.workspace.users import add_user

    add_user(ws, "ana", "correct-horse-battery", role="admin")  # direct exports (on here) are admin-only
    save_segment(ws, "Londoners", {"where": {"field": "city", "op": "=", "value": "London"}}, owner="ana")
    services = Services(ws, load_settings(workspace=ws.path, campaigns_direct_export=True))
    message, path = cb.export_audience(services, "ana", "Londoners", "email", "summer mailing")
    assert message.startswith("Exported **8** of 20 members of Londoners for email"), message
    assert "2 flagged in the fraud queue" in message and "1 on legal hold" in message
    assert _ids(Path(path))[0] == EMAIL_KEPT
    message, path = cb.export_audience(services, "ana", "Londoners", "push", "app launch")
    assert message.startswith("Exported **9** of 20") and _ids(Path(path))[0] == PUSH_KEPT
    message, path = cb.export_audience(services, "ana", "Londoners", "fax", "nope")
    assert message.startswith("⚠️") and path is None

