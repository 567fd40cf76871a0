"""``memberinsight suppress add|remove|import|list`` and ``memberinsight audience``: who must not be contacted.

``audience SEGMENT --channel email`` shows how many members of a segment a channel may reach and who
would be left out, per reason (consent, the suppression list, fresh low reviews and returns, fraud
flags, the frequency cap); it writes no file and records no contact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, cli_actor, emit, open_workspace, settings
from memberinsight.cli.tables import text_table

suppress_app = typer.Typer(help="The suppression list: members not to contact (unsubscribed, bounced, complained, "
                                "legal hold), per channel or on all.", no_args_is_help=True)

ReasonOpt = Annotated[str, typer.Option("--reason", "-r", help="unsubscribed, bounced, complained or legal_hold.")]
ChannelOpt = Annotated[str, typer.Option("--channel", "-c", help="email, sms, push or all.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A short note kept with the change.")]


def _rows(items: list[Any]) -> str:
    if not items:
        return "No suppressions match."
    return text_table(["id", "member", "channel", "reason", "added by", "added at", "removed", "note"],
                      [[s.id, s.member_id, s.channel, s.reason, s.added_by, s.added_at[:19],
                        f"{s.removed_at[:19]} by {s.removed_by}" if s.removed_at else "", s.note or ""]
                       for s in items], max_widths=[None, 20, None, None, 24, None, 44, 40])


@suppress_app.command("add")
def add_cmd(member_id: Annotated[str, typer.Argument(help="The member id.")], reason: ReasonOpt,
            channel: ChannelOpt = "all", note: NoteOpt = None, workspace: WorkspaceOpt = None,
            as_json: JsonOpt = False) -> None:
    """Suppress a member on one channel or on all (audited); nothing changes if already in force."""
    from memberinsight.governance import add_suppression

    row, created = add_suppression(open_workspace(workspace), member_id, reason, actor=cli_actor(settings(workspace)),
                                   channel=channel, note=note)
    emit({"suppression": row, "created": created}, as_json,
         (f"Suppressed {row.member_id} on {row.channel} ({row.reason}), id {row.id}." if created else
          f"{row.member_id} is already suppressed on {row.channel} ({row.reason}) since {row.added_at[:19]}, "
          f"id {row.id}; nothing changed."))


@suppress_app.command("remove")
def remove_cmd(member_id: Annotated[str, typer.Argument(help="The member id.")],
               channel: Annotated[str | None, typer.Option("--channel", "-c", help="Only this channel's rows "
                                                           "(email, sms, push or all).")] = None,
               reason: Annotated[str | None, typer.Option("--reason", "-r", help="Only this reason's rows.")] = None,
               note: NoteOpt = None, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Lift a member's suppressions (kept in the history with who and when; audited)."""
    from memberinsight.governance import remove_suppression

    rows = remove_suppression(open_workspace(workspace), member_id, actor=cli_actor(settings(workspace)),
                              channel=channel, reason=reason, note=note)
    emit(rows, as_json, f"Lifted {len(rows)} suppression(s) of {member_id}: "
                        + ", ".join(f"{r.reason} on {r.channel} (id {r.id})" for r in rows) + ".")


@suppress_app.command("import")
def import_cmd(path: Annotated[Path, typer.Argument(help="CSV with member_id and reason columns (channel and note "
                                                         "optional).")],
               reason: Annotated[str | None, typer.Option("--reason", "-r", help="Reason for rows (or a file) "
                                                          "without one.")] = None,
               channel: Annotated[str, typer.Option("--channel", "-c", help="Channel for rows without one "
                                                    "(email, sms, push or all).")] = "all",
               workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Import a suppression list (one audited transaction); bad rows go to a rejects file with line and column."""
    from memberinsight.governance import import_suppressions

    result = import_suppressions(open_workspace(workspace), path, actor=cli_actor(settings(workspace)),
                                 default_reason=reason, default_channel=channel)
    added = ", ".join(f"{n:,} {r}" for r, n in result.by_reason.items() if n) or "none"
    text = (f"Read {result.rows:,} rows from {result.file}: {result.added:,} added ({added}), {result.already:,} "
            f"already in force, {result.rejected:,} rejected.")
    if result.rejected:
        text += (" Rejects: " + ", ".join(f"{n:,} {p}" for p, n in result.rejects_by_problem.items())
                 + f"; see {result.rejects_file} (line and column of each).")
    if result.unknown_members:
        text += (f" {result.unknown_members:,} id(s) are not in the workspace yet; their suppressions apply "
                 "when they arrive.")
    emit(result, as_json, text)


@suppress_app.command("list")
def list_cmd(member: Annotated[str | None, typer.Option("--member", help="One member's rows.")] = None,
             channel: Annotated[str | None, typer.Option("--channel", "-c", help="Only this channel.")] = None,
             reason: Annotated[str | None, typer.Option("--reason", "-r", help="Only this reason.")] = None,
             history: Annotated[bool, typer.Option("--history", help="Include lifted suppressions.")] = False,
             limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many rows, newest first.")] = 50,
             workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Suppressions in force (with --history also the lifted ones), newest first, and counts per reason."""
    from memberinsight.governance import list_suppressions, suppression_counts

    ws = open_workspace(workspace)
    rows = list_suppressions(ws, member_id=member, channel=channel, reason=reason, include_removed=history,
                             limit=limit)
    counts = suppression_counts(ws)
    totals = "In force: " + ", ".join(f"{n:,} {r}" for r, n in counts.items()) + "."
    emit({"counts": counts, "suppressions": rows}, as_json, f"{totals}\n{_rows(rows)}")


def _audience_text(screen: Any, segment: str, show: int) -> str:
    lines = [f"{segment}: {screen.summary()}"]
    for reason, ids in screen.left_out.items():
        if ids:
            more = f" … and {len(ids) - show:,} more" if len(ids) > show else ""
            lines.append(f"  {screen.label(reason)} ({len(ids):,}): {', '.join(ids[:show])}{more}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``suppress ...`` and ``audience`` to the command line."""
    app.add_typer(suppress_app, name="suppress")

    @app.command("audience")
    def audience_cmd(
        segment: Annotated[str, typer.Argument(help="A saved segment's name, an RFM segment or a JSON definition.")],
        channel: Annotated[str, typer.Option("--channel", "-c", help="email, sms or push.")] = "email",
        show: Annotated[int, typer.Option("--show", help="Member ids shown per reason (--json lists all).")] = 10,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """How many members of a segment a channel may reach, and who would be left out per reason (writes nothing)."""
        from memberinsight.governance import screen_audience
        from memberinsight.segments import segment_member_ids

        ws = open_workspace(workspace)
        screen = screen_audience(ws, segment_member_ids(ws, segment), channel, settings=settings(workspace))
        data = screen.to_dict() | {"segment": segment, "left_out_ids": {r: list(v) for r, v in screen.left_out.items()}}
        emit(data, as_json, _audience_text(screen, segment, max(show, 0)))
