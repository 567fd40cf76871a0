"""The grounding checker rejects crafted bad copy and accepts copy built from the facts."""

from __future__ import annotations

from datetime import date

import pytest

from memberinsight.agent.campaigns import (
    PLAYS,
    TONES,
    Fact,
    FactSheet,
    ProductFact,
    check_copy,
    template_copy,
)
from memberinsight.agent.campaigns.grounding import sms_length
from memberinsight.errors import DataValidationError


@pytest.fixture(scope="module")
def facts() -> FactSheet:
    return FactSheet(
        segment="At Risk", audience_size=412, offer="15% off", deadline=date(2025, 3, 31), as_of=date(2025, 3, 17),
        brand="Acme Home",
        stats=(Fact("avg_spend", "Average spend per member", 182.4, "money"),
               Fact("avg_days_since_last_order", "Average days since the last order", 143, "days"),
               Fact("avg_churn_probability", "Average churn risk", 62.5, "percent")),
        products=(ProductFact("Garden Kneeler", 12.99), ProductFact("Set of 3 Plant Pots", 8.5)),
        forbidden_names=frozenset({"Alice", "Smithson"}),
        catalogue_names=frozenset({"Garden Kneeler", "Set of 3 Plant Pots", "Copper Watering Can"}),
    )


GOOD_SMS = "Acme Home: {first_name}, 15% off until Monday 31 March. Garden Kneeler now £12.99. Reply STOP to opt out."


def test_grounded_copy_passes(facts: FactSheet) -> None:
    result = check_copy(GOOD_SMS, facts, "sms")
    assert result.passed, result.problems
    assert result.limit == 160 and result.length == len(GOOD_SMS) - len("{first_name}") + 12
    assert "length limit" in result.checked and "offer stated" in result.checked


@pytest.mark.parametrize(("text", "expected"), [
    ("Acme Home: {first_name}, 20% off until 31 March. Reply STOP", "percentage not in the facts: 20%"),
    ("Acme Home: 15% off, Garden Kneeler now just £9.99! Reply STOP", "price or amount not in the facts: £9.99"),
    ("Acme Home: 15% off. Questions? Call 020 7946 0958. Reply STOP", "contains a phone number: 020 7946 0958"),
    ("Acme Home: 15% off. Mail help@acme-home.com. Reply STOP", "contains an email address: help@acme-home.com"),
    ("Acme Home: Alice, 15% off is yours. Reply STOP", "contains the name of a real member: Alice"),
    ("Acme Home: 15% off ends 28 March. Reply STOP", "date not in the facts: 28 March"),
    ("Acme Home: 15% off ends Friday. Reply STOP", "weekday not in the facts: Friday"),
    ("Acme Home: 15% off for 3 days only. Reply STOP", "number not in the facts: 3"),
    ("Acme Home: 15% off the Copper Watering Can. Reply STOP", "product not in the facts: Copper Watering Can"),
    ("Acme Home: {last_name}, 15% off. Reply STOP", "unknown personalisation token {last_name}"),
    ("Hi [Your Name], 15% off at Acme Home. Reply STOP", "unfilled placeholder [Your Name]"),
    ("Acme Home: 15% off at www.acme-deals.com today. Reply STOP", "web address not in the facts: www.acme-deals.com"),
    ("Acme Home: a treat is waiting for you. Reply STOP", "does not state the offer (15% or 15 percent)"),
    ("Here is a sample SMS: 15% off at Acme Home", "not usable as copy: 'Here is a sample SMS'"),
])
def test_crafted_failures_are_named(facts: FactSheet, text: str, expected: str) -> None:
    result = check_copy(text, facts, "sms")
    assert not result.passed
    assert any(p.startswith(expected) for p in result.problems), result.problems


