"""Recommenders held to the champion / challenger rule: validation windows sized by the members they
score, few blends tried on few members, the hybrid shipped only when its out-of-fold lead holds on
every fold, the margin reported with a bootstrap interval, fallbacks (rules -> popularity) named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sparse_shop import write_sparse_shop


def _sparse_lines(tmp_path: Path, **shop) -> pd.DataFrame:
    write_sparse_shop(tmp_path / "csv", **shop)
    lines = pd.read_csv(tmp_path / "csv" / "orders.csv", parse_dates=["ordered_at"])
    return lines.assign(member_id=lines["member_id"].astype(str), is_return=False)


@pytest.fixture(scope="module")
def sparse_ws(tmp_path_factory):
    """A small sparse shop (one line per order: no baskets; few repeat buyers) as a real workspace."""
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory

    root = tmp_path_factory.mktemp("recs_sparse")
    write_sparse_shop(root / "csv", members=900, days=420, seed=5)
    ws = Workspace.create(root / "ws")
    ingest_directory(ws, root / "csv")
    return ws


def test_hybrid_ships_only_when_its_lead_holds_on_every_fold():
    from memberinsight.models.recommenders.champion import choose_champion

    val = {"popularity": 0.30, "item_knn": 0.32, "rules": 0.33, "hybrid": 0.35}
    blend = {"popularity": 1.0, "item_knn": 1.0}
    assert choose_champion(val, [0.01, 0.02, 0.005], blend).shipped == "hybrid"
    lost = choose_champion(val, [0.03, 0.02, -0.001], blend)
    assert lost.shipped == "rules" and "2 of 3" in lost.reason
    # rules that fell back to popularity are not shipped in disguise: the best genuine model ships
    assert choose_champion(val, [0.03, -0.01, 0.02], blend, fallbacks={"rules"}).shipped == "item_knn"
    assert choose_champion(val, [0.03], blend).shipped == "rules"  # one fold: the lead cannot be checked
    assert choose_champion(val, [], {"item_knn": 1.0}).shipped == "item_knn"  # the blend is one model


def test_bootstrap_margin_is_the_mean_difference_with_an_interval():
    from memberinsight.models.recommenders.champion import bootstrap_margin

    rng = np.random.default_rng(1)
    a = {f"m{i}": float(v) for i, v in enumerate(rng.random(300))}
    b = {m: v - 0.05 + float(rng.normal(0, 0.1)) for m, v in a.items()}
    out = bootstrap_margin(a, b)
    diff = np.array([a[m] - b[m] for m in a])
    assert out["margin"] == pytest.approx(diff.mean(), abs=1e-4) and out["members"] == 300
    half = 1.96 * diff.std(ddof=1) / np.sqrt(300)  # the normal interval, for scale
    assert out["low"] < out["margin"] < out["high"]
    assert out["high"] - out["low"] == pytest.approx(2 * half, rel=0.2)
    same = bootstrap_margin(a, a)
    assert (same["margin"], same["low"], same["high"]) == (0.0, 0.0, 0.0)


def test_validation_window_grows_until_it_scores_enough_members(tmp_path):
    from memberinsight.models.recommenders.selection import validation_window

    lines = _sparse_lines(tmp_path, members=500, days=1100, seed=4)
    short = validation_window(lines, 90, 3, min_members=1)
    assert short[0] == 90 and short[1] > 0
    days, members = validation_window(lines, 90, 3, min_members=short[1] + 1)  # 90 days score too few
    assert days > 90 and members > short[1]
    assert days * 3.5 <= 1100
    capped, _ = validation_window(lines, 90, 3, min_members=10_000)  # never more than the history allows
    assert capped * 3.5 <= 1100


def test_few_validation_members_get_few_candidate_weightings(sparse_ws):
    from memberinsight.models.recommenders.hybrid import HybridRecommender
    from memberinsight.models.recommenders.interactions import build_interactions, load_catalogue, load_lines
    from memberinsight.models.recommenders.selection import fit_model, validation_folds
    from memberinsight.models.recommenders.tuning import FULL_SEARCH_MEMBERS, prepare_folds, tune_prepared
    from memberinsight.retrieval import holdout_truth

    lines, catalogue = load_lines(sparse_ws, guests=True), load_catalogue(sparse_ws)
    folds = validation_folds(lines, 90, 2)
    pairs = []
    for fold in folds:
        inter = build_interactions(fold.train, catalogue, as_of=fold.cutoff)
        comps = {n: fit_model(n, {}, inter, {}) for n in ("popularity", "item_knn", "als", "rules")}
        pairs.append((HybridRecommender(comps).fit(inter), holdout_truth(fold)))
    prepared = prepare_folds(pairs, 10)
    few = tune_prepared(prepared, 10)
    assert few.members < FULL_SEARCH_MEMBERS and few.search == "few"
    assert few.evaluations <= 2 * (4 + 3)  # each model alone and its best 2, 3, 4 per normalisation
    assert 0.01 < few.tolerance <= 0.05
    full = tune_prepared(prepared, 10, search="full")
    assert full.evaluations > 3 * few.evaluations


def test_sparse_shop_ships_a_recommender_no_worse_than_the_best_single_model(sparse_ws):
    from memberinsight.models.recommenders import evaluate_recommenders

    result = evaluate_recommenders(sparse_ws, k=10, test_days=90)
    assert "popularity" in result.fallbacks["rules"] and "no basket" in result.fallbacks["rules"]
    champion = result.champion
    assert len(champion["fold_leads"]) == 3 and len(champion["fold_members"]) == 3
    assert result.shipped == "hybrid" or min(champion["fold_leads"]) <= 0
    assert result.shipped != "rules"  # fell back to popularity: never the champion
    ndcg = {n: r.test["ndcg@10"] for n, r in result.models.items()}
    best = max(v for n, v in ndcg.items() if n != "hybrid")
    shipped = result.margins["shipped"]
    assert shipped["vs"] == result.best_single and shipped["members"] == result.users
    assert shipped["margin"] == pytest.approx(result.shipped_test["ndcg@10"] - best, abs=2e-4)
    assert shipped["low"] <= shipped["margin"] <= shipped["high"]
    # the acceptance rule: the shipped recommender is never worse than the best single model on the test
    # window by more than the reported interval
    assert result.shipped_test["ndcg@10"] >= best - (shipped["high"] - shipped["low"]) / 2
    hybrid = result.margins["hybrid"]
    assert hybrid["margin"] == pytest.approx(ndcg["hybrid"] - best, abs=2e-4)
    assert result.tuning["search"] == "few" and result.tuning["weightings_tried"] <= 2 * (5 + 4)


def test_build_summary_names_the_shipped_model_and_the_rules_fallback(sparse_ws, tmp_path):
    import shutil

    from memberinsight.models.recommenders import build_recommenders, load_recommender
    from memberinsight.models.store import ModelStore
    from memberinsight.workspace import Workspace

    shutil.copytree(sparse_ws.path, tmp_path / "ws")
    ws = Workspace.open(tmp_path / "ws")
    summary = build_recommenders(ws)
    assert "popularity" in summary["fallbacks"]["rules"]
    assert summary["shipped"] in ("hybrid", "popularity", "segment_popularity", "item_knn", "als")
    assert summary["shipped_reason"]
    manifest = ModelStore.for_workspace(ws).manifest("recommenders")
    assert manifest.metrics["champion"]["shipped"] == summary["shipped"]
    assert manifest.metrics["fallbacks"] == summary["fallbacks"]
    model = load_recommender(ws)
    if summary["shipped"] != "hybrid":
        assert model.weights_ == {summary["shipped"]: 1.0}
        assert set(manifest.metrics["tuned_weights"]) <= set(model.components)
    # the shipped line people read: the choice, the hybrid's out-of-fold lead with its interval, the fallback
    from memberinsight.models.shipped import recommender_line

    lead = manifest.metrics["champion"]["lead_margin"]
    assert lead["members"] > 0 and lead["low"] <= lead["margin"] <= lead["high"] and lead["level"] == 0.95
    shipped = recommender_line(manifest.metrics)
    assert shipped.line.startswith(f"Recommender: {shipped.line.split(': ')[1].split(' chosen')[0]} chosen")
    assert shipped.shipped == summary["shipped"] and "95% CI" in shipped.line
    assert ("not shipped" in shipped.line) == (summary["shipped"] != "hybrid")
    assert "Rules fall back to popularity" in shipped.line and set(shipped.candidates) >= {"popularity", "hybrid"}


def test_evaluation_defaults_to_the_builds_validation_folds(monkeypatch, tmp_path):
    """One constant: ``evaluate recommenders`` without --val-folds uses the build's folds."""
    import inspect

    from typer.testing import CliRunner

    import memberinsight.models.recommenders as recs
    from memberinsight.cli import app
    from memberinsight.errors import DataValidationError
    from memberinsight.models.recommenders.build import fit_recommenders
    from memberinsight.models.recommenders.evaluate import evaluate_recommenders
    from memberinsight.models.recommenders.selection import VAL_FOLDS, select_and_tune

    for func in (fit_recommenders, evaluate_recommenders, select_and_tune):
        assert inspect.signature(func).parameters["val_folds"].default == VAL_FOLDS, func.__name__
    seen: dict[str, int] = {}

    def fake(ws, **kw):
        seen["val_folds"] = kw["val_folds"]
        raise DataValidationError("stop here")  # the command reports it; the folds were seen

    monkeypatch.setattr(recs, "evaluate_recommenders", fake)
    from memberinsight.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    runner = CliRunner()
    runner.invoke(app, ["evaluate", "recommenders", "-w", str(ws.path), "--no-content"])
    assert seen == {"val_folds": VAL_FOLDS}
    runner.invoke(app, ["evaluate", "recommenders", "-w", str(ws.path), "--no-content", "--val-folds", "2"])
    assert seen == {"val_folds": 2}
