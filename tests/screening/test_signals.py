"""Signals on small hand-made data: rings, bursts, account age, mismatch, outliers, rules, models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.screening.risk import FEATURES, RiskModel, feature_matrix, rule_hits, rule_risk
from memberinsight.screening.signals.behaviour import behaviour_signals
from memberinsight.screening.signals.duplicates import duplicate_signals, edges_from_pairs
from memberinsight.screening.signals.mismatch import mismatch_signals
from memberinsight.screening.signals.outliers import BehaviourOutlier
from memberinsight.screening.signals.text_classifier import TextClassifier, style_features


def test_ring_spans_accounts_and_products() -> None:
    ids = ["a", "b", "c", "d", "e", "f"]
    accounts = np.array(["M1", "M2", "M3", "M4", "M5", "M5"], dtype=object)
    products = np.array(["P1", "P2", "P3", "P1", "P1", "P2"], dtype=object)
    pairs = [("a", "b", 0.97), ("b", "c", 0.95), ("d", "e", 0.92), ("e", "f", 0.85)]
    edges = edges_from_pairs(pairs, {r: i for i, r in enumerate(ids)})
    sig = duplicate_signals(edges, accounts, products, threshold=0.9).frame
    assert sig.loc[0, ["ring_accounts", "ring_products", "dup_accounts", "dup_cross_product"]].tolist() == [3, 3, 1, 1]
    assert sig.loc[1, "dup_cross_product"] == 2 and sig.loc[1, "dup_max_sim"] == pytest.approx(0.97)
    assert sig.loc[3, ["ring_accounts", "ring_products", "dup_cross_product"]].tolist() == [2, 1, 0]
    # f only has a pair below the ring threshold: a near miss, not a ring member
    assert sig.loc[5, "ring_id"] == -1 and sig.loc[5, "dup_max_sim"] == pytest.approx(0.85)
    assert sig.loc[0, "ring_id"] == sig.loc[2, "ring_id"] != sig.loc[3, "ring_id"]


def _reviews() -> pd.DataFrame:
    base = pd.Timestamp("2025-01-01")
    rows = []
    for i in range(20):  # steady reviews, one every 10 days, old accounts
        rows.append((f"g{i}", "P1", f"M{i}", 4, base + pd.Timedelta(days=10 * i), True, base - pd.Timedelta(days=400), 5))
    for i in range(6):  # a burst of new accounts on day 100
        rows.append((f"b{i}", "P1", f"N{i}", 5, base + pd.Timedelta(days=100, hours=i), False,
                     base + pd.Timedelta(days=99), 0))
    df = pd.DataFrame(rows, columns=["review_id", "product_id", "member_id", "rating", "created_at",
                                     "verified_purchase", "signup_date", "member_orders"])
    return df


def test_behaviour_burst_and_account_age() -> None:
    df = _reviews()
    b = behaviour_signals(df)
    burst = df["review_id"].str.startswith("b").to_numpy()
    assert (b.loc[burst, "burst_young"] == 5).all()  # the other five burst reviews
    assert (b.loc[burst, "burst_count"] >= 5).all()
    assert (b.loc[burst, "account_age_days"] <= 2).all()
    assert (b.loc[~burst, "account_age_days"] >= 400).all()
    far = ~burst & (df["review_id"] != "g10").to_numpy()  # g10 was posted on the burst day
    assert b.loc[burst, "burst_ratio"].min() > 3 and b.loc[far, "burst_ratio"].max() < 0.5
    assert (b.loc[burst, "rating_deviation"] > 0).all() and (b.loc[burst, "verified"] == 0).all()
    assert b.loc[0, "reviewer_volume"] == 1 and b.loc[0, "rating_extremity"] == 0.5


def test_mismatch_flags_text_about_another_category() -> None:
    rng = np.random.default_rng(0)
    boots, mug = np.eye(8)[0], np.eye(8)[1]
    products = np.vstack([boots, mug]).astype(np.float32)
    reviews = [boots + 0.3 * rng.normal(size=8) * np.r_[0, 0, np.ones(6)] for _ in range(10)] + [mug + 0.05]
    vecs = np.array([v / np.linalg.norm(v) for v in reviews], dtype=np.float32)
    m = mismatch_signals(vecs, np.array(["B"] * 11, dtype=object), ["B", "M"], products,
                         {"B": "Outdoor", "M": "Kitchen"})
    assert m.loc[10, "mismatch_gap"] > 0.5 and m.loc[10, "best_other_product"] == "M"
    assert m.loc[10, "mismatch_z"] < -2
    assert (m.loc[:9, "mismatch_gap"] < 0).all()
    assert m.loc[10, "peer_sim"] < m.loc[:9, "peer_sim"].min()


def _frame(n: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = pd.DataFrame({c: rng.random(n) for c in FEATURES})
    for c in ("dup_accounts", "dup_cross_product", "burst_count", "burst_young"):
        f[c] = 0.0
    f["ring_accounts"], f["ring_products"] = 1.0, 1.0
    f["account_age_days"], f["member_orders"], f["verified"] = 300.0, 4.0, 1.0
    f["burst_ratio"], f["mismatch_z"], f["outlier"] = 1.0, 0.0, 0.5
    return f


def test_rules_fire_on_documented_conditions() -> None:
    f = _frame(4)
    f.loc[0, ["dup_cross_product"]] = 3
    f.loc[1, ["burst_young", "account_age_days"]] = [4, 2]
    f.loc[2, ["mismatch_gap", "mismatch_z"]] = [0.3, -3]
    risk = rule_risk(f)
    hits = rule_hits(f)
    assert hits.loc[0, "ring"] and hits.loc[1, "young_burst"] and hits.loc[2, "mismatch"]
    assert risk[0] == pytest.approx(0.9) and risk[1] == pytest.approx(0.85) and risk[2] == pytest.approx(0.7)
    assert risk[3] == 0.0 and ((risk >= 0) & (risk <= 1)).all()


def test_risk_model_learns_and_refuses_before_fit() -> None:
    f = _frame(300)
    y = (f["text_logit"] + 0.5 * f["mismatch_gap"] > 0.9).astype(int).to_numpy()
    with pytest.raises(ModelNotReadyError):
        RiskModel().predict_proba(f)
    model = RiskModel().fit(f, y)
    p = model.predict_proba(f)
    assert ((p >= 0) & (p <= 1)).all() and p[y == 1].mean() > p[y == 0].mean() + 0.3
    contrib = model.contributions(f)
    assert list(contrib.columns) == list(FEATURES)
    with pytest.raises(DataValidationError, match="signal columns missing"):
        feature_matrix(f.drop(columns=["outlier"]))


def test_outlier_scores_extreme_behaviour_high() -> None:
    rng = np.random.default_rng(3)
    n = 400
    f = pd.DataFrame({"burst_count": rng.poisson(1, n), "burst_ratio": rng.random(n), "burst_young": 0,
                      "account_age_days": rng.uniform(100, 700, n), "reviewer_volume": rng.poisson(2, n) + 1,
                      "member_orders": rng.poisson(5, n) + 1, "verified": 1.0, "rating_deviation": rng.normal(0, 1, n),
                      "rating_extremity": 0.5, "reviewer_extreme_share": rng.random(n)})
    f.loc[0] = [12, 9, 11, 1, 1, 0, 0, 2.5, 1, 1]
    with pytest.raises(ModelNotReadyError):
        BehaviourOutlier().score(f)
    s = BehaviourOutlier(random_state=0).fit(f).score(f)
    assert s[0] >= 0.99 and np.median(s) < 0.7


def test_text_classifier_separates_and_refuses_before_fit() -> None:
    fake = ["Best product ever!!! Five stars!!", "Amazing, buy it now!!! 10/10", "Wow wow wow, love it!!!",
            "Perfect!!! Highly recommend to everyone!!", "Super happy!!! Best purchase ever!!"] * 4
    real = ["The strap frayed after two months but the buckle is solid.",
            "Fits well; the sole is a bit stiff at first, fine after a week.",
            "Kettle boils quickly, lid hinge feels flimsy, descaling is easy.",
            "Colour is darker than the photo and the seams are neat.",
            "Battery lasts about six hours, charging takes two."] * 4
    texts, y = fake + real, np.array([1] * 20 + [0] * 20)
    with pytest.raises(ModelNotReadyError):
        TextClassifier().predict(texts)
    with pytest.raises(DataValidationError):
        TextClassifier().fit(texts[:3], np.array([1, 1, 1]))
    tc = TextClassifier(views=("word", "char_wb", "style")).fit(texts, y, groups=np.arange(40) % 5)
    assert (tc.predict(["Best ever!!! Buy it!!!", "The zip broke after a month of daily use."]) == [1, 0]).all()
    assert set(tc.view_scores(texts)) == {"word", "char_wb", "style"}
    assert style_features(["Hi!", ""]).shape == (2, 12)


def _one_ring_labels() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """12 fakes that are all one near-duplicate ring, and 48 genuine reviews (each its own group)."""
    f = _frame(60, seed=4)
    y = np.r_[np.ones(12), np.zeros(48)].astype(int)
    f.loc[:11, ["dup_cross_product", "ring_accounts", "ring_products", "dup_max_sim"]] = [6, 12, 5, 0.99]
    groups = np.array(["ring:0"] * 12 + [f"review:{i}" for i in range(48)], dtype=object)
    return f, y, groups


def test_stratified_group_folds_keep_groups_whole_and_spread_classes() -> None:
    from memberinsight.screening.folds import stratified_group_folds

    rng = np.random.default_rng(0)
    y = np.r_[np.ones(36), (rng.random(400) < 0.1)].astype(int)
    groups = np.r_[np.repeat(np.arange(3), 12), np.arange(3, 403)]  # three all-fake rings of 12
    folds = stratified_group_folds(y, groups, 3)
    assert len(folds) == 3
    seen = np.zeros(len(y), dtype=int)
    for tr, te in folds:
        seen[te] += 1
        assert not set(groups[tr]) & set(groups[te])
        assert y[tr].sum() >= 24  # every training part keeps fakes of two rings
    assert (seen == 1).all()


def test_cross_fit_risk_survives_every_fake_in_one_ring() -> None:
    """Operators removed one ring (12 reviews) and approved 48 others: the fold that holds the ring out
    has no fake to train on; its rows keep the full model's risk instead of failing the build."""
    from sklearn.model_selection import GroupKFold

    from memberinsight.screening.model import cross_fit_risk, scoring_frame

    f, y, groups = _one_ring_labels()
    text, outlier = f["text_logit"].to_numpy(), f["outlier"].to_numpy()
    features = scoring_frame(f, outlier, text)
    tr, _ = next((tr, te) for tr, te in GroupKFold(n_splits=5).split(features, y, groups) if y[te].sum())
    with pytest.raises(DataValidationError):  # the old fold loop: a training fold without fakes
        RiskModel().fit(features.iloc[tr], y[tr])
    risk, cross_fitted = cross_fit_risk(f, text, outlier, y, groups, np.ones(60))
    assert not cross_fitted[:12].any() and cross_fitted[12:].sum() >= 36
    full = RiskModel().fit(features, y).predict_proba(features)
    assert risk[~cross_fitted] == pytest.approx(full[~cross_fitted])
    assert ((risk >= 0) & (risk <= 1)).all() and risk[:12].min() > risk[12:].max()


