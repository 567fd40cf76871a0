"""The real UCI Online Retail data (../shared): the boosted model beats BG/NBD on the time split."""

from __future__ import annotations

import pytest

from memberinsight.models.evaluation import evaluate_clv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def retail_ws(shared_data, tmp_path_factory: pytest.TempPathFactory):
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_file

    ws = Workspace.create(tmp_path_factory.mktemp("retail") / "ws")
    ingest_file(ws, shared_data / "online_retail.csv.gz")
    return ws


def test_clv_model_beats_bgnbd_on_online_retail(retail_ws):
    with retail_ws.analytics(read_only=True) as con:
        ev = evaluate_clv(con, 90, 42)
    assert ev.plan.holdout_cutoff.isoformat() == "2011-09-10"
    p, s = ev.purchases, ev.spend
    assert p["boosted"]["mae"] < p["bgnbd"]["mae"], p
    assert p["boosted"]["correlation"] > p["bgnbd"]["correlation"] - 0.01, p
    assert s["boosted"]["mae"] < s["bgnbd"]["mae"], s
    # champion / challenger: every candidate is reported and the best on RMSE ships
    assert {"recent_rate", "bgnbd", "boosted"} <= set(ev.choice_purchases.candidates)
    assert p["model"]["rmse"] == min(m["rmse"] for m in ev.choice_purchases.candidates.values())
