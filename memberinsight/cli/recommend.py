"""Recommendation commands: ``recs``, ``rules``, ``bought-together``, ``next-best-offer``, ``predict-rating``,
``evaluate recommenders`` and ``evaluate ratings``.

(``memberinsight recommend`` is the retrieval package's content-based command; ``recs`` serves the
built hybrid and each of its components.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, emit, evaluate_app, open_workspace, settings
from memberinsight.cli.tables import text_table

KOpt = Annotated[int, typer.Option("-k", "--k", min=1, help="How many results.")]
MODEL_HELP = "hybrid, popularity, segment_popularity, item_knn, als, rules or content."


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _say(enabled: bool):
    return (lambda msg: typer.secho(msg, err=True, fg=typer.colors.CYAN)) if enabled else (lambda _msg: None)


def _rules_text(rules: list[Any]) -> str:
    if not rules:
        return "No rules match."
    return _table([("lift", "conf", "support", "baskets", "if bought", "then also")] + [
        (f"{r.lift:.2f}", f"{r.confidence:.2f}", f"{r.support:.4f}", str(r.baskets),
         "; ".join(f"{t} ({p})" for p, t in zip(r.antecedents, r.antecedent_titles, strict=True))[:60],
         "; ".join(f"{t} ({p})" for p, t in zip(r.consequents, r.consequent_titles, strict=True))[:60])
        for r in rules])


def evaluation_workspace(source: str, cache: Path, say: Any) -> Any:
    """A workspace for ``evaluate recommenders --source``: ``demo`` (the fixed-seed demo shop), or a file /
    folder of exports; kept under the cache folder and reused (ingest is idempotent)."""
    from memberinsight.errors import ConfigError
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory, ingest_file

    if source == "demo":
        from memberinsight.workspace.demo import generate_demo

        folder = cache / "eval" / "demo-2000-seed7"
        ws = Workspace.create(folder / "workspace")
        if not (folder / "csv" / "orders.csv").is_file():
            say("generating the demo shop (2000 members, seed 7)")
            generate_demo(folder / "csv", members=2000, seed=7)
        ingest_directory(ws, folder / "csv")
    else:
        path = Path(source).expanduser().resolve()
        if not path.exists():
            raise ConfigError(f"--source {source}: no such file or folder")
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
        ws = Workspace.create(cache / "eval" / f"{path.name.split('.')[0]}-{digest}" / "workspace")
        say(f"ingesting {path} into {ws.path}")
        if path.is_dir():
            ingest_directory(ws, path)
        else:
            ingest_file(ws, path)
    return ws


def register(app: typer.Typer) -> None:
    @app.command()
    def recs(
        member_id: Annotated[str, typer.Argument(help="Member id.")],
        k: KOpt = 10,
        model: Annotated[str, typer.Option("--model", "-m", help=MODEL_HELP)] = "hybrid",
        include_bought: Annotated[bool, typer.Option("--include-bought", help="Also recommend products the "
                                                     "member already bought.")] = False,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Recommendations for a member from the built recommenders, each with its signal and reason."""
        from memberinsight.models.recommenders import recommend_products

        items = recommend_products(open_workspace(workspace), member_id, k=k, model=model,
                                   exclude_bought=not include_bought)
        text = text_table(["score", "product", "title", "signal", "why"],
                          [[f"{r.score:.3f}", r.product_id, r.title, r.signal, r.reason] for r in items],
                          max_widths=[None, None, 50, None, 90]) if items else "Nothing to recommend."
        emit(items, as_json, text=text)

    @app.command()
    def rules(
        category: Annotated[str | None, typer.Option(help="Only rules with a product of this category.")] = None,
        min_lift: Annotated[float | None, typer.Option("--min-lift", min=0.0, help="Minimum lift.")] = None,
        min_confidence: Annotated[float | None, typer.Option("--min-confidence", min=0.0, max=1.0)] = None,
        product: Annotated[str | None, typer.Option(help="Only rules involving this product id.")] = None,
        limit: Annotated[int, typer.Option(min=1, help="At most this many rules.")] = 20,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Association rules mined from baskets (support, confidence, lift), strongest lift first."""
        from memberinsight.models.recommenders import association_rules

        found = association_rules(open_workspace(workspace), category=category, min_lift=min_lift,
                                  min_confidence=min_confidence, product_id=product, limit=limit)
        emit(found, as_json, text=_rules_text(found))

    @app.command("bought-together")
    def bought_together_cmd(
        product_id: Annotated[str, typer.Argument(help="Product id.")],
        k: KOpt = 10,
        min_lift: Annotated[float | None, typer.Option("--min-lift", min=0.0, help="Minimum lift.")] = None,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Products frequently bought together with one product (confidence, lift)."""
        from memberinsight.models.recommenders import bought_together

        found = bought_together(open_workspace(workspace), product_id, k=k, min_lift=min_lift)
        emit(found, as_json, text=_rules_text(found))

    @app.command("next-best-offer")
    def next_best_offer_cmd(
        segment: Annotated[str | None, typer.Option("--segment", "-s", help="Saved or RFM segment name.")] = None,
        members: Annotated[str | None, typer.Option(help="Comma-separated member ids instead of a segment.")] = None,
        products: Annotated[int, typer.Option(min=1, help="Products to feature.")] = 5,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Which category, products, bundle and incentive level to promote to a segment."""
        from memberinsight.models.recommenders import next_best_offer

        ids = [m.strip() for m in members.split(",") if m.strip()] if members else None
        offer = next_best_offer(open_workspace(workspace), segment=segment, member_ids=ids, n_products=products)
        lines = [offer.summary, f"Category: {offer.category_reason}"]
        if offer.products:
            lines += ["Products:", text_table(["  product", "title", "why"], [[f"  {p.product_id}", p.title, p.reason]
                                                                            for p in offer.products])]
        if offer.bundle:
            b = offer.bundle
            lines.append(f"Bundle: {b.antecedent_title} -> {b.consequent_title} (confidence {b.confidence:.2f}, "
                         f"lift {b.lift:.1f})")
        inc = offer.incentive
        lines.append(f"Incentive: {inc.level} ({inc.discount_pct}%), price sensitivity {inc.price_sensitivity:.2f}: "
                     + "; ".join(inc.evidence))
        emit(offer, as_json, text="\n".join(lines))

    @app.command("predict-rating")
    def predict_rating_cmd(
        member_id: Annotated[str, typer.Argument(help="Member id.")],
        product_id: Annotated[str, typer.Argument(help="Product id.")],
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Predicted star rating (item-based collaborative filtering)."""
        from memberinsight.models.recommenders import predict_rating

        value = predict_rating(open_workspace(workspace), member_id, product_id)
        emit({"member_id": member_id, "product_id": product_id, "rating": round(value, 3)}, as_json,
             text=f"{value:.2f} stars")

    @evaluate_app.command("recommenders")
    def evaluate_recommenders_cmd(
        k: KOpt = 10,
        test_days: Annotated[int, typer.Option(min=1, help="Test period: the last N days.")] = 90,
        val_days: Annotated[int | None, typer.Option(min=1, help="Validation window (default: test days).")] = None,
        val_folds: Annotated[int | None, typer.Option(min=1, help="Validation windows before the test period "
                                                      "(default: the build's, VAL_FOLDS = 3).")] = None,
        source: Annotated[str | None, typer.Option(help="Evaluate on `demo` or on a file/folder of exports "
                                                   "(ingested into a cached scratch workspace) instead.")] = None,
        no_content: Annotated[bool, typer.Option("--no-content", help="Skip the content-based model (no "
                                                 "product index needed).")] = False,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Popularity, item-kNN, ALS, rules, content and hybrid on a time split (Recall/NDCG/MAP@k, coverage)."""
        from memberinsight.models.recommenders import evaluate_recommenders
        from memberinsight.models.recommenders.selection import FACTORIES, VAL_FOLDS

        say = _say(not as_json)
        cfg = settings(workspace)
        if source:
            ws = evaluation_workspace(source, cfg.cache_path, say)
            if not no_content:
                from memberinsight.retrieval import build_indexes

                say("building the product index")
                build_indexes(ws, cfg, show_progress=not as_json)
        else:
            ws = open_workspace(workspace)
        names = [n for n in FACTORIES if not (no_content and n == "content")]
        result = evaluate_recommenders(ws, k=k, test_days=test_days, val_days=val_days,
                                       val_folds=val_folds or VAL_FOLDS,
                                       models=names, on_step=say)
        rows = [("model", f"recall@{k}", f"ndcg@{k}", f"map@{k}", f"coverage@{k}", "val ndcg")] + [
            (r["model"], *(f"{r[c]:.4f}" for c in ("recall", "ndcg", "map", "coverage", "val_ndcg")))
            for r in result.table()]
        head = (f"{result.users} members, test from {result.cutoff:%Y-%m-%d} ({test_days} days), catalogue "
                f"{result.catalogue}; hybrid weights {result.hybrid_weights} ({result.normalisation})")
        verdict = (f"hybrid beats every single model on NDCG@{k}" if result.hybrid_beats_all else
                   f"hybrid does NOT beat {result.best_single} on NDCG@{k}")
        margins = [f"{name} vs {m['vs']}: NDCG@{k} {m['margin']:+.3f} (95% CI {m['low']:+.3f} to {m['high']:+.3f}, "
                   f"{m['members']:,} members)" for name, m in result.margins.items()]
        shipped = f"ships: {result.shipped} - {result.shipped_reason}"
        emit(result, as_json, text="\n".join([head, _table(rows), verdict, shipped, *margins,
                                               *result.fallbacks.values(), *result.notes]))

    @evaluate_app.command("ratings")
    def evaluate_ratings_cmd(
        folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Rating prediction RMSE: item-based CF vs global-mean, item-mean and bias baselines."""
        from memberinsight.models.recommenders import evaluate_ratings

        result = evaluate_ratings(open_workspace(workspace), folds=folds)
        rows = [("method", "rmse", "mae", "rmse std")] + [
            (name, f"{m['rmse']:.4f}", f"{m['mae']:.4f}", f"{m['rmse_std']:.4f}") for name, m in result.methods.items()]
        emit(result, as_json, text=f"{result.reviews} reviews, {folds}-fold\n" + _table(rows))
