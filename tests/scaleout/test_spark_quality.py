"""Prediction-quality buckets on Spark local[2] (``memberinsight lake quality``): on the built demo shop the
buckets (members, mean predicted, actual rate) of churn and purchases equal the DuckDB build's stored ones
within 1e-9, from the same SQL (:data:`models.quality_sql.BUCKET_SQL`, outcome by
:data:`models.features.FUTURE_TARGETS_SQL`) transpiled to Spark; unrounded, within 1e-9 of DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def quality(spark, demo_lake: str, built_workspace, tmp_path_factory: pytest.TempPathFactory):
    """The demo lake's quality buckets on Spark, with the built workspace's holdout predictions (via the CLI)."""
    from memberinsight.cli import app

    out = tmp_path_factory.mktemp("quality") / "out"
    result = CliRunner().invoke(app, ["lake", "quality", demo_lake, "--out", str(out), "--workspace",
                                      str(built_workspace.path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), out


def test_spark_buckets_equal_the_duckdb_build(quality, built_workspace) -> None:
    info, out = quality
    with built_workspace.analytics(read_only=True) as con:
        stored = con.execute("SELECT * FROM prediction_quality ORDER BY kind, bucket").df()
    got = pd.read_parquet(Path(out) / "prediction_quality").sort_values(["kind", "bucket"]).reset_index(drop=True)
    assert list(got["kind"].unique()) == ["churn", "purchases"] and len(got) == len(stored) == 20
    assert list(got["bucket"]) == list(stored["bucket"]) and list(got["members"]) == list(stored["members"])
    for col in ("mean_predicted", "actual", "lift", "overall_actual", "overall_predicted"):
        assert np.abs(got[col].to_numpy(float) - stored[col].to_numpy(float)).max() < 1e-9, col
    assert (pd.to_datetime(got["holdout_cutoff"]) == pd.to_datetime(stored["holdout_cutoff"])).all()
    assert (got["horizon_days"] == stored["horizon_days"]).all()
    assert info["members"] == {"churn": 1507, "purchases": 1507} == {k: int(v) for k, v in
                                                                     stored.groupby("kind")["members"].sum().items()}
    churn = got[got["kind"] == "churn"]
    assert churn["actual"].iloc[-1] > churn["actual"].iloc[0] + 0.5  # real separation, not a flat report


def test_spark_rows_unrounded_equal_duckdb(quality, spark, built_workspace) -> None:
    """Unrounded: the Spark rows equal BUCKET_SQL on DuckDB over the same predictions and the workspace's outcome."""
    from memberinsight.models.features import future_targets
    from memberinsight.models.quality_sql import duckdb_buckets
    from memberinsight.scaleout.quality import bucket_rows

    info, out = quality
    from datetime import date

    cutoff = date.fromisoformat(info["holdout_cutoff"])
    held = pd.read_parquet(Path(out) / "holdout_predictions")
    rows = bucket_rows(spark, spark.read.parquet(str(Path(out) / "holdout_predictions")), cutoff, 90)
    with built_workspace.analytics(read_only=True) as con:
        outcome = future_targets(con, cutoff, 90).set_index("member_id")
    for kind, part in held.groupby("kind"):
        part = part.sort_values("member_id")
        orders = outcome["future_orders"].reindex(part["member_id"]).fillna(0).to_numpy()
        actual = (orders == 0).astype(float) if kind == "churn" else \
            outcome["future_days"].reindex(part["member_id"]).fillna(0).to_numpy(float)
        want = duckdb_buckets(str(kind), part["predicted"].to_numpy(), actual)
        have = rows[rows["kind"] == kind].sort_values("bucket").reset_index(drop=True)
        assert list(have["members"]) == list(want["members"])
        for col in ("mean_predicted", "actual", "overall_actual", "overall_predicted"):
            assert np.allclose(have[col], want[col], rtol=0, atol=1e-9), (kind, col)


def test_lake_import_serves_the_spark_buckets(quality, built_workspace, tmp_path: Path) -> None:
    """Imported into a workspace without buckets, the quality report reads the Spark buckets as the build's."""
    from memberinsight.cli import app
    from memberinsight.config import load_settings
    from memberinsight.segments.quality import prediction_quality_report
    from tests.conftest import copy_workspace

    _, out = quality
    ws = copy_workspace(built_workspace, tmp_path / "ws")
    with ws.analytics() as con:
        con.execute("DROP TABLE prediction_quality")
    result = CliRunner().invoke(app, ["lake", "import", str(out), "--workspace", str(ws.path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == {"prediction_quality": {"rows": 20}}
    got = prediction_quality_report(ws, load_settings(workspace=ws.path))
    want = prediction_quality_report(built_workspace, load_settings(workspace=built_workspace.path))
    assert got == want and got.target("churn").quality_score > 0
