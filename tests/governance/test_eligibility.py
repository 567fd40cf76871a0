"""Consent fields at ingest, the reference day, the [contact] rules, the frequency window, the first-reason rule and
the demo shop's consent (realistic rates, timestamps at or after signup, deterministic)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from memberinsight.config import load_settings
from memberinsight.errors import ConfigError, DataValidationError
from memberinsight.governance import REASONS, record_contacts, screen_audience
from memberinsight.governance.consent import contact_rules, reference_day
from tests.governance.gating_shop import REFERENCE_DAY, write_shop


@pytest.fixture
def ws(tmp_path: Path):
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory

    ws = Workspace.create(tmp_path / "workspace")
    ingest_directory(ws, write_shop(tmp_path / "csv"))
    return ws


def test_consent_columns_are_optional_typed_and_validated_at_ingest(ws, tmp_path: Path) -> None:
    from memberinsight.workspace.ingest import ingest_file
    from memberinsight.workspace.schema import MEMBERS

    consent = ["email_consent", "email_consent_at", "sms_consent", "sms_consent_at", "push_consent", "push_consent_at"]
    assert [c for c in MEMBERS.all_column_names if c not in MEMBERS.column_names] == consent
    with ws.analytics(read_only=True) as con:
        rows = dict(con.execute("SELECT member_id, email_consent FROM members WHERE member_id IN ('M01', 'M02', 'M03')"
                                ).fetchall())
        at = con.execute("SELECT email_consent_at FROM members WHERE member_id = 'M01'").fetchone()[0]
    assert rows == {"M01": True, "M02": False, "M03": None} and at == datetime(2024, 1, 2, 10, 0)

    bad = tmp_path / "members_update.csv"
    bad.write_text("member_id,email_consent,sms_consent_at\nM03,yes,2024-02-01 09:00\nM04,maybe,\n"
                   "M05,false,2999-01-01 00:00\nM06,,\n", encoding="utf-8")
    report = ingest_file(ws, bad, kind="members")
    assert report.rows_rejected == 2 and report.rejects_by_reason == {"bad_boolean": 1, "future_date": 1}
    rejects = pd.read_csv(report.rejects_file)
    assert list(zip(rejects["_line"], rejects["_column"], strict=True)) == [(3, "email_consent"), (4, "sms_consent_at")]
    with ws.analytics(read_only=True) as con:
        got = dict(con.execute("SELECT member_id, email_consent FROM members WHERE member_id IN ('M03', 'M06')"
                               ).fetchall())
    assert got == {"M03": True, "M06": True}  # a blank cell keeps the stored value
    with pytest.raises(DataValidationError) as info:
        ingest_file(ws, bad, kind="members", strict=True)
    assert (info.value.row, info.value.column) == (3, "email_consent")


def test_reference_day_is_given_today_or_the_newest_order(ws, tmp_path: Path) -> None:
    from memberinsight.workspace import Workspace

    assert reference_day(ws) == (REFERENCE_DAY, "newest order")
    assert reference_day(ws, date(2025, 1, 1)) == (date(2025, 1, 1), "given")
    empty = Workspace.create(tmp_path / "empty")
    assert reference_day(empty) == (datetime.now(UTC).date(), "today")
    screen = screen_audience(ws, ["M09"], "email", today=date(2025, 8, 1), settings=load_settings())
    assert screen.kept == ("M09",) and "as of 2025-08-01" in screen.summary()  # the 1-star review is old by then


def test_contact_rules_are_checked() -> None:
    assert contact_rules(load_settings()).to_dict() == {"consent_unrecorded": "exclude", "low_review_days": 30,
                                                        "return_days": 30, "frequency_cap": 3, "frequency_days": 7}
    with pytest.raises(ConfigError, match="exclude or include"):
        contact_rules(load_settings(contact_consent_unrecorded="maybe"))
    with pytest.raises(ConfigError, match="frequency_cap"):
        contact_rules(load_settings(contact_frequency_cap=-1))


def test_the_environment_sets_the_contact_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMBERINSIGHT_CONTACT_CONSENT_UNRECORDED", "include")
    monkeypatch.setenv("MEMBERINSIGHT_CONTACT_FREQUENCY_CAP", "5")
    rules = contact_rules(load_settings())
    assert (rules.consent_unrecorded, rules.frequency_cap) == ("include", 5)


def test_frequency_window_counts_every_channel_and_ends_on_the_clock(ws) -> None:
    today = date(2026, 3, 10)
    settings = load_settings()
    noon = datetime(2026, 3, 10, 12, 0)
    record_contacts(ws, ["M01", "M13"], "email", actor="ops", at=noon)
    record_contacts(ws, ["M01"], "sms", actor="ops", at=noon - timedelta(days=6))  # first day of the 7-day window
    record_contacts(ws, ["M01", "M13"], "push", actor="ops", at=noon - timedelta(days=3), campaign_id="C0001")
    record_contacts(ws, ["M13"], "email", actor="ops", at=noon - timedelta(days=7))  # a day too early
    screen = screen_audience(ws, ["M01", "M13"], "email", today=today, settings=settings)
    assert screen.left_out["frequency_cap"] == ("M01",) and screen.kept == ("M13",)
    later = screen_audience(ws, ["M01", "M13"], "email", today=today + timedelta(days=1), settings=settings)
    assert later.kept == ("M01", "M13")  # the sms contact has left the window
    off = screen_audience(ws, ["M01"], "email", today=today, settings=load_settings(contact_frequency_cap=0))
    assert off.kept == ("M01",)
    with pytest.raises(DataValidationError, match="channel"):
        record_contacts(ws, ["M01"], "fax", actor="ops")


def test_first_reason_wins_and_counts_cover_every_reason(ws) -> None:
    from memberinsight.governance import add_suppression

    add_suppression(ws, "M02", "unsubscribed", actor="ops")  # M02 also refused email: counted as no_consent
    screen = screen_audience(ws, ["M02", "M02", "M01"], "email", settings=load_settings())
    assert screen.requested == 2 and list(screen.counts()) == list(REASONS)
    assert screen.left_out["no_consent"] == ("M02",) and screen.counts()["unsubscribed"] == 0
    assert screen.to_dict()["left_out"]["no_consent"] == 1 and "M02" not in str(screen.to_dict())
    with pytest.raises(DataValidationError, match="channel"):
        screen_audience(ws, ["M01"], "letter")


def test_demo_members_carry_realistic_consent(demo_dir: Path) -> None:
    members = pd.read_csv(demo_dir / "members.csv", dtype=str)
    share = {c: members[f"{c}_consent"].str.lower().eq("true").mean() for c in ("email", "sms", "push")}
    assert 0.7 < share["email"] < 0.9 and 0.25 < share["sms"] < 0.45 and 0.15 < share["push"] < 0.3
    assert members["email_consent"].isna().mean() > 0.02  # some were never asked
    signup = pd.to_datetime(members["signup_date"])
    for channel in ("email", "sms", "push"):
        at = pd.to_datetime(members[f"{channel}_consent_at"])
        given = members[f"{channel}_consent"].notna()
        assert (at.notna() == given).all()
        assert (at[given].dt.normalize() >= signup[given]).all() and at.max() < pd.Timestamp("2026-10-01")
