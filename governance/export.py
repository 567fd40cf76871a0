"""Audience export: a CSV of an audience's contact rows for an email or SMS tool (member ids for push).

This is the only place contact data leaves the workspace, and it goes only into the export file:
nothing here logs or returns names, emails or phone numbers (the report carries counts only).
Columns follow the layout common tools import (``email, first_name, last_name, phone,
member_id, country, city``). Every audience is screened first (:mod:`governance.eligibility`:
consent, the suppression list, fresh low reviews and returns, fraud flags, the frequency cap); who
is left out is counted per reason, never silently dropped, and the members written are recorded in
the contact log (:mod:`governance.contacts`).

:func:`export_segment` is the audited entry point the app and the CLI use: the operator gives a
reason, the file name is made only from a slug of the segment name, the channel and a timestamp, and
the file always lands directly inside ``<workspace>/exports/`` (an explicit ``out`` path is for the
local CLI user only). Its audit row records who, which segment and definition, why, how many rows,
which columns and the file's sha256. Every cell goes through :mod:`memberinsight.csvsafe`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from memberinsight.csvsafe import SafeWriter
from memberinsight.errors import DataValidationError
from memberinsight.governance.eligibility import CHANNELS, screen_audience

EXPORT_COLUMNS = ("email", "first_name", "last_name", "phone", "member_id", "country", "city")
PUSH_COLUMNS = ("member_id",)
"""A push export is a member id list: the push tool holds the device tokens."""
EXPORTS_FOLDER = "exports"
SLUG_MAX = 40
SLUG_FALLBACK = "segment"
DEFINITION_SLUG = "custom_segment"
"""File-name stem for a segment given as a JSON definition (its text never reaches the name)."""
MAX_REASON = 500
AUDIT_ACTION = "audience.export"


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote (counts, columns and the file's checksum only: no personal data).

    ``left_out`` counts the members left out per reason (:data:`governance.eligibility.REASONS`, every
    reason present); ``without_contact`` and ``not_found`` repeat two of them for older callers
    (``without_contact`` counts members lacking the contact field even when they were kept with
    ``include_without_contact``). ``summary`` says it all in plain words.
    """

    path: Path
    channel: str
    requested: int
    written: int
    without_contact: int
    not_found: int
    columns: tuple[str, ...] = EXPORT_COLUMNS
    sha256: str = ""
    left_out: dict[str, int] = field(default_factory=dict)
    reference_day: date | None = None
    summary: str = ""
    campaign_id: str | None = None
    contacts_recorded: int = 0


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise DataValidationError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}",
                                  column="channel")


def export_columns(channel: str) -> tuple[str, ...]:
    """The file's columns for ``channel``: contact rows for email and SMS, member ids only for push."""
    return PUSH_COLUMNS if channel == "push" else EXPORT_COLUMNS


def export_slug(name: str) -> str:
    """``name`` as a safe file-name stem: ASCII letters, digits, ``-`` and ``_`` only, lower case, at most
    :data:`SLUG_MAX` characters; :data:`SLUG_FALLBACK` when nothing is left (``"At Risk"`` -> ``at_risk``,
    ``"../../etc"`` -> ``etc``)."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_text).strip("_-").lower()[:SLUG_MAX].strip("_-")
    return slug or SLUG_FALLBACK


def export_path(ws: Any, segment: str, channel: str, now: datetime | None = None) -> Path:
    """A new file directly inside ``<workspace>/exports/``: ``<slug>_<channel>_<UTC timestamp>.csv``
    (``-2``, ``-3`` … appended if that name is taken). Only the slug of the segment's name reaches the
    name (a JSON definition is named :data:`DEFINITION_SLUG`); the resolved path is checked to be in
    the folder, and no sub-folder is ever created."""
    _check_channel(channel)
    folder = Path(ws.path) / EXPORTS_FOLDER
    folder.mkdir(exist_ok=True)
    folder = folder.resolve()
    stem = DEFINITION_SLUG if segment.lstrip().startswith("{") else export_slug(segment)
    base = f"{stem}_{channel}_{(now or datetime.now(UTC)).strftime('%Y%m%dT%H%M%SZ')}"
    path, n = folder / f"{base}.csv", 2
    while os.path.lexists(path):
        path, n = folder / f"{base}-{n}.csv", n + 1
    return inside_folder(path, folder)


def inside_folder(path: Path, folder: Path) -> Path:
    """``path`` resolved, or :class:`DataValidationError` unless it lies directly inside ``folder``."""
    resolved = path.resolve()
    if resolved.parent != folder.resolve():
        raise DataValidationError(f"refusing to write {resolved}: exports go directly inside {folder}",
                                  file=path.name)
    return resolved


def check_reason(reason: str | None) -> str:
    """The operator's reason for an export, stripped; refused when empty or over :data:`MAX_REASON`."""
    text = " ".join((reason or "").split())
    if not text:
        raise DataValidationError("give a reason for this export (it is recorded in the audit log)",
                                  column="reason")
    if len(text) > MAX_REASON:
        raise DataValidationError(f"the reason is {len(text)} characters; keep it under {MAX_REASON}",
                                  column="reason")
    return text


def _cell(value: Any) -> Any:
    return "" if value is None or (isinstance(value, float) and value != value) else value


