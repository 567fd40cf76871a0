"""Checks on meaning (issue 14): claims, internal vocabulary, one meaning per figure, links and codes,
names matched as names, honest offer equivalents. Every example the issue names is a case here."""

from __future__ import annotations

from datetime import date

import pytest

from memberinsight.agent.campaigns import FactSheet, ProductFact, check_copy
from memberinsight.agent.campaigns.dates import Timing, check_relative_deadlines
from memberinsight.agent.campaigns.meaning import segment_class
from memberinsight.agent.campaigns.names import member_names_used
from memberinsight.agent.campaigns.offer_sense import offer_sense

SENT, ENDS = date(2026, 12, 7), date(2026, 12, 21)  # a Monday; the offer ends 14 days later


def sheet(offer: str = "15% off", segment: str = "At Risk", *, as_of: date = SENT, deadline: date | None = ENDS,
          products: tuple[ProductFact, ...] | None = None) -> FactSheet:
    return FactSheet(
        segment=segment, audience_size=412, offer=offer, as_of=as_of, deadline=deadline, brand="Fernhill Market",
        products=products if products is not None else (
            ProductFact("Enamel Camping Mug", 12.0), ProductFact("Wool Hiking Socks", 18.5),
            ProductFact("Pet Bowl - Bamboo Fibre", 9.0), ProductFact("Trail Backpack", 56.0),
            ProductFact("Copperline Single-Origin Coffee Beans", 14.0)),
        forbidden_names=frozenset({"White", "King", "Green", "Alice"}))


# ----- every invented example the issue names is rejected, for the right reason -------------------------

