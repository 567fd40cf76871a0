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
    "compute_features": "memberinsight.models.features",
    "latest_order_date": "memberinsight.models.features",
    "CORE_COLUMNS": "memberinsight.models.features",
    "build_features": "memberinsight.models.build",
    "build_segments": "memberinsight.models.build",
    "build_churn": "memberinsight.models.build_predictions",
    "build_clv": "memberinsight.models.build_predictions",
    "build_demand": "memberinsight.models.build",
    "PREDICTION_COLUMNS": "memberinsight.models.build",
    "SegmentStats": "memberinsight.models.queries",
    "SegmentComparison": "memberinsight.models.queries",
    "MetricDifference": "memberinsight.models.queries",
    "AtRiskMember": "memberinsight.models.queries",
    "segment_summary": "memberinsight.models.queries",
    "compare_segments": "memberinsight.models.queries",
    "resolve_segment": "memberinsight.models.queries",
    "at_risk_members": "memberinsight.models.queries",
    "category_forecast": "memberinsight.models.queries",
    "forecast_categories": "memberinsight.models.queries",
    "prediction_quality": "memberinsight.models.queries",
    "model_choices": "memberinsight.models.queries",
    "GroupOutlook": "memberinsight.models.group_sums",
    "Estimate": "memberinsight.models.group_sums",
    "group_outlook": "memberinsight.models.group_sums",
    "segment_outlooks": "memberinsight.models.group_sums",
    "member_ranges": "memberinsight.models.group_sums",
    "ShippedModel": "memberinsight.models.shipped",
    "shipped_models": "memberinsight.models.shipped",
    "validate_data": "memberinsight.models.validation",
    "DataReport": "memberinsight.models.validation",
    "DataCheck": "memberinsight.models.validation",
    "Choice": "memberinsight.models.candidates",
    "CategoryForecast": "memberinsight.models.demand",
    "ForecastPoint": "memberinsight.models.demand",
    "BacktestResult": "memberinsight.models.demand",
    "MemberProfile": "memberinsight.models.profile",
    "CategoryShare": "memberinsight.models.profile",
    "OrderSummary": "memberinsight.models.profile",
    "member_profile": "memberinsight.models.profile",
    "PredictionQuality": "memberinsight.models.evaluation",
    "BucketReport": "memberinsight.models.evaluation",
    "QualityBucket": "memberinsight.models.evaluation",
    "AnalyticsEvaluation": "memberinsight.models.evaluation",
    "evaluate_analytics": "memberinsight.models.evaluation",
    "SEGMENTS": "memberinsight.models.segments",
    "NO_PURCHASE": "memberinsight.models.segments",
    "BetaGeoModel": "memberinsight.models.bgnbd",
    "GammaGammaModel": "memberinsight.models.bgnbd",
    "StatisticalCLV": "memberinsight.models.clv",
    "CLVModel": "memberinsight.models.clv",
    "ChurnModel": "memberinsight.models.churn",
    "ChurnReason": "memberinsight.models.churn",
    "ClusterModel": "memberinsight.models.clusters",
    "ModelStore": "memberinsight.models.store",
    "ModelManifest": "memberinsight.models.store",
    "data_fingerprint": "memberinsight.models.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
