"""Embedding-based field matching with the packaged MiniLM: helps with unknown wording, never overrides
what the rules understood, and refuses when unsure."""

from __future__ import annotations

import pytest

from memberinsight.segments import parse_sentence
from memberinsight.segments.embedding import FieldMatcher

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def matcher():
    return FieldMatcher()


@pytest.mark.parametrize(("sentence", "field", "op", "value"), [
    ("members with a typical interval between purchases under 20 days", "avg_days_between_orders", "<", 20),
    ("customers whose orders are worth over 100 on average", "aov", ">", 100),
    ("customers with an average star score below 2", "avg_rating", "<", 2),
])
def test_unknown_wording_is_matched_and_flagged(demo_vocab, matcher, sentence, field, op, value):
    r = parse_sentence(sentence, demo_vocab, matcher=matcher)
    assert r.definition.to_dict()["where"]["all"] == [{"field": field, "op": op, "value": value}]
    assert r.similarity_matches and r.similarity_matches[0]["field"] == field
    assert any("by similarity" in n for n in r.notes)


@pytest.mark.parametrize("sentence", ["members with loyalty points over 100", "members whose outlay is above 500"])
def test_unsure_matches_are_refused(demo_vocab, matcher, sentence):
    r = parse_sentence(sentence, demo_vocab, matcher=matcher)
    assert r.definition is None and r.not_understood


def test_matcher_scores_are_sensible(matcher):
    scores = matcher.scores("basket size")
    assert max(scores, key=scores.get) == "aov"
    assert matcher("frobnicate the widget", ("number", "integer")) is None


def test_evaluation_with_matcher_keeps_accuracy(demo_vocab, matcher, sentence_files):
    from memberinsight.segments.evaluation import evaluate_parser

    assert evaluate_parser(sentence_files["dev"], demo_vocab, matcher).accuracy >= 0.9
