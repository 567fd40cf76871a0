"""``memberinsight build --engine spark --lake URI`` writes features and RFM segments as Parquet, and
``memberinsight lake import`` loads them into a workspace where they equal the DuckDB build's."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import copy_workspace

pytestmark = [pytest.mark.slow,  # pyspark 4.0's toPandas under pandas 3 (not ours):
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


def test_spark_build_then_import(spark, demo_lake: str, built_workspace, tmp_path: Path) -> None:
    from memberinsight.cli import app

    out = tmp_path / "outputs"
    runner = CliRunner()
    result = runner.invoke(app, ["build", "--engine", "spark", "--lake", demo_lake, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == {"member_features": 2000, "member_segments": 2000}
    info = json.loads((out / "_build_info.json").read_text())
    assert info["engine"] == "spark" and info["as_of"] == report["as_of"]
    segments = pd.read_parquet(out / "member_segments")
    assert list(segments.columns) == ["member_id", "r_score", "f_score", "m_score", "rfm_score", "rfm_segment"]

    ws = copy_workspace(built_workspace, tmp_path / "ws")
    with ws.analytics(read_only=True) as con:
        before = con.execute("SELECT member_id, rfm_segment, r_score FROM member_predictions ORDER BY 1").df()
    result = runner.invoke(app, ["lake", "import", str(out), "--workspace", str(ws.path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["member_predictions"] == 2000
    with ws.analytics(read_only=True) as con:
        after = con.execute("SELECT member_id, rfm_segment, r_score FROM member_predictions ORDER BY 1").df()
    pd.testing.assert_frame_equal(before.astype(str), after.astype(str))


def test_spark_build_needs_a_lake(spark) -> None:
    from memberinsight.cli import app

    result = CliRunner().invoke(app, ["build", "--engine", "spark"])
    assert result.exit_code != 0
    assert "--lake" in str(result.exception) or "--lake" in result.output
