"""Offline evaluation: per-signal and combined metrics on the demo's planted labels and on the real
deceptive-opinion set (skipped when ../shared is absent): grouped 5-fold CV by hotel and a holdout."""

from __future__ import annotations

import pytest

from memberinsight.screening.evaluate import evaluate_real


@pytest.mark.slow
def test_demo_evaluation_per_signal_and_combined(workspace_copy) -> None:
    """Through ``memberinsight evaluate screening --no-real-set --json`` (the command the issue names)."""
    import json

    from typer.testing import CliRunner

    from memberinsight.cli import app

    out = CliRunner().invoke(app, ["evaluate", "screening", "--no-real-set", "--json", "-w", str(workspace_copy.path)])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["real"] is None and report["skipped"] == []
    result = report["demo"]
    by = {s["signal"]: s for s in result["signals"]}
    assert set(by) == {"duplicates", "mismatch", "behaviour", "text_classifier", "outlier", "rules_fallback",
                       "combined"}
    assert all({"roc_auc", "pr_auc", "precision_at_100", "precision_at_k", "how"} <= set(s) for s in by.values())
    assert result["k"] == min(100, result["n_fake"]) and result["n_fake"] >= 50
    combined = by["combined"]
    assert combined["roc_auc"] >= 0.97 and combined["pr_auc"] >= 0.9 and combined["precision_at_k"] >= 0.9
    assert result["combined_brier"] < 0.03  # calibrated: far below the 0.06 of always saying the base rate
    assert by["rules_fallback"]["roc_auc"] >= 0.9 and by["outlier"]["roc_auc"] >= 0.8
    # the combination beats every single signal
    assert all(combined["pr_auc"] > s["pr_auc"] for name, s in by.items() if name != "combined")


@pytest.fixture(scope="module")
def real_evaluation(shared_data, lasting_model_cache):
    """``evaluate_real`` on the real set once: 5-fold CV grouped by hotel and the leave-hotels-out holdout
    (the 800 reviews' embeddings come from the cache kept between sessions after the first run)."""
    from memberinsight.config import load_settings

    return evaluate_real(shared_data / "deceptive_opinion_dev.csv", load_settings(cache_dir=str(lasting_model_cache)))


@pytest.mark.slow
def test_text_classifier_meets_targets_on_grouped_cv_by_hotel(real_evaluation) -> None:
    """The acceptance figure: 5-fold cross-validation grouped by hotel (the published reference
    protocol), every hyper-parameter chosen inside the training hotels of each fold."""
    r = real_evaluation
    assert r.folds == 5 and r.n_reviews == 800 and r.protocol.startswith("5-fold cross-validation grouped by hotel")
    tested = [h for f in r.fold_results for h in f["test_hotels"]]
    assert len(tested) == len(set(tested)) == 10  # each hotel is tested once, never trained on in its fold
    assert all(f["n_test"] == 160 for f in r.fold_results)
    assert r.cv_accuracy == pytest.approx(sum(f["accuracy"] for f in r.fold_results) / 5, abs=1e-3)
    # targets (issue 6): accuracy >= 0.90 (the published n-gram SVM level), ROC-AUC >= 0.95
    assert r.cv_accuracy >= 0.90 and r.cv_roc_auc >= 0.95, (r.cv_accuracy, r.cv_roc_auc)
    assert r.meets_targets is True
    assert r.pooled["roc_auc"] >= 0.95 and r.pooled["precision_at_100"] >= 0.95
    views = {v.view: v for v in r.views}
    assert views["stacked"].cv_roc_auc >= max(v.cv_roc_auc for k, v in views.items() if k != "stacked")


@pytest.mark.slow
def test_text_classifier_on_real_deceptive_reviews_heldout_hotels(real_evaluation) -> None:
    """The leave-hotels-out holdout: 2 of the 10 hotels (seed 0), never seen in training."""
    result = real_evaluation
    assert len(result.heldout_hotels) == 2
    views = {v.view: v for v in result.views}
    assert set(views) == {"word", "word_punct", "char_wb", "char", "nb_word", "embedding", "style", "stacked"}
    # These bars are regression floors for this one split, not the targets: it is a hard pair of hotels
    # (measured before C was chosen in-fold and NB-SVM added: accuracy 0.844, ROC-AUC 0.946; now 0.875 / 0.952).
    # The targets (0.90 / 0.95) are asserted on the grouped 5-fold CV above, the reference protocol.
    assert result.heldout_accuracy >= 0.82 and result.heldout_roc_auc >= 0.93
    assert views["stacked"].heldout_roc_auc >= max(v.heldout_roc_auc for k, v in views.items() if k != "stacked") - 0.01
