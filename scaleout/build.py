"""``memberinsight build --engine spark --lake URI``: features and RFM segments on Spark, written as Parquet.

Outputs (``OUT`` defaults to ``<lake>/_outputs``)::

    OUT/member_features/   one row per member, the columns of models.features (as of the latest order)
    OUT/member_segments/   member_id, r_score, f_score, m_score, rfm_score, rfm_segment
    OUT/_build_info.json   as_of, the share columns' categories, row counts, seconds per step

and, with the shipped models of a workspace (:func:`score_on_spark`, ``memberinsight lake score``)::

    OUT/member_churn/            the columns of the build's member_churn (scaleout.scoring)
    OUT/member_clv/              member_clv without the 80% intervals (scaleout.scoring)
    OUT/member_recommendations/  member_id, rank, product_id, score: item-kNN top-N (scaleout.recommend)
    OUT/_scoring_info.json       models (champions, versions), row counts, seconds per step

:func:`import_outputs` loads them into a workspace (``member_features``, ``member_segments``,
``member_churn``, ``member_clv``, ``member_recommendations``, ``analytics_info``, then
``member_predictions``), so the app reads them as it reads its own build.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from memberinsight.config import Settings
from memberinsight.errors import ConfigError, NotFoundError
from memberinsight.scaleout.lake import local_path, path_exists, register_lake, table_uri
from memberinsight.scaleout.progress import JobProgress, watch_jobs

INFO_FILE = "_build_info.json"
SCORING_FILE = "_scoring_info.json"
SCORED_TABLES: tuple[str, ...] = ("member_churn", "member_clv", "member_recommendations")


@dataclass
class SparkBuildReport:
    """What a Spark build wrote."""

    lake: str
    out: str
    as_of: str
    categories: dict[str, str]
    rows: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    master: str = ""

    def text(self) -> str:
        """A readable summary."""
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        return (f"Spark build ({self.master}) of {self.lake} as of {self.as_of}: "
                f"{self.rows.get('member_features', 0):,} members' features and RFM segments -> {self.out} ({steps})")


def write_text(spark: Any, uri: str, text: str) -> None:
    """Write a small text file at ``uri`` through Spark's Hadoop file system (any scheme Spark writes)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    stream = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).create(path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def build_on_spark(settings: Settings, lake: str, out: str | None = None,
                   on_progress: Callable[[JobProgress], None] | None = None, spark: Any = None) -> SparkBuildReport:
    """Features as of the lake's latest order date and RFM segments, computed on Spark and written to ``out``."""
    from memberinsight.models.features import category_columns
    from memberinsight.scaleout import jobs
    from memberinsight.scaleout.session import spark_session

    if settings.engine_kind not in ("duckdb", "spark"):
        raise ConfigError(f"[engine] kind must be 'duckdb' or 'spark', not {settings.engine_kind!r}")
    spark = spark or spark_session(settings)
    out = out or table_uri(lake, "_outputs")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with watch_jobs(spark, "features", on_progress):
        register_lake(spark, lake)
        as_of = jobs.latest_order_date(spark)
        cats = jobs.top_categories(spark, as_of)
        jobs.features(spark, as_of, cats).write.mode("overwrite").parquet(table_uri(out, "member_features"))
    seconds["features"] = round(time.perf_counter() - started, 2)
    feats = spark.read.parquet(table_uri(out, "member_features"))
    feats.createOrReplaceTempView("member_features")
    started = time.perf_counter()
    with watch_jobs(spark, "segments", on_progress):
        jobs.rfm(spark, "member_features").write.mode("overwrite").parquet(table_uri(out, "member_segments"))
    seconds["segments"] = round(time.perf_counter() - started, 2)
    segs = spark.read.parquet(table_uri(out, "member_segments"))
    rows = {"member_features": feats.count(), "member_segments": segs.count()}
    names = {c.column: (c.category or "other categories") for c in category_columns(cats)}
    report = SparkBuildReport(lake, out, as_of.isoformat(), names, rows, seconds, settings.engine_spark_master)
    info = {"as_of": report.as_of, "categories": names, "rows": rows, "seconds": seconds,
            "engine": "spark", "master": settings.engine_spark_master, "spark_version": spark.version}
    write_text(spark, table_uri(out, INFO_FILE), json.dumps(info, indent=2))
    return report


