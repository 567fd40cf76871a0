"""Purchases and CLV: the boosted model beats BG/NBD + Gamma-Gamma on the demo holdout (and ships)."""

from __future__ import annotations

import pandas as pd
import pytest

from memberinsight.errors import ModelNotReadyError
from memberinsight.models.clv import CLVModel, StatisticalCLV
from memberinsight.models.evaluation import evaluate_clv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_clv(demo_workspace):
    with demo_workspace.analytics(read_only=True) as con:
        return evaluate_clv(con, 90, 42)


def test_model_beats_bgnbd_on_purchases(demo_clv):
    p = demo_clv.purchases
    assert demo_clv.choice_purchases.champion == "boosted" and p["model"] == p["boosted"]
    assert p["model"]["mae"] < p["bgnbd"]["mae"], p
    assert p["model"]["correlation"] > 0.4, p
    assert abs(p["model"]["aggregate_error"]) < 0.15, p


def test_model_beats_bgnbd_gamma_gamma_on_spend(demo_clv):
    s = demo_clv.spend
    assert demo_clv.choice_spend.champion == "boosted" and s["model"] == s["boosted"]
    assert s["model"]["mae"] < s["bgnbd"]["mae"], s
    assert abs(s["model"]["aggregate_error"]) < 0.2, s


def test_bgnbd_parameters_are_sane(demo_clv):
    prm = demo_clv.bgnbd_params
    assert all(v > 0 for v in prm.values())
    assert prm["q"] > 1  # finite mean order value


def test_purchase_deciles(demo_clv):
    q = demo_clv.quality
    assert q.kind == "purchases" and len(q.buckets) == 10
    assert q.buckets[-1].actual > 3 * q.buckets[0].actual
    assert q.buckets[-1].lift > 2


def test_errors():
    with pytest.raises(ModelNotReadyError):
        CLVModel().predict(pd.DataFrame({"bg_expected": [1.0], "bg_spend": [1.0]}))
    with pytest.raises(ModelNotReadyError):
        StatisticalCLV().predict(pd.DataFrame({"x_repeat": [1]}), 90)
