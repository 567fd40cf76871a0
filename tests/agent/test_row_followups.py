"""Follow-ups naming a row of the last list by its place ("first one", "tell me about the second one", "#3"): the
row is answered about (a member's profile, a segment's, a category's forecast, a fraud item), or what happened is
said in words; never a search for the words "first one" or an empty table."""

from __future__ import annotations

import pandas as pd
import pytest

from memberinsight.agent.conversation import Agent, Conversation
from memberinsight.agent.router import EmbeddingRouter
from memberinsight.agent.row_followups import Listed, listed_rows, row_followup, row_reference
from memberinsight.agent.tools import default_registry
from memberinsight.agent.types import ToolContext
from memberinsight.config import Settings

MEMBERS = Listed("member", ("M0000938", "M0001619", "M0001164"))


@pytest.mark.parametrize(("message", "place"), [
    ("first one", 1), ("the first one", 1), ("tell me about the first one", 1), ("Tell me more about the 2nd one?", 2),
    ("show me the second", 2), ("#3", 3), ("number 2", 2), ("what about the last one?", -1), ("who is the third member", 3),
    ("open row 2", 2)])
def test_a_bare_reference_names_a_place(message: str, place: int) -> None:
    assert row_reference(message) == place


@pytest.mark.parametrize("message", [
    "email the first one", "show the first 5", "first-time buyers in kitchen", "compare the first with Promising",
    "what did the first campaign earn?", "last month", "what about the last 30 days", "top 3 products", "tell me more"])
def test_other_messages_are_left_to_the_router(message: str) -> None:
    assert row_reference(message) is None
    assert row_followup(message, Conversation(listed=MEMBERS)) is None


def test_a_listed_member_segment_or_category_is_looked_up() -> None:
    found = row_followup("tell me about the second one", Conversation(listed=MEMBERS))
    assert found is not None and found[1] is None
    assert (found[0].tool, found[0].arguments) == ("member_lookup", {"member_id": "M0001619"})
    last = row_followup("the last one", Conversation(listed=MEMBERS))
    assert last is not None and last[0].arguments == {"member_id": "M0001164"}
    segments = Conversation(listed=Listed("segment", ("Champions", "Loyal"), arguments=(("by", "rfm"),)))
    found = row_followup("first one", segments)
    assert found is not None and (found[0].tool, found[0].arguments) == ("segment_overview",
                                                                         {"segment": "Champions", "by": "rfm"})
    categories = Conversation(listed=Listed("category", ("Home", "Kitchen"), arguments=(("weeks", 4),)))
    found = row_followup("#2", categories)
    assert found is not None and found[0].arguments == {"category": "Kitchen", "weeks": 4}
    fraud = Conversation(listed=Listed("fraud item", ("burst:O1", "account:K1")))
    found = row_followup("first one", fraud)
    assert found is not None and found[0].arguments == {"item": "burst:O1", "position": 1}


def test_what_cannot_be_looked_up_is_said_in_words() -> None:
    never = row_followup("tell me about the first one", Conversation())
    assert never is not None and never[0].tool is None and "did not list anything" in str(never[1])
    past = row_followup("#7", Conversation(listed=MEMBERS))
    assert past is not None and past[1] == "The last list had 3 members: which number do you mean (1 to 3)?"
    reviews = Conversation(listed=Listed("review", ("V00000796", "V00000906"), ("P10218", "P10346")))
    said = row_followup("first one", reviews)
    assert said is not None and said[0].tool is None
    assert said[1] is not None and said[1].startswith("#1 in the last list is review **V00000796** (P10218).")
    assert "**Review queue** tab" in said[1]


def test_what_an_answer_listed_in_the_order_shown() -> None:
    table = pd.DataFrame({"member_id": ["M2", "M1"], "rfm_segment": ["Champions", "Loyal"]})
    assert listed_rows("at_risk_members", {}, table) == Listed("member", ("M2", "M1"), ("Champions", "Loyal"))
    assert listed_rows("compare_segments", {"segment_a": "Champions", "segment_b": "Lost"}, None) == \
        Listed("segment", ("Champions", "Lost"), ("Champions", "Lost"))
    forecast = pd.DataFrame({"category": ["Home", "Toys"], "units": [3.0, 2.0]})
    assert listed_rows("category_forecast", {"weeks": 6}, forecast) == Listed("category", ("Home", "Toys"),
                                                                              arguments=(("weeks", 6),))
    weeks = pd.DataFrame({"week_start": ["2026-10-01"], "units": [3.0]})
    assert listed_rows("category_forecast", {"category": "Home"}, weeks) is None  # one category's weeks: no rows
    assert listed_rows("at_risk_members", {}, table.iloc[0:0]) is None


def test_the_agent_routes_a_reference_before_its_router(bow_embedder, demo_workspace) -> None:
    registry = default_registry()
    agent = Agent(registry, EmbeddingRouter(registry, bow_embedder))
    conversation = Conversation(last_tool="at_risk_members", listed=MEMBERS)
    route, question = agent.route("tell me about the first one", conversation)
    assert question is None and (route.tool, route.arguments) == ("member_lookup", {"member_id": "M0000938"})
    route, question = agent.route("first one", conversation)  # not a product search for the words "first one"
    assert question is None and route.tool == "member_lookup"
    fresh = agent.respond("first one", Conversation(), ToolContext(demo_workspace, Settings(), user="ana"))
    assert fresh.tool is None and not fresh.ok and fresh.table is None and "did not list anything" in fresh.text
