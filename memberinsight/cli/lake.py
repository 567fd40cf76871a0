"""``memberinsight lake ...``: the Parquet lake the Spark engine reads (export, validate, import outputs),
and the Spark side of ``memberinsight build --engine spark --lake URI``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, emit, settings

lake_app = typer.Typer(help="The Parquet lake for the Spark engine: export a workspace, validate, score, import.",
                       no_args_is_help=True)


def _say(as_json: bool) -> Any:
    return (lambda _p: None) if as_json else (lambda p: typer.echo(p.text(), err=True))


def run_spark_build(workspace: Path | None, lake: str, out: str | None, as_json: bool) -> None:
    """``memberinsight build --engine spark``: features and RFM segments of the lake, on Spark."""
    from memberinsight.scaleout import build_on_spark

    report = build_on_spark(settings(workspace), lake, out, on_progress=None if as_json else _say(as_json))
    emit(report, as_json, text=report.text())


@lake_app.command("export")
def export(
    workspace: Annotated[Path, typer.Argument(help="Workspace folder to export.")],
    uri: Annotated[str, typer.Argument(help="Lake folder (local path or file:// URI) to write.")],
    include_pii: Annotated[bool, typer.Option("--include-pii", help="Also write personal-data columns "
                                                                    "(emails, phones, names).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the workspace's members, products, orders and reviews as Parquet folders under URI.

    Confirmed-fraud exclusions and member predictions go along when the workspace has them.
    """
    from memberinsight.scaleout import export_workspace
    from memberinsight.workspace import Workspace

    rows = export_workspace(Workspace.open(workspace), uri, include_pii=include_pii)
    emit({"lake": uri, "rows": rows}, as_json,
         text="\n".join([f"Lake written: {uri}", *(f"  {t}: {n:,} rows" for t, n in rows.items())]))


