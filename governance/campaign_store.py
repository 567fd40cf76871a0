"""Storage for campaigns: the tables in the operations SQLite, the row types and the one versioned write.

``campaigns`` holds the current row of each campaign; ``campaign_versions`` one row per edit and per
transition (version, actor, time, action, JSON of what changed); ``campaign_members`` the audience
frozen at approval with each member's group (``treatment`` or ``control``); ``campaign_results`` the
last imported results. Every write goes through :func:`apply_change`: inside one ``BEGIN IMMEDIATE``
transaction it checks the version the user saw and the state, runs the caller's permission check,
updates the row, appends the version row and the audit row. Refused attempts (stale version, wrong
state, not allowed) are audited too, with their outcome, before the error is raised.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from memberinsight.errors import ConflictError, DataValidationError, MemberInsightError, NotFoundError
from memberinsight.governance.holdout import check_holdout_pct
from memberinsight.workspace.decisions import now_stamp

STATES: tuple[str, ...] = ("draft", "in_review", "approved", "exported", "results_imported")
GROUPS: tuple[str, ...] = ("treatment", "control")
CHANNELS: tuple[str, ...] = ("email", "sms", "push")
EDITABLE: tuple[str, ...] = ("name", "segment", "channel", "offer", "variants", "schedule", "holdout_pct")
MAX_NAME = 200
MAX_OFFER = 2000
OBJECT_TYPE = "campaign"

CAMPAIGN_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS campaigns (
        campaign_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        version INTEGER NOT NULL,
        author TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        segment TEXT NOT NULL,
        channel TEXT NOT NULL,
        offer TEXT NOT NULL DEFAULT '',
        variants TEXT NOT NULL DEFAULT '[]',
        schedule TEXT,
        holdout_pct REAL NOT NULL DEFAULT 0,
        audience_size INTEGER,
        segment_version TEXT,
        segment_definition TEXT,
        approved_by TEXT,
        approved_at TEXT,
        exported_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS campaign_versions (
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        version INTEGER NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        changes TEXT NOT NULL,
        PRIMARY KEY (campaign_id, version)
    )""",
    """CREATE TABLE IF NOT EXISTS campaign_members (
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        member_id TEXT NOT NULL,
        "group" TEXT NOT NULL CHECK ("group" IN ('treatment', 'control')),
        PRIMARY KEY (campaign_id, member_id)
    )""",
    """CREATE TABLE IF NOT EXISTS campaign_results (
        campaign_id TEXT PRIMARY KEY REFERENCES campaigns(campaign_id),
        imported_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        result TEXT NOT NULL
    )""",
)


@dataclass(frozen=True)
class Campaign:
    """A campaign as it stands now (``version`` is what an edit or transition must name)."""

    campaign_id: str
    name: str
    state: str
    version: int
    author: str
    updated_by: str
    segment: str
    channel: str
    offer: str
    variants: tuple[str, ...]
    schedule: str | None
    holdout_pct: float
    audience_size: int | None
    """Members frozen at approval (treatment and control together); ``None`` before approval."""
    segment_version: str | None
    """Hash of the segment's resolved definition at approval: a later change of the saved segment shows."""
    approved_by: str | None
    created_at: str
    updated_at: str
    approved_at: str | None = None
    exported_at: str | None = None
    """Time of the first export (the send the results window starts from)."""


@dataclass(frozen=True)
class CampaignVersion:
    """One row of a campaign's history: an edit or a transition, by whom and when, and what changed."""

    campaign_id: str
    version: int
    actor: str
    at: str
    action: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CampaignExport:
    """What a campaign export wrote: counts and the file's checksum (no personal data)."""

    campaign_id: str
    path: Path
    written: int
    held_out: int
    """Control-group members kept out of the file."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Treatment members the export screened out, reason -> count (the export report's ``left_out``)."""
    sha256: str = ""


def clean_text(value: Any, column: str, limit: int, *, required: bool = False) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise DataValidationError(f"give the campaign's {column}", column=column)
    if len(text) > limit:
        raise DataValidationError(f"{column} is {len(text)} characters; keep it under {limit}", column=column)
    return text


