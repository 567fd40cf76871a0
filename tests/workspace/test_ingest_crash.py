"""kill -9 in the middle of an ingest leaves the previous data intact and the database usable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ingest_support import counts, small_shop, snapshot

from memberinsight.workspace import Workspace
from memberinsight.workspace.ingest import ingest_file

N_LINES = 300_000
REPO = Path(__file__).resolve().parents[2]

# Waits inside the transaction (at the "committing" stage: every row inserted, not yet committed)
# and signals the test through a marker file; the test then kills it with SIGKILL.
_CHILD = """
import sys, time
from pathlib import Path
from memberinsight.workspace import Workspace
from memberinsight.workspace.ingest import ingest_file

ws, path, stage, marker = Workspace.open(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])

def on_progress(name):
    if name == stage:
        marker.write_text(name)
        time.sleep(600)

ingest_file(ws, path, on_progress=on_progress)
"""


@pytest.fixture(scope="module")
def big_orders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300,000-line canonical orders file referencing the small shop's members and products."""
    rng = np.random.default_rng(3)
    i = np.arange(N_LINES)
    frame = pd.DataFrame({
        "order_id": pd.Series(i // 3).map("K{:07d}".format),
        "line_no": i % 3 + 1,
        "member_id": rng.choice(["M1", "M2", "M3"], N_LINES),
        "product_id": rng.choice(["P1", "P2", "P3"], N_LINES),
        "quantity": rng.integers(1, 5, N_LINES),
        "unit_price": rng.integers(100, 9_000, N_LINES) / 100,
        "ordered_at": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 30_000_000, N_LINES), unit="s"))
        .strftime("%Y-%m-%d %H:%M:%S"),
    })
    path = tmp_path_factory.mktemp("big") / "orders_big.csv"
    frame.to_csv(path, index=False)
    return path


def _db_files(ws: Workspace) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in ws.path.iterdir() if p.name.startswith("analytics.duckdb")}


def _kill_inside_transaction(ws: Workspace, path: Path, stage: str, tmp_path: Path) -> dict[str, int]:
    marker = tmp_path / f"marker-{stage.replace(' ', '_')}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = tmp_path / "child.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(ws.path), str(path), stage, str(marker)],
                                env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the ingest never reached the transaction"
            time.sleep(0.05)
        during = _db_files(ws)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return during


@pytest.mark.slow
def test_kill_9_before_commit_keeps_previous_data(big_orders: Path, tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    from memberinsight.workspace.ingest import ingest_directory

    ingest_directory(ws, small_shop(tmp_path / "shop"))
    before, snap = counts(ws), snapshot(ws)
    size_before = _db_files(ws)
    during = _kill_inside_transaction(ws, big_orders, "committing", tmp_path)
    # the uncommitted 300k rows really reached the disk before the kill (DuckDB writes large inserts
    # optimistically into the database file); the commit is what makes them visible
    assert during != size_before
    # the killed ingest had written its (unpublished) rejects file; opening the workspace removes it
    assert len(list(ws.rejects_dir.glob("*.partial"))) == 1
    reopened = Workspace.open(ws.path)
    assert not list(ws.rejects_dir.glob("*.partial"))
    assert counts(reopened) == before
    assert snapshot(reopened) == snap
    # the workspace is fully usable: the same file now loads completely, exactly once
    report = ingest_file(reopened, big_orders)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (N_LINES, N_LINES, 0)
    assert report.rejects_file.is_file() and not list(ws.rejects_dir.glob("*.partial"))
    assert counts(reopened)["orders"] == before["orders"] + N_LINES


@pytest.mark.slow
def test_kill_9_of_the_cli_mid_load_is_all_or_nothing(big_orders: Path, tmp_path: Path) -> None:
    """No hooks: kill ``memberinsight ingest`` as soon as the database file starts to grow."""
    ws = Workspace.create(tmp_path / "ws")
    from memberinsight.workspace.ingest import ingest_directory

    ingest_directory(ws, small_shop(tmp_path / "shop"))
    before = counts(ws)
    size_before = _db_files(ws)
    cli = Path(sys.executable).with_name("memberinsight")
    proc = subprocess.Popen([str(cli), "ingest", str(big_orders), "-w", str(ws.path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _db_files(ws) == size_before and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    after = counts(Workspace.open(ws.path))
    if proc.returncode == 0:  # the commit won the race (not seen in practice): then everything is there
        assert after["orders"] == before["orders"] + N_LINES
    else:
        assert proc.returncode == -signal.SIGKILL
        assert after == before
