"""Recommendations from orders: popularity, item-kNN, ALS, association rules, content, a tuned hybrid.

Public API::

    # fitting (scikit-learn style; every recommender follows BaseRecommender)
    build_interactions(lines, catalogue, as_of=None, ...) -> Interactions
    load_interactions(ws, as_of=None) -> Interactions
    PopularityRecommender, SegmentPopularityRecommender, ItemKNNRecommender, ALSRecommender,
    RulesRecommender, ContentSignal, HybridRecommender
    recommender.fit(interactions) -> recommender
    recommender.recommend(member_id, k=10, exclude_bought=True) -> list[Recommendation]
    AssociationRules(...).fit(baskets, product_ids, catalogue) -> .rules(...), .bought_together(...)
    ItemCFRating(...).fit(ratings, ...) -> .predict(member_id, product_id)

    # built models of a workspace (``memberinsight build`` step "recommenders")
    recommend_products(ws, member_id, k=10, model="hybrid") -> list[Recommendation]
    association_rules(ws, category=None, min_lift=None, ...) -> list[Rule]
    bought_together(ws, product_id, k=10) -> list[Rule]
    predict_rating(ws, member_id, product_id) -> float
    next_best_offer(ws, segment=None, member_ids=None) -> NextBestOffer

    # evaluations
    evaluate_recommenders(ws, k=10, test_days=90) -> RecommenderEvaluation
    evaluate_ratings(ws, folds=5) -> RatingEvaluation
"""

from __future__ import annotations

from memberinsight.models.recommenders.als import ALSRecommender
from memberinsight.models.recommenders.base import SIGNALS, BaseRecommender, Explanation, Recommendation
from memberinsight.models.recommenders.build import build_recommenders, fit_recommenders, load_recommender
from memberinsight.models.recommenders.content import ContentSignal
from memberinsight.models.recommenders.evaluate import (
    ModelResult,
    RecommenderEvaluation,
    evaluate_recommenders,
)
from memberinsight.models.recommenders.hybrid import HybridRecommender
from memberinsight.models.recommenders.interactions import Interactions, build_interactions, load_interactions
from memberinsight.models.recommenders.itemknn import ItemKNNRecommender
from memberinsight.models.recommenders.next_best_offer import (
    BundleOffer,
    Incentive,
    NextBestOffer,
    OfferProduct,
    next_best_offer,
)
from memberinsight.models.recommenders.popularity import PopularityRecommender, SegmentPopularityRecommender
from memberinsight.models.recommenders.rating import ItemCFRating, RatingEvaluation, evaluate_ratings
from memberinsight.models.recommenders.rules import AssociationRules, Rule, RulesRecommender
from memberinsight.models.recommenders.service import (
    association_rules,
    bought_together,
    predict_rating,
    recommend_products,
)

__all__ = [
    "SIGNALS",
    "ALSRecommender",
    "AssociationRules",
    "BaseRecommender",
    "BundleOffer",
    "ContentSignal",
    "Explanation",
    "HybridRecommender",
    "Incentive",
    "Interactions",
    "ItemCFRating",
    "ItemKNNRecommender",
    "ModelResult",
    "NextBestOffer",
    "OfferProduct",
    "PopularityRecommender",
    "RatingEvaluation",
    "Recommendation",
    "RecommenderEvaluation",
    "Rule",
    "RulesRecommender",
    "SegmentPopularityRecommender",
    "association_rules",
    "bought_together",
    "build_interactions",
    "build_recommenders",
    "evaluate_ratings",
    "evaluate_recommenders",
    "fit_recommenders",
    "load_interactions",
    "load_recommender",
    "next_best_offer",
    "predict_rating",
    "recommend_products",
]
