"""Argument extraction: names from the shop's vocabulary, ids, numbers, periods, channels, offers."""

from __future__ import annotations

import pytest

from memberinsight.agent.extract import Vocabulary, edit_distance, extract, free_text_query

VOCAB = Vocabulary(categories=("Outdoor", "Kitchen", "Home", "Toys", "Pets"))


@pytest.mark.parametrize(("text", "segments"), [
    ("compare Champions and Hibernating", ["Champions", "Hibernating"]),
    ("how do new customers differ from loyal customers", ["New", "Loyal"]),
    ("email the cant lose them group", ["Can't Lose Them"]),
    ("Can't Lose Them vs potential loyalists", ["Can't Lose Them", "Potential Loyalist"]),
    ("hibernatng vs champoins", ["Hibernating", "Champions"]),  # one typo per word
    ("what's new in the shop", []),  # "new" alone is an everyday word, not the segment
    ("products for wild camping", []),  # "camping" is not a typo of "champions"
])
def test_segments(text: str, segments: list[str]) -> None:
    assert extract(text, VOCAB).segments == segments


@pytest.mark.parametrize(("text", "ids"), [
    ("look up member 12347", ["12347"]),
    ("show me M000123's profile", ["M000123"]),
    ("customer #17850 and customer id: 14911", ["17850", "14911"]),
    ("top 10 members with CLV over £1,000", []),
    ("forecast for the next 12 weeks", []),
    ("20% off for 20001", ["20001"]),
    ("who won the world cup in 2022", []),  # a year is not a member id
    ("show me the numbers for 2025", []),
    ("member 2022", ["2022"]),  # unless the words introduce it as one
    ("list 1500 members", []),  # a count is not an id
])
def test_member_ids(text: str, ids: list[str]) -> None:
    assert extract(text, VOCAB).member_ids == ids


def test_numbers_and_periods() -> None:
    e = extract("show 25 churn risks worth more than £1,000", VOCAB)
    assert (e.limit, e.min_clv) == (25, 1000.0)
    assert extract("at-risk members with clv above 2.5k", VOCAB).min_clv == 2500.0
    assert extract("top five customers", VOCAB).limit == 5
    assert extract("forecast kitchen for the next 8 weeks", VOCAB).weeks == 8
    assert extract("sales in the coming two weeks", VOCAB).weeks == 2
    assert extract("what will toys sell next month", VOCAB).weeks == 4
    assert extract("predict pets over the next quarter", VOCAB).weeks == 13
    assert extract("demand over 3 months", VOCAB).weeks == 13
    assert extract("give me a breakdown of members", VOCAB).limit is None


def test_channels_offers_statuses_categories() -> None:
    e = extract("Create push notification copy for new customers offering free shipping", VOCAB)
    assert (e.channel, e.offer, e.segments) == ("push", "free shipping", ["New"])
    assert extract("text message about double points", VOCAB).channel == "sms"
    assert extract("wirte an emial for them", VOCAB).channel == "email"
    assert extract("next best products", VOCAB).channel is None  # "next" is not a typo of "text"
    assert extract("email with £10 off orders over £50", VOCAB).offer == "£10 off orders over £50"
    assert extract("sms with 15% off", VOCAB).offer == "15% off"
    assert extract("show escalated reviews", VOCAB).status == "escalated"
    assert extract("forecast kitchen and outdoor", VOCAB).categories == ["Kitchen", "Outdoor"]
    assert extract("anything for pet owners", VOCAB).categories == ["Pets"]


def test_masking_keeps_the_request_and_hides_the_names() -> None:
    e = extract("compare Champions with Lost for the next 4 weeks", VOCAB)
    assert e.masked == "compare segment with segment for the next period"
    assert extract("whos at risk", VOCAB).masked == "whos at risk"  # "at risk" also says what is wanted
    assert extract("and kitchen?", VOCAB).rest == "and"


def test_free_text_query() -> None:
    assert free_text_query("find products like a waterproof hiking jacket") == "waterproof hiking jacket"
    assert free_text_query("Do we sell anything for cold brew coffee?") == "cold brew coffee"
    assert free_text_query("vegan skincare") == "vegan skincare"


def test_edit_distance() -> None:
    assert edit_distance("segmnets", "segments") == 1  # swapped neighbours count once
    assert edit_distance("forcast", "forecast") == 1
    assert edit_distance("camping", "champion") == 3
    assert edit_distance("abc", "abcdefgh", limit=2) == 3  # capped


DEMO = Vocabulary(categories=("Outdoor", "Garden", "Kitchen", "Home", "Toys", "Electronics", "Beauty", "Fashion",
                              "Sports", "Pets"))


@pytest.mark.parametrize(("text", "segments", "guessed"), [
    ("compare our VIPs with the lapsed custmers", ["Champions", "Lost"], ["vips -> Champions", "lapsed -> Lost"]),
    ("new vs promising side by side", ["New", "Promising"], []),  # "new" next to another segment
    ("people who signed up but never bought anything", ["No Purchases Yet"], []),
    ("big spenders in the Can't Lose Them segment", ["Champions", "Can't Lose Them"], ["big spenders -> Champions"]),
])
def test_everyday_segment_names_are_read_and_marked_as_guessed(text: str, segments: list[str],
                                                               guessed: list[str]) -> None:
    e = extract(text, DEMO)
    assert (e.segments, e.guessed) == (segments, guessed)
    assert set(e.exact_segments) == set(segments) - {g.split(" -> ")[1] for g in guessed}


@pytest.mark.parametrize(("text", "categories", "guessed"), [
    ("forecast Kitchenware for 6 weeks", ["Kitchen"], ["kitchenware -> Kitchen"]),
    ("how will gardening products sell", ["Garden"], ["gardening -> Garden"]),
    ("forcast electroncs", ["Electronics"], ["electroncs -> Electronics"]),
    ("kitchen forecast", ["Kitchen"], []),
    ("\u041eutdoor forecast", ["Outdoor"], []),  # a Cyrillic look-alike is read as the Latin letter
    ("homework help", [], []),  # not a category's near-name
])
def test_category_near_names_and_typos(text: str, categories: list[str], guessed: list[str]) -> None:
    e = extract(text, DEMO)
    assert (e.categories, e.guessed) == (categories, guessed)
