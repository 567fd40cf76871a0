"""Spark fixtures: one local[2] SparkSession for the whole test session, and the demo shop as a lake.

The Spark tests need the ``[spark]`` extra and Java; without them they skip with the reason (CI's
``make test`` installs both through ``scripts/setup.sh --spark``, so there they run).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def spark():
    """A local[2] SparkSession (UI off, 2 shuffle partitions), stopped at the end of the session."""
    pytest.importorskip("pyspark", reason="the Spark tests need the [spark] extra: scripts/setup.sh --spark")
    pytest.importorskip("sqlglot", reason="the Spark tests need the [spark] extra: scripts/setup.sh --spark")
    if shutil.which("java") is None:
        pytest.skip("the Spark tests need Java 17+ (scripts/setup.sh --spark installs it)")
    from memberinsight.config import load_settings
    from memberinsight.scaleout import spark_session

    settings = load_settings(engine_spark_master="local[2]",
                             # tiny data, hundreds of small queries: few partitions, no adaptive re-planning
                             engine_spark_conf={"spark.sql.shuffle.partitions": "2",
                                                "spark.sql.adaptive.enabled": "false",
                                                "spark.default.parallelism": "2",
                                                "spark.driver.host": "127.0.0.1",
                                                "spark.driver.bindAddress": "127.0.0.1",
                                                "spark.sql.execution.arrow.pyspark.enabled": "true"})
    session = spark_session(settings, app_name="member-insight-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo_lake(built_workspace, spark, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The built demo shop exported as a Parquet lake and registered as Spark views."""
    from memberinsight.scaleout import export_workspace, register_lake

    uri = str(tmp_path_factory.mktemp("lake") / "demo")
    export_workspace(built_workspace, uri)
    register_lake(spark, uri, cache=True)
    return uri


@pytest.fixture(scope="session")
def lake_path(demo_lake: str) -> Path:
    return Path(demo_lake)
