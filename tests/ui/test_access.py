"""App access over HTTP against real servers: sessions end with the account, throttled sign-ins, roles,
no API description before login, temp copies deleted at stop.

Each test serves its own workspace on its own port (the session's shared ``live_app`` keeps user
``ana`` working for the browser tests).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from memberinsight.agent.services import Services
from memberinsight.cli import app as cli
from memberinsight.config import load_settings
from memberinsight.errors import AuthError
from memberinsight.ui import callbacks as cb
from memberinsight.ui import launch
from memberinsight.workspace import Workspace
from memberinsight.workspace.login_throttle import ACCOUNT_POLICY
from memberinsight.workspace.users import add_user, remove_user, set_disabled, set_password

PASSWORD = "correct-horse-battery"
runner = CliRunner()


class QuietServices(Services):
    """The real services, without the background warm-up (no agent or language model is needed here)."""

    def warm(self) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(ws: Workspace) -> Iterator[tuple[Any, str]]:
    """(the app, its base URL) for ``ws`` on a free loopback port, closed afterwards."""
    settings = load_settings(workspace=ws.path).replace(server_port=_free_port())
    app = launch(ws, settings, block=False, services=QuietServices(ws, settings), quiet=True)
    try:
        yield app, f"http://127.0.0.1:{settings.server_port}"
    finally:
        app.close()


@contextmanager
def signed_in(base: str, user: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A client holding ``user``'s session cookie."""
    with httpx.Client(base_url=base, timeout=60) as client:
        response = client.post("/login", data={"username": user, "password": password})
        assert response.status_code == 200, response.text
        yield client


def _audit(ws: Workspace, action: str) -> list[tuple]:
    with sqlite3.connect(ws.operations_path) as con:
        return con.execute("SELECT actor, object_id, outcome, detail FROM audit_log WHERE action = ? ORDER BY id",
                           (action,)).fetchall()


