"""The Approvals tab's callbacks as plain functions: Services in, display values out (testable without a browser).

Campaigns as objects with a workflow (draft → in review → approved → exported → results imported): the list
with state, version, author, approver and audience size; one campaign's details and history; create, edit a
draft against the version the operator saw (a conflict says who changed it), submit, approve or return to
draft, export with a reason, import results. Everything goes through :mod:`governance.campaigns` (never SQL);
the roles and the two-person rule are enforced there, and a refusal is shown in its own plain words. Text
that comes from operators (names, offers, variants, reasons) is escaped so it renders literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pandas as pd

from memberinsight.agent.tools.fraud import stamp_words
from memberinsight.errors import ConflictError, MemberInsightError, NotFoundError
from memberinsight.ui.callbacks import EMPTY, changed_since_opened, escape_markdown, problem

STATE_WORDS = {"draft": "draft", "in_review": "in review", "approved": "approved", "exported": "exported",
               "results_imported": "results imported"}
STATE_CHOICES = ["all", *STATE_WORDS.values()]
CHANNELS = ["email", "sms", "push"]
REASON_WORDS = {"not_found": "not found", "no_contact": "without contact details", "no_consent": "without consent",
                "unsubscribed": "unsubscribed", "bounced": "bounced", "complained": "complained",
                "legal_hold": "on legal hold", "recent_low_review": "with a fresh 1–2 star review",
                "recent_return": "with a recent return", "fraud_flagged": "fraud-flagged",
                "frequency_cap": "over the contact cap", "without_contact": "without contact details"}
ACTION_WORDS = {"create": "created", "edit": "edited", "submit": "submitted for review", "approve": "approved",
                "return": "returned to draft", "return_to_draft": "returned to draft", "export": "exported",
                "reexport": "exported again", "import_results": "results imported", "results": "results imported"}
DOING_WORDS = {"submit": "submitting a campaign for review", "approve": "approving a campaign",
               "return": "returning a campaign to draft"}
LIST_COLUMNS = ["campaign", "name", "state", "version", "author", "approver", "audience", "channel", "segment",
                "updated"]
HISTORY_COLUMNS = ["version", "when", "who", "what", "changes"]
PICK_FIRST = "Pick a campaign from the list first."
_VARIANT_HEADING = re.compile(r"^\W*variant\s+\d+\b.*$", re.I)
_VERDICT = re.compile(r"^\W*(check passed|check failed)", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True)
class Draft:
    """The form's values for a campaign: what the operator can set on a draft."""

    name: str
    segment: str
    channel: str
    offer: str
    holdout_pct: float
    variants: tuple[str, ...]
    schedule: str = ""

    def fields(self) -> dict[str, Any]:
        """The values as the keyword arguments the governance API takes."""
        return {"name": self.name, "segment": self.segment, "channel": self.channel, "offer": self.offer,
                "holdout_pct": self.holdout_pct, "variants": self.variants, "schedule": self.schedule or None}

    @classmethod
    def of(cls, campaign: Any) -> Draft:
        """The form's values of a stored campaign."""
        return cls(campaign.name, campaign.segment, campaign.channel, campaign.offer, float(campaign.holdout_pct),
                   tuple(campaign.variants), campaign.schedule or "")


def _same(a: Any, b: Any) -> bool:
    """Equal once whitespace is collapsed the way the campaign store keeps text (a form that round-trips
    a stored campaign changes nothing)."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str):
        return a.split() == b.split()
    return bool(a == b)


# ----- variants text --------------------------------------------------------------------
def parse_variants(text: str | None) -> tuple[str, ...]:
    """Variants from the form: one per line, or copy pasted from the copy generator.

    Pasted copy (``Variant 1 (angle)`` headings, quoted lines, a check verdict under each) gives one
    variant per heading, with its lines kept together; the verdicts and the lines before the first
    heading (the "EMAIL copy for …" title) are dropped. Otherwise each non-empty line is a variant
    (a leading bullet or number is dropped).
    """
    lines = (text or "").replace("\r\n", "\n").split("\n")
    if not any(_VARIANT_HEADING.match(line) for line in lines):
        return tuple(v for v in (_BULLET.sub("", line).strip() for line in lines) if v)
    variants: list[list[str]] = []
    for line in lines:
        if _VARIANT_HEADING.match(line):
            variants.append([])
        elif variants and not _VERDICT.match(line):
            quoted = line.strip()
            quoted = quoted[1:].strip() if quoted.startswith(">") else quoted
            if quoted and not quoted.lower().startswith("facts the copy may use"):
                variants[-1].append(quoted)
    return tuple("\n".join(v) for v in variants if v)


def variants_text(variants: tuple[str, ...] | list[str]) -> str:
    """The inverse of :func:`parse_variants`: one per line, or ``Variant n`` blocks when one has several lines."""
    if any("\n" in v for v in variants):
        return "\n\n".join(f"Variant {i}\n{v}" for i, v in enumerate(variants, 1))
    return "\n".join(variants)


def form_draft(name: str | None, segment: str | None, channel: str | None, offer: str | None,
               holdout: float | None, variants: str | None, schedule: str | None = "") -> Draft:
    """The form's widget values as a :class:`Draft` (text trimmed, the holdout as a number)."""
    return Draft(name=(name or "").strip(), segment=(segment or "").strip(), channel=(channel or "email").strip(),
                 offer=(offer or "").strip(), holdout_pct=float(holdout or 0.0), variants=parse_variants(variants),
                 schedule=(schedule or "").strip())


