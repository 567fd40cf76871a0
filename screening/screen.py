"""Screening runs: score reviews, explain the scores, fill the queue.

``screen_reviews(ws, settings)`` scores every review; ``new_only=True`` scores only reviews that
are not yet in ``screening_scores`` (the screened table is the watermark, so late-arriving reviews
with old timestamps are still picked up; ``screening.last_run`` in the workspace meta records when).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from memberinsight.config import Settings
from memberinsight.screening.features import SignalFrame, compute_signals, neighbour_evidence, neighbour_map
from memberinsight.screening.model import ScreeningModel, load_model, scoring_frame, train_screening
from memberinsight.screening.queue import ScoreRow, ensure_tables, write_scores
from memberinsight.screening.reasons import build_reasons, json_signals
from memberinsight.screening.risk import FEATURES, INSTRUCTION_FLOOR, RULES, rule_hits, rule_risk
from memberinsight.screening.signals.instructions import strip_instructions

QUEUE_MIN_RISK = 0.5
META_LAST_RUN = "screening.last_run"
_STORED = ("dup_max_sim", "dup_accounts", "dup_cross_product", "ring_accounts", "ring_products", "own_sim",
           "mismatch_gap", "mismatch_z", "peer_sim", "burst_count", "burst_ratio", "burst_young", "account_age_days",
           "reviewer_volume", "member_orders", "verified", "rating_deviation", "rating_extremity",
           "reviewer_extreme_share", "instructions", "outlier", "text_prob")


@dataclass
class ScreeningRun:
    """What one screening run did."""

    scored: int
    queued: int
    refreshed: int
    method: str
    new_only: bool
    total_reviews: int
    labels_fake: int
    labels_genuine: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    top: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    """Why the rule fallback scored instead of the model (empty when the model did)."""


NO_REVIEWS = "the workspace has no reviews to screen"


def review_count(ws) -> int:
    """Reviews stored in the workspace."""
    with ws.analytics(read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM reviews").fetchone()[0])


def screened_ids(ws) -> set[str]:
    """Reviews already scored by an earlier run."""
    ensure_tables(ws)
    with ws.operations() as con:
        return {r[0] for r in con.execute("SELECT review_id FROM screening_scores")}


def text_scores(frame: SignalFrame, model: ScreeningModel, rows: np.ndarray, settings: Settings | None = None
                ) -> np.ndarray:
    """Text-classifier log-odds of ``rows``; a text with instructions to the system is also scored without
    them and keeps the higher score, so an instruction can never make a review look less fake.
    Without ``settings`` the stripped texts reuse the full texts' embeddings."""
    if model.text is None or not len(rows):
        return np.zeros(len(rows))
    texts = frame.reviews["text"].to_numpy(object)[rows].tolist()
    vectors = frame.vectors[rows]
    logit = model.text.decision_function(texts, vectors)
    flagged = np.flatnonzero(frame.signals["instructions"].to_numpy()[rows] >= 1)
    if len(flagged):
        stripped = [strip_instructions(texts[i]) for i in flagged]
        if settings is not None:
            from memberinsight.screening.vectors import encode_texts

            vecs = encode_texts(stripped, settings)
        else:
            vecs = vectors[flagged]
        logit[flagged] = np.maximum(logit[flagged], model.text.decision_function(stripped, vecs))
    return logit


