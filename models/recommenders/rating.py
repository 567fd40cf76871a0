"""Item-based collaborative filtering for star ratings, evaluated by RMSE against simple baselines.

Prediction for member *u* and product *i* (Koren's item-kNN with baseline):

    ``r_ui = b_ui + sum_j s_ij (r_uj - b_uj) / (damping + sum_j |s_ij|)`` over the ``neighbours``
    products *j* most similar to *i* that *u* rated, where ``b_ui = mu + b_u + b_i`` (regularised
    biases); ``damping`` pulls the adjustment towards zero when the neighbours are only weakly similar.

Similarity ``s_ij``: ``ratings`` - shrunk Pearson correlation of baseline residuals over co-raters;
``purchases`` - cosine of the two products' buyer columns in the order history (far denser than
reviews); ``blend`` - their average. Predictions are clipped to 1-5.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from memberinsight.errors import DataValidationError, ModelNotReadyError

SIMILARITIES = ("ratings", "purchases", "blend")


class ItemCFRating:
    """Item-kNN rating predictor with regularised baselines (scikit-learn style)."""

    def __init__(self, neighbours: int = 20, similarity: str = "blend", shrinkage: float = 25.0,
                 reg_item: float = 0.5, reg_user: float = 5.0, damping: float = 1.0) -> None:
        self.neighbours = neighbours
        self.similarity = similarity
        self.damping = damping
        self.shrinkage = shrinkage
        self.reg_item = reg_item
        self.reg_user = reg_user

    def fit(self, ratings: pd.DataFrame, purchase_similarity: sparse.spmatrix | None = None,
            product_ids: list[str] | None = None) -> ItemCFRating:
        """Fit on ``ratings`` (member_id, product_id, rating). ``purchase_similarity`` (products x products,
        in ``product_ids`` order) is needed for the ``purchases`` and ``blend`` similarities."""
        if self.similarity not in SIMILARITIES:
            raise DataValidationError(f"similarity must be one of {SIMILARITIES}", column="similarity")
        for col in ("member_id", "product_id", "rating"):
            if col not in ratings.columns:
                raise DataValidationError(f"ratings lack column '{col}'", column=col)
        df = ratings.dropna(subset=["member_id", "product_id", "rating"])
        df = df.groupby([df["member_id"].astype(str), df["product_id"].astype(str)])["rating"].mean().reset_index()
        if df.empty:
            raise DataValidationError("no ratings to fit", column="rating")
        self.users_ = {u: i for i, u in enumerate(sorted(df["member_id"].unique()))}
        items = sorted(set(df["product_id"]) | set(product_ids or []))
        self.items_ = {p: i for i, p in enumerate(items)}
        u = df["member_id"].map(self.users_).to_numpy()
        i = df["product_id"].map(self.items_).to_numpy()
        r = df["rating"].to_numpy(float)
        self.mu_ = float(r.mean())
        n_u, n_i = len(self.users_), len(self.items_)
        self.b_item_ = np.bincount(i, r - self.mu_, n_i) / (np.bincount(i, minlength=n_i) + self.reg_item)
        self.b_user_ = np.bincount(u, r - self.mu_ - self.b_item_[i], n_u) / (
            np.bincount(u, minlength=n_u) + self.reg_user)
        resid = r - self.mu_ - self.b_item_[i] - self.b_user_[u]
        self.residuals_ = sparse.csr_matrix((resid, (u, i)), shape=(n_u, n_i))
        self.rated_ = sparse.csr_matrix((np.ones_like(resid), (u, i)), shape=(n_u, n_i))
        sims = []
        if self.similarity in ("ratings", "blend"):
            sims.append(self._rating_similarity())
        if self.similarity in ("purchases", "blend"):
            if purchase_similarity is None or product_ids is None:
                raise ModelNotReadyError("the purchases similarity needs purchase_similarity and product_ids")
            sims.append(self._aligned(purchase_similarity, product_ids))
        self.sim_ = (sims[0] if len(sims) == 1 else (sims[0] + sims[1]) * 0.5).tocsc()
        return self

    def _rating_similarity(self) -> sparse.csr_matrix:
        """Shrunk Pearson correlation of baseline residuals over the members who rated both products."""
        R = self.residuals_.tocsc()
        num = (R.T @ R).tocoo()
        keep = num.row != num.col
        rows, cols, dot = num.row[keep], num.col[keep], num.data[keep]
        sq = (R.multiply(R).T @ self.rated_).tocsr()  # sq[i, j] = sum of r_ui^2 over members who rated j
        d = np.sqrt(np.asarray(sq[rows, cols]).ravel() * np.asarray(sq[cols, rows]).ravel())
        n = np.asarray((self.rated_.T @ self.rated_).tocsr()[rows, cols]).ravel()
        val = np.divide(dot, d, out=np.zeros_like(dot), where=d > 0) * n / (n + self.shrinkage)
        return sparse.csr_matrix((val, (rows, cols)), shape=num.shape)

    def _aligned(self, sim: sparse.spmatrix, product_ids: list[str]) -> sparse.csr_matrix:
        coo = sparse.coo_matrix(sim)
        to = np.array([self.items_.get(str(p), -1) for p in product_ids])
        a, b = to[coo.row], to[coo.col]
        ok = (a >= 0) & (b >= 0) & (a != b)
        n = len(self.items_)
        return sparse.csr_matrix((coo.data[ok], (a[ok], b[ok])), shape=(n, n))

    def _check(self) -> None:
        if not hasattr(self, "sim_"):
            raise ModelNotReadyError("ItemCFRating is not fitted; call fit() first")

    def baseline(self, member_id: Any, product_id: Any) -> float:
        """``mu + b_u + b_i`` (unknown members / products contribute no bias)."""
        self._check()
        u, i = self.users_.get(str(member_id)), self.items_.get(str(product_id))
        return self.mu_ + (self.b_user_[u] if u is not None else 0.0) + (self.b_item_[i] if i is not None else 0.0)

    def predict(self, member_id: Any, product_id: Any) -> float:
        """Predicted rating (1-5)."""
        self._check()
        base = self.baseline(member_id, product_id)
        u, i = self.users_.get(str(member_id)), self.items_.get(str(product_id))
        if u is None or i is None:
            return float(np.clip(base, 1, 5))
        row = self.residuals_[u]
        rated, resid = row.indices, row.data
        rated_mask = rated != i
        rated, resid = rated[rated_mask], resid[rated_mask]
        if not len(rated):
            return float(np.clip(base, 1, 5))
        s = np.asarray(self.sim_[rated, i].toarray()).ravel()
        top = np.argsort(-np.abs(s), kind="stable")[: self.neighbours]
        s, resid = s[top], resid[top]
        weight = np.abs(s).sum() + self.damping
        adj = float(s @ resid / weight) if weight > 1e-9 else 0.0
        return float(np.clip(base + adj, 1, 5))

    def predict_many(self, pairs: pd.DataFrame) -> np.ndarray:
        """Predictions for a frame with member_id and product_id columns."""
        return np.array([self.predict(m, p) for m, p in zip(pairs["member_id"], pairs["product_id"], strict=True)])


@dataclass
class RatingEvaluation:
    """RMSE / MAE of each predictor over held-out folds of member reviews (random K-fold)."""

    reviews: int
    folds: int
    seed: int
    methods: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per method: rmse and mae over all held-out reviews, and rmse_std across folds."""
    seconds: float = 0.0


