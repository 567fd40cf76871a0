"""The families of complaint from blind rating sets 1-6, each ruled out in general, not sentence by sentence.

Every test composes across audiences, offers, channels and tones (the play chosen by the rules, as the
app does) and asserts that a draft showing the problem can no longer be produced:

1. gimmicks and stacked questions; one register per variant; lapsed and valuable customers get no winks;
2. generic lines; a threshold offer is never "saved" or "yours";
3. repetition: a preview that repeats the subject or the body's first line, a word pair said twice,
   thanks said twice (the check in :mod:`agent.campaigns.coherence`);
4. products out of season never lead (or appear) while others remain; "just £X" only for a low price;
   a welcome never leads with the cheapest item; a minimum-spend offer leads with a product that reaches it;
5. every email has a call to action; win-back bodies acknowledge the gap; first-timers are welcomed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from memberinsight.agent.campaigns import Fact, FactSheet, ProductFact, choose_play
from memberinsight.agent.campaigns.coherence import (
    body_text,
    first_line,
    follows_problems,
    pair_problems,
    piece_problems,
    preview_problems,
    variant_problems,
)
from memberinsight.agent.campaigns.compose import ComposedVariant, compose
from memberinsight.agent.campaigns.phrase_rules import GENERIC, GIMMICK
from memberinsight.agent.campaigns.phrasebank import TONES, load_phrasebank, parse_phrase_file
from memberinsight.agent.campaigns.season import season_fit, seasonal
from memberinsight.errors import DataValidationError, NotFoundError

AS_OF = date(2026, 12, 6)  # a Sunday in December (the rating sets' send date)
OFFERS = ("15% off", "free shipping over £40", "buy one get one free", "double points this weekend",
          "£10 off your next order", "early access to the winter sale", "20% off", "free gift with orders over £50")
SITUATION = {"Champions": "loyal", "Loyal": "loyal", "Potential Loyalist": "recent", "New": "new", "At Risk": "lapsed",
             "Can't Lose Them": "lapsed", "Hibernating": "lapsed", "Need Attention": "slowing"}
GARDEN = (ProductFact("Greenhollow Hard-Wearing Lawn Grass Seed - Dwarf Ryegrass", 16.13, "Garden",
                      "recommended to many of these members (Garden)"),
          ProductFact("Rootwell Rodent-Proof Compost Bin - Recycled Plastic", 47.99, "Garden",
                      "recommended to many of these members (Garden)"),
          ProductFact("Bloomfield Thorn-Proof Gardening Gloves - Goatskin Leather", 8.37, "Garden",
                      "recommended to many of these members (Garden)"),
          ProductFact("Botanica Skin Water-Resistant Sunscreen SPF 50 - Mineral Zinc", 13.72, "Beauty",
                      "popular with this audience"),
          ProductFact("Coreform Cushioned Running Shoes - Engineered Mesh", 62.99, "Sports", "popular with this audience"))
UNSEASONAL = re.compile(r"Lawn Grass Seed|Sunscreen", re.I)
ABSENCE = re.compile(r"missed (?:seeing )?you|it's been|it has been|since your last visit|welcome you back|too long", re.I)
WELCOMED = re.compile(r"welcome|thanks? (?:you )?for choosing|glad you found", re.I)
ACTION = re.compile(r"^(?:Shop|Visit|Take|Find|Treat|Browse|Explore|Have a browse|Head|Start|Pop|Leave|Tell|Share"
                    r"|We look forward|We would be (?:grateful|delighted))\b")
OVERSOLD = re.compile(r"\b(?:saved|kept|set aside|is yours|are yours|with your name|waiting for you)\b", re.I)


def sheet(segment: str, offer: str, products: tuple[ProductFact, ...] = GARDEN, as_of: date = AS_OF,
          **kw: object) -> FactSheet:
    deadline = None if "weekend" in offer else date(2026, 12, 20)
    return FactSheet(segment=segment, audience_size=300, offer=offer, as_of=as_of, deadline=deadline,
                     brand="Fernhill Market", stats=(Fact("avg_orders", "Average orders per member", 3.2),),
                     products=products, **kw)  # type: ignore[arg-type]


@dataclass
class Campaign:
    segment: str
    offer: str
    channel: str
    tone: str
    play: str
    facts: FactSheet
    variants: list[ComposedVariant]


@pytest.fixture(scope="module")
def corpus() -> list[Campaign]:
    """Every audience x offer x channel x tone of a rating set, composed with the play the rules choose."""
    out = []
    for n, segment in enumerate(SITUATION):
        for offer in OFFERS:
            facts = sheet(segment, offer)
            play = choose_play(facts)[0].key
            for channel in ("email", "sms", "push"):
                for tone in TONES:
                    variants = compose(facts, channel, play, tone, 3, seed=n + len(offer))
                    out.append(Campaign(segment, offer, channel, tone, play, facts, variants))
    return out


def _pieces(corpus: list[Campaign]) -> Iterator[tuple[Campaign, ComposedVariant, str, str]]:
    for c in corpus:
        for v in c.variants:
            for p in v.pieces:
                yield c, v, p.part, p.text


# ----- 1. gimmicks, stacked questions, one register per variant ---------------------------------------
def _file(tmp_path: Path, part: str, entry: str, play: str = "win_back") -> Path:
    path = tmp_path / f"{play}_{part}.yaml"
    path.write_text(f"play: {play}\nparts:\n  {part}:\n    curiosity:\n      - {entry}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("part, entry, message", [
    ("subject", '{text: "Long time no see! {Offer} might tempt you", tone: [playful]}', "gimmick"),
    ("subject", '{text: "Guess what we have kept for you? {Offer}", tone: [playful]}', "gimmick"),
    ("hook", '{text: "Wondering what you have been missing at {brand}?", tone: [friendly]}', "gimmick"),
    ("hook", '{text: "Ever wondered how much we appreciate you? Quite a lot.", tone: [friendly]}', "gimmick"),
    ("preview", '{text: "We have kept a surprise aside. Open up to find out what.", tone: [friendly]}', "gimmick"),
    ("push", '{text: "Psst, {first_name}! {Offer}", tone: [playful]}', "gimmick"),
    ("subject", '{text: "{first_name}, something for you: {offer}", tone: [friendly]}', "generic"),
    ("sms", '{text: "{brand}: {first_name}, {offer}, just for you.", tone: [friendly]}', "generic"),
    ("sms", '{text: "{brand}: {first_name}, something is waiting for you: {offer}.", tone: [friendly]}', "generic"),
    ("preview", '{text: "A personal note of thanks from everyone at {brand}.", tone: [premium]}', "generic"),
    ("push", '{text: "Try something new: {offer} until {deadline}", tone: [urgent]}', "generic"),
    ("hook", '{text: "Looking for a change? Fancy a treat? We can help.", tone: [friendly]}', "gimmick"),
    ("hook", '{text: "Looking for a change? Need a treat? We can help.", tone: [friendly]}', "more than one question"),
    ("preview", '{text: "{Offer} ends {deadline}. See you soon.", tone: [friendly]}', "states the offer"),
    ("push", '{text: "{first_name}, we picked a few things. Tap to see", tone: [friendly], needs: [no_offer]}',
     "picks without naming one"),
    ("push", '{text: "Welcome-back offer: {offer}, until {deadline}", tone: [friendly]}', "comma between the offer"),
])
def test_the_phrase_bank_refuses_each_family_of_bad_wording(tmp_path: Path, part: str, entry: str,
                                                             message: str) -> None:
    with pytest.raises(DataValidationError, match=re.escape(message)):
        parse_phrase_file(_file(tmp_path, part, entry))


def test_wording_that_is_true_only_sometimes_carries_its_need(tmp_path: Path) -> None:
    """"We chose it" is wrong for gloves; "just £62.99" for a dear item; "saved" for a minimum spend;
    "with buy one, get one free" and "double points is yours" do not read."""
    entries = {
        '{text: "Have you seen the {product}? We chose it with you in mind.", tone: all}': ("singular", None),
        '{text: "Our pick: the {product}, just {product_price}.", tone: all}': ("low_price", None),
        '{text: "We have saved {offer} for you.", tone: all}': ("no_threshold", None),
        '{text: "Stock up with {offer}.", tone: all}': (None, {"bogo", "multi_buy", "free_gift"}),
        '{text: "{Offer} is on until {deadline}.", tone: all}': (None, {"points_multiplier"}),
    }
    body = "play: common\nparts:\n  offer_line:\n    any:\n" + "".join(f"      - {e}\n" for e in entries)
    path = tmp_path / "extra.yaml"
    path.write_text(body, encoding="utf-8")
    phrases = parse_phrase_file(path)
    for phrase, (need, excluded) in zip(phrases, entries.values(), strict=True):
        if need:
            assert need in phrase.needs, phrase.text
        if excluded:
            assert phrase.offers and not phrase.offers & excluded, (phrase.text, phrase.offers)


def test_no_shipped_piece_uses_a_gimmick_a_generic_line_or_stacked_questions(corpus: list[Campaign]) -> None:
    for c, _, part, text in _pieces(corpus):
        running = body_text(text) if part == "body" else text
        assert not GIMMICK.search(running), (c.segment, c.offer, part, text)
        assert not GENERIC.search(running), (c.segment, c.offer, part, text)
        assert running.count("?") <= 1, (c.segment, c.offer, part, text)


def test_each_variant_speaks_in_one_register_and_valued_customers_get_no_winks(corpus: list[Campaign]) -> None:
    formality = {p.id: p.formality for p in load_phrasebank().phrases}
    for c in corpus:
        for v in c.variants:
            used = {formality[i] for p in v.pieces for i in p.phrase_ids}
            assert not {"casual", "formal"} <= used, (c.segment, c.offer, c.channel, c.tone, v.pieces)
            text = "\n".join(p.text for p in v.pieces)
            if "Hey {first_name}" in text:
                assert "With best wishes" not in text and "Kind regards" not in text and "Dear" not in text
            if SITUATION[c.segment] in ("lapsed", "loyal"):
                assert v.tone != "playful" and "Hey {first_name}" not in text, (c.segment, c.tone, text)
        if c.channel == "email":
            for v in c.variants:
                subject, preview = v.pieces[0].text, v.pieces[1].text
                assert not (subject.endswith("?") and "?" in preview), (subject, preview)


# ----- 2. generic lines, oversold threshold offers, the audience's situation -------------------------
def test_a_minimum_spend_offer_is_never_saved_kept_or_yours(corpus: list[Campaign]) -> None:
    for c, _, part, text in _pieces(corpus):
        if c.offer in ("free shipping over £40", "free gift with orders over £50"):
            assert not OVERSOLD.search(text), (c.segment, part, text)


# ----- 3. repetition ------------------------------------------------------------------------------------
def test_the_coherence_check_catches_what_raters_marked_as_repetition() -> None:
    facts = sheet("Champions", "£10 off your next order")
    # set 6, C08: the preview repeats the subject's offer and deadline
    found = preview_problems("A thank-you from us: £10 off your next order until Sunday 20 December",
                             "£10 off your next order is our thank-you, and it's yours until Sunday 20 December.", facts)
    assert any("when the offer ends" in p for p in found) and any("repeats the offer" in p for p in found)
    assert any("thank" in p for p in found)
    # set 6, C10: "next order ... next visit" in one line
    assert any("'next' twice" in p for p in piece_problems(
        "We've missed you, so we've saved £10 off your next order for your next visit.", facts))
    # set 6, C01: thanks said twice in one SMS
    assert "says thanks more than once" in piece_problems(
        "Fernhill Market: Thank you, {first_name}! 20% off is yours until Sunday 20 December, with our thanks.", facts)
    # set 6, C11: stacked questions
    assert "asks more than one question" in piece_problems(
        "Wondering what you've been missing at Fernhill Market? Guess what? 15% off is yours to enjoy.", facts)
    # set 6, C13: the preview and the body's first line say the same thing
    assert follows_problems("Wondering what you've been missing? Take a look inside.",
                            "Wondering what you've been missing at Fernhill Market?", facts)
    # the body's first line echoes the subject ("tempt you back" twice), though it may restate offer and deadline
    assert pair_problems("Might we tempt you back, {first_name}? 20% off", "Might we tempt you back to Fernhill Market?",
                         facts)
    assert pair_problems("{first_name}, £10 off your next order until Sunday 20 December",
                         "£10 off your next order is yours until Sunday 20 December.", facts) == []
    # a pair of content words said twice in one piece
    assert any("repeats the words" in p for p in piece_problems(
        "Your favourite picks are here. We chose your favourite picks with care.", facts))
    # honest copy passes
    assert piece_problems("We've missed you at Fernhill Market. 15% off is yours until Sunday 20 December.", facts) == []
    assert preview_problems("{first_name}, 15% off until Sunday 20 December",
                            "It's been a while, and we'd love to see you again.", facts) == []


def test_no_composed_variant_repeats_itself(corpus: list[Campaign]) -> None:
    for c in corpus:
        for v in c.variants:
            pieces = {p.part: p.text for p in v.pieces}
            assert variant_problems(pieces, c.facts) == [], (c.segment, c.offer, c.channel, c.tone, pieces)
            if c.channel == "email":
                body = body_text(pieces["body"]).lower()
                assert body.count("thank") <= 1, body  # thanks once


# ----- 4. the season, prices and the hero product ---------------------------------------------------------
def test_season_fit_follows_the_send_date_and_the_hemisphere() -> None:
    december, july = date(2026, 12, 6), date(2026, 7, 6)
    seed, spf = "Greenhollow Hard-Wearing Lawn Grass Seed", "Water-Resistant Sunscreen SPF 50"
    assert season_fit(seed, "Garden", december) == -1.0 and season_fit(seed, "Garden", july) == 1.0
    assert season_fit(spf, "Beauty", december) == -1.0 and season_fit(spf, "Beauty", december, "south") == 1.0
    assert season_fit("Insulated Winter Coat", "Fashion", december) == 1.0
    assert season_fit("Insulated Winter Coat", "Fashion", july) == -1.0
    assert season_fit("Christmas Pudding", "Food", december) == 1.0 and season_fit("Christmas Pudding", "Food", july) == -1
    assert season_fit("Thorn-Proof Gardening Gloves", "Garden", december) == 0.0  # no cue: neutral
    assert season_fit("Knitted Scarf", "Fashion", december) == 0.5 and season_fit("Knitted Scarf", "Fashion", july) == 0
    # out-of-season products give way while others remain; with nothing else they stay
    assert [p.name for p in seasonal(GARDEN, december)] == [p.name for p in GARDEN if not UNSEASONAL.search(p.name)]
    assert seasonal(GARDEN[:1], december) == list(GARDEN[:1])


def test_unseasonal_products_never_lead_or_appear_while_others_remain(corpus: list[Campaign]) -> None:
    for c, _, part, text in _pieces(corpus):
        assert not UNSEASONAL.search(text), (c.segment, c.offer, part, text)
    summer = sheet("Potential Loyalist", "15% off", as_of=date(2026, 7, 6))
    texts = [p.text for seed in range(4) for v in compose(summer, "email", "cross_sell", "friendly", 3, seed=seed)
             for p in v.pieces]
    assert any(UNSEASONAL.search(t) for t in texts)  # in July the lawn seed and the sun cream are fine
    south = sheet("Potential Loyalist", "15% off", country="Australia")
    texts = [p.text for v in compose(south, "email", "cross_sell", "friendly", 3, seed=1) for p in v.pieces]
    assert any("Sunscreen" in t for t in texts)  # December is summer in Australia


def test_just_a_price_only_for_an_item_priced_low_for_its_category() -> None:
    cheap = ProductFact("Apex Athletic BPA-Free Sports Water Bottle - Tritan Plastic", 8.77, "Sports",
                        "recommended for this member", category_price=30.0)
    dear = ProductFact("Pacefield Pre-Strung Tennis Racket - Aluminium", 86.99, "Sports", "recommended for this member",
                       category_price=30.0)
    said = []
    for segment, offer in (("Potential Loyalist", "15% off"), ("Loyal", "20% off"), ("Need Attention", "3 for 2")):
        facts = sheet(segment, offer, products=(dear, cheap))
        for seed in range(12):
            for tone in ("playful", "friendly"):
                for v in compose(facts, "email", "cross_sell", tone, 3, seed=seed):
                    said += re.findall(r"just £\d+\.\d\d", v.pieces[2].text)
    assert "just £86.99" not in said and set(said) <= {"just £8.77"}


def test_the_hero_product_suits_the_offer_and_a_welcome_never_leads_with_the_cheapest() -> None:
    shoes, bottle, racket = GARDEN[4], ProductFact("Apex Athletic Sports Water Bottle", 8.77, "Sports",
                                                   "popular with this audience"), \
        ProductFact("Pacefield Pre-Strung Tennis Racket", 86.99, "Sports", "popular with this audience")
    for offer in OFFERS:
        for tone in TONES:
            for v in compose(sheet("New", offer, products=(bottle, shoes, racket)), "email", "welcome", tone, 3, seed=3):
                hero = v.slots.get("product_line", "")
                assert "Water Bottle" not in hero, (offer, tone, hero)
        for seed in range(3):
            facts = sheet("Champions", "free gift with orders over £50", products=(bottle, shoes, racket))
            for v in compose(facts, "email", "thank_you", "friendly", 3, seed=seed):
                assert "Water Bottle" not in v.slots.get("product_line", "")  # £8.77 does not reach £50


# ----- 5. a call to action; the audience's situation named ---------------------------------------------------
def test_every_email_has_a_call_to_action_and_names_the_customers_situation(corpus: list[Campaign]) -> None:
    for c in corpus:
        if c.channel != "email":
            continue
        for v in c.variants:
            assert ACTION.search(v.slots["cta"]), v.slots["cta"]
            first = first_line(v.pieces[2].text)
            if SITUATION[c.segment] == "lapsed":  # a win-back acknowledges the gap
                assert ABSENCE.search(first), (c.segment, c.offer, c.tone, first)
            if SITUATION[c.segment] == "new":  # a first-timer is welcomed or thanked
                assert WELCOMED.search(first), (c.segment, c.offer, c.play, c.tone, first)


def test_a_built_shop_features_products_in_season_with_their_category_price(built_workspace) -> None:
    """The fact sheet reads a wider pool of recommendations and drops the out-of-season ones (sent in
    December, nothing it shows is a summer-only product); every product carries its category's median
    price, and the sheet the audience's country."""
    from memberinsight.agent.campaigns import build_fact_sheet

    december = date(2026, 12, 6)
    for segment in ("Champions", "Potential Loyalist", "Need Attention", "Hibernating", "At Risk"):
        try:
            facts = build_fact_sheet(built_workspace, segment, offer="15% off", as_of=december)
        except NotFoundError:  # a segment the test shop does not have
            continue
        assert facts.products and len(facts.products) <= 3
        for p in facts.products:
            assert season_fit(p.name, p.category, december) >= 0, (segment, p.name)
            assert p.category_price is not None and p.category_price > 0, (segment, p.name)
        assert isinstance(facts.country, str)
