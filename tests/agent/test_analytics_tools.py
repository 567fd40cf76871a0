"""The analytics chat tools (:mod:`agent.tools.analytics`): a demand forecast says which days it covers, right after
the last day of data; a member's suggested action is the campaign suggestion's play when there is one."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from memberinsight.agent.tools.analytics import category_forecast, suggested_line
from memberinsight.agent.types import ToolContext
from memberinsight.config import load_settings
from memberinsight.figures import day


@pytest.fixture(scope="module")
def ctx(built_workspace) -> ToolContext:
    return ToolContext(built_workspace, load_settings(workspace=built_workspace.path))


def test_a_forecast_starts_the_day_after_the_data_and_says_which_days(ctx) -> None:
    with ctx.ws.analytics(read_only=True) as con:
        last = con.execute("SELECT max(ordered_at)::DATE FROM clean_orders").fetchone()[0]
    span = f"({day(last + timedelta(days=1))} to {day(last + timedelta(days=28))}, right after the last day of data, " \
           f"{day(last)})"
    one = category_forecast(ctx, "Outdoor", 4)  # "what will Outdoor sell next month?"
    assert one.text.startswith(f"**Outdoor, next 4 weeks** {span}: ")
    weeks = list(one.table["week_start"])
    assert weeks == [last + timedelta(days=1 + 7 * i) for i in range(4)]  # the weeks shown match the words
    every = category_forecast(ctx, None, 4)
    assert every.text.startswith(f"**Forecast for the next 4 weeks, all categories** {span}: ")


def test_the_suggested_action_is_the_campaign_suggestions_play() -> None:
    profile = SimpleNamespace(suggested_action="High churn risk for a Champions member: win them back first, then …")
    play = SimpleNamespace(play_name="VIP early access", objective="Give the best members first pick of what is coming")
    assert suggested_line(profile, play) == ("VIP early access: give the best members first pick of what is coming "
                                             "(the recommended campaign below)")
    assert suggested_line(profile) == profile.suggested_action  # no suggestion (e.g. the chat's member lookup)
