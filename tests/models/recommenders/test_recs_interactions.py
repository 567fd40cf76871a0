"""Order lines -> implicit-feedback matrix: confidence from quantity and recency, returns, exclusions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.recommenders.interactions import build_interactions

AS_OF = pd.Timestamp("2025-01-31")
CATALOGUE = pd.DataFrame({"product_id": ["A", "B", "C", "D"], "title": ["Apple", "Bread", "Cheese", "Dates"],
                          "category": ["Fruit", "Bakery", "Dairy", "Fruit"], "price": [1.0, 2.0, 3.0, None]})


def _lines() -> pd.DataFrame:
    rows = [  # member, product, order, quantity, days before AS_OF, is_return
        ("m1", "A", "o1", 1, 10, False),
        ("m1", "A", "o2", 3, 40, False),
        ("m1", "B", "o2", 2, 40, False),
        ("m1", "B", "o3", -2, 5, True),     # B returned: net below zero, seen but not liked
        ("m2", "A", "o4", 1, 1, False),
        ("m2", "C", "o4", 1, 1, False),
        (None, "C", "o5", 5, 2, False),     # guest line
        ("m2", "POST", "o4", 1, 1, False),  # not in the catalogue (postage)
        ("m3", "D", "o6", 1, -3, False),    # after AS_OF
    ]
    return pd.DataFrame({
        "member_id": [r[0] for r in rows], "product_id": [r[1] for r in rows], "order_id": [r[2] for r in rows],
        "quantity": [r[3] for r in rows], "ordered_at": [AS_OF - pd.Timedelta(days=r[4]) for r in rows],
        "is_return": [r[5] for r in rows]})


def _expected(qty: int, days: float, half_life: float = 30.0, qw: float = 1.0) -> float:
    return 0.5 ** (days / half_life) * (1 + qw * math.log(qty))


def test_confidence_is_decayed_quantity_weighted_net_of_returns():
    inter = build_interactions(_lines(), CATALOGUE, as_of=AS_OF, half_life_days=30.0, quantity_weight=1.0)
    assert inter.member_ids == ["m1", "m2"]
    assert inter.product_ids == ["A", "B", "C", "D"]
    m1, a, b = inter.row_of("m1"), inter.col_of("A"), inter.col_of("B")
    assert inter.confidence[m1, a] == pytest.approx(_expected(1, 10) + _expected(3, 40), rel=1e-5)
    assert inter.confidence[m1, b] == 0.0  # 2 bought 40 days ago, 2 returned 5 days ago -> net negative
    assert set(inter.banned(m1).tolist()) == {a, b}  # the returned product is still excluded
    assert inter.bought_items(m1).tolist() == [a]
    assert inter.bought_on(m1, a) == (AS_OF - pd.Timedelta(days=10)).date().isoformat()
    assert inter.stats == {"lines": 9, "guest_or_later_lines": 2, "non_catalogue_lines": 1, "used_lines": 6,
                           "members": 2, "products": 4, "pairs": 3, "baskets": 4, "guest_baskets": 1}


def test_quantity_weight_zero_counts_lines_only_and_reweighting_matches_a_refit():
    lines = _lines()
    inter = build_interactions(lines, CATALOGUE, as_of=AS_OF, half_life_days=30.0, quantity_weight=1.0)
    other = inter.weighted(half_life_days=90.0, quantity_weight=0.0)
    direct = build_interactions(lines, CATALOGUE, as_of=AS_OF, half_life_days=90.0, quantity_weight=0.0).confidence
    assert np.allclose(other.toarray(), direct.toarray(), rtol=1e-5)
    assert other[inter.row_of("m1"), inter.col_of("A")] == pytest.approx(0.5 ** (10 / 90) + 0.5 ** (40 / 90), rel=1e-5)
    inter.compact()
    assert inter.weighted() is inter.confidence
    with pytest.raises(ModelNotReadyError):
        inter.weighted(half_life_days=10.0)


def test_popularity_buyers_and_baskets():
    inter = build_interactions(_lines(), CATALOGUE, as_of=AS_OF, popularity_half_life_days=10.0)
    a, c = inter.col_of("A"), inter.col_of("C")
    assert inter.buyers.tolist() == [2, 0, 1, 0]
    assert inter.popularity[a] == pytest.approx(0.5 ** (10 / 10) + 0.5 ** (1 / 10), rel=1e-5)
    assert inter.popularity[c] == pytest.approx(0.5 ** (1 / 10), rel=1e-5)
    baskets = inter.baskets.toarray()
    # o1, o2, o4 and the guest order o5 (o3 holds only a return; postage is not a product; o6 is later)
    assert baskets.shape == (4, 4)
    assert sorted(map(tuple, baskets.astype(int).tolist())) == sorted(
        [(1, 0, 0, 0), (1, 1, 0, 0), (1, 0, 1, 0), (0, 0, 1, 0)])


def test_bought_on_is_the_last_purchase_never_a_return():
    rows = [("m1", "A", "o1", 3, 30, False), ("m1", "A", "o2", -1, 4, True),   # bought, part returned later
            ("m1", "B", "o1", 1, 30, False), ("m1", "B", "o3", 1, 12, False),  # re-bought
            ("m1", "C", "o1", 1, 30, False), ("m1", "C", "o4", -1, 2, None)]   # cancelled (negative qty)
    lines = pd.DataFrame({"member_id": [r[0] for r in rows], "product_id": [r[1] for r in rows],
                          "order_id": [r[2] for r in rows], "quantity": [r[3] for r in rows],
                          "ordered_at": [AS_OF - pd.Timedelta(days=r[4]) for r in rows],
                          "is_return": [r[5] for r in rows]})
    inter = build_interactions(lines, CATALOGUE, as_of=AS_OF, half_life_days=30.0, quantity_weight=1.0)
    m1 = inter.row_of("m1")
    day = lambda n: (AS_OF - pd.Timedelta(days=n)).date().isoformat()  # noqa: E731
    assert inter.confidence[m1, inter.col_of("A")] > 0  # 2 bought, 1 returned: still liked
    assert inter.bought_on(m1, inter.col_of("A")) == day(30)  # not the return's day(4)
    assert inter.bought_on(m1, inter.col_of("B")) == day(12)
    assert inter.bought_on(m1, inter.col_of("C")) == day(30)  # not the cancellation's day(2)
    assert inter.bought_on(m1, inter.col_of("D")) is None
    # recency-weighted popularity counts from the purchase too
    assert inter.popularity[inter.col_of("A")] == pytest.approx(0.5 ** (30 / 60), rel=1e-5)


def test_guest_orders_are_baskets_but_never_members():
    guest = [(None, "C", f"g{i}", 1, 3, False) for i in range(3)] + [(None, "D", f"g{i}", 1, 3, False) for i in range(3)]
    lines = pd.concat([_lines(), pd.DataFrame({
        "member_id": [r[0] for r in guest], "product_id": [r[1] for r in guest], "order_id": [r[2] for r in guest],
        "quantity": [r[3] for r in guest], "ordered_at": [AS_OF - pd.Timedelta(days=r[4]) for r in guest],
        "is_return": [r[5] for r in guest]})], ignore_index=True)
    inter = build_interactions(lines, CATALOGUE, as_of=AS_OF)
    assert inter.member_ids == ["m1", "m2"] and inter.stats["guest_baskets"] == 4
    b = inter.baskets.toarray().astype(bool)
    c, d = inter.col_of("C"), inter.col_of("D")
    assert b.shape[0] == 7 and int((b[:, c] & b[:, d]).sum()) == 3  # the C + D pair lives in guest baskets only


def test_new_product_has_a_column_and_a_description():
    inter = build_interactions(_lines(), CATALOGUE, as_of=AS_OF)
    d = inter.col_of("D")
    assert inter.confidence[:, d].nnz == 0 and inter.buyers[d] == 0
    assert inter.title(d) == "Dates" and inter.category(d) == "Fruit"
    assert inter.row_of("m3") is None and not inter.has_history(None)


def test_bad_input_is_named():
    with pytest.raises(DataValidationError, match="ordered_at"):
        build_interactions(_lines().drop(columns=["ordered_at"]), CATALOGUE)
    with pytest.raises(DataValidationError, match="title"):
        build_interactions(_lines(), CATALOGUE.drop(columns=["title"]))
    with pytest.raises(DataValidationError, match="half"):
        build_interactions(_lines(), CATALOGUE, half_life_days=0)


def test_demo_interactions_cover_every_member_with_orders(rec_inter, rec_data):
    lines = rec_data[0]
    assert rec_inter.n_members == lines["member_id"].nunique()
    assert rec_inter.stats["used_lines"] == len(lines)
    assert rec_inter.confidence.nnz > 0 and rec_inter.confidence.data.min() > 0
