"""The Spark session: built from the ``[engine]`` settings, created once per process on first use.

PySpark is an optional extra (``pip install 'member-insight[spark]'``, Java 17+); nothing imports it
until :func:`spark_session` is called, and its absence is a :class:`ConfigError` naming the fix.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from memberinsight.config import Settings
from memberinsight.errors import ConfigError

DEFAULT_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",  # the lake's timestamps are shop time without a zone, as in DuckDB
    "spark.sql.ansi.enabled": "false",  # DuckDB-like: a division by zero is NULL, not a failed job
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",  # progress comes from the status tracker (scaleout.progress)
    "spark.driver.memory": "2g",
}
"""Defaults for a session; ``[engine] spark_conf`` entries override them (and add any other key)."""


def require_pyspark() -> Any:
    """The ``pyspark`` module, or a :class:`ConfigError` saying how to install it."""
    try:
        import pyspark
    except ImportError as exc:
        raise ConfigError("the Spark engine needs the [spark] extra: pip install 'member-insight[spark]' "
                          "(or scripts/setup.sh --spark), and Java 17+") from exc
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise ConfigError("the Spark engine needs Java 17+ (scripts/setup.sh --spark installs it on Debian)")
    return pyspark


def session_conf(settings: Settings) -> dict[str, str]:
    """The Spark configuration a session gets: :data:`DEFAULT_CONF` then ``[engine] spark_conf``."""
    import sys

    # Python workers (mapInPandas scoring) run this interpreter, with this project installed; on a cluster
    # set spark.pyspark.python in [engine] spark_conf to the executors' environment.
    conf = {**DEFAULT_CONF, "spark.pyspark.python": sys.executable}
    conf.update({str(k): str(v) for k, v in settings.engine_spark_conf.items()})
    return conf


def spark_session(settings: Settings, app_name: str = "member-insight") -> Any:
    """The process's SparkSession for ``settings`` (``getOrCreate``: a running session is reused)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    conf = session_conf(settings)
    # PySpark starts its Python workers with $PYSPARK_PYTHON (default: `python3` on the PATH, which may
    # lack this project): point it at the configured interpreter unless the environment already does.
    os.environ.setdefault("PYSPARK_PYTHON", conf["spark.pyspark.python"])
    builder = SparkSession.builder.appName(app_name).master(settings.engine_spark_master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
