"""Prediction-quality buckets as one SQL: the DuckDB build and the Spark engine run the same text.

:data:`BUCKET_SQL` reads a table ``holdout_scores (kind, tiebreak, predicted, actual)`` - one row per
member and target on the holdout - and splits each target's members into ``$n_buckets`` equal groups by
predicted score, exactly as ``numpy.array_split`` of a stable ``argsort`` does (the first ``n % B`` groups
get one member more; equal scores keep ``tiebreak`` order). Per bucket: members, mean predicted, mean
actual, and the target's overall means. :func:`models.evaluation.bucket_report` runs it on DuckDB (the
``tiebreak`` is the holdout row's position, which is member-id order); :mod:`scaleout.quality` runs it on
Spark through :func:`scaleout.dialect.to_spark_sql` (``tiebreak`` = member id). Values come out
unrounded; :func:`report_rows` is where the report rounds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

BUCKET_SQL = """
WITH ranked AS (
    SELECT kind, predicted, actual,
           row_number() OVER (PARTITION BY kind ORDER BY predicted ASC NULLS LAST, tiebreak ASC) - 1 AS r,
           count(*) OVER (PARTITION BY kind) AS n,
           avg(actual) OVER (PARTITION BY kind) AS overall_actual,
           avg(predicted) OVER (PARTITION BY kind) AS overall_predicted
    FROM holdout_scores
), sized AS (
    SELECT *, n // $n_buckets AS q, n % $n_buckets AS rem FROM ranked
), bucketed AS (
    SELECT kind, predicted, actual, overall_actual, overall_predicted,
           CASE WHEN r < rem * (q + 1) THEN r // (q + 1)
                ELSE rem + (r - rem * (q + 1)) // NULLIF(q, 0) END + 1 AS bucket
    FROM sized
)
SELECT kind, bucket, count(*) AS members, avg(predicted) AS mean_predicted, avg(actual) AS actual,
       max(overall_actual) AS overall_actual, max(overall_predicted) AS overall_predicted
FROM bucketed
GROUP BY kind, bucket
ORDER BY kind, bucket
"""
"""Buckets per target (``kind``) of ``holdout_scores``; parameter ``$n_buckets`` (10 in the build)."""

BUCKET_COLUMNS = ("kind", "bucket", "members", "mean_predicted", "actual", "overall_actual", "overall_predicted")


def duckdb_buckets(kind: str, predicted: Any, actual: Any, n_buckets: int = 10) -> pd.DataFrame:
    """:data:`BUCKET_SQL` on an in-memory DuckDB over one target's holdout arrays (row position as tiebreak)."""
    import duckdb

    p = np.asarray(predicted, dtype=float)
    scores = pd.DataFrame({"kind": kind, "tiebreak": np.arange(len(p), dtype=np.int64), "predicted": p,
                           "actual": np.asarray(actual, dtype=float)})
    con = duckdb.connect()
    try:
        con.register("holdout_scores", scores)
        return con.execute(BUCKET_SQL, {"n_buckets": int(n_buckets)}).df()
    finally:
        con.close()


def report_rows(rows: pd.DataFrame) -> tuple[float, float, list[tuple[int, int, float, float, float]]]:
    """(overall actual, overall predicted, [(bucket, members, mean predicted, actual, lift)]) of one target's
    :data:`BUCKET_SQL` rows, rounded as the report stores them (4 places; lift 3)."""
    if rows.empty:
        return float("nan"), float("nan"), []
    overall = float(rows["overall_actual"].iloc[0])
    buckets = [(int(r.bucket), int(r.members), round(float(r.mean_predicted), 4), round(float(r.actual), 4),
                round(float(r.actual) / overall, 3) if overall else float("nan"))
               for r in rows.sort_values("bucket").itertuples(index=False)]
    return round(overall, 4), round(float(rows["overall_predicted"].iloc[0]), 4), buckets
