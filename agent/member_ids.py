"""What a member id looks like in a workspace, so that a year or a count is never read as one.

The shape is learned from the workspace's own ids ("M0000123" -> ``M\\d{7}``; Online Retail's
"12680" -> ``\\d{5}``); a token of that shape is an id, and any other token is one only when the
words introduce it ("member 2022") and the member exists.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from memberinsight.errors import WorkspaceError

log = logging.getLogger(__name__)

COVERAGE = 0.9
"""Share of the ids that must share one shape for the shape to be used."""
SAMPLE = 5000


def id_pattern(ids: Iterable[str]) -> str | None:
    """A regular expression for the shape most ids share (letters kept, digit runs as ``\\d{n}`` or
    ``\\d{m,n}``), or None when there are no ids, no common shape, or the ids are short plain numbers."""
    spans: dict[str, list[list[int]]] = {}
    count = 0
    for raw in ids:
        text = str(raw).strip()
        if not text:
            continue
        count += 1
        skeleton = re.sub(r"\d+", "#", text)
        spans.setdefault(skeleton, []).append([len(d) for d in re.findall(r"\d+", text)])
    if not count:
        return None
    skeleton, lengths = max(spans.items(), key=lambda kv: len(kv[1]))
    if len(lengths) < COVERAGE * count or "#" not in skeleton:
        return None
    parts = re.split(r"(#)", skeleton)
    out: list[str] = []
    run = 0
    for part in parts:
        if part == "#":
            lows = [ls[run] for ls in lengths]
            low, high = min(lows), max(lows)
            if skeleton == "#" and low < 4:
                return None  # short plain numbers collide with counts and years
            out.append(rf"\d{{{low}}}" if low == high else rf"\d{{{low},{high}}}")
            run += 1
        elif part:
            out.append(re.escape(part))
    return "".join(out)


def member_id_rules(ws: Any) -> tuple[str | None, Callable[[str], bool] | None]:
    """(pattern, exists) for the workspace's members; (None, None) when the members cannot be read."""
    import duckdb

    try:
        with ws.analytics(read_only=True) as con:
            ids = [str(r[0]) for r in con.execute(
                f"SELECT member_id FROM members WHERE member_id IS NOT NULL USING SAMPLE {SAMPLE} ROWS").fetchall()]
    except (WorkspaceError, duckdb.Error, OSError) as exc:  # no workspace data yet (before the first ingest)
        log.info("member ids not read (%s): ids are recognised by the generic rule", type(exc).__name__)
        return None, None
    pattern = id_pattern(ids)
    casefold = Counter(i[:1].isupper() for i in ids if i[:1].isalpha())

    def exists(token: str) -> bool:
        candidates = [token, token.upper() if casefold[True] >= casefold[False] else token.lower()]
        try:
            with ws.analytics(read_only=True) as con:
                return con.execute("SELECT 1 FROM members WHERE member_id IN (?, ?) LIMIT 1",
                                   candidates).fetchone() is not None
        except (WorkspaceError, duckdb.Error):
            return False

    return pattern, exists
