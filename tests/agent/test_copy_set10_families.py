"""Blind rating set 10's families, as general rules: formal rhetorical questions ("may we thank you for your
custom?", "Might we show you ..."), short pieces with no name and a vague hook ("Ready for another look?"), flat SMS
fragments, previews that fit any audience ("Worth knowing before your next order" to a lapsed buyer), non-sequiturs
("you know us well, so we have chosen", "we love rewarding our customers", "Your picks"), one subject in two
variants, and "in early. Early access" stutters. Each is checked at load (a phrase a CRM team adds later is held to
it) and on composed drafts across audiences, offers, channels and tones."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from memberinsight.agent.campaigns import FactSheet, ProductFact
from memberinsight.agent.campaigns.compose import ComposedVariant
from memberinsight.agent.campaigns.email_body import echo_join
from memberinsight.agent.campaigns.grounding import check_copy
from memberinsight.agent.campaigns.phrase_rules import MODAL_QUESTION, NON_SEQUITUR, problems_with
from memberinsight.agent.campaigns.phrasebank import load_phrasebank, parse_phrase_file
from memberinsight.errors import DataValidationError
from tests.agent.conftest import Draft, family_drafts, offer_sheet, phrase_file

AS_OF = date(2026, 12, 7)
PRODUCTS = (ProductFact("Summitra Packable Rain Jacket - Recycled Nylon", 94.99, "Outdoor", "picked for this member"),
            ProductFact("Trailpeak Grippy Trail Running Shoes - Breathable Mesh", 59.99, "Outdoor", "popular"),
            ProductFact("Botanica Skin Fragrance-Free Moisturiser - Shea Butter", 16.09, "Beauty", "popular"),
            ProductFact("Copperline Single-Origin Coffee Beans - Robusta Blend", 9.12, "Grocery", "popular"))
SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "At Risk", "Can't Lose Them", "Hibernating",
            "Need Attention")
LAPSED = ("At Risk", "Can't Lose Them", "Hibernating")
OFFERS = ("15% off", "free shipping over £40", "buy one get one free", "double points this weekend",
          "£10 off your next order", "early access to the winter sale", "free gift with orders over £50")
TONES = ("friendly", "premium", "playful")
_STILTED = re.compile(r"\b(?:may|might|shall)\s+we\b|\bwhere\s+would\s+you\s+start\b|\bwe\s+would\s+suggest\b", re.I)
_GENERIC_PREVIEW = re.compile(r"\bworth\s+knowing\b|\ba\s+good\s+moment\s+to\s+shop\b|\banother\s+look\b", re.I)


def _sheet(offer: str, segment: str) -> FactSheet:
    return offer_sheet(offer, segment, AS_OF, PRODUCTS, 1.0 if segment == "New" else 3.0)


@pytest.fixture(scope="module")
def drafts() -> list[Draft]:
    """Every audience x offer x channel in three tones: (segment, offer, channel, tone, variant)."""
    return family_drafts(_sheet, SEGMENTS, OFFERS, TONES, seed=10)


def _text(v: ComposedVariant) -> str:
    """Every piece of a variant, one per line (subject, preview and body for an email)."""
    return "\n".join(p.text for p in v.pieces)


def _piece(v: ComposedVariant, part: str) -> str:
    return next(p.text for p in v.pieces if p.part == part)


# ----- at load ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("part", "text"), [
    ("sms", "{brand}: {first_name}, may we thank you for your custom? {Offer}."),
    ("hook", "It has been some time. Might we show you what we have chosen for you?"),
    ("hook", "Might we make a suggestion or two?"),
    ("subject", "Shall we see you at {brand} soon, {first_name}?"),
    ("offer_line", "Where would you start with {offer}?"),
    ("product_line", "We would suggest the {product} ({product_price}), chosen with you in mind."),
    ("hook", "As one of our regulars, you know {brand} well, so we have chosen a few things for you."),
    ("hook", "Thank you for shopping with {brand}. We love rewarding our customers."),
    ("subject", "Your picks, with {offer} until {deadline}"),
    ("push", "Ready for another look? {Offer}"),
    ("push", "Here's to many more visits: {offer}"),
    ("push", "Good to see you lately: {offer}"),
    ("sms", "{brand}: {first_name}, it's been a while since your last visit. {Offer} until {deadline}."),
    ("sms", "{brand}: {first_name}, coming back for more? {Offer}."),
    ("preview", "Worth knowing before your next order."),
    ("preview", "A good moment to shop, while the offer lasts."),
])
def test_set10_families_are_refused_at_load(tmp_path: Path, part: str, text: str) -> None:
    assert problems_with(text, part) is not None, text
    with pytest.raises(DataValidationError):
        parse_phrase_file(phrase_file(tmp_path, part, text))


def test_plain_polite_lines_still_load(tmp_path: Path) -> None:
    for part, text in (("sms", "{brand}: {first_name}, thank you for shopping with us so often. Please enjoy {offer}."),
                       ("push", "We've missed you, {first_name}: {offer}"),
                       ("push", "Thanks for shopping lately: {offer} until {deadline}"),
                       ("hook", "We have chosen a few things we think will suit you."),
                       ("preview", "We'd love to welcome you back to {brand}.")):
        assert parse_phrase_file(phrase_file(tmp_path, part, text)), text


def test_the_shipped_bank_has_no_stilted_question_or_non_sequitur() -> None:
    for p in load_phrasebank().phrases:
        assert not MODAL_QUESTION.search(p.text), p.text
        assert not NON_SEQUITUR.search(p.text), p.text
        if p.part == "push" and "offer" in p.needs:
            assert re.search(r"\{(?:first_name|deadline)\}", p.text), p.text


def test_a_sentence_opening_with_the_word_the_last_one_ended_on_is_a_stutter() -> None:
    assert echo_join("We are letting you in early.", "Early access to the winter sale starts today.")
    assert echo_join("Thank you for being a regular.", "Early access to the winter sale starts today.") is None


# ----- on drafts -------------------------------------------------------------------------------
def test_no_draft_asks_a_stilted_question_or_says_a_non_sequitur(drafts) -> None:
    for segment, offer, channel, tone, v in drafts:
        assert not _STILTED.search(_text(v)), (segment, offer, channel, tone, _text(v))
        assert not NON_SEQUITUR.search(_text(v)), (segment, offer, channel, tone, _text(v))


def test_every_push_with_an_offer_names_the_customer_or_the_deadline(drafts) -> None:
    for segment, offer, channel, _tone, v in drafts:
        if channel == "push":
            assert "{first_name}" in _text(v) or "December" in _text(v) or "weekend" in _text(v), (segment, offer, _text(v))


def test_previews_fit_the_audience_and_lapsed_ones_never_look_to_the_next_order(drafts) -> None:
    for segment, offer, channel, tone, v in drafts:
        if channel != "email":
            continue
        preview = _piece(v, "preview")
        assert not _GENERIC_PREVIEW.search(preview), (segment, offer, tone, preview)
        if segment in LAPSED:
            assert "next order" not in preview.lower(), (segment, offer, tone, preview)


def test_no_two_variants_of_a_campaign_share_a_subject_or_preview(drafts) -> None:
    by_campaign: dict[tuple[str, str, str, str], list[ComposedVariant]] = {}
    for segment, offer, channel, tone, v in drafts:
        if channel == "email":
            by_campaign.setdefault((segment, offer, channel, tone), []).append(v)
    assert by_campaign
    for key, variants in by_campaign.items():
        for part in ("subject", "preview"):
            texts = [_piece(v, part) for v in variants]
            assert len(set(texts)) == len(texts), (key, part, texts)


def test_slowing_and_lapsed_buyers_are_not_rewarded_for_shopping(drafts) -> None:
    for segment, offer, _channel, _tone, v in drafts:
        if segment in (*LAPSED, "Need Attention"):
            assert not re.search(r"\breward(?:ing)?\s+you\s+for\b", _text(v), re.I), (segment, offer, _text(v))


def test_email_bodies_do_not_stutter_across_the_opening_and_drafts_pass_the_checks(drafts) -> None:
    for segment, offer, channel, tone, v in drafts:
        if channel != "email":
            continue
        body = _piece(v, "body")
        opening = body.split("\n\n")[1]
        sentences = re.split(r"(?<=[.!?])\s+", opening)
        for before, after in itertools.pairwise(sentences):
            assert echo_join(before, after) is None, (segment, offer, tone, opening)
        facts = _sheet(offer, segment)
        assert check_copy(body, facts, "body").passed, (segment, offer, tone, body)
