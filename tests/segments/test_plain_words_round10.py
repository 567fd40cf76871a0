"""Issue 15, round 10: guards against SILENT errors by mechanism (round 9's held-out, now
tests/segments/blind_dev11.jsonl: a new operator in everyday words, a marketing director dictating compound
requests). A sentence is only "understood" when nothing in it was dropped, guessed or reinterpreted; each guard
of :mod:`segments.silent_guards` has variants of our own. The demo vocabulary's last date is 30 Sep 2026."""

from __future__ import annotations

import pytest

from memberinsight.segments import parse_definition, parse_sentence
from memberinsight.segments.silent_guards import signup_from_period


def means(result, *conditions, kind="all") -> bool:
    """The parse selects the same as ``kind`` of ``conditions`` (order-free, after canonicalisation)."""
    expected = parse_definition({"version": 1, "where": {kind: list(conditions)}})
    return result.definition is not None and result.definition.key() == expected.key()


def cond(field, op, value, **extra):
    return {"field": field, "op": op, "value": value, **extra}


# ----- 1. a period on a sign-up word dates the sign-up ("sign-ups from March 2025" = in March 2025) ----------

@pytest.mark.parametrize("sentence, period, extra", [
    ("Can you find the referral sign-ups from March 2025?", ["2025-03-01", "2025-03-31"],
     [cond("channel", "=", "referral")]),
    ("referral signups from March 2025", ["2025-03-01", "2025-03-31"], [cond("channel", "=", "referral")]),
    ("joiners from Q1 2025 in Leeds", ["2025-01-01", "2025-03-31"], [cond("city", "=", "Leeds")]),
    ("new members from June 2026", ["2026-06-01", "2026-06-30"], []),
])
def test_1_sign_ups_from_a_period_are_the_sign_ups_in_it(demo_vocab, sentence, period, extra):
    r = parse_sentence(sentence, demo_vocab)
    assert means(r, cond("signup_date", "between", period), *extra), r.definition
    assert any("sign-ups in that period" in line for line in r.readings), r.readings


@pytest.mark.parametrize("text", [
    "sign-ups from March 2025 to June 2025", "sign-ups from March 2025 onwards", "customers from Leeds",
    "sign-ups from Instagram",
])
def test_1_a_range_an_onwards_or_a_place_is_left_as_written(text):
    assert signup_from_period(text) == (text, [])


# ----- 2. negated orders with a period: members who never ordered are asked about ---------------------------

@pytest.mark.parametrize("sentence", [
    "Anybody in Bristol or Brighton who hasn't orderd a single thing since Christmas.",
    "customers in Leeds who have not bought anything since March 2026",
    "members with no orders since Black Friday",
    "people who haven't purchased since 1 June 2026",
])
def test_2_no_orders_since_a_date_asks_about_members_who_never_ordered(demo_vocab, sentence):
    r = parse_sentence(sentence, demo_vocab)
    assert r.status == "ask"
    q = [q for q in r.questions if q.about == "no orders since"]
    assert q and "never ordered" in q[0].text and len(q[0].options) == 2, r.questions
    assert any(c.field == "last_order_date" for c in r.definition.conditions())


@pytest.mark.parametrize("sentence", [
    "bought in q4 2025 but nothing since",
    "Toys buyers in Q4 2025 with no Toys order since",
    "people whose last order was before Christmas and nothing since",
    "customers who have ordered since Black Friday",
])
def test_2_buyers_already_or_a_positive_since_are_not_asked_about_never_ordered(demo_vocab, sentence):
    r = parse_sentence(sentence, demo_vocab)
    assert not [q for q in r.questions if q.about == "no orders since"], r.questions


# ----- 3. union joiners between two audiences are asked, never read as an intersection silently -------------

@pytest.mark.parametrize("sentence", [
    "VIPs and anyone who's spent over £500 in Glasgow",
    "Champions and everyone who joined this year",
    "Champions as well as people in Leeds",
    "Loyal Customers plus everyone who joined this year",
    "Leeds customers along with those who bought Garden",
    "At Risk members together with anybody in Cardiff",
])
def test_3_a_union_joiner_between_audiences_is_asked(demo_vocab, sentence):
    r = parse_sentence(sentence, demo_vocab)
    assert r.status == "ask"
    q = [q for q in r.questions if "either" in q.text and "both" in q.text]
    assert q and len(q[0].options) == 2, r.questions


@pytest.mark.parametrize("sentence", [
    "customers with 5 plus orders in Leeds",
    "bought Outdoor as well as Garden in Leeds",
    "customers in Leeds who spent over £100",
])
def test_3_numbers_categories_and_plain_clauses_are_not_unions(demo_vocab, sentence):
    r = parse_sentence(sentence, demo_vocab)
    assert not [q for q in r.questions if "either" in q.text and "both" in q.text], r.questions


