"""Campaigns as objects with a workflow: draft → in review → approved → exported → results imported.

A campaign holds its audience definition (a segment name; at approval the member list and a hash of
the segment's resolved definition are frozen), the channel, the offer, the chosen copy variants, the
schedule and a holdout percentage. Every write names the version the user saw (optimistic
versioning: a stale version is a :class:`ConflictError` naming who changed it), is a new row in the
campaign's history and an audit row; refused attempts are audited too (:mod:`governance.campaign_store`).

Rules (settings ``[campaigns] approver_role`` and ``two_person_approval``):

* only drafts are edited; only a user whose account has ``approver_role`` approves;
* with two-person approval the author, and anyone who edited the draft, cannot approve it;
* exports only from approved campaigns (a re-export of an exported one is allowed and audited), and
  only the treatment group is written: the control group (:mod:`governance.holdout`) is held out;
* results (:mod:`governance.results`) are read from orders after the send.

An actor is a username; the command line's ``NAME (cli)`` is the account ``NAME``.
"""

from __future__ import annotations

import inspect
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from memberinsight.errors import AuthError, DataValidationError, NotFoundError
from memberinsight.governance.campaign_store import (
    CHANNELS,
    EDITABLE,
    MAX_OFFER,
    STATES,
    Campaign,
    CampaignExport,
    CampaignStateError,
    CampaignVersion,
    apply_change,
    clean_field,
    clean_text,
    ensure_tables,
    history,
    insert_version,
    next_campaign_id,
    read_campaign,
    row_to_campaign,
)
from memberinsight.governance.holdout import split_holdout
from memberinsight.governance.results import (
    CampaignResults,
    measure_results,
    results_from_json,
    results_to_json,
)
from memberinsight.workspace.decisions import now_stamp

CLI_SUFFIX = " (cli)"

__all__ = ["CHANNELS", "EDITABLE", "STATES", "Campaign", "CampaignExport", "CampaignResults", "CampaignStateError",
           "CampaignVersion", "approval_rule", "approve_campaign", "approver_role", "campaign_audience",
           "campaign_history", "create_campaign", "edit_campaign", "export_campaign", "get_campaign", "get_results",
           "import_results", "list_campaigns", "return_to_draft", "submit_campaign"]


def person(actor: str) -> str:
    """The account name behind an actor: ``alice (cli)`` -> ``alice``."""
    return actor.strip().removesuffix(CLI_SUFFIX).strip()


def _actor(actor: str) -> str:
    name = " ".join((actor or "").split())
    if not name:
        raise AuthError("an actor (who does this) is required")
    return name


def create_campaign(ws: Any, *, actor: str, name: str, segment: str, channel: str, offer: str = "",
                    variants: tuple[str, ...] | list[str] = (), schedule: str | None = None,
                    holdout_pct: float = 0.0) -> Campaign:
    """Create a draft campaign (version 1) by ``actor``; its history starts with a ``create`` row."""
    who = _actor(actor)
    values = {"name": name, "segment": segment, "channel": channel, "offer": offer, "variants": variants,
              "schedule": schedule, "holdout_pct": holdout_pct}
    clean = {k: clean_field(ws, k, v) for k, v in values.items()}
    ensure_tables(ws)
    at = now_stamp()
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            cid = next_campaign_id(con)
            con.execute(
                "INSERT INTO campaigns (campaign_id, name, state, version, author, updated_by, segment, channel, "
                "offer, variants, schedule, holdout_pct, created_at, updated_at) "
                "VALUES (?, ?, 'draft', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [cid, clean["name"], who, who, clean["segment"], clean["channel"], clean["offer"],
                 json.dumps(clean["variants"], ensure_ascii=False), clean["schedule"], clean["holdout_pct"], at, at])
            insert_version(con, cid, 1, who, at, "create", clean)
            ws.audit(who, "campaign.create", "campaign", cid,
                     detail=json.dumps({**clean, "version": 1}, ensure_ascii=False), con=con)
            campaign = read_campaign(con, cid)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    return campaign


