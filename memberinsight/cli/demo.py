"""``memberinsight build`` and ``memberinsight demo`` (generate -> ingest -> build -> serve)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, cli_actor, emit, settings


def _print_step(name: str) -> None:
    typer.secho(f"  • {name} …", err=True, fg=typer.colors.CYAN)


DEMO_SHOP_NAME = "Fernhill Market"
"""The demo shop's name (campaign copy is signed with the workspace's ``shop_name``)."""


def _remove_workspace(path: Path) -> None:
    """``--fresh``: delete ``path`` only when it is a Member Insight workspace or an empty folder."""
    import shutil

    from memberinsight.errors import WorkspaceError
    from memberinsight.workspace import is_workspace

    path = Path(path).expanduser().resolve()
    if not path.is_dir():
        raise WorkspaceError(f"--fresh: {path} is not a folder; refusing to delete it")
    if is_workspace(path):
        shutil.rmtree(path)
    elif any(path.iterdir()):
        raise WorkspaceError(
            f"--fresh: {path} is not a Member Insight workspace (no analytics.duckdb or operations.sqlite) "
            "and is not empty; refusing to delete it. Choose another --workspace or delete it yourself.")


def register(app: typer.Typer) -> None:
    @app.command()
    def build(
        workspace: WorkspaceOpt = None,
        only: Annotated[list[str] | None, typer.Option("--only", help="Run only these steps (repeatable).")] = None,
        engine: Annotated[str | None, typer.Option("--engine", help="duckdb or spark (default: the engine.kind setting).")] = None,
        lake: Annotated[str | None, typer.Option("--lake", help="With --engine spark: the Parquet lake URI.")] = None,
        out: Annotated[str | None, typer.Option("--out", help="With --engine spark: outputs URI (default LAKE/_outputs).")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Derive everything from the loaded data: features, segments, models, indexes, screening, fraud scan.

        Steps that cannot run on this shop (no prices, too little history...) are skipped with the
        reason; every other step still runs. ``--json`` prints every step's status and summary.
        ``--engine spark --lake URI`` computes features and RFM segments of a Parquet lake on Spark instead.
        """
        kind = engine or settings(workspace).engine_kind
        if kind != "duckdb":
            from memberinsight.cli.lake import run_spark_build
            from memberinsight.errors import ConfigError

            if kind != "spark":
                raise ConfigError(f"--engine must be duckdb or spark, not {kind!r}")
            if not lake:
                raise ConfigError("--engine spark needs --lake URI (a lake written by `memberinsight lake export`)")
            return run_spark_build(workspace, lake, out, as_json)
        from memberinsight.cli.common import open_workspace
        from memberinsight.pipeline import build as run_build

        ws = open_workspace(workspace)
        report = run_build(ws, settings(workspace), only=only, on_step=None if as_json else _print_step,
                           actor=cli_actor(settings(workspace)), on_wait=lambda message: typer.echo(message, err=True))
        emit(report, as_json, text=report.text())

    @app.command()
    def demo(
        workspace: WorkspaceOpt = None,
        members: Annotated[int, typer.Option(help="Members in the generated demo shop.")] = 2000,
        seed: Annotated[int, typer.Option(help="Random seed (same seed, same shop).")] = 7,
        fresh: Annotated[bool, typer.Option("--fresh", help="Delete an existing workspace first.")] = False,
        serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web app at the end.")] = True,
        fraud: Annotated[bool, typer.Option("--fraud", help="Plant order fraud in the shop and scan for it.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """The whole demo in one go: generate a shop, ingest it, build models and indexes, serve the app.

        The demo shop's CSV files are written next to the workspace, in ``<workspace>-demo-data``.
        """
        from memberinsight.pipeline import build as run_build
        from memberinsight.workspace import Workspace
        from memberinsight.workspace.demo import generate_demo
        from memberinsight.workspace.ingest import ingest_directory

        cfg = settings(workspace)
        ws_dir = cfg.workspace_dir
        started = time.perf_counter()
        if serve:  # a busy port fails now, not after a minute of building
            from memberinsight.ui.server import check_port_free

            check_port_free(cfg.server_host, cfg.server_port)
        if fresh and ws_dir.exists():
            _remove_workspace(ws_dir)
        say = (lambda _msg: None) if as_json else (lambda msg: typer.secho(msg, err=True, fg=typer.colors.GREEN))
        say(f"Workspace: {ws_dir}")
        data_dir = Path(ws_dir).parent / f"{Path(ws_dir).name}-demo-data"
        say(f"1/4 Generating a demo shop ({members} members, seed {seed}) in {data_dir}")
        summary = generate_demo(data_dir, members=members, seed=seed, show_progress=not as_json)
        if fraud:  # the default shop stays as it is; --fraud adds the planted fraud (workspace.demo.fraud)
            from memberinsight.workspace.demo.fraud import plant_fraud

            plant_fraud(data_dir, seed=seed)
        say("2/4 Ingesting (validated, transactional; re-running adds nothing twice)")
        ws = Workspace.create(ws_dir)
        reports = ingest_directory(ws, data_dir)
        if not ws.get_meta("shop_name"):
            ws.set_meta("shop_name", DEMO_SHOP_NAME)  # the brand campaign copy signs with
        say("3/4 Building features, models, indexes, the screening queue and the fraud queue")
        build_report = run_build(ws, cfg, on_step=None if as_json else _print_step)
        result = {
            "workspace": str(ws.path),
            "generated": summary,
            "ingest": reports,
            "build": build_report,
            "seconds": round(time.perf_counter() - started, 1),
        }
        if as_json or not serve:
            emit(result, as_json, text=f"Demo workspace ready in {result['seconds']} s: {ws.path}")
        if serve:
            say("4/4 Starting the app")
            from memberinsight.ui import serve as serve_app

            serve_app(ws, cfg, ensure_demo_user=True)
