"""Sharing outside the CRM team: ``memberinsight share members --pseudonymised``, ``memberinsight report
--private --epsilon E`` and ``memberinsight privacy budget|rotate-key``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, cli_actor, emit, open_workspace, settings
from memberinsight.cli.tables import text_table

share_app = typer.Typer(help="Share member data with analysts: pseudonymised, k-anonymous files.",
                        no_args_is_help=True)
privacy_app = typer.Typer(help="Privacy: the differential-privacy budget and the pseudonymisation key.",
                          no_args_is_help=True)
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log).")]


@share_app.command("members")
def share_members_cmd(
    reason: ReasonOpt,
    pseudonymised: Annotated[bool, typer.Option("--pseudonymised", help="Required: keyed-hash ids, no direct "
                                                "identifiers, k-anonymous age band / city / country.")] = False,
    segment: Annotated[str | None, typer.Option("--segment", help="Only this segment's members (name or JSON "
                                                "definition); default all members.")] = None,
    k: Annotated[int | None, typer.Option("--k", help="Every age band / city / country combination in the file "
                                          "has at least k members (default [privacy] k, 5).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default: a new file in "
                                             "<workspace>/exports/).")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a pseudonymised member CSV for analysts (audited)."""
    from memberinsight.errors import DataValidationError
    from memberinsight.governance import export_pseudonymised

    if not pseudonymised:
        raise DataValidationError("only pseudonymised member files can be shared: add --pseudonymised (contact "
                                  "lists for email or SMS tools: `memberinsight export-audience`)",
                                  column="pseudonymised")
    cfg = settings(workspace)
    report = export_pseudonymised(open_workspace(workspace), actor=cli_actor(cfg), reason=reason, segment=segment,
                                  k=cfg.privacy_k if k is None else k, out=out)
    emit(report, as_json, text=report.summary())


def _noisy(value: int) -> str:
    """A noisy figure for people: below zero reads ``0*`` (flooring is post-processing: no privacy cost)."""
    return "0*" if value < 0 else f"{value:,}"


def _report_text(report: Any) -> str:
    lines = [f"Differentially private report by {report.by}, epsilon {report.epsilon:g} (OpenDP, discrete Laplace "
             "noise). Every figure below is NOISY: the true value plus random noise.",
             text_table(["statistic", "epsilon", "clamp per member", "noise std", "95% error"],
                        [[n.statistic, f"{n.epsilon:.4g}", f"{n.bound:,.0f}", f"{n.std:,.1f}", f"±{n.error95:,.0f}"]
                         for n in report.noise]),
             ""]
    shown = [r for r in report.rows if not r.below_noise]
    lines.append(text_table([report.by, *(f"{s} (noisy)" for s in report.statistics)],
                            [[r.group, *(_noisy(getattr(r, s)) for s in report.statistics)] for r in shown]))
    if any(getattr(r, s) < 0 for r in shown for s in report.statistics):
        lines.append("0* : the noise took this figure below zero (the true value is small); --json keeps the raw "
                     "noisy value.")
    hidden = len(report.rows) - len(shown)
    if hidden:
        lines.append(f"{hidden:,} group(s) not shown: their noisy count is within its 95% error of zero.")
    lines.append("Clamp bounds are public settings ([privacy] orders_bound, spend_bound), not taken from the data; "
                 "groups are a public list. " + f"Release {report.release_id}: privacy budget left epsilon "
                 f"{report.budget_left:g}.")
    return "\n".join(lines)


def report_cmd(
    epsilon: Annotated[float, typer.Option("--epsilon", help="Privacy loss of this release (smaller: more noise); "
                                           "spent from the workspace budget.")],
    private: Annotated[bool, typer.Option("--private", help="Required: a differentially private report, meant "
                                          "for sharing outside the CRM team.")] = False,
    by: Annotated[str, typer.Option("--by", help="Group by rfm_segment, churn_band, clv_tier, age_band, country, "
                                    "city or channel.")] = "rfm_segment",
    stat: Annotated[list[str] | None, typer.Option("--stat", help="count, orders or spend (repeat; default all "
                                                   "three; epsilon is split evenly over them).")] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="Who it is for (recorded in the audit log).")] = "",
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Member counts and order/spend sums per group with differential privacy (spends privacy budget)."""
    from memberinsight.errors import DataValidationError
    from memberinsight.governance import private_report

    if not private:
        raise DataValidationError("reports for sharing are differentially private only: add --private (exact "
                                  "internal figures: `memberinsight segments`)", column="private")
    cfg = settings(workspace)
    chosen = {"statistics": tuple(stat)} if stat else {}
    report = private_report(open_workspace(workspace), by=by, epsilon=epsilon, actor=cli_actor(cfg),
                            purpose=purpose, settings=cfg, **chosen)
    emit(report, as_json, text=_report_text(report))


@privacy_app.command("budget")
def budget_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The privacy budget: epsilon spent and left, and every release so far."""
    from memberinsight.governance import budget_status

    status = budget_status(open_workspace(workspace), settings(workspace))
    text = status.summary()
    if status.releases:
        text += "\n" + text_table(
            ["release", "at", "actor", "epsilon", "kind", "by", "statistics"],
            [[r.release_id, r.at, r.actor, f"{r.epsilon:g}", r.kind, r.query.get("by", ""),
              ", ".join(r.query.get("statistics", []))] for r in status.releases])
    emit(status, as_json, text=text)


@privacy_app.command("rotate-key")
def rotate_key_cmd(reason: ReasonOpt, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Replace the pseudonymisation key (audited): pseudonyms in earlier files no longer link to new ones."""
    from memberinsight.governance import rotate_key

    info = rotate_key(open_workspace(workspace), actor=cli_actor(settings(workspace)), reason=reason)
    emit(info, as_json, text=f"New pseudonymisation key {info.fingerprint} (id {info.key_id}); the old key is "
                             "destroyed: earlier pseudonymised files no longer link to new ones.")


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
    app.add_typer(share_app, name="share")
    app.add_typer(privacy_app, name="privacy")
