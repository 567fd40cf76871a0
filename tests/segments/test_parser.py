"""Plain words -> definitions: accuracy on the labelled sets, and how the parser reports what it missed."""

from __future__ import annotations

import pytest

from memberinsight.segments import SegmentParseError, describe, editable_rows, parse_or_refuse, parse_sentence
from memberinsight.segments.evaluation import evaluate_parser, load_sentences


def test_sentence_sets_are_big_varied_and_valid(sentence_files):
    dev = load_sentences(sentence_files["dev"])
    holdout = [s for name in ("holdout", "holdout2", "holdout3") for s in load_sentences(sentence_files[name])]
    assert len(dev) >= 60 and len(holdout) >= 60
    sentences = [s.sentence for s in dev + holdout]
    assert len(set(sentences)) == len(sentences)
    fields = {c.field for s in dev for c in s.expected.conditions()}
    assert len(fields) >= 20  # covers behaviour, member, review and prediction fields


@pytest.mark.parametrize(("name", "minimum"), [("dev", 0.9), ("holdout", 0.9), ("holdout2", 0.9),
                                               ("holdout3", 0.9)])
def test_parse_accuracy(demo_vocab, sentence_files, name, minimum):
    result = evaluate_parser(sentence_files[name], demo_vocab)
    assert result.accuracy >= minimum, result.failures


def test_issue_example(demo_vocab):
    r = parse_sentence("members who bought Outdoor at least twice in the last 90 days, spent over 200 and have "
                       "high churn risk", demo_vocab)
    assert r.complete
    assert r.definition.to_dict()["where"]["all"] == [
        {"field": "orders", "category": "Outdoor", "days": 90, "op": ">=", "value": 2},
        {"field": "spend", "op": ">", "value": 200},
        {"field": "churn_band", "op": "=", "value": "high"}]
    assert r.description == ("Members where: bought Outdoor at least 2 times in the last 90 days; "
                             "net spend is more than £200; churn risk is high")  # the shop's currency sign
    rows = editable_rows(r.definition)
    assert [row["path"] for row in rows] == ["where.all[0]", "where.all[1]", "where.all[2]"]
    assert rows[2]["choices"] == ["low", "medium", "high"] and ">=" in rows[0]["allowed_ops"]


def test_unknown_words_are_reported_not_guessed(demo_vocab):
    r = parse_sentence("members in London who love hiking", demo_vocab)
    assert r.definition.to_dict()["where"]["all"] == [{"field": "city", "op": "=", "value": "London"}]
    assert r.not_understood == ["love hiking"] and not r.complete
    r = parse_sentence("customers who bought Camping gear in Leeds", demo_vocab)
    assert [c.field for c in r.definition.conditions()] == ["city"]  # no made-up category
    assert "bought Camping" in r.not_understood  # "gear" is a filler; "Camping" is no category
    assert any("not a known product category" in n for n in r.notes)
    r = parse_sentence("members with loyalty points over 100", demo_vocab)
    assert r.definition is None and r.not_understood == ["loyalty points over 100"]


def test_refusal_when_nothing_is_understood(demo_vocab):
    with pytest.raises(SegmentParseError) as info:
        parse_or_refuse("what is the weather like today", demo_vocab)
    assert info.value.not_understood == ["weather", "today"]
    with pytest.raises(SegmentParseError, match="empty"):
        parse_sentence("   ", demo_vocab)
    with pytest.raises(SegmentParseError, match="longer than"):
        parse_sentence("members in London " * 40, demo_vocab)


@pytest.mark.parametrize(("sentence", "expected"), [
    ("members over 40", [{"field": "age_band", "op": "in", "value": ["45-54", "55-64", "65+"]}]),
    ("show me Lost customers", [{"field": "rfm_segment", "op": "=", "value": "Lost"}]),
    ("members in the lost segment", [{"field": "rfm_segment", "op": "=", "value": "Lost"}]),
    ("customers who bought Kitchen, Home and Garden",
     [{"field": "orders", "category": c, "op": ">=", "value": 1} for c in ("Kitchen", "Home", "Garden")]),
    ("never bought Toys or Pets", [{"field": "orders", "category": ["Pets", "Toys"], "op": "=", "value": 0}]),
    ("spend > 100 and orders >= 3", [{"field": "spend", "op": ">", "value": 100},
                                     {"field": "orders", "op": ">=", "value": 3}]),
    ("members who last ordered between 1 March 2026 and 31 March 2026",
     [{"field": "last_order_date", "op": "between", "value": ["2026-03-01", "2026-03-31"]}]),
    # "bought X in May 2026" counts orders in May (an absolute window), so members who bought again
    # later stay in; "last bought X in May" is the last-order date.
    ("members who bought Outdoor in May 2026",
     [{"field": "orders", "category": "Outdoor", "from": "2026-05-01", "to": "2026-05-31", "op": ">=", "value": 1}]),
    ("members who last bought Outdoor in May 2026",
     [{"field": "last_order_date", "category": "Outdoor", "op": "between", "value": ["2026-05-01", "2026-05-31"]}]),
    ("customers who spent over 200 in May 2026",
     [{"field": "spend", "from": "2026-05-01", "to": "2026-05-31", "op": ">", "value": 200}]),
    ("members who ordered at least 3 times in 2025",
     [{"field": "orders", "from": "2025-01-01", "to": "2025-12-31", "op": ">=", "value": 3}]),
    ("bought Toys between March and May",
     [{"field": "orders", "category": "Toys", "from": "2026-03-01", "to": "2026-05-31", "op": ">=", "value": 1}]),
    ("bought Toys between November and February",
     [{"field": "orders", "category": "Toys", "from": "2025-11-01", "to": "2026-02-28", "op": ">=", "value": 1}]),
    ("members who bought Kitchen before March 2026",
     [{"field": "orders", "category": "Kitchen", "to": "2026-02-28", "op": ">=", "value": 1}]),
    ("members who didn't buy Outdoor in May 2026",
     [{"field": "orders", "category": "Outdoor", "from": "2026-05-01", "to": "2026-05-31", "op": "=", "value": 0}]),
    ("returned something in June 2026",
     [{"field": "returns", "from": "2026-06-01", "to": "2026-06-30", "op": ">=", "value": 1}]),
])
def test_more_phrasings(demo_vocab, sentence, expected):
    r = parse_sentence(sentence, demo_vocab)
    assert r.not_understood == []
    assert r.definition.to_dict()["where"]["all"] == expected


