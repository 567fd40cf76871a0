"""Issue 15, round 5: the families behind round 4's held-out chat misses (now routing_blind_dev5.jsonl) and
round 5's dev writer (routing_blind_dev6.jsonl), each with variants of our own: offers kept whole, money slang,
list sizes said in words, acting on one order or one person refused, market questions refused, model status,
terse member ids, follow-ups that narrow a search, and member descriptions by a rate, a channel or an age."""

from __future__ import annotations

import pytest

from memberinsight.agent.conversation import Conversation
from memberinsight.agent.numbers import read_offer
from memberinsight.agent.spelling import expand_shorthand
from tests.agent.conftest import assert_routes, route_after

# ----- offers: the whole offer, not its first words (fast: the reader alone) --------------------------------

@pytest.mark.parametrize(("text", "offer"), [
    ("Write push copy for the Champions offering early access to the autumn sale, three versions",
     "early access to the autumn sale"),
    ("copy for our VIPs about early access to the Black Friday sale?", "early access to the Black Friday sale"),
    ("early access to the new range for Loyal", "early access to the new range"),
    ("push for the New segment, 3 variants, 10% off their second order", "10% off their second order"),
    ("free delivery on orders over £40 to the champions", "free delivery on orders over £40"),
])
def test_offers_are_read_whole(text: str, offer: str) -> None:
    assert read_offer(text) == offer


@pytest.mark.parametrize(("text", "written"), [
    ("worth over a grand", "worth over £1k"),
    ("spent 5 grand", "spent £5k"),
])
def test_money_slang_is_written_out(text: str, written: str) -> None:
    assert expand_shorthand(text) == written


# ----- refusals: acting on an order or one person; market questions ---------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "Please issue a full refund for order 55123 and email the customer to confirm.",
    "process a partial refund for M0000123",
    "can you ring that customer back about her parcel",
    "what's Amazon's stock price today",
    "how is the FTSE doing",
])
def test_actions_and_market_questions_are_refused(real_agent, question: str) -> None:
    route, reply = real_agent.route(question, Conversation())
    assert route.refused and route.tool is None and reply, (question, route.reason)
    assert "member_id" not in route.arguments


@pytest.mark.slow
def test_sending_a_member_something_is_still_a_recommendation(real_agent) -> None:
    assert_routes(real_agent, (), "Could you suggest 3 products for M0001100? She's a long-time customer and I'd "
                                  "like to send her something personal.", "recommend_for_member",
                  {"member_id": "M0001100", "k": 3})


# ----- routing families ---------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("history", "question", "tool", "arguments"), [
    ((), "Have the churn and CLV models been built yet?", "data_status", {}),
    ((), "which modles are built atm", "data_status", {}),
    ((), "are the models trained?", "data_status", {}),
    ((), "M0000057 - orders, spend, predicted value?", "member_lookup", {"member_id": "M0000057"}),
    ((), "M0001203: segment and churn?", "member_lookup", {"member_id": "M0001203"}),
    ((), "Can you suggest ten things member M0001234 might like?", "recommend_for_member",
     {"member_id": "M0001234", "k": 10}),
    ((), "at-risk customers worth over a grand", "at_risk_members", {"min_clv": 1000}),
    ((), "suggest a campaign for potential loyalists, free delivery over £40", "campaign_suggestion",
     {"segment": "Potential Loyalist"}),
    ((), "could you recommend a campaign for the hibernating lot", "campaign_suggestion", {"segment": "Hibernating"}),
    ((), "write 3 push notification variants for Loyal, 10% off", "campaign_copy",
     {"segment": "Loyal", "channel": "push", "variants": 3}),
    ((), "list cust with return rate over 40%", "find_members", {}),
    ((), "Can you find members who signed up through Instagram and are under 35?", "find_members", {}),
    ((), "customers with an average order value above £80 in Leeds", "find_members", {}),
])
def test_round5_families_route_with_their_arguments(real_agent, history, question, tool, arguments) -> None:
    assert_routes(real_agent, history, question, tool, arguments)


@pytest.mark.slow
@pytest.mark.parametrize(("history", "question", "words"), [
    (("Find me waterproof walking jackets suitable for winter hillwalking.",), "now just the children's ones, top 5",
     {"children", "waterproof", "jackets"}),
    (("search for camping lanterns",), "only the solar ones", {"solar", "camping", "lanterns"}),
])
def test_a_follow_up_narrows_the_search(real_agent, history, question, words) -> None:
    route, reply = route_after(real_agent, question, history)
    assert reply is None and route.tool == "product_search", (route.tool, route.reason)
    assert words <= set(str(route.arguments["query"]).lower().replace("'", "").split())


@pytest.mark.slow
@pytest.mark.parametrize("history", [(), ("data status",)])
def test_the_other_one_with_nothing_to_point_at_is_asked(real_agent, history) -> None:
    route, reply = route_after(real_agent, "what about the other one?", history)
    assert route.tool is None and not route.refused and reply
