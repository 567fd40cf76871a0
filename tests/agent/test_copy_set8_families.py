"""Families rating set 8 marked down (sent Monday 7 December 2026), ruled out by rules, not sentences:
generic openers; pushy filler and deadline-led subjects; confusing early-access wording and a product paired
with sale access; "welcome back" to lapsed customers; a hero product that makes no sense with a money-off or
buy-one-get-one offer; "your points" to first-time customers; "a reason to visit again soon" to the best
customers; an SMS naming the brand twice."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from memberinsight.agent.campaigns import FactSheet, ProductFact
from memberinsight.agent.campaigns.coherence import offer_echo
from memberinsight.agent.campaigns.compose import ComposedVariant
from memberinsight.agent.campaigns.grounding import check_copy
from memberinsight.agent.campaigns.phrase_rules import FILLER, OPENERS, SCHEME
from memberinsight.agent.campaigns.phrasebank import load_phrasebank, parse_phrase_file
from memberinsight.agent.campaigns.variant_facts import ACCESS_EXPLAINED, AMOUNT_OFF_MULTIPLE
from memberinsight.errors import DataValidationError
from tests.agent.conftest import compose_three, offer_sheet, phrase_file

AS_OF = date(2026, 12, 7)  # the Monday set 8 went out
PRODUCTS = (ProductFact("Rootwell Rodent-Proof Compost Bin - Recycled Plastic", 47.99, "Garden", "picked for this member"),
            ProductFact("Bloomfield Thorn-Proof Gardening Gloves - Goatskin Leather", 8.37, "Garden", "popular"),
            ProductFact("Tumbletown Wooden Stacking Toy - Beech", 5.86, "Toys", "popular"),
            ProductFact("Greenhollow Water-Resistant Gardening Gloves - Nitrile-Coated Cotton", 17.76, "Garden",
                        "popular"),
            ProductFact("Northcairn Compressible Sleeping Bag - Down", 89.5, "Outdoor", "popular"))
SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "At Risk", "Can't Lose Them", "Hibernating",
            "Need Attention")
LAPSED = ("At Risk", "Can't Lose Them", "Hibernating")
OFFERS = ("15% off", "free shipping over £40", "buy one get one free", "double points this weekend",
          "£10 off your next order", "early access to the winter sale", "20% off", "free gift with orders over £50")
TONES = ("friendly", "premium", "urgent")
DATE = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day(?:\s+\d{1,2}\s+December)?|\d{1,2}\s+December|tonight|tomorrow)"
DEADLINE_FIRST = re.compile(rf"^(?:Ends|Until|Before|Come back before|Visit us again before|[^:]*\bends)\b[^:]*{DATE}",
                            re.I)
SMALL_PRINT = re.compile(r"\n\n(?:Offer|Early access) (?:ends|valid)[^\n]*$")


def _sheet(offer: str, segment: str, orders: float = 3.0, products: tuple[ProductFact, ...] = PRODUCTS) -> FactSheet:
    return offer_sheet(offer, segment, AS_OF, products, orders)


@pytest.fixture(scope="module")
def drafts() -> list[tuple[str, str, str, str, ComposedVariant]]:
    """Every audience x offer x channel, in three tones: (segment, offer, channel, tone, variant)."""
    out = []
    for n, (segment, offer) in enumerate(itertools.product(SEGMENTS, OFFERS)):
        facts = _sheet(offer, segment, orders=1.0 if segment == "New" else 3.0)
        for channel, tone in itertools.product(("email", "sms", "push"), TONES):
            out += [(segment, offer, channel, tone, v) for v in compose_three(facts, channel, tone, seed=n)]
    return out


@pytest.mark.parametrize(("part", "text"), [
    ("subject", "{first_name}, where will you start with {offer}?"),
    ("push", "It's been a while, {first_name}. Shall we start with {offer}?"),
    ("product_line", "Here's a thought: the {product}, {product_price}."),
    ("preview", "Plenty to choose from at {brand}, whenever you're ready."),
    ("hook", "Looking for your next favourite? We've picked a few."),
    ("offer_line", "{Offer} is on for a short time only."),
    ("offer_line", "{Offer} is available for a limited time."),
    ("hook", "It's been a while, and there's no better moment to return."),
    ("cta", "Shop now while the offer is on."),
    ("hook", "This would be an excellent moment to visit {brand}."),
    ("hook", "Thank you for shopping with us; here's a reason to visit again soon."),
    ("offer_line", "Put {offer} towards something you've wanted for a while."),
    ("subject", "Might we help your points go further? {Offer}"),
    ("subject", "Visit us again before {deadline}: {offer}"),
    ("subject", "Ends {deadline}: {offer}"),
    ("subject", "{Offer} until {deadline}"),
    ("sms", "{brand}: {first_name}, {offer} from {brand}."),
])
def test_generic_openers_filler_deadline_led_subjects_and_a_second_brand_are_refused_at_load(
        tmp_path: Path, part: str, text: str) -> None:
    with pytest.raises(DataValidationError):
        parse_phrase_file(phrase_file(tmp_path, part, text))


def test_a_subject_with_a_name_or_a_reason_before_the_offer_and_its_deadline_loads(tmp_path: Path) -> None:
    for text in ("{first_name}, {offer} until {deadline}", "Thanks, {first_name}: {offer} until {deadline}"):
        assert parse_phrase_file(phrase_file(tmp_path, "subject", text))


def test_the_shipped_bank_has_no_opener_or_filler_and_your_points_needs_a_known_scheme() -> None:
    every = load_phrasebank().phrases
    assert every
    for p in every:
        assert not OPENERS.search(p.text) and not FILLER.search(p.text), p.text
        assert not re.search(r"\bwelcome\s+back\b", p.text, re.I), p.text
        if SCHEME.search(p.text):
            assert "knows_points" in p.needs, p.text


def test_no_draft_opens_generically_pushes_or_leads_a_subject_with_its_deadline(drafts: list) -> None:
    for segment, offer, _channel, tone, v in drafts:
        for piece in v.pieces:
            assert not OPENERS.search(piece.text), (segment, offer, tone, piece.text)
            assert not FILLER.search(piece.text), (segment, offer, tone, piece.text)
            if piece.part == "subject":
                assert not DEADLINE_FIRST.search(piece.text), (segment, offer, tone, piece.text)


def test_early_access_says_it_starts_now_never_until_a_date_and_pairs_no_product_in_short_pieces(drafts: list) -> None:
    seen = 0
    for segment, offer, _channel, tone, v in drafts:
        if offer != "early access to the winter sale":
            continue
        facts = _sheet(offer, segment)
        for piece in v.pieces:
            said = SMALL_PRINT.sub("", piece.text)
            assert not re.search(rf"\b(?:until|before|ends?)\s+{DATE}", said), (segment, tone, piece.text)
            assert not re.search(r"shop\s+early", said, re.I), (segment, tone, piece.text)
            if piece.part in ("subject", "sms", "push"):
                assert not any(p.short_name in piece.text for p in PRODUCTS), (segment, tone, piece.text)
                assert not offer_echo(piece.text.replace(" Reply STOP to opt out.", ""), facts,
                                      ("Shop it now, before it opens to everyone.",)), piece.text
            if piece.part == "body":
                assert ACCESS_EXPLAINED in piece.text or re.search(r"opens? to everyone", piece.text), piece.text
                assert piece.text.rstrip().endswith("Early access ends Monday 21 December.")
            seen += 1
    assert seen


def test_a_line_that_repeats_the_offers_own_words_is_caught() -> None:
    facts = _sheet("early access to the winter sale", "Loyal")
    assert offer_echo("Shop early: early access to the winter sale", facts)
    assert offer_echo("The sale is on: early access to the winter sale", facts)
    assert not offer_echo("Thanks, Sam: early access to the winter sale", facts)
    points = _sheet("double points this weekend", "Loyal")
    assert offer_echo("Your points go further: double points", points)


@pytest.mark.parametrize("segment", LAPSED)
def test_lapsed_audiences_are_never_welcomed_back_but_may_be_missed(segment: str) -> None:
    facts = _sheet("20% off", segment)
    assert check_copy("Welcome back, {first_name}: 20% off", facts, "push").problems
    assert check_copy("A warm welcome back from Fernhill Market: 20% off", facts, "push").problems
    assert not check_copy("We've missed you, {first_name}: 20% off", facts, "push").problems


def test_no_draft_to_a_lapsed_or_slowing_audience_says_welcome_back(drafts: list) -> None:
    for segment, offer, _channel, _tone, v in drafts:
        if segment in (*LAPSED, "Need Attention"):
            for piece in v.pieces:
                assert not re.search(r"\bwelcome\s+back\b", piece.text, re.I), (segment, offer, piece.text)


@pytest.mark.parametrize("segment", ["Loyal", "At Risk", "New", "Need Attention"])
def test_a_fixed_amount_off_leads_with_a_product_worth_at_least_twice_it(segment: str) -> None:
    facts = _sheet("£10 off your next order", segment)
    for channel, tone in itertools.product(("email", "push"), TONES):
        for v in compose_three(facts, channel, tone):
            price = v.values.get("product_price")
            if price:
                assert float(price.lstrip("£").replace(",", "")) >= AMOUNT_OFF_MULTIPLE * 10, (channel, tone, price)
            assert "Wooden Stacking Toy" not in v.values.get("product", "")


@pytest.mark.parametrize("offer", ["buy one get one free", "3 for 2"])
@pytest.mark.parametrize("segment", ["Champions", "Hibernating", "Potential Loyalist"])
def test_buy_one_get_one_never_leads_with_the_dear_one_off_item(offer: str, segment: str) -> None:
    facts = _sheet(offer, segment)
    for channel, tone in itertools.product(("email", "push"), TONES):
        for v in compose_three(facts, channel, tone):
            assert "Compost Bin" not in v.values.get("product", ""), (channel, tone, v.values)
            assert "Sleeping Bag" not in v.values.get("product", ""), (channel, tone, v.values)


def test_points_offers_never_assume_a_first_time_customer_knows_the_scheme(drafts: list) -> None:
    for segment, offer, _channel, tone, v in drafts:
        if segment == "New":
            for piece in v.pieces:
                assert not SCHEME.search(piece.text), (offer, tone, piece.text)


def test_the_best_customers_are_thanked_once_and_never_given_a_reason_to_visit_again(drafts: list) -> None:
    for segment, offer, _channel, tone, v in drafts:
        if segment in ("Champions", "Loyal"):
            for piece in v.pieces:
                assert not re.search(r"visit\s+again", piece.text, re.I), (offer, tone, piece.text)
                said = SMALL_PRINT.sub("", piece.text)
                assert len(re.findall(r"\bthank", said, re.I)) <= 1, (offer, tone, piece.text)


def test_an_sms_names_the_brand_once(drafts: list) -> None:
    sms = [v.pieces[0].text for _, _, channel, _, v in drafts if channel == "sms"]
    assert sms
    for text in sms:
        assert text.count("Fernhill Market") == 1, text
