"""Issue 15: plain words the parser was not built on. One test per example in the issue, then the
patterns behind the misses (calendar, holidays, counts, ratings, horizons, synonyms, spellings, typos,
Unicode, lists and 'or'), each checked for the definition *and* for whether the parser asks."""

from __future__ import annotations

import pytest

from memberinsight.segments import SegmentParseError, parse_or_refuse, parse_sentence


def where(result):
    return result.definition.to_dict()["where"]["all"] if result.definition else None


def conds(result):
    """The conditions as a set of JSON texts (order-free)."""
    import json

    return {json.dumps(c, sort_keys=True) for c in where(result)}


def same(result, expected) -> bool:
    """The parse means ``expected`` (a list of conditions), after canonicalisation."""
    from memberinsight.segments import parse_definition

    return result.definition.key() == parse_definition({"version": 1, "where": {"all": expected}}).key()


def c(**kw):
    import json

    return json.dumps(kw, sort_keys=True)


# ----- the issue's examples ------------------------------------------------------------------------------

def test_stacked_adjectives_are_and_not_or(demo_vocab):
    r = parse_sentence("high churn risk VIPs", demo_vocab)
    assert "any" not in str(r.definition.to_dict())
    assert conds(r) == {c(field="churn_band", op="=", value="high"), c(field="rfm_segment", op="=", value="Champions")}
    # VIPs = the Champions segment (docs/segments.md, every writer's reading): said in the read-back, not asked
    assert r.status == "understood" and "'VIPs' read as the Champions RFM segment" in r.readback
    r = parse_sentence("high churn risk whales", demo_vocab)  # whales has several readings: it asks
    assert r.status == "ask" and r.questions[0].kind == "synonym"
    alternative = r.questions[0].options[1].definition.to_dict()["where"]["all"]
    assert {"field": "clv_tier", "op": "=", "value": "high"} in alternative
    assert {"field": "churn_band", "op": "=", "value": "high"} in alternative
    r = parse_sentence("high churn risk high value customers", demo_vocab)
    assert conds(r) == {c(field="churn_band", op="=", value="high"), c(field="clv_tier", op="=", value="high")}
    # "high value" alone: the CLV tier or the top past spend (writers disagree, round 7): read as the tier, asked
    assert [q.about for q in r.questions] == ["high value"]
    r = parse_sentence("high churn risk high value tier customers", demo_vocab)
    assert r.status == "understood"
    assert conds(r) == {c(field="churn_band", op="=", value="high"), c(field="clv_tier", op="=", value="high")}


@pytest.mark.parametrize("sentence", ["customers with more than 3 one-star or two-star reviews",
                                      "customers with more than 3 one- or two-star reviews",
                                      "customers with more than 3 1 or 2 star reviews"])
def test_one_count_over_both_low_ratings(demo_vocab, sentence):
    r = parse_sentence(sentence, demo_vocab)
    assert where(r) == [{"field": "low_ratings", "op": ">=", "value": 4}] and r.status == "understood"


def test_distinct_categories_not_orders(demo_vocab):
    r = parse_sentence("members who bought from 5+ categories", demo_vocab)
    assert where(r) == [{"field": "distinct_categories", "op": ">=", "value": 5}] and r.complete
    r = parse_sentence("mbrs whove only ever bought from one catgory", demo_vocab)
    assert where(r) == [{"field": "distinct_categories", "op": "=", "value": 1}]
    # a one-letter slip in a long field word is taken and said; a slip in a value (a city) is still asked
    assert r.status == "understood" and any("'catgory' read as 'category'" in x for x in r.readings)
    r = parse_sentence("members in manchster", demo_vocab)
    assert r.status == "ask" and r.questions[0].about == "manchster"


