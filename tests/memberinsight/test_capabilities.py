"""The stored build outcome says which capabilities this shop cannot have, and why, in plain words."""

from __future__ import annotations

import pytest

from memberinsight.capabilities import (
    capability_note,
    load_build_steps,
    record_build,
    unavailable_capabilities,
)
from memberinsight.pipeline import BuildReport, StepResult


@pytest.fixture()
def ws(tmp_path):
    from memberinsight.workspace import Workspace

    return Workspace.create(tmp_path / "ws")


def _report(*steps: StepResult) -> BuildReport:
    return BuildReport(steps=list(steps))


def test_a_fresh_workspace_has_nothing_unavailable(ws):
    assert load_build_steps(ws) is None
    assert unavailable_capabilities(ws) == {}
    assert capability_note(ws, "clv") is None
    with pytest.raises(KeyError, match="unknown capability"):
        capability_note(ws, "telepathy")


def test_skipped_steps_and_partial_outputs_are_named_with_their_reason(ws):
    record_build(ws, _report(
        StepResult("features", 1.0),
        StepResult("churn", 0.0, status="skipped", reason="orders span 150 days; need at least 240 days"),
        StepResult("clv", 2.0, status="partial", unavailable={"spend": "no order has a price"}),
        StepResult("demand", 0.0, status="skipped", reason="fewer than 20 complete weeks of orders"),
        StepResult("recommenders", 3.0, summary={"fallbacks": {
            "rules": "rules fall back to popularity: no basket holds two or more products (400 baskets)"}})))
    missing = unavailable_capabilities(ws)
    assert set(missing) == {"churn", "clv", "demand", "rules"}
    assert capability_note(ws, "clv") == "CLV is not available on this shop: no order has a price"
    assert capability_note(ws, "churn") == ("Churn risk is not available on this shop: orders span 150 days; "
                                            "need at least 240 days")
    assert capability_note(ws, "demand").startswith("Demand forecasts are not available on this shop: fewer than 20")
    assert "no basket holds two or more products" in capability_note(ws, "rules")
    assert capability_note(ws, "purchases") is None and capability_note(ws, "recommendations") is None
    assert missing["clv"].step == "clv" and missing["churn"].step == "churn"


def test_a_partial_rebuild_keeps_the_other_steps_and_updates_its_own(ws):
    record_build(ws, _report(StepResult("features", 1.0),
                             StepResult("clv", 2.0, status="partial", unavailable={"spend": "no order has a price"}),
                             StepResult("demand", 0.0, status="skipped", reason="fewer than 20 complete weeks")))
    record_build(ws, _report(StepResult("clv", 2.0)))  # prices arrived; `build --only clv`
    steps = load_build_steps(ws)
    assert set(steps) == {"features", "clv", "demand"} and steps["clv"]["status"] == "ok"
    assert set(unavailable_capabilities(ws)) == {"demand"}


def test_a_skipped_features_step_takes_every_member_prediction(ws):
    record_build(ws, _report(StepResult("features", 0.0, status="skipped", reason="the workspace has no orders")))
    assert {"segments", "churn", "purchases", "clv"} <= set(unavailable_capabilities(ws))
    assert capability_note(ws, "segments") == "Segments are not available on this shop: the workspace has no orders"