def read_text(spark: Any, uri: str) -> str:
    """The text of a small file at ``uri`` through Spark's Hadoop file system (Spark's readers skip
    ``_``-files such as the build info)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    stream = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).open(path)
    try:
        return str(jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
    finally:
        stream.close()


def score_on_spark(settings: Settings, ws: Any, lake: str, out: str | None = None, k: int = 10,
                   on_progress: Callable[[JobProgress], None] | None = None, spark: Any = None) -> dict[str, Any]:
    """Score every member of a Spark build's features (``OUT/member_features``) with the shipped models of
    workspace ``ws`` (churn, purchases / spend / CLV, next order; item-kNN top-``k``); writes
    :data:`SCORED_TABLES` and ``OUT/_scoring_info.json``; returns that info."""
    from memberinsight.scaleout.recommend import load_knn, recommend_members
    from memberinsight.scaleout.scoring import load_scorers, score_members
    from memberinsight.scaleout.session import spark_session

    models, knn = load_scorers(ws), load_knn(ws)  # on the driver: fitted by `memberinsight build` (DuckDB)
    spark = spark or spark_session(settings)
    out = out or table_uri(lake, "_outputs")
    if not path_exists(spark, table_uri(out, "member_features")):
        raise NotFoundError(f"{out} has no member_features; run `memberinsight build --engine spark --lake {lake}` "
                            "first")
    built = json.loads(read_text(spark, table_uri(out, INFO_FILE)))
    as_of = date.fromisoformat(built["as_of"])
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with watch_jobs(spark, "scoring", on_progress):
        churn, clv = score_members(spark, spark.read.parquet(table_uri(out, "member_features")), models, as_of)
        churn.write.mode("overwrite").parquet(table_uri(out, "member_churn"))
        clv.write.mode("overwrite").parquet(table_uri(out, "member_clv"))
    seconds["scoring"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    with watch_jobs(spark, "recommendations", on_progress):
        register_lake(spark, lake)
        recommend_members(spark, knn, k).write.mode("overwrite").parquet(table_uri(out, "member_recommendations"))
    seconds["recommendations"] = round(time.perf_counter() - started, 2)
    rows = {t: spark.read.parquet(table_uri(out, t)).count() for t in SCORED_TABLES}
    info = {"as_of": as_of.isoformat(), "models": {**models.describe(), "item_knn": knn.version}, "k": k,
            "rows": rows, "seconds": seconds, "master": settings.engine_spark_master,
            "models_fitted": "on the driver, by the workspace's `memberinsight build` (DuckDB)"}
    write_text(spark, table_uri(out, SCORING_FILE), json.dumps(info, indent=2))
    return info


def import_outputs(ws: Any, out: str) -> dict[str, Any]:
    """Load a Spark build's Parquet outputs (a local folder) into workspace ``ws``; returns the build info.

    ``member_features`` and ``member_segments`` replace the workspace's (clusters are left empty: the
    Spark build does not fit them yet); when the outputs were scored (:func:`score_on_spark`),
    ``member_churn``, ``member_clv`` (80% interval columns empty) and ``member_recommendations`` too;
    ``analytics_info`` gets the as-of date and categories; ``member_predictions`` is rebuilt from the
    parts, as after ``memberinsight build``.
    """
    from memberinsight.models.build import _set_info, refresh_predictions

    root = local_path(out)
    info = json.loads((root / INFO_FILE).read_text(encoding="utf-8"))
    scored = (root / SCORING_FILE).is_file()
    if scored:
        info["scoring"] = json.loads((root / SCORING_FILE).read_text(encoding="utf-8"))
        if info["scoring"]["as_of"] != info["as_of"]:  # features rebuilt after scoring: the scores are stale
            scored, info["scoring"] = False, {"skipped": f"scores are as of {info['scoring']['as_of']}, the features "
                                                        f"as of {info['as_of']}: run `memberinsight lake score` again"}
    with ws.analytics() as con:
        for table in ("member_features", "member_segments", *(SCORED_TABLES if scored else ())):
            source = str(root / table / "*.parquet")
            extra = ", CAST(NULL AS BIGINT) AS cluster, CAST(NULL AS VARCHAR) AS cluster_label" \
                if table == "member_segments" else ""
            order = "member_id, rank" if table == "member_recommendations" else "member_id"
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT *{extra} FROM read_parquet(?) "
                        f"ORDER BY {order}", [source])
        _set_info(con, {"as_of": info["as_of"], "categories": info["categories"]})
        info["member_predictions"] = refresh_predictions(con)
    return info
