"""Families rating set 9 marked down (sent Monday 7 December 2026), ruled out by rules, not sentences: bland
short pieces (the offer and its date alone, "treat yourself"); product hooks that do not fit the offer (a cheap
hero, a pet item, "Seen the X?" in a text or push); buy-one-get-one emails that never say where the terms are; a
hero shown without its price; stock phrases and a phrase said twice in one email; previews that claim what the
body does not show; weekend offers with no days and "before" a deadline; thanks to lapsed customers; plural
names called "it"; pushes longer than a lock screen shows; variants that repeat one another."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from memberinsight.agent.campaigns import FactSheet, ProductFact
from memberinsight.agent.campaigns.coherence import body_text, shared_phrases
from memberinsight.agent.campaigns.grounding import check_copy
from memberinsight.agent.campaigns.phrase_rules import PUSH_SHOWN, STOCK
from memberinsight.agent.campaigns.phrasebank import load_phrasebank, parse_phrase_file
from memberinsight.agent.campaigns.short_checks import PUSH_NAME_ROOM
from memberinsight.agent.campaigns.variant_facts import FULL_TERMS
from memberinsight.errors import DataValidationError
from tests.agent.conftest import Draft, compose_three, family_drafts, offer_sheet, phrase_file

AS_OF = date(2026, 12, 7)  # the Monday set 9 went out
PRODUCTS = (ProductFact("Wagwell Feathered Cat Toy Wand - Fabric", 5.86, "Pets", "picked for this member"),
            ProductFact("Summitra Packable Rain Jacket - Recycled Nylon", 94.99, "Outdoor", "popular"),
            ProductFact("Trailpeak Grippy Trail Running Shoes - Breathable Mesh", 59.99, "Outdoor", "popular"),
            ProductFact("Wagwell Slow-Feed Pet Bowl - Stainless Steel", 15.90, "Pets", "popular"),
            ProductFact("Bloomfield Thorn-Proof Gardening Gloves - Goatskin Leather", 8.37, "Garden", "popular"))
PETS = (ProductFact("Wagwell Feathered Cat Toy Wand - Fabric", 5.86, "Pets", "picked for this member"),
        ProductFact("Pawprint Floating Dog Chew Toy - Nylon", 6.01, "Pets", "popular"),
        ProductFact("Wagwell Slow-Feed Pet Bowl - Stainless Steel", 15.90, "Pets", "popular"))
SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "At Risk", "Can't Lose Them", "Hibernating",
            "Need Attention")
LAPSED = ("At Risk", "Can't Lose Them", "Hibernating", "Need Attention")
OFFERS = ("15% off", "free shipping over £40", "buy one get one free", "double points this weekend",
          "£10 off your next order", "early access to the winter sale", "20% off", "free gift with orders over £50")
TONES = ("friendly", "premium", "playful")
OPT_OUT = " Reply STOP to opt out."
_DATE_WORDS = re.compile(r"\b(?:until|ends?|this\s+weekend|(?:mon|tues|wednes|thurs|fri|satur|sun)day|december|\d+)\b",
                         re.I)
_PLAIN = frozenset("enjoy enjoying happy shopping hello dear please pleased available with your from that this".split())


def _sheet(offer: str, segment: str, products: tuple[ProductFact, ...] = PRODUCTS) -> FactSheet:
    return offer_sheet(offer, segment, AS_OF, products, 1.0 if segment == "New" else 3.0)


@pytest.fixture(scope="module")
def drafts() -> list[Draft]:
    """Every audience x offer x channel in three tones: (segment, offer, channel, tone, variant)."""
    return family_drafts(_sheet, SEGMENTS, OFFERS, TONES, seed=9)


def _own_words(text: str, facts: FactSheet) -> list[str]:
    """The words a short piece says besides the offer, its dates, the brand, the name and the opt-out."""
    for said in (facts.offer_phrase(start=True), facts.offer_phrase(), facts.brand, OPT_OUT, "{first_name}"):
        text = text.replace(said, " ")
    words = re.findall(r"[a-z][a-z'-]{3,}", _DATE_WORDS.sub(" ", text).lower())
    return [w for w in words if w not in _PLAIN]


@pytest.mark.parametrize(("part", "text"), [
    ("push", "{first_name}, {offer} until {deadline}"),
    ("push", "{Offer} at {brand}, {first_name}"),
    ("sms", "{brand}: {first_name}, {offer} is available until {deadline}."),
    ("sms", "{brand}: {first_name}, treat yourself: {offer}."),
    ("push", "Seen the {product}, {first_name}? {Offer}"),
    ("sms", "{brand}: {first_name}, have you seen the {product}? {Offer}."),
    ("subject", "Might we suggest the {product}? {Offer}"),
    ("offer_line", "Is there anything you have had in mind? {Offer} is a fine reason to choose something new."),
    ("preview", "Good to see you shopping with us so often of late."),
    ("offer_line", "Make the most of {offer} while it lasts."),
    ("offer_line", "{Offer} is on now."),
    ("subject", "How shall we say thank you, {first_name}? {Offer}"),
    ("offer_line", "Whatever you choose, you'll get {offer}."),
    ("preview", "A few ideas from across the shop."),
    ("preview", "Looking for something in {category}? Start with our favourites."),
    ("cta", "Shop at {brand} before {deadline}."),
    ("product_line", "A tip from us: take a look at the {product}."),
    ("offer_line", "Planning a larger order? {Offer} may help."),
    ("push", "Thanks for shopping with us so often, {first_name}: {offer} until {deadline} at {brand}"),
])
def test_set9_families_are_refused_at_load(tmp_path: Path, part: str, text: str) -> None:
    with pytest.raises(DataValidationError):
        parse_phrase_file(phrase_file(tmp_path, part, text))


def test_lines_with_an_audience_angle_and_a_priced_product_load(tmp_path: Path) -> None:
    for part, text in (("push", "It's been a while, {first_name}: {offer} until {deadline}"),
                       ("sms", "{brand}: {first_name}, ready for your second order? Enjoy {offer} on it."),
                       ("product_line", "Our pick for you: the {product}, {product_price}."),
                       ("preview", "A considered selection from our {category} range.")):
        assert parse_phrase_file(phrase_file(tmp_path, part, text)), text


def test_is_after_a_product_needs_a_singular_name(tmp_path: Path) -> None:
    for text in ("The {product} ({product_price}) is well worth a look.",
                 "We chose the {product} ({product_price}) with you in mind, and we think you'll like it."):
        (phrase,) = parse_phrase_file(phrase_file(tmp_path, "product_line", text))
        assert "singular" in phrase.needs, text


def test_the_shipped_bank_has_no_stock_phrase_and_every_product_line_shows_the_price() -> None:
    for p in load_phrasebank().phrases:
        assert not STOCK.search(p.text), p.text
        if p.part == "product_line" and "{product}" in p.text:
            assert "{product_price}" in p.text, p.text
        if p.part in ("sms", "push", "subject") and "offer" in p.needs:
            assert "{product}" not in p.text, p.text


def test_no_short_piece_is_the_offer_and_its_date_alone_or_names_a_product(drafts: list) -> None:
    for segment, offer, channel, tone, v in drafts:
        if channel == "email":
            continue
        text = v.pieces[0].text
        assert len(_own_words(text, _sheet(offer, segment))) >= 2, (segment, offer, tone, text)
        assert not any(p.short_name in text for p in PRODUCTS), (segment, offer, tone, text)
        assert not re.search(r"treat\s+yourself", text, re.I), text


def test_every_push_fits_the_lock_screen(drafts: list) -> None:
    for segment, offer, channel, tone, v in drafts:
        if channel == "push":
            text = v.pieces[0].text
            assert len(text.replace("{first_name}", "x" * PUSH_NAME_ROOM)) <= PUSH_SHOWN, (segment, offer, tone, text)


def test_the_three_short_variants_of_a_campaign_differ(drafts: list) -> None:
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for segment, offer, channel, tone, v in drafts:
        if channel != "email":
            groups.setdefault((segment, offer, channel, tone), []).append(v.pieces[0].text)
    for key, texts in groups.items():
        assert len(set(texts)) == len(texts), (key, texts)


def test_every_product_an_email_names_shows_its_price_and_no_phrase_is_said_twice(drafts: list) -> None:
    seen = 0
    for segment, offer, channel, tone, v in drafts:
        if channel != "email":
            continue
        subject, preview, body = (p.text for p in v.pieces)
        for product in PRODUCTS:
            for line in body.split("\n"):
                if product.short_name in line:
                    assert f"£{product.price:,.2f}" in line, (segment, offer, tone, line)
        running = body_text(body)
        facts = _sheet(offer, segment)
        assert not shared_phrases(running, "", facts), (segment, offer, tone, body)
        assert not shared_phrases(running, f"{subject}\n{preview}", facts), (segment, offer, tone, subject, preview, body)
        assert subject.split()[0].lower() != preview.split()[0].lower(), (subject, preview)
        for piece in v.pieces:
            assert not STOCK.search(piece.text), (segment, offer, tone, piece.text)
            assert not re.search(r"\bin (?:Outdoor|Pets|Garden)\b|across the shop", piece.text), piece.text
        seen += 1
    assert seen


def test_a_pet_or_a_cheap_item_never_leads_when_something_else_fits(drafts: list) -> None:
    for segment, offer, channel, tone, v in drafts:
        lead = v.values.get("product", "")
        if channel == "email" and lead:
            assert "Cat Toy" not in lead and "Gardening Gloves" not in lead, (segment, offer, tone, lead)


@pytest.mark.parametrize("segment", ["Potential Loyalist", "Champions", "Hibernating"])
def test_a_pets_only_sheet_leads_with_an_item_for_any_pet(segment: str) -> None:
    facts = _sheet("15% off", segment, PETS)
    for tone in TONES:
        for v in compose_three(facts, "email", tone):
            assert v.values.get("product") == "Wagwell Slow-Feed Pet Bowl", (tone, v.values.get("product"))


@pytest.mark.parametrize("offer", ["buy one get one free", "3 for 2", "free gift with orders over £50"])
def test_deals_whose_working_we_do_not_hold_point_to_the_full_terms(offer: str) -> None:
    facts = _sheet(offer, "Loyal")
    for tone in TONES:
        for v in compose_three(facts, "email", tone):
            body = v.pieces[2].text
            assert body.rstrip().endswith(FULL_TERMS), body
            assert not check_copy(body, facts, "body").problems


def test_a_weekend_offer_sent_on_monday_gives_its_days(drafts: list) -> None:
    seen = 0
    for segment, offer, _channel, tone, v in drafts:
        if offer != "double points this weekend":
            continue
        for piece in v.pieces:
            assert not re.search(r"\bbefore\s+(?:Monday|Sunday|\d)", piece.text), piece.text
            if piece.part in ("sms", "body"):
                assert "Saturday 12 and Sunday 13 December" in piece.text, (segment, tone, piece.text)
                seen += 1
    assert seen


def test_a_range_of_days_is_checked_against_the_window() -> None:
    facts = _sheet("double points this weekend", "Loyal")
    ok = "Fernhill Market: {first_name}, double points this weekend, Saturday 12 and Sunday 13 December."
    assert not check_copy(ok, facts, "sms").problems
    assert check_copy(ok.replace("Saturday 12", "Friday 11"), facts, "sms").problems


def test_lapsed_audiences_are_not_thanked_and_no_offer_waits_for_a_next_visit(drafts: list) -> None:
    for segment, offer, _channel, tone, v in drafts:
        for piece in v.pieces:
            if segment in LAPSED:
                assert not re.search(r"with our thanks|\bthank", piece.text, re.I), (segment, offer, tone, piece.text)
            assert not re.search(r"on your next visit", piece.text), piece.text


def test_a_plural_product_is_never_called_it(drafts: list) -> None:
    for segment, offer, channel, tone, v in drafts:
        if channel == "email" and v.values.get("product", "").endswith("Shoes"):
            line = v.slots.get("product_line", "")
            assert not re.search(r"Shoes[^.?]*(?:\?\s*)?[^.]*\b(?:it|is)\b", line), (segment, offer, tone, line)


def test_an_email_calls_the_picks_one_category_only_when_it_shows_one(drafts: list) -> None:
    # set 10: "We have chosen a few pieces from our Electronics range" over coffee beans and a dog toy (a false claim)
    seen = 0
    for segment, offer, channel, tone, v in drafts:
        if channel != "email":
            continue
        _, preview, body = (p.text for p in v.pieces)
        shown = {p.category for p in PRODUCTS if p.short_name in body}
        if len(shown) > 1:
            seen += 1
            for text in (preview, body):
                assert not re.search(r"\b(?:Outdoor|Pets|Garden)\b(?! [A-Z])", text.split("\n- ")[0]), (
                    segment, offer, tone, text)
    assert seen


@pytest.mark.parametrize("segment", ["Champions", "Hibernating"])
def test_a_product_name_with_a_capital_i_is_not_read_as_first_person(segment: str) -> None:
    card = ProductFact("Nimbus Tech Shock-Proof Memory Card - UHS-I", 19.62, "Electronics", "popular")
    facts = _sheet("buy one get one free", segment, (PRODUCTS[1], card, PRODUCTS[2]))
    variants = compose_three(facts, "email", "friendly", seed=3)
    assert any(card.name in v.pieces[2].text for v in variants)
    listed = check_copy(f"Hello {{first_name}},\n\nAlso worth a look:\n- {card.name}, £19.62", facts, "body")
    assert not [p for p in listed.problems if "not usable" in p], listed.problems
    assert any("not usable" in p for p in check_copy("I have picked these for you.", facts, "body").problems)
