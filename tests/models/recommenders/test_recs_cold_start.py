"""Cold start on a REAL build: the fallback chain saved segment -> RFM segment -> cluster ->
demographic groups -> shop, with the group named in every explanation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from memberinsight.models.recommenders.base import top_k


def _cold_member(ws) -> str:
    with ws.analytics(read_only=True) as con:
        row = con.execute("SELECT member_id FROM members WHERE member_id NOT IN (SELECT member_id FROM orders "
                          "WHERE member_id IS NOT NULL) ORDER BY member_id").fetchone()
    assert row is not None
    return row[0]


def _expected_top(hybrid, members: list[str], k: int) -> list[str]:
    """Brute force: recency-weighted buyers among ``members``, shrunk towards the shop as documented."""
    inter = hybrid.interactions_
    seg = hybrid.components["segment_popularity"]
    rows = [inter.row_of(m) for m in members if inter.has_history(inter.row_of(m))]
    days = (inter.as_of - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    liked = inter.confidence[rows].tocoo()
    last = np.asarray(inter.last_bought[np.array(rows)[liked.row], liked.col]).ravel() - 1
    group = np.bincount(liked.col, weights=0.5 ** ((days - last) / seg.half_life_days), minlength=inter.n_products)
    expected = (group + seg.shrinkage * seg.global_) / (len(rows) + seg.shrinkage)
    return [inter.product_ids[i] for i in top_k(expected, k)]


@pytest.mark.slow
def test_member_without_history_walks_the_chain_to_their_age_band(built_workspace):
    from memberinsight.models.recommenders import load_recommender, recommend_products
    from memberinsight.models.recommenders.groups import load_member_groups

    ws = built_workspace
    member = _cold_member(ws)
    groups = load_member_groups(ws).set_index("member_id")
    # the real analytics build puts a member without orders in 'No Purchases Yet', unclustered (-1)
    assert groups.at[member, "rfm_segment"] == "No Purchases Yet" and groups.at[member, "cluster"] == "-1"
    band = groups.at[member, "age_band"]
    recs = recommend_products(ws, member, k=5)
    assert len(recs) == 5
    for r in recs:
        assert r.signal == "segment_popularity"
        assert f"age band '{band}'" in r.reason and "no purchase history yet" in r.reason
        # the explanation says which earlier group of the chain was passed over, and why
        assert "segment 'No Purchases Yet' (0 buyers)" in r.reason and "too few buyers" in r.reason
    hybrid = load_recommender(ws)
    peers = groups.index[groups["age_band"] == band].tolist()
    assert [r.product_id for r in recs] == _expected_top(hybrid, peers, 5)


@pytest.mark.slow
def test_members_with_history_are_grouped_by_their_real_rfm_segment(built_workspace):
    from memberinsight.models.recommenders import load_recommender
    from memberinsight.models.recommenders.groups import load_member_groups

    ws = built_workspace
    seg = load_recommender(ws).components["segment_popularity"]
    groups = load_member_groups(ws).set_index("member_id")
    inter = seg.interactions_
    warm = [m for m in inter.member_ids[:200] if inter.has_history(inter.row_of(m))]
    homes = {m: seg.group_label(m) for m in warm}
    for m in warm:
        if not homes[m] or homes[m].startswith("saved"):
            continue
        own = f"segment '{groups.at[m, 'rfm_segment']}'"
        # their own RFM segment, unless it has too few buyers to learn from: then the next group of the chain
        assert homes[m].startswith(own) or any(s.startswith(own) for s in seg.skipped_groups(m)), (m, homes[m])
    assert sum(1 for m in warm if homes[m] and homes[m].startswith("segment '")) > 0.9 * len(warm)


@pytest.mark.slow
def test_a_saved_segment_comes_first_in_the_chain(workspace_copy):
    from memberinsight.models.recommenders import build_recommenders, recommend_products
    from memberinsight.models.recommenders.build import load_recommender
    from memberinsight.models.recommenders.groups import load_member_groups
    from memberinsight.segments import resolve_segment_members, save_segment

    ws = workspace_copy
    member = _cold_member(ws)
    channel = load_member_groups(ws).set_index("member_id").at[member, "channel"]
    save_segment(ws, "Channel fans", {"where": {"field": "channel", "op": "=", "value": channel}}, owner="test")
    save_segment(ws, "Everyone with an id", {"where": {"field": "orders", "op": ">=", "value": 0}}, owner="test")
    build_recommenders(ws)  # the real build step, now seeing the saved segments
    hybrid = load_recommender(ws)
    fans = resolve_segment_members(ws, "Channel fans")
    assert member in fans
    recs = recommend_products(ws, member, k=5)
    buyers = sum(1 for m in fans if hybrid.interactions_.has_history(hybrid.interactions_.row_of(m)))
    for r in recs:  # the smallest saved segment holding the member wins over the bigger one
        assert r.signal == "segment_popularity"
        assert f"saved segment 'Channel fans' ({buyers} buyers)" in r.reason
    assert [r.product_id for r in recs] == _expected_top(hybrid, fans, 5)