INVENTED = [
    ("15% off", "sms", "Fernhill Market: Your order is ready. 15% off for you. Reply STOP",
     "claim not in the facts (the state of an order)"),
    ("15% off", "sms", "Fernhill Market: 15% off for you. Received. Reply STOP",
     "claim not in the facts (the state of an order)"),
    ("15% off", "push", "Shoutout to the members of this segment who may leave! 15% off until 21 Dec.",
     "internal wording in customer copy: 'segment'"),
    ("15% off", "push", "{first_name} is a loyal member of this segment: 15% off until 21 Dec.",
     "internal wording in customer copy: 'segment'"),
    ("15% off", "body", "Hi {first_name}, 15% off until 21 December. No returns (lowers risk); no returns (lowers risk)",
     "internal wording in customer copy: 'lowers risk'"),
    ("15% off", "body", "Hi {first_name}, 15% off until 21 December. No returns (lowers risk); no returns (lowers risk)",
     "repeats itself"),
    ("15% off", "body", "Hi {first_name}, 15% off until 21 December. Pet Bowl - Bamboo Fibre has been a huge mistake.",
     "claim not in the facts (something that runs down a product or refuses the offer)"),
    ("15% off", "push", "You can't have this offer! 15% off until 21 Dec.",
     "claim not in the facts (something that runs down a product or refuses the offer)"),
    ("15% off", "body", "Hi {first_name}, 15% off until 21 December, and we have no plans to sell Copperline "
                        "Single-Origin Coffee Beans.", "claim not in the facts (stock or scarcity)"),
    ("15% off", "body", "Hi {first_name}, 15% off until the end of the horizon.",
     "internal wording in customer copy: 'horizon'"),
    ("15% off", "sms", "Fernhill Market: 14 pct off until 21 Dec. Reply STOP", "percentage not in the facts: 14"),
    ("15% off", "sms", "Fernhill Market: 56 pct off until 21 Dec. Reply STOP", "percentage not in the facts: 56"),
    ("15% off", "push", "15% off until 21 Dec: Wool Hiking Socks, just £9.",
     "price of Wool Hiking Socks is £18.50 in the facts, not £9"),
    ("15% off", "push", "Only 14 left in stock: Wool Hiking Socks, 15% off until 21 Dec.",
     "claim not in the facts (stock or scarcity)"),
    ("15% off", "push", "15% off our best-selling Wool Hiking Socks until 21 Dec.", "claim not in the facts (a ranking)"),
    ("15% off", "push", "15% off until 21 Dec. Warm feet guaranteed.",
     "claim not in the facts (a guarantee or price promise)"),
    ("15% off", "push", "15% off until 21 Dec, next-day delivery included.",
     "claim not in the facts (delivery speed or timing)"),
    ("15% off", "push", "You left earbuds in your basket: 15% off until 21 Dec.",
     "claim not in the facts (what the member left in a basket or browsed)"),
    ("15% off", "body", "Hi {first_name}, as one of our most loyal customers you get 15% off until 21 December.",
     "claim not in the facts (loyalty or status the audience does not have)"),
    ("15% off", "push", "15% off until 21 Dec at bit.ly/fern15", "web address not in the facts: bit.ly/fern15"),
    ("15% off", "push", "15% off until 21 Dec at fernhillmarket.uk", "web address not in the facts: fernhillmarket.uk"),
    ("15% off", "push", "15% off until 21 Dec: use WINTER at checkout", "promo code not in the offer: WINTER"),
    ("15% off", "push", "Dear Mr King, 15% off until 21 Dec.", "contains the name of a real member: King"),
    ("15% off", "push", "Hi White, 15% off until 21 Dec.", "contains the name of a real member: White"),
    ("15% off", "push", "15% off until 21 Dec for {first_name} Green.", "contains the name of a real member: Green"),
    ("15% off", "push", "15% off until 21 Dec, with hassle-free returns.",
     "claim not in the facts (a guarantee or price promise)"),
    ("15% off", "push", "Your churn score says it's time: 15% off until 21 Dec.",
     "internal wording in customer copy: 'churn'"),
    ("15% off", "push", "At Risk? Not any more: 15% off until 21 Dec.", "segment label in customer copy: 'At Risk'"),
    ("£10 off your next order", "push", "£14 off your next order until 21 Dec.", "discount not in the offer: £14"),
    ("£10 off your next order", "push", "£10 off every order until 21 Dec.",
     "claim not in the facts (a scope wider than the offer's)"),
    ("free shipping over £40", "push", "Free shipping over £18.50 until 21 Dec.", "spend threshold not in the offer"),
    ("buy one get one free", "push", "3 for 2 on every Enamel Camping Mug until 21 Dec.", "offer not in the facts: 3 for 2"),
    ("double points", "push", "Triple points until 21 Dec.", "offer not in the facts: Triple points"),
    ("double points", "push", "5x points until 21 Dec.", "multiplier not in the offer: 5x"),
    ("15% off", "push", "15% off for a month, until 21 Dec.", "duration not in the facts: 'a month'"),
    ("15% off", "push", "15% off, ends on the 20th.", "date not in the facts: the 20th"),
    ("15% off", "push", "15% off until 21 Dec. Just 3 Wool Hiking Socks left!", "claim not in the facts (stock or scarcity)"),
    ("15% off", "push", "15% off until 21 Dec. Only 12 Enamel Camping Mugs left!", "number not in the facts: 12"),
]


@pytest.mark.parametrize(("offer", "part", "text", "expected"), INVENTED)
def test_invented_facts_are_rejected(offer: str, part: str, text: str, expected: str) -> None:
    result = check_copy(text, sheet(offer), part)
    assert not result.passed
    assert any(p.startswith(expected) for p in result.problems), result.problems


def test_a_weekend_deadline_two_weeks_away_is_invented() -> None:
    """'double points this weekend' paired with a deadline 14 days away (the issue's example)."""
    tuesday = date(2026, 12, 8)
    far = sheet("double points", as_of=tuesday, deadline=date(2026, 12, 22))
    result = check_copy("Double points this weekend, {first_name}!", far, "push")
    assert any(p.startswith("deadline not in the facts: 'this weekend'") for p in result.problems), result.problems
    near = sheet("double points this weekend", as_of=tuesday, deadline=None)  # the offer sets Sunday 13 December
    assert near.deadline == date(2026, 12, 13)
    assert check_copy("Double points this weekend, {first_name}!", near, "push").passed
    # The offer runs two days, not all week.
    assert not check_copy("Double points all week long, until Sunday 13 December!", near, "push").passed


