"""Blind rating set 11's families, as general rules: questions about who the customer is ("one of our regulars?"),
shop-floor words for an online shop ("pop in", "visit our store") and a verb glued to the offer ("pick up buy one,
get one free"), claims about other shoppers or new stock ("a favourite with shoppers like you", "among the people we
tell first", "see what's new"), weak or stiff lines ("How does {offer} sound?", "All the details are below", "an
ideal moment to return", "now available to you", "costs less", "made it more so"), "stock up" beside things that do
not run out, and short pieces that leave out when the offer runs. Each is checked at load (a phrase a CRM team adds
later is held to it) and on composed drafts across audiences, offers, channels and tones."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from memberinsight.agent.campaigns import FactSheet, ProductFact
from memberinsight.agent.campaigns.compose import ComposedVariant
from memberinsight.agent.campaigns.phrase_rules import (
    PHYSICAL_SHOP,
    PUSH_SHOWN,
    SOCIAL_PROOF,
    STATUS_QUESTION,
    WEAK,
    implied_needs,
    problems_with,
)
from memberinsight.agent.campaigns.phrasebank import load_phrasebank, parse_phrase_file
from memberinsight.agent.campaigns.short_checks import PUSH_NAME_ROOM
from memberinsight.agent.campaigns.variant_facts import product_values
from memberinsight.errors import DataValidationError
from tests.agent.conftest import Draft, family_drafts, offer_sheet, phrase_file

AS_OF = date(2026, 12, 7)
TRAY = ProductFact("Hound & Home Easy-Clean Litter Tray - Recycled Plastic", 16.55, "Pets", "picked for this member")
POWER = ProductFact("Auralink Fast-Charging Power Bank - Aluminium", 28.99, "Electronics", "popular")
CREAM = ProductFact("Botanica Skin Fragrance-Free Moisturiser - Shea Butter", 16.09, "Beauty", "popular")
BEANS = ProductFact("Copperline Single-Origin Coffee Beans - Robusta Blend", 9.12, "Grocery", "popular")
PRODUCTS = (TRAY, POWER, CREAM, BEANS)
SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "At Risk", "Can't Lose Them", "Hibernating",
            "Need Attention")
OFFERS = ("20% off", "free shipping over £40", "buy one get one free", "double points this weekend",
          "£10 off your next order", "early access to the winter sale", "free gift with orders over £50")
TONES = ("friendly", "premium", "playful")
_WHEN = re.compile(r"\b(?:until|ends?|weekend|today|tonight|December|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b")
_FAMILIES = (STATUS_QUESTION, PHYSICAL_SHOP, SOCIAL_PROOF, WEAK)


def _sheet(offer: str, segment: str, products: tuple[ProductFact, ...] = PRODUCTS) -> FactSheet:
    return offer_sheet(offer, segment, AS_OF, products, 1.0 if segment == "New" else 3.0)


@pytest.fixture(scope="module")
def drafts() -> list[Draft]:
    """Every audience x offer x channel in three tones: (segment, offer, channel, tone, variant)."""
    return family_drafts(_sheet, SEGMENTS, OFFERS, TONES, seed=11)


def _text(v: ComposedVariant) -> str:
    return "\n".join(p.text for p in v.pieces)


# ----- at load ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("part", "text"), [
    ("sms", "{brand}: {first_name}, one of our regulars? Here's our thank-you: {offer}."),
    ("push", "Are you one of our regulars, {first_name}? {Offer}"),
    ("sms", "{brand}: {first_name}, pop in soon and pick up {offer}."),
    ("hook", "Drop in to see what we have chosen for you."),
    ("cta", "Visit our store to see the full range."),
    ("hook", "Prices in store and online."),
    ("sms", "{brand}: {first_name}, come in for {offer}."),
    ("product_line", "The {product} ({product_price}) is a favourite with shoppers like you."),
    ("product_line", "Shoppers like you have been choosing the {product} ({product_price})."),
    ("hook", "Based on what shoppers like you enjoy, we've put together a few picks."),
    ("hook", "You're one of our regulars, so you're among the people we tell first."),
    ("sms", "{brand}: {first_name}, come and see what's new: {offer}."),
    ("push", "How does {offer} sound, {first_name}?"),
    ("preview", "All the details are below, with a few of our favourites."),
    ("hook", "It has been some time since your last visit, and now would be an ideal moment to return."),
    ("offer_line", "{Offer} is now available to you."),
    ("offer_line", "{Offer} starts today, so your next order costs less."),
    ("hook", "Shopping with us should feel rewarding, so we've made it more so."),
])
def test_set11_families_are_refused_at_load(tmp_path: Path, part: str, text: str) -> None:
    assert problems_with(text, part) is not None, text
    with pytest.raises(DataValidationError):
        parse_phrase_file(phrase_file(tmp_path, part, text))


def test_plain_lines_still_load(tmp_path: Path) -> None:
    for part, text in (("sms", "{brand}: {first_name}, to say thanks for shopping with us so often: {offer}."),
                       ("hook", "We would love to welcome you back to {brand}."),
                       ("product_line", "We think the {product} ({product_price}) is well worth a look."),
                       ("push", "{first_name}, with our thanks for your custom: {offer}"),
                       ("preview", "See how far your offer goes with these ideas.")):
        assert parse_phrase_file(phrase_file(tmp_path, part, text)), text


def test_the_shipped_bank_has_none_of_the_families_and_stock_up_needs_a_consumable() -> None:
    bank = load_phrasebank()
    for p in bank.phrases:
        for family in _FAMILIES:
            assert not family.search(p.text), p.text
        if re.search(r"\bstock\s+up\b", p.text, re.I):
            assert "consumable" in p.needs, p.text
    assert implied_needs("{Offer} makes it easy to stock up on the things you love.") == {"consumable"}


def test_only_things_that_run_out_are_consumable() -> None:
    facts = _sheet("20% off", "Loyal")
    assert "consumable" in product_values(CREAM, facts)[1]
    assert "consumable" in product_values(BEANS, facts)[1]
    assert "consumable" not in product_values(TRAY, facts)[1]
    assert "consumable" not in product_values(POWER, facts)[1]
    # a category is not enough when it also sells things that do not run out; a title naming a consumable's
    # machine or container is not the consumable (review of the set-11 rule)
    for name, category, runs_out in (("Lumina Ionic Hair Dryer", "Beauty", False),
                                     ("Copperline Burr Coffee Grinder", "Kitchen", False),
                                     ("Nestling Video Baby Monitor", "Baby", False),
                                     ("Whisker & Co Clumping Cat Litter 10kg", "Pets", True),
                                     ("Oat Crunch Granola", "Grocery", True)):
        needs = product_values(ProductFact(name, 12.0, category, "popular"), facts)[1]
        assert ("consumable" in needs) is runs_out, name


# ----- on drafts -------------------------------------------------------------------------------
def test_no_draft_says_a_set11_family(drafts) -> None:
    for segment, offer, channel, tone, v in drafts:
        for family in _FAMILIES:
            assert not family.search(_text(v)), (segment, offer, channel, tone, _text(v))


def test_stock_up_appears_only_beside_a_product_that_runs_out(drafts) -> None:
    for segment, offer, channel, tone, v in drafts:
        if re.search(r"\bstock\s+up\b", _text(v), re.I):
            lead = v.values.get("product", "")
            assert lead in (CREAM.short_name, BEANS.short_name), (segment, offer, channel, tone, _text(v))


def test_every_sms_says_when_its_offer_runs_and_early_access_is_open_from_today(drafts) -> None:
    for segment, offer, channel, tone, v in drafts:
        if channel != "sms":
            continue
        if offer.startswith("early access"):  # says when it runs, not only the "Shop it now" sentence that opens it
            said = _text(v).replace("Shop it now, before it opens to everyone.", "")
            assert "from today" in said or re.search(r"\buntil\b|\bends?\b|December", said), (segment, tone, _text(v))
        else:
            assert _WHEN.search(_text(v)), (segment, offer, tone, _text(v))


def test_most_pushes_with_a_dated_offer_say_when_it_ends_and_all_fit_the_lock_screen(drafts) -> None:
    pushes = [(s, o, v) for s, o, c, _t, v in drafts if c == "push" and not o.startswith("early access")]
    dated = [x for x in pushes if _WHEN.search(_text(x[2]))]
    assert len(dated) >= 0.75 * len(pushes), [(_s, o, _text(v)) for _s, o, v in pushes if (_s, o, v) not in dated][:8]
    for _s, _o, v in pushes:
        assert len(_text(v).replace("{first_name}", "x" * PUSH_NAME_ROOM)) <= PUSH_SHOWN, _text(v)
