"""Retrieval commands: ``search``, ``similar``, ``recommend``, ``duplicates``, ``index``, ``evaluate content``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, emit, evaluate_app, open_workspace, settings
from memberinsight.cli.tables import text_table

KOpt = Annotated[int, typer.Option("-k", "--k", min=1, help="How many results.")]


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _product_text(hits) -> str:
    if not hits:
        return "No products found."
    return _table([("score", "product", "category", "title")] + [
        (f"{h.score:.3f}", h.product_id, h.category, h.title) for h in hits])


def register(app: typer.Typer) -> None:
    @app.command()
    def search(
        query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
        k: KOpt = 10,
        category: Annotated[str | None, typer.Option(help="Only products of this category.")] = None,
        reviews: Annotated[bool, typer.Option("--reviews", help="Search review texts instead of products.")] = False,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Semantic product (or review) search: `memberinsight search "waterproof hiking boots" -k 10`."""
        from memberinsight.retrieval import search_products, search_reviews

        ws, cfg = open_workspace(workspace), settings(workspace)
        if reviews:
            hits = search_reviews(ws, query, k=k, settings=cfg)
            text = text_table(["score", "review", "product", "stars", "text"],
                              [[f"{h.score:.3f}", h.review_id, h.product_id, h.rating, h.text] for h in hits],
                              max_widths=[None, None, None, None, 90]) if hits else "No reviews found."
            emit(hits, as_json, text=text)
            return
        hits = search_products(ws, query, k=k, settings=cfg, category=category)
        emit(hits, as_json, text=_product_text(hits))

    @app.command()
    def similar(
        product_id: Annotated[str, typer.Argument(help="Product id.")],
        k: KOpt = 10,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Products most similar in meaning to one product."""
        from memberinsight.retrieval import similar_products

        hits = similar_products(open_workspace(workspace), product_id, k=k, settings=settings(workspace))
        emit(hits, as_json, text=_product_text(hits))

    @app.command()
    def recommend(
        member_id: Annotated[str | None, typer.Argument(help="Member id (or use --segment).")] = None,
        k: KOpt = 10,
        segment: Annotated[str | None, typer.Option("--segment", "-s", help="A saved or RFM segment's name: "
                                                    "products for the segment's shared taste.")] = None,
        exclude_bought: Annotated[bool, typer.Option("--exclude-bought", help="With --segment: leave out what "
                                                     "the segment's members bought.")] = False,
        no_diversity: Annotated[bool, typer.Option("--no-diversity", help="Rank by similarity only (no MMR).")] = False,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Content-based recommendations for a member (or a segment's taste), each with a reason."""
        from memberinsight.errors import DataValidationError
        from memberinsight.retrieval import recommend_for_member, recommend_for_segment

        if (member_id is None) == (segment is None):
            raise DataValidationError("give a member id or --segment NAME (not both)", column="segment")
        if segment is not None:
            from memberinsight.segments import resolve_segment_members

            ws = open_workspace(workspace)
            recs = recommend_for_segment(ws, resolve_segment_members(ws, segment), k=k, settings=settings(workspace),
                                         exclude_bought=exclude_bought)
        else:
            recs = recommend_for_member(open_workspace(workspace), member_id, k=k, settings=settings(workspace),
                                        diversify=not no_diversity)
        text = text_table(["score", "product", "title", "why"],
                          [[f"{r.score:.3f}", r.product_id, r.title, r.reason] for r in recs],
                          max_widths=[None, None, 50, 90]) if recs else "Nothing to recommend."
        emit(recs, as_json, text=text)

    @app.command()
    def duplicates(
        threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Cosine similarity threshold.")] = 0.9,
        min_chars: Annotated[int, typer.Option(help="Ignore reviews shorter than this.")] = 0,
        limit: Annotated[int, typer.Option(help="Show at most this many clusters (0: all).")] = 20,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Clusters of near-identical reviews written by different accounts."""
        from memberinsight.retrieval import find_near_duplicate_reviews

        clusters = find_near_duplicate_reviews(open_workspace(workspace), threshold=threshold,
                                               settings=settings(workspace), min_chars=min_chars)
        shown = clusters[:limit] if limit else clusters
        text = text_table(["cluster", "reviews", "accounts", "similarity", "review ids"],
                          [[f"#{c.cluster_id}", c.size, c.accounts, f"{c.min_similarity:.3f}-{c.max_similarity:.3f}",
                            ", ".join(c.review_ids[:6]) + (" ..." if c.size > 6 else "")] for c in shown])
        emit({"threshold": threshold, "clusters": len(clusters), "shown": shown}, as_json,
             text=text if shown else f"No near-duplicate reviews at threshold {threshold}.")

    @app.command("index")
    def index_cmd(
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Build or refresh the product and review indexes (incremental; embeds only new/changed texts)."""
        from memberinsight.retrieval import build_indexes

        summary = build_indexes(open_workspace(workspace), settings(workspace), show_progress=not as_json)
        text = "\n".join(f"{name}: {s['count']} vectors ({s['index_type']}), +{s['added']} ~{s['updated']} "
                         f"-{s['removed']}, embedded {s['embedded']}, {s['seconds']} s"
                         for name, s in summary.items() if isinstance(s, dict))
        emit(summary, as_json, text=text)

    @evaluate_app.command("content")
    def evaluate_content_cmd(
        k: KOpt = 10,
        test_days: Annotated[int, typer.Option(min=1, help="Length of the test period (the last N days).")] = 90,
        workspace: WorkspaceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Content-based recommendations vs popularity on a time split (Recall/NDCG/MAP@k, coverage)."""
        from memberinsight.retrieval import evaluate_content

        result = evaluate_content(open_workspace(workspace), settings(workspace), k=k, test_days=test_days)
        out = {**{f: getattr(result, f) for f in ("cutoff", "test_days", "k", "users", "catalogue", "seconds")},
               "lift_recall": result.lift_recall, "methods": result.methods}
        rows = [("method", f"recall@{k}", f"ndcg@{k}", f"map@{k}", f"coverage@{k}")] + [
            (name, *(f"{m[f'{x}@{k}']:.4f}" for x in ("recall", "ndcg", "map", "coverage")))
            for name, m in result.methods.items()]
        emit(out, as_json, text=f"{result.users} members, test from {result.cutoff:%Y-%m-%d}\n" + _table(rows))
