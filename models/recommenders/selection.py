"""Choosing each model's parameters and the hybrid's blend on validation folds of a training period.

Used by both the offline evaluation (on the training part of a time split) and the build step (on
all the data, before the final fit). Folds are successive windows at the end of the period: the
last ``val_days`` days, then the ``val_days`` before, and so on; within a fold, relevant items are
products a member bought in the window that they had not bought before it.

Windows are sized by the members they score, not fixed: ``val_days`` is the shortest window, and
it grows (x1.5, x2, x3, x4) until the latest window scores :data:`MIN_VALIDATION_MEMBERS` members or
the folds no longer fit the history. How many blends the hybrid's tuning tries depends on the same
count (:mod:`.tuning`), and the hybrid ships only when its out-of-fold lead over the best single
model holds on every fold (:mod:`.champion`); otherwise the best single model ships.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.recommenders.als import ALSRecommender
from memberinsight.models.recommenders.base import BaseRecommender
from memberinsight.models.recommenders.champion import (
    Champion,
    bootstrap_margin,
    choose_champion,
    cross_validated_leads,
)
from memberinsight.models.recommenders.content import ContentSignal, load_product_vectors
from memberinsight.models.recommenders.groups import load_member_groups
from memberinsight.models.recommenders.hybrid import HybridRecommender
from memberinsight.models.recommenders.interactions import build_interactions
from memberinsight.models.recommenders.itemknn import ItemKNNRecommender
from memberinsight.models.recommenders.popularity import PopularityRecommender, SegmentPopularityRecommender
from memberinsight.models.recommenders.rules import RulesRecommender
from memberinsight.models.recommenders.tuning import prepare_folds, tune_prepared
from memberinsight.retrieval import evaluate_rankings, holdout_truth, time_split

VAL_FOLDS = 3
"""Validation windows before the held-out period: the default of the build and of ``evaluate recommenders``."""
MIN_VALIDATION_MEMBERS = 200
"""Members a validation window should score before it stops growing."""
WINDOW_STEPS: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 4.0)
"""Multiples of the shortest validation window tried, in order."""

FACTORIES: dict[str, Callable[..., BaseRecommender]] = {
    "popularity": PopularityRecommender, "segment_popularity": SegmentPopularityRecommender,
    "item_knn": ItemKNNRecommender, "als": ALSRecommender, "rules": RulesRecommender, "content": ContentSignal,
}
DEFAULT_GRIDS: dict[str, list[dict[str, Any]]] = {
    # short half-lives (3-14 days) were added after validation folds of the Online Retail data (inside
    # its training period) preferred them: recent purchases say most about the next ones there
    "popularity": [{"half_life_days": 3.0}, {"half_life_days": 7.0}, {"half_life_days": 14.0},
                   {"half_life_days": 60.0}, {"half_life_days": 365.0}],
    "segment_popularity": [{"half_life_days": 14.0}, {"half_life_days": 60.0}, {"half_life_days": 365.0}],
    "item_knn": [{"weighting": "bm25", "neighbours": 100, "half_life_days": 90.0, "quantity_weight": 1.0},
                 {"weighting": "cosine", "neighbours": 100, "half_life_days": 90.0, "quantity_weight": 1.0},
                 {"weighting": "bm25", "neighbours": 300, "half_life_days": 180.0, "quantity_weight": 1.0}],
    "als": [{"factors": 64, "regularization": 0.05, "alpha": 10.0, "half_life_days": 14.0, "quantity_weight": 0.0},
            {"factors": 64, "regularization": 0.05, "alpha": 10.0, "half_life_days": 30.0, "quantity_weight": 0.0},
            {"factors": 64, "regularization": 0.05, "alpha": 10.0, "half_life_days": 180.0, "quantity_weight": 1.0},
            {"factors": 32, "regularization": 1.0, "alpha": 5.0, "half_life_days": 90.0, "quantity_weight": 0.0},
            {"factors": 128, "regularization": 1.0, "alpha": 20.0, "half_life_days": 30.0, "quantity_weight": 0.0}],
    # bulk orders (hundreds of products; many Online Retail guest invoices) drown real pairs: capped
    "rules": [{"half_life_days": 30.0, "max_basket_size": 30}, {"half_life_days": 30.0, "max_basket_size": 50},
              {"half_life_days": 365.0, "max_basket_size": 50}],
    "content": [{"half_life_days": 180.0}],
}


@dataclass
class Selection:
    """What validation chose: parameters and mean validation metrics per model, the blend, and the
    model that ships (the hybrid only when its lead held on every fold, see :mod:`.champion`)."""

    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    validation: dict[str, dict[str, float]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    normalisation: str = "max"
    tuning: dict[str, Any] = field(default_factory=dict)
    folds: list[str] = field(default_factory=list)
    """Cut-off date of each validation fold."""
    window_days: int = 90
    """Length of each validation window (sized by the members it scores)."""
    fold_members: list[int] = field(default_factory=list)
    """Members scored on each fold."""
    fold_ndcg: dict[str, list[float]] = field(default_factory=dict)
    """Validation NDCG@k of each model on each fold."""
    champion: Champion | None = None
    fallbacks: dict[str, str] = field(default_factory=dict)
    """Models that fell back to another on a validation fold, and why."""
    lead_margin: dict[str, float] = field(default_factory=dict)
    """The hybrid's out-of-fold NDCG@k lead over the best single model, pooled over the folds' members,
    with a 95% bootstrap interval (:func:`~.champion.bootstrap_margin`); empty without two folds."""

    @property
    def shipped(self) -> str:
        """The model that ships (``hybrid`` or a single model)."""
        return self.champion.shipped if self.champion else "hybrid"

    def shipped_weights(self) -> dict[str, float]:
        """The hybrid's weights, or ``{model: 1.0}`` when a single model ships."""
        return dict(self.weights) if self.shipped == "hybrid" else {self.shipped: 1.0}

    def summary(self) -> dict[str, Any]:
        """The champion / challenger record for manifests and evaluations."""
        c = self.champion
        return {"shipped": self.shipped, "best_single": c.best_single if c else None,
                "reason": c.reason if c else "", "fold_leads": c.fold_leads if c else [],
                "window_days": self.window_days, "fold_members": self.fold_members, "fold_ndcg": self.fold_ndcg,
                "lead_margin": self.lead_margin}