def _cli(*args: str) -> str:
    result = runner.invoke(cli, ["user", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _api_info(page: str) -> dict:
    return json.loads(re.search(r"window\.gradio_api_info = (.*?);\s*</script>", page, re.S).group(1))


def test_removing_a_user_ends_their_session_at_once(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    add_user(ws, "ana", PASSWORD)
    add_user(ws, "ben", PASSWORD)
    with serving(ws) as (app, base), signed_in(base, "ana") as ana, signed_in(base, "ben") as ben:
        assert ana.get("/config").status_code == 200 and ana.get("/gradio_api/info").status_code == 200
        token = ana.cookies[f"access-token-unsecure-{app.server_app.cookie_id}"]
        assert "sessions are ended" in _cli("remove", "ana", "-w", str(ws.path))
        assert ana.get("/config").status_code == 401  # the very next request
        assert ana.get("/gradio_api/info").status_code == 401
        page = ana.get("/").text  # back to the login page
        assert re.search(r'"auth_required":\s*true', page) and _api_info(page)["named_endpoints"] == {}
        assert token not in app.server_app.tokens  # forgotten, not only refused
        assert ben.get("/config").status_code == 200  # other sessions are untouched
    assert _audit(ws, "session.end") == [("ana", "ana", "revoked", "account removed")]


def test_a_password_change_or_a_disabled_account_ends_sessions_and_enable_allows_a_new_one(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    add_user(ws, "ana", PASSWORD)
    with serving(ws) as (_, base):
        with signed_in(base, "ana") as first:
            _cli("passwd", "ana", "--password", "a-new-password", "-w", str(ws.path))
            assert first.get("/config").status_code == 401
            assert first.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 400
        with signed_in(base, "ana", "a-new-password") as second:
            assert second.get("/config").status_code == 200
            set_disabled(ws, "ana", True, actor="ines")  # through the workspace API
            assert second.get("/config").status_code == 401
            refused = second.post("/login", data={"username": "ana", "password": "a-new-password"})
            assert refused.status_code == 400 and second.get("/config").status_code == 401
            _cli("enable", "ana", "-w", str(ws.path))
            assert second.post("/login", data={"username": "ana", "password": "a-new-password"}).status_code == 200
            assert second.get("/config").status_code == 200
            set_password(ws, "ana", "a-third-password")
            assert second.get("/gradio_api/info").status_code == 401
    changed = "password changed (or account disabled and enabled again) since sign-in"
    assert [r[3] for r in _audit(ws, "session.end")] == [changed, "account disabled", changed]


def test_forty_wrong_passwords_lock_the_account_even_for_the_right_one_across_a_restart(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    add_user(ws, "ana", PASSWORD)
    with serving(ws) as (_, base), httpx.Client(base_url=base, timeout=60) as client:
        codes = [client.post("/login", data={"username": "ana", "password": f"guess-{i}"}).status_code
                 for i in range(40)]
        assert codes[:ACCOUNT_POLICY.delay_after] == [400] * ACCOUNT_POLICY.delay_after  # checked, wrong
        assert set(codes[ACCOUNT_POLICY.delay_after:]) == {429}  # too soon, then locked: refused unchecked
        right = client.post("/login", data={"username": "ana", "password": PASSWORD})
        assert right.status_code == 429 and int(right.headers["retry-after"]) > 14 * 60
        assert right.json()["detail"].startswith("Too many failed sign-ins: this account is locked for 15 more minutes")
        assert client.get("/config").status_code == 401
    denied = [r for r in _audit(ws, "login") if r[2] == "denied"]
    assert len(denied) == 41 and sum("locked" in (r[3] or "") for r in denied) == 41 - ACCOUNT_POLICY.lock_after
    assert _audit(ws, "login.locked") == [("ana", "ana", "denied", "10 failed sign-ins; locked 15 min")]
    with serving(ws) as (_, base), httpx.Client(base_url=base, timeout=60) as client:  # a restarted server
        assert client.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 429
        assert "Unlocked ana and 127.0.0.1" in _cli("unlock", "ana", "--address", "127.0.0.1", "-w", str(ws.path))
        assert client.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 200
        assert client.get("/config").status_code == 200


def test_the_login_page_describes_no_api_until_signed_in(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    add_user(ws, "ana", PASSWORD)
    with serving(ws) as (app, base), httpx.Client(base_url=base, timeout=60) as client:
        public = client.get("/")
        assert public.status_code == 200 and re.search(r'"auth_required":\s*true', public.text)
        assert _api_info(public.text) == {"named_endpoints": {}, "unnamed_endpoints": {}}
        assert '"parameters"' not in public.text and "do_upload" not in public.text
        assert int(public.headers["content-length"]) == len(public.content)
        for path in ("/config", "/gradio_api/info", "/gradio_api/openapi.json"):
            assert client.get(path).status_code == 401, path
        assert client.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 200
        endpoints = _api_info(client.get("/").text)["named_endpoints"]
        assert len(endpoints) >= 10 and any(e["parameters"] for e in endpoints.values())  # signed in: all of it


def test_operators_are_refused_admin_actions_with_a_clear_message(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    add_user(ws, "ana", PASSWORD)
    add_user(ws, "ines", PASSWORD, role="admin")
    services = QuietServices(ws, load_settings(workspace=ws.path))
    upload = tmp_path / "members.csv"
    upload.write_text("member_id,email\nM1,a@example.org\n", encoding="utf-8")
    assert cb.upload_file(services, "ana", str(upload), "auto") == \
        "⚠️ uploading data: this needs an admin (ana is an operator)"
    with pytest.raises(AuthError, match="this needs an admin"):
        services.upload("ana", upload)
    assert "missing" in cb.upload_file(services, "ines", str(tmp_path / "gone.csv"), "auto")  # past the check
    assert services.require_role("ana", "operator", "deciding reviews").username == "ana"
    assert cb.account_header(services, "ana") == ("Signed in as **ana** · operator", False)
    assert cb.account_header(services, "ines") == ("Signed in as **ines** · admin", True)
    set_disabled(ws, "ana", True)
    with pytest.raises(AuthError, match="deciding reviews needs a signed-in account; 'ana' is not an active one"):
        services.decide("ana", "R1", "approve", 1)
    with pytest.raises(AuthError, match="not an active one"):
        services.generate_copy("ghost", "Champions", "email")
    assert cb.account_header(services, "ana") == ("Signed in as **ana** (no active account)", False)


def _call(client: httpx.Client, api_name: str, data: list) -> httpx.Response | list:
    """Run an app event through Gradio's HTTP API; the output list, or the refusing response."""
    started = client.post(f"/gradio_api/call/{api_name}", json={"data": data})
    if started.status_code != 200:
        return started
    stream = client.get(f"/gradio_api/call/{api_name}/{started.json()['event_id']}").text
    events = re.findall(r"event: (\w+)\ndata: (.*)", stream)
    assert events and events[-1][0] == "complete", stream
    return json.loads(events[-1][1])


@pytest.mark.slow
def test_exports_stop_with_the_account_and_their_temp_copies_go_when_the_server_stops(built_workspace, tmp_path,
                                                                                   monkeypatch) -> None:
    monkeypatch.setenv("MEMBERINSIGHT_CAMPAIGNS_DIRECT_EXPORT", "true")  # direct exports: admins, when allowed
    target = tmp_path / "workspace"
    shutil.copytree(built_workspace.path, target)
    ws = Workspace.open(target)
    add_user(ws, "ana", PASSWORD, role="admin")
    add_user(ws, "ben", PASSWORD)
    with serving(ws) as (app, base), signed_in(base, "ana") as ana, signed_in(base, "ben") as ben:
        export = next(fn for fn in app.fns.values() if fn.name == "export")
        data = ["Champions", "email", "access test"][:len(export.inputs)]
        message, download = _call(ana, export.api_name, data)
        copy = Path(download["path"])
        assert "Exported" in message and copy.is_file() and Path(app.GRADIO_CACHE) in copy.parents
        assert copy.read_text(encoding="utf-8").startswith("email")
        remove_user(ws, "ben")
        refused = _call(ben, export.api_name, data)
        assert isinstance(refused, httpx.Response) and refused.status_code == 401
    assert not copy.exists()  # Gradio's temp copy of the download is gone with the server
    assert (ws.path / "exports").is_dir() and any((ws.path / "exports").iterdir())  # the export itself stays
    with sqlite3.connect(ws.operations_path) as con:
        actors = [r[0] for r in con.execute("SELECT actor FROM audit_log WHERE action = 'audience.export'")]
    assert actors == ["ana"]


@pytest.mark.browser
@pytest.mark.slow
def test_an_operator_sees_their_role_and_no_upload(app_page) -> None:
    from playwright.sync_api import expect

    expect(app_page.locator("#whoami")).to_contain_text("Signed in as ana · operator")
    app_page.get_by_role("tab", name="Data").click()
    expect(app_page.locator("#data-upload-note")).to_contain_text("Uploading data needs an admin account.")
    assert app_page.locator("#data-upload").count() == 0 or not app_page.locator("#data-upload").is_visible()


@pytest.mark.browser
@pytest.mark.slow
def test_a_locked_sign_in_shows_its_plain_message_on_the_login_page(browser, tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    add_user(ws, "ana", PASSWORD)
    with serving(ws) as (_, base):
        with httpx.Client(base_url=base, timeout=60) as client:
            for i in range(ACCOUNT_POLICY.lock_after):
                client.post("/login", data={"username": "ana", "password": f"guess-{i}"})
        context = browser.new_context()
        try:
            page = context.new_page()
            messages: list[str] = []
            page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
            page.goto(base)
            page.get_by_label("username").fill("ana")
            page.get_by_label("password").fill(PASSWORD)
            page.get_by_role("button", name="Login").click()
            for _ in range(100):  # the refusal arrives as an alert
                if messages:
                    break
                page.wait_for_timeout(100)
            assert messages and "this account is locked for 15 more minutes" in messages[0]
            assert page.locator("#chat-input").count() == 0
        finally:
            context.close()