def test_labels_from_one_ring_are_not_enough_for_the_model() -> None:
    from memberinsight.screening.risk import enough_labels, label_shortfall

    _, y, groups = _one_ring_labels()
    assert enough_labels(y) and not enough_labels(y, groups)
    assert "1 near-duplicate group" in label_shortfall(y, groups)
    groups[6:12] = "ring:1"
    assert enough_labels(y, groups) and label_shortfall(y, groups) == ""
    assert "needs at least 10" in label_shortfall(y[8:], groups[8:])


def test_text_classifier_with_every_fake_in_one_group() -> None:
    fake = ["Best product ever!!! Five stars!! Buy it now!!"] * 12
    real = [f"Item {i}: the strap frayed after {i % 7 + 1} months but the buckle is solid." for i in range(48)]
    y = np.r_[np.ones(12), np.zeros(48)].astype(int)
    groups = np.r_[np.zeros(12), np.arange(1, 49)]
    tc = TextClassifier(views=("word", "nb_word", "style")).fit(fake + real, y, groups=groups)
    assert not tc.oof_mask_[:12].any() and tc.oof_mask_[12:].sum() >= 30  # the ring's fold trains on one class
    assert tc.inner_auc_ == {}  # no out-of-fold fake: C stays the middle of each grid, nothing is "chosen"
    assert set(tc.C_) == {"word", "nb_word", "style"}
    assert (tc.predict(["Best product ever!!! Buy it now!!", "The strap frayed after a month."]) == [1, 0]).all()


def test_text_classifier_chooses_C_inside_the_training_rows() -> None:
    rng = np.random.default_rng(5)
    words = np.array(["room", "staff", "bed", "view", "lobby", "pool", "bar", "desk", "floor", "door"])
    texts = [" ".join(rng.choice(words, 12)) + (" luxury luxury amazing" if i % 2 else " noisy elevator")
             for i in range(80)]
    y = np.arange(80) % 2
    tc = TextClassifier(views=("word", "style"), grids={"word": (0.01, 1.0), "style": (0.1,)})
    tc.fit(texts, y, groups=np.arange(80) // 10)
    assert tc.C_["style"] == 0.1 and tc.C_["word"] in (0.01, 1.0)
    assert set(tc.inner_auc_) == {"word", "style"} and tc.inner_auc_["word"] > 0.95
    assert tc.oof_mask_.all()
    with pytest.raises(DataValidationError, match="grid"):
        TextClassifier(views=("word",), grids={"word": (0.0,)}).fit(texts, y)
    with pytest.raises(DataValidationError, match="unknown text view"):
        TextClassifier(views=("words",)).fit(texts, y)
