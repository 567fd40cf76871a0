"""``memberinsight campaign create|show|edit|submit|approve|return|export|results|list|history``.

The campaign approval workflow of :mod:`governance.campaigns`. The acting user is :func:`cli_actor`
(``MEMBERINSIGHT_ACTOR`` or the OS user); approving needs a workspace account of that name with
the approver role (``memberinsight user add NAME --role admin``). Writes name the ``--version``
last seen (``campaign show``): a stale one is refused with who changed it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, cli_actor, emit, open_workspace, settings

campaign_app = typer.Typer(help="Campaign approval workflow: draft, review, approve (a second user), export, "
                                "results against a holdout group.", no_args_is_help=True)

IdArg = Annotated[str, typer.Argument(help="Campaign id, e.g. C0001 (or c1).")]
VersionOpt = Annotated[int, typer.Option("--version", help="The campaign version you last saw (`campaign show`).")]
NameOpt = Annotated[str | None, typer.Option("--name", help="Campaign name.")]
SegmentOpt = Annotated[str | None, typer.Option("--segment", "-s", help="Audience: a saved or RFM segment name.")]
ChannelOpt = Annotated[str | None, typer.Option("--channel", "-c", help="email, sms or push.")]
OfferOpt = Annotated[str | None, typer.Option("--offer", help="The offer, in plain words.")]
VariantOpt = Annotated[list[str] | None, typer.Option("--variant", help="A chosen copy variant (repeat for more).")]
ScheduleOpt = Annotated[str | None, typer.Option("--schedule", help="Send date or date-time (YYYY-MM-DD[THH:MM]); "
                                                 "'' clears it.")]
HoldoutOpt = Annotated[float | None, typer.Option("--holdout", help="Percent of the audience held out as a control "
                                                  "group (0-50).")]


def _campaign_text(c: Any) -> str:
    lines = [f"{c.campaign_id}  {c.name}  [{c.state.replace('_', ' ')}]  version {c.version}",
             f"  audience: segment {c.segment!r} by {c.channel}"
             + (f", {c.holdout_pct:g}% held out as control" if c.holdout_pct else ", no control group"),
             f"  offer: {c.offer or '-'}"]
    lines += [f"  variant: {v}" for v in c.variants]
    lines.append(f"  schedule: {c.schedule or 'not set'}")
    lines.append(f"  author {c.author}; last change by {c.updated_by} at {c.updated_at}")
    if c.approved_by:
        lines.append(f"  approved by {c.approved_by} at {c.approved_at}: {c.audience_size:,} members frozen "
                     f"(segment version {c.segment_version})")
    if c.exported_at:
        lines.append(f"  first exported at {c.exported_at}")
    return "\n".join(lines)


def _history_text(rows: list[Any]) -> str:
    lines = []
    for r in rows:
        what = ", ".join(f"{k}: {v['from']!r} -> {v['to']!r}" if isinstance(v, dict) and "to" in v else f"{k}: {v!r}"
                         for k, v in r.changes.items())
        lines.append(f"v{r.version}  {r.at}  {r.actor:<20} {r.action:<9} {what}")
    return "\n".join(lines) or "No history."


def _ws_actor(workspace: Any) -> tuple[Any, str]:
    return open_workspace(workspace), cli_actor(settings(workspace))


@campaign_app.command("create")
def create_cmd(
    name: Annotated[str, typer.Argument(help="Campaign name.")],
    segment: Annotated[str, typer.Option("--segment", "-s", help="Audience: a saved or RFM segment name.")],
    channel: Annotated[str, typer.Option("--channel", "-c", help="email, sms or push.")] = "email",
    offer: Annotated[str, typer.Option("--offer", help="The offer, in plain words.")] = "",
    variant: VariantOpt = None,
    schedule: ScheduleOpt = None,
    holdout: Annotated[float, typer.Option("--holdout", help="Percent held out as a control group (0-50).")] = 0.0,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a draft campaign (version 1)."""
    from memberinsight.governance.campaigns import create_campaign

    ws, actor = _ws_actor(workspace)
    c = create_campaign(ws, actor=actor, name=name, segment=segment, channel=channel, offer=offer,
                        variants=tuple(variant or ()), schedule=schedule, holdout_pct=holdout)
    emit(c, as_json, text=f"Created draft {c.campaign_id} (version {c.version}).\n{_campaign_text(c)}")


