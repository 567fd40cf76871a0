""""The end of January 2026", "the start of 2025", "the close of Q1": the edge of a period, written out as a
date ("31 January 2026") before the sentence is read, so every rule that reads dates reads it.

After "since", "after" or "before", the end of a period means the day after it ("not ordered since the end of 2025":
nothing from 1 January 2026); elsewhere the period's last day ("between Boxing Day 2025 and the end of
January 2026"). A month without a year is the latest one up to the data's last date.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_MONTHS = {name.lower(): k for k, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): k for k, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_EDGE_RE = re.compile(
    rf"\b(?P<lead>(?:since|after|before|until|till|by|from|to|and|between)\s+)?(?:the\s+)?"
    rf"(?P<edge>end|close|last day|final day|start|beginning|first day)\s+of\s+(?:the\s+)?"
    rf"(?:(?P<month>{_MONTH_RE})\b\.?(?:\s+(?P<myear>(?:19|20)\d\d))?|(?P<q>q[1-4])\s+(?P<qyear>(?:19|20)\d\d)|"
    rf"(?P<year>(?:19|20)\d\d)|(?P<rel>last|this|previous)\s+year)\b", re.I)


def _span(m: re.Match[str], ref: date) -> tuple[date, date] | None:
    if m.group("month"):
        month = _MONTHS[m.group("month").lower()]
        year = int(m.group("myear")) if m.group("myear") else (ref.year if month <= ref.month else ref.year - 1)
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if m.group("q"):
        q, year = int(m.group("q")[1]), int(m.group("qyear"))
        end_month = 3 * q
        return date(year, end_month - 2, 1), date(year, end_month, calendar.monthrange(year, end_month)[1])
    year = int(m.group("year")) if m.group("year") else ref.year - (m.group("rel").lower() != "this")
    return date(year, 1, 1), date(year, 12, 31)


def spell_out_edges(text: str, ref: date | None) -> tuple[str, list[str]]:
    """``text`` with each period edge written as a date, and a read-back line for each."""
    if ref is None or not re.search(r"\b(?:end|close|last day|final day|start|beginning|first day)\s+of\b",
                                    text, re.I):
        return text, []
    notes: list[str] = []

    def swap(m: re.Match[str]) -> str:
        span = _span(m, ref)
        if span is None:
            return m.group()
        lead = m.group("lead") or ""
        edge = m.group("edge").lower()
        if edge in ("start", "beginning", "first day"):
            day = span[0]
        else:
            day = span[1] + timedelta(days=1) if lead.strip().lower() in ("since", "after", "before") else span[1]
        words = f"{day.day} {calendar.month_name[day.month]} {day.year}"
        notes.append(f"'{m.group().strip()}' read as {lead}{words}")
        return f"{lead}{words}"

    return _EDGE_RE.sub(swap, text), notes
