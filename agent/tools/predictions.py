"""Predictions as people read them in the chat and the app: every expected figure with its 80%
interval, "too little history" instead of a confident number, and unavailable capabilities named
with the reason the build gave ("CLV is not available on this shop: no order has a price").

Shared by the analytics tools (:mod:`agent.tools.analytics`) and the app's tabs (:mod:`ui`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from memberinsight.agent.tools._common import backend


def capability_note(ws: Any, key: str) -> str | None:
    """"CLV is not available on this shop: no order has a price", or ``None`` when ``key`` is available."""
    from memberinsight.capabilities import capability_note as note

    return note(ws, key)


def unavailable_notes(ws: Any, keys: tuple[str, ...] | None = None) -> list[str]:
    """The sentences of every unavailable capability (of ``keys``, when given), in a stable order."""
    from memberinsight.capabilities import CAPABILITIES, unavailable_capabilities

    missing = unavailable_capabilities(ws)
    return [missing[k].sentence() for k in CAPABILITIES if k in missing and (keys is None or k in keys)]


def _without_period(text: str, days: int) -> str:
    from memberinsight.models.wording import period_words

    return text.replace(f" in {period_words(days)}", "")


def profile_forecast_lines(p: Any) -> list[str]:
    """The member's 90-day and 12-month outlook as Markdown bullets, each figure with its 80% interval
    (a member with too little history gets ranges and why, never a confident number); the periods are counted
    from the last day of data (``p.as_of``), which the labels name, not from today's date."""
    lines: list[str] = []
    notes = getattr(p, "unavailable", {}) or {}
    as_of = getattr(p, "as_of", None)
    since = f" (from {as_of:%d %b %Y}, the last day of data)" if as_of is not None else ""
    near = [_without_period(p.purchase_outlook, 90)] if p.purchase_outlook else []
    if p.spend_outlook:
        near.append("spend " + _without_period(p.spend_outlook, 90))
    if p.next_order.startswith("next order expected"):
        near.append(p.next_order)
    if near:
        lines.append(f"- **next 90 days**{since}: " + "; ".join(near))
    year = [_without_period(p.year_outlook, 365)] if p.year_outlook else []
    if p.value_outlook:
        year.append("predicted value " + _without_period(p.value_outlook, 365)
                    + (f", {p.clv_tier} value tier" if p.clv_tier else ""))
    elif "clv" in notes:
        year.append(notes["clv"])
    if year:
        lines.append(f"- **next 12 months**{since}: " + "; ".join(year))
    return lines


def outlook_lines(o: Any) -> list[str]:
    """A group's expected totals with 80% intervals, as Markdown bullets (:class:`models.GroupOutlook`)."""
    lines = []
    for label, est, money in (("purchase days expected, next 90 days", o.purchases_90d, False),
                              ("spend expected, next 90 days", o.spend_90d, True),
                              ("purchase days expected, next 12 months", o.purchases_365d, False),
                              ("predicted value, next 12 months", o.value_365d, True)):
        if est is not None:
            lines.append(f"- **{label}**: {est.words(money=money)} in total")
    if lines and o.short_history:
        lines.append(f"- {o.short_history:,} of these {o.forecast_members:,} members have too little history "
                     "for a confident forecast of their own (their part of the totals is mostly the shop's average)")
    return lines


OUTLOOK_COLUMNS: dict[str, tuple[str, bool]] = {
    "purchases_90d": ("purchases next 90 days (80%)", False), "spend_90d": ("spend next 90 days (80%)", True),
    "value_365d": ("value next 12 months (80%)", True)}
"""GroupOutlook attribute -> (table column, is money)."""


def outlook_table(outlooks: list[Any]) -> pd.DataFrame:
    """One row per group: its expected totals with 80% intervals in words."""
    rows = []
    for o in outlooks:
        row: dict[str, Any] = {"segment": o.group}
        for attr, (column, money) in OUTLOOK_COLUMNS.items():
            est = getattr(o, attr)
            row[column] = est.words(money=money) if est is not None else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=["segment", *(c for c, _ in OUTLOOK_COLUMNS.values())])


def segment_outlook_table(ws: Any, by: str = "rfm") -> pd.DataFrame:
    """:func:`outlook_table` of every RFM segment (or cluster) of the workspace."""
    return outlook_table(backend("memberinsight.models", "segment_outlooks", "Segment forecasts")(ws, by=by))


def with_outlook(table: pd.DataFrame, ws: Any, by: str = "rfm") -> pd.DataFrame:
    """A segment table (column ``segment``) with the outlook columns of :func:`segment_outlook_table`."""
    if table.empty or "segment" not in table.columns:
        return table
    extra = segment_outlook_table(ws, by)
    return table.merge(extra, on="segment", how="left") if not extra.empty else table


def value_words(row: Any) -> str:
    """A member's predicted 12-month value with its 80% interval ("" without one)."""
    from memberinsight.models.wording import about_range

    value = getattr(row, "predicted_clv_365d", None)
    if value is None or value != value:
        return ""
    low, high = getattr(row, "clv_365d_low", None), getattr(row, "clv_365d_high", None)
    if getattr(row, "enough_history", True) is False and low == low and high == high and low is not None:
        return f"between {low:,.0f} and {high:,.0f} (too little history)"
    return about_range(float(value), low, high, money=True)