# ----- 4. the read-back accounts for every word: fillers are said, corrections are never taken as fillers ---

@pytest.mark.parametrize("sentence, filler", [
    ("the ones we've properly lost", "properly"),
    ("customers the computer says are likely to churn", "the computer says"),
    ("people who havent bought anything in roughly 6 months", "roughly"),
    ("who's expected to spend more than 200 quid in the next 90 days or so", "or so"),
    ("Right, everyone in Leeds", "Right"),
])
def test_4_a_filler_is_dropped_and_said(demo_vocab, sentence, filler):
    r = parse_sentence(sentence, demo_vocab)
    assert r.status == "understood", r.questions
    assert any(f"'{filler}' read as a filler" in line for line in r.readings), r.readings


@pytest.mark.parametrize("sentence", [
    "people in amsterdam no actually the whole of the netherlands who came from email",
    "customers in Leeds, or actually Bristol",
    "members in Cardiff sorry actually Bristol",
])
def test_4_actually_after_no_or_sorry_is_a_correction_not_a_filler(demo_vocab, sentence):
    r = parse_sentence(sentence, demo_vocab)
    assert not any("'actually' read as a filler" in line for line in r.readings), r.readings


# ----- 5. everyday names of fields (segments.everyday_words) ------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("people who spend more than £120 an order on average", [cond("aov", ">", 120)]),
    ("London customers whose average basket is under a tenner", [cond("aov", "<", 10), cond("city", "=", "London")]),
    ("members spending over £40 per order", [cond("aov", ">", 40)]),
    ("At Risk with more than £250 spent, unless they're based in Spain",
     [cond("rfm_segment", "=", "At Risk"), cond("spend", ">", 250), cond("country", "!=", "Spain")]),
    ("Champions unless they live in Leeds", [cond("rfm_segment", "=", "Champions"), cond("city", "!=", "Leeds")]),
    ("members who bought Beauty in the first fortnight of February this year",
     [cond("orders", ">=", 1, category="Beauty", **{"from": "2026-02-01", "to": "2026-02-14"})]),
    ("bought Garden in the first week of March 2026",
     [cond("orders", ">=", 1, category="Garden", **{"from": "2026-03-01", "to": "2026-03-07"})]),
    ("New joiners from the last 30 days who haven't placed a first order yet",
     [cond("signup_date", "in_last_days", 30), cond("orders", "=", 0)]),
    ("sign-ups in the last 60 days who are yet to make their first order",
     [cond("signup_date", "in_last_days", 60), cond("orders", "=", 0)]),
    ("the 25 to 34s in London", [cond("age_band", "=", "25-34"), cond("city", "=", "London")]),
    ("a money score of 4 or 5", [cond("m_score", "between", [4, 5])]),
    ("recency 5 but monetary only 1 or 2", [cond("r_score", "=", 5), cond("m_score", "between", [1, 2])]),
    ("members with a recency score of 5 (bought very recently)", [cond("r_score", "=", 5)]),
    ("4.5 stars or more on average and 3+ reviews", [cond("avg_rating", ">=", 4.5), cond("reviews", ">=", 3)]),
    ("chance they're still a customer under 30%", [cond("p_alive", "<", 0.3)]),
    ("chance of being still active over 80%", [cond("p_alive", ">", 0.8)]),
    ("customers who send back loads, like more than 30% of the items they buy", [cond("return_rate", ">", 0.3)]),
    ("customers who return more than half of what they buy", [cond("return_rate", ">", 0.5)]),
    ("members who sent back over 40% of their orders", [cond("return_rate", ">", 0.4)]),
])
def test_5_everyday_names_of_fields_are_read_and_said(demo_vocab, sentence, expected):
    r = parse_sentence(sentence, demo_vocab)
    assert means(r, *expected), r.definition
    assert r.readings, "the rewrite is said in the read-back"


@pytest.mark.parametrize("sentence, expected", [
    ("people predicted to be worth over £500 to us in the next year", [cond("predicted_clv_365d", ">", 500)]),
    ("members expected to be worth more than £1000", [cond("predicted_clv_365d", ">", 1000)]),
    ("customers forecast to be worth under £50 to us", [cond("predicted_clv_365d", "<", 50)]),
    ("Champions who originally came to us from the email programme",
     [cond("rfm_segment", "=", "Champions"), cond("channel", "=", "email")]),
    ("members who joined via our email newsletter", [cond("channel", "=", "email")]),
    ("people who signed up through the e-mail list", [cond("channel", "=", "email")]),
])
def test_5_worth_and_the_email_programme(demo_vocab, sentence, expected):
    r = parse_sentence(sentence, demo_vocab)
    assert means(r, *expected), r.definition
    assert r.status == "understood", r.questions