def edit_campaign(ws: Any, campaign_id: str, *, actor: str, version: int, **changes: Any) -> Campaign:
    """Change fields of a draft (any of :data:`EDITABLE`); a new version by ``actor`` with the changed fields.

    Fields given with their current value are not recorded as changes; nothing changed is refused.
    """
    who = _actor(actor)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise DataValidationError(f"cannot edit {', '.join(unknown)}; editable: {', '.join(EDITABLE)}",
                                  column=unknown[0])
    clean = {k: clean_field(ws, k, v) for k, v in changes.items()}
    current = get_campaign(ws, campaign_id)
    now_values: dict[str, Any] = {k: getattr(current, k) for k in EDITABLE}
    now_values["variants"] = list(current.variants)
    diff = {k: {"from": now_values[k], "to": v} for k, v in clean.items() if now_values[k] != v}
    if not diff:
        raise DataValidationError("nothing to change: every field given already has that value")
    updates = {k: (json.dumps(v["to"], ensure_ascii=False) if k == "variants" else v["to"]) for k, v in diff.items()}
    return apply_change(ws, current.campaign_id, actor=who, version=version, action="edit", from_states=("draft",),
                        updates=updates, changes=diff)


def submit_campaign(ws: Any, campaign_id: str, *, actor: str, version: int) -> Campaign:
    """Send a draft for review (draft -> in_review)."""
    return apply_change(ws, get_campaign(ws, campaign_id).campaign_id, actor=_actor(actor), version=version,
                        action="submit", from_states=("draft",), to_state="in_review")


def return_to_draft(ws: Any, campaign_id: str, *, actor: str, version: int, reason: str) -> Campaign:
    """Send a campaign in review back to draft with a reason (in_review -> draft)."""
    why = clean_text(reason, "reason", MAX_OFFER, required=True)
    return apply_change(ws, get_campaign(ws, campaign_id).campaign_id, actor=_actor(actor), version=version,
                        action="return", from_states=("in_review",), to_state="draft", changes={"reason": why})


def _contributors(con: sqlite3.Connection, campaign: Campaign) -> set[str]:
    rows = con.execute("SELECT DISTINCT actor FROM campaign_versions WHERE campaign_id = ? "
                       "AND action IN ('create', 'edit')", [campaign.campaign_id]).fetchall()
    return {person(campaign.author), *(person(r[0]) for r in rows)}


def approver_role(settings: Any) -> str:
    """The role an account needs to approve a campaign (``[campaigns] approver_role``; ``admin`` when unset)."""
    return str(getattr(settings, "campaigns_approver_role", None) or "admin")


def approval_rule(settings: Any) -> str:
    """Who may approve a campaign, in words, as :func:`approval_check` decides it: "an account with the **admin**
    role (`[campaigns] approver_role`), other than the campaign's author or anyone who edited it" (roles at or
    above the approver role qualify: :data:`workspace.users.ROLES`)."""
    from memberinsight.workspace.users import ROLES

    role = approver_role(settings)
    allowed = ROLES[ROLES.index(role):] if role in ROLES else (role,)
    text = f"an account with the {' or '.join(f'**{r}**' for r in allowed)} role (`[campaigns] approver_role`)"
    if getattr(settings, "campaigns_two_person_approval", True):
        text += ", other than the campaign's author or anyone who edited it"
    return text


def approval_check(ws: Any, actor: str, settings: Any) -> Any:
    """The check :func:`approve_campaign` runs: ``actor``'s account has the approver role and, with
    two-person approval, did not write or edit the campaign. Raises :class:`AuthError`."""
    from memberinsight.workspace.users import find_user

    role = approver_role(settings)
    account = find_user(ws, person(actor))
    if account is None or not account.may(role):
        have = "has no account in this workspace" if account is None else (
            "is disabled" if account.disabled else f"has the role {account.role}")
        raise AuthError(f"approving a campaign needs the role {role}; {person(actor)} {have}")

    def check(con: sqlite3.Connection, campaign: Campaign) -> None:
        if settings.campaigns_two_person_approval and person(actor) in _contributors(con, campaign):
            raise AuthError(f"two-person approval is on: {person(actor)} wrote or edited campaign "
                            f"{campaign.campaign_id}, so another user with the role {role} must approve it")
    return check


