"""Contact lists leave only through an approved campaign unless ``[campaigns] direct_export`` is on: the CLI's
``export-audience`` and the app's *Export audience* (Services, the callback, the live app over HTTP) refuse a
direct export by default, audited as a refused attempt; with the setting on only an admin may export in the app,
and the export's audit row says it bypassed approval. Real workspace (the gating shop), real files read back."""

from __future__ import annotations

import json
import socket
import sqlite3
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from memberinsight.config import load_settings
from memberinsight.errors import AuthError
from memberinsight.governance import DirectExportRefused, direct_export_allowed
from memberinsight.governance.contacts import contact_counts
from memberinsight.governance.direct_export import DIRECT_EXPORT_OFF, REFUSED_ACTION
from tests.governance.gating_shop import EMAIL_KEPT, build_shop

ENV = "MEMBERINSIGHT_CAMPAIGNS_DIRECT_EXPORT"
PASSWORD = "correct-horse-battery"
SEGMENT = "Londoners"
SINCE = datetime(2000, 1, 1)  # contact counts since: every contact


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from memberinsight.segments import save_segment
    from memberinsight.workspace.users import add_user

    monkeypatch.delenv(ENV, raising=False)  # the default, whatever the machine's environment says
    monkeypatch.setenv("MEMBERINSIGHT_CONFIG", str(_toml(tmp_path, "empty", "")))  # no stray memberinsight.toml
    ws = build_shop(tmp_path / "shop")
    add_user(ws, "ines", PASSWORD, role="admin")
    add_user(ws, "olivia", PASSWORD)  # an operator
    save_segment(ws, SEGMENT, {"where": {"field": "city", "op": "=", "value": "London"}}, owner="ines")
    return ws