def export_audience(ws: Any, member_ids: Sequence[str], out: str | Path, channel: str = "email",
                    include_without_contact: bool = False, *, actor: str = "system", campaign_id: str | None = None,
                    settings: Any = None, today: date | None = None) -> ExportReport:
    """Screen ``member_ids`` for ``channel`` (:func:`governance.eligibility.screen_audience`: consent, the
    suppression list, recent low reviews and returns, fraud flags, the frequency cap), write the kept
    members' rows to ``out`` (atomically, in member id order), record them in the contact log as
    contacted by ``actor`` (for ``campaign_id``) and report the counts per reason.

    Members lacking the channel's contact field (email for ``email``, phone for ``sms``) are left out
    unless ``include_without_contact``; a push export has the ``member_id`` column only.
    """
    _check_channel(channel)
    ids = list(dict.fromkeys(str(m) for m in member_ids))
    if not ids:
        raise DataValidationError("the audience is empty", column="member_ids")
    out = Path(out).expanduser()
    if out.is_dir():
        raise DataValidationError(f"{out} is a directory; give a file name", file=str(out))
    screen = screen_audience(ws, ids, channel, today=today, settings=settings,
                             include_without_contact=include_without_contact)
    columns = export_columns(channel)
    with ws.analytics(read_only=True) as con:
        con.register("_audience", pd.DataFrame({"member_id": list(screen.kept)}))
        rows = con.execute(
            f"SELECT {', '.join('m.' + c for c in columns)} FROM members m "
            "JOIN _audience a USING (member_id) ORDER BY m.member_id").fetchall()
    digest = _write(out, columns, rows)
    recorded = 0
    try:
        from memberinsight.governance.contacts import record_contacts

        recorded = record_contacts(ws, [r[columns.index("member_id")] for r in rows], channel, actor=actor,
                                   campaign_id=campaign_id)
    except BaseException:
        out.unlink(missing_ok=True)  # no file leaves without its contacts on record
        raise
    return ExportReport(out, channel, len(ids), len(rows), _without_contact(ws, ids, channel),
                        screen.counts()["not_found"], columns, digest, screen.counts(), screen.reference_day,
                        screen.summary(), campaign_id, recorded)


def _write(out: Path, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """Write the CSV atomically (every cell defused; phones kept dialable); its sha256."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            phones = {columns.index("phone")} if "phone" in columns else set()
            writer = SafeWriter(fh, phone_columns=phones)
            writer.writerow(columns)
            writer.writerows([_cell(v) for v in row] for row in rows)
        digest = _sha256(Path(tmp))
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return digest


def _without_contact(ws: Any, ids: list[str], channel: str) -> int:
    """Members of ``ids`` that exist but lack the channel's contact field (0 for push)."""
    from memberinsight.governance.consent import member_facts

    if channel == "push":
        return 0
    return sum(1 for has, _ in member_facts(ws, ids, channel).values() if not has)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def export_segment(ws: Any, segment: str | None, channel: str = "email", *, actor: str, reason: str,
                   out: str | Path | None = None, member_ids: Sequence[str] | None = None,
                   include_without_contact: bool = False, campaign_id: str | None = None, settings: Any = None,
                   today: date | None = None, bypassed_approval: bool = False) -> ExportReport:
    """Export the contact list of ``segment`` (any name :func:`segments.resolve_segment` knows, or a JSON
    definition) or of explicit ``member_ids``, and write one audit row.

    The file goes to :func:`export_path` (directly inside ``<workspace>/exports/``) unless ``out`` is
    given, which only the local CLI does (resolved, reported in the audit row). ``reason`` is required
    (:func:`check_reason`). The audit row (action ``audience.export``, by ``actor``) holds, as JSON, the
    segment, its definition as resolved, the channel, the reason, rows written, the members left out per
    reason, the reference day, the campaign, whether it ``bypassed_approval`` (a direct export, see
    :mod:`governance.direct_export`), columns, file and sha256. The audience is screened and the
    written members recorded as contacted as :func:`export_audience` says.
    """
    why = check_reason(reason)
    _check_channel(channel)
    name = (segment or "").strip()
    definition: str | None = None
    if member_ids is None:
        from memberinsight.segments import resolve_segment, segment_member_ids

        ids = segment_member_ids(ws, name)
        definition = resolve_segment(ws, name).to_json()
    else:
        ids = list(member_ids)
    path = export_path(ws, name or "members", channel) if out is None else Path(out).expanduser().resolve()
    report = export_audience(ws, ids, path, channel=channel, include_without_contact=include_without_contact,
                             actor=actor, campaign_id=campaign_id, settings=settings, today=today)
    detail = {"segment": name or None, "definition": definition, "channel": channel, "reason": why,
              "rows": report.written, "requested": report.requested, "without_contact": report.without_contact,
              "not_found": report.not_found, "left_out": report.left_out,
              "reference_day": report.reference_day.isoformat() if report.reference_day else None,
              "campaign_id": campaign_id, "bypassed_approval": bypassed_approval, "summary": report.summary,
              "columns": list(report.columns),
              "file": str(report.path), "sha256": report.sha256}
    ws.audit(actor, AUDIT_ACTION, "segment" if member_ids is None else "member_list", name[:200] or None,
             detail=json.dumps(detail, ensure_ascii=False))
    return report
