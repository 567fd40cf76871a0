"""Review-screening risk of every lake review on Spark, equal to the single-box ``screening`` build step's.

What runs where:

* **Whole-set signals on the driver, by the single-box code.** Near-duplicates and rings, product
  mismatch, bursts and reviewer behaviour need every review at once; they are computed by
  :func:`memberinsight.screening.features.compute_signals` over the workspace (edges not persisted),
  exactly as the ``screening`` build step computes them, and broadcast with the review vectors. They
  are *not* computed by Spark aggregates yet.
* **The model per partition.** The workspace's trained :class:`memberinsight.screening.model.ScreeningModel`
  (outlier forest, text classifier, risk model, cross-fitted scores of labelled reviews) is loaded on the
  driver and broadcast; ``mapInPandas`` over the lake's ``reviews`` scores each batch with the build's own
  :func:`memberinsight.screening.screen.score_rows` (scoring frame, instruction floor). Every risk is per
  review, so any partitioning gives the same numbers.

* **Reasons per partition too.** Each row also carries what the build stores for the review queue
  (:func:`memberinsight.screening.screen.explain_rows` over the broadcast whole-set frame: signals, reasons
  with near-duplicate evidence, as JSON), so ``memberinsight lake import`` writes them with the single-box
  :func:`memberinsight.screening.queue.write_scores` and the queue serves them unchanged.

Lake reviews the workspace does not hold get no row (their whole-set signals are unknown); the count is
reported. Output: :data:`SCREENING_SCHEMA` (``risk`` unrounded; the build stores it rounded to 4 places).
``memberinsight lake screen`` also writes the shipped ALS's top-N per member (:mod:`scaleout.als`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.errors import ModelNotReadyError

SCREENING_SCHEMA = ("review_id string, risk double, outlier double, text_logit double, text_prob double, "
                    "method string, product_id string, member_id string, signals string, reasons string")
SCREENING_TABLE = "review_screening"
ALS_TABLE = "member_als_recommendations"


@dataclass
class ReviewScreener:
    """What the executors need: the trained model, the driver's signal rows and vectors, and the settings
    (to re-embed texts with their instructions stripped, as the build does)."""

    model: Any
    signals: pd.DataFrame
    """Signal columns, indexed by review id."""
    texts: dict[str, str]
    vectors: np.ndarray
    row_of: dict[str, int]
    settings: Any
    frame: Any = None
    """The driver's whole-set :class:`SignalFrame` (reviews, signals, near-duplicate edges, vectors): the reasons."""

    def score(self, review_ids: list[str]) -> pd.DataFrame:
        """:data:`SCREENING_SCHEMA` rows of ``review_ids`` (those the workspace holds)."""
        from memberinsight.screening.features import SignalFrame
        from memberinsight.screening.screen import score_rows

        ids = [r for r in review_ids if r in self.row_of]
        if not ids:  # an empty partition, or none of its reviews in the workspace
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
                ("review_id", object), ("risk", float), ("outlier", float), ("text_logit", float),
                ("text_prob", float), ("method", object))})
        rows = np.array([self.row_of[r] for r in ids], dtype=np.int64)
        frame = SignalFrame(reviews=pd.DataFrame({"review_id": pd.Series(ids, dtype=object),
                                                  "text": pd.Series([self.texts[r] for r in ids], dtype=object)}),
                            signals=self.signals.iloc[rows].reset_index(drop=True), edges=pd.DataFrame(),
                            vectors=self.vectors[rows])
        risk, parts = score_rows(frame, self.model, np.arange(len(ids)), self.settings)
        return pd.DataFrame({"review_id": ids, "risk": np.asarray(risk, dtype=np.float64),
                             "outlier": np.asarray(parts["outlier"], dtype=np.float64),
                             "text_logit": np.asarray(parts["text_logit"], dtype=np.float64),
                             "text_prob": np.asarray(parts["text_prob"], dtype=np.float64),
                             "method": self.model.method})


    def explain(self, review_ids: list[str]) -> pd.DataFrame:
        """:data:`SCREENING_SCHEMA` rows of ``review_ids`` (those the workspace holds), scored and explained by
        the build's own :func:`score_rows` / :func:`explain_rows` over the whole-set frame."""
        import json

        from memberinsight.screening.screen import explain_rows, score_rows

        ids = [r for r in review_ids if r in self.row_of]
        if not ids or self.frame is None:
            return self.score(ids).assign(product_id=None, member_id=None, signals=None, reasons=None)
        rows = np.array([self.row_of[r] for r in ids], dtype=np.int64)
        risk, parts = score_rows(self.frame, self.model, rows, self.settings)
        stored = explain_rows(self.frame, self.model, rows, risk, parts)
        return pd.DataFrame({"review_id": ids, "risk": np.asarray(risk, dtype=np.float64),
                             "outlier": np.asarray(parts["outlier"], dtype=np.float64),
                             "text_logit": np.asarray(parts["text_logit"], dtype=np.float64),
                             "text_prob": np.asarray(parts["text_prob"], dtype=np.float64),
                             "method": self.model.method, "product_id": [r.product_id for r in stored],
                             "member_id": [r.member_id for r in stored],
                             "signals": [json.dumps(r.signals, default=float) for r in stored],
                             "reasons": [json.dumps(r.reasons, default=str) for r in stored]})


