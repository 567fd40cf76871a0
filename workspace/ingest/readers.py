"""Reading CSV exports: gzip, encoding detection, delimiter sniffing, exact line numbers, ragged rows.

The fast path is vectorised: NumPy finds record boundaries and counts fields per record
(quote parity), pandas' C parser reads the values. Files the scan cannot vouch for (unbalanced
or stray quotes, bare ``\\r`` line ends, a quoted value spanning lines that
:func:`~workspace.ingest.records.multiline_ok` does not accept) go to
:func:`~workspace.ingest.records.read_records`, which is slower but exact and never lets one open
quote swallow the rest of the file. Either way every data row keeps the CSV line number it
started on (header = line 1), so rejects can name the line a person sees in a text editor, and
``rows_read`` counts every record of the file: loaded, unchanged or rejected.
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
from memberinsight.workspace.ingest.records import (
    BadRecord,
    delimiter_name,
    loose_fields,
    multiline_ok,
    physical_lines,
    read_records,
    sniff_delimiter,
)

_QUOTE, _NL, _CR = 34, 10, 13
_UNNAMED = "\x00unnamed:"  # placeholder name of a header column left empty
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# Bytes that do not occur in text files (all C0 controls but tab, LF, VT, FF, CR; and DEL).
_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[[*range(0, 9), *range(14, 32), 127]] = True
_BINARY_SAMPLE, _BINARY_SHARE = 65_536, 0.01


@dataclass
class RawTable:
    """A CSV file as read: every value a string, plus where each row came from."""

    file: str
    columns: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    short: np.ndarray
    malformed: list[BadRecord]
    encoding: str
    sha256: str
    mixed_encoding: bool = False
    blank_lines: int = 0
    warnings: list[str] = field(default_factory=list)
    delimiter: str = ","

    @property
    def rows_read(self) -> int:
        """Data rows in the file (blank lines excluded), malformed ones included."""
        return len(self.frame) + len(self.malformed)


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
    delimiter = sniff_delimiter(_first_line(data))
    if delimiter != ",":
        warnings.append(f"delimiter: {delimiter_name(delimiter)}, detected from the header")
    table = _read_fast(data, display, delimiter) or _read_slow(data, display, delimiter)
    columns, frame, lines, short, malformed, blank = _drop_unnamed(*table, display=display, warnings=warnings)
    if not len(frame) and not malformed:
        raise DataValidationError("file has a header but no data rows", file=display)
    if blank:
        warnings.append(f"{blank} blank line(s) skipped")
    unbalanced = [r for r in malformed if r.reason == "unbalanced_quote"]
    if unbalanced:
        warnings.append(f"{len(unbalanced)} line(s) with an unbalanced quote rejected (first: line "
                        f"{unbalanced[0].line}); the lines after each were read as rows of their own")
    return RawTable(display, columns, frame, lines, short, malformed, encoding, sha, mixed, blank, warnings,
                    delimiter)


def _first_line(data: bytes) -> str:
    """The first non-blank line (the header), for delimiter sniffing."""
    for line in data[:1 << 20].splitlines():
        if line.strip():
            return line.decode("utf-8", errors="replace")
    return ""


def _drop_unnamed(columns: list[str], frame: pd.DataFrame, lines: np.ndarray, short: np.ndarray,
                  malformed: list[BadRecord], blank: int, *, display: str, warnings: list[str]):
    """Drop header columns without a name (Excel's trailing ``,,``) when no row has a value in them.

    An unnamed column that holds data is an error naming the first line with a value.
    """
    unnamed = [i for i, c in enumerate(columns) if c.startswith(_UNNAMED)]
    if not unnamed:
        return columns, frame, lines, short, malformed, blank
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
    for r in malformed:
        r.fields = [f for j, f in enumerate(r.fields) if j not in dropped]
    warnings.append(f"{len(unnamed)} empty column(s) without a name dropped "
                    f"(header column(s) {', '.join(str(i + 1) for i in unnamed)})")
    return [c for c in columns if not c.startswith(_UNNAMED)], frame, lines, short, malformed, blank


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
    _refuse_binary(data, display)
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


def _refuse_binary(data: bytes, display: str) -> None:
    """Refuse a file whose first 64 KB hold control bytes that text never has (a binary file)."""
    sample = np.frombuffer(data[:_BINARY_SAMPLE], dtype=np.uint8)
    control = np.flatnonzero(_CONTROL[sample])
    if len(control) and len(control) > _BINARY_SHARE * len(sample):
        first = int(control[0])
        line = data.count(b"\n", 0, first) + 1
        raise DataValidationError(
            f"not a text CSV: {len(control):,} control bytes in the first {len(sample):,} bytes "
            f"(first: 0x{sample[first]:02x} on line {line}); is it a spreadsheet or an archive? "
            "Export it as CSV first", file=display, row=line)


def _mixed(data: bytes) -> tuple[bytes, str, bool, list[str]]:
    text = data.decode("utf-8", errors="replace")
    return text.encode("utf-8"), "utf-8 (mixed)", True, [
        "file mixes UTF-8 with another encoding; rows with undecodable bytes are rejected (bad_encoding)"]


# ----- fast path: NumPy record scan + pandas C parser ----------------------------------------------
def _read_fast(data: bytes, display: str, delimiter: str = ","):
    arr = np.frombuffer(data, dtype=np.uint8)
    delim = ord(delimiter)
    quotes = np.flatnonzero(arr == _QUOTE)
    if len(quotes) % 2:
        return None
    carriage = np.flatnonzero(arr == _CR)
    if len(carriage) and (carriage[-1] + 1 >= len(arr) or np.any(arr[carriage + 1] != _NL)):
        return None  # bare carriage returns (old Mac line ends): let the csv module decide
    if not _quotes_structural(arr, quotes, delim):
        return None  # a quote inside an unquoted field: parity does not describe the fields
    newlines = np.flatnonzero(arr == _NL)
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    starts = np.concatenate(([0], ends + 1))
    ends = np.concatenate((ends, [len(data)]))
    if starts[-1] >= len(data):
        starts, ends = starts[:-1], ends[:-1]
    delims = np.flatnonzero(arr == delim)
    delims = delims[np.searchsorted(quotes, delims) % 2 == 0]
    nfields = np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
    trailing_cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == _CR)
    blank = (ends - starts - trailing_cr) == 0
    line_of = np.searchsorted(newlines, starts) + 1
    nonblank = np.flatnonzero(~blank)
    header_idx = nonblank[0]
    header_text = data[starts[header_idx]:ends[header_idx]].decode("utf-8")
    columns = _header(next(csv.reader([header_text.rstrip("\r")], delimiter=delimiter)), display)
    data_idx = nonblank[1:]
    if not _multiline_records_ok(data, starts, ends, data_idx, newlines, delimiter, columns):
        return None
    overlong_idx = data_idx[nfields[data_idx] > len(columns)]
    keep_idx = data_idx[nfields[data_idx] <= len(columns)]
    excised = np.sort(np.concatenate((np.flatnonzero(blank), overlong_idx)))
    excised = excised[excised > header_idx]
    body = _cut(data, starts, ends, header_idx, excised)
    if not len(keep_idx):
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    else:
        frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, na_values=[], sep=delimiter,
                            skip_blank_lines=False, index_col=False, encoding="utf-8")
        if len(frame) != len(keep_idx) or len(frame.columns) != len(columns):
            return None
        frame.columns = columns
    overlong = [_overlong(int(line_of[i]), loose_fields(data[starts[i]:ends[i]].decode("utf-8"), delimiter),
                          len(columns)) for i in overlong_idx]
    short = nfields[keep_idx] < _named_width(columns)
    blank_count = int(np.count_nonzero(blank[header_idx:]))
    return columns, frame, line_of[keep_idx].astype(np.int64), short, overlong, blank_count


def _multiline_records_ok(data: bytes, starts: np.ndarray, ends: np.ndarray, data_idx: np.ndarray,
                          newlines: np.ndarray, delimiter: str, columns: list[str]) -> bool:
    """True when every record spanning lines is a plausible multi-line value (see :mod:`records`)."""
    inside = np.searchsorted(newlines, ends[data_idx]) - np.searchsorted(newlines, starts[data_idx])
    for i in data_idx[inside > 0]:
        lines = physical_lines(data[starts[i]:ends[i] + 1].decode("utf-8"))
        if multiline_ok(lines, delimiter, len(columns), _named_width(columns)) is not None:
            return False
    return True


def _overlong(line: int, fields: list[str], width: int) -> BadRecord:
    return BadRecord(line, fields, "wrong_field_count", f"row has {len(fields)} fields, the header has {width}")


def _quotes_structural(arr: np.ndarray, quotes: np.ndarray, delim: int = 44) -> bool:
    """True when every quote opens a field, closes one, or is half of an escaped ``""`` pair.

    Then quote parity exactly tells which delimiters and newlines are inside quoted values.
    """
    if not len(quotes):
        return True
    prev = np.where(quotes > 0, arr[np.maximum(quotes - 1, 0)], _NL)
    nxt = np.where(quotes + 1 < len(arr), arr[np.minimum(quotes + 1, len(arr) - 1)], _NL)
    opening = np.arange(len(quotes)) % 2 == 0
    ok_open = np.isin(prev, (delim, _NL, _QUOTE))
    ok_close = np.isin(nxt, (delim, _NL, _CR, _QUOTE))
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


# ----- slow path: record by record, quotes recovered (workspace.ingest.records) ---------------------
def _read_slow(data: bytes, display: str, delimiter: str = ","):
    row, records, malformed, blank = read_records(data.decode("utf-8"), delimiter, display)
    header = _header(row, display)
    named = _named_width(header)
    width = len(header)
    malformed += [_overlong(ln, r, width) for ln, r in records if len(r) > width]
    malformed.sort(key=lambda r: r.line)
    kept = [(ln, r) for ln, r in records if len(r) <= width]
    short = np.array([len(r) < named for _, r in kept], dtype=bool)
    padded = [r + [""] * (width - len(r)) for _, r in kept]
    frame = pd.DataFrame({c: pd.Series([r[j] for r in padded], dtype="str") for j, c in enumerate(header)})
    return header, frame, np.array([ln for ln, _ in kept], dtype=np.int64), short, malformed, blank


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