@campaign_app.command("show")
def show_cmd(campaign_id: IdArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """One campaign: state, version, audience, offer, approval; with results when imported."""
    from memberinsight.governance.campaigns import campaign_audience, get_campaign, get_results

    ws = open_workspace(workspace)
    c = get_campaign(ws, campaign_id)
    results = get_results(ws, c.campaign_id)
    groups = campaign_audience(ws, c.campaign_id)
    data = {"campaign": c, "treatment": len(groups["treatment"]), "control": len(groups["control"]),
            "results": results}
    text = _campaign_text(c)
    if c.audience_size is not None:
        text += f"\n  groups: {len(groups['treatment']):,} treatment, {len(groups['control']):,} control"
    if results is not None:
        text += "\n  results: " + results.summary()
    emit(data, as_json, text=text)


@campaign_app.command("edit")
def edit_cmd(
    campaign_id: IdArg,
    version: VersionOpt,
    name: NameOpt = None,
    segment: SegmentOpt = None,
    channel: ChannelOpt = None,
    offer: OfferOpt = None,
    variant: VariantOpt = None,
    schedule: ScheduleOpt = None,
    holdout: HoldoutOpt = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a draft; each edit is a new version with you as its editor."""
    from memberinsight.errors import DataValidationError
    from memberinsight.governance.campaigns import edit_campaign

    given = {"name": name, "segment": segment, "channel": channel, "offer": offer,
             "variants": tuple(variant) if variant else None, "schedule": schedule, "holdout_pct": holdout}
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise DataValidationError("nothing to edit: give --name, --segment, --channel, --offer, --variant, "
                                  "--schedule or --holdout")
    ws, actor = _ws_actor(workspace)
    c = edit_campaign(ws, campaign_id, actor=actor, version=version, **changes)
    emit(c, as_json, text=f"Saved {c.campaign_id} as version {c.version}.\n{_campaign_text(c)}")


@campaign_app.command("submit")
def submit_cmd(campaign_id: IdArg, version: VersionOpt, workspace: WorkspaceOpt = None,
               as_json: JsonOpt = False) -> None:
    """Send a draft for review."""
    from memberinsight.governance.campaigns import submit_campaign

    ws, actor = _ws_actor(workspace)
    c = submit_campaign(ws, campaign_id, actor=actor, version=version)
    emit(c, as_json, text=f"{c.campaign_id} is in review (version {c.version}); another user with the approver "
                          "role approves it.")


@campaign_app.command("approve")
def approve_cmd(campaign_id: IdArg, version: VersionOpt, workspace: WorkspaceOpt = None,
                as_json: JsonOpt = False) -> None:
    """Approve a campaign in review and freeze its audience (needs the approver role; not the author's)."""
    from memberinsight.governance.campaigns import approve_campaign

    ws, actor = _ws_actor(workspace)
    c = approve_campaign(ws, campaign_id, actor=actor, version=version, settings=settings(workspace))
    emit(c, as_json, text=f"Approved {c.campaign_id} (version {c.version}): {c.audience_size:,} members frozen, "
                          f"{c.holdout_pct:g}% held out.")


@campaign_app.command("return")
def return_cmd(
    campaign_id: IdArg,
    version: VersionOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why it goes back to draft (recorded).")],
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a campaign in review back to draft."""
    from memberinsight.governance.campaigns import return_to_draft

    ws, actor = _ws_actor(workspace)
    c = return_to_draft(ws, campaign_id, actor=actor, version=version, reason=reason)
    emit(c, as_json, text=f"{c.campaign_id} is back in draft (version {c.version}).")


@campaign_app.command("export")
def export_cmd(
    campaign_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why this export is made (recorded in the audit log).")],
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export an approved campaign's treatment group to <workspace>/exports/ (the control group is held out)."""
    from memberinsight.governance.campaigns import export_campaign

    ws, actor = _ws_actor(workspace)
    e = export_campaign(ws, campaign_id, actor=actor, reason=reason)
    left = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in e.left_out.items() if n) or "none"
    emit(e, as_json, text=f"Wrote {e.written:,} rows to {e.path}\n  held out as control: {e.held_out:,}; "
                          f"left out: {left}\n  sha256 {e.sha256}")


@campaign_app.command("results")
def results_cmd(
    campaign_id: IdArg,
    days: Annotated[int, typer.Option("--days", help="Days after the send to count orders.")] = 30,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import results: orders of treated and control members after the send, uplift with 95% intervals."""
    from memberinsight.governance.campaigns import import_results

    ws, actor = _ws_actor(workspace)
    r = import_results(ws, campaign_id, actor=actor, days=days)
    emit(r, as_json, text=r.summary())


@campaign_app.command("list")
def list_cmd(
    state: Annotated[str | None, typer.Option("--state", help="Only this state (draft, in_review, approved, "
                                              "exported, results_imported).")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Campaigns, newest first."""
    from memberinsight.governance.campaigns import list_campaigns

    rows = list_campaigns(open_workspace(workspace), state=state)
    text = "\n".join(f"{c.campaign_id}  {c.state:<17} v{c.version:<3} {c.channel:<6} {c.segment!r:<24} {c.name}"
                     for c in rows) or "No campaigns."
    emit(rows, as_json, text=text)


@campaign_app.command("history")
def history_cmd(campaign_id: IdArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Every edit and transition of a campaign: version, who, when, what changed."""
    from memberinsight.governance.campaigns import campaign_history

    rows = campaign_history(open_workspace(workspace), campaign_id)
    emit(rows, as_json, text=_history_text(rows))


def register(app: typer.Typer) -> None:
    """Add ``memberinsight campaign ...``."""
    app.add_typer(campaign_app, name="campaign")
