"""Reading a suppression CSV and writing its rejects file (used by :func:`governance.suppression.import_suppressions`).

The file is UTF-8 (a byte-order mark is fine), comma, semicolon or tab separated, with a header.
Header names are matched without regard to case, spaces or dashes (``Member ID`` is ``member_id``).
Each data row comes back with its line number (the header is line 1). A row whose field count differs
from the header's is returned with a ``_fields`` problem, to be rejected, never guessed at.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path
from typing import Any

from memberinsight.errors import DataValidationError

COLUMNS = ("member_id", "reason", "channel", "note")
ALIASES = {"member": "member_id", "memberid": "member_id", "id": "member_id", "suppression_reason": "reason"}
MAX_BYTES = 200 * 1024 * 1024
REJECT_HEAD = ["line", "column", "problem", "message"]


def _name(header: str) -> str:
    text = "_".join(header.strip().lower().replace("-", " ").split())
    return ALIASES.get(text, text)


def read_rows(path: Path, has_default_reason: bool) -> tuple[list[tuple[int, dict[str, str]]], str]:
    """``([(line, {column: value})], sha256)`` of a suppression CSV; :class:`DataValidationError` (naming
    the file and column) when it cannot be read or lacks ``member_id`` (or ``reason`` without a default)."""
    if not path.is_file():
        raise DataValidationError("no such file", file=str(path))
    if path.stat().st_size > MAX_BYTES:
        raise DataValidationError(f"the file is larger than {MAX_BYTES // 2**20} MB", file=path.name)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"not UTF-8 text (byte {exc.start})", file=path.name) from exc
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise DataValidationError("the file is empty (a header with member_id is needed)", file=path.name, row=1)
    names = [_name(h) for h in header]
    if "member_id" not in names:
        raise DataValidationError(f"no member_id column (found: {', '.join(h.strip() for h in header)})",
                                  file=path.name, row=1, column="member_id")
    if "reason" not in names and not has_default_reason:
        raise DataValidationError("no reason column: add one or give a reason for the whole file",
                                  file=path.name, row=1, column="reason")
    rows: list[tuple[int, dict[str, str]]] = []
    start = 2
    for fields in reader:
        line, start = start, reader.line_num + 1
        if not fields or not any(f.strip() for f in fields):
            continue  # blank line
        values = {n: (fields[i] if i < len(fields) else "") for i, n in enumerate(names) if n in COLUMNS}
        if len(fields) != len(names):
            values["_fields"] = f"row has {len(fields)} fields, the header has {len(names)}"
        rows.append((line, values))
    return rows, hashlib.sha256(data).hexdigest()


def write_rejects(ws: Any, file: str, stamp: str, rejects: list[dict[str, Any]]) -> Path:
    """The rejects CSV in ``<workspace>/rejects/`` (header only when nothing was rejected); its path.

    Cells a spreadsheet would run as a formula are defused (:mod:`memberinsight.csvsafe`)."""
    from memberinsight.csvsafe import SafeWriter

    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(file).stem)[:60] or "file"
    folder = Path(ws.rejects_dir)
    folder.mkdir(parents=True, exist_ok=True)
    base = f"suppressions_{re.sub(r'[^0-9T]', '', stamp)[:15]}_{stem}"
    path, n = folder / f"{base}.csv", 2
    while path.exists():
        path, n = folder / f"{base}-{n}.csv", n + 1
    columns = REJECT_HEAD + list(COLUMNS)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = SafeWriter(fh)
        writer.writerow(columns)
        writer.writerows([[r.get(c, "") for c in columns] for r in rejects])
    return path