def test_over_long_sms_and_unicode_limit(facts: FactSheet) -> None:
    long_sms = "Acme Home: 15% off " + "and more " * 18 + "Reply STOP"
    result = check_copy(long_sms, facts, "sms")
    assert f"SMS is {len(long_sms)} characters; the limit is 160" in result.problems
    emoji = "Acme Home: 15% off everything for you, {first_name}, come and see what is new \U0001F389"
    assert sms_length(emoji)[1] is False
    result = check_copy(emoji, facts, "sms")
    assert any("the limit is 70 because it uses characters outside GSM-7" in p for p in result.problems)
    # The same text without the emoji fits.
    assert check_copy(emoji[:-2], facts, "sms").passed
    # GSM extension characters count twice.
    assert sms_length("[]")[0] == 4


def test_push_and_subject_limits(facts: FactSheet) -> None:
    push = "{first_name}, 15% off " + "x" * 90
    assert any(p.startswith("push is") for p in check_copy(push, facts, "push").problems)
    assert "subject is a greeting or fragment, not a subject" in check_copy("Dear {first_name},", facts,
                                                                           "subject").problems


def test_numbers_match_at_written_precision(facts: FactSheet) -> None:
    ok = "Members spend about £182 on average; churn risk 62.5%; they last ordered 143 days ago."
    assert check_copy(ok, facts, "rationale").passed
    assert "price or amount not in the facts: £183" in check_copy(ok.replace("£182", "£183"), facts,
                                                                   "rationale").problems
    # Audience statistics are for the team's rationale: customer-facing copy may not quote them.
    sms = "Acme Home: 15% off. Members spend about £182 on average; churn risk 62.5%. Reply STOP"
    problems = check_copy(sms, facts, "sms").problems
    assert "audience figure in customer copy: £182 (allowed only in a rationale)" in problems
    assert "audience figure in customer copy: 62.5% (allowed only in a rationale)" in problems
    assert "no audience statistics in customer-facing copy" in check_copy(sms, facts, "sms").checked
    # Digits inside an allowed product name are not numbers to check.
    assert check_copy("Acme Home: 15% off the Set of 3 Plant Pots, now £8.50. Reply STOP", facts, "sms").passed
    # Dates in other formats must still be the deadline.
    assert check_copy("Acme Home: 15% off until 2025-03-31. Reply STOP", facts, "sms").passed
    assert not check_copy("Acme Home: 15% off until 2025-04-30. Reply STOP", facts, "sms").passed
    assert not check_copy("Acme Home: 15% off until 30/04. Reply STOP", facts, "sms").passed


def test_money_offer_markers() -> None:
    sheet = FactSheet(segment="New", audience_size=10, offer="£5 off orders over £40")
    assert check_copy("{first_name}, take £5 off orders over £40 today", sheet, "push").passed
    assert "price or amount not in the facts: £50" in check_copy("£5 off orders over £50", sheet, "push").problems
    assert not check_copy("{first_name}, a gift is waiting for you today", sheet, "push").passed


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("play", sorted(PLAYS))
def test_templates_always_pass(facts: FactSheet, tone: str, play: str) -> None:
    for part in ("subject", "preview", "body", "sms", "push"):
        for variant in range(3):
            text = template_copy(part, facts, play=play, tone=tone, variant=variant)
            assert check_copy(text, facts, part).passed, (part, text, check_copy(text, facts, part).problems)
            assert "Alice" not in text
            assert part != "body" or text.startswith("Hi {first_name},")


def test_templates_pass_for_awkward_offers() -> None:
    long_offer = "free gift wrapping and delivery on every order this month"
    for offer, brand in (("free delivery", "B"), (long_offer, "Very Long Brand Name Limited Company Plc")):
        sheet = FactSheet(segment="Lost", audience_size=1, offer=offer, brand=brand)
        for part in ("subject", "preview", "body", "sms", "push"):
            assert check_copy(template_copy(part, sheet), sheet, part).passed


def test_fact_sheet_rejects_bad_inputs() -> None:
    with pytest.raises(DataValidationError, match="offer"):
        FactSheet(segment="New", audience_size=1, offer="x" * 61)
    with pytest.raises(DataValidationError, match="phone"):
        FactSheet(segment="New", audience_size=1, offer="call 0207 946 0958")
    with pytest.raises(DataValidationError, match="kind"):
        Fact("a", "b", 1, "weird")


