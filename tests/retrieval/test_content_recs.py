"""Content-based recommendations: exclusions, reasons, negatives, diversity, and the time-split evaluation."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from memberinsight.errors import DataValidationError, ModelNotReadyError, NotFoundError
from memberinsight.retrieval import (
    ContentRecommender,
    evaluate_content,
    recommend_for_member,
    recommend_for_segment,
)

REASON = re.compile(r"^similar to .+ you bought on \d{4}-\d{2}-\d{2}$")


def _active_members(ws, n: int) -> list[str]:
    with ws.analytics(read_only=True) as con:
        return [r[0] for r in con.execute(
            "SELECT member_id FROM orders WHERE member_id IS NOT NULL GROUP BY member_id "
            "HAVING count(DISTINCT product_id) >= 5 ORDER BY member_id LIMIT ?", [n]).fetchall()]


def test_member_recommendations_exclude_bought_and_carry_reasons(indexed_workspace, retrieval_settings):
    for member in _active_members(indexed_workspace, 3):
        with indexed_workspace.analytics(read_only=True) as con:
            bought = {r[0] for r in con.execute("SELECT product_id FROM orders WHERE member_id = ?", [member]).fetchall()}
            titles = dict(con.execute("SELECT product_id, title FROM products").fetchall())
        recs = recommend_for_member(indexed_workspace, member, k=10, settings=retrieval_settings)
        assert len(recs) == 10
        assert not {r.product_id for r in recs} & bought
        assert len({r.product_id for r in recs}) == 10
        for r in recs:
            assert REASON.match(r.reason), r.reason
            assert r.because_product_id in bought and titles[r.because_product_id] in r.reason


def test_unknown_member_and_bad_k(indexed_workspace, retrieval_settings):
    with pytest.raises(NotFoundError):
        recommend_for_member(indexed_workspace, "NO-SUCH-MEMBER", settings=retrieval_settings)
    with pytest.raises(DataValidationError):
        recommend_for_member(indexed_workspace, _active_members(indexed_workspace, 1)[0], k=0,
                             settings=retrieval_settings)


def test_member_without_orders_gets_popular_items_with_that_reason(indexed_workspace, retrieval_settings):
    with indexed_workspace.analytics(read_only=True) as con:
        member = con.execute("SELECT member_id FROM members WHERE member_id NOT IN "
                             "(SELECT member_id FROM orders WHERE member_id IS NOT NULL) "
                             "AND member_id NOT IN (SELECT member_id FROM reviews WHERE member_id IS NOT NULL) "
                             "LIMIT 1").fetchone()[0]
    recs = recommend_for_member(indexed_workspace, member, k=5, settings=retrieval_settings)
    assert len(recs) == 5 and all(r.reason.startswith("popular with members") for r in recs)


def test_segment_recommendations(indexed_workspace, retrieval_settings):
    members = _active_members(indexed_workspace, 25)
    recs = recommend_for_segment(indexed_workspace, members, k=8, settings=retrieval_settings)
    assert len(recs) == 8
    assert all(re.match(r"^similar to .+, bought by \d+ members? of this segment$", r.reason) for r in recs)
    fresh = recommend_for_segment(indexed_workspace, members, k=8, settings=retrieval_settings, exclude_bought=True)
    with indexed_workspace.analytics(read_only=True) as con:
        con.register("seg", pd.DataFrame({"member_id": members}))
        bought = {r[0] for r in con.execute(
            "SELECT DISTINCT product_id FROM orders WHERE member_id IN (SELECT member_id FROM seg)").fetchall()}
    assert not {r.product_id for r in fresh} & bought
    with pytest.raises(DataValidationError):
        recommend_for_segment(indexed_workspace, [], settings=retrieval_settings)


def _toy_catalogue():
    """Two clusters of products along two axes (A*: axis 0, B*: axis 1) plus a neutral axis."""
    ids = ["A1", "A2", "A3", "B1", "B2", "B3"]
    v = np.array([[1, 0, 0.1], [0.95, 0.05, 0.2], [0.9, 0, 0.3], [0, 1, 0.1], [0.05, 0.95, 0.2], [0, 0.9, 0.3]],
                 dtype=np.float32)
    return ids, v / np.linalg.norm(v, axis=1, keepdims=True)


def _lines(rows):
    return pd.DataFrame(rows, columns=["member_id", "product_id", "ordered_at", "quantity", "is_return"]).assign(
        ordered_at=lambda d: pd.to_datetime(d["ordered_at"]))


def test_returns_and_low_ratings_push_away():
    ids, v = _toy_catalogue()
    lines = _lines([
        ("m1", "A1", "2024-05-01", 1, False), ("m1", "B1", "2024-05-02", 1, False),
        ("m1", "B1", "2024-05-10", -1, True),  # returned B1
        ("m2", "A1", "2024-05-01", 1, False), ("m2", "B1", "2024-05-02", 1, False),
    ])
    ratings = pd.DataFrame({"member_id": ["m2"], "product_id": ["B1"], "rating": [1],
                            "created_at": pd.to_datetime(["2024-05-05"])})
    model = ContentRecommender(mmr_lambda=1.0).fit(ids, v, lines, ratings, as_of=pd.Timestamp("2024-06-01"))
    for member in ("m1", "m2"):
        recs = model.recommend(member, k=4, diversify=False)
        assert {r.product_id for r in recs[:2]} == {"A2", "A3"}, member
        assert recs[2].score < 0  # B-like products are pushed below zero
        assert {r.product_id for r in recs}.isdisjoint({"A1", "B1"})
        assert all(r.because_product_id == "A1" for r in recs)  # a returned / disliked item is never the reason
    neutral = ContentRecommender().fit(ids, v, lines[lines["member_id"] == "m2"], None, as_of=pd.Timestamp("2024-06-01"))
    assert neutral.taste_[0] @ v[3] > model.taste_[model.members_["m2"]] @ v[3]


def test_recency_weighting_follows_recent_purchases():
    ids, v = _toy_catalogue()
    lines = _lines([("m", "A1", "2022-01-01", 1, False), ("m", "B1", "2024-05-20", 1, False)])
    recs = ContentRecommender(half_life_days=90).fit(ids, v, lines, as_of=pd.Timestamp("2024-06-01")).recommend("m", 2)
    assert recs[0].product_id.startswith("B")
    assert recs[0].because_at == pd.Timestamp("2024-05-20").to_pydatetime()


def test_use_before_fit_raises():
    with pytest.raises(ModelNotReadyError):
        ContentRecommender().recommend("m1")


@pytest.mark.slow
def test_beats_popularity_on_the_demo_time_split(indexed_workspace, retrieval_settings):
    result = evaluate_content(indexed_workspace, retrieval_settings, k=10, test_days=90)
    content, popularity = result.methods["content"], result.methods["popularity"]
    assert result.users >= 200
    assert content["recall@10"] > popularity["recall@10"]
    assert content["ndcg@10"] > popularity["ndcg@10"]
    assert content["coverage@10"] > 5 * popularity["coverage@10"]
    # MMR makes lists more diverse than pure similarity ranking
    assert content["intra_list_similarity"] < result.methods["content_no_diversity"]["intra_list_similarity"]


def test_segment_taste_of_a_saved_segment_s_members(indexed_copy, retrieval_settings):
    from memberinsight.errors import NotFoundError
    from memberinsight.segments import resolve_segment_members, save_segment

    ws = indexed_copy
    with ws.analytics(read_only=True) as con:
        city = con.execute("SELECT city FROM members GROUP BY city ORDER BY count(*) DESC, city LIMIT 1").fetchone()[0]
    save_segment(ws, "Big city members", {"where": {"field": "city", "op": "=", "value": city}}, owner="test")
    members = resolve_segment_members(ws, "Big city members")
    assert len(members) > 20
    by_name = recommend_for_segment(ws, resolve_segment_members(ws, "big city members"), k=6,
                                    settings=retrieval_settings)
    assert by_name == recommend_for_segment(ws, members, k=6, settings=retrieval_settings)
    assert len(by_name) == 6 and all("of this segment" in r.reason for r in by_name)
    with pytest.raises(NotFoundError, match="Big city members"):
        resolve_segment_members(ws, "No such segment")
    with pytest.raises(DataValidationError, match="member ids"):
        recommend_for_segment(ws, "Big city members", settings=retrieval_settings)
