"""Blind rating sets 18 and 21-23's low families, as general rules: stiff or clipped thanks ("thanks for shopping lately",
"thank you for choosing us lately", "our thanks for your custom", "for our regular customers"), "{offer} from all of
us" and "from all of us" subjects, a preview "each with its price", "Come back soon" as an opener or a closing (a
goodbye), "delighted to offer", "with our compliments", "Welcome aboard", and claims the brief does not make ("applies
to anything you choose", a buy-one-get-one called "your welcome offer"). Each is refused at load (a phrase a CRM team
adds later is held to it) and none is in a composed draft."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from memberinsight.agent.campaigns import ProductFact
from memberinsight.agent.campaigns.phrase_rules import NO_EXCLUSIONS, STILTED, problems_with
from memberinsight.agent.campaigns.phrasebank import load_phrasebank, parse_phrase_file
from memberinsight.agent.campaigns.wording import category_in_prose
from memberinsight.errors import DataValidationError
from tests.agent.conftest import Draft, family_drafts, offer_sheet, phrase_file

AS_OF = date(2026, 12, 7)
PRODUCTS = (ProductFact("Hound & Home Stainless Steel Pet Bowl", 12.49, "Pets", "picked for this member"),
            ProductFact("Northcairn Waterproof Hiking Boots", 180.99, "Outdoor", "popular"),
            ProductFact("Copperline Single-Origin Coffee Beans - Robusta Blend", 9.12, "Grocery", "popular"))
SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "At Risk", "Hibernating", "Need Attention")
OFFERS = ("15% off", "buy one get one free", "double points this weekend", "free shipping over £40",
          "£10 off your next order", "early access to the winter sale")
_FROM_ALL_OF_US = re.compile(r"\bfrom\s+all\s+of\s+us\b", re.I)
_WIN_BACK = re.compile(r"\b(?:love|like)\s+to\s+see\s+you\b|\bmissed\s+you\b|\bbeen\s+(?:a\s+while|too\s+long)\b", re.I)


@pytest.mark.parametrize(("part", "text"), [
    ("subject", "{first_name}, here's {offer} from all of us"),
    ("sms", "{brand}: A warm welcome, {first_name}, with {offer} from all of us."),
    ("subject", "{first_name}, a big thank-you from all of us"),
    ("sms", "{brand}: {first_name}, thanks for shopping lately: {offer}."),
    ("push", "Thank you for choosing us lately, {first_name}: {offer}"),
    ("sms", "{brand}: {first_name}, for our regular customers: {offer} until {deadline}."),
    ("push", "Our thanks for your custom: {offer} until {deadline}"),
    ("preview", "A few fresh ideas for you, each with its price."),
    ("push", "Come back soon, {first_name}: {offer} until {deadline}"),
    ("push", "We've missed you at {brand}, {first_name}. Come back soon"),
    ("hook", "We are delighted to offer you a reward."),
    ("offer_line", "Please enjoy {offer}, with our compliments."),
    ("push", "Welcome aboard: {offer} until {deadline}"),
    ("hook", "We have chosen a few pieces from our {category} range with you in mind."),
    ("offer_line", "{Offer} applies to anything you choose."),
    ("offer_line", "Enjoy {offer} on whatever catches your eye."),
    ("sms", "{brand}: Thanks for choosing us, {first_name}! Your welcome offer of {offer} ends {deadline}."),
    ("push", "Thank you for your custom, {first_name}: {offer}"),  # set 21: generic
    ("sms", "{brand}: With our sincere thanks, {first_name}: {offer}."),  # set 22: thanks for what?
    ("push", "Nice to see you again so soon: {offer} until {deadline}"),  # set 22: they have not come back
    ("hook", "Planning a bigger order? {Offer}."),  # set 22: a verbless fragment
    ("hook", "Should there be anything you have been considering, now would be an ideal time."),  # set 23: stilted
])
def test_set18_families_are_refused_at_load(tmp_path: Path, part: str, text: str) -> None:
    assert problems_with(text, part) is not None, text
    with pytest.raises(DataValidationError):
        parse_phrase_file(phrase_file(tmp_path, part, text))


@pytest.mark.parametrize(("part", "text"), [
    ("push", "Thanks for shopping with us lately, {first_name}: {offer}"),
    ("hook", "Thank you for choosing {brand}, and here's a reason to come back."),
    ("sms", "{brand}: {first_name}, we've missed you. Come back soon for {offer}."),
    ("hook", "We have chosen a few things from our {category} range with you in mind."),
    ("hook", "A little note from all of us at {brand}."),  # a body line, not a subject, may say it
])
def test_plain_versions_still_load(tmp_path: Path, part: str, text: str) -> None:
    assert parse_phrase_file(phrase_file(tmp_path, part, text)), text


def test_for_offer_is_not_said_of_a_deal(tmp_path: Path) -> None:
    """Set 21: "Come back for buy one, get one free" is not English; "Come back for 15% off" is."""
    text = "{brand}: {first_name}, we have missed you. Come back for {offer} until {deadline}."
    [loaded] = parse_phrase_file(phrase_file(tmp_path, "sms", text))
    assert loaded.offers and "bogo" not in loaded.offers and "percent_off" in loaded.offers
    with pytest.raises(DataValidationError, match="'for'"):
        parse_phrase_file(phrase_file(tmp_path, "sms", text, offers="deal"))


def test_here_is_offer_is_not_said_of_a_deal(tmp_path: Path) -> None:
    """Set 25: "so here is buy one, get one free" (set 13 covered only "here's")."""
    text = "{brand}: {first_name}, your custom means a great deal to us, so here is {offer}."
    [loaded] = parse_phrase_file(phrase_file(tmp_path, "sms", text))
    assert loaded.offers and not loaded.offers & {"bogo", "multi_buy"}


def test_while_the_offer_lasts_is_not_said_of_early_access(tmp_path: Path) -> None:
    """Set 22: "Our Outdoor favourites, ready while the offer lasts" beside early access to a sale (a window that
    opens, not stock that runs out)."""
    [loaded] = parse_phrase_file(phrase_file(tmp_path, "preview", "Our {category} favourites, ready while the offer lasts."))
    assert loaded.offers and "early_access" not in loaded.offers and "percent_off" in loaded.offers


def test_the_shipped_bank_has_none_of_the_families() -> None:
    bank = load_phrasebank()
    assert not [p.text for p in bank.phrases if STILTED.search(p.text) or NO_EXCLUSIONS.search(p.text)]
    assert not [p.text for p in bank.phrases if p.part == "subject" and _FROM_ALL_OF_US.search(p.text)]


def test_a_category_reads_as_a_common_noun() -> None:
    """Sets 19 and 22-24: "our Outdoor range", "Our Beauty favourites" read as internal labels."""
    assert [category_in_prose(c) for c in ("Outdoor", "Home & Garden", "TV & Audio", "iPhone Cases")] == \
        ["outdoor", "home & garden", "TV & audio", "iPhone cases"]


@pytest.fixture(scope="module")
def drafts() -> list[Draft]:
    """Every audience x offer x channel in three tones: (segment, offer, channel, tone, variant)."""
    return family_drafts(lambda offer, segment: offer_sheet(offer, segment, AS_OF, PRODUCTS,
                                                            1.0 if segment == "New" else 3.0),
                         SEGMENTS, OFFERS, ("friendly", "premium", "playful"), seed=18)


@pytest.mark.slow
def test_no_draft_says_a_set18_family(drafts) -> None:
    assert len(drafts) == len(SEGMENTS) * len(OFFERS) * 3 * 3 * 3
    for segment, offer, channel, tone, v in drafts:
        for piece in v.pieces:
            for pattern in (STILTED, NO_EXCLUSIONS):
                assert not pattern.search(piece.text), (segment, offer, channel, tone, piece.part, piece.text)
            if offer == "buy one get one free":
                assert not re.search(r"\bfor buy one\b", piece.text, re.I), (segment, channel, piece.text)
            if piece.part == "subject":
                assert not _FROM_ALL_OF_US.search(piece.text), (segment, offer, piece.text)
            for category in ("Pets", "Outdoor", "Grocery"):  # a category mid-sentence is a common noun
                assert not re.search(rf"(?<![.!?:]\s)(?<!^)\b{category}\b", piece.text), (segment, piece.text)
            if offer.startswith("early access"):
                assert not re.search(r"while the offer lasts", piece.text), (segment, channel, piece.text)
            if segment in ("Champions", "Loyal"):  # set 22: win-back words to the best customers
                assert not _WIN_BACK.search(piece.text), (segment, offer, channel, piece.text)


@pytest.mark.slow
def test_no_campaign_ships_the_same_text_twice(drafts) -> None:
    """Set 26: an SMS to Champions whose third variant repeated its first word for word (the bank's lines for
    loyal customers ran short for a long offer); an A/B test needs different texts."""
    by_campaign: dict[tuple[str, str, str, str], list[str]] = {}
    for segment, offer, channel, tone, v in drafts:
        by_campaign.setdefault((segment, offer, channel, tone), []).append("\n".join(p.text for p in v.pieces))
    for key, texts in by_campaign.items():
        assert len(texts) == 3 and len(set(texts)) == 3, (key, texts)
