"""Ranking metrics and the time split, checked against hand-computed values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from memberinsight.errors import DataValidationError
from memberinsight.retrieval.metrics import (
    coverage,
    evaluate_rankings,
    hit_rate_at_k,
    holdout_truth,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    time_split,
)


def test_recall_precision_hit_rate():
    ranked = ["a", "b", "c", "d"]
    assert recall_at_k(ranked, {"b", "d", "z"}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, {"b", "d", "z"}, 4) == pytest.approx(2 / 3)
    assert precision_at_k(ranked, {"b", "d"}, 4) == pytest.approx(0.5)
    assert hit_rate_at_k(ranked, {"d"}, 3) == 0.0
    assert hit_rate_at_k(ranked, {"d"}, 4) == 1.0
    assert recall_at_k(ranked, set(), 3) == 0.0


def test_ndcg_by_hand():
    # hits at ranks 2 and 3 (0-based 1, 2); two relevant items -> ideal hits at ranks 1 and 2
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(["x", "a", "b"], {"a", "b"}, 3) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["a", "b", "x"], {"a", "b"}, 3) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], {"a"}, 2) == 0.0


def test_map_by_hand():
    # hits at positions 1 and 3: precisions 1/1 and 2/3, divided by min(k, |rel|) = 2
    assert map_at_k(["a", "x", "b"], {"a", "b"}, 3) == pytest.approx((1 + 2 / 3) / 2)
    assert map_at_k(["x", "y", "a"], {"a", "b", "c", "d"}, 3) == pytest.approx((1 / 3) / 3)


def test_coverage_and_mean():
    recs = {"u1": ["a", "b"], "u2": ["a", "c"], "u3": ["d"]}
    assert coverage(recs.values(), 10) == pytest.approx(0.4)
    assert coverage(recs.values(), 10, k=1) == pytest.approx(0.2)
    truth = {"u1": {"b"}, "u2": {"z"}, "u4": {"a"}, "u5": set()}
    out = evaluate_rankings(recs, truth, k=2, catalogue_size=10)
    assert out["users"] == 3  # u5 has nothing relevant; u4 has no list and counts as a miss
    assert out["recall@2"] == pytest.approx(round(1 / 3, 4))
    assert out["hit_rate@2"] == pytest.approx(round(1 / 3, 4))


def _lines() -> pd.DataFrame:
    return pd.DataFrame({
        "member_id": ["m1", "m1", "m1", "m2", "m2", "m3"],
        "product_id": ["a", "b", "a", "c", "d", "e"],
        "ordered_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-01", "2024-01-05", "2024-05-20",
                                      "2024-05-25"]),
    })


def test_time_split_and_holdout_truth():
    split = time_split(_lines(), test_days=30)
    assert split.cutoff == pd.Timestamp("2024-05-02").to_pydatetime()
    assert len(split.train) == 3 and len(split.test) == 3
    truth = holdout_truth(split)
    # m1 re-bought "a" only (not new); m3 has no train history; m2 bought "d" new
    assert truth == {"m2": {"d"}}
    assert holdout_truth(split, new_items_only=False) == {"m1": {"a"}, "m2": {"d"}}


def test_returns_in_the_test_period_are_not_relevant():
    lines = _lines().assign(is_return=False, quantity=1)
    extra = pd.DataFrame({"member_id": ["m2", "m1", "m1"], "product_id": ["x", "y", "z"],
                          "ordered_at": pd.to_datetime(["2024-05-21", "2024-05-22", "2024-05-23"]),
                          "is_return": [True, None, False], "quantity": [-1, -2, 3]})
    split = time_split(pd.concat([lines, extra], ignore_index=True), test_days=30)
    # m2 returned "x" (flagged) and m1 cancelled "y" (negative quantity, flag missing): neither is relevant
    assert holdout_truth(split) == {"m2": {"d"}, "m1": {"z"}}
    assert holdout_truth(split, new_items_only=False) == {"m1": {"a", "z"}, "m2": {"d"}}


def test_time_split_fraction_and_errors():
    split = time_split(_lines(), test_days=None, test_fraction=0.5)
    assert len(split.test) == 3
    with pytest.raises(DataValidationError):
        time_split(_lines(), test_fraction=1.5)
    with pytest.raises(DataValidationError):
        time_split(_lines().rename(columns={"ordered_at": "t"}))
