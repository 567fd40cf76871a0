"""Progress written to a log or a pipe is plain lines (start, every few seconds, end), never a ``tqdm``
bar frozen at 0%; on a terminal it stays a live bar; with ``--json`` there is none."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from memberinsight.progress import NoProgress, PlainProgress, progress_bar, track

REPO = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_at_start_periodically_and_at_the_end() -> None:
    out, clock = io.StringIO(), FakeClock()
    bar = PlainProgress(1000, "Embedding products", unit="text", stream=out, every_s=10, clock=clock)
    for _ in range(10):  # 100 texts per step, 4 s per step
        clock.now += 4
        bar.update(100)
    bar.close()
    bar.close()  # closing twice prints nothing more
    lines = out.getvalue().splitlines()
    assert lines == ["Embedding products: 0 of 1,000 texts (0%)",
                     "Embedding products: 300 of 1,000 texts (30%), 12 s",
                     "Embedding products: 600 of 1,000 texts (60%), 24 s",
                     "Embedding products: 900 of 1,000 texts (90%), 36 s",
                     "Embedding products: done, 1,000 texts in 40.0 s"]
    assert "\r" not in out.getvalue()


def test_a_loop_that_stops_early_says_where_it_stopped() -> None:
    out, clock = io.StringIO(), FakeClock()
    with PlainProgress(50, "Scoring", stream=out, clock=clock) as bar:
        clock.now += 2.5
        bar.update(20)
    assert out.getvalue().splitlines()[-1] == "Scoring: stopped at 20 of 50 items (40%) after 2.5 s"


def test_unknown_total_counts_without_a_percentage() -> None:
    out = io.StringIO()
    list(track(iter(range(3)), "Reading", unit="row", stream=out))
    assert out.getvalue().splitlines() == ["Reading: 0 rows", "Reading: done, 3 rows in 0.0 s"]


def test_the_display_follows_the_stream() -> None:
    from tqdm import tqdm

    assert isinstance(progress_bar(10, "x", stream=io.StringIO()), PlainProgress)
    terminal = FakeTerminal()
    bar = progress_bar(10, "x", stream=terminal)
    assert isinstance(bar, tqdm)
    bar.close()
    assert isinstance(progress_bar(10, "x", enabled=False, stream=terminal), NoProgress)
    out = io.StringIO()
    assert list(track([1, 2, 3], "Forecasting", unit="category", stream=out)) == [1, 2, 3]
    assert out.getvalue().splitlines()[-1].startswith("Forecasting: done, 3 categories in ")


def _run(args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[bytes], str]:
    env = {**os.environ, "MEMBERINSIGHT_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    env.pop("MEMBERINSIGHT_WORKSPACE", None)
    with open(tmp_path / "stderr.log", "wb") as log:  # stderr to a file, as in `make demo > demo.log 2>&1`
        proc = subprocess.run([sys.executable, "-c", "from memberinsight.cli import main; main()", *args],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=log, timeout=300, check=False)
    return proc, (tmp_path / "stderr.log").read_text(encoding="utf-8")


def test_a_long_command_logs_plain_progress_lines(tmp_path: Path) -> None:
    proc, err = _run(["generate", "--members", "3000", "--out", str(tmp_path / "shop")], tmp_path)
    assert proc.returncode == 0, err
    assert "\r" not in err and "|" not in err and "it/s" not in err  # no tqdm bar in the log
    lines = [line for line in err.splitlines() if line.startswith("Generating the demo shop:")]
    assert lines[0] == "Generating the demo shop: 0 of 3,000 members (0%)"
    assert lines[-1].startswith("Generating the demo shop: done, 3,000 members in ")
    assert "Demo shop written to" in proc.stdout.decode()


def test_json_output_has_no_progress(tmp_path: Path) -> None:
    proc, err = _run(["generate", "--members", "1000", "--out", str(tmp_path / "shop"), "--json"], tmp_path)
    assert proc.returncode == 0, err
    assert "Generating the demo shop" not in err


def test_library_bars_are_off_in_a_log_and_left_alone_on_a_terminal(monkeypatch) -> None:
    from memberinsight.progress import quiet_library_bars

    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS", raising=False)
    quiet_library_bars(FakeTerminal())
    assert "HF_HUB_DISABLE_PROGRESS_BARS" not in os.environ
    quiet_library_bars(io.StringIO())
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "0")  # the user's choice stays
    quiet_library_bars(io.StringIO())
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "0"
