"""``memberinsight ingest``, ``memberinsight status`` and ``memberinsight schema``: getting data in."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, cli_actor, emit, open_workspace, settings
from memberinsight.figures import day, moment


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        paths: Annotated[list[Path], typer.Argument(help="CSV / CSV.gz files, or directories holding "
                                                         "members.csv, products.csv, orders.csv, reviews.csv.")],
        kind: Annotated[str | None, typer.Option(
            "--kind", "-k", help="members, products, orders, reviews or online_retail (default: from the header).")] = None,
        strict: Annotated[bool, typer.Option(
            "--strict", help="Fail (and change nothing) if any row would be rejected.")] = False,
        dayfirst: Annotated[bool, typer.Option(
            "--dayfirst", help="Read dates like 05/11/2025 as day/month (5 November).")] = False,
        monthfirst: Annotated[bool, typer.Option(
            "--monthfirst", help="Read dates like 05/11/2025 as month/day (11 May).")] = False,
        blank_clears: Annotated[bool, typer.Option(
            "--blank-clears", help="A blank cell erases the stored member/product value (default: keeps it).")] = False,
        as_json: JsonOpt = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Load shop exports into the workspace (created if missing); bad rows go to a rejects CSV.

        Every file is validated before anything is stored. With --strict all files load in one
        transaction or not at all. A failed ingest into a new workspace leaves no workspace behind.
        """
        from memberinsight.errors import MemberInsightError

        if kind and any(p.is_dir() for p in paths):
            raise typer.BadParameter("--kind applies to files, not directories", param_hint="--kind")
        if dayfirst and monthfirst:
            raise typer.BadParameter("choose one of --dayfirst and --monthfirst", param_hint="--dayfirst")
        order = "dayfirst" if dayfirst else "monthfirst" if monthfirst else None
        try:
            ws, reports = _ingest(paths, kind, strict, workspace, show=not as_json, order=order,
                                  blank_clears=blank_clears)
        except MemberInsightError as exc:
            if not as_json:
                raise
            emit({"error": error_object(exc)}, True)
            typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from exc
        if as_json:
            emit({"workspace": ws.path, "reports": reports}, True)
            return
        _print_reports(ws.path, reports)

    @app.command()
    def status(as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
        """Show what the workspace holds: row counts, order dates, recent ingests, data quality."""
        from memberinsight.cli.common import to_jsonable
        from memberinsight.fraud import exclusion_status
        from memberinsight.workspace.ingest import workspace_status

        ws = open_workspace(workspace)
        result = workspace_status(ws)
        excluded = exclusion_status(ws, settings(workspace))  # confirmed fraud left out of business figures
        if as_json:
            emit({**to_jsonable(result), "fraud_exclusions": excluded.as_dict()}, True)
            return
        _print_status(result)
        typer.echo(excluded.note)

    @app.command()
    def schema(as_json: JsonOpt = False) -> None:
        """Print the canonical data model (tables, columns, types, meaning)."""
        from memberinsight.workspace.schema import TABLES, schema_markdown

        if as_json:
            emit({name: {"key": list(t.key), "meaning": t.meaning, "columns": list(t.columns)}
                  for name, t in TABLES.items()}, True)
            return
        typer.echo(schema_markdown())


def _ingest(paths: list[Path], kind: str | None, strict: bool, workspace: Path | None,
            show: bool, order: str | None = None, blank_clears: bool = False) -> tuple[Any, list[Any]]:
    """Validate every file, then load; a new workspace is only kept once something was committed."""
    from memberinsight.workspace import Workspace, is_workspace
    from memberinsight.workspace.ingest import DateRules, ingest_paths, load_batch, prepare_paths

    config = settings(workspace)
    target = config.workspace_dir
    rules = DateRules(order or config.ingest_date_order, config.timezone)
    with _stage_display(enabled=show) as on_progress:
        if is_workspace(target):
            ws = Workspace.create(target)  # idempotent: reuses the databases
            actor = cli_actor(config)
            with ws.write_lock("ingest", actor, config.write_wait_s, on_wait=lambda m: typer.echo(m, err=True)):
                return ws, ingest_paths(ws, paths, kind, strict, on_progress, actor=actor, rules=rules,
                                        blank_clears=blank_clears)
        batch = prepare_paths(paths, kind, on_progress, rules)  # file-level errors: nothing is created
        ws = Workspace.create(target)
        try:
            return ws, load_batch(ws, batch, strict, on_progress, actor=cli_actor(config), blank_clears=blank_clears)
        except BaseException:
            if not _has_batches(ws):
                ws.discard()
            raise


def _has_batches(ws: Any) -> bool:
    with ws.analytics(read_only=True) as con:
        return bool(con.execute("SELECT count(*) FROM ingest_log").fetchall()[0][0])


def error_object(exc: Exception) -> dict[str, Any]:
    """A JSON-friendly error: type, message without the location, and file / row / column when known."""
    location = getattr(exc, "location", "")
    message = str(exc)
    if location and message.startswith(location + ": "):
        message = message[len(location) + 2:]
    return {"type": type(exc).__name__, "message": message, "file": getattr(exc, "file", None),
            "row": getattr(exc, "row", None), "column": getattr(exc, "column", None)}


@contextmanager
def _stage_display(enabled: bool) -> Iterator[Callable[[str], None] | None]:
    """A spinner on stderr naming the current ingest stage (only on a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status("ingest") as status:
        yield lambda stage: status.update(f"ingest: {stage}")


def _console():
    from rich.console import Console

    return Console(soft_wrap=False, width=max(120, Console().width))


def _print_reports(workspace: Path, reports: list[Any]) -> None:
    from rich.table import Table

    table = Table(title=f"Ingested into {workspace}", show_lines=False)
    for col in ("file", "kind", "format", "read", "loaded", "unchanged", "rejected", "seconds"):
        table.add_column(col, justify="right" if col in {"read", "loaded", "unchanged", "rejected", "seconds"}
                         else "left")
    for r in reports:
        table.add_row(Path(r.file).name, r.kind, r.format, f"{r.rows_read:,}", f"{r.rows_loaded:,}",
                      f"{r.rows_unchanged:,}", f"{r.rows_rejected:,}", f"{r.seconds:.2f}")
    console = _console()
    console.print(table)
    for r in reports:
        lines = []
        if r.rejects_by_reason:
            reasons = ", ".join(f"{k} {v:,}" for k, v in r.rejects_by_reason.items())
            lines.append(f"  rejected by reason: {reasons}")
            lines += [f"    {s}" for s in r.sample_rejects]
        lines.append(f"  rejects file: {r.rejects_file}" + ("" if r.rows_rejected else " (no rows rejected)"))
        if r.encoding not in ("utf-8", "utf-8-sig"):
            lines.append(f"  encoding: {r.encoding}")
        lines += [f"  note: {w}" for w in r.warnings]
        if lines:
            console.print(f"[bold]{Path(r.file).name}[/bold]", highlight=False)
            for line in lines:
                console.print(line, highlight=False, markup=False)


def _print_status(st: Any) -> None:
    from rich.table import Table

    console = _console()
    console.print(f"[bold]Workspace[/bold] {st.path}", highlight=False)
    counts = Table(title="Tables")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, n in st.tables.items():
        counts.add_row(name, f"{n:,}")
    console.print(counts)
    if st.orders_from:
        console.print(f"Orders from {day(st.orders_from)} to {day(st.orders_to)}", highlight=False)
    q = st.quality
    console.print(
        f"Data quality: {q.guest_lines:,} guest lines, {q.return_lines:,} return lines "
        f"({q.returns_share:.1%} of order lines; {q.zero_quantity_lines:,} with quantity 0), "
        f"{q.zero_price_lines:,} zero-price lines, "
        f"{q.non_product_lines:,} non-product lines; {q.rows_rejected:,} rows rejected over the last "
        f"{q.batches} batch(es)" + (f": {', '.join(f'{k} {v:,}' for k, v in q.rejects_by_reason.items())}"
                                      if q.rejects_by_reason else ""), highlight=False, markup=False)
    if st.labels_file:
        console.print(f"Review labels: {st.labels_file}", highlight=False, markup=False)
    if not st.last_ingests:
        console.print("No ingests yet: run `memberinsight ingest PATH` or `memberinsight demo`.")
        return
    log = Table(title="Recent ingests")
    for col in ("loaded at", "kind", "file", "read", "loaded", "unchanged", "rejected"):
        log.add_column(col, justify="right" if col in {"read", "loaded", "unchanged", "rejected"} else "left")
    for e in st.last_ingests:
        log.add_row(moment(e.loaded_at), e.kind, Path(e.source_file).name, f"{e.rows_read:,}",
                    f"{e.rows_loaded:,}", f"{e.rows_unchanged:,}", f"{e.rows_rejected:,}")
    console.print(log)