def test_prompt_has_no_personal_data(facts: FactSheet) -> None:
    sheet = FactSheet(segment="One member", audience_size=1, offer="15% off",
                      member_profile={"member_id": "M1", "email": "a@b.com", "first_name": "Alice", "orders": 7},
                      forbidden_names=frozenset({"Alice"}))
    prompt = sheet.to_prompt()
    assert "Alice" not in prompt and "a@b.com" not in prompt
    assert "orders" in sheet.member_profile and "email" not in sheet.member_profile
    assert "Smithson" not in facts.to_prompt() and "Copper Watering Can" not in facts.to_prompt()
    assert "Garden Kneeler (£12.99)" in facts.to_prompt() and "Offer ends: Monday 31 March 2025" in facts.to_prompt()


# ----- figures tied to their meaning -------------------------------------------------------------

@pytest.fixture(scope="module")
def rich_facts() -> FactSheet:
    """The audit's sheet: its statistics include 20% and £182.40, which copy must not reuse as offers or prices."""
    return FactSheet(
        segment="At Risk", audience_size=412, offer="15% off", deadline=date(2025, 3, 31), as_of=date(2025, 3, 17),
        brand="Acme Home",
        stats=(Fact("avg_spend", "Average spend per member", 182.4, "money"),
               Fact("avg_churn_probability", "Average churn risk", 62.5, "percent"),
               Fact("share_of_members", "Share of all members", 20.0, "percent")),
        products=(ProductFact("Garden Kneeler", 12.99), ProductFact("Set of 3 Plant Pots", 8.5)),
        catalogue_names=frozenset({"Garden Kneeler", "Set of 3 Plant Pots", "Copper Watering Can"}))


@pytest.mark.parametrize(("part", "text", "expected"), [
    ("sms", "Acme Home: 15% off for you and 20% off for friends. Reply STOP",
     "discount not in the offer: 20% (the offer is 15% off)"),
    ("sms", "Acme Home: 15% off. Garden Kneeler now £182.40. Reply STOP",
     "price of Garden Kneeler is £12.99 in the facts, not £182.40"),
    ("sms", "Acme Home: 15% off, and the Set of 3 Plant Pots for just £12.99. Reply STOP",
     "price of Set of 3 Plant Pots is £8.50 in the facts, not £12.99"),
    ("sms", "Acme Home: Save 62.5% this week with 15% off. Reply STOP",
     "discount not in the offer: 62.5% (the offer is 15% off)"),
    ("rationale", "A win-back play: save 20% on their next order.", "discount not in the offer: 20%"),
    ("rationale", "Offer a discount of £182.40 to bring them back.", "discount not in the offer: £182.40"),
    ("push", "{first_name}, 15% off and a 20% discount on the Garden Kneeler", "discount not in the offer: 20%"),
])
def test_figures_are_bound_to_their_meaning(rich_facts: FactSheet, part: str, text: str, expected: str) -> None:
    result = check_copy(text, rich_facts, part)
    assert any(p.startswith(expected) for p in result.problems), result.problems
    assert "discounts must be the offer's figures" in result.checked
    assert "prices next to a product must be that product's price" in result.checked


def test_bound_figures_that_are_right_pass(rich_facts: FactSheet) -> None:
    for part, text in (
        ("sms", "Acme Home: 15% off until 31 March. Garden Kneeler now £12.99, Plant Pots aside. Reply STOP"),
        ("push", "Garden Kneeler: £12.99, and 15% off it for you, {first_name}"),
        ("sms", "Acme Home: save 15% until 31 March, {first_name}. Reply STOP"),
        ("rationale", "20% of all members are in this segment and their churn risk is 62.5%."),
    ):
        result = check_copy(text, rich_facts, part)
        assert result.passed, (text, result.problems)
    threshold = FactSheet(segment="New", audience_size=10, offer="£5 off orders over £40",
                          products=(ProductFact("Garden Kneeler", 12.99),))
    # A spend threshold next to a product is the offer's, not the product's price.
    assert check_copy("{first_name}, Garden Kneeler and more: £5 off orders over £40", threshold, "push").passed
    assert "price or amount not in the facts: £45" in check_copy(
        "{first_name}, Garden Kneeler and more: £5 off orders over £45", threshold, "push").problems


