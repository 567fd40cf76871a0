"""Families of phrasings the blind corpus showed the router missing, each with variants of our own.

Round 2 of issue 15: every miss on ``routing_blind_dev2`` stands for a family of phrasings (a tool
confused with its neighbour, a long polite message whose request comes last, a refusal that names a
segment word, a bare product noun phrase, a number or a follow-up). The sentences here are not the
corpus's: they are other members of the same families, with the real packaged embedding model.
"""

from __future__ import annotations

import pytest

from tests.agent.conftest import assert_routes, route_after

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    # recommending for a member, not looking them up
    ("pitch something to customer M0000999", "recommend_for_member", {"member_id": "M0000999"}),
    ("what shud we offer M0000123", "recommend_for_member", {"member_id": "M0000123"}),
    ("any product ideas for M0000300?", "recommend_for_member", {"member_id": "M0000300"}),
    ("I have a customer on the phone, id M0000412, she wants to know what else she might like. Any suggestions?",
     "recommend_for_member", {"member_id": "M0000412"}),
    # ... and looking them up, not recommending
    ("what has M0000123 bought", "member_lookup", {"member_id": "M0000123"}),
    ("how much has M0000123 spent", "member_lookup", {"member_id": "M0000123"}),
    ("what has customer M0000680 ordered recently", "member_lookup", {"member_id": "M0000680"}),
    # a plan for a segment, not its profile or its copy
    ("How should we approach the Loyal segment?", "campaign_suggestion", {"segment": "Loyal"}),
    ("how do we handle the Need Attention group", "campaign_suggestion", {"segment": "Need Attention"}),
    ("what to do w at risk", "campaign_suggestion", {"segment": "At Risk"}),
    ("campaign for Promising with 2 for 1", "campaign_suggestion", {"segment": "Promising"}),
    # copy, not a profile
    ("give me a subject line for Loyal", "campaign_copy", {"segment": "Loyal", "channel": "email"}),
    ("come up with wording for a push to New members", "campaign_copy", {"segment": "New", "channel": "push"}),
    # "at risk" narrowing another segment: the at-risk list within it
    ("at risk loyal pls, top 5", "at_risk_members", {"segment": "Loyal", "limit": 5}),
    ("which Champions are at risk?", "at_risk_members", {"segment": "Champions"}),
    ("any whales at risk of leaving? top 12", "at_risk_members", {"segment": "Champions", "limit": 12}),
    ("show at-risk Loyal members", "at_risk_members", {"segment": "Loyal"}),
    ("compare At Risk and Champions", "compare_segments", {"segment_a": "At Risk", "segment_b": "Champions"}),
    # ... and "the at risk lot" naming the segment itself
    ("describe the at risk crowd", "segment_overview", {"segment": "At Risk"}),
    ("profile of the at-risk bunch please", "segment_overview", {"segment": "At Risk"}),
    ("how is segment Loyal doing, give me numbers", "segment_overview", {"segment": "Loyal"}),
    ("summarise the customer base for me", "segment_overview", {}),
    # clusters by number
    ("what's in cluster 3?", "segment_overview", {"segment": "3", "by": "cluster"}),
    ("compare cluster 1 and cluster 3", "compare_segments", {"segment_a": "cluster 1", "segment_b": "cluster 3"}),
    # help, however it is asked
    ("what r ur tools", "help", {}),
    ("list your functions", "help", {}),
    ("I'm totally lost, what can I do here?", "help", {}),
    ("feeling a bit lost with this thing, any tips?", "help", {}),
    # the data's own totals and state
    ("how many orders do we have", "data_status", {}),
    ("any rejects?", "data_status", {}),
    # a forecast asked to be "run" is a forecast, not a model run
    ("run a forecast for Garden", "category_forecast", {"category": "Garden"}),
    ("could you build me a quick forecast for Pets over 3 weeks", "category_forecast",
     {"category": "Pets", "weeks": 3}),
    ("fcast garden 4wks", "category_forecast", {"category": "Garden", "weeks": 4}),
    ("could you prepare a twelve-week forecast for Electronics?", "category_forecast",
     {"category": "Electronics", "weeks": 12}),
    # numbers with signs, sizes and years
    ("churners in loyal, clv > 500", "at_risk_members", {"segment": "Loyal", "min_clv": 500}),
    ("hiking boots size 10", "product_search", {"query": "hiking boots size 10"}),
    ("member M0000356 - how many orders since 2024?", "member_lookup", {"member_id": "M0000356"}),
    # bare product noun phrases
    ("camping lanterns", "product_search", {"query": "camping lanterns"}),
    ("lavender candles, 5 results", "product_search", {"query": "lavender candles", "k": 5}),
    ("bluetooth speaker for the shower", "product_search", {"query": "bluetooth speaker for the shower"}),
])
def test_families_route_with_their_arguments(real_agent, question: str, tool: str, arguments: dict) -> None:
    assert_routes(real_agent, (), question, tool, arguments)


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("Hi! Hope you're well. I've been asked to prepare for the Monday meeting. Could you compare Champions and "
     "Loyal?", "compare_segments", {"segment_a": "Champions", "segment_b": "Loyal"}),
    ("I'm preparing a deck on customer value for Thursday and need one more slide. How many reviews are pending "
     "right now?", "review_queue_summary", {"status": "pending"}),
    ("Our reviews have been a mess lately and my boss is worried about fake ones. But first, can you tell me how "
     "the Garden category will sell over the next 6 weeks?", "category_forecast", {"category": "Garden", "weeks": 6}),
    ("Just so you know, we had a data import yesterday that took ages. Anyway, could you suggest a campaign for "
     "Need Attention?", "campaign_suggestion", {"segment": "Need Attention"}),
    ("Hiya! Just wondering, when was the data last refreshed? Want to make sure the numbers are current.",
     "data_status", {}),
    ("Could you tell me a bit more about our big spenders? I'd love to see their profile.", "segment_overview",
     {"segment": "Champions"}),
    ("Hi! I'm wondering how Toys will do over the coming weeks. Could you run a forecast for 8 weeks?",
     "category_forecast", {"category": "Toys", "weeks": 8}),
    ("Quick question for you - I'm looking for a present for my dad who loves fishing. Do we sell anything like "
     "that?", "product_search", {"query": "present for my dad who loves fishing"}),
])
def test_long_polite_messages_are_read_by_their_request(real_agent, question: str, tool: str,
                                                         arguments: dict) -> None:
    assert_routes(real_agent, (), question, tool, arguments)


