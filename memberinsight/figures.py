"""Figures for people: money with thousands separators, shares as percentages, dates in words.

Everything a person reads (the command line's text output, the app's tables, chat answers) goes
through these helpers; ``--json`` and the data behind charts keep the raw values.

>>> money(284088.26), money(42.6), share(0.5862), share(0.59), day("2026-03-31")
('£284,088', '£42.60', '58.6%', '59%', '31 March 2026')
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

CURRENCY = "£"
"""The shop's currency symbol (the demo shop and the Online Retail export are British)."""

MISSING = "-"
"""How a missing value reads."""


def missing(value: Any) -> bool:
    """Whether ``value`` is absent: None, NaN or pandas' NA/NaT."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):  # pandas.NA refuses bool()
        return True


def money(value: Any, currency: str = CURRENCY) -> str:
    """``£42.60``; whole units from 1,000 up (``£284,088``); ``-£5.00`` below zero; ``-`` when missing."""
    if missing(value):
        return MISSING
    v = float(value)
    sign = "-" if v < 0 else ""
    return f"{sign}{currency}{abs(v):,.0f}" if abs(v) >= 1000 else f"{sign}{currency}{abs(v):,.2f}"


def share(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.5862`` -> ``58.6%``, ``0.59`` -> ``59%`` (trailing ``.0`` dropped)."""
    if missing(value):
        return MISSING
    text = f"{float(value) * 100:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def number(value: Any, decimals: int = 2) -> str:
    """``1,234``; a fraction with at most ``decimals`` decimals (``3.25``, ``0.5``); ``-`` when missing."""
    if missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    v = float(value)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v.is_integer():
        return f"{int(v):,}"
    text = f"{v:,.{decimals}f}".rstrip("0").rstrip(".")
    return text


def ratio(value: Any) -> str:
    """How many times as much: ``2.5`` -> ``2.5×``, ``0.42`` -> ``0.42×``."""
    if missing(value):
        return MISSING
    v = float(value)
    if math.isinf(v):
        return "∞"
    return f"{number(v, 2 if abs(v) < 10 else 1)}×"


def _as_date(value: Any) -> Any:
    """ISO text and pandas timestamps as datetimes; anything else (text that is no date too) as it is."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def day(value: Any, weekday: bool = False) -> str:
    """A date in words: ``31 March 2026`` (``Tuesday 31 March 2026`` with ``weekday``); ISO text and
    datetimes are accepted; ``-`` when missing; text that is no date is returned as it is."""
    if missing(value) or value == "":
        return MISSING
    value = _as_date(value)
    if not isinstance(value, date):
        return str(value)
    text = f"{value.day} {value:%B %Y}"
    return f"{value:%A} {text}" if weekday else text


def moment(value: Any) -> str:
    """A date and time in words: ``31 March 2026, 14:05`` (a date alone reads as :func:`day`)."""
    if missing(value) or value == "":
        return MISSING
    value = _as_date(value)
    if isinstance(value, datetime):
        return f"{day(value)}, {value:%H:%M}"
    return day(value)


MONEY_WORDS = frozenset({"revenue", "monetary", "spend", "clv", "value", "price", "amount"})
"""Words of a column name (split at ``_``) that mark money (``revenue``, ``median_avg_order_value``)."""
SHARE_WORDS = frozenset({"share", "probability", "rate", "alive"})
"""Words of a column name that mark a fraction read as a percentage (``revenue_share``, ``p_alive``)."""
DATE_WORDS = frozenset({"date", "at", "cutoff", "week"})
"""Last words of a column name that mark a date (``signup_date``, ``ordered_at``, ``week``)."""

LABELS = {
    "member_share": "share of members", "revenue_share": "share of revenue",
    "median_recency_days": "days since last order (median)", "median_frequency": "orders (median)",
    "median_monetary": "spend (median)", "median_avg_order_value": "order value (median)",
    "mean_churn_probability": "churn risk (mean)", "mean_predicted_clv_365d": "12-month value (mean)",
    "predicted_clv_365d": "12-month value", "expected_orders_90d": "expected orders, 90 days",
    "expected_orders_365d": "expected orders, 365 days", "churn_probability": "churn risk",
    "rfm_segment": "segment", "member_id": "member", "product_id": "product", "clv_tier": "value tier",
    "p_alive": "still active", "value_at_risk": "value at risk",
}
"""Readable names of the columns people see most (others: underscores become spaces)."""


def label(name: str) -> str:
    """A column name for people: ``median_recency_days`` -> ``days since last order (median)``."""
    return LABELS.get(name, name.replace("_", " "))


def kind_of(name: str) -> str:
    """How a column's figures read, from the words of its name: ``money``, ``share``, ``date``, ``text`` (an id,
    shown as it is) or ``number``. A name ending in ``risk`` is a 0-1 risk read as a percentage
    (``risk``, ``churn_risk``; ``value_at_risk`` is money)."""
    words = name.lower().replace(" ", "_").split("_")
    if SHARE_WORDS.intersection(words):
        return "share"
    if MONEY_WORDS.intersection(words):
        return "money"
    if words[-1] == "risk":
        return "share"
    if words[-1] == "id":
        return "text"
    if words[-1] in DATE_WORDS or name.lower() in ("as_of", "week_start"):
        return "date"
    return "number"


def by_name(name: str, value: Any) -> str:
    """``value`` formatted the way a column called ``name`` reads (see :func:`kind_of`); text stays text."""
    if missing(value):
        return MISSING
    kind = kind_of(name)
    if kind == "date":
        return day(value)
    if isinstance(value, str):
        return value
    if kind == "text":
        return str(value)
    if isinstance(value, bool):
        return number(value)
    try:
        float(value)
    except (TypeError, ValueError):
        return str(value)
    if kind == "money":
        return money(value)
    return share(value) if kind == "share" else number(value)


def people_frame(frame: Any) -> Any:
    """A copy of a pandas DataFrame for people to read: columns named by :func:`label`, every cell
    formatted by :func:`by_name` (text). Charts and ``--json`` keep using the raw frame."""
    out = frame.copy()
    for column in out.columns:
        out[column] = [by_name(str(column), v) for v in out[column]]
    return out.rename(columns={c: label(str(c)) for c in out.columns})
