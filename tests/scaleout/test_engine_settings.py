"""The ``[engine]`` settings, and the scale-out package's promise to cost nothing without the [spark] extra."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.config import load_settings
from memberinsight.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_engine_defaults_to_duckdb() -> None:
    s = load_settings()
    assert (s.engine_kind, s.engine_spark_master, s.engine_spark_conf) == ("duckdb", "local[2]", {})
    hash(s)  # settings stay hashable with a table-valued field


def test_engine_table_from_toml_keeps_spark_conf_as_a_table(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[engine]\nkind = "spark"\nspark_master = "spark://head:7077"\n'
                    '[engine.spark_conf]\n"spark.executor.memory" = "8g"\n"spark.executor.cores" = 4\n')
    monkeypatch.setenv("MEMBERINSIGHT_CONFIG", str(path))
    s = load_settings()
    assert s.engine_kind == "spark" and s.engine_spark_master == "spark://head:7077"
    assert s.engine_spark_conf == {"spark.executor.memory": "8g", "spark.executor.cores": "4"}


def test_spark_conf_from_the_environment_is_json(monkeypatch) -> None:
    monkeypatch.setenv("MEMBERINSIGHT_ENGINE_SPARK_CONF", json.dumps({"spark.sql.shuffle.partitions": 64}))
    assert load_settings().engine_spark_conf == {"spark.sql.shuffle.partitions": "64"}
    monkeypatch.setenv("MEMBERINSIGHT_ENGINE_SPARK_CONF", "not json")
    with pytest.raises(ConfigError, match="engine_spark_conf"):
        load_settings()


def test_session_conf_passes_settings_through_over_defaults() -> None:
    from memberinsight.scaleout.session import DEFAULT_CONF, session_conf

    conf = session_conf(load_settings(engine_spark_conf={"spark.sql.shuffle.partitions": "200", "x.y": "1"}))
    assert conf["spark.sql.shuffle.partitions"] == "200" and conf["x.y"] == "1"
    assert conf["spark.sql.session.timeZone"] == DEFAULT_CONF["spark.sql.session.timeZone"] == "UTC"


def test_importing_scaleout_and_the_cli_loads_neither_pyspark_nor_sqlglot() -> None:
    code = ("import sys, scaleout, scaleout.lake, scaleout.build, scaleout.validate, memberinsight.cli.lake; "
            "print(sorted(m for m in ('pyspark', 'sqlglot', 'py4j') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "[]"


def test_build_refuses_an_unknown_engine() -> None:
    from memberinsight.cli import app

    result = CliRunner().invoke(app, ["build", "--engine", "hadoop"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError) and "duckdb or spark" in str(result.exception)
