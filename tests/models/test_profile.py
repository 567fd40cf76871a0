"""Member profile on a tiny workspace: recent orders list product lines only (no postage or fees)."""

from __future__ import annotations

import pytest

from memberinsight.config import load_settings
from memberinsight.models.build import build_features
from memberinsight.models.profile import member_profile


@pytest.fixture
def tiny_built(small_frames, tmp_path):
    from synth import load_frames

    from memberinsight.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    load_frames(ws, small_frames)
    build_features(ws, load_settings(workspace=ws.path))
    return ws


def test_recent_orders_leave_out_non_product_lines(tiny_built, small_frames):
    o = small_frames["orders"]
    with_post = o[(o["product_id"] == "POST") & o["member_id"].notna()]
    member = with_post["member_id"].value_counts().index[0]
    profile = member_profile(tiny_built, member, recent=50)
    mine = o[(o["member_id"] == member) & (o["quantity"] > 0) & ~o["is_return"]]
    products = mine[mine["product_id"] != "POST"]
    expected = products.groupby("order_id").agg(lines=("line_no", "size"), units=("quantity", "sum"))
    expected["value"] = (products["quantity"] * products["unit_price"]).groupby(products["order_id"]).sum()
    assert {r.order_id for r in profile.recent_orders} == set(expected.index)
    posted = set(with_post.loc[with_post["member_id"] == member, "order_id"])
    assert posted & set(expected.index)  # some of these orders did carry a postage line
    for r in profile.recent_orders:
        assert r.lines == expected.loc[r.order_id, "lines"]
        assert r.units == expected.loc[r.order_id, "units"]
        assert r.value == pytest.approx(expected.loc[r.order_id, "value"], abs=0.01)
        assert "Fees" not in r.categories and "Postage" not in r.titles


def test_high_churn_risk_puts_win_back_before_the_segment_action():
    from memberinsight.models.profile import member_action
    from memberinsight.models.segments import describe_segment

    loyal = describe_segment("Loyal")[1]
    assert member_action(loyal, "Loyal", "low") == loyal
    risky = member_action(loyal, "Loyal", "high")
    assert risky.startswith("High churn risk for a Loyal member: win them back first") and risky.endswith(
        loyal[1:])
    at_risk = describe_segment("At Risk")[1]
    assert member_action(at_risk, "At Risk", "high") == at_risk  # already a win-back action
    assert member_action("", None, "high") == ""