def _channel(value: Any) -> str:
    channel = str(value or "").strip().lower()
    if channel not in CHANNELS:
        raise DataValidationError(f"channel must be one of {', '.join(CHANNELS)}, got {value!r}", column="channel")
    return channel


def _schedule(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).strip()
    try:
        datetime.fromisoformat(text)
    except ValueError as exc:
        raise DataValidationError(f"schedule must be a date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM), "
                                  f"got {text!r}", column="schedule") from exc
    return text


def _variant_text(value: Any) -> str:
    """One variant: spaces collapsed within each line, line breaks kept (an email's subject, preview and body
    paragraphs), at most one blank line in a row."""
    lines = [" ".join(line.split()) for line in str(value or "").splitlines()]
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > MAX_OFFER:
        raise DataValidationError(f"variants is {len(text)} characters; keep it under {MAX_OFFER}", column="variants")
    return text


def _variants(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or ())
    return [v for v in (_variant_text(x) for x in items) if v]


def _segment(ws: Any, value: Any) -> str:
    from memberinsight.segments import resolve_segment

    name = clean_text(value, "segment", MAX_OFFER, required=True)
    resolve_segment(ws, name)  # NotFoundError naming the known segments when there is no such segment
    return name


def clean_field(ws: Any, field_name: str, value: Any) -> Any:
    """``value`` for campaign field ``field_name``, checked and normalised; :class:`DataValidationError` if not."""
    if field_name == "name":
        return clean_text(value, "name", MAX_NAME, required=True)
    if field_name == "segment":
        return _segment(ws, value)
    if field_name == "channel":
        return _channel(value)
    if field_name == "offer":
        return clean_text(value, "offer", MAX_OFFER)
    if field_name == "variants":
        return _variants(value)
    if field_name == "schedule":
        return _schedule(value)
    return check_holdout_pct(value)


def ensure_tables(ws: Any) -> None:
    """Create the campaign tables in the operations database if they are missing."""
    ws.ensure_operational_tables(*CAMPAIGN_DDL)


def row_to_campaign(row: sqlite3.Row) -> Campaign:
    """The :class:`Campaign` of a ``campaigns`` row."""
    return Campaign(
        campaign_id=row["campaign_id"], name=row["name"], state=row["state"], version=int(row["version"]),
        author=row["author"], updated_by=row["updated_by"], segment=row["segment"], channel=row["channel"],
        offer=row["offer"], variants=tuple(json.loads(row["variants"] or "[]")), schedule=row["schedule"],
        holdout_pct=float(row["holdout_pct"]),
        audience_size=None if row["audience_size"] is None else int(row["audience_size"]),
        segment_version=row["segment_version"], approved_by=row["approved_by"], created_at=row["created_at"],
        updated_at=row["updated_at"], approved_at=row["approved_at"], exported_at=row["exported_at"])


def read_campaign(con: sqlite3.Connection, campaign_id: str) -> Campaign:
    """The campaign ``campaign_id`` read on ``con``; :class:`NotFoundError` when there is none."""
    row = con.execute("SELECT * FROM campaigns WHERE campaign_id = ?", [campaign_id]).fetchone()
    if row is None:
        raise NotFoundError(f"there is no campaign {campaign_id!r}")
    return row_to_campaign(row)


def next_campaign_id(con: sqlite3.Connection) -> str:
    """The next free id: ``C0001``, ``C0002`` … (inside the caller's write transaction)."""
    row = con.execute("SELECT max(CAST(substr(campaign_id, 2) AS INTEGER)) FROM campaigns").fetchone()
    return f"C{int(row[0] or 0) + 1:04d}"