def approve_campaign(ws: Any, campaign_id: str, *, actor: str, version: int, settings: Any = None) -> Campaign:
    """Approve a campaign in review (in_review -> approved) and freeze its audience.

    Needs the approver role; with two-person approval the author and the draft's editors are refused
    (:class:`AuthError`, audited as ``denied``). The segment is resolved now: its members are split
    into treatment and control (:func:`governance.holdout.split_holdout`) and stored, with
    ``audience_size`` and ``segment_version`` (sha256 of the resolved definition, first 16 hex digits).
    """
    import hashlib

    from memberinsight.config import load_settings
    from memberinsight.segments import resolve_segment, segment_member_ids

    who = _actor(actor)
    cfg = settings if settings is not None else load_settings()
    current = get_campaign(ws, campaign_id)
    try:
        check = approval_check(ws, who, cfg)
    except AuthError as exc:  # audited like the in-transaction refusals
        ws.audit(who, "campaign.approve", "campaign", current.campaign_id, outcome="denied",
                 detail=json.dumps({"version": version, "error": str(exc)}))
        raise
    definition = resolve_segment(ws, current.segment).to_json()
    ids = segment_member_ids(ws, current.segment)
    if not ids:
        raise DataValidationError(f"segment {current.segment!r} has no members; nothing to approve",
                                  column="segment")
    treatment, control = split_holdout(current.campaign_id, ids, current.holdout_pct)
    seg_version = hashlib.sha256(definition.encode("utf-8")).hexdigest()[:16]

    def freeze(con: sqlite3.Connection, campaign: Campaign) -> None:
        con.execute("DELETE FROM campaign_members WHERE campaign_id = ?", [campaign.campaign_id])
        con.executemany('INSERT INTO campaign_members (campaign_id, member_id, "group") VALUES (?, ?, ?)',
                        [(campaign.campaign_id, m, "treatment") for m in treatment]
                        + [(campaign.campaign_id, m, "control") for m in control])

    return apply_change(
        ws, current.campaign_id, actor=who, version=version, action="approve", from_states=("in_review",),
        to_state="approved", check=check, after=freeze,
        updates={"approved_by": who, "approved_at": now_stamp(), "audience_size": len(treatment) + len(control),
                 "segment_version": seg_version, "segment_definition": definition},
        changes={"audience_size": len(treatment) + len(control), "treatment": len(treatment),
                 "control": len(control), "segment_version": seg_version})


def campaign_audience(ws: Any, campaign_id: str) -> dict[str, list[str]]:
    """The frozen audience: ``{"treatment": [...], "control": [...]}`` (empty lists before approval)."""
    ensure_tables(ws)
    groups: dict[str, list[str]] = {"treatment": [], "control": []}
    with ws.operations() as con:
        for row in con.execute('SELECT member_id, "group" FROM campaign_members WHERE campaign_id = ? '
                               "ORDER BY member_id", [campaign_key(campaign_id)]).fetchall():
            groups[row[1]].append(row[0])
    return groups


def export_campaign(ws: Any, campaign_id: str, *, actor: str, reason: str) -> CampaignExport:
    """Export the treatment group of an approved campaign (approved -> exported) to ``<workspace>/exports/``.

    An exported campaign may be exported again (audited as ``reexport``; the results window still
    starts at the first export). The control group never reaches the file. Raises
    :class:`CampaignStateError` for any other state, before anything is written.
    """
    from memberinsight.governance.export import check_reason, export_audience, export_path

    who, why = _actor(actor), check_reason(reason)
    current = get_campaign(ws, campaign_id)
    if current.state not in ("approved", "exported"):
        ws.audit(who, "campaign.export", "campaign", current.campaign_id, outcome="refused",
                 detail=json.dumps({"state": current.state, "reason": why}))
        raise CampaignStateError(f"campaign {current.campaign_id} is {current.state.replace('_', ' ')}; only an "
                                 "approved campaign can be exported (submit it and have it approved first)")
    groups = campaign_audience(ws, current.campaign_id)
    if not groups["treatment"]:
        raise DataValidationError(f"campaign {current.campaign_id} has no treated members to export")
    path = export_path(ws, f"{current.campaign_id} {current.name}", current.channel)
    kwargs: dict[str, Any] = {"channel": current.channel}
    accepted = inspect.signature(export_audience).parameters
    kwargs.update({k: v for k, v in (("campaign_id", current.campaign_id), ("actor", who)) if k in accepted})
    report = export_audience(ws, groups["treatment"], path, **kwargs)
    screened = getattr(report, "left_out", None)  # reason -> count from the consent screen
    left_out = ({k: int(v) for k, v in dict(screened).items()} if screened else
                {"no_contact": int(report.without_contact), "not_found": int(report.not_found)})
    result = CampaignExport(current.campaign_id, Path(report.path), int(report.written), len(groups["control"]),
                            left_out, report.sha256)
    first = current.state == "approved"
    try:
        apply_change(ws, current.campaign_id, actor=who, version=current.version,
                     action="export" if first else "reexport", from_states=(current.state,), to_state="exported",
                     updates={"exported_at": now_stamp()} if first else {},
                     changes={"reason": why, "file": str(result.path), "written": result.written,
                              "held_out": result.held_out, "left_out": left_out, "sha256": result.sha256})
    except BaseException:
        Path(result.path).unlink(missing_ok=True)  # the campaign changed meanwhile: no unaudited file stays
        raise
    return result


