"""``memberinsight lake import`` of ``lake screen``'s outputs on Spark local[2]: a demo workspace whose review
screening and ALS lists were cleared gets them back from Spark equal to the single-box build's (risks, signals,
reasons, the review queue), and the app's and the agent's review-queue APIs serve them unchanged."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import copy_workspace

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def imported(spark, demo_lake: str, built_workspace, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the demo workspace: screened on Spark, its own screening wiped, then the Spark outputs imported."""
    from memberinsight.cli import app

    ws = copy_workspace(built_workspace, tmp_path_factory.mktemp("import_ws") / "workspace")
    out = tmp_path_factory.mktemp("screened_out") / "out"
    runner = CliRunner()
    screened = runner.invoke(app, ["lake", "screen", demo_lake, "--out", str(out), "--workspace", str(ws.path),
                                   "--json"])
    assert screened.exit_code == 0, screened.output
    with ws.operations() as con:
        con.execute("DELETE FROM screening_scores")
        con.execute("DELETE FROM screening_queue")
    result = runner.invoke(app, ["lake", "import", str(out), "--workspace", str(ws.path), "--json"])
    assert result.exit_code == 0, result.output
    return ws, json.loads(screened.stdout), json.loads(result.stdout)


def _scores(ws) -> pd.DataFrame:
    with ws.operations() as con:
        rows = con.execute("SELECT review_id, product_id, member_id, risk, method, signals, reasons "
                           "FROM screening_scores ORDER BY review_id").fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=["review_id", "product_id", "member_id", "risk", "method",
                                                           "signals", "reasons"])


def _close(a: object, b: object) -> bool:
    """JSON values equal, numbers within 1e-9."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return bool(np.isclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True))
    return a == b


def test_imported_screening_equals_the_single_box_build(imported, built_workspace) -> None:
    ws, screened, info = imported
    box, got = _scores(built_workspace), _scores(ws)
    assert info["imported"]["review_screening"]["scored"] == screened["rows"] == len(box) == len(got) > 1000
    assert list(got["review_id"]) == list(box["review_id"])
    for col in ("product_id", "member_id", "method", "risk"):
        assert list(got[col]) == list(box[col]), col
    for col in ("signals", "reasons"):
        assert all(_close(json.loads(a), json.loads(b)) for a, b in zip(got[col], box[col], strict=True)), col
    assert any(json.loads(r) for r in got["reasons"]) and (got["risk"] >= 0.5).sum() > 10


def test_app_and_agent_serve_the_imported_queue(imported, built_workspace) -> None:
    from memberinsight.agent.services import Services
    from memberinsight.agent.tools.operations import review_queue_summary
    from memberinsight.agent.types import ToolContext
    from memberinsight.config import load_settings
    from memberinsight.screening import list_queue, queue_counts

    ws, _, info = imported
    assert queue_counts(ws) == queue_counts(built_workspace) and queue_counts(ws)["pending"] > 10
    top, want = list_queue(ws, limit=10), list_queue(built_workspace, limit=10)
    assert [(i.review_id, i.risk, i.reasons) for i in top] == [(i.review_id, i.risk, i.reasons) for i in want]
    settings = load_settings(workspace=ws.path)
    table = Services(ws, settings).queue(limit=10)
    assert list(table["review_id"] if "review_id" in table else table.iloc[:, 0]) == [i.review_id for i in want]
    answer = review_queue_summary(ToolContext(ws, settings), limit=5)
    assert answer.ok and want[0].review_id in answer.text


def test_imported_als_lists_equal_the_shipped_als(imported, spark) -> None:
    from memberinsight.models.recommenders.build import load_model

    ws, screened, info = imported
    assert screened["als"]["rows"] == info["imported"]["member_als_recommendations"]["rows"] == 2000 * 10
    with ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT member_id, rank, product_id FROM member_als_recommendations "
                           "ORDER BY member_id, rank").df()
    lists = {m: list(g["product_id"]) for m, g in rows.groupby("member_id")}
    assert [list(g["rank"]) for _, g in rows.groupby("member_id")][:3] == [list(range(1, 11))] * 3
    als = load_model(ws)[0].components["als"]
    assert lists == als.recommend_many(sorted(lists), k=10)
