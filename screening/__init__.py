"""Fake-review screening: per-review signals, a combined risk with reasons, and the operator queue.

Public API::

    screen_reviews(ws, settings, new_only=False, retrain=False) -> ScreeningRun
    train_screening(ws, settings) -> ScreeningModel
    build_step(ws, settings) -> dict                      # the ``screening`` build step
    list_queue(ws, status="pending", limit=50) -> list[QueueItem]
    get_item(ws, review_id) -> QueueItem
    decide(ws, review_id, action, user, version, note=None) -> QueueItem   # ConflictError when stale
    assign(ws, review_id, assignee, user, version) -> QueueItem
    queue_counts(ws) -> dict[str, int]
    audit_trail(ws, review_id) -> list[dict]
    evaluate_screening(ws, settings, real_path=None) -> ScreeningEvaluation
    review_evidence(ws, review_id) -> dict                 # text + context, member ids only
    evidence_prompt(ws, review_id) -> str                  # LLM-ready, review text quoted as untrusted
    TextClassifier, RiskModel, BehaviourOutlier, rule_risk, RULES

Decisions come only from scores and operators: review text is data, featurised and never obeyed.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ACTIONS": "memberinsight.screening.queue",
    "STATUSES": "memberinsight.screening.queue",
    "QueueItem": "memberinsight.screening.queue",
    "assign": "memberinsight.screening.queue",
    "audit_trail": "memberinsight.screening.queue",
    "decide": "memberinsight.screening.queue",
    "get_item": "memberinsight.screening.queue",
    "list_queue": "memberinsight.screening.queue",
    "queue_counts": "memberinsight.screening.queue",
    "review_evidence": "memberinsight.screening.evidence",
    "evidence_prompt": "memberinsight.screening.evidence",
    "ScreeningEvaluation": "memberinsight.screening.evaluate",
    "evaluate_screening": "memberinsight.screening.evaluate",
    "ScreeningModel": "memberinsight.screening.model",
    "load_model": "memberinsight.screening.model",
    "train_screening": "memberinsight.screening.model",
    "SIGNAL_LABELS": "memberinsight.screening.reasons",
    "RULES": "memberinsight.screening.risk",
    "RiskModel": "memberinsight.screening.risk",
    "rule_risk": "memberinsight.screening.risk",
    "ScreeningRun": "memberinsight.screening.screen",
    "build_step": "memberinsight.screening.screen",
    "screen_reviews": "memberinsight.screening.screen",
    "BehaviourOutlier": "memberinsight.screening.signals.outliers",
    "TextClassifier": "memberinsight.screening.signals.text_classifier",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy attribute access: importing ``screening`` loads no heavy dependency."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'screening' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
