"""The grounding checker rejects crafted bad copy and accepts copy built from the facts."""

from __future__ import annotations

from datetime import date

import pytest

from agent.campaigns import PLAYS, TONES, Fact, FactSheet, ProductFact, check_copy, template_copy
from agent.campaigns.grounding import sms_length
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
    ("Here is a sample SMS: 15% off at Acme Home", "not usable as copy: 'Here is a'"),
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
    ok = "Acme Home: 15% off. Members spend about £182 on average; churn risk 62.5%. Reply STOP"
    assert check_copy(ok, facts, "sms").passed
    assert "price or amount not in the facts: £183" in check_copy(ok.replace("£182", "£183"), facts, "sms").problems
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
