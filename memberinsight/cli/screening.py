"""``memberinsight screen``, ``memberinsight queue ...`` and ``memberinsight evaluate screening``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memberinsight.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    cli_actor,
    emit,
    evaluate_app,
    open_workspace,
    settings,
)
from memberinsight.cli.tables import text_table

queue_app = typer.Typer(help="The fake-review screening queue: list, inspect and decide.", no_args_is_help=True)


def _item_text(item) -> str:
    lines = [f"{item.review_id}  risk {item.risk:.3f}  status {item.status}  version {item.version}"
             f"  product {item.product_id}  member {item.member_id}"]
    if item.decided_by:
        lines.append(f"  decided by {item.decided_by} at {item.decided_at}: {item.note or ''}")
    for reason in item.reasons:
        lines.append(f"  - {reason['text']}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command()
    def screen(
        new: Annotated[bool, typer.Option("--new", help="Score only reviews not screened before.")] = False,
        retrain: Annotated[bool, typer.Option("--retrain", help="Retrain on current labels and decisions first.")] = False,
        min_risk: Annotated[float, typer.Option("--min-risk", help="Queue reviews with at least this risk.")] = 0.5,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Score reviews for fake-review risk and put risky ones in the screening queue."""
        from memberinsight.errors import DataValidationError
        from memberinsight.screening import screen_reviews

        if not 0.0 <= min_risk <= 1.0:
            raise DataValidationError("--min-risk must be between 0 and 1", column="min_risk")
        ws = open_workspace(workspace)
        run = screen_reviews(ws, settings(workspace), new_only=new, retrain=retrain, queue_min_risk=min_risk,
                             show_progress=not as_json)
        text = (f"Screened {run.scored} of {run.total_reviews} reviews ({run.method}) in {run.seconds:.1f} s; "
                f"{run.queued} newly queued, {run.refreshed} queued items refreshed.")
        if run.note:
            text += f"\nRule fallback: {run.note}."
        emit(run, as_json, text=text)

    @queue_app.command("list")
    def list_cmd(
        status: Annotated[str | None, typer.Option("--status", help="pending, approved, removed, escalated or all.")
                          ] = "pending",
        limit: Annotated[int, typer.Option("--limit", help="At most this many items.")] = 20,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Queue items, riskiest first."""
        from memberinsight.screening import list_queue

        items = list_queue(open_workspace(workspace), status=None if status in (None, "all") else status, limit=limit)
        text = text_table(["review", "risk", "status", "version", "main reason"],
                          [[i.review_id, f"{i.risk:.3f}", i.status, i.version, i.reasons[0]["text"] if i.reasons else ""]
                           for i in items], max_widths=[None, None, None, None, 90]) if items else "The queue is empty."
        emit(items, as_json, text=text)

    @queue_app.command("show")
    def show_cmd(review_id: str, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
        """One queue item with its reasons, evidence and signals."""
        from memberinsight.screening import get_item

        item = get_item(open_workspace(workspace), review_id)
        emit(item, as_json, text=_item_text(item))

    @queue_app.command("decide")
    def decide_cmd(
        review_id: str,
        action: Annotated[str, typer.Option("--action", help="approve, remove or escalate.")],
        version: Annotated[int, typer.Option("--version", help="The item version you looked at (from `queue show`).")],
        note: Annotated[str | None, typer.Option("--note", help="Why.")] = None,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Approve, remove or escalate a review (fails if someone else changed it since your version).

        The decision is recorded as yours: the configured ``actor`` or your OS user name, e.g. ``alice (cli)``."""
        from memberinsight.screening import decide

        item = decide(open_workspace(workspace), review_id, action, user=cli_actor(settings(workspace)),
                      version=version, note=note)
        emit(item, as_json, text=f"{item.review_id} is now {item.status} (version {item.version}).")

    app.add_typer(queue_app, name="queue")

    @evaluate_app.command("screening")
    def evaluate_screening_cmd(
        real: Annotated[Path | None, typer.Option("--real", help="Labeled deceptive-opinion CSV "
                                                  "(default: ../shared/data/deceptive_opinion_dev.csv).")] = None,
        demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Evaluate on the workspace's demo labels.")] = True,
        real_set: Annotated[bool, typer.Option("--real-set/--no-real-set", help="Evaluate on the real set.")] = True,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Per-signal and combined ROC-AUC, PR-AUC and top-100 precision (demo); text-classifier accuracy and ROC-AUC
        on the real set (5-fold CV grouped by hotel: the acceptance figure; plus a leave-hotels-out holdout)."""
        from memberinsight.errors import WorkspaceError
        from memberinsight.screening import evaluate_screening

        ws = None
        if demo:
            try:
                ws = open_workspace(workspace)
            except WorkspaceError:
                ws = None
        result = evaluate_screening(ws, settings(workspace), real_path=real, demo=demo, real=real_set)
        emit(result, as_json, text=_evaluation_text(result))


def _evaluation_text(result) -> str:
    lines = []
    if result.demo is not None:
        d = result.demo
        lines.append(f"Demo labels: {d.n_reviews} reviews, {d.n_fake} fake (top-k uses k={d.k}); "
                     f"combined Brier {d.combined_brier}")
        lines.append(f"  {'signal':<18}{'ROC-AUC':>9}{'PR-AUC':>9}{'P@100':>8}{'P@k':>8}")
        for s in d.signals:
            lines.append(f"  {s.signal:<18}{s.roc_auc:>9.3f}{s.pr_auc:>9.3f}{s.precision_at_100:>8.2f}"
                         f"{s.precision_at_k:>8.2f}")
    if result.real is not None:
        r = result.real
        lines.append(f"Real set: {r.n_reviews} reviews; acceptance figure: {r.protocol}")
        if r.folds:
            verdict = "meets" if r.meets_targets else "MISSES"
            lines.append(f"  accuracy {r.cv_accuracy:.3f} (sd {r.cv_accuracy_std:.3f}), ROC-AUC {r.cv_roc_auc:.3f} "
                         f"(sd {r.cv_roc_auc_std:.3f}): {verdict} the targets "
                         f"{r.targets['accuracy']:.2f} / {r.targets['roc_auc']:.2f}")
            for f in r.fold_results:
                lines.append(f"  fold {f['fold']} ({', '.join(f['test_hotels'])}): accuracy {f['accuracy']:.3f}, "
                             f"ROC-AUC {f['roc_auc']:.3f}")
        lines.append(f"  leave-hotels-out holdout ({', '.join(r.heldout_hotels)}): accuracy {r.heldout_accuracy:.3f}, "
                     f"ROC-AUC {r.heldout_roc_auc:.3f}")
        lines.append(f"  {'view':<12}{'CV acc':>8}{'CV AUC':>8}{'CV AP':>8}{'HO acc':>8}{'HO AUC':>8}")
        for v in r.views:
            lines.append(f"  {v.view:<12}{v.cv_accuracy:>8.3f}{v.cv_roc_auc:>8.3f}{v.cv_pr_auc:>8.3f}"
                         f"{v.heldout_accuracy:>8.3f}{v.heldout_roc_auc:>8.3f}")
    lines += [f"Skipped {s}" for s in result.skipped]
    return "\n".join(lines)
