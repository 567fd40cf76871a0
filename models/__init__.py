"""Member analytics: features, RFM segments, clusters, churn, purchase frequency / CLV, demand
forecasts, member profiles, model persistence and evaluation.

Public API (import from here; submodules load lightgbm / scikit-learn / statsmodels lazily)::

    compute_features(con, as_of=None, categories=None) -> DataFrame     # SQL features, no leakage past as_of
    build_features / build_segments / build_churn / build_clv / build_demand(ws, settings) -> dict
    segment_summary(ws, by="rfm"|"cluster") -> list[SegmentStats]
    compare_segments(ws, a, b) -> SegmentComparison
    at_risk_members(ws, min_clv=0.0, limit=20, min_churn=0.5, member_ids=None) -> list[AtRiskMember]
    category_forecast(ws, category, weeks=12) -> CategoryForecast
    prediction_quality(ws, settings=None) -> PredictionQuality           # deciles on the latest holdout
    model_choices(ws) -> list[Choice]         # champion / challenger: what ships, every candidate's metrics
    shipped_models(ws) -> list[ShippedModel]  # one plain line per prediction and for the recommender
    group_outlook(ws, member_ids, group) -> GroupOutlook                # expected sums with 80% intervals
    segment_outlooks(ws, by="rfm"|"cluster") -> list[GroupOutlook]
    member_ranges(ws, member_ids) -> DataFrame                          # per-member expectations and 80% intervals
    validate_data(ws, horizon_days=90) -> DataReport                    # what the data allows, in words
    member_profile(ws, member_id, include_personal=False) -> MemberProfile
    evaluate_analytics(ws, horizon_days=90, random_state=42) -> AnalyticsEvaluation
    data_fingerprint(con) -> dict                                        # rows + content hash of the canonical tables
    BetaGeoModel, GammaGammaModel, StatisticalCLV, CLVModel, ChurnModel, ClusterModel, ModelStore
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "compute_features": "models.features",
    "latest_order_date": "models.features",
    "CORE_COLUMNS": "models.features",
    "build_features": "models.build",
    "build_segments": "models.build",
    "build_churn": "models.build_predictions",
    "build_clv": "models.build_predictions",
    "build_demand": "models.build",
    "PREDICTION_COLUMNS": "models.build",
    "SegmentStats": "models.queries",
    "SegmentComparison": "models.queries",
    "MetricDifference": "models.queries",
    "AtRiskMember": "models.queries",
    "segment_summary": "models.queries",
    "compare_segments": "models.queries",
    "resolve_segment": "models.queries",
    "at_risk_members": "models.queries",
    "category_forecast": "models.queries",
    "forecast_categories": "models.queries",
    "prediction_quality": "models.queries",
    "model_choices": "models.queries",
    "GroupOutlook": "models.group_sums",
    "Estimate": "models.group_sums",
    "group_outlook": "models.group_sums",
    "segment_outlooks": "models.group_sums",
    "member_ranges": "models.group_sums",
    "ShippedModel": "models.shipped",
    "shipped_models": "models.shipped",
    "validate_data": "models.validation",
    "DataReport": "models.validation",
    "DataCheck": "models.validation",
    "Choice": "models.candidates",
    "CategoryForecast": "models.demand",
    "ForecastPoint": "models.demand",
    "BacktestResult": "models.demand",
    "MemberProfile": "models.profile",
    "CategoryShare": "models.profile",
    "OrderSummary": "models.profile",
    "member_profile": "models.profile",
    "PredictionQuality": "models.evaluation",
    "BucketReport": "models.evaluation",
    "QualityBucket": "models.evaluation",
    "AnalyticsEvaluation": "models.evaluation",
    "evaluate_analytics": "models.evaluation",
    "SEGMENTS": "models.segments",
    "NO_PURCHASE": "models.segments",
    "BetaGeoModel": "models.bgnbd",
    "GammaGammaModel": "models.bgnbd",
    "StatisticalCLV": "models.clv",
    "CLVModel": "models.clv",
    "ChurnModel": "models.churn",
    "ChurnReason": "models.churn",
    "ClusterModel": "models.clusters",
    "ModelStore": "models.store",
    "ModelManifest": "models.store",
    "data_fingerprint": "models.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
