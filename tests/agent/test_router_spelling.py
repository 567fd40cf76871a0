"""Reading what operators type: Unicode look-alikes and controls, chat shorthand, typos."""

from __future__ import annotations

import pytest

from memberinsight.agent.spelling import (
    Speller,
    clean_unicode,
    expand_shorthand,
    has_hidden_controls,
    near,
    paraphrase,
    skeleton,
)

WORDS = ("compare", "forecast", "customers", "review", "recommend", "recommendation", "address", "champions",
         "segment", "weeks", "kitchen")


def test_unicode_look_alikes_controls_and_accents_are_cleaned() -> None:
    assert clean_unicode("\u041eutdoor") == "Outdoor"  # Cyrillic capital O
    assert clean_unicode("Outdo\u0301or") == "Outdoor"  # combining accent
    assert clean_unicode("Kit\u202echen") == "Kitchen" and has_hidden_controls("Kit\u202echen")
    assert clean_unicode("ﬁnd") == "find"  # compatibility ligature (NFKC)
    assert clean_unicode("Can’t Lose Them") == "Can't Lose Them"
    assert not has_hidden_controls("plain text")


@pytest.mark.parametrize(("text", "expected"), [
    ("forcast 6 wks pls", "forcast 6 weeks please"),
    ("wd u do w the at risk lot", "would you do with the at risk lot"),
    ("cust services asked abt them", "customer services asked about them"),
    ("recs for M0001", "recommendations for M0001"),
    ("champions v lost", "champions versus lost"),
    ("10 w", "10 w"),  # "w" only before a word
])
def test_shorthand_is_written_out(text: str, expected: str) -> None:
    assert expand_shorthand(text) == expected


@pytest.mark.parametrize(("typo", "word"), [
    ("compair", "compare"),  # only the vowels differ
    ("forcast", "forecast"),
    ("custmers", "customers"),
    ("revew", "review"),
    ("recomend", "recommend"),
    ("reccomendation", "recommendation"),
    ("adress", "address"),
])
def test_typos_are_corrected_to_the_agents_words(typo: str, word: str) -> None:
    assert Speller(WORDS).correct_word(typo) == word


def test_known_words_and_far_words_are_left_alone() -> None:
    speller = Speller(WORDS)
    assert speller.correct_word("camping") == "camping"  # an English word, not a typo of "champions"
    assert speller.correct_word("balconys") == "balconys"  # nothing of the agent's is near
    assert speller.correct_word("abc") == "abc"  # too short to judge
    assert speller.correct("Compair VIPs w lapsed custmers") == "Compare VIPs w lapsed customers"


def test_near_and_skeleton() -> None:
    assert skeleton("compair") == skeleton("compare") == "cmpr"
    assert near("hibernatng", "hibernating") and not near("next", "text")  # short words must match exactly
    assert not near("camping", "champion")


def test_idioms_read_as_the_tools_words() -> None:
    assert paraphrase("which big spenders are slipping away") == "which big spenders are likely to churn"
    assert paraphrase("which vips might we lose soon") == "which vips likely to churn soon"
    assert paraphrase("compare champions and lost") == "compare champions and lost"