# ----- every honest example the issue names passes ------------------------------------------------------

HONEST = [
    ("15% off", "subject", "15% off for you - two weeks left"),
    ("15% off", "push", "Dreaming of a white Christmas? 15% off Wool Hiking Socks (£18.50) until 21 Dec."),
    ("15% off", "push", "Treat yourself like a king: 15% off until 21 Dec."),
    ("15% off", "push", "Go green this winter: 15% off until 21 Dec."),
    ("15% off", "push", "King-size comfort: Wool Hiking Socks £18.50, 15% off until 21/12."),
    ("15% off", "sms", "Fernhill Market: fifteen percent off until Monday 21 December. Reply STOP"),
    ("15% off", "push", "15 per cent off for the next 14 days, {first_name}."),
    ("15% off", "push", "15% off until 21 Dec - ends on the 21st."),
    ("£10 off your next order", "subject", "A tenner off, until 21 December"),
    ("£10 off your next order", "subject", "GBP 10 off your next order"),
    ("£10 off your next order", "push", "Take ten pounds off your next order until 21/12."),
    ("£10 off your next order", "push", "£10 off your next order - Pet Bowl - Bamboo Fibre £9. Ends 21 Dec."),
    ("buy one get one free", "sms", "Fernhill Market: 2 for 1 on the Enamel Camping Mug, £12, ends Mon 21 Dec. Reply STOP"),
    ("buy one get one free", "push", "Two Enamel Camping Mugs for the price of one, until 21 Dec."),
    ("buy one get one free", "push", "Buy one, get one free: Enamel Camping Mug £12, until Monday 21 December."),
    ("double points", "push", "Earn 2x points until Monday 21 December."),
    ("double points", "push", "Twice the points until 21 Dec, {first_name}."),
    ("double points", "push", "Your points are doubled until 21 Dec, {first_name}."),
    ("free shipping over £40", "push", "Shipping's on us when you spend over £40, until 21 Dec."),
    ("free shipping over £40", "sms", "Fernhill Market: orders over £40 ship free until 21 Dec. Reply STOP"),
]


@pytest.mark.parametrize(("offer", "part", "text"), HONEST)
def test_honest_wordings_pass(offer: str, part: str, text: str) -> None:
    result = check_copy(text, sheet(offer), part)
    assert result.passed, result.problems


def test_early_access_stated_in_other_words() -> None:
    champions = sheet("early access to the winter sale", "Champions", deadline=date(2026, 12, 14))
    for text in ("Winter sale early access: Copperline Single-Origin Coffee Beans £14. Ends Monday 14 December.",
                 "Get in early: our winter sale is open to you before everyone else, until 14 Dec.",
                 "First look at the winter sale, one week only.",
                 "An early peek at the winter sale, until 14 Dec."):
        assert check_copy(text, champions, "push").passed, (text, check_copy(text, champions, "push").problems)
    assert not check_copy("Our winter sale, until 14 Dec.", champions, "push").passed  # the offer is not stated


# ----- claims need a fact that supports them -----------------------------------------------------------

