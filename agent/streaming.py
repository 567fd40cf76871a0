"""Run slow work in a worker thread and stream its progress reports to the caller as they come."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Finished(Generic[T]):
    """The work's result, as the last item of :func:`stream_work`."""

    def __init__(self, value: T) -> None:
        self.value = value


def stream_work(work: Callable[[Callable[[str], None]], T], name: str = "work",
                poll_seconds: float = 0.05) -> Iterator[str | Finished[T]]:
    """Call ``work(report)`` in a thread; yield each progress text it reports, then ``Finished(result)``.

    Only the latest report is yielded when several arrive between polls, so a fast writer never
    queues up stale drafts. An exception raised by ``work`` is re-raised here, in the caller's thread.
    """
    reports: queue.SimpleQueue[str] = queue.SimpleQueue()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work(reports.put))
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    try:
        while worker.is_alive() or not reports.empty():
            latest = None
            try:
                latest = reports.get(timeout=poll_seconds)
                while not reports.empty():
                    latest = reports.get_nowait()
            except queue.Empty:
                pass
            if latest is not None:
                yield latest
    finally:
        worker.join()
    if failure:
        raise failure[0]
    yield Finished(outcome[0])
