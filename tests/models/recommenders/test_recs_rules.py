"""Association rules: measures equal a brute-force count; filters; planted complements are found."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from memberinsight.errors import NotFoundError
from memberinsight.models.recommenders.rules import AssociationRules

PRODUCTS = ["A", "B", "C", "D", "E", "F"]
CATALOGUE = pd.DataFrame({"product_id": PRODUCTS, "title": [f"Item {p}" for p in PRODUCTS],
                          "category": ["Food", "Food", "Home", "Home", "Toys", "Toys"]})


def _baskets(seed: int = 3, n: int = 300) -> np.ndarray:
    """Random baskets with two planted pairs (A with B, C with D)."""
    rng = np.random.default_rng(seed)
    b = rng.random((n, len(PRODUCTS))) < np.array([0.3, 0.1, 0.25, 0.1, 0.2, 0.15])
    b[:, 1] |= b[:, 0] & (rng.random(n) < 0.6)
    b[:, 3] |= b[:, 2] & (rng.random(n) < 0.5)
    return b


def _brute(b: np.ndarray, ante: tuple[str, ...], cons: tuple[str, ...]) -> dict[str, float]:
    col = {p: i for i, p in enumerate(PRODUCTS)}
    has = lambda items: b[:, [col[p] for p in items]].all(axis=1)  # noqa: E731
    n = len(b)
    s_a, s_c, s_ac = has(ante).sum() / n, has(cons).sum() / n, has(ante + cons).sum() / n
    return {"support": s_ac, "confidence": s_ac / s_a, "lift": s_ac / s_a / s_c, "antecedent_support": s_a,
            "consequent_support": s_c, "baskets": int(has(ante + cons).sum())}


@pytest.mark.parametrize("algorithm", ["fpgrowth", "apriori"])
def test_measures_equal_a_brute_force_count(algorithm):
    b = _baskets()
    model = AssociationRules(min_support=0.01, min_count=1, min_confidence=0.0, min_lift=0.0, max_len=3,
                             algorithm=algorithm).fit(sparse.csr_matrix(b.astype(np.float32)), PRODUCTS, CATALOGUE)
    rules = model.rules(limit=None)
    n = len(b)
    # every pair and triple above the support threshold yields rules in both directions
    expected = set()
    for size in (2, 3):
        for items in combinations(PRODUCTS, size):
            if _brute(b, items[:1], items[1:])["support"] * n >= 0.01 * n - 1e-9:
                for k in range(1, size):
                    for ante in combinations(items, k):
                        expected.add((ante, tuple(p for p in items if p not in ante)))
    assert {(r.antecedents, r.consequents) for r in rules} == expected
    for r in rules:
        truth = _brute(b, r.antecedents, r.consequents)
        assert r.support == pytest.approx(truth["support"])
        assert r.confidence == pytest.approx(truth["confidence"])
        assert r.lift == pytest.approx(truth["lift"])
        assert r.antecedent_support == pytest.approx(truth["antecedent_support"])
        assert r.consequent_support == pytest.approx(truth["consequent_support"])
        assert r.baskets == truth["baskets"]
    lifts = [r.lift for r in rules]
    assert lifts == sorted(lifts, reverse=True)


def test_filters_by_category_lift_confidence_and_product():
    b = _baskets()
    model = AssociationRules(min_support=0.01, min_count=1, min_confidence=0.0, min_lift=0.0).fit(
        sparse.csr_matrix(b.astype(np.float32)), PRODUCTS, CATALOGUE)
    strong = model.rules(min_lift=1.5, limit=None)
    assert strong and all(r.lift >= 1.5 for r in strong)
    assert {("A",), ("B",)} <= {r.antecedents for r in strong}  # the planted A-B pair
    toys = model.rules(category="toys", limit=None)
    assert toys and all({"E", "F"} & set(r.antecedents + r.consequents) for r in toys)
    assert len(toys) < len(model.rules(limit=None))
    confident = model.rules(min_confidence=0.5, limit=None)
    assert all(r.confidence >= 0.5 for r in confident)
    with_c = model.rules(product_id="C", limit=None)
    assert with_c and all("C" in r.antecedents + r.consequents for r in with_c)
    assert len(model.rules(limit=3)) == 3
    with pytest.raises(NotFoundError, match="Garden"):
        model.rules(category="Garden")


def test_bought_together_lists_one_to_one_rules_by_confidence():
    b = _baskets()
    model = AssociationRules(min_support=0.01, min_count=1, min_confidence=0.0, min_lift=0.0).fit(
        sparse.csr_matrix(b.astype(np.float32)), PRODUCTS, CATALOGUE)
    top = model.bought_together("A", k=5)
    assert top[0].consequents == ("B",) and top[0].consequent_titles == ("Item B",)
    assert all(r.antecedents == ("A",) and len(r.consequents) == 1 and r.lift >= 1.0 for r in top)
    confs = [r.confidence for r in top]
    assert confs == sorted(confs, reverse=True)
    assert "lift" in top[0].label() and "{A} -> {B}" in top[0].label()
    with pytest.raises(NotFoundError):
        model.bought_together("Z")


def test_no_frequent_pairs_gives_no_rules():
    b = np.eye(len(PRODUCTS), dtype=np.float32)  # every basket holds one product
    model = AssociationRules(min_count=1).fit(sparse.csr_matrix(b), PRODUCTS, CATALOGUE)
    assert model.rules() == [] and model.bought_together("A") == []
    assert model.pair_confidence_.nnz == 0


def test_demo_planted_complements_are_bought_together(rec_inter, demo_dir):
    truth = pd.read_csv(demo_dir / "products_truth.csv", dtype=str).dropna(subset=["complements"])
    model = AssociationRules().fit(rec_inter.baskets, rec_inter.product_ids, rec_inter.catalogue)
    found = total = 0
    for pid, comps in zip(truth["product_id"], truth["complements"], strict=True):
        if rec_inter.buyers[rec_inter.col_of(pid)] < 20:
            continue
        total += 1
        found += bool(set(comps.split(";")) & {r.consequents[0] for r in model.bought_together(pid, k=3)})
    assert total >= 15
    assert found / total >= 0.7


def test_rules_are_mined_from_guest_baskets_too():
    """A pair bought together only by guests (no member id) is still a rule: baskets are all orders."""
    from memberinsight.models.recommenders.interactions import build_interactions
    from memberinsight.models.recommenders.rules import RulesRecommender

    at = pd.Timestamp("2025-01-01")
    rows = []
    for i in range(40):  # members buy A with B
        rows += [(f"m{i}", "A", f"o{i}"), (f"m{i}", "B", f"o{i}")]
    for i in range(30):  # guests buy C with D
        rows += [(None, "C", f"g{i}"), (None, "D", f"g{i}")]
    for i in range(30):  # single-item member orders of C and E
        rows += [(f"m{i}", "C" if i % 2 else "E", f"s{i}")]
    lines = pd.DataFrame({"member_id": [r[0] for r in rows], "product_id": [r[1] for r in rows],
                          "order_id": [r[2] for r in rows], "quantity": 1, "is_return": False,
                          "ordered_at": at - pd.Timedelta(days=5)})
    inter = build_interactions(lines, CATALOGUE, as_of=at)
    assert inter.baskets.shape[0] == 100  # 40 member pairs + 30 guest pairs + 30 singles
    model = RulesRecommender(min_support=0.01, min_count=1, min_lift=1.0).fit(inter)
    cd = model.rules_model_.bought_together("C", k=5)
    assert cd and cd[0].consequents == ("D",)
    n_c = 30 + 15  # guest pairs + odd single orders
    assert cd[0].baskets == 30 and cd[0].support == pytest.approx(30 / 100)
    assert cd[0].confidence == pytest.approx(30 / n_c) and cd[0].lift == pytest.approx((30 / n_c) / (30 / 100))
    # a member who bought C gets D from the rule
    recs = model.recommend("m1", k=3)
    assert recs[0].product_id == "D" and recs[0].signal == "rules"


def test_bulk_baskets_are_left_out_of_mining_when_capped():
    """One huge order holding every product would make every pair 'bought together'; with a cap it is
    left out, and support / confidence / lift are counted over the remaining baskets only."""
    b = _baskets()
    bulk = np.ones((3, len(PRODUCTS)), dtype=bool)
    B = sparse.csr_matrix(np.vstack([b, bulk]).astype(np.float32))
    capped = AssociationRules(min_support=0.01, min_count=1, min_confidence=0.0, min_lift=0.0,
                              max_basket_size=5).fit(B, PRODUCTS, CATALOGUE)
    assert capped.bulk_baskets_ == 3 + int((b.sum(axis=1) > 5).sum()) and capped.n_baskets_ == len(b) - int(
        (b.sum(axis=1) > 5).sum())
    kept = b[b.sum(axis=1) <= 5]
    for r in capped.rules(limit=None):
        truth = _brute(kept, r.antecedents, r.consequents)
        assert r.support == pytest.approx(truth["support"]) and r.lift == pytest.approx(truth["lift"])
    uncapped = AssociationRules(min_support=0.01, min_count=1, min_confidence=0.0, min_lift=0.0).fit(
        B, PRODUCTS, CATALOGUE)
    assert uncapped.bulk_baskets_ == 0 and uncapped.n_baskets_ == len(b) + 3
    ef = [r for r in uncapped.rules(limit=None) if r.antecedents == ("E",) and r.consequents == ("F",)][0]
    assert ef.baskets == _brute(np.vstack([b, bulk]), ("E",), ("F",))["baskets"]
