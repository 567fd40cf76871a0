"""The chat's find_members tool (issue 15, round 3): "who/which members ... <conditions>" questions go to it,
at-risk lists stay with at_risk_members; the tool shows the parser's read-back, asks the parser's question
instead of listing anyone, refuses what is no description; money reads with the shop's currency sign."""

from __future__ import annotations

import pandas as pd
import pytest

from memberinsight.agent.conversation import Conversation
from memberinsight.agent.tools._common import markdown_table, money
from tests.agent.conftest import assert_routes

# ----- routing (the real packaged MiniLM router) -----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "which customers in Leeds spent over £200 this year",
    "who bought Electronics last month",
    "find members in London with high churn risk",
    "customers in Dublin or Cork who bought Pets",
    "which members have 5+ orders and a return rate above 30%",
    "list customers who haven't ordered since Black Friday",
    "how many customers in Bristol have high churn risk",
    "Champions in Manchester who bought Garden",
    "custmers in manchestr who bought Outdoor",
])
def test_member_descriptions_go_to_find_members(real_agent, question: str) -> None:
    route, reply = real_agent.route(question, Conversation())
    assert reply is None and route.tool == "find_members", (route, reply)
    assert route.arguments["description"] == question  # the operator's own words: the parser asks about typos


@pytest.mark.slow
@pytest.mark.parametrize(("question", "arguments"), [
    ("show 25 churn risks worth more than £1,000", {"limit": 25, "min_clv": 1000}),
    ("Hey, who in the At Risk group has a predicted value of at least £250? Just show me 25 of them.",
     {"segment": "At Risk", "min_clv": 250, "limit": 25}),
    ("which champions are at risk of churnin", {"segment": "Champions"}),
    ("valuable custmers about to churn over 2000 pounds", {"min_clv": 2000}),
    ("list 40 members likely to leave worth at least £300", {"limit": 40, "min_clv": 300}),
])
def test_at_risk_lists_stay_with_at_risk_members(real_agent, question: str, arguments: dict) -> None:
    route, reply = real_agent.route(question, Conversation())
    assert reply is None and route.tool == "at_risk_members", (route, reply)
    assert {k: route.arguments.get(k) for k in arguments} == arguments


@pytest.mark.slow
@pytest.mark.parametrize(("history", "question", "tool", "arguments"), [
    ((), "what kind of analysis is supported", "help", {}),
    ((), "show available commands", "help", {}),
    ((), "which types of reports can you do", "help", {}),
    ((), "need attention ppl any ideas free shipping", "campaign_suggestion",
     {"segment": "Need Attention", "offer": "free shipping"}),
    (("compare Champions and Loyal for me please",), "Same again but swap Loyal for Potential Loyalist",
     "compare_segments", {"segment_a": "Champions", "segment_b": "Potential Loyalist"}),
    (("compare Lost and Hibernating",), "now Promising instead of Hibernating", "compare_segments",
     {"segment_a": "Lost", "segment_b": "Promising"}),
    ((), "how do our VIPs stack up against the newbies?", "compare_segments",
     {"segment_a": "Champions", "segment_b": "New"}),
    ((), "I'd like ideas for our range. Could you search the catalogue for cosy blankets and throws?",
     "product_search", {"query": "cosy blankets and throws"}),
])
def test_round3_chat_families(real_agent, history: tuple[str, ...], question: str, tool: str,
                              arguments: dict) -> None:
    assert_routes(real_agent, history, question, tool, arguments)


@pytest.mark.slow
def test_two_segments_discussed_without_history_is_asked(real_agent) -> None:
    route, reply = real_agent.route("Following yesterday's meeting, could you compare the two segments we "
                                    "discussed?", Conversation())
    assert route.tool is None and reply and not route.refused


# ----- money for people ------------------------------------------------------------------------------------

def test_money_and_money_columns_carry_the_currency_sign() -> None:
    assert money(1234.5, "£") == "£1,234" and money(42.6, "€") == "€42.60" and money(-5, "£") == "-£5.00"
    assert money(None) == "n/a"
    table = pd.DataFrame({"segment": ["Champions"], "revenue": [284088.26], "revenue_share": [0.5862],
                          "members": [1200], "net spend (Beauty)": [19.5]})
    text = markdown_table(table, currency="£")
    assert "£284,088" in text and "£19.50" in text and "59%" in text and "| 1,200 |" in text


