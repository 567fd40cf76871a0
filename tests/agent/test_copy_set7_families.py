"""Families rating set 7 marked down (sent Monday 7 December 2026), fixed by rules, not sentences: a weekend
offer sent Thursday or Friday read as running from today; points offered to first-time customers unexplained;
previews that repeat the body's hero product; SMS/push variants that differ in one word; urgency without a
deadline; email bodies with fragments, stiff joins, promises of help and the deadline said three times."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from memberinsight.agent.campaigns import FactSheet, ProductFact
from memberinsight.agent.campaigns.phrase_rules import EXCLUSIVE, PROMISES, STIFF
from memberinsight.agent.campaigns.phrasebank import TONES, load_phrasebank, parse_phrase_file
from memberinsight.agent.campaigns.variant_facts import (
    NOT_YET,
    POINTS_EXPLAINED,
    SHORT_EXPLAINED,
    near_duplicate,
)
from memberinsight.errors import DataValidationError
from tests.agent.conftest import compose_three, offer_sheet

PRODUCTS = (ProductFact("Coreform Cushioned Running Shoes - Engineered Mesh", 62.99, "Sport", "picked for this member"),
            ProductFact("Pacefield Pre-Strung Tennis Racket - Aluminium", 86.99, "Sport", "popular"),
            ProductFact("Apex Athletic Sports Water Bottle - Tritan Plastic", 8.77, "Sport", "popular"))
SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "At Risk", "Can't Lose Them", "Hibernating",
            "Need Attention")
OFFERS = ("15% off", "free shipping over £40", "buy one get one free", "double points this weekend",
          "£10 off your next order", "early access to the winter sale", "free gift with orders over £50")
SMALL_PRINT = re.compile(r"\n\nOffer (?:ends|valid)[^\n]*$")
UNTIL_DAY = re.compile(r"\b(?:until|till|ends?|before|by)\s+(?:this\s+)?(?:sunday|saturday|\d{1,2}\s+december)\b", re.I)


def _sheet(offer: str, segment: str, as_of: date, orders: float = 3.0) -> FactSheet:
    return offer_sheet(offer, segment, as_of, PRODUCTS, orders)


def _said(piece_text: str) -> str:
    """What a piece says before its small print, the points explanation left out (it speaks of later orders)."""
    text = SMALL_PRINT.sub("", piece_text).replace(POINTS_EXPLAINED, "")
    return text.replace(SHORT_EXPLAINED[POINTS_EXPLAINED], "")


@pytest.mark.parametrize("as_of", [date(2026, 12, 10), date(2026, 12, 11)])  # Thursday, Friday
def test_a_weekend_offer_sent_thursday_or_friday_says_the_weekend_and_nothing_runs_from_now(as_of: date) -> None:
    for n, segment in enumerate(SEGMENTS):
        facts = _sheet("double points this weekend", segment, as_of)
        for channel, tone in itertools.product(("email", "sms", "push"), TONES):
            for v in compose_three(facts, channel, tone, seed=n):
                for piece in v.pieces:
                    said = _said(piece.text)
                    assert not UNTIL_DAY.search(said), (segment, channel, tone, piece.text)
                    assert not NOT_YET.search(said), (segment, channel, tone, piece.text)
                    if piece.part in ("sms", "push", "subject"):
                        assert "this weekend" in piece.text, (segment, channel, tone, piece.text)
                    if piece.part == "body":
                        assert piece.text.endswith("Offer valid this weekend only, ending Sunday 13 December.")


def test_on_saturday_the_weekend_offer_may_say_until_tomorrow_and_sms_always_says_when() -> None:
    facts = _sheet("double points this weekend", "Loyal", date(2026, 12, 12))
    for tone in TONES:
        for v in compose_three(facts, "sms", tone):
            assert re.search(r"this weekend|tomorrow|Sunday", v.pieces[0].text), v.pieces[0].text


@pytest.mark.parametrize("as_of", [date(2026, 12, 7), date(2026, 12, 10), date(2026, 12, 12)])
def test_points_are_explained_to_first_time_customers_only(as_of: date) -> None:
    for tone in TONES:
        new = compose_three(_sheet("double points this weekend", "New", as_of, orders=1.0), "email", tone)
        assert all(POINTS_EXPLAINED in v.pieces[2].text for v in new), [v.pieces[2].text for v in new]
        loyal = compose_three(_sheet("double points this weekend", "Champions", as_of), "email", tone)
        assert not any(POINTS_EXPLAINED in v.pieces[2].text for v in loyal)
        other = compose_three(_sheet("15% off", "New", as_of, orders=1.0), "email", tone)
        assert not any("Points" in v.pieces[2].text for v in other)


def test_the_preview_never_names_the_product_the_body_leads_with() -> None:
    for segment, offer, tone in itertools.product(SEGMENTS[::2], OFFERS[::2], TONES):
        facts = _sheet(offer, segment, date(2026, 12, 8))
        for v in compose_three(facts, "email", tone):
            preview = v.pieces[1].text
            hero = v.values.get("product", "")
            assert not hero or hero not in preview, (segment, offer, tone, preview)


def test_sms_and_push_variants_differ_in_their_hook_not_one_word() -> None:
    close = total = 0
    for segment, offer, tone in itertools.product(SEGMENTS, OFFERS, TONES):
        facts = _sheet(offer, segment, date(2026, 12, 9))
        for channel in ("sms", "push"):
            texts = [v.pieces[0].text for v in compose_three(facts, channel, tone)]
            for a, b in itertools.combinations(texts, 2):
                total += 1
                close += near_duplicate(a, b, facts)
    assert close <= 0.02 * total, (close, total)  # only where the bank has nothing else for the case
    # the set-7 pair: "With our sincere thanks" / "with our thanks" around the same offer
    facts = _sheet("free gift with orders over £50", "Loyal", date(2026, 12, 7))
    assert near_duplicate("Fernhill Market: With our sincere thanks, {first_name}: a free gift with orders over £50.",
                          "Fernhill Market: {first_name}, with our thanks: a free gift with orders over £50.", facts)


def test_every_urgency_headline_in_the_bank_states_a_deadline(tmp_path: Path) -> None:
    for p in load_phrasebank().phrases:
        if p.angle == "urgency" and p.part in ("subject", "sms", "push"):
            assert p.needs & {"deadline", "days_left"}, (p.id, p.text)
    bad = tmp_path / "bad.yaml"
    bad.write_text("play: win_back\nparts:\n  push:\n    urgency:\n"
                   "      - {text: \"We've missed you, {first_name}! {Offer}\", tone: all}\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="tagged urgency must say when the offer ends"):
        parse_phrase_file(bad)


@pytest.mark.parametrize("text, rule", [
    ("We hope you enjoy {offer}.", "stiff"), ("{Offer}, should anything catch your eye.", "stiff"),
    ("We recommend the {product} ({product_price}), and now is a good time to treat yourself.", "stiff"),
    ("Might we help you find a new favourite?", "promises help"), ("{Offer} lets you in before anyone else.",
                                                                    "exclusivity"),
    ("{Offer}: where will you start?", "fragment"), ("Shop now, before it ends.", "pressure"),
])
def test_the_bank_refuses_the_email_families_raters_marked_down(tmp_path: Path, text: str, rule: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"play: win_back\nparts:\n  offer_line:\n    benefit:\n      - {{text: \"{text}\", tone: all}}\n",
                   encoding="utf-8")
    with pytest.raises(DataValidationError, match=rule):
        parse_phrase_file(bad)


@pytest.mark.parametrize("as_of", [date(2026, 12, 7), date(2026, 12, 9)])
def test_email_bodies_state_the_deadline_once_and_read_as_sentences(as_of: date) -> None:
    for n, (segment, offer) in enumerate(itertools.product(SEGMENTS, OFFERS)):
        facts = _sheet(offer, segment, as_of)
        deadline = f"{facts.deadline:%A} {facts.deadline.day} {facts.deadline:%B}" if facts.deadline else ""
        for tone in TONES:
            for v in compose_three(facts, "email", tone, seed=n):
                subject, _, body = (p.text for p in v.pieces)
                text = _said(body)
                for pattern in (STIFF, PROMISES, EXCLUSIVE):
                    assert not pattern.search(text), (segment, offer, tone, text)
                if "weekend" not in offer:
                    assert (subject + "\n" + text).count(deadline) <= 1, (segment, offer, tone, subject, text)
