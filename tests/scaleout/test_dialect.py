"""DuckDB SQL to Spark SQL: parameters bound as typed literals in the syntax tree, and the rewrites that
keep DuckDB's meaning (64-bit hash, decimal literals as doubles)."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("sqlglot", reason="the dialect layer needs the [spark] extra (sqlglot)")

from memberinsight.scaleout.dialect import to_spark_sql  # noqa: E402


def test_parameters_become_typed_literals() -> None:
    sql = to_spark_sql("SELECT * FROM t WHERE d < $day AND x > $n AND y = $ratio AND list_contains($cats, c)",
                       {"day": date(2026, 9, 30), "n": 3, "ratio": 0.7, "cats": ["a", "b"]})
    assert "CAST('2026-09-30' AS DATE)" in sql
    assert "x > 3" in sql and "CAST(0.7 AS DOUBLE)" in sql
    assert "ARRAY_CONTAINS(ARRAY('a', 'b'), c)" in sql


def test_text_values_are_quoted_by_the_tree_not_spliced() -> None:
    sql = to_spark_sql("SELECT * FROM t WHERE city = $city", {"city": "x' OR '1'='1"})
    assert sql.endswith("city = 'x\\' OR \\'1\\'=\\'1'")


def test_rewrites_keep_duckdb_meaning() -> None:
    sql = to_spark_sql("SELECT hash(c) AS h, 365.0 * n AS r, date_diff('day', a, b) AS g, "
                       "arg_max(x, d) AS l, count(*) FILTER (WHERE x > 0) AS k FROM t")
    assert "XXHASH64(c)" in sql
    assert "CAST(365.0 AS DOUBLE) * n" in sql
    assert "DATEDIFF(DAY, a, b)" in sql  # Spark 3.3+: datediff(unit, start, end), as DuckDB's date_diff
    assert "MAX_BY(x, d)" in sql and "FILTER(WHERE x > 0)" in sql


def test_a_missing_parameter_is_an_error() -> None:
    with pytest.raises(KeyError, match=r"\$n"):
        to_spark_sql("SELECT $n", {})


def test_the_feature_query_transpiles_whole() -> None:
    from memberinsight.models.features import feature_sql

    sql, params = feature_sql(["Outdoor", "Kitchen"])
    params.update({"as_of": date(2026, 9, 30), "boundary": date(2026, 10, 1)})
    spark_sql = to_spark_sql(sql, params)
    assert "$" not in spark_sql and ":as_of" not in spark_sql
    assert "`share_outdoor`" in spark_sql and "XXHASH64(category)" in spark_sql


def test_unordered_drops_only_the_outer_sort() -> None:
    sql = "SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 3) s ORDER BY a"
    assert to_spark_sql(sql, unordered=True) == "SELECT a FROM (SELECT a FROM t ORDER BY a NULLS LAST LIMIT 3) AS s"


def test_a_named_cte_can_be_replaced_by_a_constant() -> None:
    sql = "WITH ref AS (SELECT max(d) AS d FROM t) SELECT * FROM u WHERE x > (SELECT d FROM ref)"
    out = to_spark_sql(sql, ctes={"ref": "SELECT CAST('2026-09-30' AS DATE) AS d"})
    assert out.startswith("WITH ref AS (SELECT CAST('2026-09-30' AS DATE) AS d) SELECT")
