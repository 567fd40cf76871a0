"""Review-screening risk on Spark local[2] (``memberinsight lake screen``): on the built demo shop, every
lake review's risk equals the single-box ``screening`` build step's (the stored risks, rounded to 4 places
as the build stores them, and the build's own unrounded scoring within 1e-9)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import copy_workspace

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def screened(spark, demo_lake: str, built_workspace, tmp_path_factory: pytest.TempPathFactory):
    """A private copy of the demo workspace, and the lake screened on Spark with its model (via the CLI)."""
    from memberinsight.cli import app

    ws = copy_workspace(built_workspace, tmp_path_factory.mktemp("screen_ws") / "workspace")
    out = tmp_path_factory.mktemp("screened") / "out"
    result = CliRunner().invoke(app, ["lake", "screen", demo_lake, "--out", str(out), "--workspace", str(ws.path),
                                      "--json"])
    assert result.exit_code == 0, result.output
    return ws, json.loads(result.stdout), pd.read_parquet(Path(out) / "review_screening")


def test_spark_risks_equal_the_single_box_build(screened) -> None:
    ws, info, spark = screened
    with ws.operations() as con:
        stored = pd.DataFrame(con.execute("SELECT review_id, risk, method FROM screening_scores").fetchall(),
                              columns=["review_id", "risk", "method"])
    with ws.analytics(read_only=True) as con:
        reviews = int(con.execute("SELECT count(*) FROM reviews").fetchone()[0])
    assert info["rows"] == len(spark) == len(stored) == reviews > 100 and info["not_in_workspace"] == 0
    assert spark["review_id"].is_unique
    both = stored.merge(spark, on="review_id", suffixes=("_box", "_spark"), validate="one_to_one")
    assert len(both) == reviews
    assert (both["method_box"] == both["method_spark"]).all() and info["method"] == "model"
    # the build stores round(risk, 4): Spark's unrounded risk rounds to exactly that
    assert np.abs(both["risk_spark"].round(4) - both["risk_box"]).max() < 1e-9
    # real spread: some reviews over the queue's threshold, most under
    assert 0 < (spark["risk"] >= 0.5).sum() < len(spark) / 2 and spark["risk"].std() > 0.05


def test_spark_risks_equal_driver_scoring_and_are_per_review(screened) -> None:
    """Unrounded: the single-box scoring on the driver over all reviews at once gives the same risks within
    1e-9, and so does any subset (per-partition scoring cannot depend on the partitioning)."""
    from memberinsight.config import load_settings
    from memberinsight.scaleout.screening import load_screener

    ws, _, spark = screened
    screener = load_screener(ws, load_settings(workspace=ws.path))
    ids = list(screener.row_of)
    whole = screener.score(ids).set_index("review_id")
    got = spark.set_index("review_id").loc[whole.index]
    for col in ("risk", "outlier", "text_logit"):
        assert np.allclose(got[col], whole[col], rtol=1e-9, atol=1e-9), col
    part = screener.score(ids[1::3][::-1]).set_index("review_id")
    assert np.allclose(part["risk"], whole.loc[part.index, "risk"], rtol=1e-9, atol=1e-9)
    assert screener.score(["no-such-review"]).empty


def test_spark_als_lists_identical_to_the_shipped_als(spark, demo_lake: str, built_workspace) -> None:
    """ALS top-10 of every lake member on Spark (shipped factors broadcast, members bucketed) equal the
    shipped ALS component's own ``recommend_many`` lists, warm and cold members alike."""
    from memberinsight.models.recommenders.build import load_model
    from memberinsight.scaleout.als import load_als, recommend_als

    scorer, members = load_als(built_workspace)
    got = recommend_als(spark, scorer, members, k=10).toPandas()
    lake_ids = sorted(r.member_id for r in spark.sql("SELECT member_id FROM members").collect())
    assert len(lake_ids) == 2000 and len(got) == 2000 * 10
    spark_lists = {m: list(g.sort_values("rank")["product_id"]) for m, g in got.groupby("member_id")}
    als = load_model(built_workspace)[0].components["als"]
    box = als.recommend_many(lake_ids, k=10)
    assert spark_lists == box
    assert members["factors"].notna().sum() > 1500  # warm members scored from their factors
    assert len({tuple(v) for v in box.values()}) > 500  # personal lists, not one popular list
