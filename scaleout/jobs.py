"""Member features, RFM segments and segment definitions on Spark, from the DuckDB SQL (transpiled).

Every query here is the DuckDB engine's own text (:mod:`models.features`, :mod:`models.segments`,
:mod:`segments.compiler`) run through :func:`scaleout.dialect.to_spark_sql`; nothing is restated.
The tables are the views :func:`scaleout.lake.register_lake` made.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from memberinsight.errors import ModelNotReadyError
from memberinsight.scaleout.dialect import to_spark_sql


def _spark_sql(spark: Any, sql: str, params: dict[str, Any] | None = None) -> Any:
    return spark.sql(to_spark_sql(sql, params))


def latest_order_date(spark: Any) -> date:
    """The date of the lake's latest (clean) order line, as :func:`models.features.latest_order_date`."""
    from memberinsight.models.features import LATEST_ORDER_SQL

    value = _spark_sql(spark, LATEST_ORDER_SQL).collect()[0][0]
    if value is None:
        raise ModelNotReadyError("the lake has no orders")
    return value


def top_categories(spark: Any, as_of: date, limit: int | None = None) -> list[str]:
    """The share-column categories as of ``as_of`` (:func:`models.features.top_categories` on Spark)."""
    from memberinsight.models.features import MAX_CATEGORIES, TOP_CATEGORIES_SQL

    rows = _spark_sql(spark, TOP_CATEGORIES_SQL, {"boundary": as_of + timedelta(days=1),
                                                  "limit": limit or MAX_CATEGORIES}).collect()
    return [r[0] for r in rows]


def features(spark: Any, as_of: date, categories: list[str]) -> Any:
    """Member features as of ``as_of`` (a Spark DataFrame; the columns of :func:`models.features.compute_features`)."""
    from memberinsight.models.features import feature_sql

    sql, params = feature_sql(categories)
    params.update({"as_of": as_of, "boundary": as_of + timedelta(days=1)})
    return _spark_sql(spark, sql, params)


def rfm(spark: Any, features_view: str = "member_features") -> Any:
    """RFM scores and named segments over a features view (:func:`models.segments.rfm_sql` on Spark)."""
    from memberinsight.models.segments import rfm_sql

    return _spark_sql(spark, rfm_sql(features_view))


def segment_query(definition: Any, *, count_only: bool = False) -> str:
    """The Spark SQL of a segment definition (:func:`segments.compile_definition`, transpiled)."""
    from memberinsight.segments import compile_definition

    query = compile_definition(definition, count_only=count_only)
    return to_spark_sql(query.sql, query.params)


def segment_members(spark: Any, definition: Any) -> list[str]:
    """Member ids matching ``definition`` in the registered lake, sorted (as :func:`segments.segment_members`)."""
    from memberinsight.segments import compile_definition

    query = compile_definition(definition)
    missing = sorted(t for t in query.tables if not spark.catalog.tableExists(t))
    if missing:
        raise ModelNotReadyError(f"this segment needs {', '.join(missing)}, which the lake does not have; "
                                 "run `memberinsight build --engine spark` first")
    return [str(r[0]) for r in spark.sql(to_spark_sql(query.sql, query.params)).collect()]


def segments_members(spark: Any, definitions: dict[str, Any], chunk: int = 40) -> dict[str, list[str]]:
    """Members of many segments at once (e.g. every saved segment, nightly): one Spark job per ``chunk``
    definitions, their queries combined with ``UNION ALL``; ids per name, sorted."""
    from memberinsight.segments import compile_definition

    out: dict[str, list[str]] = {name: [] for name in definitions}
    names = list(definitions)
    # The compiler's reference date (`ref`: the latest clean order date) once for all, not once per query.
    ref = spark.sql("SELECT CAST(max(ordered_at) AS DATE) FROM clean_orders").collect()[0][0]
    ctes = {"ref": f"SELECT CAST({_date_literal(ref)} AS DATE) AS d"}
    for start in range(0, len(names), chunk):
        part = names[start:start + chunk]
        selects = []
        for k, name in enumerate(part):
            query = compile_definition(definitions[name])
            body = to_spark_sql(query.sql, query.params, unordered=True, ctes=ctes)
            selects.append(f"SELECT {start + k} AS k, q.member_id FROM ({body}) q")
        rows = spark.sql("\nUNION ALL\n".join(selects)).toPandas()
        for k, ids in rows.groupby("k")["member_id"]:
            out[names[int(k)]] = sorted(str(v) for v in ids)
    return out


def _date_literal(value: date | None) -> str:
    return "NULL" if value is None else f"'{value.isoformat()}'"
