"""Progress for long loops: a live bar on a terminal, plain periodic lines anywhere else.

A ``tqdm`` bar redraws one line with carriage returns; written to a log file or a pipe it reads
``0%`` until the loop ends (and then is wiped). :func:`progress_bar` therefore draws the bar only
when the stream is a terminal and otherwise prints whole lines: one when the loop starts, one at
most every ``every_s`` seconds while it runs, and one when it ends, e.g.::

    Embedding products: 0 of 5,000 texts (0%)
    Embedding products: 2,100 of 5,000 texts (42%), 10 s
    Embedding products: done, 5,000 texts in 23.4 s
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import IO, Protocol, TypeVar

T = TypeVar("T")

PLAIN_EVERY_S = 10.0
"""Seconds between two plain progress lines (non-terminal output)."""


class Progress(Protocol):
    """What a loop needs from a progress display: ``update`` as work is done, ``close`` at the end."""

    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...

    def __enter__(self) -> Progress: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> object: ...


class NoProgress:
    """Shows nothing (progress turned off, e.g. with ``--json``)."""

    def update(self, n: int = 1) -> None:
        """Ignore ``n`` units of work."""

    def close(self) -> None:
        """Nothing to close."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class PlainProgress:
    """Progress as whole lines for logs and pipes: at the start, every ``every_s`` seconds, at the end.

    ``clock`` is injectable so tests can step time; ``total`` may be None when unknown.
    """

    def __init__(self, total: int | None, description: str, unit: str = "item", stream: IO[str] | None = None,
                 every_s: float = PLAIN_EVERY_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.description = description
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.every_s = every_s
        self.clock = clock
        self.done = 0
        self.closed = False
        self.started = clock()
        self.last_line = self.started
        self._write(self._status())

    def _units(self, n: int) -> str:
        if n == 1:
            return self.unit
        if self.unit.endswith("y") and self.unit[-2:-1] not in tuple("aeiou"):
            return self.unit[:-1] + "ies"
        return self.unit + ("es" if self.unit.endswith(("s", "x", "ch", "sh")) else "s")

    def _status(self) -> str:
        if self.total:
            share = min(1.0, self.done / self.total)
            return f"{self.done:,} of {self.total:,} {self._units(self.total)} ({share:.0%})"
        return f"{self.done:,} {self._units(self.done)}"

    def _write(self, text: str) -> None:
        self.stream.write(f"{self.description}: {text}\n")
        self.stream.flush()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units; print a line when ``every_s`` seconds passed since the last one."""
        self.done += n
        now = self.clock()
        if now - self.last_line >= self.every_s and not (self.total and self.done >= self.total):
            self.last_line = now
            self._write(f"{self._status()}, {now - self.started:,.0f} s")

    def close(self) -> None:
        """Print the closing line (once)."""
        if self.closed:
            return
        self.closed = True
        seconds = self.clock() - self.started
        if self.total is not None and self.done < self.total:
            self._write(f"stopped at {self._status()} after {seconds:,.1f} s")
        else:
            self._write(f"done, {self.done:,} {self._units(self.done)} in {seconds:,.1f} s")

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def is_terminal(stream: IO[str]) -> bool:
    """Whether ``stream`` is an interactive terminal (a live bar can redraw there)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


def progress_bar(total: int | None, description: str, unit: str = "item", enabled: bool = True,
                 stream: IO[str] | None = None, every_s: float = PLAIN_EVERY_S) -> Progress:
    """A progress display on ``stream`` (default stderr): a ``tqdm`` bar on a terminal, plain lines
    otherwise (:class:`PlainProgress`), nothing when ``enabled`` is False. Use it as a context manager
    or call ``close()``."""
    if not enabled:
        return NoProgress()
    out = stream if stream is not None else sys.stderr
    if is_terminal(out):
        from tqdm import tqdm

        return tqdm(total=total, desc=description, unit=unit, file=out, leave=False)
    return PlainProgress(total, description, unit=unit, stream=out, every_s=every_s)


def track(items: Iterable[T], description: str, total: int | None = None, unit: str = "item",
          enabled: bool = True, stream: IO[str] | None = None, every_s: float = PLAIN_EVERY_S) -> Iterator[T]:
    """Iterate ``items`` while showing progress (see :func:`progress_bar`)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    bar = progress_bar(total, description, unit=unit, enabled=enabled, stream=stream, every_s=every_s)
    try:
        for item in items:
            yield item
            bar.update(1)
    finally:
        bar.close()


def quiet_library_bars(stream: IO[str] | None = None) -> None:
    """Turn off the progress bars of the Hugging Face libraries (transformers' "Loading weights") when
    ``stream`` (default stderr) is not a terminal: they cannot print plain lines, and in a log they read
    ``0%``. Call it once at the command line's start, before those libraries are imported; a value the
    user set for ``HF_HUB_DISABLE_PROGRESS_BARS`` is kept."""
    if not is_terminal(stream if stream is not None else sys.stderr):
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
