"""Distributed batch scoring on Spark local[2] (``memberinsight lake score``): on the built demo shop
(the ``built_workspace`` fixture), churn, purchases / spend / CLV, next order date and item-kNN top-10
lists of every member equal the DuckDB build's (numbers within 1e-9, everything else identical), and
``memberinsight lake import`` serves them unchanged."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import copy_workspace
from tests.scaleout.parity import frame_differences

pytestmark = [pytest.mark.slow,  # pyspark 4.0's toPandas under pandas 3 (not ours):
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def scored(spark, demo_lake: str, built_workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo lake built on Spark, then scored by ``memberinsight lake score`` with the workspace's models."""
    from memberinsight.cli import app
    from memberinsight.config import load_settings
    from memberinsight.scaleout import build_on_spark

    out = tmp_path_factory.mktemp("scored") / "out"
    build_on_spark(load_settings(engine_spark_master="local[2]"), demo_lake, str(out), spark=spark)
    result = CliRunner().invoke(app, ["lake", "score", demo_lake, "--out", str(out), "--workspace",
                                      str(built_workspace.path), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["rows"]["member_recommendations"] == 2000 * 10
    assert info["models"]["churn"] == "boosted" and info["models"]["versions"]["churn"] >= 1
    return out


def _duck(ws, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    with ws.analytics(read_only=True) as con:
        return con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY member_id").df()


def _spark(out: Path, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.read_parquet(out / table)[list(columns)].sort_values("member_id").reset_index(drop=True)


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)


def _same_reasons(a: str, b: str) -> bool:
    """Reasons JSON equal, feature values within 1e-9 (they come from features equal within 1e-9)."""
    x, y = json.loads(a), json.loads(b)
    return len(x) == len(y) and all(
        {k: v for k, v in p.items() if k != "value"} == {k: v for k, v in q.items() if k != "value"}
        and (p["value"] == q["value"] or np.isclose(p["value"], q["value"], rtol=1e-9, atol=1e-9))
        for p, q in zip(x, y, strict=True))


def test_churn_and_clv_scores_identical_to_the_duckdb_build(scored: Path, built_workspace) -> None:
    from memberinsight.scaleout.scoring import CHURN_COLUMNS, CLV_COLUMNS

    plain = tuple(c for c in CHURN_COLUMNS if c != "churn_reasons_json")
    duck, spark = _duck(built_workspace, "member_churn", CHURN_COLUMNS), _spark(scored, "member_churn", CHURN_COLUMNS)
    assert len(duck) > 1500  # every buying member of the 2,000
    assert frame_differences(duck[list(plain)], spark[list(plain)]) == []
    assert all(_same_reasons(a, b) for a, b in zip(duck["churn_reasons_json"], spark["churn_reasons_json"],
                                                   strict=True))
    duck, spark = _duck(built_workspace, "member_clv", CLV_COLUMNS), _spark(scored, "member_clv", CLV_COLUMNS)
    for frame in (duck, spark):
        frame["expected_next_order_date"] = _dates(frame["expected_next_order_date"])
    assert frame_differences(duck, spark) == []
    # real spreads, not constants: every band and tier, dates in and beyond the next 90 days
    assert set(spark["clv_tier"]) == {"high", "medium", "low"}
    assert spark["predicted_clv_365d"].std() > 10 and spark["expected_next_order_date"].nunique() > 50
    assert set(_spark(scored, "member_churn", ("member_id", "churn_band"))["churn_band"]) >= {"low", "high"}


def test_scoring_is_per_member(built_workspace) -> None:
    """Any split of members into partitions gives the same rows: half the members score as in the whole."""
    from memberinsight.models.build import get_info
    from memberinsight.scaleout.scoring import load_scorers, score_frame

    models = load_scorers(built_workspace)
    with built_workspace.analytics(read_only=True) as con:
        feats = con.execute("SELECT * FROM member_features ORDER BY member_id").df()
        as_of = date.fromisoformat(get_info(con, "as_of"))
    whole = score_frame(models, feats, as_of).set_index("member_id")
    part = score_frame(models, feats.iloc[1::2].iloc[::-1], as_of).set_index("member_id")
    assert 500 < len(part) < len(whole)
    pd.testing.assert_frame_equal(part.sort_index(), whole.loc[part.index].sort_index())
    none = score_frame(models, feats[feats["frequency"] == 0], as_of)  # a partition without buyers
    assert none.empty and list(none.columns) == list(whole.reset_index().columns)
    # and the scores follow the features: a member seen long ago is at higher risk
    later = feats.iloc[1::2].copy()
    later["recency_days"] += 200
    moved = score_frame(models, later, as_of).set_index("member_id").loc[part.index]
    assert (moved["churn_probability"] > part["churn_probability"]).mean() > 0.8


def test_item_knn_lists_identical_to_the_single_box_recommender(scored: Path, built_workspace) -> None:
    from memberinsight.models.recommenders.build import load_recommender

    knn = load_recommender(built_workspace).components["item_knn"]
    with built_workspace.analytics(read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT member_id FROM members ORDER BY 1").fetchall()]
    single_box = knn.recommend_many(ids, k=10)
    recs = pd.read_parquet(scored / "member_recommendations").sort_values(["member_id", "rank"])
    on_spark = {m: list(g["product_id"]) for m, g in recs.groupby("member_id")}
    assert len(on_spark) == len(single_box) == 2000
    assert [m for m in ids if on_spark[m] != single_box[m]] == []
    assert recs.groupby("member_id")["rank"].apply(list).map(lambda r: r == list(range(1, 11))).all()
    assert len({tuple(v) for v in on_spark.values()}) > 500  # personal lists, not one popular list


def test_lake_import_serves_the_spark_scores(scored: Path, built_workspace, tmp_path: Path) -> None:
    from memberinsight.cli import app

    ws = copy_workspace(built_workspace, tmp_path / "ws")
    cols = "member_id, churn_probability, churn_band, predicted_clv_365d, clv_tier, expected_orders_90d, p_alive"
    with ws.analytics(read_only=True) as con:
        before = con.execute(f"SELECT {cols} FROM member_predictions ORDER BY 1").df()
    result = CliRunner().invoke(app, ["lake", "import", str(scored), "--workspace", str(ws.path), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["member_predictions"] == 2000 and info["scoring"]["rows"]["member_churn"] == len(
        before.dropna(subset=["churn_probability"]))
    with ws.analytics(read_only=True) as con:
        after = con.execute(f"SELECT {cols} FROM member_predictions ORDER BY 1").df()
        top = con.execute("SELECT count(*), count(DISTINCT member_id), max(rank) FROM member_recommendations").fetchall()
    assert frame_differences(before, after) == []
    assert top == [(20000, 2000, 10)]
