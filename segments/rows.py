"""The first members of a segment with the values its conditions test ("city", "net spend (since 1 Jan
2026)"), for showing who matched and why; raw values, formatting is the caller's."""

from __future__ import annotations

from typing import Any

from memberinsight.segments.compiler import _check_tables, compile_definition
from memberinsight.segments.definition import SegmentDefinition, parse_definition
from memberinsight.segments.describe import window_words
from memberinsight.segments.fields import CATALOGUE


def member_rows(ws: Any, definition: SegmentDefinition | dict[str, Any], limit: int = 10) -> list[dict[str, Any]]:
    """Up to ``limit`` members of ``definition`` (sorted by id), each ``{"member_id": ..., <condition words>:
    value}`` with one column per distinct tested value (counts and sums of no activity are 0)."""
    defn = parse_definition(definition)
    conditions = defn.conditions()
    query = compile_definition(defn, with_values=True, limit=max(0, int(limit)))
    with ws.analytics(read_only=True) as con:
        _check_tables(con, query, defn)
        rows = con.execute(query.sql, query.params).fetchall()
    labels: list[str | None] = []
    seen: set[str] = set()
    for c in conditions:
        name = _column_label(c)
        labels.append(None if name in seen else name)
        seen.add(name)
    out = []
    for row in rows:
        record: dict[str, Any] = {"member_id": str(row[0])}
        for label, c, value in zip(labels, conditions, row[1:], strict=True):
            if label is not None:
                record[label] = 0 if value is None and CATALOGUE[c.field].never_null else value
        out.append(record)
    return out


def _column_label(c: Any) -> str:
    """A short column name: the field's label, with its categories and window ("net spend (Beauty, since
    25 Dec 2025)")."""
    label = CATALOGUE[c.field].label
    extra = [" or ".join(c.category)] if c.category else []
    if window_words(c):
        extra.append(window_words(c).strip())
    return f"{label} ({', '.join(extra)})" if extra else label