def test_a_b_or_c_is_one_list(demo_vocab):
    r = parse_sentence("customers from Cardiff, Bristol, or Brighton", demo_vocab)
    assert where(r) == [{"field": "city", "op": "in", "value": ["Brighton", "Bristol", "Cardiff"]}] and r.complete
    r = parse_sentence("Cork members, Dublin members", demo_vocab)  # 'and' between one-value attributes
    assert where(r) == [{"field": "city", "op": "in", "value": ["Cork", "Dublin"]}] and r.status == "ask"


def test_unicode_look_alikes_bidi_and_accents_never_pass_silently(demo_vocab):
    cyrillic = parse_sentence("\u041eutdoor buyers", demo_vocab)  # Cyrillic capital O
    assert where(cyrillic) == [{"field": "orders", "category": "Outdoor", "op": ">=", "value": 1}]
    assert cyrillic.status == "ask" and cyrillic.questions[0].kind == "unicode"
    rlo = parse_sentence("members in \u202eLondon", demo_vocab)
    assert rlo.status == "refused" and "bidirectional" in rlo.refusal and rlo.definition is None
    with pytest.raises(SegmentParseError, match="bidirectional"):
        parse_or_refuse("Outdoor buyers \u2067", demo_vocab)
    for text in ("Outdoo\u0301r buyers", "Outdo\u030aor buyers", "Out\u200bdoor buyers"):
        r = parse_sentence(text, demo_vocab)
        assert where(r) == [{"field": "orders", "category": "Outdoor", "op": ">=", "value": 1}], text
        assert r.status == "ask", text


@pytest.mark.parametrize(("sentence", "expected"), [
    ("members who spent over 100 this year",
     [{"field": "spend", "from": "2026-01-01", "to": "2026-12-31", "op": ">", "value": 100}]),
    ("spent over £200 in Q4 2025", [{"field": "spend", "from": "2025-10-01", "to": "2025-12-31", "op": ">", "value": 200}]),
    ("members who joined this year", [{"field": "signup_date", "op": "between", "value": ["2026-01-01", "2026-12-31"]}]),
    ("members whose last order was between 60 and 120 days ago",
     [{"field": "last_order_date", "op": "more_than_days_ago", "value": 60},
      {"field": "last_order_date", "op": "in_last_days", "value": 121}]),
    ("members who signed up through Instagram", [{"field": "channel", "op": "=", "value": "social"}]),
    ("members overdue by more than 30 days", [{"field": "days_overdue", "op": ">", "value": 30}]),
    ("members predicted to spend over 200 in the next 90 days",
     [{"field": "predicted_spend_90d", "op": ">", "value": 200}]),
    ("members with 2 canceled orders", [{"field": "returns", "op": ">=", "value": 2}]),
    ("spend over 500 OR aov over 100", None),
])
def test_issue_misses_now_read_right(demo_vocab, sentence, expected):
    r = parse_sentence(sentence, demo_vocab)
    assert r.status == "understood", r.readback
    if expected is None:  # OR between two comparisons is kept
        assert r.definition.to_dict()["where"] == {"any": [{"field": "spend", "op": ">", "value": 500},
                                                           {"field": "aov", "op": ">", "value": 100}]}
    else:
        assert same(r, expected), where(r)


def test_since_black_friday_is_the_latest_one_and_read_back(demo_vocab):
    """A holiday without a year is the latest one up to the data's last date (every blind label reads it so);
    the read-back says which. Prime Day (not this shop's event) and a holiday still to come are asked."""
    r = parse_sentence("customers who bought since Black Friday", demo_vocab)
    assert where(r) == [{"field": "last_order_date", "op": ">=", "value": "2025-11-28"}] and r.complete
    assert any("28 Nov 2025" in line for line in r.readings)
    r = parse_sentence("customers who bought since last Black Friday", demo_vocab)
    assert r.complete and where(r)[0]["value"] == "2025-11-28"
    r = parse_sentence("Prime Day 2025 shoppers", demo_vocab)
    assert r.status == "ask" and r.questions[0].kind == "holiday"
    r = parse_sentence("Christmas shoppers this year", demo_vocab)  # Christmas 2026 is after 30 Sep 2026
    assert r.status == "ask" and "after the data's last date" in r.question