@pytest.mark.parametrize(("text", "expected"), [
    ("Acme Home: twenty percent off everything. Reply STOP",
     "percentage not in the facts: 20 percent (written 'twenty percent')"),
    ("Acme Home: 15% off, and the Garden Kneeler is half price. Reply STOP",
     "percentage not in the facts: 50% (written 'half price')"),
    ("Acme Home: 15% off plus a quarter off the Plant Pots. Reply STOP",
     "percentage not in the facts: 25% (written 'a quarter off')"),
    ("Acme Home: 15% off until the twenty-eighth of March. Reply STOP",
     "date not in the facts: 28th of March (written 'twenty-eighth of March')"),
    ("Acme Home: 15% off until March the 28th. Reply STOP", "date not in the facts: March the 28th"),
    ("Acme Home: 15% off for three days only. Reply STOP", "number not in the facts: 3 (written 'three')"),
    ("Acme Home: 15% off, just twenty-five pounds for the Garden Kneeler. Reply STOP",
     "price or amount not in the facts: 25 pounds (written 'twenty-five pounds')"),
])
def test_spelled_out_figures_are_checked_like_digits(facts: FactSheet, text: str, expected: str) -> None:
    result = check_copy(text, facts, "sms")
    assert any(p.startswith(expected) for p in result.problems), result.problems


def test_spelled_out_figures_that_are_facts_pass(facts: FactSheet) -> None:
    for text in ("Acme Home: fifteen percent off until the thirty-first of March. Reply STOP",
                 "Acme Home: 15% off for fourteen more days, {first_name}. Reply STOP",  # deadline is 14 days away
                 "Acme Home: 15% off, worth a second look, a new one every week. Reply STOP"):  # no figures here
        assert check_copy(text, facts, "sms").passed, (text, check_copy(text, facts, "sms").problems)
    half = FactSheet(segment="Lost", audience_size=3, offer="half price on garden tools")
    assert check_copy("{first_name}, garden tools at half price today", half, "push").passed
    assert check_copy("{first_name}, 50% off garden tools today", half, "push").passed
    assert not check_copy("{first_name}, 40% off garden tools today", half, "push").passed


@pytest.mark.parametrize(("text", "expected"), [
    ("Acme Home: 15% off with code SAVE15. Reply STOP", "promo code not in the offer: SAVE15"),
    ("Acme Home: use promo code Spring at checkout for 15% off. Reply STOP", "promo code not in the offer: Spring"),
    ("Acme Home: 15% off and WELCOME10 for friends. Reply STOP", "promo code not in the offer: WELCOME10"),
    ("Acme Home: 15% off, or buy one get one free. Reply STOP", "offer not in the facts: buy one get one"),
    ("Acme Home: BOGO plus 15% off. Reply STOP", "offer not in the facts: BOGO"),
    ("Acme Home: 15% off and a free gift with every order. Reply STOP", "offer not in the facts: free gift"),
    ("Acme Home: 15% off, 3 for 2 on Plant Pots. Reply STOP", "offer not in the facts: 3 for 2"),
    ("Acme Home: 15% off and double points. Reply STOP", "offer not in the facts: double points"),
    ("Acme Home: 15% off plus a gift card. Reply STOP", "offer not in the facts: gift card"),
])
def test_invented_codes_and_offer_mechanics_fail(facts: FactSheet, text: str, expected: str) -> None:
    result = check_copy(text, facts, "sms")
    assert any(p.startswith(expected) for p in result.problems), result.problems
    assert "promo codes against the offer" in result.checked