def test_common_word_segment_names_need_a_capital_or_the_word_segment(demo_vocab):
    r = parse_sentence("dormant customers", demo_vocab)  # a synonym with two readings, asked
    assert r.status == "ask" and r.questions[0].kind == "synonym"
    r = parse_sentence("lost customers", demo_vocab)  # every blind writer means the Lost segment: said, not asked
    assert r.definition.to_dict()["where"]["all"] == [{"field": "rfm_segment", "op": "=", "value": "Lost"}]
    assert r.status == "understood" and any("Lost RFM segment" in x for x in r.readings)
    r = parse_sentence("Lost customers", demo_vocab)  # capital at the start: read as the segment, and said so
    assert r.definition.to_dict()["where"]["all"] == [{"field": "rfm_segment", "op": "=", "value": "Lost"}]
    assert any("start of the sentence" in n for n in r.notes)


def test_notes_explain_assumptions(demo_vocab):
    r = parse_sentence("members over 40", demo_vocab)
    assert any("35-44" in n for n in r.notes)
    r = parse_sentence("members with a churn probability above 70", demo_vocab)
    assert r.definition.to_dict()["where"]["all"] == [{"field": "churn_probability", "op": ">", "value": 0.7}]
    assert any("70%" in n for n in r.notes)


def test_describe_reads_naturally(demo_vocab):
    r = parse_sentence("people who haven't ordered in 90 days or are not in London", demo_vocab)
    text = describe(r.definition)
    assert "last order date is 90 or more days ago" in text and "city is not London" in text


def test_random_word_salad_never_crashes(demo_vocab):
    """2,000 random mixes of the parser's own vocabulary: a definition that validates and compiles, or a
    clear refusal; never another exception."""
    import random

    from memberinsight.segments import compile_definition, parse_definition
    from memberinsight.segments import lexicon as lx

    pieces = [*lx.COMPARATORS_BEFORE, *lx.CUES, *lx.WEAK_CUES, *lx.IMPLIED, *lx.NEGATIONS, *lx.SEPARATORS,
              *lx.BANDS, *lx.PREDICTORS, "in the last 3 months", "next 30 days", "2 days ago", "between 3 and 5",
              "1 March 2026", "2025-05-05", "£200", "70%", "3+", "twice", "cluster 3", "'", ";", "DROP", "-5",
              "May", "since", "before", "or", "and", "not", *demo_vocab.city[:5], *demo_vocab.category,
              *demo_vocab.rfm_segment, *demo_vocab.age_band]
    rng = random.Random(11)
    built = 0
    for _ in range(2000):
        sentence = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        try:
            result = parse_sentence(sentence, demo_vocab)
        except SegmentParseError:
            continue
        if result.definition is not None:
            built += 1
            assert parse_definition(result.definition.to_dict()).key() == result.definition.key()
            assert compile_definition(result.definition).sql.startswith("WITH ref AS")
            assert editable_rows(result.definition) and result.description
    assert built > 1000


def test_months_without_a_year_are_read_against_the_data_date(demo_vocab):
    from dataclasses import replace
    from datetime import date

    r = parse_sentence("members who ordered in May", replace(demo_vocab, ref_date=None))
    assert r.not_understood == ["May"]  # no data date: no guess
    early = replace(demo_vocab, ref_date=date(2026, 4, 10))  # May 2026 has not happened yet
    r = parse_sentence("members who ordered in May", early)
    assert r.definition.to_dict()["where"]["all"] == [
        {"field": "orders", "from": "2025-05-01", "to": "2025-05-31", "op": ">=", "value": 1}]
    assert any("May 2025" in n for n in r.notes)
    r = parse_sentence("bought Garden between March and May", early)
    assert r.definition.to_dict()["where"]["all"][0]["from"] == "2026-03-01"
    assert r.definition.to_dict()["where"]["all"][0]["to"] == "2026-05-31"
    r = parse_sentence("they may buy Outdoor", demo_vocab)  # the verb is not a month
    assert r.not_understood == ["may"]