def _errors(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    err = predicted - actual
    return {"rmse": round(float(np.sqrt(np.mean(err ** 2))), 4), "mae": round(float(np.mean(np.abs(err))), 4)}


def evaluate_ratings(ws: Any, folds: int = 5, seed: int = 42, neighbours: int = 20) -> RatingEvaluation:
    """K-fold held-out RMSE of global mean, item mean, the bias baseline and item-CF (each similarity).

    Defaults (damping, regularisation) were chosen by cross-validation on a demo shop with another
    seed, not on the data evaluated here.
    """
    from memberinsight.models.recommenders.interactions import load_interactions
    from memberinsight.models.recommenders.itemknn import ItemKNNRecommender

    start = time.perf_counter()
    with ws.analytics(read_only=True) as con:
        ratings = con.execute("SELECT member_id, product_id, rating FROM reviews WHERE member_id IS NOT NULL").df()
    if len(ratings) < 10 * folds:
        raise DataValidationError(f"too few member reviews to evaluate ({len(ratings)})", column="rating")
    inter = load_interactions(ws)
    knn = ItemKNNRecommender(neighbours=200, weighting="cosine", half_life_days=3650.0).fit(inter)
    purchase_sim = knn.similarity_.maximum(knn.similarity_.T)
    fold_of = np.random.default_rng(seed).integers(0, folds, len(ratings))
    predictions: dict[str, np.ndarray] = {}
    for f in range(folds):
        train, test = ratings[fold_of != f], ratings[fold_of == f]
        idx = np.flatnonzero(fold_of == f)
        mu = float(train["rating"].mean())
        item_mean = train.groupby("product_id")["rating"].mean()
        preds = {"global_mean": np.full(len(test), mu),
                 "item_mean": test["product_id"].map(item_mean).fillna(mu).to_numpy(float)}
        for name in SIMILARITIES:
            model = ItemCFRating(neighbours=neighbours, similarity=name).fit(train, purchase_sim, inter.product_ids)
            if name == "ratings":
                preds["baseline"] = np.clip([model.baseline(m, p) for m, p in
                                             zip(test["member_id"], test["product_id"], strict=True)], 1, 5)
            preds[f"item_cf_{name}"] = model.predict_many(test)
        for name, p in preds.items():
            predictions.setdefault(name, np.zeros(len(ratings)))[idx] = p
    actual = ratings["rating"].to_numpy(float)
    out = RatingEvaluation(reviews=len(ratings), folds=folds, seed=seed)
    for name, p in predictions.items():
        per_fold = [float(np.sqrt(np.mean((p[fold_of == f] - actual[fold_of == f]) ** 2))) for f in range(folds)]
        out.methods[name] = {**_errors(actual, p), "rmse_std": round(float(np.std(per_fold)), 4)}
    out.seconds = round(time.perf_counter() - start, 2)
    return out
