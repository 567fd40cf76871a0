"""Prediction-quality buckets as one SQL (:data:`models.quality_sql.BUCKET_SQL`): on DuckDB it gives the
buckets of ``numpy.array_split`` over a stable ``argsort`` (the build's definition before the SQL), ties,
uneven sizes and fewer members than buckets included; it transpiles to Spark SQL unchanged in meaning."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from memberinsight.models.evaluation import bucket_report


def _numpy_buckets(p: np.ndarray, a: np.ndarray, n_buckets: int) -> list[tuple[int, int, float, float]]:
    order = np.argsort(p, kind="stable")
    return [(i, len(idx), float(p[idx].mean()), float(a[idx].mean()))
            for i, idx in enumerate(np.array_split(order, n_buckets), start=1) if len(idx)]


@pytest.mark.parametrize(("n", "n_buckets", "levels"), [(1507, 10, None), (1003, 10, 7), (23, 5, 3), (7, 10, None),
                                                        (10, 10, 1)])
def test_sql_buckets_equal_numpy_split(n: int, n_buckets: int, levels: int | None) -> None:
    from memberinsight.models.quality_sql import duckdb_buckets

    rng = np.random.default_rng(n)
    p = rng.random(n) if levels is None else rng.integers(0, levels, n) / levels  # ties when levels are few
    a = (rng.random(n) < p).astype(float)
    rows = duckdb_buckets("churn", p, a, n_buckets)
    want = _numpy_buckets(p, a, n_buckets)
    assert list(rows["bucket"]) == [w[0] for w in want]
    assert list(rows["members"]) == [w[1] for w in want] and rows["members"].sum() == n
    assert np.allclose(rows["mean_predicted"], [w[2] for w in want], rtol=0, atol=1e-12)
    assert np.allclose(rows["actual"], [w[3] for w in want], rtol=0, atol=1e-12)
    assert abs(rows["overall_actual"].iloc[0] - a.mean()) < 1e-12


def test_bucket_report_rounds_as_stored() -> None:
    p = np.array([0.9, 0.1, 0.5, 0.5, 0.3, 0.7])
    a = np.array([1.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    report = bucket_report("churn", p, a, date(2026, 7, 2), 90, n_buckets=4)
    assert [(b.bucket, b.members) for b in report.buckets] == [(1, 2), (2, 2), (3, 1), (4, 1)]
    # ties keep row order: the 0.5 at position 2 (actual 1) goes to bucket 2 with the 0.5 at position 3 (0)
    assert [(b.mean_predicted, b.actual) for b in report.buckets] == [(0.2, 0.0), (0.5, 0.5), (0.7, 1.0), (0.9, 1.0)]
    assert report.overall_actual == 0.5 and report.overall_predicted == 0.5
    assert [b.lift for b in report.buckets] == [0.0, 1.0, 2.0, 2.0]
    empty = bucket_report("purchases", np.array([]), np.array([]), date(2026, 7, 2), 90)
    assert empty.buckets == [] and np.isnan(empty.overall_actual)


def test_bucket_sql_transpiles_to_spark() -> None:
    pytest.importorskip("sqlglot")
    from memberinsight.models.quality_sql import BUCKET_SQL
    from memberinsight.scaleout.dialect import to_spark_sql

    spark_sql = to_spark_sql(BUCKET_SQL, {"n_buckets": 10})
    assert "n DIV 10" in spark_sql and "ROW_NUMBER() OVER (PARTITION BY kind ORDER BY predicted" in spark_sql
    assert "$" not in spark_sql
