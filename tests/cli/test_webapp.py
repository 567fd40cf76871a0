"""``memberinsight user ...`` and ``memberinsight evaluate agent`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.workspace import Workspace

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
    assert set(report["sets"]) >= {"routing_eval", "routing_heldout", "routing_blind_dev", "routing_blind_dev2",
                                   "routing_blind_dev3", "routing_blind_dev4"}
    assert report["sets"]["routing_blind_dev2"]["role"] == report["sets"]["routing_blind_dev3"]["role"] == "dev"
    main = report["sets"]["routing_eval"]
    assert main["role"] == "dev" and report["sets"]["routing_heldout"]["role"] == "held-out"
    assert main["cases"] >= 150 and main["accuracy"] >= 0.9
    assert set(main["per_tool"]) >= {"segment_overview", "campaign_copy", "clarify"}
    blind = report["side_by_side"]["routing_blind_dev"]  # the blind corpus, dev and held-out side by side
    assert blind["accuracy"] >= 0.95 and blind["refusal_recall"] == 1.0 and blind["p50_ms"] < 50
    assert ("routing_blind_heldout" in report["sets"]) != ("routing_blind_heldout" in report["skipped"])


def _serve(args: list[str], env_home, timeout: float = 90.0):
    """Start ``memberinsight serve ...`` as a real process; returns (process, first output lines)."""
    import os
    import subprocess
    import sys
    import time

    env = {**os.environ, "MEMBERINSIGHT_HOME": str(env_home), "GRADIO_ANALYTICS_ENABLED": "False"}
    console_script = Path(sys.executable).parent / "memberinsight"  # the installed command itself
    proc = subprocess.Popen([str(console_script), "serve", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Log in as" in line or "Error" in line:
            break
    return proc, lines


@pytest.mark.slow
def test_serve_command_binds_loopback_prints_a_login_and_requires_it(tmp_path) -> None:
    import re
    import socket

    import httpx

    ws = Workspace.create(tmp_path / "ws")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, lines = _serve(["--workspace", str(ws.path), "--port", str(port), "--demo-user"], tmp_path / "home")
    try:
        out = "".join(lines)
        assert f"at http://127.0.0.1:{port}" in out, out
        password = re.search(r"user 'demo' with password '([^']+)'", out).group(1)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(120):  # the server starts right after the banner
                try:
                    status = client.get("/config").status_code
                    break
                except httpx.TransportError:
                    import time
                    time.sleep(0.5)
            assert status == 401
            assert client.post("/login", data={"username": "demo", "password": password}).json() == {"success": True}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_command_refuses_a_public_bind_without_accounts(tmp_path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    proc, lines = _serve(["--workspace", str(ws.path), "--host", "0.0.0.0", "--port", "1"], tmp_path / "home")
    proc.wait(timeout=60)
    out = "".join(lines) + (proc.stdout.read() if proc.stdout else "")
    assert proc.returncode == 1 and "no user accounts" in out
