"""``memberinsight fraud scan|rules|queue|findings|ratings``, ``memberinsight product`` and ``evaluate fraud``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

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

fraud_app = typer.Typer(help="Order fraud and brushing: scan, rules, the fraud queue, findings, adjusted ratings.",
                        no_args_is_help=True)
queue_app = typer.Typer(help="The fraud queue (orders and accounts): list, show, decide, assign.",
                        no_args_is_help=True)


def _item_text(item: Any) -> str:
    lines = [f"{item.item_id}  risk {item.risk:.3f}  status {item.status}  version {item.version}"
             + (f"  member {item.member_id}" if item.member_id and item.kind == "order" else "")]
    if item.decided_by:
        lines.append(f"  decided by {item.decided_by} at {item.decided_at}: {item.note or ''}")
    from memberinsight.fraud import GROUP_KINDS

    if item.kind in GROUP_KINDS:
        ev = item.evidence
        ids = ", ".join(ev.get("order_ids", []))
        more = int(ev.get("orders", 0)) - len(ev.get("order_ids", []))
        lines.append(f"  orders ({ev.get('orders', 0)}, a decision applies to all): {ids}"
                     + (f" and {more} more" if more > 0 else ""))
    lines += [f"  - [{r.get('source')}] {r['text']}" for r in item.reasons]
    return "\n".join(lines)


def _scan_text(scan: Any) -> str:
    lines = [f"Scanned {scan.orders:,} orders in {scan.seconds.get('total', 0):.1f} s "
             f"({'since ' + scan.since if scan.since else 'full scan'}): {scan.scored_orders:,} orders and "
             f"{scan.scored_accounts:,} accounts scored, {scan.queued:,} newly queued, {scan.refreshed:,} refreshed; "
             f"{scan.bursts} brushing burst(s), {scan.rings} ring(s); calibration: {scan.calibration}.",
             f"{scan.burst_items:,} burst(s) and run(s) as one item each ({scan.orders_in_bursts:,} orders queued only "
             f"through them; {scan.extended:,} item(s) extended with new orders, {scan.merged:,} single-order "
             "item(s) folded in).",
             f"{scan.coupon_ring_items:,} ring(s) of linked accounts reusing a coupon as one item each."]
    if not scan.optional_fields:
        lines.append("No optional order fields (device, IP, address, card, coupon, status) in this workspace: "
                     "only amount, velocity and refund checks can fire.")
    lines += [f"  {rule:<32}{n:>8,} hits" for rule, n in sorted(scan.rule_hits.items())]
    return "\n".join(lines)


@fraud_app.command("scan")
def scan_cmd(
    full: Annotated[bool, typer.Option("--full", help="Re-score every order, not only those since the last scan.")
                    ] = False,
    rules: Annotated[Path | None, typer.Option("--rules", help="Rules file (default: the workspace's "
                                               "fraud_rules.yaml, else the packaged one).")] = None,
    min_risk: Annotated[float, typer.Option("--min-risk", help="Queue items with at least this risk.")] = 0.5,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the rules, anomaly detection, brushing and ring search; queue risky orders, accounts and bursts (the
    orders of one burst or velocity run are one item)."""
    from memberinsight.errors import DataValidationError
    from memberinsight.fraud import scan_workspace

    if not 0.0 <= min_risk <= 1.0:
        raise DataValidationError("--min-risk must be between 0 and 1", column="min_risk")
    result = scan_workspace(open_workspace(workspace), full=full, rules_file=rules, queue_min_risk=min_risk,
                            random_state=settings(workspace).random_seed)
    emit(result.scan, as_json, text=_scan_text(result.scan))


