"""Member analytics commands: ``segments``, ``compare``, ``profile`` (alias ``member``), ``churn``, ``clv``, ``forecast``,
``features``, ``prediction-quality``, ``validate``, ``analytics-models`` and ``evaluate analytics``."""

from __future__ import annotations

from datetime import UTC, datetime
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
from memberinsight.cli.profile_view import print_profile
from memberinsight.figures import by_name, day, label, moment, money, number, people_frame, ratio, share


def _console():
    from rich.console import Console

    return Console(soft_wrap=False, width=max(120, Console().width))


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    _console().print(table)


def _pct(v: float | None) -> str:
    return share(v)


def _money(v: float | None) -> str:
    return money(v)


def _window(data: dict[str, Any]) -> str:
    keys = ("as_of", "last_week", "members", "rows", "weeks")
    return ", ".join(f"{k} {data[k]}" for k in keys if k in data)


def _metric(value: Any) -> str:
    return "-" if value is None or (isinstance(value, float) and value != value) else f"{value:,.4g}"


def _print_choices(choices: list[Any]) -> None:
    """Champion / challenger: every candidate's holdout metrics per prediction, the shipped one marked."""
    from memberinsight.models.candidates import LABELS, METRIC_LABELS

    for c in choices:
        extra = ["mae", "aggregate_error"] if c.metric == "rmse" else ["roc_auc"] if c.metric == "brier" else []
        rows = []
        for name, m in sorted(c.candidates.items(), key=lambda kv: kv[1].get(c.metric, float("inf"))):
            worse = c.worse_by(name)
            rows.append([("* " if name == c.champion else "  ") + LABELS.get(name, name), _metric(m.get(c.metric)),
                         *[_pct1(m.get(k)) if k == "aggregate_error" else _metric(m.get(k)) for k in extra],
                         "shipped" if name == c.champion else ("-" if worse is None else f"+{worse:.1%}")])
        heads = {"mae": "MAE", "aggregate_error": "aggregate error", "roc_auc": "ROC-AUC"}
        typer.echo(c.note)
        _table("", ["candidate", METRIC_LABELS.get(c.metric, c.metric), *[heads[k] for k in extra],
                        "vs shipped"], rows)


def _pct1(value: Any) -> str:
    return "-" if value is None or value != value else f"{value:+.1%}"


def _shipped(champion: Any) -> str:
    if isinstance(champion, dict):
        return ", ".join(f"{k}: {v or 'not available'}" for k, v in champion.items())
    return str(champion or "")


_MANIFEST_OF = {"churn": "churn", "purchases": "clv", "spend": "clv", "demand": "demand", "recommender": "recommenders"}


def _with_summaries(manifests: list[Any], lines: list[Any]) -> list[dict[str, Any]]:
    """Each manifest as a dict with ``summary``: its predictions' shipped lines (:func:`models.shipped_models`);
    a prediction not available on this shop, without a manifest, gets an entry of its own."""
    import dataclasses

    out = [{**dataclasses.asdict(m), "summary": []} for m in manifests]
    by_name = {m["name"]: m for m in out}
    for shipped in lines:
        name = _MANIFEST_OF[shipped.target]
        entry = by_name.get(name)
        if entry is None:
            entry = by_name[name] = {"name": name, "version": None, "summary": []}
            out.append(entry)
        entry["summary"].append(dataclasses.asdict(shipped))
    return out


MemberArg = Annotated[str, typer.Argument(help="Member id.")]
PersonalOpt = Annotated[bool, typer.Option(
    "--include-personal", help="Export personal fields (email, phone, names); recorded in the audit log.")]


def _show_member(member_id: str, include_personal: bool, as_json: bool, workspace: Any, command: str) -> None:
    """``memberinsight profile ID`` / ``memberinsight member ID``: the member profile, redacted by default."""
    from memberinsight.models import member_profile

    ws = open_workspace(workspace)
    result = member_profile(ws, member_id, include_personal=include_personal)
    if include_personal:
        ws.audit(cli_actor(settings(workspace)), "export_personal", "member", member_id, detail=f"memberinsight {command}")
    if as_json:
        emit(result, True)
        return
    print_profile(result)


