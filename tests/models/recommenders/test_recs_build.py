"""The build step, the saved model, the service functions, the next-best offer and the CLI."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from memberinsight.errors import DataValidationError, NotFoundError


@pytest.fixture(scope="module")
def built(demo_workspace, tmp_path_factory):
    """A private copy of the demo workspace after the recommenders build step (no product index)."""
    from memberinsight.models.recommenders import build_recommenders
    from memberinsight.workspace import Workspace

    dst = tmp_path_factory.mktemp("recs_build") / "ws"
    shutil.copytree(demo_workspace.path, dst)
    ws = Workspace.open(dst)
    summary = build_recommenders(ws)
    return ws, summary


@pytest.mark.slow
def test_build_saves_a_versioned_model_with_a_manifest(built):
    from memberinsight.models.recommenders import HybridRecommender, load_recommender
    from memberinsight.models.store import ModelStore

    ws, summary = built
    assert summary["version"] == 1 and summary["members"] > 1000 and summary["products"] == 360
    manifest = ModelStore.for_workspace(ws).manifest("recommenders")
    assert manifest.model_class.endswith("HybridRecommender")
    assert set(manifest.params["weights"]) <= set(manifest.features)
    assert "content" not in manifest.features  # no product index in this workspace
    assert any("content-based left out" in n for n in manifest.metrics["notes"])
    assert manifest.metrics["validation"]["hybrid"]["ndcg@10"] > manifest.metrics["validation"]["popularity"]["ndcg@10"]
    assert len(manifest.metrics["folds"]) == 3  # three rolling folds check the hybrid's lead
    champion = manifest.metrics["champion"]
    assert champion["shipped"] == summary["shipped"] and len(champion["fold_leads"]) == 3
    assert summary["shipped"] == "hybrid" or min(champion["fold_leads"]) <= 0
    assert manifest.metrics["fallbacks"] == summary["fallbacks"] == {}  # the demo has baskets
    model = load_recommender(ws)
    assert isinstance(model, HybridRecommender) and load_recommender(ws) is model  # cached per version
    assert model.interactions_.lines is None  # compacted before saving
    assert ModelStore.for_workspace(ws).manifest("rating_cf").data["reviews"] == summary["rating_model_reviews"]


@pytest.mark.slow
def test_service_functions(built, never_bought):
    from memberinsight.models.recommenders import (
        association_rules,
        bought_together,
        predict_rating,
        recommend_products,
    )

    ws, _ = built
    for model in ("hybrid", "item_knn", "als", "rules", "popularity", "segment_popularity"):
        recs = recommend_products(ws, "M0000039", k=5, model=model)
        assert len(recs) == 5 and all(r.reason for r in recs)
    cold = recommend_products(ws, never_bought, k=3)
    assert all(r.signal == "segment_popularity" for r in cold)
    with pytest.raises(NotFoundError, match="does not exist"):
        recommend_products(ws, "no-such-member")
    with pytest.raises(NotFoundError, match="content"):
        recommend_products(ws, "M0000039", model="content")
    with pytest.raises(DataValidationError, match="model"):
        recommend_products(ws, "M0000039", model="magic")
    rules = association_rules(ws, min_lift=5.0, limit=10)
    assert rules and all(r.lift >= 5.0 for r in rules)
    together = bought_together(ws, rules[0].antecedents[0], k=3)
    assert together and together[0].antecedents == rules[0].antecedents
    assert 1.0 <= predict_rating(ws, "M0000039", "P10001") <= 5.0


@pytest.mark.slow
def test_next_best_offer_for_a_segment(built):
    from memberinsight.models.recommenders import NextBestOffer, next_best_offer
    from memberinsight.models.recommenders.next_best_offer import LEVELS

    ws, _ = built
    offer = next_best_offer(ws, segment="champions", n_products=4)
    assert isinstance(offer, NextBestOffer) and offer.members > 50
    assert offer.products and len(offer.products) <= 4 and all(p.category == offer.category for p in offer.products)
    counts = [p.members_recommended for p in offer.products]
    assert counts == sorted(counts, reverse=True) and 0 < offer.category_share <= 1
    assert (offer.incentive.level, offer.incentive.discount_pct) in LEVELS
    assert offer.incentive.level in ("none", "low")  # best customers: rewards, not discounts
    assert 0.0 <= offer.incentive.price_sensitivity <= 1.0 and offer.incentive.evidence
    if offer.bundle:
        assert offer.bundle.lift > 1 and offer.bundle.confidence >= 0.1
    assert offer.category in offer.summary
    lost = next_best_offer(ws, segment="Lost")
    assert lost.incentive.level != "none"
    members = next_best_offer(ws, member_ids=["M0000039", "M0000001", "M0000002"])
    assert members.members == 3 and members.segment == "3 selected members"
    with pytest.raises(NotFoundError, match="Champions"):
        next_best_offer(ws, segment="Nope")
    with pytest.raises(DataValidationError):
        next_best_offer(ws, segment="Lost", member_ids=["M0000001"])


@pytest.mark.slow
def test_next_best_offer_for_a_saved_segment(built):
    from memberinsight.models.recommenders import next_best_offer
    from memberinsight.segments import delete_segment, resolve_segment_members, save_segment

    ws, _ = built
    save_segment(ws, "Kitchen regulars", {"where": {"field": "orders", "category": "Kitchen", "op": ">=",
                                                    "value": 2}}, owner="test")
    try:
        members = resolve_segment_members(ws, "Kitchen regulars")
        assert len(members) > 30
        offer = next_best_offer(ws, segment="kitchen regulars")  # saved names are case-insensitive
        assert offer.segment == "Kitchen regulars" and offer.members == len(members)
        by_ids = next_best_offer(ws, member_ids=members)
        assert (offer.category, [p.product_id for p in offer.products]) == (
            by_ids.category, [p.product_id for p in by_ids.products])
        assert offer.category == "Kitchen"  # the segment is defined by Kitchen purchases
        assert "Kitchen regulars" in offer.summary
        with pytest.raises(NotFoundError, match="saved segments: Kitchen regulars"):
            next_best_offer(ws, segment="Kitchen irregulars")
    finally:
        delete_segment(ws, "Kitchen regulars", actor="test")


@pytest.mark.slow
def test_cli_commands(built):
    from memberinsight.cli import app

    ws, _ = built
    runner = CliRunner()

    def run(*args: str) -> object:
        result = runner.invoke(app, [*args, "-w", str(ws.path), "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    recs = run("recs", "M0000039", "-k", "3", "--model", "item_knn")
    assert len(recs) == 3 and all(r["signal"] in ("item_knn", "popularity") and r["reason"] for r in recs)
    rules = run("rules", "--min-lift", "10", "--limit", "5")
    assert 0 < len(rules) <= 5 and all(r["lift"] >= 10 for r in rules)
    kitchen = run("rules", "--category", "Kitchen", "--limit", "50")
    assert kitchen
    together = run("bought-together", rules[0]["antecedents"][0], "-k", "2")
    assert together[0]["antecedents"] == rules[0]["antecedents"]
    offer = run("next-best-offer", "--segment", "Loyal")
    assert offer["category"] and offer["incentive"]["level"] in ("none", "low")
    rating = run("predict-rating", "M0000039", "P10001")
    assert 1 <= rating["rating"] <= 5
    evaluation = run("evaluate", "ratings", "--folds", "3")
    assert evaluation["folds"] == 3 and "item_cf_ratings" in evaluation["methods"]
    text = runner.invoke(app, ["recs", "nobody", "-w", str(ws.path)])
    assert text.exit_code != 0


@pytest.mark.slow
def test_cli_evaluate_recommenders(built):
    from memberinsight.cli import app

    ws, _ = built
    result = CliRunner().invoke(app, ["evaluate", "recommenders", "-w", str(ws.path), "--no-content",
                                      "--val-folds", "1", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out["models"]) == {"popularity", "segment_popularity", "item_knn", "als", "rules", "hybrid"}
    assert out["models"]["hybrid"]["test"]["ndcg@10"] > out["models"]["popularity"]["test"]["ndcg@10"]


def test_build_step_is_registered_after_the_analytics_and_index_steps():
    from memberinsight.pipeline import BUILD_STEPS

    names = [n for n, _ in BUILD_STEPS]
    assert ("recommenders", "memberinsight.models.recommenders.build:build_recommenders") in BUILD_STEPS
    for before in ("features", "segments", "indexes"):
        if before in names:
            assert names.index(before) < names.index("recommenders")