def fit_model(name: str, params: Mapping[str, Any], interactions: Any, side: Mapping[str, Any]) -> BaseRecommender:
    """A fitted component (``side``: groups for segment popularity; vectors/lines/ratings for content)."""
    model = FACTORIES[name](**params)
    if isinstance(model, ContentSignal):
        return model.fit(interactions, vectors=side.get("vectors"), lines=side.get("lines"), ratings=side.get("ratings"))
    if isinstance(model, SegmentPopularityRecommender):
        return model.fit(interactions, groups=side.get("groups"))
    return model.fit(interactions)


def score_model(model: BaseRecommender, truth: Mapping[str, set], k: int, catalogue: int) -> dict[str, float]:
    """Ranking metrics of a fitted model's top-``k`` lists (``retrieval.metrics``); ``truth`` is keyed
    by member id as a string, like the lists of :meth:`BaseRecommender.recommend_many`."""
    return evaluate_rankings(model.recommend_many(sorted(truth), k), truth, k, catalogue_size=catalogue)


def load_side_data(ws: Any, names: list[str], notes: list[str]) -> dict[str, Any]:
    """Reviews and (when the product index exists) product vectors; drops ``content`` from ``names`` otherwise."""
    with ws.analytics(read_only=True) as con:
        ratings = con.execute("SELECT member_id, product_id, rating, created_at FROM reviews "
                              "WHERE member_id IS NOT NULL").df()
    side: dict[str, Any] = {"ratings": ratings}
    if "content" in names:
        try:
            side["vectors"] = load_product_vectors(ws)
        except ModelNotReadyError as exc:
            names.remove("content")
            notes.append(f"content-based left out: {exc}")
    return side


def validation_window(lines: pd.DataFrame, min_days: int, n_folds: int,
                      min_members: int = MIN_VALIDATION_MEMBERS) -> tuple[int, int]:
    """(days, members scored) of the validation window: the shortest of ``min_days`` x
    :data:`WINDOW_STEPS` whose latest window scores at least ``min_members`` members, as long as
    ``n_folds`` such windows (and half a window of training before them) fit the history."""
    times = pd.to_datetime(lines["ordered_at"])
    span = (times.max() - times.min()).days if len(times) else 0
    chosen = (int(min_days), 0)
    for step in WINDOW_STEPS:
        days = int(round(min_days * step))
        if days != min_days and days * (n_folds + 0.5) > span:
            break
        fold = time_split(lines, test_days=days)
        chosen = (days, len(holdout_truth(fold)) if not fold.train.empty else 0)
        if chosen[1] >= min_members:
            break
    return chosen


def validation_folds(train: pd.DataFrame, val_days: int, n_folds: int) -> list[Any]:
    """Successive validation splits inside ``train``: the last ``val_days`` days, then the ones before."""
    folds, rest = [], train
    for _ in range(max(1, n_folds)):
        if rest.empty:
            break
        fold = time_split(rest, test_days=val_days)
        if fold.train.empty or not holdout_truth(fold):
            break
        folds.append(fold)
        rest = fold.train
    return folds