@fraud_app.command("rules")
def rules_cmd(
    kinds: Annotated[bool, typer.Option("--kinds", help="List the checks a rule can use and their parameters.")
                     ] = False,
    init: Annotated[bool, typer.Option("--init", help="Copy the packaged rules into the workspace "
                                       "(fraud_rules.yaml) to edit them there.")] = False,
    file: Annotated[Path | None, typer.Option("--file", help="Check and list this rules file instead.")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The rules in force (checked), or the available checks."""
    from memberinsight.errors import ConfigError
    from memberinsight.fraud import DEFAULT_RULES, KINDS, load_rules, rules_path
    from memberinsight.fraud.rules import WORKSPACE_RULES

    if kinds:
        data = [{"kind": k.name, "finds": k.finds, "level": k.level,
                 "params": {p: s.default for p, s in k.params.items()}} for k in KINDS.values()]
        emit(data, as_json, text=text_table(["check", "finds", "parameters (defaults)"], [
            [d["kind"], d["finds"], ", ".join(f"{k}={v}" for k, v in d["params"].items())] for d in data]))
        return
    ws = open_workspace(workspace) if file is None else None
    if init:
        if ws is None:
            raise ConfigError("--init copies the packaged rules into the workspace; leave out --file")
        target = ws.path / WORKSPACE_RULES
        if target.exists():
            raise ConfigError(f"{target} exists already; edit it, or delete it to start again")
        shutil.copyfile(DEFAULT_RULES, target)
        ws.audit(cli_actor(settings(workspace)), "fraud.rules_init", "file", str(target))
    path = rules_path(ws, file)
    rules = load_rules(ws, file)
    table = text_table(["on", "rule", "severity", "check", "description"],
                       [["on" if r.enabled else "off", r.name, r.severity, r.kind, r.description] for r in rules])
    emit({"file": path, "rules": rules}, as_json, text=f"{len(rules)} rules from {path}:\n{table}")


@queue_app.command("list")
def list_cmd(
    status: Annotated[str, typer.Option("--status", help="pending, cleared, confirmed, escalated or all.")
                      ] = "pending",
    kind: Annotated[str | None, typer.Option("--kind", help="order, account, burst or coupon_ring (default all).")
                    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many items.")] = 20,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue items, riskiest first."""
    from memberinsight.fraud import list_queue

    items = list_queue(open_workspace(workspace), status=None if status == "all" else status, kind=kind, limit=limit)
    text = text_table(["item", "risk", "status", "version", "main reason"],
                      [[i.item_id, f"{i.risk:.3f}", i.status, i.version, i.reasons[0]["text"] if i.reasons else ""]
                       for i in items], max_widths=[None, None, None, None, 90]) if items else "The fraud queue is empty."
    emit(items, as_json, text=text)


@queue_app.command("show")
def show_cmd(item_id: Annotated[str, typer.Argument(help="order:<id>, account:<id>, burst:<id>, coupon_ring:<id>, "
                                                         "or a bare id.")],
             workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """One queue item with its reasons and evidence."""
    from memberinsight.fraud import get_item

    item = get_item(open_workspace(workspace), item_id)
    emit(item, as_json, text=_item_text(item))


@queue_app.command("decide")
def decide_cmd(
    item_id: Annotated[str, typer.Argument(help="order:<id>, account:<id>, burst:<id>, coupon_ring:<id>, or a bare "
                                                "id.")],
    action: Annotated[str, typer.Option("--action", help="confirm, clear or escalate.")],
    version: Annotated[int, typer.Option("--version", help="The item version you looked at (from `show`).")],
    note: Annotated[str | None, typer.Option("--note", help="Why.")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Confirm, clear or escalate an item (fails if someone else changed it since your version).

    Confirming an account also puts its reviews in the review queue; a decision on a burst applies to all
    its orders. The decision is recorded as
    yours: the configured ``actor`` or your OS user name, e.g. ``alice (cli)``."""
    from memberinsight.fraud import decide

    item = decide(open_workspace(workspace), item_id, action, user=cli_actor(settings(workspace)),
                  version=version, note=note)
    emit(item, as_json, text=f"{item.item_id} is now {item.status} (version {item.version}).")


@queue_app.command("assign")
def assign_cmd(
    item_id: Annotated[str, typer.Argument(help="order:<id> or account:<id>.")],
    to: Annotated[str | None, typer.Option("--to", help="Operator to assign to (omit to unassign).")] = None,
    version: Annotated[int, typer.Option("--version", help="The item version you looked at.")] = 1,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Assign an item to an operator."""
    from memberinsight.fraud import assign

    item = assign(open_workspace(workspace), item_id, to, user=cli_actor(settings(workspace)), version=version)
    emit(item, as_json, text=f"{item.item_id} assigned to {item.assignee or 'nobody'} (version {item.version}).")


@fraud_app.command("findings")
def findings_cmd(
    kind: Annotated[str | None, typer.Option("--kind", help="burst or ring (default both).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 20,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The brushing bursts and rings of the latest scan, with their evidence."""
    from memberinsight.fraud import findings

    found = findings(open_workspace(workspace), kind=kind, limit=limit)
    emit(found, as_json, text=text_table(["finding", "risk", "why"], [[f["finding_id"], f"{f['risk']:.3f}", f["reason"]]
                                                                      for f in found])
         if found else "No bursts or rings (run `memberinsight fraud scan`).")


@fraud_app.command("ratings")
def ratings_cmd(
    limit: Annotated[int, typer.Option("--limit", help="How many products.")] = 10,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Products whose rating moves most once suspicious reviews and flagged accounts' reviews are set aside."""
    from memberinsight.fraud import rating_movers

    movers = rating_movers(open_workspace(workspace), limit=limit)
    text = text_table(["product", "rating -> adjusted", "set aside", "reviews", "title"],
                      [[r.product_id, f"{_stars(r.rating).strip()} -> {_stars(r.adjusted_rating).strip()}",
                        f"{r.set_aside:,}", f"{r.reviews:,}", r.title or ""] for r in movers],
                      max_widths=[None] * 4 + [50])
    emit(movers, as_json, text=text if movers else "No product has reviews set aside (run `memberinsight screen` "
                                                   "and `memberinsight fraud scan` first).")


def _stars(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.2f}"


def _rating_text(r: Any) -> str:
    lines = [f"{r.product_id}  {r.title or ''}",
             f"  rating {_stars(r.rating)} from {r.reviews} reviews; adjusted {_stars(r.adjusted_rating)} with "
             f"{r.set_aside} set aside" + (f" ({r.change:+.2f})" if r.change is not None else "")]
    lines += [f"    {n} {why}" for why, n in r.set_aside_by_reason.items()]
    lines.append("  report card:")
    lines += [f"    {c['grade'].upper():<5} {c['check']:<17}{c['text']}" for c in r.report_card]
    return "\n".join(lines)


fraud_app.add_typer(queue_app, name="queue")


@evaluate_app.command("fraud")
def evaluate_fraud_cmd(
    truth: Annotated[Path | None, typer.Option("--truth", help="Labels file (fraud_truth.csv) for --workspace; "
                                               "without it the fixed-seed planted demo is used.")] = None,
    k: Annotated[int, typer.Option("--k", help="Precision of the top k queue items.")] = 100,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Top-k precision of the fraud queue and recall of planted groups, per pattern and combined.

    Default: the demo shop (2,000 members, seed 7) with planted fraud, generated and ingested once under
    the cache folder. With ``--truth`` the workspace given by ``--workspace`` is scanned instead."""
    from memberinsight.fraud import evaluate_fraud

    if truth is not None:
        ws = open_workspace(workspace)
    else:
        ws, truth = _demo_workspace(settings(workspace).cache_path, quiet=as_json)
    result = evaluate_fraud(ws, truth, k=k)
    emit(result, as_json, text=_evaluation_text(result))


def _demo_workspace(cache: Path, quiet: bool) -> tuple[Any, Path]:
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.demo.fraud import PLANT_VERSION, TRUTH_FILE, generate_fraud_demo
    from memberinsight.workspace.ingest import ingest_directory

    folder = cache / "eval" / f"fraud-demo-2000-seed7-v{PLANT_VERSION}"
    csv = folder / "csv"
    if not (csv / TRUTH_FILE).is_file():
        if not quiet:
            typer.echo("generating the demo shop with planted fraud (2000 members, seed 7)", err=True)
        shutil.rmtree(csv, ignore_errors=True)
        generate_fraud_demo(csv, members=2000, seed=7)
    ws = Workspace.create(folder / "workspace")
    ingest_directory(ws, csv)
    return ws, csv / TRUTH_FILE


def _evaluation_text(r: Any) -> str:
    verdict = "meets" if r.meets_targets else "MISSES"
    lines = [f"Top-{r.k} precision {r.top_k_precision:.3f}; combined group recall {r.combined_recall:.3f} "
             f"({verdict} the targets {r.targets['top_k_precision']:.2f} / {r.targets['recall']:.2f}); "
             f"{r.queued} items queued ({r.burst_items} of them bursts, {r.coupon_ring_items} coupon rings; "
             f"{r.covered} orders and accounts covered), "
             f"{r.queue_precision:.3f} of them labelled.",
             f"  {'pattern':<20}{'groups':>7}{'found':>7}{'recall':>8}{'items':>7}{'queued':>8}"]
    for p in [*r.patterns, *r.other_patterns]:
        lines.append(f"  {p.pattern:<20}{p.groups:>7}{p.found:>7}{p.recall:>8.2f}{p.items:>7}{p.items_queued:>8}")
    lines += [f"  false positive in top-{r.k}: {fp['item_id']} ({fp['risk']:.3f}): {'; '.join(fp['reasons'])}"
              for fp in r.top_false_positives]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``fraud ...`` and ``product`` to the command line (``evaluate fraud`` registers on import)."""
    app.add_typer(fraud_app, name="fraud")

    @app.command("product")
    def product_cmd(
        product_id: Annotated[str, typer.Argument(help="Product id (SKU).")],
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """A product's rating and its adjusted rating (suspicious reviews and flagged accounts set aside), with the
        report card."""
        from memberinsight.fraud import product_rating

        result = product_rating(open_workspace(workspace), product_id)
        emit(result, as_json, text=_rating_text(result))