def test_mechanics_and_codes_in_the_offer_pass() -> None:
    cases = (("free delivery", "{first_name}, free delivery this week: free shipping, on us", True),
             ("free delivery", "{first_name}, free delivery and a free gift", False),
             ("buy one get one free", "{first_name}: buy one, get one free on everything", True),
             ("15% off with code SPRING15", "{first_name}, code SPRING15 takes 15% off", True),
             ("15% off with code SPRING15", "{first_name}, code SPRING20 takes 15% off", False),
             ("double points", "{first_name}, double points on every order this week", True))
    for offer, text, ok in cases:
        sheet = FactSheet(segment="Loyal", audience_size=5, offer=offer)
        assert check_copy(text, sheet, "push").passed is ok, (offer, text, check_copy(text, sheet, "push").problems)
    # "feel free" and "hassle-free" are not offers.
    plain = FactSheet(segment="Loyal", audience_size=5, offer="15% off")
    assert check_copy("{first_name}, feel free to browse: 15% off, hassle-free gifting", plain, "push").passed


@pytest.mark.parametrize(("part", "text", "expected"), [
    ("sms", "Acme Home: 15% off Copper Watering Cans. Reply STOP", "product not in the facts: Copper Watering Can"),
    ("body", "Hi {first_name},\n\nIt has been a while, so here is 15% off until 31 March. Our Linen Throw is back "
             "in stock too.\n\nShop now at Acme Home.", "name from the prompt's example, not the facts: Linen Throw"),
    ("sms", "Bloom & Co: {first_name}, 15% off until 31 March. Reply STOP",
     "name from the prompt's example, not the facts: Bloom & Co"),
    ("body", "Hi {first_name}, 15% off until 31 March on our new Velvet Cushion Set. The Acme Home team",
     "name not in the facts: Velvet Cushion Set"),
])
def test_invented_product_names_fail(facts: FactSheet, part: str, text: str, expected: str) -> None:
    result = check_copy(text, facts, part)
    assert any(p.startswith(expected) for p in result.problems), result.problems
    assert "product-like names (capitalised phrases) against the facts" in result.checked


def test_names_that_are_facts_or_ordinary_words_pass(facts: FactSheet) -> None:
    for part, text in (
        ("body", "Hi {first_name},\n\nAs one of our customers you get 15% off the Garden Kneelers and "
                 "Set of 3 Plant Pots until Monday 31 March.\n\nHappy Gardening,\nThe Acme Home Team"),
        ("subject", "Your Exclusive Spring Offer: 15% Off Awaits"),
        ("push", "Mother's Day treat, {first_name}: 15% off at Acme Home via SMS or Email"),
        ("sms", "Acme Home: Champions and New Members alike get 15% off. Reply STOP"),
    ):
        result = check_copy(text, facts, part)
        assert result.passed, (text, result.problems)
    # A real brand that happens to be an example name is fine.
    bloom = FactSheet(segment="New", audience_size=3, offer="10% off", brand="Bloom & Co")
    assert check_copy("Bloom & Co: 10% off for {first_name}. Reply STOP", bloom, "sms").passed


def test_writer_examples_name_only_listed_inventions() -> None:
    """Every capitalised name in the writer's style examples is rejected by the checker."""
    import re

    from memberinsight.agent.campaigns.claims import EXAMPLE_ONLY_NAMES
    from memberinsight.agent.campaigns.prompts import SHOTS
    from memberinsight.agent.campaigns.slots import fill, short_date, slot_prompt

    sheet = FactSheet(segment="New", audience_size=3, offer="20% off")
    all_text = ""
    for shot_facts, answers in SHOTS:
        filled = {part: fill(example, shot_facts)[0] for part, example in answers.items()}
        for part, example in filled.items():  # the examples as the model sees them, placeholders filled in
            result = check_copy(example, sheet, part)
            named = [n for n in EXAMPLE_ONLY_NAMES if n in example]
            assert all(any(n in p for p in result.problems) for n in named), (part, result.problems)
        text = " ".join(filled.values()) + "\n" + slot_prompt(shot_facts) + "\n"
        all_text += text.replace(short_date(shot_facts), "the deadline")
    runs = {re.sub(r"^(?:Our|The) ", "", r) for r in re.findall(r"\b[A-Z][a-z]+(?: (?:& )?[A-Z][a-z]+)+", all_text)}
    assert runs and runs <= set(EXAMPLE_ONLY_NAMES), runs
