"""Item-based CF rating prediction: learns taste where there is some, RMSE against baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.recommenders.rating import ItemCFRating


def _taste_ratings(seed: int = 0) -> pd.DataFrame:
    """Two member groups with opposite taste over two product groups; 70% of pairs rated."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(80):
        group = u % 2
        for i in range(20):
            if rng.random() < 0.7:
                likes = (i < 10) == (group == 0)
                rows.append((f"u{u}", f"p{i}", int(np.clip(round((4.6 if likes else 1.6) + rng.normal(0, 0.4)), 1, 5))))
    return pd.DataFrame(rows, columns=["member_id", "product_id", "rating"])


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def test_item_cf_learns_taste_that_baselines_cannot():
    ratings = _taste_ratings()
    test = ratings.sample(frac=0.2, random_state=1)
    train = ratings.drop(test.index)
    model = ItemCFRating(similarity="ratings").fit(train)
    actual = test["rating"].to_numpy(float)
    cf = _rmse(model.predict_many(test), actual)
    base = _rmse(np.array([model.baseline(m, p) for m, p in zip(test["member_id"], test["product_id"], strict=True)]),
                 actual)
    item_mean = _rmse(test["product_id"].map(train.groupby("product_id")["rating"].mean()).to_numpy(float), actual)
    assert cf < 0.6 * base and cf < 0.6 * item_mean
    preds = model.predict_many(test)
    assert preds.min() >= 1.0 and preds.max() <= 5.0


def test_similarity_is_shrunk_pearson_of_residuals():
    ratings = _taste_ratings()
    model = ItemCFRating(similarity="ratings", shrinkage=10.0).fit(ratings)
    i, j = model.items_["p0"], model.items_["p1"]
    R = model.residuals_.toarray()
    both = (model.rated_.toarray()[:, i] > 0) & (model.rated_.toarray()[:, j] > 0)
    a, b = R[both, i], R[both, j]
    expected = (a @ b) / np.sqrt((a @ a) * (b @ b)) * both.sum() / (both.sum() + 10.0)
    assert model.sim_[i, j] == pytest.approx(expected, rel=1e-9)
    assert model.sim_[i, j] > 0.5 and model.sim_[i, model.items_["p15"]] < -0.5


def test_unknown_member_or_product_falls_back_to_the_baseline():
    ratings = _taste_ratings()
    model = ItemCFRating().fit(ratings, sparse.identity(20, format="csr"), [f"p{i}" for i in range(20)])
    assert model.predict("stranger", "p3") == pytest.approx(np.clip(model.mu_ + model.b_item_[model.items_["p3"]], 1, 5))
    assert model.predict("u1", "new-product") == pytest.approx(np.clip(model.baseline("u1", "new-product"), 1, 5))


def test_errors():
    with pytest.raises(ModelNotReadyError):
        ItemCFRating().predict("u", "p")
    with pytest.raises(ModelNotReadyError, match="purchase_similarity"):
        ItemCFRating(similarity="purchases").fit(_taste_ratings())
    with pytest.raises(DataValidationError, match="rating"):
        ItemCFRating().fit(_taste_ratings().drop(columns=["rating"]))
    with pytest.raises(DataValidationError, match="similarity"):
        ItemCFRating(similarity="magic").fit(_taste_ratings())


def test_demo_rating_evaluation(demo_workspace):
    from memberinsight.models.recommenders import evaluate_ratings

    result = evaluate_ratings(demo_workspace, folds=5)
    m = {k: v["rmse"] for k, v in result.methods.items()}
    assert set(m) == {"global_mean", "item_mean", "baseline", "item_cf_ratings", "item_cf_purchases", "item_cf_blend"}
    assert result.reviews > 500
    assert m["item_cf_ratings"] < 0.8 * m["global_mean"]
    assert m["item_cf_ratings"] < m["item_mean"]
    assert m["item_cf_blend"] < m["item_mean"]
