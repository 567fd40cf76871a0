"""One writer at a time per workspace, with a plain answer for the second one.

DuckDB lets one process write a database file, and while it does, no other process can even read
it. So writers (ingest, build) never write the live ``analytics.duckdb``: under the workspace's
write lock they copy it, write the copy, and publish it with an atomic rename when they finish
(see :meth:`workspace.store.Workspace.writing`). Readers (``status``, the app) open the live file
read-only and keep working during a write; they see the new data once it is published.

The lock is an ``flock`` on ``<workspace>/.write.lock``, released by the kernel when its process
ends (even by ``kill -9``). The file holds who took it (action, actor, process, start time), so a
second writer waits up to ``write_wait_s`` and then fails with a sentence such as "another ingest
(by cli, process 4242) is running since 14:02; try again when it ends".
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from memberinsight.errors import WorkspaceBusyError

LOCK_FILE = ".write.lock"
_POLL_S = 0.2
_held = threading.local()  # .paths: set of workspace paths whose lock this thread holds


def _held_paths() -> set[Path]:
    if not hasattr(_held, "paths"):
        _held.paths = set()
    return _held.paths


def _holder(fd: int) -> dict[str, object]:
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (OSError, ValueError):
        data = {}
    return data if isinstance(data, dict) else {}


def busy_sentence(holder: dict[str, object]) -> str:
    """'another ingest (by cli, process 4242) is running since 14:02'."""
    action = holder.get("action") or "write"
    who = ", ".join(p for p in (f"by {holder['actor']}" if holder.get("actor") else "",
                                f"process {holder['pid']}" if holder.get("pid") else "") if p)
    since = ""
    try:
        started = datetime.fromisoformat(str(holder["since"]))
        since = f" since {started:%H:%M}" if started.date() == datetime.now().date() else f" since {started:%Y-%m-%d %H:%M}"
    except (KeyError, ValueError):
        pass
    return f"another {action}{f' ({who})' if who else ''} is running{since}"


@contextmanager
def write_lock(workspace: Path, action: str, actor: str = "system", wait_s: float = 30.0,
               on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``workspace``'s write lock for the block (re-entrant within a thread).

    Waits up to ``wait_s`` seconds for another writer (``on_wait`` hears once that it waits), then
    raises :class:`WorkspaceBusyError` naming what runs, since when and by whom.
    """
    workspace = Path(workspace)
    if workspace in _held_paths():
        yield
        return
    fd = os.open(workspace / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + max(0.0, wait_s)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                sentence = busy_sentence(_holder(fd))
                if time.monotonic() >= deadline:
                    raise WorkspaceBusyError(f"{sentence}; try again when it ends") from None
                if not told and on_wait is not None:
                    on_wait(f"{sentence}; waiting up to {wait_s:.0f} s for it to end…")
                    told = True
                time.sleep(_POLL_S)
        record = {"action": action, "actor": actor, "pid": os.getpid(),
                  "since": datetime.now().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
        _held_paths().add(workspace)
        try:
            yield
        finally:
            _held_paths().discard(workspace)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