def test_claims_follow_the_audience_and_the_products() -> None:
    loyal = "As one of our most loyal customers, take 15% off until 21 Dec."
    assert check_copy(loyal, sheet(segment="Champions"), "push").passed
    assert not check_copy(loyal, sheet(segment="Hibernating"), "push").passed
    missed = "We've missed you: 15% off until 21 Dec."
    assert check_copy(missed, sheet(segment="At Risk"), "push").passed
    assert not check_copy(missed, sheet(segment="Champions"), "push").passed
    first = "Thanks for your first order! 15% off until 21 Dec."
    assert check_copy(first, sheet(segment="New"), "push").passed
    assert not check_copy(first, sheet(segment="Loyal"), "push").passed
    ranked = "15% off our best-selling Enamel Camping Mug until 21 Dec."
    best = (ProductFact("Enamel Camping Mug", 12.0, reason="best-seller in the last 12 months"),)
    assert check_copy(ranked, sheet(products=best), "push").passed
    assert not check_copy(ranked, sheet(), "push").passed
    assert segment_class(sheet(segment="One member (Can't Lose Them)")) == "lapsed"


def test_the_rationale_may_use_the_teams_vocabulary() -> None:
    facts = sheet()
    text = "The segment has 412 members at risk of churn; the model scores them by recency."
    assert check_copy(text, facts, "rationale").passed, check_copy(text, facts, "rationale").problems
    assert not check_copy("15% off until 21 Dec for 412 members at risk of churn.", facts, "push").passed


def test_the_operators_own_offer_words_are_not_claims() -> None:
    facts = FactSheet(segment="Lost", audience_size=3, offer="free delivery on every order this month")
    assert check_copy("Free delivery on every order this month", facts, "subject").passed


def test_names_are_matched_as_names() -> None:
    names = {"White", "King", "Rich", "Alice"}
    known = {"white", "king"}
    assert member_names_used("Dreaming of a White Christmas? Like a king!", names, known) == []
    assert member_names_used("Rich, smooth coffee for {first_name}.", names, known) == []
    assert member_names_used("Dear Mr King, hello.", names, known) == ["King"]
    assert member_names_used("Hi Rich, 15% off.", names, known) == ["Rich"]
    assert member_names_used("Rich, your 15% off is here.", names, known) == ["Rich"]
    assert member_names_used("Fernhill Market: Alice, 15% off is yours.", names, known) == ["Alice"]
    assert member_names_used("A little something for Alice.", names, known) == ["Alice"]
    assert member_names_used("15% off for you, White!", names, known) == ["White"]


def test_deadlines_in_words_fit_the_dates() -> None:
    problems: list[str] = []
    weekend = Timing(date(2026, 12, 8), date(2026, 12, 13), window=2)
    for text, ok in (("this weekend only", True), ("ends tomorrow", False), ("all month long", False),
                     ("last chance", False), ("until midnight on Sunday 13 December", True), ("today only", False)):
        problems.clear()
        check_relative_deadlines(text, weekend, "double points this weekend", problems, [])
        assert (not problems) is ok, (text, problems)
    problems.clear()
    check_relative_deadlines("last chance: ends tomorrow", Timing(date(2026, 12, 20), date(2026, 12, 21)), "", problems,
                             [])
    assert problems == []


def test_offer_sense_reads_sheets_with_and_without_structured_terms() -> None:
    parsed = sheet("£10 off your next order")
    assert parsed.offer_terms is not None and offer_sense(parsed).kind == "amount_off"
    assert offer_sense(parsed).states("a tenner off") and not offer_sense(parsed).states("£15 off")
    legacy = FactSheet(segment="New", audience_size=1, offer="half price on garden tools")
    assert offer_sense(legacy).kind == "percent_off" and offer_sense(legacy).states("50% off garden tools")


def test_here_is_a_only_counts_as_chatter_before_a_word_about_the_task() -> None:
    """'Here's a tenner off' is copy; 'Here's a sample email' is a model talking about its task."""
    from memberinsight.agent.campaigns.grounding import _CHATTER

    assert not _CHATTER.search("Here's a tenner off your next order")
    assert not _CHATTER.search("Here is the offer you asked about: 15% off")
    for chatter in ("Here's a sample email", "Here is your SMS:", "Here are three subject lines", "Here's how to save"):
        assert _CHATTER.search(chatter), chatter
