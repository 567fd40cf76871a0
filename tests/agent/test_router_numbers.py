"""Numbers by what stands next to them: offers with conditions, value floors, list sizes, periods, variants."""

from __future__ import annotations

import pytest

from memberinsight.agent.extract import Vocabulary, extract
from memberinsight.agent.member_ids import id_pattern
from memberinsight.agent.numbers import read_offer

VOCAB = Vocabulary(categories=("Outdoor", "Kitchen", "Home", "Toys", "Pets", "Garden", "Sports"))


@pytest.mark.parametrize(("text", "offer"), [
    ("offer is £10 off orders over £50", "£10 off orders over £50"),
    ("email to About to Sleep with a free gift on orders over £40?", "free gift on orders over £40"),
    ("sms, one variant only, offer free shipping over 50 pounds", "free shipping over 50 pounds"),
    ("the Loyal segment need an email: double points weekend. 4 versions", "double points weekend"),
    ("something about double loyalty points this weekend.", "double loyalty points this weekend"),
    ("push for New members, 10% off first reorder", "10% off first reorder"),
    ("campaign for Promising with buy 2 get 1 free", "buy 2 get 1 free"),
    ("We were thinking of offering early access to new arrivals.", "early access to new arrivals"),
    ("we think of 25% off for At Risk, is it good idea?", "25% off"),
    ("I was thinking 30% off but I'm not sure.", "30% off"),
    ("draft an sms for at risk, free delivery offer, 3 variants", "free delivery offer"),
    ("copy for Lost, email, with a £10 voucher", "£10 voucher"),
    ("how many members do we have", None),
])
def test_offers_keep_their_conditions(text: str, offer: str | None) -> None:
    assert read_offer(text) == offer


@pytest.mark.parametrize(("text", "limit", "min_clv", "variants"), [
    ("churn risk list, min value 1000, top 5", 5, 1000, None),
    ("make it only 5 and minimum value 2000 pounds", 5, 2000, None),
    ("who in At Risk has a predicted value of at least £250? Just show me 25 of them.", 25, 250, None),
    ("just the ones over £1000 pls", None, 1000, None),
    ("only those over 500", None, 500, None),
    ("members worth 1k+", None, 1000, None),
    ("can u write 4 email variants for cant lose them? offer is £10 off orders over £50", None, None, 4),
    ("also search me camping stoves, 20 please", 20, None, None),
    ("M0000640 - next best products, 6 of them", 6, None, None),
    ("Which reviews have we removed? Could you list about 20?", 20, None, None),
    ("toys for kids of 3 years old", None, None, None),  # an age is not a list size
    ("is data up to 30 september 2026 or older?", None, None, None),  # nor a date
    ("show me the numbers for 2025", None, None, None),  # nor a year
    ("what about 14911", None, None, None),  # nor an id
])
def test_counts_amounts_and_variants(text: str, limit: int | None, min_clv: float | None,
                                     variants: int | None) -> None:
    e = extract(text, VOCAB)
    assert (e.limit, e.min_clv, e.variants) == (limit, min_clv, variants), text


@pytest.mark.parametrize(("text", "weeks"), [
    ("outdoor forecast 8 wks", 8),
    ("forecast for beauty next 6 weeks", 6),
    ("sales forcast for the next month", 4),
    ("how will gardening products sell over the next 3 months", 13),
    ("demand for the next 90 days", 13),
])
def test_periods(text: str, weeks: int) -> None:
    assert extract(text, VOCAB).weeks == weeks


def test_member_id_shape_is_learned_from_the_workspace() -> None:
    assert id_pattern([f"M{i:07d}" for i in range(1, 2001)]) == r"M\d{7}"
    assert id_pattern([str(i) for i in range(12346, 18288)]) == r"\d{5}"
    assert id_pattern([str(i) for i in range(1, 2000)]) is None  # short plain numbers: counts and years
    assert id_pattern([]) is None
    demo = Vocabulary(member_id_pattern=r"M\d{7}", member_exists=lambda token: token.upper() == "C123")
    assert extract("whats the churn risk on m0001456", demo).member_ids == ["M0001456"]
    assert extract("show me the numbers for 2025", demo).member_ids == []
    assert extract("change the price of P10001", demo).member_ids == []  # not this shop's id shape
    assert extract("customer C123 please", demo).member_ids == ["C123"]  # introduced and it exists
    assert extract("customer C999 please", demo).member_ids == []
    shop = Vocabulary(member_id_pattern=r"\d{5}")
    assert extract("is 15311 likely to churn", shop).member_ids == ["15311"]
    assert extract("sales in 2026", shop).member_ids == []
