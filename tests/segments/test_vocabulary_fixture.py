"""The evaluation sets' vocabulary (tests/segments/demo_vocabulary.json) is what the demo generator makes, so the
parser and its evaluation never import the generator, yet cannot drift from it."""

from __future__ import annotations

import inspect

from memberinsight.segments.evaluation import evaluation_vocabulary
from memberinsight.segments.vocabulary import rfm_segment_names
from memberinsight.workspace.demo import generate_demo
from memberinsight.workspace.demo.members import AGE_BANDS, CHANNELS, CITIES
from memberinsight.workspace.demo.vocab import CATEGORIES


def test_the_evaluation_vocabulary_matches_the_demo_generator() -> None:
    vocab = evaluation_vocabulary()
    assert vocab.category == tuple(c.name for c in CATEGORIES)
    assert vocab.city == tuple(c[0] for c in CITIES)
    assert vocab.country == tuple(dict.fromkeys(c[1] for c in CITIES))
    assert vocab.channel == tuple(CHANNELS) and vocab.age_band == tuple(AGE_BANDS)
    assert vocab.rfm_segment == rfm_segment_names()
    assert vocab.ref_date == inspect.signature(generate_demo).parameters["end_date"].default
    assert vocab.currency == "£"


def test_a_vocabulary_survives_its_dict_form() -> None:
    vocab = evaluation_vocabulary()
    assert type(vocab).from_dict(vocab.to_dict()) == vocab
