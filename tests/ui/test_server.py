"""Serving: login always on, loopback by default, no public bind without accounts, a printed demo login."""

from __future__ import annotations

import re

import httpx
import pytest

from memberinsight.config import load_settings
from memberinsight.errors import AuthError, ConfigError
from memberinsight.ui import check_bind, is_loopback, launch, serve
from memberinsight.ui.server import ensure_user
from memberinsight.workspace import Workspace
from memberinsight.workspace.users import add_user, check_login, list_users


def test_loopback_detection_and_bind_rule() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.3.2.1", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.org"))
    check_bind("127.0.0.1", auth=False)
    check_bind("0.0.0.0", auth=True)
    with pytest.raises(ConfigError, match="refusing to bind 0.0.0.0 without login"):
        check_bind("0.0.0.0", auth=False)


def test_default_bind_is_loopback() -> None:
    assert load_settings().server_host == "127.0.0.1"


def test_public_bind_without_accounts_is_refused(tmp_path, port) -> None:
    ws = Workspace.create(tmp_path / "ws")
    settings = load_settings(workspace=ws.path).replace(server_host="0.0.0.0", server_port=port)
    with pytest.raises(ConfigError, match="without login"):
        launch(ws, settings, block=False)
    with pytest.raises(AuthError, match="no user accounts"):
        serve(ws, settings, ensure_demo_user=False, block=False)


def test_demo_user_is_created_then_refreshed_but_real_accounts_are_untouched(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    user, first = ensure_user(ws, create_demo=True)
    assert user == "demo" and len(first) >= 12 and check_login(ws, "demo", first)
    _, second = ensure_user(ws, create_demo=True)  # a re-run demo prints a fresh password
    assert second != first and check_login(ws, "demo", second) and not check_login(ws, "demo", first)
    assert ensure_user(ws, create_demo=False) is None
    add_user(ws, "ana", "long-enough-pw")
    assert ensure_user(ws, create_demo=True) is None  # real accounts: nothing is created or changed
    assert check_login(ws, "demo", second) and [u.username for u in list_users(ws)] == ["ana", "demo"]


def test_serve_prints_the_login_and_requires_it(tmp_path, capsys, port) -> None:
    ws = Workspace.create(tmp_path / "ws")
    settings = load_settings(workspace=ws.path).replace(server_port=port)
    app = serve(ws, settings, ensure_demo_user=True, block=False)
    try:
        out = capsys.readouterr().out
        assert f"http://127.0.0.1:{port}" in out
        password = re.search(r"user 'demo' with password '([^']+)'", out).group(1)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/config").status_code == 401  # nothing without a login
            assert client.post("/login", data={"username": "demo", "password": "wrong"}).status_code == 400
            ok = client.post("/login", data={"username": "demo", "password": password})
            assert ok.status_code == 200 and ok.json() == {"success": True}
            config = client.get("/config")
            assert config.status_code == 200 and "Member Insight" in config.text
        # audience exports live in the workspace, which may be outside Gradio's default (cwd, temp) folders
        assert str(ws.path / "exports") in [str(p) for p in app.allowed_paths]
    finally:
        app.close()


def test_a_busy_port_is_refused_before_anything_is_printed_or_changed(tmp_path, capsys) -> None:
    import socket

    ws = Workspace.create(tmp_path / "ws")
    with socket.socket() as other:  # another server already listening there
        other.bind(("127.0.0.1", 0))
        other.listen()
        busy = other.getsockname()[1]
        settings = load_settings(workspace=ws.path).replace(server_port=busy)
        with pytest.raises(ConfigError, match=f"cannot serve on 127.0.0.1:{busy}.*MEMBERINSIGHT_SERVER_PORT={busy + 1}"):
            serve(ws, settings, ensure_demo_user=True, block=False)
    assert "serving" not in capsys.readouterr().out and list_users(ws) == []  # no login printed or created


def test_only_the_apps_own_temp_files_are_removed(tmp_path, monkeypatch) -> None:
    import gradio as gr

    from memberinsight.ui.server import remove_temp_files

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "cache"))
    with gr.Blocks() as app:
        gr.Markdown("x")
    mine, other = tmp_path / "cache" / "a1" / "champions_email.csv", tmp_path / "cache" / "b2" / "other.csv"
    for path in (mine, other):
        path.parent.mkdir(parents=True)
        path.write_text("email\n", encoding="utf-8")
    outside = tmp_path / "exports" / "champions_email.csv"
    outside.parent.mkdir()
    outside.write_text("email\n", encoding="utf-8")
    app.temp_file_sets[0].update({str(mine), str(outside)})  # as Gradio records files of this app
    assert remove_temp_files(app) == 1 and outside.is_file()  # only inside the cache
    assert not mine.exists() and not mine.parent.exists()  # the file and the folder Gradio made for it
    assert other.is_file() and (tmp_path / "cache").is_dir()  # another app's file and the cache stay
    assert remove_temp_files(app) == 0
