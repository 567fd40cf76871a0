"""Prediction-quality buckets on Spark: actual outcome per bucket of predicted score on the latest holdout,
from the same SQL as the DuckDB build (``memberinsight lake quality``).

What runs where:

* **The predictions, on the driver.** The buckets describe the *evaluation* champions (trained on snapshots
  that end at the holdout cutoff ``D - H``, scored as of that cutoff), not the shipped models: the shipped
  ones are refitted on labels up to ``D``, so scoring the holdout with them would grade them on what they
  learnt from. The evaluation models are not stored (the build holds them in memory only), so
  :func:`holdout_predictions` re-runs the models package's own evaluation (:func:`models.evaluation.evaluate_churn`
  / :func:`evaluate_clv`, same horizon, seed and time plan) on the workspace: one number per member and target.
  The `lake score` outputs cannot stand in for them: they are scores as of ``D``, the lake's last day,
  whose outcome window lies after every order the lake holds.
* **The outcome and the buckets, on Spark.** What each member did in ``(cutoff, cutoff + H]`` is
  :data:`models.features.FUTURE_TARGETS_SQL` over the lake's ``clean_orders``, the buckets are
  :data:`models.quality_sql.BUCKET_SQL`; both are the DuckDB text transpiled by :func:`scaleout.dialect.to_spark_sql`.
  Only the join of the two (churned = no purchase order in the window; purchases = purchase days, members
  absent from the window count 0 as in :func:`models.training.snapshot`) is written here.

Output: ``OUT/prediction_quality`` (Parquet, the columns of the workspace's ``prediction_quality`` table,
rounded as the build stores them) and ``OUT/holdout_predictions`` (the driver's inputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

QUALITY_TABLE = "prediction_quality"
PREDICTIONS_TABLE = "holdout_predictions"
QUALITY_COLUMNS = ("kind", "holdout_cutoff", "horizon_days", "bucket", "members", "mean_predicted", "actual",
                   "lift", "overall_actual", "overall_predicted")
QUALITY_SCHEMA = ("kind string, holdout_cutoff date, horizon_days int, bucket int, members int, "
                  "mean_predicted double, actual double, lift double, overall_actual double, overall_predicted double")

SCORES_SQL = """
SELECT p.kind, p.member_id AS tiebreak, p.predicted,
       CASE WHEN p.kind = 'churn' THEN CASE WHEN coalesce(t.future_orders, 0) = 0 THEN 1.0 ELSE 0.0 END
            ELSE coalesce(CAST(t.future_days AS DOUBLE), 0.0) END AS actual
FROM holdout_predictions p LEFT JOIN holdout_outcome t ON t.member_id = p.member_id
"""
"""Each prediction with its member's outcome (the labels of :func:`models.training.snapshot`)."""


@dataclass
class HoldoutPredictions:
    """The champions' per-member predictions on the latest holdout (``kind``, ``member_id``, ``predicted``)."""

    cutoff: date
    horizon_days: int
    frame: pd.DataFrame


def holdout_predictions(ws: Any, settings: Any) -> HoldoutPredictions:
    """Re-run the build's holdout evaluation on the driver (DuckDB; same horizon, seed and time plan as
    ``memberinsight build``) and return the shipped candidates' predictions per member and target."""
    from memberinsight.models.evaluation import evaluate_churn, evaluate_clv
    from memberinsight.models.training import plan

    H, seed = int(settings.horizon_days), int(settings.random_seed)
    with ws.analytics(read_only=True) as con:
        tp = plan(con, H)
        churn, clv = evaluate_churn(con, H, seed, tp), evaluate_clv(con, H, seed, tp)
    assert churn.holdout is not None and clv.holdout is not None
    frames = [pd.DataFrame({"kind": "churn", "member_id": churn.holdout["member_id"].astype(str),
                            "predicted": churn.holdout["champion_churn"].astype(float)}),
              pd.DataFrame({"kind": "purchases", "member_id": clv.holdout["member_id"].astype(str),
                            "predicted": clv.holdout["champion_purchases"].astype(float)})]
    return HoldoutPredictions(tp.holdout_cutoff, H, pd.concat(frames, ignore_index=True))