def test_typos_are_fixed_against_the_vocabulary_and_asked(demo_vocab):
    r = parse_sentence("custmers in manchestr", demo_vocab)
    assert where(r) == [{"field": "city", "op": "=", "value": "Manchester"}]
    assert r.status == "ask" and [q.about for q in r.questions] == ["manchestr"]
    assert 0.5 < r.confidence < 1
    assert any("'custmers' read as 'customers'" in line for line in r.readings)


def test_lost_customers_is_the_lost_segment_said_in_the_readback(demo_vocab):
    """Every blind writer (8 of 8 labelled lines) means the Lost segment: settled like "VIPs", said, not asked."""
    r = parse_sentence("lost customers", demo_vocab)
    assert where(r) == [{"field": "rfm_segment", "op": "=", "value": "Lost"}] and r.status == "understood"
    assert "'lost' read as the Lost RFM segment" in r.readings
    r = parse_sentence("dormant customers", demo_vocab)  # writers split on "dormant": still asked
    labels = [o.label for o in r.questions[0].options]
    assert r.status == "ask" and labels[0] == "the Hibernating RFM segment"


def test_readme_example_says_which_condition_emptied_it(tiny_workspace, demo_vocab):
    from memberinsight.segments import load_vocabulary

    r = parse_sentence("members who bought Outdoor at least twice in the last 90 days and have high churn risk",
                       load_vocabulary(tiny_workspace), workspace=tiny_workspace)
    assert r.counts.total == 0
    assert [cc.members for cc in r.counts.conditions] == [1, 1]  # m1 bought Outdoor twice; m2 is high risk
    assert "churn risk is high" in r.counts.empty_reason and "leaves none" in r.counts.empty_reason
    assert "Members: 0 in all." in r.readback