def load_screener(ws: Any, settings: Any) -> ReviewScreener:
    """The workspace's trained screening model and its reviews' whole-set signals (computed on the driver)."""
    from memberinsight.screening.features import compute_signals
    from memberinsight.screening.model import load_model
    from memberinsight.screening.vectors import embedder_id

    model = load_model(ws)
    if model is None or model.embedder_id != embedder_id(settings):
        raise ModelNotReadyError("the workspace has no screening model for this embedder; run `memberinsight build`")
    frame = compute_signals(ws, settings, persist_edges=False)
    ids = [str(r) for r in frame.reviews["review_id"]]
    return ReviewScreener(model=model, signals=frame.signals.reset_index(drop=True),
                          texts=dict(zip(ids, frame.reviews["text"].astype(object), strict=True)),
                          vectors=np.asarray(frame.vectors), row_of={r: i for i, r in enumerate(ids)},
                          settings=settings, frame=replace(frame, timings={}))


def screen_lake_reviews(spark: Any, screener: ReviewScreener) -> tuple[Any, int]:
    """Risk of every review of the registered lake (a Spark DataFrame of :data:`SCREENING_SCHEMA`) and the
    number of lake reviews left unscored because the workspace does not hold them."""
    shared = spark.sparkContext.broadcast(screener)

    def score_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield shared.value.explain([str(r) for r in batch["review_id"]])

    reviews = spark.sql("SELECT review_id FROM reviews WHERE review_id IS NOT NULL")
    known = spark.createDataFrame(pd.DataFrame({"review_id": list(screener.row_of)}), "review_id string")
    missing = reviews.join(known, "review_id", "left_anti").count()
    return reviews.mapInPandas(score_batches, SCREENING_SCHEMA), int(missing)


def screen_on_spark(settings: Any, ws: Any, lake: str, out: str | None = None, spark: Any = None,
                    als_k: int = 10) -> dict[str, Any]:
    """Screen every review of the lake at ``lake`` with workspace ``ws``'s trained model; writes
    ``OUT/review_screening`` (default OUT: ``LAKE/_outputs``) and, with ``als_k``, the shipped ALS's top-``als_k``
    per member (``OUT/member_als_recommendations``); returns what was done."""
    import time

    from memberinsight.scaleout.lake import register_lake, table_uri
    from memberinsight.scaleout.session import spark_session

    screener = load_screener(ws, settings)  # on the driver: whole-set signals, the single-box code
    spark = spark or spark_session(settings)
    out = out or table_uri(lake, "_outputs")
    started = time.perf_counter()
    register_lake(spark, lake)
    scores, missing = screen_lake_reviews(spark, screener)
    scores.write.mode("overwrite").parquet(table_uri(out, SCREENING_TABLE))
    rows = spark.read.parquet(table_uri(out, SCREENING_TABLE)).count()
    info = {"table": table_uri(out, SCREENING_TABLE), "rows": int(rows), "not_in_workspace": missing,
            "method": screener.model.method, "seconds": round(time.perf_counter() - started, 2),
            "signals": "whole-set signals computed on the driver by the single-box code; model per partition"}
    if als_k:
        info["als"] = _write_als(spark, ws, table_uri(out, ALS_TABLE), als_k)
    return info


def _write_als(spark: Any, ws: Any, uri: str, k: int) -> dict[str, Any]:
    """The shipped ALS's top-``k`` of every lake member at ``uri`` (skipped, with the reason, without ALS)."""
    from memberinsight.scaleout.als import load_als, recommend_als

    try:
        scorer, members = load_als(ws)
    except ModelNotReadyError as exc:
        return {"skipped": str(exc)}
    recommend_als(spark, scorer, members, k).write.mode("overwrite").parquet(uri)
    return {"table": uri, "rows": int(spark.read.parquet(uri).count()), "k": k, "version": scorer.version}
