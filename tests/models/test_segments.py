"""RFM scores, the named segment grid, and K-means clusters described in words."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from memberinsight.errors import ModelNotReadyError
from memberinsight.models.clusters import ClusterModel
from memberinsight.models.segments import NO_PURCHASE, SEGMENTS, quintile_scores, rfm_table, segment_name


def test_quintiles_are_balanced_and_ties_share_a_score():
    s = quintile_scores(pd.Series(np.arange(100.0)))
    assert s.value_counts().to_dict() == {1: 20, 2: 20, 3: 20, 4: 20, 5: 20}
    assert s.iloc[0] == 1 and s.iloc[-1] == 5
    assert quintile_scores(pd.Series(np.arange(100.0)), higher_is_better=False).iloc[0] == 5
    tied = quintile_scores(pd.Series([1, 1, 1, 1, 1, 1, 2, 3, 4, 5.0]))
    assert tied.iloc[:6].nunique() == 1
    assert tied.iloc[0] == 1  # a block of one-order buyers bigger than a quintile still scores F=1
    assert quintile_scores(pd.Series([np.nan, 1.0])).isna().iloc[0]


def test_grid_uses_exactly_the_eleven_named_segments():
    names = {segment_name(r, f, m) for r, f, m in itertools.product(range(1, 6), repeat=3)}
    assert names == set(SEGMENTS) and len(SEGMENTS) == 11
    assert segment_name(5, 5, 5) == "Champions"
    assert segment_name(1, 1, 1) == "Lost"
    assert segment_name(1, 5, 5) == "Can't Lose Them"
    assert segment_name(5, 1, 1) == "New"
    assert segment_name(2, 4, 3) == "At Risk"


def test_rfm_table_on_members():
    feats = pd.DataFrame({
        "member_id": [f"m{i}" for i in range(12)],
        "recency_days": [1, 2, 0.5, 400, 500, 600, 50, 60, 70, 80, np.nan, np.nan],
        "frequency": [20, 18, 1, 22, 1, 1, 5, 6, 4, 3, 0, 0],
        "monetary": [900, 800, 4, 950, 5, 7, 300, 200, 150, 120, 0, 0],
    })
    t = rfm_table(feats).set_index("member_id")
    assert t.loc["m0", "rfm_segment"] == "Champions"
    assert t.loc["m3", "rfm_segment"] == "Can't Lose Them"
    assert t.loc["m5", "rfm_segment"] == "Lost"
    assert t.loc["m2", "rfm_segment"] == "New"
    assert (t.loc[["m10", "m11"], "rfm_segment"] == NO_PURCHASE).all()
    assert t.loc[["m10", "m11"], "r_score"].isna().all()
    assert t.loc["m0", "rfm_score"] == "555"
    assert str(t["r_score"].dtype) == "Int64"


def _planted(n: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = np.repeat([0, 1, 2], n // 3)
    df = pd.DataFrame({
        "member_id": [f"m{i}" for i in range(n)],
        "recency_days": np.where(group == 0, rng.uniform(1, 20, n), rng.uniform(200, 400, n)),
        "frequency": np.where(group == 0, rng.integers(15, 25, n), rng.integers(1, 3, n)),
        "monetary": np.where(group == 0, rng.uniform(2000, 3000, n), rng.uniform(20, 60, n)),
        "avg_order_value": np.where(group == 2, rng.uniform(150, 200, n), rng.uniform(40, 60, n)),
        "tenure_days": rng.uniform(300, 400, n),
        "ipt_mean": rng.uniform(20, 30, n), "return_rate": rng.uniform(0, 0.05, n),
        "trend_orders": rng.normal(0, 0.3, n), "distinct_categories": rng.integers(1, 3, n),
        "review_count": rng.integers(0, 2, n),
        "share_garden": np.where(group == 2, rng.uniform(0.8, 1.0, n), rng.uniform(0.0, 0.1, n)),
    })
    df["share_other"] = 1 - df["share_garden"]
    df.attrs["group"] = group
    return df


def test_clusters_find_planted_groups_and_describe_them():
    df = _planted()
    model = ClusterModel(k_min=2, k_max=6, random_state=0).fit(df, {"share_garden": "Garden"})
    assert model.k_ == 3
    labels = model.predict(df)
    truth = df.attrs["group"]
    # every planted group maps to one cluster
    for g in range(3):
        assert pd.Series(labels[truth == g]).value_counts(normalize=True).iloc[0] > 0.95
    vip = model.clusters_[pd.Series(labels[truth == 0]).mode()[0]].label.lower()
    assert "frequent" in vip and "recently active" in vip
    garden = model.clusters_[pd.Series(labels[truth == 2]).mode()[0]].label
    assert "Garden" in garden and "big baskets" in garden
    assert len({c.label for c in model.clusters_}) == 3


def test_cluster_errors():
    with pytest.raises(ModelNotReadyError):
        ClusterModel().predict(_planted())