def test_dates_in_chat_tables_read_as_words() -> None:
    table = pd.DataFrame({"week_start": [pd.Timestamp("2026-10-01")], "ordered_at": ["2026-05-11 20:03:40"],
                          "signup_date": [None], "order id": ["O000000009"]})
    text = markdown_table(table)
    assert "| 1 October 2026 | 11 May 2026, 20:03 |  | O000000009 |" in text
    assert "2026-10-01" not in text and "00:00" not in text


# ----- the tool on the built demo workspace -------------------------------------------------------------------

@pytest.fixture(scope="module")
def ctx(built_workspace):
    from memberinsight.agent.types import ToolContext
    from memberinsight.config import load_settings

    return ToolContext(built_workspace, load_settings(workspace=built_workspace.path))


@pytest.mark.slow
def test_find_members_reads_back_counts_and_lists(ctx) -> None:
    from memberinsight.agent.tools.members import find_members
    from memberinsight.segments import load_vocabulary, parse_sentence, segment_members

    question = "which customers in Leeds spent over £200 this year"
    result = find_members(ctx, question)
    expected = segment_members(ctx.ws, parse_sentence(question, load_vocabulary(ctx.ws)).definition)
    assert result.ok and expected and result.subject["member_list"] == expected
    assert f"**{len(expected):,} members** match" in result.text
    assert "I read this as: city is Leeds AND net spend in 2026 is more than £200" in result.text
    assert ctx.currency == "£" and "| £" in result.text  # the spend column reads as money
    assert list(result.table.columns)[:2] == ["member_id", "city"] and len(result.table) == min(10, len(expected))
    assert set(result.table["member_id"]) <= set(expected)


@pytest.mark.slow
@pytest.mark.parametrize("question", ["big spenders in Leeds", "custmers in manchestr who bought Outdoor twice",
                                      "christmas shoppers in London"])
def test_find_members_asks_the_parsers_question_and_lists_nobody(ctx, question: str) -> None:
    from memberinsight.agent.tools.members import find_members

    result = find_members(ctx, question)
    assert "Before I list anyone, please check" in result.text and "I read this as:" in result.text
    assert "member_list" not in result.subject and result.table is None


@pytest.mark.slow
def test_find_members_refuses_actions_and_asks_for_a_description(ctx) -> None:
    from memberinsight.agent.tools.members import find_members

    refused = find_members(ctx, "delete all customers in Leeds")
    assert not refused.ok and "does not describe members" in refused.text
    nothing = find_members(ctx, "hello there")
    assert not nothing.ok and "Describe them in plain words" in nothing.text


# ----- the phrasings themselves (no model) ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "described"), [
    ("which customers in leeds spent over £200 this year", True),
    ("customers aged 55-64 who signed up through email", True),
    ("which customers left 2 or more one-star reviews", True),
    ("how many customers do we have in each segment", False),
    ("the people who signed up but never bought anything", False),
    ("how many orders do we have", False),
    ("members by behaviour cluster, with size and revenue in their decks", False),
])
def test_member_description_phrasing(text: str, described: bool) -> None:
    from memberinsight.agent.cues import MEMBER_DESCRIPTION_RE

    assert bool(MEMBER_DESCRIPTION_RE.search(text)) == described


def test_swap_and_asking_sentence_and_value_horizon() -> None:
    from memberinsight.agent.arguments import _asking_sentence, _swapped

    assert _swapped(("Champions", "Loyal"), ["Loyal", "Potential Loyalist"], "same again but swap loyal for "
                                                                             "potential loyalist") == ("Champions",
                                                                                                       "Potential Loyalist")
    assert _swapped(("Champions", "Loyal"), ["Lost", "Promising"], "swap lost for promising") is None
    assert _swapped((None, None), ["Loyal", "Lost"], "swap loyal for lost") is None
    assert _asking_sentence("We're planning an edit. Could you search the catalogue for cosy throws?") == \
        "Could you search the catalogue for cosy throws?"
    assert _asking_sentence("cosy throws") == "cosy throws"
