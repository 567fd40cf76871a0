"""A range in another currency is asked about, with both ends in the shop's currency, never a crash."""

from __future__ import annotations

import pytest

from memberinsight.segments import parse_sentence


@pytest.mark.parametrize("sentence", ["customers who spent between $50 and $150",
                                      "aov between 40 and 90 dollars", "members with CLV from €300 to €800"])
def test_a_range_in_another_currency_asks_which_amounts(demo_vocab, sentence):
    r = parse_sentence(sentence, demo_vocab)
    assert r.status == "ask" and r.questions[0].kind == "currency"
    assert "–£" in r.questions[0].text  # both ends shown, e.g. "£50–£150"