@pytest.mark.parametrize(("history", "question", "tool", "arguments"), [
    (("find me yoga mats",), "top 10 pls", "product_search", {"query": "yoga mats", "k": 10}),
    (("find hiking boots",), "show 10", "product_search", {"query": "hiking boots", "k": 10}),
    (("find 5 hiking boots",), "what about tents", "product_search", {"query": "tents", "k": 5}),
    (("find me yoga mats",), "and for pilates?", "product_search", {"query": "yoga mats for pilates"}),
    (("find waterproof jackets",), "cheaper ones?", "product_search", {"query": "cheaper waterproof jackets"}),
    (("find waterproof jackets",), "anything in red", "product_search", {"query": "waterproof jackets in red"}),
    (("how many reviews are pending",), "top 5 riskiest", "review_queue_summary", {"status": "pending", "limit": 5}),
    (("look up M0000123",), "is he a champion?", "member_lookup", {"member_id": "M0000123"}),
    (("whats the churn risk on M0000923",), "ok give me 5 products to tempt them back", "recommend_for_member",
     {"member_id": "M0000923", "k": 5}),
    (("top 10 at risk members",), "make it 20", "at_risk_members", {"limit": 20}),
])
def test_follow_ups_keep_what_they_do_not_change(real_agent, history: tuple[str, ...], question: str, tool: str,
                                                 arguments: dict) -> None:
    assert_routes(real_agent, history, question, tool, arguments)


@pytest.mark.parametrize("question", [
    "compare M0000044 and M0000045",  # one member at a time
    "compare champions, loyal and lost",  # two segments at a time
    "forecast home and kitchen",  # one category, or all of them?
    "forecast for Champions",  # forecasts are by category, not by segment
    "reviews flagged as fake in Electronics",  # the queue is not kept by category
    "search",  # nothing to look for
    "hmm",
])
def test_what_a_tool_cannot_take_is_asked_back_not_dropped(real_agent, question: str) -> None:
    route, reply = route_after(real_agent, question)
    assert route.tool is None and not route.refused and reply, (question, route.reason)


@pytest.mark.parametrize(("history", "question"), [
    ((), "who won the Champions League last year"),
    ((), "which team won the premier league"),
    ((), "is the tv show Lost worth watching"),
    ((), "recommend a good film about champions"),
    ((), "tell me a joke about lost customers"),
    ((), "what's the weather in Paris this weekend"),
    ((), "what's on TV this evening"),
    ((), "export champs"),
    ((), "can you email me the list of Lost customers"),
    ((), "send me a csv of at risk members"),
    ((), "give the VIPs 500 bonus points"),
    ((), "upgrade M0000123 to Champions"),
    ((), "make all Hibernating customers Lost"),
    ((), "merge Loyal and Champions"),
    ((), "rename Champions to VIPs"),
    ((), "put everyone in Hibernating on the do-not-contact list"),
    ((), "schedule the Champions email for Friday"),
    ((), "launch the win-back campaign for Lost"),
    ((), "del M0000012"),
    ((), "can you give me the names of the Champions"),
    (("look up M0000450",), "whats their email"),
    (("look up M0000450",), "and her mobile?"),
])
def test_refusals_that_name_shop_words_are_refused(real_agent, history: tuple[str, ...], question: str) -> None:
    route, reply = route_after(real_agent, question, history)
    assert route.refused and route.tool is None and reply, (question, route.reason)


@pytest.mark.parametrize("question", [
    "put champions side by side with need attention",  # "put" + two segments, but a comparison
    "make an email for Champions and Loyal",  # "make" + two segments, but copy
    "show Champions",  # "show" is not "the show ..."
    "what's the weather going to do to our garden sales",  # a category named: the forecast
])
def test_the_new_refusal_rules_leave_requests_alone(real_agent, question: str) -> None:
    route, reply = route_after(real_agent, question)
    assert not route.refused, (question, route.reason, reply)
