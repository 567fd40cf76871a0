"""Real data: the Online Retail sample (skipped when ../shared is absent)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def retail_ws(shared_data, tmp_path_factory):
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_file

    ws = Workspace.create(tmp_path_factory.mktemp("retail") / "ws")
    ingest_file(ws, shared_data / "online_retail_sample.csv")
    return ws


@pytest.mark.slow
def test_online_retail_sample_recommendations(retail_ws):
    from memberinsight.models.recommenders import (
        ALSRecommender,
        ItemKNNRecommender,
        RulesRecommender,
        load_interactions,
    )

    inter = load_interactions(retail_ws)
    with retail_ws.analytics(read_only=True) as con:
        fees = {r[0] for r in con.execute("SELECT product_id FROM products WHERE NOT is_product").fetchall()}
        returned_only = con.execute(
            "SELECT member_id, product_id FROM orders WHERE member_id IS NOT NULL GROUP BY 1, 2 "
            "HAVING bool_and(coalesce(is_return, quantity < 0)) LIMIT 20").fetchall()
    assert fees and not fees & set(inter.product_ids)  # postage, fees, manual lines are not recommendable
    for member, product in returned_only:
        row, col = inter.row_of(member), inter.col_of(product)
        if row is not None and col is not None:
            assert inter.confidence[row, col] == 0 and col in inter.banned(row)
    active = int(np.argmax(np.diff(inter.confidence.indptr)))
    member = inter.member_ids[active]
    for model in (ItemKNNRecommender(), ALSRecommender(iterations=5), RulesRecommender(min_support=0.0005)):
        recs = model.fit(inter).recommend(member, k=10)
        assert len(recs) == 10 and all(r.reason and r.signal for r in recs)
        assert not {r.product_id for r in recs} & {inter.product_ids[i] for i in inter.banned(active)}
