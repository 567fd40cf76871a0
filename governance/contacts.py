"""The contact log: who was sent something, on which channel, when, by whom and for which campaign.

Every audience export records one row per exported member (:func:`record_contacts`); the frequency
cap in :func:`governance.eligibility.screen_audience` counts them (:func:`contact_counts`). Rows are
never changed or deleted. The log holds member ids only, never contact details. Times are UTC in the
:func:`workspace.decisions.now_stamp` layout, so text order is time order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from memberinsight.errors import DataValidationError

CONTACT_LOG_DDL = (
    """CREATE TABLE IF NOT EXISTS contact_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        campaign_id TEXT,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS contact_log_member_at ON contact_log (member_id, at)",
    "CREATE INDEX IF NOT EXISTS contact_log_at ON contact_log (at)",
)
CONTACT_CHANNELS = ("email", "sms", "push")
AUDIT_ACTION = "contacts.record"


def ensure_contact_log(ws: Any) -> None:
    """Create the contact log when missing."""
    ws.ensure_operational_tables(*CONTACT_LOG_DDL)


def stamp(at: datetime) -> str:
    """``at`` (naive: taken as UTC) as stored: ``2026-12-06T21:10:16.123456Z``."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_contacts(ws: Any, member_ids: Iterable[str], channel: str, *, actor: str,
                    campaign_id: str | None = None, at: datetime | None = None) -> int:
    """Append one contact per distinct member id (``at``: default now, UTC) and one audit row; the count.

    The audit row (``contacts.record``) holds the channel, the campaign and the number of members, not
    the ids (the log itself has them).
    """
    if channel not in CONTACT_CHANNELS:
        raise DataValidationError(f"channel must be one of {', '.join(CONTACT_CHANNELS)}, got {channel!r}",
                                  column="channel")
    if not (actor or "").strip():
        raise DataValidationError("say who records the contacts", column="actor")
    ids = list(dict.fromkeys(str(m) for m in member_ids))
    if not ids:
        return 0
    when = stamp(at or datetime.now(UTC))
    ensure_contact_log(ws)
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany("INSERT INTO contact_log (member_id, channel, campaign_id, actor, at) VALUES (?, ?, ?, ?, ?)",
                            [(m, channel, campaign_id, actor, when) for m in ids])
            ws.audit(actor, AUDIT_ACTION, "campaign" if campaign_id else "contacts",
                     campaign_id, detail=json.dumps({"channel": channel, "members": len(ids), "at": when}), con=con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return len(ids)


def contact_counts(ws: Any, since: datetime) -> dict[str, int]:
    """Contacts per member (any channel) at or after ``since``; members without any are absent."""
    ensure_contact_log(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT member_id, count(*) FROM contact_log WHERE at >= ? GROUP BY member_id",
                           [stamp(since)]).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}
