"""The rule for direct audience exports: a contact list that leaves without an approved campaign.

Contact lists normally leave only through the campaign workflow (:func:`governance.export_campaign`: drafted,
reviewed, approved by a second user). The app's Campaigns tab ("Export audience") and ``memberinsight
export-audience`` write a segment's list directly; that bypasses approval, so it is off unless an admin turns
on ``[campaigns] direct_export``, and then in the app only an admin may do it. This module is the one place for
that rule: the app's services and the CLI both call :func:`export_direct`. A refused attempt is audited
(``audience.export_refused``); an export that goes ahead is audited by :func:`governance.export_segment` with
``bypassed_approval: true`` in its row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from memberinsight.errors import AuthError, DataValidationError
from memberinsight.governance.export import MAX_REASON, ExportReport, export_segment

DIRECT_EXPORT_OFF = ("Contact lists leave only through an approved campaign: create one in the Approvals tab or "
                     "with `memberinsight campaign create`; an admin can allow direct exports with "
                     "[campaigns] direct_export = true.")
"""What a refused direct export says (the app shows it in place of the export controls, too)."""
DIRECT_EXPORT_ON = ("Direct export is on ([campaigns] direct_export = true): admins only; it bypasses campaign "
                    "approval and the audit log says so. Approved campaigns export from the Approvals tab.")
REFUSED_ACTION = "audience.export_refused"
SURFACES = ("app", "cli")


class DirectExportRefused(AuthError):
    """A direct audience export was refused: direct exports are off, or the user is not an admin."""


def direct_export_allowed(settings: Any) -> bool:
    """Whether ``[campaigns] direct_export`` is on in ``settings`` (off when the setting is absent)."""
    return bool(getattr(settings, "campaigns_direct_export", False))


def direct_export_note(settings: Any) -> str:
    """One plain line for the app's Campaigns tab: why its export controls are off, or what they bypass."""
    return DIRECT_EXPORT_ON if direct_export_allowed(settings) else DIRECT_EXPORT_OFF


def check_direct_export(ws: Any, *, actor: str, segment: str | None, channel: str, settings: Any,
                        surface: str, admin: bool = True, reason: str = "") -> None:
    """Raise :class:`DirectExportRefused` (and write an ``audience.export_refused`` audit row naming the segment,
    channel, surface and why) unless direct exports are on and, in the app, ``actor`` is an admin (``admin``;
    the CLI passes True: it has no accounts, the setting is its gate)."""
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {SURFACES}, got {surface!r}")
    if not direct_export_allowed(settings):
        why, message = "direct_export_off", DIRECT_EXPORT_OFF
    elif not admin:
        why = "not_admin"
        message = (f"A direct audience export bypasses campaign approval: it needs an admin ({actor} is not one). "
                   "Create a campaign in the Approvals tab and have it approved instead.")
    else:
        return
    name = (segment or "").strip()
    detail = {"segment": name[:200] or None, "channel": channel, "surface": surface, "why": why,
              "reason": " ".join((reason or "").split())[:MAX_REASON] or None}
    ws.audit(actor, REFUSED_ACTION, "segment", name[:200] or None, detail=json.dumps(detail, ensure_ascii=False))
    raise DirectExportRefused(message)


def export_direct(ws: Any, segment: str | None, channel: str = "email", *, actor: str, reason: str,
                  settings: Any, surface: str, admin: bool = True, out: str | Path | None = None,
                  member_ids: Sequence[str] | None = None,
                  include_without_contact: bool = False) -> ExportReport:
    """Export ``segment``'s contact list without a campaign (:func:`governance.export_segment`, audited with
    ``bypassed_approval: true``) once :func:`check_direct_export` allows it; refused and audited otherwise."""
    check_direct_export(ws, actor=actor, segment=segment, channel=channel, settings=settings, surface=surface,
                        admin=admin, reason=reason)
    if member_ids is None and not (segment or "").strip():
        raise DataValidationError("choose a segment", column="segment")
    return export_segment(ws, segment, channel, actor=actor, reason=reason, out=out, member_ids=member_ids,
                          include_without_contact=include_without_contact, settings=settings,
                          bypassed_approval=True)
