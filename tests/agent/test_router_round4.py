"""Issue 15, round 4: the families behind round 3's held-out chat misses (now routing_blind_dev5.jsonl), each
with variants of our own: follow-ups that narrow the fraud queue by status and look-back, member descriptions
with a look-back period or at-risk words plus a condition only the parser reads, copy variants for a channel,
offers written with hyphens or shorthand, a percentage that measures members (never an offer), and everyday
names of a segment next to "shoppers"."""

from __future__ import annotations

import pytest

from memberinsight.agent.entity_checks import measured_share
from tests.agent.conftest import assert_routes

# ----- follow-ups: the fraud queue narrowed by status and days ---------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("history", "question", "arguments"), [
    (("show the fraud queue",), "pending only, last 7 days", {"status": "pending", "days": 7}),
    (("any suspicious orders lately?",), "just the escalated ones from the last 30 days please",
     {"status": "escalated", "days": 30}),
    (("fraud overview",), "only confirmed, past 14 days", {"status": "confirmed", "days": 14}),
])
def test_fraud_follow_ups_keep_the_tool(real_agent, history, question, arguments) -> None:
    assert_routes(real_agent, history, question, "fraud_overview", arguments)


# ----- member descriptions: a look-back period, at-risk words with a condition only the parser reads -------

@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "who hasnt ordered in 6 mths from insta signups",
    "Hi! Can you pull the folks who haven't ordered in 6 months but used to buy Outdoor gear?",
    "lapsed big spenders in dublin - how many?",
    "lapsed members from TikTok aged 18-24 with churn prob over 70%",
    "find custmers with more than 3 one- or two-star reviews in the last 90 days, excl Champions",
    "who bought Garden in the last 60 days from facebook",
    "dormant shoppers in Leeds who used to buy Kitchen",
])
def test_member_descriptions_with_periods_or_risk_words_go_to_find_members(real_agent, question) -> None:
    assert_routes(real_agent, (), question, "find_members", {})


@pytest.mark.slow
@pytest.mark.parametrize(("question", "arguments"), [
    ("top 10 at risk custmers worth over £500", {"limit": 10, "min_clv": 500}),
    ("which champions are at risk of churning", {"segment": "Champions"}),
])
def test_at_risk_lists_stay_with_the_at_risk_tool(real_agent, question, arguments) -> None:
    assert_routes(real_agent, (), question, "at_risk_members", arguments)


# ----- campaign copy: variants for a channel, offers with hyphens and shorthand ------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("question", "arguments"), [
    ("3 push variants for new custs, £10 off next order",
     {"segment": "New", "channel": "push", "variants": 3, "offer": "£10 off next order"}),
    ("2 sms versions for Loyal members, 15% off", {"segment": "Loyal", "channel": "sms", "variants": 2}),
    ("write a push for VIPs: free next-day delivery",
     {"segment": "Champions", "channel": "push", "offer": "free next-day delivery"}),
    ("push notif for loyal mbrs abt double points wknd",
     {"segment": "Loyal", "channel": "push", "offer": "double points weekend"}),
    ("email for Champions with free gift-wrapping", {"segment": "Champions", "channel": "email",
                                                     "offer": "free gift-wrapping"}),
])
def test_copy_requests_keep_channel_variants_and_offer(real_agent, question, arguments) -> None:
    assert_routes(real_agent, (), question, "campaign_copy", arguments)


@pytest.mark.slow
@pytest.mark.parametrize(("question", "pair"), [
    ("I'm curious, how do our New shoppers stack up against the Promising ones?", ("New", "Promising")),
    ("how do loyal shoppers compare with new shoppers", ("Loyal", "New")),
])
def test_segment_names_next_to_shoppers_are_segments(real_agent, question, pair) -> None:
    assert_routes(real_agent, (), question, "compare_segments", {"segment_a": pair[0], "segment_b": pair[1]})


# ----- a percentage that measures members is no offer (unit) ----------------------------------------------

@pytest.mark.parametrize(("offer", "text", "measured"), [
    ("70%", "lapsed members with churn prob over 70%", True),
    ("30%", "return rate above 30% in leeds", True),
    ("40%", "less than 40% likely to still be active", True),
    ("25%", "members with a 25% chance of churning", True),
    ("20%", "email the loyal members 20% for the weekend", False),
    ("25%", "offer 25% to lapsed customers", False),
    ("20% off", "members with churn over 20% off", False),  # "off" makes it an offer
])
def test_a_measured_percentage_is_not_an_offer(offer, text, measured) -> None:
    assert measured_share(offer, text) is measured
