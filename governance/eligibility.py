"""Who may receive a campaign on a channel: consent, the suppression list and the automatic rules.

:func:`screen_audience` sorts an audience into the members a channel may reach and, per reason, the
members it must leave out. Each member is counted under the **first** reason that applies, in the
order of :data:`REASONS`:

``not_found`` (id not in the workspace), ``no_contact`` (no email for ``email``, no phone for ``sms``;
push needs none), ``no_consent`` (the channel's consent is ``false``, or not recorded while
``[contact] consent_unrecorded = "exclude"``, the default), the suppression list's ``unsubscribed``,
``bounced``, ``complained``, ``legal_hold`` (rows for the channel or for ``all``),
``recent_low_review`` (a 1-2 star review in the last ``low_review_days``), ``recent_return`` (a
return in the last ``return_days``), ``fraud_flagged`` (an account pending, escalated or confirmed in
the fraud queue) and ``frequency_cap`` (already contacted ``frequency_cap`` times, on any channel, in
the last ``frequency_days``: one more would exceed the cap).

Reviews and returns are read as of the workspace's reference day (:func:`governance.consent.reference_day`:
today, or the newest order's day when the data ends earlier, as in the demo shop). The contact log
keeps real times, so the frequency window ends today (or on ``today`` when one is given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd

from memberinsight.errors import DataValidationError
from memberinsight.governance.consent import (
    CONSENT_COLUMN,
    CONTACT_FIELD,
    ContactRules,
    contact_rules,
    member_facts,
    reference_day,
)

CHANNELS: tuple[str, ...] = ("email", "sms", "push")
REASONS: tuple[str, ...] = ("not_found", "no_contact", "no_consent", "unsubscribed", "bounced", "complained",
                            "legal_hold", "recent_low_review", "recent_return", "fraud_flagged", "frequency_cap")
FRAUD_STATUSES: tuple[str, ...] = ("confirmed", "escalated", "pending")
"""Fraud-queue statuses of an account that keep it out of every campaign (``cleared`` ones are sent to)."""
FRAUD_PAGE = 5000


def check_channel(channel: str) -> str:
    """``channel`` when it is one of :data:`CHANNELS`, else :class:`DataValidationError`."""
    if channel not in CHANNELS:
        raise DataValidationError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}", column="channel")
    return channel


@dataclass(frozen=True)
class AudienceScreen:
    """An audience screened for one channel: who is kept and, per reason, who is left out (ids only)."""

    channel: str
    requested: int
    kept: tuple[str, ...]
    left_out: dict[str, tuple[str, ...]]
    reference_day: date
    reference_basis: str = "given"
    """How :attr:`reference_day` was chosen: ``given``, ``today`` or ``newest order``."""
    rules: ContactRules = field(default_factory=ContactRules)
    unrecorded_included: int = 0
    """Kept members whose consent for the channel was not recorded (only with ``consent_unrecorded = include``)."""

    def counts(self) -> dict[str, int]:
        """Reason -> members left out, every reason of :data:`REASONS` in order (0s included)."""
        return {r: len(self.left_out.get(r, ())) for r in REASONS}

    def label(self, reason: str) -> str:
        """A reason in plain words (``"a 1-2 star review in the last 30 days"``)."""
        r = self.rules
        words = {
            "not_found": "not in the workspace", "no_contact": f"without {CONTACT_FIELD.get(self.channel) or 'contact'}",
            "no_consent": f"without {self.channel} consent", "unsubscribed": "unsubscribed", "bounced": "bounced",
            "complained": "complained", "legal_hold": "on legal hold",
            "recent_low_review": f"with a 1-2 star review in the last {r.low_review_days} days",
            "recent_return": f"with a return in the last {r.return_days} days",
            "fraud_flagged": "flagged in the fraud queue",
            "frequency_cap": f"already contacted {r.frequency_cap} times in {r.frequency_days} days",
        }
        return words[reason]

    def summary(self) -> str:
        """Plain words: ``"1,204 of 1,310 members can receive email; left out: 40 unsubscribed, ..."``."""
        parts = [f"{n:,} {self.label(r)}" for r, n in self.counts().items() if n]
        basis = {"newest order": f"as of {self.reference_day.isoformat()}, the day of the newest order, as the "
                                 "data ends before today",
                 "today": f"as of today, {self.reference_day.isoformat()}",
                 "given": f"as of {self.reference_day.isoformat()}"}[self.reference_basis]
        text = (f"{len(self.kept):,} of {self.requested:,} members can receive {self.channel}; left out: "
                f"{', '.join(parts) if parts else 'none'} (reviews and returns {basis}).")
        if self.rules.consent_unrecorded == "include":
            text += (f" Consent not recorded was treated as given ([contact] consent_unrecorded = include): "
                     f"{self.unrecorded_included:,} of them have no {self.channel} consent on record.")
        return text

    def to_dict(self) -> dict[str, Any]:
        """Counts and settings (no ids), for ``--json`` and audit rows."""
        return {"channel": self.channel, "requested": self.requested, "kept": len(self.kept),
                "left_out": self.counts(), "reference_day": self.reference_day.isoformat(),
                "reference_basis": self.reference_basis, "rules": self.rules.to_dict(),
                "unrecorded_included": self.unrecorded_included, "summary": self.summary()}


def screen_audience(ws: Any, member_ids: Sequence[str], channel: str, *, today: date | None = None,
                    settings: Any = None, include_without_contact: bool = False) -> AudienceScreen:
    """Screen ``member_ids`` for ``channel`` (see the module notes for the reasons and their order).

    ``today`` fixes the reference day (default: :func:`governance.consent.reference_day`); ``settings``
    the ``[contact]`` rules (default: :func:`memberinsight.config.load_settings`). With
    ``include_without_contact`` members lacking the contact field are not left out for that (the
    other reasons still apply).
    """
    check_channel(channel)
    rules = contact_rules(settings)
    ids = list(dict.fromkeys(str(m) for m in member_ids))
    ref, basis = reference_day(ws, today)
    facts = member_facts(ws, ids, channel)
    unrecorded = {m for m, (_, consent) in facts.items() if consent is None}
    suppressed = _suppressed(ws, channel)
    low, returned = _recent(ws, ids, ref, rules)
    fraud = _fraud_accounts(ws)
    clock = today or datetime.now(UTC).date()
    counts = _contacts(ws, clock, rules)
    left: dict[str, list[str]] = {r: [] for r in REASONS}
    kept: list[str] = []
    for mid in ids:
        reason = _first_reason(mid, facts, channel, rules, include_without_contact, suppressed, low, returned,
                               fraud, counts)
        (left[reason] if reason else kept).append(mid)
    included = sum(1 for m in kept if m in unrecorded) if rules.consent_unrecorded == "include" else 0
    return AudienceScreen(channel, len(ids), tuple(kept), {r: tuple(v) for r, v in left.items()}, ref, basis,
                          rules, included)


def _first_reason(mid: str, facts: dict[str, tuple[bool, bool | None]], channel: str, rules: ContactRules, include_without_contact: bool,
                  suppressed: dict[str, set[str]], low: set[str], returned: set[str], fraud: set[str],
                  counts: dict[str, int]) -> str | None:
    if mid not in facts:
        return "not_found"
    has_contact, consent = facts[mid]
    if channel != "push" and not include_without_contact and not has_contact:
        return "no_contact"
    if consent is False or (consent is None and rules.consent_unrecorded != "include"):
        return "no_consent"
    for why in ("unsubscribed", "bounced", "complained", "legal_hold"):
        if why in suppressed.get(mid, ()):
            return why
    if mid in low:
        return "recent_low_review"
    if mid in returned:
        return "recent_return"
    if mid in fraud:
        return "fraud_flagged"
    if rules.frequency_cap > 0 and counts.get(mid, 0) >= rules.frequency_cap:
        return "frequency_cap"
    return None


def _suppressed(ws: Any, channel: str) -> dict[str, set[str]]:
    from memberinsight.governance.suppression import active_suppressions

    return active_suppressions(ws, channel)


def _recent(ws: Any, ids: list[str], ref: date, rules: ContactRules) -> tuple[set[str], set[str]]:
    """Members of ``ids`` with a 1-2 star review / a return on or after the window's first day."""
    if not ids:
        return set(), set()
    low_from = ref - timedelta(days=rules.low_review_days - 1)
    return_from = ref - timedelta(days=rules.return_days - 1)
    with ws.analytics(read_only=True) as con:
        con.register("_audience", pd.DataFrame({"member_id": ids}))
        low = {str(r[0]) for r in con.execute(
            "SELECT DISTINCT r.member_id FROM reviews r JOIN _audience a USING (member_id) "
            "WHERE r.rating <= 2 AND CAST(r.created_at AS DATE) >= ?", [low_from]).fetchall()
            } if rules.low_review_days > 0 else set()
        returned = {str(r[0]) for r in con.execute(
            "SELECT DISTINCT o.member_id FROM orders o JOIN _audience a USING (member_id) "
            "WHERE o.is_return AND CAST(o.ordered_at AS DATE) >= ?", [return_from]).fetchall()
            } if rules.return_days > 0 else set()
    return low, returned


def _fraud_accounts(ws: Any) -> set[str]:
    """Accounts in the fraud queue with a status of :data:`FRAUD_STATUSES` (through the fraud package's API)."""
    from memberinsight.fraud import list_queue

    out: set[str] = set()
    for status in FRAUD_STATUSES:
        offset = 0
        while True:
            items = list_queue(ws, status, kind="account", limit=FRAUD_PAGE, offset=offset)
            out.update(str(i.object_id) for i in items)
            if len(items) < FRAUD_PAGE:
                break
            offset += FRAUD_PAGE
    return out


def _contacts(ws: Any, clock: date, rules: ContactRules) -> dict[str, int]:
    """Contacts per member in the ``frequency_days`` calendar days ending on ``clock`` (UTC)."""
    if rules.frequency_cap <= 0 or rules.frequency_days <= 0:
        return {}
    from memberinsight.governance.contacts import contact_counts

    since = datetime.combine(clock - timedelta(days=rules.frequency_days - 1), time.min)
    return contact_counts(ws, since)


__all__ = ["CHANNELS", "CONSENT_COLUMN", "REASONS", "AudienceScreen", "ContactRules", "check_channel",
           "screen_audience"]
