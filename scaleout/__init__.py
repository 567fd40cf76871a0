"""The scale-out path: the same features, RFM segments and segment definitions on Apache Spark.

DuckDB stays the engine of one machine; with ``[engine] kind = "spark"`` the batch layer reads a lake
of Parquet tables (:mod:`scaleout.lake`) and runs the DuckDB SQL transpiled by sqlglot
(:mod:`scaleout.dialect`), so both engines answer from one definition. PySpark is the optional
``[spark]`` extra: importing this package imports neither pyspark nor sqlglot.

Public API::

    spark_session(settings) -> SparkSession
    export_workspace(ws, uri) -> rows per table;   register_lake(spark, uri) -> views
    validate_lake(spark, uri) -> LakeReport
    build_on_spark(settings, lake, out) -> SparkBuildReport;   import_outputs(ws, out) -> info
    score_on_spark(settings, ws, lake, out, k) -> info     # churn, CLV, next order, item-kNN top-k
    load_scorers(ws) / score_members(spark, features, models, as_of)    # mapInPandas, models broadcast
    load_knn(ws) / recommend_members(spark, scorer, k)                  # item-kNN lists per member
    embed_on_spark(spark, settings, lake, kind) -> info     # ONNX embeddings per partition -> LAKE/_vectors
    index_lake(spark, lake, kind, params, parallel) -> (ShardedIndex, manifest)   # IVF-PQ: sample-trained,
                                                                                  # shards encoded in Spark tasks
    quality_on_spark(settings, ws, lake, out) -> info   # prediction-quality buckets: BUCKET_SQL on Spark
    import_extras(ws, out) -> info          # screening risks -> the review queue, ALS lists, quality buckets
    to_spark_sql(duckdb_sql, params) -> str
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "build_on_spark",
    "embed_on_spark",
    "export_workspace",
    "import_outputs",
    "import_extras",
    "index_lake",
    "load_knn",
    "load_scorers",
    "quality_on_spark",
    "recommend_members",
    "register_lake",
    "score_members",
    "score_on_spark",
    "spark_session",
    "to_spark_sql",
    "validate_lake",
]

_WHERE = {
    "build_on_spark": "memberinsight.scaleout.build", "import_outputs": "memberinsight.scaleout.build",
    "score_on_spark": "memberinsight.scaleout.build", "load_scorers": "memberinsight.scaleout.scoring",
    "score_members": "memberinsight.scaleout.scoring", "load_knn": "memberinsight.scaleout.recommend",
    "recommend_members": "memberinsight.scaleout.recommend",
    "embed_on_spark": "memberinsight.scaleout.vectors", "quality_on_spark": "memberinsight.scaleout.quality",
    "import_extras": "memberinsight.scaleout.imports", "index_lake": "memberinsight.scaleout.vectors",
    "export_workspace": "memberinsight.scaleout.lake", "register_lake": "memberinsight.scaleout.lake",
    "spark_session": "memberinsight.scaleout.session", "to_spark_sql": "memberinsight.scaleout.dialect", "validate_lake": "memberinsight.scaleout.validate",
}


def __getattr__(name: str) -> Any:  # lazy: `import scaleout` stays free of pyspark and sqlglot
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'scaleout' has no attribute {name!r}")
