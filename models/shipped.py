"""What ships on this shop, in one plain line per prediction and for the recommender.

Read from the model manifests of the latest build (:class:`models.store.ModelStore`) and the stored
build outcome (:mod:`memberinsight.capabilities`):

* per prediction (churn, purchases, spend / CLV, demand): the candidate that shipped, every
  candidate's holdout metric and how much worse each was (:func:`models.candidates.choice_line`);
* the recommender: the model that shipped, each model's validation NDCG@k, the hybrid's
  out-of-fold lead over the best single model with its 95% bootstrap interval, and any model that
  fell back to another ("rules fell back to popularity: no basket holds two or more products");
* a prediction the build could not make says so, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memberinsight.errors import ModelNotReadyError

RECOMMENDER_LABELS = {
    "popularity": "popularity", "segment_popularity": "segment popularity", "item_knn": "item-kNN", "als": "ALS",
    "rules": "rules", "content": "content-based", "hybrid": "hybrid",
}
_UNAVAILABLE_TARGETS = (("churn", "churn", "Churn"), ("purchases", "purchases", "Purchases"),
                        ("spend", "clv", "Spend / CLV"), ("demand", "demand", "Demand"),
                        ("recommender", "recommendations", "Recommender"))


@dataclass(frozen=True)
class ShippedModel:
    """One prediction (or the recommender): what shipped, and the line people read."""

    target: str
    shipped: str | None
    """The candidate that shipped (``None`` when the prediction is not available on this shop)."""
    line: str
    metric: str = ""
    candidates: dict[str, float | None] = field(default_factory=dict)
    """Every candidate's primary metric (holdout RMSE / Brier / sMAPE; validation NDCG for recommenders)."""
    margin: dict[str, Any] = field(default_factory=dict)
    """How far the runner-up (or the hybrid) was: ``{"runner_up", "worse_by"}`` or the recommender's
    ``{"lead", "low", "high", "level", "members"}``."""
    fallbacks: dict[str, str] = field(default_factory=dict)


def _name(model: str) -> str:
    return RECOMMENDER_LABELS.get(model, model)


def _signed(value: float) -> str:
    return f"{value:+.3f}".replace("-", "\u2212")


def recommender_line(metrics: dict[str, Any], k: int = 10) -> ShippedModel:
    """The recommender's :class:`ShippedModel` from its manifest metrics."""
    champ = metrics.get("champion") or {}
    shipped = str(champ.get("shipped") or "hybrid")
    key = f"ndcg@{k}"
    scores = {n: float(m[key]) for n, m in (metrics.get("validation") or {}).items() if key in m}
    line = f"Recommender: {_name(shipped)} chosen"
    if shipped in scores:
        line += f" (validation NDCG@{k} {scores[shipped]:.3f})"
    margin = dict(champ.get("lead_margin") or {})
    best = champ.get("best_single")
    leads = [float(v) for v in champ.get("fold_leads") or []]
    if margin.get("members") and best:
        held = f"ahead on {sum(v > 0 for v in leads)} of {len(leads)} folds" if leads else ""
        verdict = "shipped" if shipped == "hybrid" else "not shipped"
        line += (f"; hybrid's out-of-fold lead over {_name(best)} {_signed(margin['margin'])} NDCG@{k}, 95% CI "
                 f"{_signed(margin['low'])} to {_signed(margin['high'])}" + (f", {held}" if held else "")
                 + f", {verdict}")
    elif champ.get("reason"):
        line += f" ({champ['reason']})"
    others = [f"{_name(n)} {v:.3f}" for n, v in sorted(scores.items(), key=lambda kv: -kv[1]) if n != shipped]
    if others:
        line += "; validation NDCG@" + f"{k}: " + ", ".join(others)
    fallbacks = {str(n): str(w) for n, w in (metrics.get("fallbacks") or {}).items()}
    line += "".join(f". {why[:1].upper()}{why[1:]}" for why in fallbacks.values())
    return ShippedModel("recommender", shipped, line, key, dict(scores),
                        {"lead": margin.get("margin"), "low": margin.get("low"), "high": margin.get("high"),
                         "level": margin.get("level"), "members": margin.get("members")} if margin else {},
                        fallbacks)


def shipped_models(ws: Any) -> list[ShippedModel]:
    """One :class:`ShippedModel` per prediction and the recommender, in the order people read them;
    a prediction the build could not make says why."""
    from memberinsight.capabilities import unavailable_capabilities
    from memberinsight.models.candidates import choice_line
    from memberinsight.models.queries import model_choices
    from memberinsight.models.store import ModelStore

    missing = unavailable_capabilities(ws)
    choices = {c.target: c for c in model_choices(ws)}
    out: list[ShippedModel] = []
    for target, capability, label in _UNAVAILABLE_TARGETS:
        if capability in missing:
            out.append(ShippedModel(target, None, f"{label}: not available on this shop: {missing[capability].reason}"))
            continue
        if target == "recommender":
            try:
                metrics = ModelStore.for_workspace(ws).manifest("recommenders").metrics
            except ModelNotReadyError:
                continue
            out.append(recommender_line(metrics))
            continue
        c = choices.get(target)
        if c is None:
            continue
        out.append(ShippedModel(target, c.champion, choice_line(c), c.metric,
                                {n: m.get(c.metric) for n, m in c.candidates.items()},
                                {"runner_up": c.runner_up, "worse_by": c.margin}))
    return out
