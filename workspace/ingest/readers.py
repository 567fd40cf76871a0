"""Reading CSV exports: gzip, encoding detection, exact CSV line numbers and ragged rows.

The fast path is vectorised: NumPy finds record boundaries and counts fields per record
(quote parity), pandas' C parser reads the values. Files the scan cannot vouch for (unbalanced
or stray quotes, bare ``\\r`` line ends) fall back to Python's :mod:`csv` module, which is
slower but exact. Either way every data row keeps the CSV line number it started on
(header = line 1), so rejects can name the line a person sees in a text editor.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from memberinsight.errors import DataValidationError

_QUOTE, _COMMA, _NL, _CR = 34, 44, 10, 13
_UNNAMED = "\x00unnamed:"  # placeholder name of a header column left empty
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass
class OverlongRow:
    """A data row with more fields than the header (kept out of the frame, rejected)."""

    line: int
    fields: list[str]


@dataclass
class RawTable:
    """A CSV file as read: every value a string, plus where each row came from."""

    file: str
    columns: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    short: np.ndarray
    overlong: list[OverlongRow]
    encoding: str
    sha256: str
    mixed_encoding: bool = False
    blank_lines: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Data rows in the file (blank lines excluded)."""
        return len(self.frame) + len(self.overlong)


def read_table(path: Path, display: str | None = None) -> RawTable:
    """Read ``path`` (plain or gzip CSV) into a :class:`RawTable`.

    Raises :class:`DataValidationError` naming the file for an empty, binary or header-only file.
    """
    display = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"cannot read file: {exc.strerror or exc}", file=display) from exc
    sha = hashlib.sha256(raw).hexdigest()
    data = _decompress(raw, display)
    data, encoding, mixed, warnings = _to_utf8(data, display)
    if not data.strip():
        raise DataValidationError("file is empty (no header, no rows)", file=display)
    table = _read_fast(data, display) or _read_slow(data, display)
    columns, frame, lines, short, overlong, blank = _drop_unnamed(*table, display=display, warnings=warnings)
    if not len(frame) and not overlong:
        raise DataValidationError("file has a header but no data rows", file=display)
    if blank:
        warnings.append(f"{blank} blank line(s) skipped")
    return RawTable(display, columns, frame, lines, short, overlong, encoding, sha, mixed, blank, warnings)


def _drop_unnamed(columns: list[str], frame: pd.DataFrame, lines: np.ndarray, short: np.ndarray,
                  overlong: list[OverlongRow], blank: int, *, display: str, warnings: list[str]):
    """Drop header columns without a name (Excel's trailing ``,,``) when no row has a value in them.

    An unnamed column that holds data is an error naming the first line with a value.
    """
    unnamed = [i for i, c in enumerate(columns) if c.startswith(_UNNAMED)]
    if not unnamed:
        return columns, frame, lines, short, overlong, blank
    for i in unnamed:
        filled = (frame[columns[i]].fillna("").str.strip() != "").to_numpy()
        if filled.any():
            line = int(lines[int(np.argmax(filled))])
            raise DataValidationError(
                f"header column {i + 1} has no name but line {line} holds a value in it: name the column "
                "or delete it", file=display, row=line)
    if len(unnamed) == len(columns):
        raise DataValidationError("the header has no column names", file=display, row=1)
    dropped = set(unnamed)
    frame = frame.drop(columns=[columns[i] for i in unnamed])
    overlong = [OverlongRow(r.line, [f for j, f in enumerate(r.fields) if j not in dropped]) for r in overlong]
    warnings.append(f"{len(unnamed)} empty column(s) without a name dropped "
                    f"(header column(s) {', '.join(str(i + 1) for i in unnamed)})")
    return [c for c in columns if not c.startswith(_UNNAMED)], frame, lines, short, overlong, blank


# ----- bytes -> UTF-8 ---------------------------------------------------------------------------
def _decompress(raw: bytes, display: str) -> bytes:
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataValidationError(f"corrupt gzip file: {exc}", file=display) from exc
    if raw[:4] == b"PK\x03\x04":
        raise DataValidationError("zip archives are not supported: extract the CSV first", file=display)
    return raw


def _to_utf8(data: bytes, display: str) -> tuple[bytes, str, bool, list[str]]:
    """Return UTF-8 bytes, the detected encoding, whether encodings were mixed, and warnings."""
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return _mixed(data)
        return data, "utf-8-sig", False, []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16", False, []
        except UnicodeDecodeError as exc:
            raise DataValidationError(f"undecodable UTF-16 file: {exc.reason}", file=display) from exc
    if b"\x00" in data:
        raise DataValidationError(
            "file contains NUL bytes: not a text CSV (binary file, or UTF-16 without a byte-order mark)",
            file=display)
    try:
        data.decode("utf-8")
        return data, "utf-8", False, []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if _UTF8_MULTIBYTE.search(data):
        return _mixed(data)
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        line = data.count(b"\n", 0, first_bad) + 1
        return text.encode("utf-8"), encoding, False, [
            f"file is not valid UTF-8 (first bad byte on line {line}); decoded as {encoding}"]
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _mixed(data: bytes) -> tuple[bytes, str, bool, list[str]]:
    text = data.decode("utf-8", errors="replace")
    return text.encode("utf-8"), "utf-8 (mixed)", True, [
        "file mixes UTF-8 with another encoding; rows with undecodable bytes are rejected (bad_encoding)"]


