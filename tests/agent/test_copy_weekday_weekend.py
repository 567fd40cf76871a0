"""A weekend offer sent on a weekday (rating set 7, sent Monday 7 December): "every order earns double points
until Sunday 13 December" reads as running from today, a false claim. Every piece says the weekend instead,
never the deadline alone, and the three variants stay distinct."""

from __future__ import annotations

import re
from datetime import date

import pytest

from memberinsight.agent.campaigns import Fact, FactSheet, ProductFact, choose_play
from memberinsight.agent.campaigns.compose import ComposedVariant, compose
from memberinsight.agent.campaigns.phrasebank import TONES

PRODUCTS = (ProductFact("Northcairn Compressible Sleeping Bag - Synthetic Fill", 85.99, "Outdoor", "popular"),
            ProductFact("Summitra Packable Rain Jacket - Recycled Nylon", 94.99, "Outdoor", "popular"),
            ProductFact("Fellwalker Adjustable Hiking Backpack - Recycled Polyester", 70.99, "Outdoor", "popular"))
SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "At Risk", "Can't Lose Them", "Hibernating",
            "Need Attention")
TERMS = re.compile(r"\n*Offer ends [^\n]*$")
UNTIL_DAY = re.compile(r"\b(?:until|till|ends?|before|by)\s+(?:this\s+)?(?:sunday|saturday|\d{1,2}\s+december)\b",
                       re.I)


def _text(v: ComposedVariant) -> str:
    return "\n".join(p.text for p in v.pieces)


def _sheet(segment: str, as_of: date) -> FactSheet:
    return FactSheet(segment=segment, audience_size=300, offer="double points this weekend", as_of=as_of,
                     deadline=None, brand="Fernhill Market", stats=(Fact("avg_orders", "Average orders", 3.2),),
                     products=PRODUCTS)


@pytest.mark.parametrize("as_of", [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)])  # Mon-Wed
def test_a_weekend_offer_sent_on_a_weekday_says_the_weekend_and_never_the_deadline_alone(as_of: date) -> None:
    for n, segment in enumerate(SEGMENTS):
        facts = _sheet(segment, as_of)
        play = choose_play(facts)[0].key
        for channel in ("email", "sms", "push"):
            for tone in TONES:
                variants = compose(facts, channel, play, tone, 3, seed=n)
                texts = [_text(v) for v in variants]
                assert len(set(texts)) == 3, (segment, channel, tone, texts)
                for v in variants:
                    for piece in v.pieces:
                        said = TERMS.sub("", piece.text)  # the email's small print: "Offer ends Sunday 13 December."
                        assert not UNTIL_DAY.search(said), (segment, channel, tone, piece.part, piece.text)
                        if piece.part in ("sms", "push") and "points" in piece.text.lower():
                            assert "this weekend" in piece.text, (segment, channel, tone, piece.text)


def test_on_the_weekend_itself_the_short_window_wording_is_unchanged() -> None:
    facts = _sheet("Loyal", date(2026, 12, 12))  # Saturday: ends tomorrow
    variants = compose(facts, "sms", choose_play(facts)[0].key, "friendly", 3, seed=1)
    assert all(re.search(r"weekend|Sunday|tomorrow", _text(v)) for v in variants), [_text(v) for v in variants]


def test_the_default_deadline_never_lands_on_the_christmas_or_new_year_holidays() -> None:
    from datetime import date, timedelta

    from memberinsight.agent.campaigns.source import CLOSED_DAYS, default_deadline

    for offset in range(60):
        sent = date(2026, 11, 20) + timedelta(days=offset)
        end = default_deadline(sent)
        assert (end.month, end.day) not in CLOSED_DAYS, (sent, end)
        assert sent + timedelta(days=1) < end <= sent + timedelta(days=14)
    assert default_deadline(date(2026, 12, 11)) == date(2026, 12, 23)  # was Friday 25 December
    assert default_deadline(date(2026, 12, 1)) == date(2026, 12, 15)  # unaffected