def insert_version(con: sqlite3.Connection, campaign_id: str, version: int, actor: str, at: str, action: str,
                   changes: dict[str, Any]) -> None:
    """Append one history row."""
    con.execute("INSERT INTO campaign_versions (campaign_id, version, actor, at, action, changes) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [campaign_id, version, actor, at, action, json.dumps(changes, ensure_ascii=False, default=str)])


def history(con: sqlite3.Connection, campaign_id: str) -> list[CampaignVersion]:
    """Every history row of a campaign, oldest first."""
    rows = con.execute("SELECT * FROM campaign_versions WHERE campaign_id = ? ORDER BY version",
                       [campaign_id]).fetchall()
    return [CampaignVersion(r["campaign_id"], int(r["version"]), r["actor"], r["at"], r["action"],
                            json.loads(r["changes"])) for r in rows]


class CampaignStateError(DataValidationError):
    """The campaign is not in a state that allows this step (e.g. exporting a draft)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, column="state")


Check = Callable[[sqlite3.Connection, Campaign], None]
After = Callable[[sqlite3.Connection, Campaign], None]


def _refuse(ws: Any, con: sqlite3.Connection, actor: str, audit_action: str, campaign_id: str, outcome: str,
            detail: dict[str, Any], error: MemberInsightError) -> None:
    ws.audit(actor, audit_action, OBJECT_TYPE, campaign_id, outcome=outcome,
             detail=json.dumps({**detail, "error": str(error)}, ensure_ascii=False, default=str), con=con)
    con.execute("COMMIT")
    raise error


def apply_change(ws: Any, campaign_id: str, *, actor: str, version: int | None, action: str,
                 from_states: Iterable[str], to_state: str | None = None, updates: dict[str, Any] | None = None,
                 changes: dict[str, Any] | None = None, check: Check | None = None,
                 after: After | None = None) -> Campaign:
    """Change campaign ``campaign_id`` in one transaction if it is still at ``version`` and in ``from_states``.

    ``updates`` are column values (the caller's own column names, never user input); ``to_state`` the
    new state (``None`` keeps it). The version goes up by one, ``updated_by``/``updated_at`` are set,
    a history row (``action``, ``changes``) and an audit row (``campaign.<action>``) are written.
    ``check(con, campaign)`` may raise to refuse (e.g. :class:`AuthError`); ``after(con, campaign)``
    runs after the update in the same transaction. ``version=None`` skips the version check (export,
    results). Raises :class:`NotFoundError`, :class:`ConflictError` (naming who changed it last),
    :class:`CampaignStateError` or what ``check`` raises; each refusal is audited first.
    """
    audit_action = f"campaign.{action}"
    allowed = tuple(from_states)
    changes = dict(changes or {})
    base = {"version": version, **changes}
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            try:
                current = read_campaign(con, campaign_id)
            except NotFoundError as exc:
                _refuse(ws, con, actor, audit_action, campaign_id, "not_found", base, exc)
            if version is not None and current.version != int(version):
                _refuse(ws, con, actor, audit_action, campaign_id, "conflict",
                        {**base, "current_version": current.version}, ConflictError(
                            f"campaign {campaign_id} was changed by {current.updated_by} at {current.updated_at} "
                            f"(you saw version {version}, it is now version {current.version}, "
                            f"{current.state.replace('_', ' ')}); reload it and try again"))
            if current.state not in allowed:
                _refuse(ws, con, actor, audit_action, campaign_id, "refused", {**base, "state": current.state},
                        CampaignStateError(
                            f"campaign {campaign_id} is {current.state.replace('_', ' ')}; {action.replace('_', ' ')} "
                            f"needs it to be {' or '.join(s.replace('_', ' ') for s in allowed)}"))
            if check is not None:
                try:
                    check(con, current)
                except MemberInsightError as exc:
                    _refuse(ws, con, actor, audit_action, campaign_id, "denied", base, exc)
            at = now_stamp()
            new_version = current.version + 1
            values = {**(updates or {}), "state": to_state or current.state, "version": new_version,
                      "updated_by": actor, "updated_at": at}
            con.execute(f"UPDATE campaigns SET {', '.join(f'{k} = ?' for k in values)} WHERE campaign_id = ?",
                        [*values.values(), campaign_id])
            if to_state and to_state != current.state:
                changes = {"state": {"from": current.state, "to": to_state}, **changes}
            insert_version(con, campaign_id, new_version, actor, at, action, changes)
            ws.audit(actor, audit_action, OBJECT_TYPE, campaign_id,
                     detail=json.dumps({**changes, "version": current.version, "new_version": new_version},
                                       ensure_ascii=False, default=str), con=con)
            updated = read_campaign(con, campaign_id)
            if after is not None:
                after(con, updated)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    return updated