# ----- fast path: NumPy record scan + pandas C parser ----------------------------------------------
def _read_fast(data: bytes, display: str):
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == _QUOTE)
    if len(quotes) % 2:
        return None
    carriage = np.flatnonzero(arr == _CR)
    if len(carriage) and (carriage[-1] + 1 >= len(arr) or np.any(arr[carriage + 1] != _NL)):
        return None  # bare carriage returns (old Mac line ends): let the csv module decide
    newlines = np.flatnonzero(arr == _NL)
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    starts = np.concatenate(([0], ends + 1))
    ends = np.concatenate((ends, [len(data)]))
    if starts[-1] >= len(data):
        starts, ends = starts[:-1], ends[:-1]
    commas = np.flatnonzero(arr == _COMMA)
    commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    nfields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
    trailing_cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == _CR)
    blank = (ends - starts - trailing_cr) == 0
    line_of = np.searchsorted(newlines, starts) + 1
    if not _quotes_structural(arr, quotes):
        return None  # a quote inside an unquoted field: parity does not describe the fields
    nonblank = np.flatnonzero(~blank)
    header_idx = nonblank[0]
    header_text = data[starts[header_idx]:ends[header_idx]].decode("utf-8")
    columns = _header(next(csv.reader([header_text.rstrip("\r")])), display)
    data_idx = nonblank[1:]
    overlong_idx = data_idx[nfields[data_idx] > len(columns)]
    keep_idx = data_idx[nfields[data_idx] <= len(columns)]
    excised = np.sort(np.concatenate((np.flatnonzero(blank), overlong_idx)))
    excised = excised[excised > header_idx]
    body = _cut(data, starts, ends, header_idx, excised)
    if not len(keep_idx):
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    else:
        frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, na_values=[],
                            skip_blank_lines=False, index_col=False, encoding="utf-8")
        if len(frame) != len(keep_idx) or len(frame.columns) != len(columns):
            return None
        frame.columns = columns
    overlong = [OverlongRow(int(line_of[i]), _fields(data[starts[i]:ends[i]])) for i in overlong_idx]
    short = nfields[keep_idx] < _named_width(columns)
    blank_count = int(np.count_nonzero(blank[header_idx:]))
    return columns, frame, line_of[keep_idx].astype(np.int64), short, overlong, blank_count


def _quotes_structural(arr: np.ndarray, quotes: np.ndarray) -> bool:
    """True when every quote opens a field, closes one, or is half of an escaped ``""`` pair.

    Then quote parity exactly tells which commas and newlines are inside quoted values.
    """
    if not len(quotes):
        return True
    prev = np.where(quotes > 0, arr[np.maximum(quotes - 1, 0)], _NL)
    nxt = np.where(quotes + 1 < len(arr), arr[np.minimum(quotes + 1, len(arr) - 1)], _NL)
    opening = np.arange(len(quotes)) % 2 == 0
    ok_open = np.isin(prev, (_COMMA, _NL, _QUOTE))
    ok_close = np.isin(nxt, (_COMMA, _NL, _CR, _QUOTE))
    # an escaped pair is a closing quote directly followed by an opening one
    return bool(np.all(np.where(opening, ok_open, ok_close)))


def _cut(data: bytes, starts: np.ndarray, ends: np.ndarray, header_idx: int, excised: np.ndarray) -> bytes:
    """``data`` from the header record on, without the excised records."""
    pieces, pos = [], int(starts[header_idx])
    for i in excised:
        pieces.append(data[pos:int(starts[i])])
        pos = min(int(ends[i]) + 1, len(data))
    pieces.append(data[pos:])
    return b"".join(pieces)


def _fields(record: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(record.decode("utf-8").rstrip("\r"), newline="")))
    return rows[0] if rows else []


# ----- slow path: Python csv module ------------------------------------------------------------
def _read_slow(data: bytes, display: str):
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header, prev_line, blank = None, 0, 0
    records: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            start, prev_line = prev_line + 1, reader.line_num
            if not row:  # an empty line (a line of spaces is a row, as in the fast path)
                blank += header is not None
                continue
            if header is None:
                header = _header(row, display)
                continue
            records.append(row)
            lines.append(start)
    except csv.Error as exc:
        raise DataValidationError(f"malformed CSV: {exc}", file=display, row=reader.line_num) from exc
    assert header is not None
    width = len(header)
    overlong = [OverlongRow(ln, r) for ln, r in zip(lines, records, strict=True) if len(r) > width]
    kept = [(ln, r) for ln, r in zip(lines, records, strict=True) if len(r) <= width]
    named = _named_width(header)
    short = np.array([len(r) < named for _, r in kept], dtype=bool)
    padded = [r + [""] * (width - len(r)) for _, r in kept]
    frame = pd.DataFrame({c: pd.Series([r[j] for r in padded], dtype="str") for j, c in enumerate(header)})
    return header, frame, np.array([ln for ln, _ in kept], dtype=np.int64), short, overlong, blank


def _header(row: list[str], display: str) -> list[str]:
    """Header names, stripped; a column without a name gets a placeholder (see :func:`_drop_unnamed`)."""
    columns = [c.strip() or f"{_UNNAMED}{i}" for i, c in enumerate(row, start=1)]
    seen: dict[str, int] = {}
    for i, name in enumerate(columns, start=1):
        if name.startswith(_UNNAMED):
            continue
        key = name.lower()
        if key in seen:
            raise DataValidationError(f"column name repeated in the header (columns {seen[key]} and {i})",
                                      file=display, row=1, column=name)
        seen[key] = i
    return columns


def _named_width(columns: list[str]) -> int:
    """Fields a row needs: up to the last named column (trailing unnamed ones may be left out)."""
    named = [i for i, c in enumerate(columns) if not c.startswith(_UNNAMED)]
    return named[-1] + 1 if named else len(columns)
