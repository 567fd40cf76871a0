"""Audience export: a CSV of an audience's contact rows for an email or SMS tool.

This is the only place contact data leaves the workspace, and it goes only into the export file:
nothing here logs or returns names, emails or phone numbers (the report carries counts only).
Columns follow the layout common tools import (``email, first_name, last_name, phone,
member_id, country, city``). Members without the channel's contact field are counted, not
silently dropped; ids not found in the workspace are counted too.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from memberinsight.errors import DataValidationError

EXPORT_COLUMNS = ("email", "first_name", "last_name", "phone", "member_id", "country", "city")
CONTACT_FIELD = {"email": "email", "sms": "phone"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote (counts only: no personal data)."""

    path: Path
    channel: str
    requested: int
    written: int
    without_contact: int
    not_found: int
    columns: tuple[str, ...] = EXPORT_COLUMNS


def _safe_cell(value: Any, column: str) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with a quote."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    if column != "phone" and text.startswith(_FORMULA_START):
        return "'" + text
    if column == "phone" and text.startswith(("=", "@", "\t", "\r")):
        return "'" + text
    return text


def export_audience(ws: Any, member_ids: Sequence[str], out: str | Path, channel: str = "email",
                    include_without_contact: bool = False) -> ExportReport:
    """Write the contact CSV for ``member_ids`` to ``out`` (atomically) and report counts.

    Rows are in member id order. Members lacking the channel's contact field (email for ``email``,
    phone for ``sms``) are left out unless ``include_without_contact`` and counted either way.
    """
    if channel not in CONTACT_FIELD:
        raise DataValidationError(f"channel must be one of {', '.join(CONTACT_FIELD)}, got {channel!r}",
                                  column="channel")
    ids = list(dict.fromkeys(str(m) for m in member_ids))
    if not ids:
        raise DataValidationError("the audience is empty", column="member_ids")
    out = Path(out).expanduser()
    if out.is_dir():
        raise DataValidationError(f"{out} is a directory; give a file name", file=str(out))
    with ws.analytics(read_only=True) as con:
        con.register("_audience", pd.DataFrame({"member_id": ids}))
        rows = con.execute(
            f"SELECT {', '.join('m.' + c for c in EXPORT_COLUMNS)} FROM members m "
            "JOIN _audience a USING (member_id) ORDER BY m.member_id").fetchall()
    contact = EXPORT_COLUMNS.index(CONTACT_FIELD[channel])
    with_contact = [r for r in rows if r[contact] is not None and str(r[contact]).strip()]
    keep = rows if include_without_contact else with_contact
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_COLUMNS)
            for row in keep:
                writer.writerow([_safe_cell(v, c) for v, c in zip(row, EXPORT_COLUMNS, strict=True)])
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return ExportReport(out, channel, len(ids), len(keep), len(rows) - len(with_contact), len(ids) - len(rows))