def _toml(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _services(ws, **overrides):
    from memberinsight.agent.services import Services

    return Services(ws, load_settings(workspace=ws.path, **overrides))


def _audit(ws, action: str) -> list[tuple[str, str | None, dict]]:
    with sqlite3.connect(ws.path / "operations.sqlite") as con:
        rows = con.execute("SELECT actor, object_id, detail FROM audit_log WHERE action = ? ORDER BY id",
                           (action,)).fetchall()
    return [(actor, object_id, json.loads(detail)) for actor, object_id, detail in rows]


def _exported(ws) -> list[Path]:
    folder = ws.path / "exports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_setting_is_off_by_default_and_read_from_toml_and_environment(ws, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().campaigns_direct_export is False and not direct_export_allowed(load_settings())
    monkeypatch.setenv("MEMBERINSIGHT_CONFIG", str(_toml(tmp_path, "on", "[campaigns]\ndirect_export = true\n")))
    assert load_settings().campaigns_direct_export is True
    monkeypatch.setenv(ENV, "false")  # the environment wins over the file
    assert load_settings().campaigns_direct_export is False


def test_cli_refuses_a_direct_export_by_default_and_audits_the_attempt(ws, tmp_path: Path) -> None:
    from memberinsight.cli import app

    before = contact_counts(ws, SINCE)
    out = tmp_path / "list.csv"
    res = CliRunner().invoke(app, ["export-audience", "--segment", SEGMENT, "--reason", "summer mailing",
                                   "--out", str(out), "-w", str(ws.path)])
    assert res.exit_code == 1 and isinstance(res.exception, DirectExportRefused), res.output  # main(): "Error: ..."
    text = str(res.exception)
    assert "Contact lists leave only through an approved campaign" in text
    assert "memberinsight campaign create" in text and "direct_export = true" in text
    assert not out.exists() and _exported(ws) == [] and _audit(ws, "audience.export") == []
    assert contact_counts(ws, SINCE) == before  # nobody was contacted
    ((actor, object_id, detail),) = _audit(ws, REFUSED_ACTION)
    assert actor.endswith("(cli)") and object_id == SEGMENT
    assert detail == {"segment": SEGMENT, "channel": "email", "surface": "cli", "why": "direct_export_off",
                      "reason": "summer mailing"}


def test_services_refuse_by_default_even_for_an_admin(ws) -> None:
    from memberinsight.ui import callbacks as cb

    services = _services(ws)
    assert services.direct_export_allowed() is False and services.direct_export_note() == DIRECT_EXPORT_OFF
    with pytest.raises(DirectExportRefused, match="only through an approved campaign: create one in the Approvals"):
        services.export_audience("ines", SEGMENT, "email", "summer mailing")
    message, path = cb.export_audience(services, "olivia", SEGMENT, "sms", "sms reminder")
    assert message == f"⚠️ {DIRECT_EXPORT_OFF}" and path is None
    assert _exported(ws) == [] and _audit(ws, "audience.export") == []
    refused = _audit(ws, REFUSED_ACTION)
    assert [(a, d["surface"], d["channel"], d["why"]) for a, _, d in refused] == [
        ("ines", "app", "email", "direct_export_off"), ("olivia", "app", "sms", "direct_export_off")]
    with pytest.raises(AuthError, match="needs a signed-in account"):  # no account: refused before the rule
        services.export_audience("nobody", SEGMENT, "email", "x")
    assert len(_audit(ws, REFUSED_ACTION)) == 2


def test_on_an_operator_is_refused_in_the_app(ws) -> None:
    services = _services(ws, campaigns_direct_export=True)
    assert services.direct_export_allowed() is True and "admins only" in services.direct_export_note()
    with pytest.raises(DirectExportRefused, match=r"needs an admin \(olivia is not one\)"):
        services.export_audience("olivia", SEGMENT, "email", "summer mailing")
    assert _exported(ws) == [] and _audit(ws, "audience.export") == []
    ((actor, _, detail),) = _audit(ws, REFUSED_ACTION)
    assert actor == "olivia" and detail["why"] == "not_admin" and detail["surface"] == "app"


def test_on_an_admin_exports_and_the_audit_row_says_approval_was_bypassed(ws, monkeypatch) -> None:
    import csv

    from memberinsight.cli import app

    report = _services(ws, campaigns_direct_export=True).export_audience("ines", SEGMENT, "email", "summer mailing")
    with report.path.open(newline="", encoding="utf-8") as fh:
        assert [r["member_id"] for r in csv.DictReader(fh)] == EMAIL_KEPT  # screened as every export
    assert report.written == 8 and _exported(ws) == [report.path]
    ((actor, object_id, detail),) = _audit(ws, "audience.export")
    assert (actor, object_id) == ("ines", SEGMENT) and detail["bypassed_approval"] is True
    assert detail["campaign_id"] is None and detail["file"] == str(report.path) and detail["rows"] == 8

    monkeypatch.setenv(ENV, "true")  # the CLI reads the setting like every other: here from the environment
    res = CliRunner().invoke(app, ["export-audience", "--segment", SEGMENT, "--channel", "push", "--reason",
                                   "app launch", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["written"] == 9
    cli_actor, _, cli_detail = _audit(ws, "audience.export")[-1]
    assert cli_actor.endswith("(cli)") and cli_detail["bypassed_approval"] is True and cli_detail["channel"] == "push"
    assert _audit(ws, REFUSED_ACTION) == []


def test_an_approved_campaign_still_exports_with_direct_export_off(ws) -> None:
    from memberinsight.governance import approve_campaign, create_campaign, export_campaign, submit_campaign
    from memberinsight.workspace.users import add_user

    add_user(ws, "bob", PASSWORD, role="admin")
    c = create_campaign(ws, actor="ines", name="Summer", segment=SEGMENT, channel="email")
    c = submit_campaign(ws, c.campaign_id, actor="ines", version=c.version)
    c = approve_campaign(ws, c.campaign_id, actor="bob", version=c.version, settings=load_settings())
    exported = export_campaign(ws, c.campaign_id, actor="bob", reason="summer send")
    assert exported.written == 8 and exported.path.is_file()
    assert _audit(ws, REFUSED_ACTION) == []


def test_the_live_app_refuses_over_http_and_hides_its_export_controls(ws) -> None:
    from memberinsight.ui import launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    services = _services(ws)
    app = launch(ws, services.settings.replace(server_port=port), block=False, services=services, quiet=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            assert client.post("/login", data={"username": "ines", "password": PASSWORD}).status_code == 200
            config = client.get("/config").json()
            shown = {c["props"].get("elem_id"): c["props"] for c in config["components"]}
            assert shown["camp-export"]["visible"] is False and shown["camp-reason"]["visible"] is False
            assert "only through an approved campaign" in shown["camp-export-note"]["value"]
            event = client.post("/gradio_api/call/export", json={"data": [SEGMENT, "email", "summer mailing"]})
            assert event.status_code == 200, event.text
            stream = client.get(f"/gradio_api/call/export/{event.json()['event_id']}").text
            message, download = json.loads(stream.split("event: complete\ndata: ", 1)[1].splitlines()[0])
    finally:
        app.close()
    assert message.startswith("⚠️ Contact lists leave only through an approved campaign") and download is None
    assert _exported(ws) == [] and [a for a, _, _ in _audit(ws, REFUSED_ACTION)] == ["ines"]
