"""Consent per channel, the ``[contact]`` rules, and the workspace's reference day.

Members carry optional ``email_consent``, ``sms_consent`` and ``push_consent`` (with ``*_at``
timestamps; :data:`workspace.schema.MEMBERS` extras). ``true`` is consent, ``false`` a refusal, and
an empty value means no consent was recorded: not sendable unless ``[contact] consent_unrecorded =
"include"`` (for a shop whose consent lives in its email tool). A refusal is never sent to.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from memberinsight.errors import ConfigError

CONSENT_COLUMN = {"email": "email_consent", "sms": "sms_consent", "push": "push_consent"}
CONTACT_FIELD: dict[str, str | None] = {"email": "email", "sms": "phone", "push": None}
"""The members column a channel's export needs (push exports member ids only)."""
UNRECORDED = ("exclude", "include")


@dataclass(frozen=True)
class ContactRules:
    """The ``[contact]`` settings a screen applied."""

    consent_unrecorded: str = "exclude"
    low_review_days: int = 30
    return_days: int = 30
    frequency_cap: int = 3
    frequency_days: int = 7

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def contact_rules(settings: Any = None) -> ContactRules:
    """The ``[contact]`` rules from ``settings`` (default: :func:`memberinsight.config.load_settings`),
    checked: :class:`ConfigError` for an unknown ``consent_unrecorded`` or a negative number."""
    if settings is None:
        from memberinsight.config import load_settings

        settings = load_settings()
    rules = ContactRules(
        consent_unrecorded=str(settings.contact_consent_unrecorded).strip().lower(),
        low_review_days=int(settings.contact_low_review_days), return_days=int(settings.contact_return_days),
        frequency_cap=int(settings.contact_frequency_cap), frequency_days=int(settings.contact_frequency_days))
    if rules.consent_unrecorded not in UNRECORDED:
        raise ConfigError(f"[contact] consent_unrecorded must be exclude or include, got "
                          f"{settings.contact_consent_unrecorded!r}")
    for name in ("low_review_days", "return_days", "frequency_cap", "frequency_days"):
        if getattr(rules, name) < 0:
            raise ConfigError(f"[contact] {name} must be 0 (off) or more, got {getattr(rules, name)}")
    return rules


def reference_day(ws: Any, today: date | None = None) -> tuple[date, str]:
    """``(day, basis)``: ``today`` when given (``"given"``); else the real date (``"today"``), or the newest
    order's day when the data ends before it (``"newest order"``: a demo or a stale copy)."""
    if today is not None:
        return today, "given"
    real = datetime.now(UTC).date()
    with ws.analytics(read_only=True) as con:
        newest = con.execute("SELECT CAST(max(ordered_at) AS DATE) FROM orders").fetchone()[0]
    if newest is not None and newest < real:
        return newest, "newest order"
    return real, "today"


def member_facts(ws: Any, ids: list[str], channel: str) -> dict[str, tuple[bool, bool | None]]:
    """Member id -> ``(has the channel's contact field, consent True/False/None)`` for the ids that exist.

    A workspace made before the consent columns has none recorded (every consent ``None``)."""
    if not ids:
        return {}
    contact, consent = CONTACT_FIELD[channel], CONSENT_COLUMN[channel]
    with ws.analytics(read_only=True) as con:
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'members'").fetchall()}
        con.register("_audience", pd.DataFrame({"member_id": ids}))
        has = f"coalesce(trim(m.{contact}) <> '', false)" if contact else "true"
        given = f"m.{consent}" if consent in columns else "CAST(NULL AS BOOLEAN)"
        rows = con.execute(f"SELECT m.member_id, {has}, {given} FROM members m JOIN _audience a USING (member_id)"
                           ).fetchall()
    return {str(r[0]): (bool(r[1]), None if r[2] is None else bool(r[2])) for r in rows}