def score_rows(frame: SignalFrame, model: ScreeningModel, rows: np.ndarray, settings: Settings | None = None
               ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Risk of ``rows`` and the intermediate scores (outlier, text log-odds, text probability).

    Labelled rows take their cross-fitted scores; a review whose text gives instructions to the
    system gets at least :data:`screening.risk.INSTRUCTION_FLOOR`."""
    sub = frame.signals.iloc[rows]
    outlier = model.outlier.score(sub)
    ids = frame.reviews["review_id"].to_numpy(object)[rows]
    text_logit = text_scores(frame, model, rows, settings)
    features = scoring_frame(sub, outlier, text_logit)
    if model.risk is not None:
        risk = model.risk.predict_proba(features) if len(rows) else np.zeros(0)
        for i, rid in enumerate(ids):
            if rid in model.oof:
                features.iloc[i, features.columns.get_loc("text_logit")] = model.oof[rid][0]
                risk[i] = model.oof[rid][1]
    else:
        risk = rule_risk(features)
    risk = np.where(features["instructions"].to_numpy() >= 1, np.maximum(risk, INSTRUCTION_FLOOR), risk)
    text_logit = features["text_logit"].to_numpy(float)
    text_prob = 1.0 / (1.0 + np.exp(-text_logit)) if model.text is not None else np.full(len(rows), np.nan)
    return np.clip(risk, 0.0, 1.0), {"outlier": outlier, "text_logit": text_logit, "text_prob": text_prob,
                                     "features": features}


def explain_rows(frame: SignalFrame, model: ScreeningModel, rows: np.ndarray, risk: np.ndarray,
                 parts: dict[str, Any]) -> list[ScoreRow]:
    """Score rows with reasons and evidence for storage."""
    features = parts["features"]
    nmap = neighbour_map(frame.edges)
    contributions = model.risk.contributions(features) if model.risk is not None else None
    hits = rule_hits(features)
    rule_names = [r.name for r in RULES]
    rev = frame.reviews
    out = []
    for i, row in enumerate(rows):
        sig = {k: features.iat[i, features.columns.get_loc(k)] for k in _STORED if k in features.columns}
        sig["text_prob"] = None if np.isnan(parts["text_prob"][i]) else float(parts["text_prob"][i])
        sig["product_id"] = str(rev.at[row, "product_id"])
        sig["best_other_product"] = features.iat[i, features.columns.get_loc("best_other_product")]
        evidence = neighbour_evidence(frame, nmap, int(row))
        contrib = None if contributions is None else {k: float(contributions.iat[i, j])
                                                      for j, k in enumerate(FEATURES)}
        fired = [name for name in rule_names if bool(hits.iat[i, hits.columns.get_loc(name)])]
        reasons = build_reasons(sig, evidence, contrib, fired)
        member = rev.at[row, "member_id"]
        stored = json_signals({k: v for k, v in sig.items() if k in _STORED})
        stored["rules_fired"] = fired
        out.append(ScoreRow(review_id=str(rev.at[row, "review_id"]), product_id=sig["product_id"],
                            member_id=None if member is None else str(member), risk=round(float(risk[i]), 4),
                            method=model.method, signals=stored, reasons=reasons))
    return out


def screen_reviews(ws, settings: Settings, new_only: bool = False, show_progress: bool = False,
                   retrain: bool = False, queue_min_risk: float = QUEUE_MIN_RISK) -> ScreeningRun:
    """Score reviews (all, or only those not screened before), store scores and reasons, fill the queue."""
    from memberinsight.screening.vectors import embedder_id

    start = time.perf_counter()
    ensure_tables(ws)
    if review_count(ws) == 0:
        return ScreeningRun(0, 0, 0, "none", new_only, 0, 0, 0, round(time.perf_counter() - start, 3),
                            note=NO_REVIEWS)
    done = screened_ids(ws) if new_only else set()
    if new_only:
        with ws.analytics(read_only=True) as con:
            all_ids = {r[0] for r in con.execute("SELECT review_id FROM reviews").fetchall()}
        query = all_ids - done
    else:
        query = None
    if query is not None and not query:
        ws.set_meta(META_LAST_RUN, datetime.now(UTC).isoformat(timespec="seconds"))
        return ScreeningRun(0, 0, 0, "none", True, len(done), 0, 0, round(time.perf_counter() - start, 3))
    frame = compute_signals(ws, settings, query_ids=query, show_progress=show_progress)
    timings = dict(frame.timings)
    model = None if retrain else load_model(ws)
    if model is None or model.embedder_id != embedder_id(settings):
        t0 = time.perf_counter()
        model = train_screening(ws, settings, frame=frame, show_progress=show_progress)
        timings["train"] = round(time.perf_counter() - t0, 3)
    pos = frame.row_of()
    rows = np.arange(len(frame.reviews)) if query is None else np.array(sorted(pos[r] for r in query), np.int64)
    t0 = time.perf_counter()
    risk, parts = score_rows(frame, model, rows, settings)
    timings["score"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    scored = explain_rows(frame, model, rows, risk, parts)
    timings["explain"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    counts = write_scores(ws, scored, queue_min_risk)
    timings["store"] = round(time.perf_counter() - t0, 3)
    ws.set_meta(META_LAST_RUN, datetime.now(UTC).isoformat(timespec="seconds"))
    ws.audit("system", "screening.run", "screening", None, detail=json.dumps(
        {"scored": counts["scored"], "queued": counts["queued"], "method": model.method, "new_only": new_only}))
    top = sorted(scored, key=lambda r: -r.risk)[:5]
    return ScreeningRun(
        scored=counts["scored"], queued=counts["queued"], refreshed=counts["refreshed"], method=model.method,
        new_only=new_only, total_reviews=len(frame.reviews), labels_fake=model.n_fake, labels_genuine=model.n_genuine,
        seconds=round(time.perf_counter() - start, 3), timings=timings,
        top=[{"review_id": r.review_id, "risk": r.risk, "reasons": [x["text"] for x in r.reasons[:3]]} for r in top],
        note=model.note)


def build_step(ws, settings: Settings) -> dict[str, Any]:
    """The ``screening`` build step: retrain on current labels (decisions included) and rescreen everything."""
    import sys

    ensure_tables(ws)
    if review_count(ws) == 0:  # e.g. an order export without reviews: nothing to screen, nothing fails
        return {"method": "none", "scored": 0, "queued": 0, "note": NO_REVIEWS}
    frame = compute_signals(ws, settings, show_progress=sys.stderr.isatty())
    model = train_screening(ws, settings, frame=frame)
    rows = np.arange(len(frame.reviews))
    risk, parts = score_rows(frame, model, rows, settings)
    counts = write_scores(ws, explain_rows(frame, model, rows, risk, parts), QUEUE_MIN_RISK)
    ws.set_meta(META_LAST_RUN, datetime.now(UTC).isoformat(timespec="seconds"))
    return {"method": model.method, "labels_fake": model.n_fake, "labels_genuine": model.n_genuine,
            "note": model.note, **counts}