# ----- the list -------------------------------------------------------------------------
def _state_key(state: str | None) -> str | None:
    if state in (None, "", "all"):
        return None
    return next((k for k, words in STATE_WORDS.items() if state in (k, words)), state)


def audience_words(campaign: Any) -> str:
    """The frozen audience size, or when it will be known."""
    return f"{campaign.audience_size:,}" if campaign.audience_size is not None else "set at approval"


def load_campaigns(services: Any, state: str | None = "all") -> tuple[str, pd.DataFrame, list[str]]:
    """(a counts line, the campaigns newest first, their ids for the picker)."""
    from memberinsight.governance.campaigns import list_campaigns

    try:
        every = list_campaigns(services.ws)
        shown = list_campaigns(services.ws, state=_state_key(state))
    except MemberInsightError as exc:
        return problem(exc), EMPTY, []
    shown = sorted(shown, key=lambda c: c.campaign_id, reverse=True)
    counts = {words: sum(c.state == key for c in every) for key, words in STATE_WORDS.items()}
    line = (" · ".join(f"**{words}** {n:,}" for words, n in counts.items())
            + f"\n\nShowing {len(shown):,} campaign(s)" + ("" if _state_key(state) is None else f" ({state})") + ".")
    table = pd.DataFrame([{"campaign": c.campaign_id, "name": c.name, "state": STATE_WORDS.get(c.state, c.state),
                           "version": c.version, "author": c.author, "approver": c.approved_by or "",
                           "audience": audience_words(c), "channel": c.channel, "segment": c.segment,
                           "updated": stamp_words(c.updated_at)} for c in shown], columns=LIST_COLUMNS)
    return line, table, table["campaign"].tolist()


# ----- one campaign ---------------------------------------------------------------------
def _changes_words(changes: dict[str, Any]) -> str:
    parts = []
    for key, value in (changes or {}).items():
        if isinstance(value, dict) and ({"from", "to"} <= set(value) or {"old", "new"} <= set(value)):
            before, after = (value["from"], value["to"]) if "from" in value else (value["old"], value["new"])
            value = f"{_words(key, before)} → {_words(key, after)}"
        elif isinstance(value, list | tuple) and len(value) == 2 and key != "variants":
            value = f"{_words(key, value[0])} → {_words(key, value[1])}"
        elif value in (None, "", [], ()):
            continue
        elif isinstance(value, dict):
            value = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items())
        elif key == "file":
            value = PurePath(str(value)).name
        else:
            value = _words(key, value)
        parts.append(f"{KEY_WORDS.get(key, key.replace('_', ' '))}: {value}")
    return "; ".join(parts)


KEY_WORDS = {"holdout_pct": "control group"}
"""Campaign fields in words where the name alone reads badly."""


def _words(key: str, value: Any) -> str:
    if key == "state":
        return STATE_WORDS.get(str(value), str(value))
    if key == "holdout_pct" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{float(value):g}% held out" if value else "none"
    return _short(value) if value not in (None, "") else "(none)"


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, list | tuple):
        text = " | ".join(str(v).replace("\n", " ") for v in value)
    else:
        text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def history_table(history: list[Any]) -> pd.DataFrame:
    """Versions and transitions, oldest first: version, when, who, what, the changes in words."""
    return pd.DataFrame([{"version": v.version, "when": stamp_words(v.at), "who": v.actor,
                          "what": ACTION_WORDS.get(v.action, v.action.replace("_", " ")),
                          "changes": _changes_words(v.changes)} for v in history], columns=HISTORY_COLUMNS)


def workflow_intro(services: Any) -> str:
    """The Approvals tab's opening lines: the workflow, and who may approve as the access rules decide it (the role
    in ``[campaigns] approver_role``, the same words an approval refused for want of it uses)."""
    from memberinsight.governance.campaigns import approval_rule

    return ("Campaigns go **draft → in review → approved → exported → results imported**. Every saved edit of a draft "
            f"is a new version; approval needs {approval_rule(services.settings)}; only an approved campaign can be "
            "exported, and its audience is frozen when it is approved. Write copy in the Campaigns tab and paste it "
            "into Variants (or write one variant per line).")


