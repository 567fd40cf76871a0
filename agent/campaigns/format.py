"""Figures for people in suggestions: £ with thousands separators, shares as %, days, dates, clock times.

Each helper writes a value the way the grounding checker reads it back (at the precision written),
so a figure rendered here always matches the fact it came from.
"""

from __future__ import annotations

from datetime import date

from memberinsight.agent.campaigns.facts import format_date


def money(value: float, currency: str = "£") -> str:
    """``£42.60``; whole pounds from £1,000 up (``£28,876``)."""
    return f"{currency}{value:,.0f}" if abs(value) >= 1000 else f"{currency}{value:,.2f}"


def pct(value: float | None) -> str:
    """``86.9%``, ``6%`` (one decimal, trailing ``.0`` dropped)."""
    if value is None:
        return "n/a"
    text = f"{value:,.1f}".removesuffix(".0")
    return f"{text}%"


def days(value: float) -> str:
    """``297 days``, ``1 day``."""
    n = int(round(value))
    return f"{n:,} day{'s' if n != 1 else ''}"


def count(value: int, noun: str) -> str:
    """``193 members``, ``1 member``."""
    return f"{value:,} {noun}{'s' if value != 1 else ''}"


def day(d: date) -> str:
    """``Friday 11 December 2026``."""
    return format_date(d)


def clock(hour: int) -> str:
    """``7pm``, ``10am``, ``noon``, ``midnight`` (British usage) for an hour of the 24-hour clock."""
    hour %= 24
    if hour == 0:
        return "midnight"
    if hour == 12:
        return "noon"
    return f"{hour % 12}{'am' if hour < 12 else 'pm'}"


def twelve(hour: int) -> int:
    """The figure :func:`clock` writes for ``hour`` (0 for noon and midnight, which are words)."""
    hour %= 24
    return 0 if hour in (0, 12) else hour % 12
