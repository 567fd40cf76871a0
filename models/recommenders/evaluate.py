"""Offline evaluation of every recommender on a time split (``memberinsight evaluate recommenders``).

Protocol (the test window is never used to choose anything):

1. Test split: order lines of the last ``test_days`` days are the test period; relevant items are
   products a member bought in it (purchase lines: return / cancellation lines never count) that
   they had not bought or returned before (members seen in training only). Guest orders are kept
   as baskets for the association rules, never as members.
2. Validation folds carved from TRAIN (:mod:`.selection`): the last ``val_days`` days of it (grown
   until a window scores enough members), then the windows before (``val_folds`` of them). Each
   model's small parameter grid and the hybrid's blend are chosen by NDCG@k averaged over the
   folds, and the model that would ship is chosen: the hybrid only when its out-of-fold lead over
   the best single model held on every fold (:mod:`.champion`).
3. The chosen configurations are refitted on the whole training period and scored on the test split:
   Recall/NDCG/MAP/precision/hit rate@k and catalogue coverage (``retrieval.metrics``). The margins
   "hybrid - best single" and "shipped - best single" (the single model best *on the test window*)
   come with a 95% paired bootstrap interval over the test members; models that fell back to
   another (rules with no baskets -> popularity) are listed in ``fallbacks``.
4. Cold start: members whose first order falls in the test window, scored with shop-wide popularity,
   segment popularity and the hybrid (whose cold-start path is segment popularity: RFM segment as of
   the cut-off, then demographic groups, then the shop; see :mod:`.popularity`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from memberinsight.errors import DataValidationError
from memberinsight.models.recommenders.base import BaseRecommender
from memberinsight.models.recommenders.champion import bootstrap_margin, per_member_ndcg
from memberinsight.models.recommenders.groups import load_member_groups
from memberinsight.models.recommenders.hybrid import HybridRecommender
from memberinsight.models.recommenders.interactions import build_interactions, load_catalogue, load_lines
from memberinsight.models.recommenders.selection import (
    FACTORIES,
    VAL_FOLDS,
    fit_model,
    load_side_data,
    score_model,
    select_and_tune,
)
from memberinsight.retrieval import evaluate_rankings, holdout_truth, purchases_only, time_split


@dataclass
class ModelResult:
    """One model: chosen parameters, mean validation and test metrics, fit seconds on the training period."""

    name: str
    params: dict[str, Any]
    validation: dict[str, float]
    test: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0


@dataclass
class RecommenderEvaluation:
    """Every model's figures on one time split."""

    cutoff: datetime
    test_days: int
    val_days: int
    k: int
    users: int
    catalogue: int
    validation_folds: list[str] = field(default_factory=list)
    val_days_used: int = 0
    """Length of each validation window actually used (grown from ``val_days`` on sparse shops)."""
    models: dict[str, ModelResult] = field(default_factory=dict)
    hybrid_weights: dict[str, float] = field(default_factory=dict)
    normalisation: str = "max"
    best_single: str = ""
    hybrid_beats_all: bool = False
    shipped: str = "hybrid"
    """The model a build on the training period would ship (``hybrid`` or a single model)."""
    shipped_reason: str = ""
    shipped_test: dict[str, float] = field(default_factory=dict)
    """Test metrics of what would ship (a single model ships inside the hybrid, with its cold start)."""
    margins: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``hybrid`` and ``shipped``: NDCG@k minus the best single model's on the test window, with a 95%
    bootstrap interval (``margin``, ``low``, ``high``, ``members``, ``vs``)."""
    champion: dict[str, Any] = field(default_factory=dict)
    """The validation record: window days, members and NDCG per fold, out-of-fold leads."""
    fallbacks: dict[str, str] = field(default_factory=dict)
    cold_start: dict[str, dict[str, float]] = field(default_factory=dict)
    tuning: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def table(self) -> list[dict[str, Any]]:
        """Test figures per model (recall, ndcg, map, coverage at k) plus validation NDCG."""
        k = self.k
        return [{"model": name, "recall": r.test.get(f"recall@{k}"), "ndcg": r.test.get(f"ndcg@{k}"),
                 "map": r.test.get(f"map@{k}"), "coverage": r.test.get(f"coverage@{k}"),
                 "val_ndcg": r.validation.get(f"ndcg@{k}")} for name, r in self.models.items()]


def evaluate_recommenders(ws: Any, k: int = 10, test_days: int = 90, val_days: int | None = None,
                          val_folds: int = VAL_FOLDS, grids: Mapping[str, list[dict[str, Any]]] | None = None,
                          tune: bool = True, models: list[str] | None = None,
                          on_step: Callable[[str], None] | None = None) -> RecommenderEvaluation:
    """Choose parameters and blend on validation folds of the training period, then score on the test split."""
    start = time.perf_counter()
    say = on_step or (lambda _msg: None)
    names = [n for n in (models or list(FACTORIES)) if n in FACTORIES]
    lines, catalogue = load_lines(ws, guests=True), load_catalogue(ws)  # guest orders: baskets for the rules
    if not lines["member_id"].notna().any():
        raise DataValidationError("the workspace has no member orders to evaluate on", column="orders")
    notes: list[str] = []
    side = load_side_data(ws, names, notes)
    split = time_split(lines, test_days=test_days)
    truth = holdout_truth(split)
    if not truth:
        raise DataValidationError(f"no member bought something new in the last {test_days} days", column="ordered_at")
    n_cat = len(catalogue)
    vdays = val_days or test_days
    say(f"validation: up to {val_folds} fold(s) of {vdays} days before {split.cutoff:%Y-%m-%d}")
    sel = select_and_tune(ws, split.train, catalogue, side, names, k, vdays, val_folds, grids, tune, on_step)
    result = RecommenderEvaluation(cutoff=split.cutoff, test_days=test_days, val_days=vdays, k=k, users=len(truth),
                                   catalogue=n_cat, validation_folds=sel.folds, hybrid_weights=sel.weights,
                                   normalisation=sel.normalisation, tuning=sel.tuning, notes=notes,
                                   val_days_used=sel.window_days, shipped=sel.shipped,
                                   shipped_reason=sel.champion.reason if sel.champion else "",
                                   champion=sel.summary())
    say("test: refitting the chosen configurations on the whole training period")
    inter = build_interactions(split.train, catalogue, as_of=split.cutoff)
    tside = {**side, "lines": split.train, "groups": load_member_groups(ws, as_of=split.cutoff)}
    fitted: dict[str, BaseRecommender] = {}
    for name in names:
        t0 = time.perf_counter()
        fitted[name] = fit_model(name, sel.params[name], inter, tside)
        result.models[name] = ModelResult(name, sel.params[name], sel.validation[name],
                                          fit_seconds=round(time.perf_counter() - t0, 3))
        result.models[name].test = score_model(fitted[name], truth, k, n_cat)
    hybrid = HybridRecommender(fitted, sel.weights, sel.normalisation).fit(inter, **tside)
    result.models["hybrid"] = ModelResult(
        "hybrid", {"weights": sel.weights, "normalisation": sel.normalisation}, sel.validation["hybrid"],
        score_model(hybrid, truth, k, n_cat), round(sum(r.fit_seconds for r in result.models.values()), 3))
    singles = {n: r.test[f"ndcg@{k}"] for n, r in result.models.items() if n != "hybrid"}
    result.best_single = max(singles, key=lambda n: singles[n])
    result.hybrid_beats_all = result.models["hybrid"].test[f"ndcg@{k}"] > singles[result.best_single]
    result.fallbacks = {n: why for n, m in fitted.items() if (why := m.fallback())}
    shipped = hybrid if sel.shipped == "hybrid" else HybridRecommender(
        fitted, sel.shipped_weights(), sel.normalisation).fit(inter, **tside)
    members = sorted(truth)
    per_member = {name: per_member_ndcg(model.recommend_many(members, k), truth, k) for name, model in
                  (("best", fitted[result.best_single]), ("hybrid", hybrid), ("shipped", shipped))}
    result.shipped_test = score_model(shipped, truth, k, n_cat)
    for name in ("hybrid", "shipped"):
        result.margins[name] = {**bootstrap_margin(per_member[name], per_member["best"]), "vs": result.best_single}
    result.cold_start = _cold_start(split, fitted, hybrid, k, n_cat)
    result.seconds = round(time.perf_counter() - start, 2)
    return result


def _cold_start(split: Any, fitted: Mapping[str, BaseRecommender], hybrid: HybridRecommender, k: int,
                n_cat: int) -> dict[str, dict[str, float]]:
    """Figures for members with no training history (first order in the test window)."""
    known = set(split.train["member_id"].dropna().astype(str))
    test = purchases_only(split.test)
    test = test[test["member_id"].notna()]
    new = test[~test["member_id"].astype(str).isin(known)]
    truth = {str(m): set(g) for m, g in new.groupby("member_id")["product_id"]}
    if not truth:
        return {}
    out = {}
    for name in ("popularity", "segment_popularity"):
        if name in fitted:
            out[name] = evaluate_rankings(fitted[name].recommend_many(sorted(truth), k), truth, k, catalogue_size=n_cat)
    out["hybrid"] = evaluate_rankings(hybrid.recommend_many(sorted(truth), k), truth, k, catalogue_size=n_cat)
    return out