# ----- patterns ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "expected"), [
    # ("last quarter" while the data ends on the quarter's last day is asked: test_plain_words_round11.py)
    ("customers who spent more than 500 pounds last month",
     [{"field": "spend", "from": "2026-08-01", "to": "2026-08-31", "op": ">", "value": 500}]),
    ("members who joined last month", [{"field": "signup_date", "op": "between", "value": ["2026-08-01", "2026-08-31"]}]),
    # (a window reaching the data's last date, "no orders this quarter", has two readings: asked, round 6)
    ("no orders last month", [{"field": "orders", "from": "2026-08-01", "to": "2026-08-31", "op": "=", "value": 0}]),
    ("signed up last yr", [{"field": "signup_date", "op": "between", "value": ["2025-01-01", "2025-12-31"]}]),
    ("spent more than £500 in the last year", [{"field": "spend", "days": 365, "op": ">", "value": 500}]),
    ("customers who joined in the first quarter of 2025",
     [{"field": "signup_date", "op": "between", "value": ["2025-01-01", "2025-03-31"]}]),
    ("signed up in 2025 Q3", [{"field": "signup_date", "op": "between", "value": ["2025-07-01", "2025-09-30"]}]),
    ("ppl who ordered on cyber monday 2024",
     [{"field": "orders", "from": "2024-12-02", "to": "2024-12-02", "op": ">=", "value": 1}]),
    ("anyone who bought on Boxing Day last year",
     [{"field": "orders", "from": "2025-12-26", "to": "2025-12-26", "op": ">=", "value": 1}]),
    ("spent 50-200 on Toys during Black Friday to Cyber Monday 2024",
     [{"field": "spend", "category": "Toys", "from": "2024-11-29", "to": "2024-12-02", "op": "between",
       "value": [50, 200]}]),
    ("people who signed up between Thanksgiving and New Year's Eve last year",
     [{"field": "signup_date", "op": "between", "value": ["2025-11-27", "2025-12-31"]}]),
    ("customers who bought between 2 and 4 weeks ago",
     [{"field": "orders", "from": "2026-09-02", "to": "2026-09-16", "op": ">=", "value": 1}]),
    ("customers who signed up after 6/15/2025", [{"field": "signup_date", "op": ">", "value": "2025-06-15"}]),
    ("people that made no fewer than 3 Outdoor orders in the last 90 days",
     [{"field": "orders", "category": "Outdoor", "days": 90, "op": ">=", "value": 3}]),
    ("anyone who left a 1 or 2 star review in the last 90 days",
     [{"field": "low_ratings", "days": 90, "op": ">=", "value": 1}]),
    ("customers whose average rating is above 4 stars", [{"field": "avg_rating", "op": ">", "value": 4}]),
    ("who's expected to order at least twice in the next yr", [{"field": "expected_orders_365d", "op": ">=", "value": 2}]),
    ("members expected to place more than 3 orders next quarter",
     [{"field": "expected_orders_90d", "op": ">", "value": 3}]),
    ("google ads signups from Q4 2025", [{"field": "channel", "op": "=", "value": "paid_search"},
                                         {"field": "signup_date", "op": "between", "value": ["2025-10-01", "2025-12-31"]}]),
    ("Amsterdam + Rotterdam facebook sign ups", [{"field": "city", "op": "in", "value": ["Amsterdam", "Rotterdam"]},
                                                 {"field": "channel", "op": "=", "value": "social"}]),
    ("members who've been with us for over a year", [{"field": "tenure_days", "op": ">", "value": 365}]),
    ("customers who spent at least 100 per order", [{"field": "aov", "op": ">=", "value": 100}]),
    ("non-UK customers", [{"field": "country", "op": "!=", "value": "United Kingdom"}]),
    ("high CLV tier low churn band members bought 4+ categories",
     [{"field": "clv_tier", "op": "=", "value": "high"}, {"field": "churn_band", "op": "=", "value": "low"},
      {"field": "distinct_categories", "op": ">=", "value": 4}]),
    ("bought Kitchen in Q2 2025 but not in Q2 2026",
     [{"field": "orders", "category": "Kitchen", "from": "2025-04-01", "to": "2025-06-30", "op": ">=", "value": 1},
      {"field": "orders", "category": "Kitchen", "from": "2026-04-01", "to": "2026-06-30", "op": "=", "value": 0}]),
    ("members who ordered in the last 2 weeks but not in the last 3 days",
     [{"field": "orders", "days": 14, "op": ">=", "value": 1}, {"field": "orders", "days": 3, "op": "=", "value": 0}]),
    ("low ratings 2 or more in the last 365 days, or avg rating below 2", None),
])
def test_patterns_understood(demo_vocab, sentence, expected):
    r = parse_sentence(sentence, demo_vocab)
    assert r.status == "understood", r.readback
    if expected is None:
        assert r.definition.to_dict()["where"] == {"any": [
            {"field": "low_ratings", "days": 365, "op": ">=", "value": 2}, {"field": "avg_rating", "op": "<", "value": 2}]}
    else:
        assert same(r, expected), where(r)


@pytest.mark.parametrize(("sentence", "kind"), [
    ("predicted spend next 60 days over 100", "horizon"),
    ("clv over 500 for the next 2 years", "horizon"),
    ("people likely to churn in the next 30 days", "horizon"),
    ("lapsed custs in london", "synonym"),
    ("whales in Manchester pls", "synonym"),
    ("mbrs aged 30-40", "age"),
    ("customers in their 40s", "age"),
    ("custs in lisbon", "value"),
    ("customers who bought in Q5 2025", "unknown"),
    ("mbrs who signed up in spring", "holiday"),  # a season with no year: which one? (round 6)
    ("Mother's Day buyers this year", "holiday"),
    ("customers who spent over $500 this year", "currency"),
    ("churn risk very high, Cork and Dublin", "unknown"),
    ("customers who left two or more 4 or 5 star reviews", "unknown"),
    ("members who signed up on 03/04/2025", "date"),
    ("people with more than five 1-star reviews", "approximation"),
    ("female customers in Paris", "unknown"),
])
def test_asks_instead_of_guessing(demo_vocab, sentence, kind):
    r = parse_sentence(sentence, demo_vocab)
    assert r.status == "ask", r.to_dict()
    assert kind in [q.kind for q in r.questions], [q.to_dict() for q in r.questions]
    assert r.question and r.confidence < 1 and "Please check" in r.readback


