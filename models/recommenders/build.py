"""The ``recommenders`` build step: choose, fit and save the recommenders; load them back (cached).

1. Parameters and blend weights are chosen on validation folds at the end of the order history
   (:func:`~models.recommenders.selection.select_and_tune`); with too little history the defaults
   and equal weights are used instead (noted in the manifest). The hybrid ships only when its
   out-of-fold lead over the best single model held on every fold; otherwise the saved hybrid
   carries that single model alone (weight 1), and the manifest and summary say which shipped and
   why. A model that fell back to another (rules with no baskets -> popularity) is named too.
2. Every component and the hybrid are refitted on all order lines and saved as one versioned model
   ``recommenders`` (:class:`models.store.ModelStore`: joblib + manifest with data window, chosen
   parameters and validation metrics). The item-CF rating model is saved as ``rating_cf`` when the
   workspace has enough member reviews.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.recommenders.groups import load_member_groups
from memberinsight.models.recommenders.hybrid import HybridRecommender
from memberinsight.models.recommenders.interactions import build_interactions, load_catalogue, load_lines
from memberinsight.models.recommenders.itemknn import ItemKNNRecommender
from memberinsight.models.recommenders.selection import (
    FACTORIES,
    VAL_FOLDS,
    fit_model,
    load_side_data,
    select_and_tune,
)

MODEL_NAME = "recommenders"
RATING_MODEL = "rating_cf"
MIN_REVIEWS = 50


def fit_recommenders(ws: Any, tune: bool = True, val_days: int = 90, val_folds: int = VAL_FOLDS, k: int = 10,
                     on_step: Callable[[str], None] | None = None) -> tuple[HybridRecommender, dict[str, Any]]:
    """The hybrid (with every component) fitted on all order lines, and what was chosen on validation."""
    say = on_step or (lambda _msg: None)
    lines, catalogue = load_lines(ws, guests=True), load_catalogue(ws)  # guest orders: baskets for the rules
    if not lines["member_id"].notna().any():
        raise DataValidationError("the workspace has no member orders of catalogue products", column="orders")
    names = list(FACTORIES)
    notes: list[str] = []
    side = load_side_data(ws, names, notes)
    info: dict[str, Any] = {"notes": notes}
    params: dict[str, dict[str, Any]] = {n: {} for n in names}
    weights, norm = dict.fromkeys(names, 1.0), "max"
    if tune:
        try:
            sel = select_and_tune(ws, lines, catalogue, side, names, k, val_days, val_folds, on_step=say)
            params, weights, norm = sel.params, sel.shipped_weights(), sel.normalisation
            info.update(validation=sel.validation, tuning=sel.tuning, folds=sel.folds, champion=sel.summary(),
                        tuned_weights=sel.weights)
        except DataValidationError as exc:
            notes.append(f"not tuned ({exc}); default parameters and equal weights")
            info["champion"] = {"shipped": "hybrid", "reason": f"not validated ({exc}): equal-weight hybrid"}
    say("fitting on all order lines")
    inter = build_interactions(lines, catalogue)
    full_side = {**side, "lines": lines, "groups": load_member_groups(ws)}
    components = {n: fit_model(n, params[n], inter, full_side) for n in names}
    hybrid = HybridRecommender(components, weights, norm).fit(inter, **full_side)
    info["fallbacks"] = {n: why for n, c in components.items() if (why := c.fallback())}
    for why in info["fallbacks"].values():
        say(why)
    info.update(params=params, weights=weights, normalisation=norm, stats=inter.stats,
                as_of=inter.as_of.isoformat(), first_order=str(lines["ordered_at"].min()))
    return hybrid, info


def build_recommenders(ws: Any, settings: Any = None) -> dict[str, Any]:
    """Build step entry point: fit, save ``recommenders`` (and ``rating_cf``), return a summary."""
    from memberinsight.models.recommenders.rating import ItemCFRating
    from memberinsight.models.store import ModelStore

    start = time.perf_counter()
    with ws.analytics(read_only=True) as con:
        n_lines = con.execute("SELECT count(*) FROM clean_orders WHERE member_id IS NOT NULL").fetchone()[0]
    if not n_lines:
        return {"skipped": "no member orders"}
    hybrid, info = fit_recommenders(ws)
    hybrid.interactions_.compact()
    store = ModelStore.for_workspace(ws)
    manifest = store.save(
        MODEL_NAME, hybrid,
        data={"as_of": info["as_of"], "first_order": info["first_order"], **info["stats"]},
        features=list(hybrid.components),
        params={"components": info["params"], "weights": info["weights"], "normalisation": info["normalisation"]},
        metrics={"validation": info.get("validation", {}), "tuning": info.get("tuning", {}),
                 "folds": info.get("folds", []), "notes": info["notes"], "champion": info.get("champion", {}),
                 "tuned_weights": info.get("tuned_weights", {}), "fallbacks": info["fallbacks"]})
    store.prune(MODEL_NAME, keep=2)
    champion = info.get("champion", {})
    summary: dict[str, Any] = {"version": manifest.version, "shipped": champion.get("shipped", "hybrid"),
                               "shipped_reason": champion.get("reason", ""), "fallbacks": info["fallbacks"],
                               "weights": info["weights"],
                               "members": info["stats"]["members"], "products": info["stats"]["products"]}
    if "validation" in info:
        summary["validation_ndcg@10"] = {n: m.get("ndcg@10") for n, m in info["validation"].items()}
    with ws.analytics(read_only=True) as con:
        ratings = con.execute("SELECT member_id, product_id, rating FROM reviews WHERE member_id IS NOT NULL").df()
    if len(ratings) >= MIN_REVIEWS:
        knn = hybrid.components["item_knn"]
        assert isinstance(knn, ItemKNNRecommender), "the hybrid's item_knn component is item-kNN"
        sim = knn.similarity_.maximum(knn.similarity_.T)
        rating = ItemCFRating().fit(ratings, sim, hybrid.interactions_.product_ids)
        store.save(RATING_MODEL, rating, data={"reviews": len(ratings)}, params={"similarity": rating.similarity})
        store.prune(RATING_MODEL, keep=2)
        summary["rating_model_reviews"] = len(ratings)
    summary["seconds"] = round(time.perf_counter() - start, 2)
    return summary


@lru_cache(maxsize=8)
def _load_cached(root: str, name: str, version: int, sha: str) -> Any:
    from memberinsight.models.store import ModelStore

    model, _ = ModelStore(Path(root)).load(name, version)
    return model


def load_model(ws: Any, name: str = MODEL_NAME) -> tuple[Any, Any]:
    """The saved model ``name`` and its manifest (loaded once per version; ModelNotReadyError if not built)."""
    from memberinsight.models.store import ModelStore

    store = ModelStore.for_workspace(ws)
    manifest = store.manifest(name)
    return _load_cached(str(store.root), name, manifest.version, manifest.sha256), manifest


def load_recommender(ws: Any) -> HybridRecommender:
    """The built hybrid recommender of a workspace."""
    model, _ = load_model(ws, MODEL_NAME)
    if not isinstance(model, HybridRecommender):
        raise ModelNotReadyError("the saved 'recommenders' model is not a hybrid recommender; rebuild it")
    return model
