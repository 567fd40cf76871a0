"""Dates of one file, read one way: the day/month order is decided per file, time zones per column.

``05/11/2025`` is 5 November in the UK and 11 May in the US. The order is decided once for the
whole file from its own evidence (a first number above 12 proves day-first, a second number above
12 proves month-first), reported in the ingest summary, and can be set (``--dayfirst`` /
``--monthfirst``, setting ``ingest_date_order``). A file that proves both orders is refused; a file
with only ambiguous values is refused unless the order is set, since any choice would be a guess.

Time zones: values with an offset (``+01:00``, ``Z``) are converted to the shop's time zone
(setting ``timezone``, default UTC) and stored without a zone; values without one are taken as
shop time. The summary says so for every column that had offsets, so one rule holds per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from memberinsight.errors import DataValidationError

ORDERS = ("auto", "dayfirst", "monthfirst")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](.*))?$")
_ZONE = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_TIMES = ("", "%H:%M", "%H:%M:%S")


@dataclass(frozen=True)
class DateRules:
    """How a file's dates are read: ``order`` (auto, dayfirst, monthfirst) and the shop ``timezone``."""

    order: str = "auto"
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise DataValidationError(f"date order must be one of {', '.join(ORDERS)}, got {self.order!r}")
        try:
            pd.Timestamp("2000-01-01", tz=self.timezone)
        except (ValueError, KeyError) as exc:
            raise DataValidationError(f"unknown time zone {self.timezone!r} (setting timezone; e.g. "
                                      "'Europe/London', 'UTC')") from exc


def _parts(s: pd.Series) -> pd.DataFrame:
    """First and second numbers of ``dd/mm/yyyy``-like values (NaN for other layouts)."""
    got = s.str.extract(_SLASHED)
    return pd.DataFrame({"a": pd.to_numeric(got[0]), "b": pd.to_numeric(got[1])}, index=s.index)


def decide_order(columns: dict[str, pd.Series], lines: np.ndarray, rules: DateRules, display: str
                 ) -> tuple[str | None, list[str]]:
    """The day/month order for a file's date columns and the notes for its summary.

    ``columns`` maps a column name (as in the file) to its cleaned string values. Returns
    ``(None, [])`` when no value is written with a slash, dot or dash day/month layout.
    Raises :class:`DataValidationError` when the file contradicts itself, or (order ``auto``)
    when every such value is ambiguous.
    """
    proof: dict[str, tuple[int, str, str]] = {}
    ambiguous: tuple[int, str, str] | None = None
    for name, s in columns.items():
        candidates = s[s.notna() & ~s.str.match(r"^\d{4}", na=True)]
        if candidates.empty:
            continue
        parts = _parts(candidates)
        for order, mask in (("dayfirst", (parts.a > 12) & (parts.b <= 12)),
                            ("monthfirst", (parts.b > 12) & (parts.a <= 12))):
            if mask.any() and order not in proof:
                pos = candidates.index[mask.to_numpy()][0]
                proof[order] = (int(lines[pos]), name, str(candidates[pos]))
        amb = (parts.a <= 12) & (parts.b <= 12) & (parts.a != parts.b)
        if amb.any() and ambiguous is None:
            pos = candidates.index[amb.to_numpy()][0]
            ambiguous = (int(lines[pos]), name, str(candidates[pos]))
    if not proof and ambiguous is None:
        return None, []
    if rules.order != "auto":
        return rules.order, [f"dates read {_words(rules.order)} (set by the date-order option)"]
    if len(proof) == 2:
        (dl, dc, dv), (ml, mc, mv) = proof["dayfirst"], proof["monthfirst"]
        raise DataValidationError(
            f"the file's dates contradict each other: '{dv}' (line {dl}, column '{dc}') can only be day-first, "
            f"'{mv}' (line {ml}, column '{mc}') only month-first; fix the file, or force one order with "
            "--dayfirst / --monthfirst (rows that do not fit it are rejected)", file=display, row=ml, column=mc)
    if proof:
        order, (line, col, value) = next(iter(proof.items()))
        return order, [f"dates read {_words(order)}: '{value}' on line {line} (column '{col}') has "
                       f"{'a day' if order == 'dayfirst' else 'a second number'} above 12"]
    assert ambiguous is not None
    line, col, value = ambiguous
    raise DataValidationError(
        f"dates like '{value}' could be day-first or month-first and no date in the file decides it "
        "(no day above 12); say which with --dayfirst or --monthfirst (or the ingest_date_order setting)",
        file=display, row=line, column=col)


def _words(order: str) -> str:
    return "day-first (dd/mm/yyyy)" if order == "dayfirst" else "month-first (mm/dd/yyyy)"


def parse_timestamp(s: pd.Series, order: str | None = None, timezone: str = "UTC"
                    ) -> tuple[pd.Series, pd.Series, int]:
    """Timestamps: ISO 8601, ``yyyy/mm/dd``, and ``dd/mm/yyyy`` or ``mm/dd/yyyy`` as ``order`` says.

    Returns (naive datetime64 values in shop time, unparseable mask, how many values had a zone).
    Without an ``order``, only unambiguous layouts parse (``01/01/2025`` does; ``05/11/2025`` does not).
    """
    out = pd.to_datetime(s, format="ISO8601", errors="coerce", utc=True)
    zoned = s.notna() & out.notna() & s.str.contains(_ZONE, regex=True, na=False)
    remaining = s.notna() & out.isna()
    if remaining.any():
        rest = s[remaining].str.replace("/", "-", regex=False).str.replace(".", "-", regex=False)
        out = out.where(~remaining, _slashed(rest, order).reindex(out.index))
    n_zoned = int(zoned.sum())
    if n_zoned and timezone != "UTC":
        shifted = out[zoned].dt.tz_convert(timezone)
        out = out.dt.tz_convert(None)
        out[zoned] = shifted.dt.tz_localize(None).to_numpy()
    else:
        out = out.dt.tz_convert(None)
    return out, s.notna() & out.isna(), n_zoned


def _slashed(rest: pd.Series, order: str | None) -> pd.Series:
    """``yyyy-mm-dd`` / ``dd-mm-yyyy`` / ``mm-dd-yyyy`` (after separators became dashes), UTC-aware."""
    out = pd.Series(pd.NaT, index=rest.index, dtype="datetime64[ns, UTC]")
    layouts = ["%Y-%m-%d"]
    if order == "monthfirst":
        layouts.append("%m-%d-%Y")
    elif order == "dayfirst":
        layouts.append("%d-%m-%Y")
    else:  # no order decided: only values whose two numbers are equal read the same either way
        same = _parts(rest).pipe(lambda p: p.a == p.b)
        rest = rest.where(same | rest.str.match(r"^\d{4}", na=False))
        layouts.append("%d-%m-%Y")
    for layout in layouts:
        for time in _TIMES:
            fmt = f"{layout} {time}".strip()
            todo = out.isna() & rest.notna()
            if not todo.any():
                return out
            got = pd.to_datetime(rest[todo], format=fmt, errors="coerce", utc=True)
            out[todo] = got
    return out