def test_horizon_question_offers_the_horizons_on_offer(demo_vocab):
    r = parse_sentence("customers expected to spend over 50 in the next 30 days", demo_vocab)
    q = next(q for q in r.questions if q.kind == "horizon")
    assert "90 and 365" in q.text and len(q.options) == 3  # as read + the two horizons


def test_lapsed_is_absorbed_when_the_sentence_defines_it(demo_vocab):
    r = parse_sentence("lapsed Kitchen buyers - no order at all since 180+ days", demo_vocab)
    assert r.status == "understood"
    assert conds(r) == {c(field="orders", category="Kitchen", op=">=", value=1),
                        c(field="last_order_date", op="more_than_days_ago", value=180)}
    assert any("taken as described" in line for line in r.readings)


@pytest.mark.parametrize("sentence", [
    "Delete all the Lost customers, they're just cluttering up the list.",
    "mark all lost custs as deleted", "reset passwords for at risk custs", "export card details for the champions",
    "give me home addresses and phone nos of the vips", "change the rfm segment of M0000456 to Champions",
    "email everyone in London a 20% voucher code", "unsubscribe all members with churn prob > 0.9 from newsletter",
    "whats our total revenue for q3", "hey, can you please remove everyone in cluster 3",
])
def test_destructive_and_non_segment_requests_are_refused(demo_vocab, sentence):
    r = parse_sentence(sentence, demo_vocab)
    assert r.status == "refused" and r.definition is None and r.confidence == 0
    assert "segment" in r.refusal and r.readback.startswith("Not a segment")
    with pytest.raises(SegmentParseError, match="not a segment"):
        parse_or_refuse(sentence, demo_vocab)


@pytest.mark.parametrize("sentence", ["email signups in London", "customers who cancelled 2 orders",
                                      "members who changed nothing"])
def test_descriptions_of_behaviour_are_not_refused(demo_vocab, sentence):
    assert parse_sentence(sentence, demo_vocab).status != "refused"


def test_spellings_and_abbreviations_are_read_without_asking(demo_vocab):
    r = parse_sentence("mbrs in leeds, sheffield or newcastle pls", demo_vocab)
    assert where(r) == [{"field": "city", "op": "in", "value": ["Leeds", "Newcastle", "Sheffield"]}] and r.complete
    r = parse_sentence("2+ canceled orders ever", demo_vocab)
    assert where(r) == [{"field": "returns", "op": ">=", "value": 2}] and r.complete
    r = parse_sentence("members who bought Kitchenware", demo_vocab)  # a compound of a category: a guess
    assert where(r) == [{"field": "orders", "category": "Kitchen", "op": ">=", "value": 1}] and r.status == "ask"


def test_result_dict_carries_readback_status_confidence_and_questions(demo_vocab):
    d = parse_sentence("big spenders in London", demo_vocab).to_dict()
    assert d["status"] == "ask" and d["complete"] is False and 0 < d["confidence"] < 1
    assert {"field": "m_score", "op": "=", "value": 5} in d["questions"][0]["options"][0]["definition"]["where"]["all"]
    assert "big spenders" in d["question"] and d["readback"].startswith("Members where:")


def test_parsing_stays_fast(demo_vocab, sentence_files):
    import json
    import statistics
    import time

    sentences = [json.loads(line)["sentence"] for path in sentence_files.values()
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    parse_sentence("warm up the caches", demo_vocab)
    timings = []
    for s in sentences:
        t0 = time.perf_counter()
        parse_sentence(s, demo_vocab)
        timings.append(time.perf_counter() - t0)
    assert statistics.median(timings) < 0.005