def _fraud_note(workspace: Any) -> str:
    """The sentence on orders and accounts confirmed as fraud that the figures leave out (fraud.exclusions)."""
    from memberinsight.fraud import exclusion_status

    return str(exclusion_status(open_workspace(workspace), settings(workspace)).note)


def register(app: typer.Typer) -> None:
    @app.command()
    def segments(
        by: Annotated[str, typer.Option("--by", help="rfm (named RFM segments) or cluster.")] = "rfm",
        as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
    ) -> None:
        """RFM segments (or behavioural clusters): size, revenue share, medians, churn and CLV."""
        from memberinsight.models import segment_summary

        if by not in ("rfm", "cluster"):
            raise typer.BadParameter("use rfm or cluster", param_hint="--by")
        stats = segment_summary(open_workspace(workspace), by=by)
        if as_json:
            emit(stats, True)
            return
        _table("Clusters" if by == "cluster" else "RFM segments",
               ["segment", "members", "share", "revenue share", "median recency d", "median orders",
                "median spend", "mean churn", "mean CLV 365d"],
               [[s.segment, number(s.members), _pct(s.member_share), _pct(s.revenue_share), number(s.median_recency_days),
                 number(s.median_frequency), _money(s.median_monetary), _pct(s.mean_churn_probability),
                 _money(s.mean_predicted_clv_365d)] for s in stats])
        typer.echo(_fraud_note(workspace))

    @app.command()
    def compare(
        a: Annotated[str, typer.Argument(help="First segment (RFM name, cluster label or 'cluster N').")],
        b: Annotated[str, typer.Argument(help="Second segment.")],
        as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
    ) -> None:
        """Compare two segments metric by metric."""
        from memberinsight.models import compare_segments

        result = compare_segments(open_workspace(workspace), a, b)
        if as_json:
            emit(result, True)
            return
        a, b = result.a.segment, result.b.segment
        _table(f"{a} vs {b}", ["metric", a, b, f"{a} as a multiple of {b}"],
               [[label(d.metric), by_name(d.metric, d.a), by_name(d.metric, d.b), ratio(d.ratio)]
                for d in result.differences])
        typer.echo(result.summary)

    @app.command()
    def profile(member_id: MemberArg, include_personal: PersonalOpt = False, as_json: JsonOpt = False,
                workspace: WorkspaceOpt = None) -> None:
        """Everything about one member: segment, cluster, churn risk and reasons, CLV, recent orders."""
        _show_member(member_id, include_personal, as_json, workspace, "profile")

    @app.command("member")
    def member(member_id: MemberArg, include_personal: PersonalOpt = False, as_json: JsonOpt = False,
               workspace: WorkspaceOpt = None) -> None:
        """Everything about one member (same as ``profile``): segment, churn risk and reasons, CLV, orders."""
        _show_member(member_id, include_personal, as_json, workspace, "member")

    @app.command()
    def churn(
        top: Annotated[int, typer.Option("--top", help="How many at-risk members to list.")] = 20,
        min_clv: Annotated[float, typer.Option("--min-clv", help="Only members with predicted 365-day CLV >= this.")] = 0.0,
        min_churn: Annotated[float, typer.Option("--min-churn", help="Only members with churn probability >= this.")] = 0.5,
        as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
    ) -> None:
        """Members most valuable to keep among those likely to lapse, with reasons; holdout metrics."""
        from memberinsight.models import ModelStore, at_risk_members

        ws = open_workspace(workspace)
        members = at_risk_members(ws, min_clv=min_clv, limit=top, min_churn=min_churn)
        manifest = ModelStore.for_workspace(ws).manifest("churn")
        result = {"model_version": manifest.version, "holdout": manifest.metrics.get("holdout", {}),
                  "members": members}
        if as_json:
            emit(result, True)
            return
        h = result["holdout"]
        typer.echo(f"Churn model v{manifest.version}: holdout ROC-AUC {h.get('roc_auc')}, PR-AUC {h.get('pr_auc')}, "
                   f"Brier {h.get('brier')} (base rate {h.get('brier_base_rate')})")
        if manifest.metrics.get("choice"):
            typer.echo(manifest.metrics["choice"].get("note", ""))
        _table("At-risk members (value at risk = churn probability x last-year spend)",
               ["member", "segment", "churn", "value at risk", "CLV 365d", "reasons"],
               [[m.member_id, m.rfm_segment, _pct(m.churn_probability), _money(m.value_at_risk),
                 _money(m.predicted_clv_365d), m.reasons] for m in members])

    @app.command()
    def clv(
        top: Annotated[int, typer.Option("--top", help="How many members to list.")] = 20,
        as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
    ) -> None:
        """Members with the highest predicted 365-day value; holdout metrics vs BG/NBD."""
        from memberinsight.models import ModelStore

        ws = open_workspace(workspace)
        with ws.analytics(read_only=True) as con:
            rows = con.execute("""SELECT member_id, rfm_segment, expected_orders_90d, expected_orders_365d,
                predicted_clv_365d, clv_365d_low, clv_365d_high, clv_tier, p_alive FROM member_predictions
                WHERE predicted_clv_365d IS NOT NULL ORDER BY predicted_clv_365d DESC, member_id LIMIT ?""",
                               [top]).df()
        manifest = ModelStore.for_workspace(ws).manifest("clv")
        result = {"model_version": manifest.version, "holdout": manifest.metrics, "members": rows}
        if as_json:
            emit(result, True)
            return
        pm = manifest.metrics.get("purchases", {})
        typer.echo(f"Purchases MAE on holdout: shipped model {pm.get('model', {}).get('mae')} vs BG/NBD "
                   f"{pm.get('bgnbd', {}).get('mae')}")
        for choice in (manifest.metrics.get("choice") or {}).values():
            if choice:
                typer.echo(choice.get("note", ""))
        if manifest.metrics.get("spend_note"):
            typer.echo(f"Spend and CLV not available: {manifest.metrics['spend_note']}")
        shown = people_frame(rows)
        _table("Top predicted CLV (365 days)", list(shown.columns), shown.values.tolist())

    @app.command()
    def forecast(
        category: Annotated[str | None, typer.Option("--category", "-c", help="Category (default: all).")] = None,
        weeks: Annotated[int, typer.Option("--weeks", "-n", min=1, max=104, help="Weeks ahead.")] = 12,
        as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
    ) -> None:
        """Weekly units and revenue per category with 80% prediction intervals."""
        from memberinsight.cli.common import progress
        from memberinsight.models import category_forecast, forecast_categories

        ws = open_workspace(workspace)
        cats = [category] if category else forecast_categories(ws)
        results = [category_forecast(ws, c, weeks) for c in progress(cats, "Forecasting", enabled=not as_json, unit="category")]
        if as_json:
            emit(results if not category else results[0], True)
            return
        for fc in results:
            _table(f"{fc.category} - {fc.method}", ["week", "units", f"units {fc.interval:.0%} PI", "revenue",
                                                     f"revenue {fc.interval:.0%} PI"],
                   [[day(p.week_start), f"{p.units:,.1f}", f"{p.units_lower:,.1f}-{p.units_upper:,.1f}", _money(p.revenue),
                     f"{_money(p.revenue_lower)}-{_money(p.revenue_upper)}"] for p in fc.points])

    @app.command()
    def features(
        as_of: Annotated[str | None, typer.Option("--as-of", help="Cutoff date YYYY-MM-DD (default: latest order).")] = None,
        member: Annotated[str | None, typer.Option("--member", help="Only this member.")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="Write all rows to this CSV file.")] = None,
        as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
    ) -> None:
        """Compute member features as of a date (nothing after it is used)."""
        from memberinsight.models import compute_features

        ws = open_workspace(workspace)
        with ws.analytics(read_only=True) as con:
            df = compute_features(con, as_of)
        if member:
            df = df[df["member_id"] == member]
        if out:
            from memberinsight.csvsafe import write_frame

            write_frame(df, out)  # text cells (member ids) that look like formulas get a leading '
        result = {"as_of": df.attrs.get("as_of"), "members": len(df), "columns": list(df.columns),
                  "file": str(out) if out else None, "rows": df.head(20) if not out else []}
        if as_json:
            emit(result, True)
            return
        typer.echo(f"{len(df):,} members, {len(df.columns) - 1} features as of {result['as_of']}"
                   + (f" -> {out}" if out else ""))
        if not out:
            typer.echo(df.head(20).T.to_string())

    @app.command("prediction-quality")
    def prediction_quality_cmd(as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
        """Actual vs predicted per score decile on the latest holdout (churn and purchases), with lift."""
        from memberinsight.models import prediction_quality

        q = prediction_quality(open_workspace(workspace))
        if as_json:
            emit(q, True)
            return
        for r in (q.churn, q.purchases):
            _table(f"{r.kind}: holdout from {r.holdout_cutoff}, {r.horizon_days} days, overall actual "
                   f"{r.overall_actual}", ["decile", "members", "mean predicted", "actual", "lift"],
                   [[b.bucket, b.members, b.mean_predicted, b.actual, b.lift] for b in r.buckets])
        _print_choices(q.choices)
        typer.echo(q.fraud_exclusions.get("note", ""))

    @app.command("validate")
    def validate_cmd(
        horizon: Annotated[int | None, typer.Option("--horizon", help="Days ahead (default: settings horizon_days).")] = None,
        as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
    ) -> None:
        """Check the loaded data against what the models need, and say what each finding means."""
        from memberinsight.models import validate_data

        report = validate_data(open_workspace(workspace), horizon or settings(workspace).horizon_days)
        emit(report, as_json, text=report.text())

    @app.command("analytics-models")
    def models_cmd(as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
        """Saved analytics models: version, build time, data window, and for each prediction the
        champion / challenger choice with every candidate's holdout metrics and the margin."""
        from memberinsight.errors import ModelNotReadyError
        from memberinsight.models import ModelStore, model_choices, shipped_models

        ws = open_workspace(workspace)
        store = ModelStore.for_workspace(ws)
        found = []
        for name in ("clusters", "churn", "clv", "bgnbd", "demand", "recommenders"):
            try:
                found.append(store.manifest(name))
            except ModelNotReadyError:
                continue
        lines = shipped_models(ws)
        if as_json:
            emit(_with_summaries(found, lines), True)
            return
        _table("Analytics models", ["name", "version", "created", "data window", "shipped"],
               [[m.name, m.version, moment(m.created_at), _window(m.data),
                 _shipped(m.params.get("champion") if m.name != "recommenders"
                          else (m.metrics.get("champion") or {}).get("shipped"))] for m in found])
        typer.echo("What ships on this shop:")
        for shipped in lines:
            typer.echo(f"  {shipped.line}")
        _print_choices(model_choices(ws))
        typer.echo(_fraud_note(workspace))


@evaluate_app.command("analytics")
def evaluate_analytics_cmd(
    horizon: Annotated[int | None, typer.Option("--horizon", help="Days ahead (default: settings horizon_days).")] = None,
    as_json: JsonOpt = False, workspace: WorkspaceOpt = None,
) -> None:
    """Churn (ROC-AUC, PR-AUC, Brier), purchases/CLV (MAE, RMSE, correlation, aggregate error of every
    candidate; ``model`` is the one that would ship) on the time split, the coverage of the shipped 80%
    intervals of purchases and spend on that holdout, and demand (sMAPE, MASE vs seasonal naive) on a
    rolling-origin backtest, with the champion of each."""
    from memberinsight.models import evaluate_analytics

    cfg = settings(workspace)
    started = datetime.now(UTC)
    ev = evaluate_analytics(open_workspace(workspace), horizon or cfg.horizon_days, cfg.random_seed)
    result = {
        "horizon_days": ev.horizon_days,
        "seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "churn": None if ev.churn is None else {
            "holdout_cutoff": ev.churn.plan.holdout_cutoff, "train_rows": ev.churn.train_rows,
            **ev.churn.metrics, "top_features": ev.churn.top_features, "choice": ev.churn.choice},
        "clv": None if ev.clv is None else {
            "holdout_cutoff": ev.clv.plan.holdout_cutoff, "train_rows": ev.clv.train_rows,
            "purchases": ev.clv.purchases, "spend": ev.clv.spend, "bgnbd_params": ev.clv.bgnbd_params,
            "drift": ev.clv.drift, "choice": {"purchases": ev.clv.choice_purchases, "spend": ev.clv.choice_spend},
            "spend_note": ev.clv.spend_note},
        "demand": ev.demand, "intervals": ev.intervals, "notes": ev.notes,
    }
    if ev.demand is not None:
        from memberinsight.models.candidates import DEMAND_CANDIDATES, choose

        result["demand_choice"] = choose("demand", ev.demand.candidates(), DEMAND_CANDIDATES)
    if as_json:
        emit(result, True)
        return
    emit(result, False)
