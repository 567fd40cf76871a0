"""Blind rating set 13's families, as general rules: an online shop that says it "sees" its customers ("lovely to see
you lately"), stiff openings ("It has been some time", "You shop with us often"), previews that only point down the
email ("Our picks are below", "You will find the details below"), "here's buy one, get one free", and an email whose
body took every word its small play's previews need (a cross-sell preview must still be found). Each is checked at
load (a phrase a CRM team adds later is held to it) and on composed drafts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from memberinsight.agent.campaigns import ProductFact
from memberinsight.agent.campaigns.compose import compose
from memberinsight.agent.campaigns.phrase_rules import WEAK, problems_with
from memberinsight.agent.campaigns.phrasebank import load_phrasebank, parse_phrase_file
from memberinsight.errors import DataValidationError
from tests.agent.conftest import offer_sheet, phrase_file

AS_OF = date(2026, 12, 7)
BOOTS = ProductFact("Northcairn Waterproof Hiking Boots", 180.99, "Outdoor", "picked for this member")
BOTTLE = ProductFact("Stainless Steel Bottle 500ml", 24.99, "Outdoor", "popular")
JACKET = ProductFact("Fellwalker Waterproof Rain Jacket", 140.99, "Outdoor", "popular")


@pytest.mark.parametrize(("part", "text"), [
    ("push", "Lovely to see you lately, {first_name}: {offer}"),
    ("sms", "{brand}: {first_name}, good to see you recently: {offer}."),
    ("preview", "It has been some time since your last visit."),
    ("preview", "Our picks are below, each with its price."),
    ("preview", "You will find the details below, with our recommendations."),
    ("hook", "You shop with us so often that we wanted you to know."),
    ("sms", "{brand}: {first_name}, thanks for coming so often: {offer}."),
])
def test_set13_families_are_refused_at_load(tmp_path: Path, part: str, text: str) -> None:
    assert problems_with(text, part) is not None, text
    with pytest.raises(DataValidationError):
        parse_phrase_file(phrase_file(tmp_path, part, text))


def test_heres_offer_is_not_said_of_a_deal(tmp_path: Path) -> None:
    [loaded] = parse_phrase_file(phrase_file(tmp_path, "sms", "{brand}: {first_name}, we've missed you, so here's {offer}."))
    assert loaded.offers and not loaded.offers & {"bogo", "multi_buy"}
    with pytest.raises(DataValidationError, match="here's"):
        parse_phrase_file(phrase_file(tmp_path, "sms", "{brand}: {first_name}, we've missed you, so here's {offer}.", offers="deal"))


def test_plain_versions_still_load(tmp_path: Path) -> None:
    for part, text in (("preview", "It has been a while since your last visit."),
                       ("push", "Thanks for shopping lately, {first_name}: {offer}"),
                       ("preview", "See how far your offer goes with these ideas.")):
        assert parse_phrase_file(phrase_file(tmp_path, part, text)), text


def test_the_shipped_bank_has_none_of_the_families() -> None:
    bank = load_phrasebank()
    assert not [p.text for p in bank.phrases if WEAK.search(p.text)]
    for p in bank.phrases:
        if "here's {offer}" in p.text.lower():
            assert p.offers and not p.offers & {"bogo", "multi_buy"}, p.text


@pytest.mark.parametrize("offer", ["15% off", "buy one get one free", "double points this weekend", "20% off"])
def test_a_cross_sell_email_finds_a_preview_whatever_its_body_says(offer: str) -> None:
    """The body's lines ("More picks for you, while the offer lasts") can take every word a small play's previews
    use; the email is written again without them rather than failing (set 13's run found it)."""
    facts = offer_sheet(offer, "Potential Loyalist", AS_OF, (BOOTS, BOTTLE, JACKET), 3.0)
    for tone in ("friendly", "premium", "playful", "urgent"):
        variants = compose(facts, "email", "cross_sell", tone, 3, seed=len(tone))
        previews = [next(p.text for p in v.pieces if p.part == "preview") for v in variants]
        assert len(set(previews)) == 3, previews
        for v in variants:
            body = next(p.text for p in v.pieces if p.part == "body")
            preview = next(p.text for p in v.pieces if p.part == "preview")
            assert "while the offer" not in preview or "while the offer" not in body