@lake_app.command("validate")
def validate(
    uri: Annotated[str, typer.Argument(help="Lake URI (any path Spark can read).")],
    rejects: Annotated[str | None, typer.Option("--rejects", help="Where to write rejected rows "
                                                                  "(default URI/_rejects).")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the lake's tables with ingest's rules on Spark; rejected rows are written beside it with reasons."""
    from memberinsight.scaleout import spark_session, validate_lake
    from memberinsight.scaleout.progress import watch_jobs

    spark = spark_session(settings(workspace))
    with watch_jobs(spark, "validate", _say(as_json)):
        report = validate_lake(spark, uri, rejects)
    emit({"ok": report.ok, **{"uri": report.uri, "tables": report.tables}}, as_json, text=report.text())
    if not report.ok:
        raise typer.Exit(2)


@lake_app.command("score")
def score(
    lake: Annotated[str, typer.Argument(help="Lake URI the Spark build read.")],
    out: Annotated[str | None, typer.Option("--out", help="Outputs of `memberinsight build --engine spark` "
                                                         "(default LAKE/_outputs).")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Recommendations per member.")] = 10,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score every member of a Spark build on Spark with the workspace's shipped models.

    Churn, purchases / spend / CLV, next order date and item-kNN top-K per member, with the models
    `memberinsight build` fitted in WORKSPACE (on one machine) broadcast to the executors.
    """
    from memberinsight.cli.common import open_workspace
    from memberinsight.scaleout.build import score_on_spark

    info = score_on_spark(settings(workspace), open_workspace(workspace), lake, out, k,
                          on_progress=None if as_json else _say(as_json))
    rows = info["rows"]
    emit(info, as_json, text=(f"Scored on Spark as of {info['as_of']}: {rows['member_churn']:,} members' churn and "
                              f"CLV, {rows['member_recommendations']:,} recommendations "
                              f"({', '.join(f'{s} {v:.1f} s' for s, v in info['seconds'].items())})"))


@lake_app.command("screen")
def screen(
    lake: Annotated[str, typer.Argument(help="Lake URI with a reviews table.")],
    out: Annotated[str | None, typer.Option("--out", help="Output folder (default LAKE/_outputs).")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Review-screening risk of every lake review on Spark with the workspace's trained model (OUT/review_screening).

    Also the shipped ALS's top-10 per lake member (OUT/member_als_recommendations); `lake import` loads both.
    """
    from memberinsight.cli.common import open_workspace
    from memberinsight.scaleout.screening import screen_on_spark

    info = screen_on_spark(settings(workspace), open_workspace(workspace), lake, out)
    emit(info, as_json, text=f"Screened {info['rows']:,} reviews on Spark ({info['method']}, {info['seconds']:.1f} s; "
                             f"{info['not_in_workspace']:,} lake reviews not in the workspace)")


@lake_app.command("quality")
def quality(
    lake: Annotated[str, typer.Argument(help="Lake URI with the orders of the holdout window.")],
    out: Annotated[str | None, typer.Option("--out", help="Output folder (default LAKE/_outputs).")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Prediction-quality buckets on Spark (OUT/prediction_quality): actual outcome per bucket of predicted score.

    The holdout predictions come from WORKSPACE's evaluation, re-run on this machine; the outcome and the
    buckets are computed on Spark from the lake with the same SQL as the DuckDB build.
    """
    from memberinsight.cli.common import open_workspace
    from memberinsight.scaleout.quality import quality_on_spark

    info = quality_on_spark(settings(workspace), open_workspace(workspace), lake, out)
    emit(info, as_json, text=f"Prediction quality on Spark: holdout from {info['holdout_cutoff']}, "
                             f"{info['horizon_days']} days, " + ", ".join(f"{k} {n:,} members" for k, n in
                                                                          info["members"].items()))


@lake_app.command("index")
def index(
    lake: Annotated[str, typer.Argument(help="Lake URI (a local folder: the index is written beside it).")],
    kind: Annotated[str, typer.Option("--kind", help="products | reviews")] = "products",
    reuse: Annotated[bool, typer.Option("--reuse", help="Index the vectors already in LAKE/_vectors "
                                                        "instead of embedding again.")] = False,
    parallel: Annotated[bool, typer.Option("--parallel", help="Encode the shards in Spark tasks (the same "
                                                              "index, built in parallel).")] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Embed the lake's products or reviews on Spark and build an IVF-PQ index of them beside the lake.

    Vectors go to LAKE/_vectors/KIND (Parquet id, vector), the index to LAKE/_vectors/KIND.ivfpq.
    """
    from memberinsight.scaleout import spark_session
    from memberinsight.scaleout.progress import watch_jobs
    from memberinsight.scaleout.vectors import describe, index_and_check

    conf = settings(workspace)
    spark = spark_session(conf)
    with watch_jobs(spark, "index", _say(as_json)):
        info = index_and_check(spark, conf, lake, kind, embed=not reuse, parallel=parallel)
    emit(info, as_json, text=describe(info))


@lake_app.command("import")
def import_(
    out: Annotated[str, typer.Argument(help="Outputs of `memberinsight build --engine spark` (local folder).")],
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a Spark build's features and RFM segments (and its scores, when scored) into the workspace.

    Also, when OUT holds them: review-screening risks and ALS lists (`lake screen`) and prediction-quality
    buckets (`lake quality`). The app then serves them as it serves its own build.
    """
    from memberinsight.cli.common import open_workspace
    from memberinsight.scaleout import import_outputs
    from memberinsight.scaleout.build import INFO_FILE
    from memberinsight.scaleout.imports import import_extras
    from memberinsight.scaleout.lake import local_path

    ws = open_workspace(workspace)
    built = (local_path(out) / INFO_FILE).is_file()
    info = import_outputs(ws, out) if built else {}
    info["imported"] = import_extras(ws, out)
    if not built and not info["imported"]:
        from memberinsight.errors import NotFoundError

        raise NotFoundError(f"{out} holds no Spark outputs to import (run `memberinsight build --engine spark`, "
                            "`lake score`, `lake screen` or `lake quality` first)")
    scored = " with churn, CLV and recommendations" if "rows" in info.get("scoring", {}) else ""
    lines = [f"Imported the Spark build as of {info['as_of']}{scored}: {info['member_predictions']:,} members"] \
        if built else []
    lines += [f"Imported {table}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
              for table, counts in info["imported"].items()]
    emit(info, as_json, text="\n".join(lines))


def register(app: typer.Typer) -> None:
    """Add ``memberinsight lake``."""
    app.add_typer(lake_app, name="lake")
