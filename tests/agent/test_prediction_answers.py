"""The chat and the campaign facts give every prediction with its 80% interval (issue 17): a member's
90-day and 12-month outlook, a segment's totals, the at-risk list's values; a member with too
little history gets ranges and why, never a confident number; the fact sheet carries the ranges and
the suggestion that quotes them passes its checks."""

from __future__ import annotations

import re

import pytest

from memberinsight.agent.tools.analytics import at_risk_members, member_lookup, segment_overview
from memberinsight.agent.types import ToolContext
from memberinsight.config import load_settings

pytestmark = pytest.mark.slow
RANGE = re.compile(r"about £?[\d,.]+ \(80%: £?[\d,.]+\u2013£?[\d,.]+\)")


@pytest.fixture(scope="module")
def ctx(built_workspace) -> ToolContext:
    return ToolContext(built_workspace, load_settings(workspace=built_workspace.path))


def _member(ws, where: str) -> str:
    with ws.analytics(read_only=True) as con:
        return str(con.execute(f"SELECT member_id FROM member_predictions WHERE {where} ORDER BY member_id LIMIT 1")
                   .fetchall()[0][0])


def test_member_lookup_gives_both_horizons_with_intervals(ctx) -> None:
    sure = _member(ctx.ws, "enough_history AND expected_orders_90d >= 0.6")
    text = member_lookup(ctx, sure).text
    near = next(line for line in text.splitlines() if line.startswith("- **next 90 days**"))
    year = next(line for line in text.splitlines() if line.startswith("- **next 12 months**"))
    assert "expected to buy about" in near and "(80%: " in near and "spend about £" in near
    assert "predicted value about £" in year and RANGE.search(year) and "value tier" in year
    assert "None" not in text


def test_member_with_too_little_history_gets_ranges_not_a_figure(ctx) -> None:
    short = _member(ctx.ws, "NOT enough_history")
    text = member_lookup(ctx, short).text
    near = next(line for line in text.splitlines() if line.startswith("- **next 90 days**"))
    assert "too little history for a confident forecast (only 1 purchase day" in near
    assert "(80% range)" in near and "about" not in near
    year = next(line for line in text.splitlines() if line.startswith("- **next 12 months**"))
    assert year.startswith("- **next 12 months** (from ") and ": predicted value between £" in year and "about" not in year


def test_segment_answers_carry_totals_with_intervals(ctx) -> None:
    one = segment_overview(ctx, "Champions")
    for label in ("purchase days expected, next 90 days", "spend expected, next 90 days",
                  "predicted value, next 12 months"):
        line = next(x for x in one.text.splitlines() if label in x)
        assert RANGE.search(line) and line.endswith("in total"), line
    assert "value next 12 months (80%)" in one.table.columns
    every = segment_overview(ctx)
    assert "Expected totals per segment, with 80% intervals" in every.text
    assert every.table["purchases next 90 days (80%)"].str.contains("(80%: ", regex=False).sum() >= 5


def test_at_risk_members_show_each_value_with_its_interval(ctx) -> None:
    result = at_risk_members(ctx, min_clv=100.0, limit=8)
    assert "Their predicted value over the next 12 months: about £" in result.text
    values = result.table["value_next_12_months"]
    assert len(values) == 8 and values.str.match(r"(about £|between £)").all()
    assert (result.table["clv_365d_low"] <= result.table["clv_365d_high"]).all()


def test_fact_sheets_carry_the_ranges_and_the_suggestion_quoting_them_passes(built_workspace, tmp_path) -> None:
    from memberinsight.agent.campaigns import campaign_facts, suggest_campaign
    from tests.conftest import copy_workspace

    sheet = campaign_facts(built_workspace, "Loyal", offer="15% off")
    low, high = sheet.stat("total_expected_orders_low"), sheet.stat("total_expected_orders_high")
    total = sheet.stat("total_expected_orders")
    assert low is not None and high is not None and low <= total <= high
    assert sheet.stat("total_predicted_value_low") <= sheet.stat("total_predicted_value") \
        <= sheet.stat("total_predicted_value_high")
    assert sheet.stat("range_level") == 80 and "80% range from" in sheet.to_prompt()
    ws = copy_workspace(built_workspace, tmp_path / "ws")  # suggestions write the audit log
    s = suggest_campaign(ws, segment="Loyal", user="lead")
    assert s.passed and not s.problems, s.problems
    assert re.search(r"Expected orders in the next 90 days: [\d,]+ in total \(80%: [\d,]+\u2013[\d,]+\)", s.text)
    member = _member(built_workspace, "enough_history AND expected_orders_90d >= 0.6 AND rfm_segment = 'Loyal'")
    one = suggest_campaign(ws, member_id=member, user="lead")
    assert one.passed and "(80%: " in one.text, one.problems
