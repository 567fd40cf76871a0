"""Every recommender: the contract, explanations on every item, cold start, exact score decompositions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.recommenders.base import SIGNALS, top_k

MODELS = ["popularity", "segment_popularity", "item_knn", "als", "rules", "content", "hybrid"]
EVIDENCE = {"item_knn", "als", "rules", "content"}  # signals that name a purchased product


@pytest.mark.parametrize("name", MODELS)
def test_every_item_carries_an_explanation_and_nothing_bought_is_recommended(fitted, rec_inter, heavy_buyer, name):
    model = fitted[name]
    recs = model.recommend(heavy_buyer, k=10)
    row = rec_inter.row_of(heavy_buyer)
    bought = {rec_inter.product_ids[i] for i in rec_inter.banned(row)}
    mine = {rec_inter.product_ids[i] for i in rec_inter.bought_items(row)}
    assert len(recs) == 10 and len({r.product_id for r in recs}) == 10
    assert not bought & {r.product_id for r in recs}
    scores = [r.score for r in recs]
    assert scores == sorted(scores, reverse=True)
    for r in recs:
        assert r.signal in SIGNALS and len(r.reason) > 15 and r.title
        if r.signal in EVIDENCE:
            assert r.because_product_id in mine, (name, r)
            assert r.because_product_id in r.reason
        if r.signal == "rules":
            assert r.rule and "lift" in r.rule
    if name == "hybrid":
        assert all(set(r.contributions) == set(model.weights_) for r in recs)


def test_hybrid_explanation_comes_from_the_strongest_signal(fitted, heavy_buyer):
    for r in fitted["hybrid"].recommend(heavy_buyer, k=10):
        lead = max(r.contributions, key=r.contributions.get)
        assert r.signal == lead
        assert r.score == pytest.approx(sum(r.contributions.values()), abs=1e-4)


def test_include_bought_can_return_bought_products(fitted, rec_inter, heavy_buyer):
    recs = fitted["item_knn"].recommend(heavy_buyer, k=40, exclude_bought=False)
    bought = {rec_inter.product_ids[i] for i in rec_inter.bought_items(rec_inter.row_of(heavy_buyer))}
    assert bought & {r.product_id for r in recs}


@pytest.mark.parametrize("name", MODELS)
def test_recommend_many_matches_recommend(fitted, rec_inter, name):
    members = rec_inter.member_ids[:40:3]
    many = fitted[name].recommend_many(members, k=5)
    for m in members:
        assert many[m] == [r.product_id for r in fitted[name].recommend(m, k=5)]


def test_cold_member_gets_the_popular_items_of_their_group(fitted, rec_inter, rec_data, never_bought):
    groups = rec_data[3].set_index("member_id")
    band = groups.at[never_bought, "age_band"]
    recs = fitted["hybrid"].recommend(never_bought, k=5)
    assert all(r.signal == "segment_popularity" and f"age band '{band}'" in r.reason for r in recs)
    # brute force: buyers among members of the same age band, shrunk towards the shop as documented
    seg = fitted["segment_popularity"]
    peers = [m for m in groups.index[groups["age_band"] == band] if rec_inter.has_history(rec_inter.row_of(m))]
    rows = [rec_inter.row_of(m) for m in peers]
    days = (rec_inter.as_of - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    liked = rec_inter.confidence[rows].tocoo()
    last = np.asarray(rec_inter.last_day[np.array(rows)[liked.row], liked.col]).ravel() - 1
    group = np.bincount(liked.col, weights=0.5 ** ((days - last) / seg.half_life_days), minlength=rec_inter.n_products)
    expected = (group + seg.shrinkage * seg.global_) / (len(peers) + seg.shrinkage)
    assert [r.product_id for r in recs] == [rec_inter.product_ids[i] for i in top_k(expected, 5)]


def test_cold_member_gets_their_rfm_segment_popularity(rec_inter, rec_side, never_bought):
    from memberinsight.models.recommenders.popularity import SegmentPopularityRecommender

    groups = rec_side["groups"].copy()
    champions = rec_inter.member_ids[::4]  # a segment assignment, as member_predictions would give
    groups["rfm_segment"] = np.where(groups["member_id"].isin(champions), "Champions", "No Purchases Yet")
    groups.loc[groups["member_id"] == never_bought, "rfm_segment"] = "Champions"
    model = SegmentPopularityRecommender(shrinkage=0.0, half_life_days=1e6).fit(rec_inter, groups=groups)
    recs = model.recommend(never_bought, k=5)
    assert all("segment 'Champions'" in r.reason and r.signal == "segment_popularity" for r in recs)
    rows = [rec_inter.row_of(m) for m in champions]
    buyers = np.asarray((rec_inter.confidence[rows] > 0).sum(axis=0)).ravel()
    top = [rec_inter.product_ids[i] for i in top_k(buyers, 5)]
    assert [r.product_id for r in recs] == top
    for p, r in zip(top, recs, strict=True):
        assert f"{int(buyers[rec_inter.col_of(p)])} of them bought it" in r.reason


def test_unknown_member_without_any_group_gets_shop_popularity(fitted, rec_inter):
    recs = fitted["hybrid"].recommend("nobody-at-all", k=3)
    assert [r.product_id for r in recs] == [rec_inter.product_ids[i] for i in top_k(fitted["segment_popularity"].global_, 3)]
    assert all(r.signal == "popularity" for r in recs)


def test_new_product_is_reachable_through_content(rec_data, rec_side, rec_inter, vectors_of):
    from memberinsight.models.recommenders.hybrid import HybridRecommender
    from memberinsight.models.recommenders.interactions import build_interactions
    from memberinsight.models.recommenders.selection import fit_model

    lines, catalogue, _, _ = rec_data
    one = [m for m in rec_inter.member_ids if len(rec_inter.bought_items(rec_inter.row_of(m))) == 1][0]
    bought = rec_inter.product_ids[rec_inter.bought_items(rec_inter.row_of(one))[0]]
    twin = catalogue[catalogue["product_id"] == bought].assign(product_id="PNEW-1")  # same text, no sales
    catalogue = pd.concat([catalogue, twin], ignore_index=True)
    inter = build_interactions(lines, catalogue)
    side = {**rec_side, "vectors": vectors_of(catalogue)}
    comps = {n: fit_model(n, {}, inter, side) for n in ("popularity", "item_knn", "content")}
    hybrid = HybridRecommender(comps).fit(inter, **side)
    assert inter.buyers[inter.col_of("PNEW-1")] == 0
    assert comps["item_knn"].score_rows(np.array([inter.row_of(one)]))[0][inter.col_of("PNEW-1")] == 0
    assert comps["content"].recommend(one, k=1)[0].product_id == "PNEW-1"
    new = [r for r in hybrid.recommend(one, k=10) if r.product_id == "PNEW-1"]
    assert new and new[0].signal == "content" and new[0].because_product_id == bought


def test_item_knn_score_is_the_sum_of_its_contributions(fitted, rec_inter, heavy_buyer):
    knn = fitted["item_knn"]
    row = rec_inter.row_of(heavy_buyer)
    scores = knn.score_rows(np.array([row]))[0]
    for item in top_k(scores, 5, rec_inter.banned(row)):
        _, parts = knn.contributions(row, int(item))
        assert parts.sum() == pytest.approx(scores[item], rel=1e-4)


def test_als_explanation_decomposes_the_recomputed_score_exactly(fitted, rec_inter, heavy_buyer):
    als = fitted["als"]
    row = rec_inter.row_of(heavy_buyer)
    conf = als.confidence_[row]
    c = 1.0 + als.alpha * conf.data.astype(np.float64)
    Y = als.item_factors_.astype(np.float64)
    Yi = Y[conf.indices]
    A = Y.T @ Y + als.regularization * np.eye(Y.shape[1]) + (Yi * (c - 1)[:, None]).T @ Yi
    x_u = np.linalg.solve(A, (c[:, None] * Yi).sum(axis=0))  # the ALS user solve for these item factors
    for item in (0, 7, 42):
        _, parts = als.contributions(row, item)
        assert parts.sum() == pytest.approx(Y[item] @ x_u, rel=1e-6, abs=1e-9)
    assert np.corrcoef(als.user_factors_[row].astype(np.float64) @ Y.T, Y @ x_u)[0, 1] > 0.9


def test_use_before_fit_and_bad_arguments():
    from memberinsight.models.recommenders import ALSRecommender, HybridRecommender, ItemKNNRecommender

    with pytest.raises(ModelNotReadyError):
        ItemKNNRecommender().recommend("m1")
    with pytest.raises(ModelNotReadyError):
        ALSRecommender().recommend_many(["m1"])
    with pytest.raises(DataValidationError):
        HybridRecommender({"x": ItemKNNRecommender()}, weights={"y": 1.0})._fit(None)


def test_k_must_be_positive(fitted, heavy_buyer):
    with pytest.raises(DataValidationError, match="k"):
        fitted["hybrid"].recommend(heavy_buyer, k=0)
