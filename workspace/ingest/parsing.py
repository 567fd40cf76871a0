"""Vectorised value parsers and the per-row issue accumulator used by validation.

Every parser takes a pandas string Series (missing values as ``NA``) and returns the typed values
plus a boolean mask of values that were present but could not be parsed. :class:`Issues` records
the first problem of each row (reason code, source column, message) without Python loops.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
INT32_MAX = 2**31 - 1
FUTURE_TOLERANCE = timedelta(days=1)


class Issues:
    """First problem per row: ``reason`` code, ``column`` (as named in the file) and ``message``."""

    def __init__(self, n: int) -> None:
        self.reason = pd.Series([None] * n, dtype=object)
        self.column = pd.Series([None] * n, dtype=object)
        self.message = pd.Series([None] * n, dtype=object)

    def __len__(self) -> int:
        return len(self.reason)

    @property
    def bad(self) -> pd.Series:
        """Boolean mask of rows with a problem."""
        return self.reason.notna()

    @property
    def ok(self) -> pd.Series:
        return self.reason.isna()

    def flag(self, mask: pd.Series | np.ndarray, reason: str, column: str | None,
             message: str | pd.Series, values: pd.Series | None = None) -> None:
        """Record ``reason`` for rows in ``mask`` that have no problem yet (first problem wins).

        With ``values``, the offending value (quoted, truncated) is appended to the message; it is
        only computed for the flagged rows.
        """
        mask = pd.Series(np.asarray(mask, dtype=bool), index=self.reason.index) & self.reason.isna()
        if not mask.any():
            return
        where = mask.to_numpy()
        self.reason[mask] = reason
        self.column[mask] = column
        if isinstance(message, pd.Series):
            self.message[mask] = message[where].astype(object).to_numpy()
        elif values is not None:
            self.message[mask] = (message + ": " + quoted(values[where])).astype(object).to_numpy()
        else:
            self.message[mask] = message

    def flag_rows(self, rows: np.ndarray, reason: str, column: str | None, messages: list[str] | str) -> None:
        """Like :meth:`flag` for positional row numbers (results of SQL checks)."""
        mask = np.zeros(len(self), dtype=bool)
        mask[rows] = True
        msg = pd.Series([None] * len(self), dtype=object)
        msg.iloc[rows] = messages
        self.flag(mask, reason, column, msg)


def clean_text(s: pd.Series) -> pd.Series:
    """Strip whitespace; empty strings become missing."""
    out = s.astype("str").str.strip()
    return out.where(out != "", None)


def quoted(s: pd.Series, limit: int = 40) -> pd.Series:
    """Values for messages: single-quoted and truncated."""
    return "'" + s.astype("str").str.slice(0, limit) + "'"


def normalise_member_id(s: pd.Series) -> pd.Series:
    """Member ids as text: ``'12923.0'`` (a spreadsheet's float) becomes ``'12923'``."""
    return s.str.replace(r"^([0-9]+)\.0+$", r"\1", regex=True)


def parse_float(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers (a leading currency sign is allowed); returns (float values, unparseable mask)."""
    cleaned = s.str.replace(r"^[£$€][ ]*", "", regex=True)
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    bad = s.notna() & ~(values.notna() & np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan)))
    return values.where(~bad), bad


def parse_int(s: pd.Series, low: int = -INT32_MAX, high: int = INT32_MAX) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (``'4.0'`` is 4); returns (Int64 values, unparseable-or-out-of-range mask)."""
    values, bad = parse_float(s)
    whole = values.notna() & (values == np.floor(values.fillna(0))) & values.between(low, high)
    bad = bad | (values.notna() & ~whole)
    return values.where(whole).round().astype("Int64"), bad


def future_mask(values: pd.Series, now: datetime | None = None) -> pd.Series:
    """Timestamps later than now (plus a day of tolerance for time zones)."""
    limit = pd.Timestamp((now or datetime.now()) + FUTURE_TOLERANCE)
    return values.notna() & (values > limit)


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Booleans from true/false, yes/no, 1/0, t/f, y/n (any case); returns (boolean values, bad mask)."""
    low = s.str.lower()
    values = pd.Series(pd.NA, index=s.index, dtype="boolean")
    values[low.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = True
    values[low.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = False
    return values, s.notna() & values.isna()
