"""What the CLI, agent tools and UI call: built models in, typed results out."""

from __future__ import annotations

from typing import Any

from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.models.recommenders.base import Recommendation
from memberinsight.models.recommenders.build import RATING_MODEL, load_model, load_recommender
from memberinsight.models.recommenders.rules import AssociationRules, Rule, RulesRecommender

MODELS: tuple[str, ...] = ("hybrid", "popularity", "segment_popularity", "item_knn", "als", "rules", "content")


def _member_exists(ws: Any, member_id: str) -> bool:
    with ws.analytics(read_only=True) as con:
        return con.execute("SELECT 1 FROM members WHERE member_id = ?", [member_id]).fetchone() is not None


def recommend_products(ws: Any, member_id: str, k: int = 10, model: str = "hybrid",
                       exclude_bought: bool = True) -> list[Recommendation]:
    """``k`` recommendations with explanations for a member, from the built ``model`` (default: hybrid)."""
    if model not in MODELS:
        raise DataValidationError(f"model must be one of {', '.join(MODELS)} (got {model!r})", column="model")
    hybrid = load_recommender(ws)
    member_id = str(member_id)
    if hybrid.interactions_.row_of(member_id) is None and not _member_exists(ws, member_id):
        raise NotFoundError(f"member '{member_id}' does not exist")
    if model == "hybrid":
        return hybrid.recommend(member_id, k, exclude_bought)
    if model not in hybrid.components:
        raise NotFoundError(f"the '{model}' recommender was not built (product index missing?); "
                            "run `memberinsight build`")
    return hybrid.components[model].recommend(member_id, k, exclude_bought)


def _rules_model(ws: Any) -> AssociationRules:
    hybrid = load_recommender(ws)
    if "rules" not in hybrid.components:
        raise NotFoundError("association rules were not built; run `memberinsight build`")
    rules = hybrid.components["rules"]
    assert isinstance(rules, RulesRecommender), "the hybrid's rules component is a RulesRecommender"
    return rules.rules_model_


def association_rules(ws: Any, category: str | None = None, min_lift: float | None = None,
                      min_confidence: float | None = None, product_id: str | None = None,
                      limit: int | None = 50) -> list[Rule]:
    """Association rules of the built model, strongest lift first, with the given filters."""
    return _rules_model(ws).rules(category=category, min_lift=min_lift, min_confidence=min_confidence,
                                  product_id=product_id, limit=limit)


def bought_together(ws: Any, product_id: str, k: int = 10, min_lift: float | None = None) -> list[Rule]:
    """"Frequently bought together" for a product: one-to-one rules from it, best confidence first."""
    return _rules_model(ws).bought_together(product_id, k=k, min_lift=min_lift)


def predict_rating(ws: Any, member_id: str, product_id: str) -> float:
    """Predicted star rating (1-5) from the built item-CF rating model."""
    model, _ = load_model(ws, RATING_MODEL)
    return model.predict(member_id, product_id)