def campaign_markdown(campaign: Any, approver: str = "a second person with the approver role") -> str:
    """A campaign's details for people; ``approver``: who may approve it, in words (for the next step in review)."""
    c = campaign
    holdout = f"{c.holdout_pct:g}% held out as a control group" if c.holdout_pct else "no control group"
    lines = [f"### {c.campaign_id} — {escape_markdown(c.name)}",
             f"State **{STATE_WORDS.get(c.state, c.state)}** · version {c.version} · written by "
             f"**{escape_markdown(c.author)}** · last changed by {escape_markdown(c.updated_by)} on "
             f"{stamp_words(c.updated_at)}"
             + (f" · approved by **{escape_markdown(c.approved_by)}**" if c.approved_by else ""),
             f"**{c.channel}** to segment **{escape_markdown(c.segment)}**"
             + (f" · offer: {escape_markdown(c.offer)}" if c.offer else " · no offer") + f" · {holdout}"
             + (f" · schedule: {escape_markdown(c.schedule)}" if c.schedule else ""),
             f"Audience: **{audience_words(c)}**"
             + (f" (segment version {escape_markdown(str(c.segment_version))})" if c.segment_version else "")]
    if c.variants:
        lines.append("**Variants**\n\n" + "\n\n".join(
            f"{i}. " + escape_markdown(v).replace("\n", "  \n   ") for i, v in enumerate(c.variants, 1)))
    else:
        lines.append("No variants yet.")
    lines.append(NEXT_STEP.get(c.state, "").format(approver=approver))
    return "\n\n".join(line for line in lines if line)


NEXT_STEP = {
    "draft": "_Next: edit and save, then submit it for review._",
    "in_review": "_Next: {approver} approves it, or returns it to draft with a reason._",
    "approved": "_Next: export the audience (give a reason)._",
    "exported": "_Next: import the results once orders after the send are in._",
}


@dataclass(frozen=True)
class Shown:
    """What the tab shows for one campaign: details, the version seen, the history, and the form's values."""

    details: str
    version: int | None
    history: pd.DataFrame
    draft: Draft | None


def show_campaign(services: Any, campaign_id: str | None) -> Shown:
    """One campaign's details, the version the operator is looking at, its history and its values for the form."""
    from memberinsight.governance.campaigns import campaign_history, get_campaign

    if not campaign_id:
        return Shown("Pick a campaign from the list, or fill in the form and create one.", None, EMPTY, None)
    try:
        c = get_campaign(services.ws, campaign_id)
        history = campaign_history(services.ws, campaign_id)
    except MemberInsightError as exc:
        return Shown(problem(exc), None, EMPTY, None)
    from memberinsight.governance.campaigns import approval_rule

    return Shown(campaign_markdown(c, approval_rule(services.settings)), c.version, history_table(history),
                 Draft.of(c))


# ----- actions --------------------------------------------------------------------------
def create_campaign(services: Any, user: str, draft: Draft) -> tuple[str, str | None]:
    """(result message, the new campaign's id) for a campaign created from the form as ``user``."""
    from memberinsight.governance.campaigns import create_campaign as create

    if not draft.name or not draft.segment:
        return "⚠️ Give the campaign a name and a segment.", None
    try:
        services.require_role(user, "operator", "creating a campaign")
        c = create(services.ws, actor=user, **draft.fields())
    except MemberInsightError as exc:
        return problem(exc), None
    return (f"✅ Created **{c.campaign_id}** ({escape_markdown(c.name)}) as a draft, version {c.version}, "
            f"by {escape_markdown(user)}."), c.campaign_id


def edit_campaign(services: Any, user: str, campaign_id: str | None, version: int | None, draft: Draft) -> str:
    """Save the form over draft ``campaign_id`` as ``user``, against the ``version`` they saw; the result message.

    Only the fields that differ are sent; a stale version changes nothing and says who changed the campaign.
    """
    from memberinsight.governance.campaigns import edit_campaign as edit
    from memberinsight.governance.campaigns import get_campaign

    if not campaign_id or version is None:
        return PICK_FIRST
    try:
        services.require_role(user, "operator", "editing a campaign")
        current = get_campaign(services.ws, campaign_id)
        now = Draft.of(current).fields()
        changes = {k: v for k, v in draft.fields().items() if not _same(now[k], v)}
        if not changes:
            return ("Nothing to save: the form matches the campaign." if current.version == int(version)
                    else conflict_message(services, campaign_id, int(version)))
        c = edit(services.ws, campaign_id, actor=user, version=int(version), **changes)
    except ConflictError:
        return conflict_message(services, campaign_id, int(version))
    except MemberInsightError as exc:
        return problem(exc)
    return (f"✅ Saved {c.campaign_id} as version {c.version} (by {escape_markdown(user)}): "
            + ", ".join(KEY_WORDS.get(k, k.replace("_", " ")) for k in changes) + " changed.")