def bucket_rows(spark: Any, predictions: Any, cutoff: date, horizon_days: int, n_buckets: int = 10
                ) -> pd.DataFrame:
    """:data:`models.quality_sql.BUCKET_SQL`'s rows (unrounded) on Spark for ``predictions`` (a Spark DataFrame
    ``kind, member_id, predicted``) against what the registered lake's members did in the ``horizon_days``
    after ``cutoff``."""
    from memberinsight.models.features import FUTURE_TARGETS_SQL, future_window
    from memberinsight.models.quality_sql import BUCKET_SQL
    from memberinsight.scaleout.dialect import to_spark_sql

    start, end = future_window(cutoff, horizon_days)
    spark.sql(to_spark_sql(FUTURE_TARGETS_SQL, {"start": start, "end": end})).createOrReplaceTempView(
        "holdout_outcome")
    predictions.createOrReplaceTempView("holdout_predictions")
    spark.sql(to_spark_sql(SCORES_SQL)).createOrReplaceTempView("holdout_scores")
    return spark.sql(to_spark_sql(BUCKET_SQL, {"n_buckets": int(n_buckets)})).toPandas()


def quality_buckets(rows: pd.DataFrame, cutoff: date, horizon_days: int) -> pd.DataFrame:
    """:func:`bucket_rows` as the workspace's ``prediction_quality`` rows (:data:`QUALITY_COLUMNS`, rounded
    as the build stores them)."""
    from memberinsight.models.quality_sql import report_rows

    out = []
    for kind, part in rows.groupby("kind", sort=True):
        overall, predicted, buckets = report_rows(part)
        out += [(str(kind), cutoff, int(horizon_days), *b, overall, predicted) for b in buckets]
    return pd.DataFrame(out, columns=list(QUALITY_COLUMNS))


def quality_on_spark(settings: Any, ws: Any, lake: str, out: str | None = None, spark: Any = None,
                     n_buckets: int = 10) -> dict[str, Any]:
    """Prediction-quality buckets of workspace ``ws``'s champions on the lake at ``lake``; writes
    ``OUT/prediction_quality`` and ``OUT/holdout_predictions`` (default OUT: ``LAKE/_outputs``)."""
    import time

    from memberinsight.scaleout.lake import register_lake, table_uri
    from memberinsight.scaleout.session import spark_session

    started = time.perf_counter()
    held = holdout_predictions(ws, settings)  # on the driver: the evaluation models are not shipped
    driver_s = time.perf_counter() - started
    spark = spark or spark_session(settings)
    out = out or table_uri(lake, "_outputs")
    register_lake(spark, lake)
    predictions = spark.createDataFrame(held.frame.astype({"kind": object, "member_id": object}),  # Arrow-safe
                                        "kind string, member_id string, predicted double")
    predictions.write.mode("overwrite").parquet(table_uri(out, PREDICTIONS_TABLE))
    rows = bucket_rows(spark, spark.read.parquet(table_uri(out, PREDICTIONS_TABLE)), held.cutoff,
                       held.horizon_days, n_buckets)
    buckets = quality_buckets(rows, held.cutoff, held.horizon_days)
    spark.createDataFrame(buckets.astype({"kind": object}), QUALITY_SCHEMA).coalesce(1).write.mode("overwrite").parquet(
        table_uri(out, QUALITY_TABLE))
    return {"table": table_uri(out, QUALITY_TABLE), "holdout_cutoff": held.cutoff.isoformat(),
            "horizon_days": held.horizon_days, "members": {k: int(v) for k, v in
                                                           held.frame.groupby("kind").size().items()},
            "buckets": buckets.assign(holdout_cutoff=held.cutoff.isoformat()).to_dict("records"),
            "seconds": {"driver_evaluation": round(driver_s, 2),
                        "spark": round(time.perf_counter() - started - driver_s, 2)},
            "predictions": "the evaluation champions', re-run on the driver (DuckDB); outcome and buckets on Spark"}
