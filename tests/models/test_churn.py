"""Churn: acceptance on the demo time split, calibration, and per-member reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.churn import ChurnModel, churn_band
from memberinsight.models.evaluation import evaluate_churn
from memberinsight.models.features import top_categories
from memberinsight.models.training import model_columns, plan, snapshots

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_churn(demo_workspace):
    with demo_workspace.analytics(read_only=True) as con:
        return evaluate_churn(con, 90, 42)


def test_time_split_has_no_label_overlap(demo_churn):
    tp = demo_churn.plan
    assert max(tp.eval_train_cutoffs).toordinal() + tp.horizon_days <= tp.holdout_cutoff.toordinal()
    assert tp.holdout_cutoff.toordinal() + tp.horizon_days == tp.last_date.toordinal()


def test_churn_acceptance_on_demo(demo_churn):
    m = demo_churn.metrics
    assert m["roc_auc"] >= 0.80, m
    assert m["brier"] < m["brier_base_rate"], m
    assert abs(m["mean_predicted"] - m["base_rate"]) < 0.05, m  # calibrated on average
    assert 0 < m["pr_auc"] <= 1


def test_churn_is_within_a_hair_of_the_bayes_ceiling(demo_dir, demo_workspace, demo_churn):
    # The best AUC any model can reach on this split: the exact posterior under the generator's own
    # priors and lifecycle (tests/models/demo_ceiling.py). The model must come within 0.01 of it.
    from demo_ceiling import bayes_churn_probability

    with demo_workspace.analytics(read_only=True) as con:
        bayes = bayes_churn_probability(con, demo_churn.plan.holdout_cutoff, 90, demo_dir)
    assert len(bayes) == demo_churn.metrics["members"]
    assert bayes["churned"].mean() == pytest.approx(demo_churn.metrics["base_rate"], abs=1e-4)
    assert bayes["p"].mean() == pytest.approx(bayes["churned"].mean(), abs=0.02)  # the posterior is calibrated
    ceiling = roc_auc_score(bayes["churned"], bayes["p"])
    assert demo_churn.metrics["roc_auc"] >= ceiling - 0.01, (demo_churn.metrics["roc_auc"], ceiling)


def test_deciles_rank_members(demo_churn):
    q = demo_churn.quality
    assert [b.bucket for b in q.buckets] == list(range(1, 11))
    assert q.buckets[-1].actual > q.buckets[0].actual
    assert q.buckets[-1].lift > 1.0 > q.buckets[0].lift
    actual = [b.actual for b in q.buckets]
    assert np.corrcoef(range(10), actual)[0, 1] > 0.9


def test_reasons_follow_shap_signs(demo_workspace):
    with demo_workspace.analytics(read_only=True) as con:
        tp = plan(con, 90, max_snapshots=2)
        data = snapshots(con, tp.eval_train_cutoffs, 90, top_categories(con, tp.eval_train_cutoffs[0]))
    cols = model_columns(data)
    model = ChurnModel(90).fit(data[cols], data["churned"].to_numpy(), data["member_id"].to_numpy())
    sample = data[cols].head(200)
    contrib = model.contributions(sample)
    # TreeSHAP is exact: contributions + bias = raw margin for every member.
    raw = model.raw_score(sample)
    np.testing.assert_allclose(contrib.sum(axis=1), raw, rtol=1e-6, atol=1e-6)
    probs = model.predict_proba(sample)
    reasons = model.reasons(sample)
    assert sum(1 for r in reasons if r) > 190
    for p, rs in zip(probs, reasons, strict=True):
        for r in rs:
            assert r.text and ("raises risk" in r.text) == (r.contribution > 0)
            assert (r.contribution > 0) == (p >= model.base_rate_)
    assert any("last order" in r.text for rs in reasons for r in rs)


def test_bands_and_errors():
    assert [churn_band(p) for p in (0.1, 0.4, 0.69, 0.7, 0.99)] == ["low", "medium", "medium", "high", "high"]
    assert churn_band(float("nan")) is None
    with pytest.raises(ModelNotReadyError):
        ChurnModel().predict_proba(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(DataValidationError):
        ChurnModel().fit(pd.DataFrame({"a": [1.0, 2.0]}), np.array([1, 1]), np.array(["x", "y"]))
