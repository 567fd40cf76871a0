"""One writer at a time: a second writer waits then fails in plain words; readers keep working meanwhile."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_support import counts, small_shop, write

from memberinsight.errors import WorkspaceBusyError
from memberinsight.workspace import Workspace
from memberinsight.workspace.ingest import ingest_directory

REPO = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("memberinsight")

# Holds a write session on the workspace: inserts a member into the writer's copy, signals, sleeps.
_WRITER = """
import sys, time
from pathlib import Path
from memberinsight.workspace import Workspace

ws, marker, hold = Workspace.open(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
with ws.writing("ingest", actor="alice (cli)"):
    with ws.analytics() as con:
        con.execute("INSERT INTO members (member_id) VALUES ('NEW1')")
    marker.write_text("writing")
    time.sleep(hold)
"""


@pytest.fixture
def shop_ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws")
    ingest_directory(ws, small_shop(tmp_path / "shop"))
    return ws


def _start_writer(ws: Workspace, tmp_path: Path, hold: float) -> subprocess.Popen:
    marker = tmp_path / "writing.marker"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(ws.path), str(marker), str(hold)],
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return proc


def _cli(*args: str, wait_s: str = "1") -> subprocess.CompletedProcess:
    env = {**os.environ, "MEMBERINSIGHT_WRITE_WAIT_S": wait_s}
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.slow
def test_second_writer_fails_in_plain_words_before_reading_its_file_and_readers_keep_working(
        shop_ws: Workspace, tmp_path: Path) -> None:
    before = counts(shop_ws)
    writer = _start_writer(shop_ws, tmp_path, hold=30)
    try:
        # a second ingest: refused after the wait, before its (missing) file is even looked at
        second = _cli("ingest", str(tmp_path / "does_not_exist.csv"), "-w", str(shop_ws.path))
        assert second.returncode == 1
        message = " ".join(second.stderr.split())
        assert "another ingest (by alice (cli), process" in message
        assert f"is running since {time.strftime('%H:')}" in message and "try again when it ends" in message
        assert "does_not_exist" not in message and "Conflicting lock" not in message
        # a build is refused the same way
        build = _cli("build", "-w", str(shop_ws.path))
        assert build.returncode == 1 and "another ingest" in " ".join(build.stderr.split())
        # readers work during the write and see the last published data
        status = _cli("status", "--json", "-w", str(shop_ws.path))
        assert status.returncode == 0, status.stderr
        assert counts(shop_ws) == before
    finally:
        writer.send_signal(signal.SIGTERM)
        writer.wait(timeout=30)
    # the writer was stopped before it finished: nothing of it was published, and its copy goes away
    assert counts(Workspace.open(shop_ws.path)) == before
    assert not list(shop_ws.path.glob("analytics.duckdb.*.writing*"))


@pytest.mark.slow
def test_a_waiting_writer_goes_ahead_when_the_first_one_ends(shop_ws: Workspace, tmp_path: Path) -> None:
    writer = _start_writer(shop_ws, tmp_path, hold=2)
    members = write(tmp_path / "more.csv", "member_id,country\nM9,Ireland\n")
    second = _cli("ingest", str(members), "-w", str(shop_ws.path), "--json", wait_s="60")
    assert writer.wait(timeout=60) == 0
    assert second.returncode == 0, second.stderr
    assert "waiting up to 60 s" in second.stderr
    with shop_ws.analytics(read_only=True) as con:
        ids = {r[0] for r in con.execute("SELECT member_id FROM members").fetchall()}
    assert {"NEW1", "M9"} <= ids  # the first writer's data was published, then the second's


def test_in_process_second_writer_gets_workspace_busy_error(shop_ws: Workspace, tmp_path: Path) -> None:
    import threading

    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with shop_ws.writing("build (features)", actor="bob"):
            entered.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert entered.wait(30)
        start = time.monotonic()
        with pytest.raises(WorkspaceBusyError, match=r"another build \(features\) \(by bob, process \d+\) is running since"):
            with shop_ws.writing("ingest", wait_s=0.5):
                pass
        assert 0.4 < time.monotonic() - start < 5
        assert counts(shop_ws)["members"] == 3  # reading in another thread works meanwhile
    finally:
        release.set()
        thread.join()


def test_workspace_files_are_private(shop_ws: Workspace) -> None:
    assert stat.S_IMODE(shop_ws.path.stat().st_mode) == 0o700
    for name in ("analytics.duckdb", "operations.sqlite"):
        assert stat.S_IMODE((shop_ws.path / name).stat().st_mode) == 0o600, name
    for sub in ("rejects", "models", "indexes", "cache"):
        assert stat.S_IMODE((shop_ws.path / sub).stat().st_mode) & 0o077 == 0, sub
