"""CSV records that cannot swallow the rest of a file: quote recovery, delimiter sniffing.

A quote left open (``"social`` without its closing quote) makes an ordinary CSV parser read
every following line into one value, silently losing those rows. Here a record may span several
physical lines only when that is plausible for a real multi-line value:

* the quoted value closes within :data:`MAX_RECORD_LINES` lines and :data:`MAX_RECORD_CHARS`
  characters, right before a delimiter or the line end (a strict parse);
* the record then has as many fields as the header (no more, at least up to the last named column);
* no line inside the span is, on its own, a complete row of the header's width (which is what the
  swallowed rows of a broken file look like).

Otherwise the first line alone is rejected (reason ``unbalanced_quote`` or ``bad_quote``, with the
column where the quote opened) and reading goes on with the next line, so every other row of the
file is read as usual. :func:`read_records` is the exact (slow) path; :func:`multiline_ok` lets the
vectorised fast path vouch for its multi-line records with the same rule.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from memberinsight.errors import DataValidationError

MAX_RECORD_LINES = 50
MAX_RECORD_CHARS = 65_536
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


@dataclass
class BadRecord:
    """A data row kept out of the frame and rejected: where it is, its fields as read, and why."""

    line: int
    fields: list[str]
    reason: str
    message: str
    column: str | None = None


def physical_lines(text: str) -> list[str]:
    """The file's lines with their line ends (``\\r\\n``, ``\\n`` or a bare ``\\r``)."""
    lines = _LINE.findall(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a header line: the candidate seen most often outside quotes (comma on a tie)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def delimiter_name(delimiter: str) -> str:
    """``semicolon (';')``: how messages name a delimiter."""
    shown = "\\t" if delimiter == "\t" else delimiter
    return f"{DELIMITERS.get(delimiter, 'custom')} ('{shown}')"


def _strict(text: str, delimiter: str) -> list[str] | None:
    """The one record in ``text`` under a strict parse; ``None`` while a quote is still open.

    Raises :class:`csv.Error` for a quote in the wrong place (text right after a closing quote).
    """
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return None
        raise
    return rows[0] if rows else []


def loose_fields(line: str, delimiter: str) -> list[str]:
    """A line's fields as a lenient parser reads them (for the rejects file)."""
    rows = list(csv.reader(io.StringIO(line.rstrip("\r\n"), newline=""), delimiter=delimiter))
    return rows[0] if rows else []


def _quote_field(line: str, delimiter: str) -> int:
    """Index of the field in which the last quote of ``line`` opened (0-based)."""
    field_index, quoted, opened_in = 0, False, 0
    for ch in line:
        if ch == '"':
            if not quoted:
                opened_in = field_index
            quoted = not quoted
        elif ch == delimiter and not quoted:
            field_index += 1
    return opened_in


def _complete_row(line: str, delimiter: str, width: int) -> bool:
    """True when ``line`` alone is a well-formed row of exactly the header's width."""
    try:
        fields = _strict(line, delimiter)
    except csv.Error:
        return False
    return fields is not None and len(fields) == width


def multiline_ok(lines: list[str], delimiter: str, width: int, min_width: int) -> str | None:
    """Why a record spanning ``lines`` (two or more) is not a plausible multi-line value, or ``None``."""
    if len(lines) > MAX_RECORD_LINES or sum(map(len, lines)) > MAX_RECORD_CHARS:
        return (f"a quoted value runs over more than {MAX_RECORD_LINES} lines or {MAX_RECORD_CHARS:,} "
                "characters")
    inner = next((k for k, line in enumerate(lines[1:-1], start=1) if _complete_row(line, delimiter, width)),
                 None)
    if inner is not None:
        return f"the quoted value would swallow {len(lines) - 2} line(s) that are complete rows themselves"
    try:
        fields = _strict("".join(lines), delimiter)
    except csv.Error:
        return "the quote that would close it is followed by more text"
    if fields is None:
        return "the quote is never closed"
    if not min_width <= len(fields) <= width:
        return f"read across {len(lines)} lines the row would have {len(fields)} fields, the header has {width}"
    return None


def _take(lines: list[str], i: int, delimiter: str, width: int, min_width: int
          ) -> tuple[list[str] | None, int, str | None]:
    """The record starting at line ``i``: (fields, lines used, None) or (None, 1, why it is rejected)."""
    try:
        fields = _strict(lines[i], delimiter)
    except csv.Error:
        return None, 1, "a quote closes a value but more text follows it in the same field"
    if fields is not None:
        return fields, 1, None
    end = min(len(lines), i + MAX_RECORD_LINES + 1)
    for j in range(i + 1, end):
        span = lines[i:j + 1]
        try:
            closed = _strict("".join(span), delimiter)
        except csv.Error:
            closed = []  # closes with text after the quote: let multiline_ok name the problem
        if closed is None:
            if sum(map(len, span)) > MAX_RECORD_CHARS:
                break
            continue
        why = multiline_ok(span, delimiter, width, min_width)
        return (closed, len(span), None) if why is None else (None, 1, why)
    return None, 1, f"the quote is not closed within {MAX_RECORD_LINES} lines"


def read_records(text: str, delimiter: str, display: str | None = None
                 ) -> tuple[list[str], list[tuple[int, list[str]]], list[BadRecord], int]:
    """Every record of ``text``: (header, [(line, fields)], rejected records, blank lines after the header).

    Line numbers are 1-based physical lines (the header is on the first non-blank line). Rows longer
    than the header are returned as records (the caller rejects them); a quoted value spanning lines
    must leave its row at least as wide as the header's last named column.
    """
    lines = physical_lines(text)
    i = 0
    while i < len(lines) and not lines[i].strip("\r\n"):
        i += 1
    try:
        header = _strict(lines[i], delimiter) if i < len(lines) else []
    except csv.Error:
        header = None
    if header is None:
        raise DataValidationError("the header line has an unbalanced quote", file=display, row=i + 1)
    width = len(header)
    named = [k for k, name in enumerate(header) if name.strip()]
    min_width = named[-1] + 1 if named else width
    records: list[tuple[int, list[str]]] = []
    bad: list[BadRecord] = []
    blank = 0
    i += 1
    while i < len(lines):
        if not lines[i].strip("\r\n"):
            blank += 1
            i += 1
            continue
        fields, used, why = _take(lines, i, delimiter, width, min_width)
        if fields is None:
            loose = loose_fields(lines[i], delimiter)
            at = _quote_field(lines[i], delimiter)
            bad.append(BadRecord(i + 1, loose, "unbalanced_quote",
                                 f"{why}; only this line was rejected, reading went on at the next line",
                                 column=header[at].strip() if at < width else None))
        else:
            records.append((i + 1, fields))
        i += used
    return header, records, bad, blank