def _results_window(campaign: Campaign) -> tuple[datetime, datetime]:
    """``(start, now)`` in the shop's time zone, naive like ``orders.ordered_at``: start is the first export
    or the schedule, whichever is later."""
    from zoneinfo import ZoneInfo

    from memberinsight.config import load_settings

    zone = ZoneInfo(load_settings().timezone or "UTC")
    sent = datetime.strptime(str(campaign.exported_at), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    start = sent.astimezone(zone).replace(tzinfo=None)
    if campaign.schedule:
        scheduled = datetime.fromisoformat(campaign.schedule)
        if scheduled.tzinfo is not None:
            scheduled = scheduled.astimezone(zone).replace(tzinfo=None)
        start = max(start, scheduled)
    return start, datetime.now(zone).replace(tzinfo=None)


def import_results(ws: Any, campaign_id: str, *, actor: str, days: int = 30) -> CampaignResults:
    """Measure orders of treated and control members in the ``days`` after the send (exported ->
    results_imported; importing again replaces the stored results). See :mod:`governance.results`."""
    who = _actor(actor)
    if not 1 <= int(days) <= 365:
        raise DataValidationError(f"days must be between 1 and 365, got {days}", column="days")
    current = get_campaign(ws, campaign_id)
    if current.state not in ("exported", "results_imported") or not current.exported_at:
        ws.audit(who, "campaign.results", "campaign", current.campaign_id, outcome="refused",
                 detail=json.dumps({"state": current.state}))
        raise CampaignStateError(f"campaign {current.campaign_id} is {current.state.replace('_', ' ')}; results "
                                 "can be imported only after it was exported")
    groups = campaign_audience(ws, current.campaign_id)
    start, now = _results_window(current)
    results = measure_results(ws, current.campaign_id, groups["treatment"], groups["control"], start, int(days),
                              now=now)

    def store(con: sqlite3.Connection, campaign: Campaign) -> None:
        con.execute("INSERT OR REPLACE INTO campaign_results (campaign_id, imported_at, actor, result) "
                    "VALUES (?, ?, ?, ?)", [campaign.campaign_id, now_stamp(), who, results_to_json(results)])

    apply_change(ws, current.campaign_id, actor=who, version=current.version, action="results",
                 from_states=(current.state,), to_state="results_imported", after=store,
                 changes={"days": int(days), "treated": results.treated, "control": results.control,
                          "treated_buyers": results.treated_buyers, "control_buyers": results.control_buyers,
                          "conversion_uplift": results.conversion_uplift,
                          "revenue_per_member_uplift": results.revenue_per_member_uplift})
    return results


def get_results(ws: Any, campaign_id: str) -> CampaignResults | None:
    """The results last imported for a campaign, or ``None``."""
    ensure_tables(ws)
    with ws.operations() as con:
        row = con.execute("SELECT result FROM campaign_results WHERE campaign_id = ?",
                          [campaign_key(campaign_id)]).fetchone()
    return None if row is None else results_from_json(row[0])


def campaign_key(campaign_id: str) -> str:
    """A campaign id as stored: ``c1``, ``C1`` and ``C0001`` are all ``C0001``."""
    key = str(campaign_id or "").strip().upper()
    return f"C{int(key[1:]):04d}" if key[:1] == "C" and key[1:].isdigit() else key


def get_campaign(ws: Any, campaign_id: str) -> Campaign:
    """The campaign ``campaign_id`` (ids are case-insensitive: ``c1``/``C0001`` both work); :class:`NotFoundError`."""
    ensure_tables(ws)
    with ws.operations() as con:
        try:
            return read_campaign(con, campaign_key(campaign_id))
        except NotFoundError:
            raise NotFoundError(f"there is no campaign {campaign_id!r} (see `memberinsight campaign list`)") from None


def list_campaigns(ws: Any, state: str | None = None) -> list[Campaign]:
    """Every campaign (newest first), or those in ``state``."""
    if state is not None and state not in STATES:
        raise DataValidationError(f"state must be one of {', '.join(STATES)}, got {state!r}", column="state")
    ensure_tables(ws)
    with ws.operations() as con:
        sql, args = "SELECT * FROM campaigns", []
        if state is not None:
            sql, args = sql + " WHERE state = ?", [state]
        rows = con.execute(sql + " ORDER BY campaign_id DESC", args).fetchall()
    return [row_to_campaign(r) for r in rows]


def campaign_history(ws: Any, campaign_id: str) -> list[CampaignVersion]:
    """Every edit and transition of a campaign, oldest first."""
    cid = get_campaign(ws, campaign_id).campaign_id
    with ws.operations() as con:
        return history(con, cid)
