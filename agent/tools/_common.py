"""Helpers shared by the tools: reaching other packages' public APIs, tables as Markdown, numbers."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterable
from typing import Any

import pandas as pd

from memberinsight.errors import ModelNotReadyError

NOT_BUILT = "run `memberinsight build` (or `memberinsight demo`) first"
PERCENT_WORDS = ("share", "probability", "rate")
"""Columns whose fractions read better as percentages."""


def backend(package: str, name: str, what: str) -> Any:
    """``package.name`` from another package's public API, or :class:`ModelNotReadyError`.

    Tools call the analytics, retrieval, screening and campaign packages only through their
    ``__init__`` exports; a capability that is not installed reads as "not built yet".
    """
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise ModelNotReadyError(f"{what} is not available ({package} is not installed)") from exc
    func = getattr(module, name, None)
    if func is None:
        raise ModelNotReadyError(f"{what} is not built yet — {NOT_BUILT}")
    return func


def as_frame(obj: Any) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a dataclass, a list of dataclasses/dicts, or a dict of columns."""
    if isinstance(obj, pd.DataFrame):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return pd.DataFrame([dataclasses.asdict(obj)])
    if isinstance(obj, dict):
        return pd.DataFrame(obj)
    if isinstance(obj, Iterable):
        rows = [dataclasses.asdict(r) if dataclasses.is_dataclass(r) and not isinstance(r, type) else dict(r)
                for r in obj]
        return pd.DataFrame(rows)
    raise TypeError(f"cannot make a table from {type(obj).__name__}")


def fmt_value(value: Any) -> str:
    """A cell as short text: thousands separators, two decimals for fractions, blanks for missing."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if hasattr(value, "item"):
        return fmt_value(value.item())
    return str(value).replace("|", "/").replace("\n", " ")


def markdown_table(df: pd.DataFrame, max_rows: int = 12, max_cols: int = 7, currency: str | None = None) -> str:
    """``df`` as a Markdown table (first ``max_rows`` rows and ``max_cols`` columns, noted when cut); amounts
    of money (columns named like revenue, spend, value: :func:`memberinsight.figures.kind_of`) carry the
    shop's ``currency`` sign (the figures' default when not given) and thousands separators."""
    from memberinsight.figures import kind_of

    if df.empty:
        return "_(no rows)_"
    head = df.iloc[:max_rows, :max_cols]
    lines = ["| " + " | ".join(str(c).replace("_", " ") for c in head.columns) + " |",
             "|" + "---|" * len(head.columns)]
    percent = [any(w in str(c) for w in PERCENT_WORDS) for c in head.columns]
    cash = [not pct and kind_of(str(c).split(" (")[0]) == "money" for c, pct in zip(head.columns, percent, strict=True)]
    dated = [kind_of(str(c).split(" (")[0]) == "date" for c in head.columns]
    for row in head.itertuples(index=False):
        lines.append("| " + " | ".join(
            f"{v:.0%}" if pct and isinstance(v, float) and v == v else
            money(v, currency) if is_cash and isinstance(v, int | float) and not isinstance(v, bool) and v == v else
            when(v) if is_date else
            fmt_value(v) for v, pct, is_cash, is_date in zip(row, percent, cash, dated, strict=True)) + " |")
    cut = [f"{len(df) - max_rows:,} more rows"] if len(df) > max_rows else []
    hidden = df.shape[1] - max_cols
    cut += [f"{hidden} more column{'s' if hidden > 1 else ''}"] if hidden > 0 else []
    if cut:
        lines.append(f"\n_{' and '.join(cut)} in the table view._")
    return "\n".join(lines)


def when(value: Any) -> str:
    """A date cell in words ("1 October 2026"), with the time only when it has one ("..., 14:05")."""
    from memberinsight.figures import day, missing, moment

    if missing(value) or value == "":
        return ""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return str(value)  # text that is no date stays as it is
    if stamp is not pd.NaT and (stamp.hour, stamp.minute, stamp.second) != (0, 0, 0):
        return moment(stamp)
    return day(stamp)


def money(value: float | None, currency: str | None = None) -> str:
    """An amount for people: ``£1,234`` / ``£42.60`` with the shop's ``currency`` sign (the figures' default,
    :data:`memberinsight.figures.CURRENCY`, when not given); ``n/a`` when missing."""
    from memberinsight.figures import CURRENCY
    from memberinsight.figures import money as figure

    if value is None or value != value:
        return "n/a"
    return figure(value, CURRENCY if currency is None else currency)


def pick(df: pd.DataFrame, *names: str) -> str | None:
    """The first of ``names`` that is a column of ``df``."""
    return next((n for n in names if n in df.columns), None)