def move_campaign(services: Any, user: str, campaign_id: str | None, version: int | None, action: str,
                  reason: str = "") -> str:
    """Submit, approve or return ``campaign_id`` to draft as ``user`` against the ``version`` they saw.

    Who may approve (the approver role, not the author when two-person approval is on) is decided by
    :mod:`governance.campaigns`; its refusal is shown as it words it.
    """
    from memberinsight.governance import campaigns as gc

    if not campaign_id or version is None:
        return PICK_FIRST
    if action == "return" and not (reason or "").strip():
        return "⚠️ Say why it goes back to draft (the author sees it in the history)."
    try:
        services.require_role(user, "operator", DOING_WORDS.get(action, action))
        if action == "submit":
            c = gc.submit_campaign(services.ws, campaign_id, actor=user, version=int(version))
        elif action == "approve":
            c = gc.approve_campaign(services.ws, campaign_id, actor=user, version=int(version),
                                    settings=services.settings)
        elif action == "return":
            c = gc.return_to_draft(services.ws, campaign_id, actor=user, version=int(version),
                                   reason=reason.strip())
        else:
            raise ValueError(f"unknown campaign action {action!r}")
    except ConflictError:
        return conflict_message(services, campaign_id, int(version))
    except MemberInsightError as exc:
        return problem(exc)
    extra = f" Audience frozen at **{audience_words(c)}** members." if action == "approve" else ""
    return f"✅ {c.campaign_id} is now **{STATE_WORDS.get(c.state, c.state)}** (by {escape_markdown(user)}).{extra}"


def export_campaign(services: Any, user: str, campaign_id: str | None, reason: str) -> tuple[str, str | None]:
    """(result message with written / held out / left out per reason, the CSV's path for download)."""
    from memberinsight.governance.campaigns import export_campaign as export

    if not campaign_id:
        return PICK_FIRST, None
    if not (reason or "").strip():
        return "⚠️ Give a reason for this export (it is recorded in the audit log).", None
    try:
        services.require_role(user, "operator", "exporting a campaign")
        report = export(services.ws, campaign_id, actor=user, reason=reason.strip())
    except MemberInsightError as exc:
        return problem(exc), None
    return export_message(report), str(report.path)


def export_message(report: Any) -> str:
    """An export's counts in words: written, held out, and left out per reason (every reason that applied)."""
    left = {k: int(v) for k, v in (report.left_out or {}).items() if v}
    lines = [f"✅ Exported **{report.written:,}** members of {report.campaign_id} to `{report.path.name}` "
             f"(sha256 `{report.sha256[:12]}…`).",
             f"Held out as the control group: **{report.held_out:,}**.",
             ("Left out: " + ", ".join(f"{n:,} {REASON_WORDS.get(k, k.replace('_', ' '))}" for k, n in left.items())
              + f" ({sum(left.values()):,} in all).") if left else "Left out: nobody."]
    return "\n\n".join(lines)


def import_results(services: Any, user: str, campaign_id: str | None, days: float | None = 30) -> str:
    """Import the results of exported ``campaign_id`` (orders in the ``days`` after the send); the report."""
    from memberinsight.governance.campaigns import import_results as results

    if not campaign_id:
        return PICK_FIRST
    try:
        services.require_role(user, "operator", "importing campaign results")
        report = results(services.ws, campaign_id, actor=user, days=int(days or 30))
    except MemberInsightError as exc:
        return problem(exc)
    return f"✅ Results for {report.campaign_id}: {report.summary()}"


def conflict_message(services: Any, campaign_id: str, seen: int) -> str:
    """Why an action was refused: who changed the campaign since version ``seen``, when, and its state now."""
    from memberinsight.governance.campaigns import campaign_history, get_campaign

    try:
        c = get_campaign(services.ws, campaign_id)
        history = campaign_history(services.ws, campaign_id)
    except NotFoundError as exc:
        return problem(exc)
    later = [v for v in history if v.version > seen] or history[-1:]
    last = later[-1] if later else None
    by = (str(last.actor), ACTION_WORDS.get(last.action, last.action), stamp_words(last.at)) if last else None
    return changed_since_opened(c.campaign_id, by, STATE_WORDS.get(c.state, c.state), c.version, seen,
                                "Its current state is shown (your form is kept); try again if you still want to.")