def mean_metrics(metrics: list[dict[str, float]]) -> dict[str, float]:
    """Key-wise mean of metric dicts."""
    return {key: round(float(sum(m[key] for m in metrics) / len(metrics)), 4) for key in metrics[0]}


def select_and_tune(ws: Any, lines: pd.DataFrame, catalogue: pd.DataFrame, side: Mapping[str, Any],
                    names: list[str], k: int = 10, val_days: int = 90, val_folds: int = VAL_FOLDS,
                    grids: Mapping[str, list[dict[str, Any]]] | None = None, tune: bool = True,
                    on_step: Callable[[str], None] | None = None,
                    min_members: int = MIN_VALIDATION_MEMBERS) -> Selection:
    """Each model's parameters (best mean validation NDCG@k over its grid), the hybrid's blend and the
    champion. ``val_days`` is the shortest validation window; it grows until a fold scores
    ``min_members`` members (:func:`validation_window`)."""
    say = on_step or (lambda _msg: None)
    grids = {**DEFAULT_GRIDS, **(grids or {})}
    days, reach = validation_window(lines, val_days, val_folds, min_members)
    folds = validation_folds(lines, days, val_folds)
    if not folds:
        raise DataValidationError(f"too little history for a {days}-day validation window", column="ordered_at")
    if days != val_days:
        say(f"validation windows of {days} days (the latest scores {reach} members)")
    n_cat = len(catalogue)
    out = Selection(folds=[f"{f.cutoff:%Y-%m-%d}" for f in folds], window_days=days)
    fold_data = []
    for fold in folds:
        inter = build_interactions(fold.train, catalogue, as_of=fold.cutoff)
        fside = {**side, "lines": fold.train, "groups": load_member_groups(ws, as_of=fold.cutoff)}
        fold_data.append((inter, fside, holdout_truth(fold)))
    out.fold_members = [len(tr) for _, _, tr in fold_data]
    chosen: list[dict[str, BaseRecommender]] = [{} for _ in folds]
    for name in names:
        best: tuple[float, dict[str, Any], list[BaseRecommender], list[dict[str, float]]] | None = None
        for params in grids.get(name, [{}]):
            fitted = [fit_model(name, params, inter, fside) for inter, fside, _ in fold_data]
            per_fold = [score_model(m, tr, k, n_cat) for m, (_, _, tr) in zip(fitted, fold_data, strict=True)]
            value = mean_metrics(per_fold)[f"ndcg@{k}"]
            if best is None or value > best[0]:
                best = (value, dict(params), fitted, per_fold)
        assert best is not None
        for i, model in enumerate(best[2]):
            chosen[i][name] = model
        out.params[name], out.validation[name] = best[1], mean_metrics(best[3])
        out.fold_ndcg[name] = [round(m[f"ndcg@{k}"], 4) for m in best[3]]
        why = next((w for w in (m.fallback() for m in best[2]) if w), None)
        if why:
            out.fallbacks[name] = why
        say(f"  {name}: {best[1]} validation NDCG@{k} {best[0]:.4f}{' (' + why + ')' if why else ''}")
    hybrids = [HybridRecommender(c).fit(inter, **fside) for c, (inter, fside, _) in zip(chosen, fold_data, strict=True)]
    leads: list[float] = []
    if tune:
        say("tuning the hybrid's weights on the validation folds")
        prepared = prepare_folds([(h, tr) for h, (_, _, tr) in zip(hybrids, fold_data, strict=True)], k)
        tuned = tune_prepared(prepared, k)
        out.weights, out.normalisation = tuned.weights, tuned.normalisation
        out.tuning = {"chosen_validation_ndcg": tuned.ndcg, "best_validation_ndcg": tuned.best_ndcg,
                      "tolerance": tuned.tolerance, "weightings_tried": tuned.evaluations,
                      "single_validation_ndcg": tuned.single, "search": tuned.search,
                      "validation_members": tuned.members}
        differences: dict[str, float] = {}
        leads = cross_validated_leads(prepared, k, search=tuned.search, differences=differences)
        if differences:
            out.lead_margin = bootstrap_margin(differences, dict.fromkeys(differences, 0.0))
    else:
        out.weights, out.normalisation = dict.fromkeys(names, 1.0), "max"
    per_fold = [score_model(HybridRecommender(c, out.weights, out.normalisation).fit(inter, **fside), tr, k, n_cat)
                for c, (inter, fside, tr) in zip(chosen, fold_data, strict=True)]
    out.validation["hybrid"] = mean_metrics(per_fold)
    out.fold_ndcg["hybrid"] = [round(m[f"ndcg@{k}"], 4) for m in per_fold]
    out.champion = choose_champion({n: v[f"ndcg@{k}"] for n, v in out.validation.items()}, leads, out.weights,
                                   out.fallbacks)
    say(f"shipped: {out.champion.shipped} ({out.champion.reason})")
    return out
