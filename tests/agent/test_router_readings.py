"""The word rules behind round 2's routing families, without a model: how a segment word is used,
numbers next to units and signs, the asking sentence of a long message, refusal rules that know the
shop's names, and the cues that say which kind of answer is wanted."""

from __future__ import annotations

import pytest

from memberinsight.agent.cues import CUES
from memberinsight.agent.evaluation import argument_matches, load_vocabulary
from memberinsight.agent.extract import extract
from memberinsight.agent.guard import check, general_knowledge
from memberinsight.agent.query import asking_sentence, free_text_query
from memberinsight.agent.spelling import expand_shorthand, normalise
from tests.agent.conftest import AGENT_TESTS

VOCAB = load_vocabulary(AGENT_TESTS / "routing_vocabulary.json")
NAMES = tuple(p for p, _, _ in VOCAB.segment_phrases())


@pytest.mark.parametrize(("text", "segments", "qualifiers"), [
    ("at risk champions pls, top 5", ["Champions"], ["At Risk"]),
    ("which Champions are at risk?", ["Champions"], ["At Risk"]),
    ("loyal members at risk", ["Loyal"], ["At Risk"]),
    ("any big spenders at risk of leaving?", ["Champions"], ["At Risk"]),
    ("customers at risk of churning", [], ["At Risk"]),
    ("compare At Risk and Champions", ["At Risk", "Champions"], []),  # a list word: two segments
    ("At Risk vs Loyal", ["At Risk", "Loyal"], []),
    ("profile of the at risk lot", ["At Risk"], []),  # a group noun names the segment itself
])
def test_at_risk_narrows_another_segment(text: str, segments: list[str], qualifiers: list[str]) -> None:
    ents = extract(text, VOCAB)
    assert (ents.segments, ents.qualifiers) == (segments, qualifiers)


@pytest.mark.parametrize(("text", "segments"), [
    ("Sorry, I'm a little lost - how does this work?", []),
    ("feeling a bit lost with this thing", []),
    ("who won the Champions League last year", []),
    ("the reigning world champions", []),
    ("is the tv show Lost any good", []),
    ("I lost the Champions list", ["Champions"]),  # "lost" is a verb there; Champions stays
    ("show Champions", ["Champions"]),  # "show" the verb, not "the show"
    ("show lost customers", ["Lost"]),
    ("describe the Lost segment", ["Lost"]),
    ("we got Champions and Loyal to compare", ["Champions", "Loyal"]),
])
def test_segment_words_used_as_everyday_words_are_not_segments(text: str, segments: list[str]) -> None:
    assert extract(text, VOCAB).segments == segments


def test_clusters_sizes_signs_and_hyphens_are_read_as_what_they_are() -> None:
    e = extract("describe for me cluster 4 please", VOCAB)
    assert (e.clusters, e.limit) == (["4"], None)  # a cluster's number is not a list size
    assert extract("compare cluster 1 and cluster 3", VOCAB).clusters == ["1", "3"]
    assert extract("hiking boots size 10", VOCAB).limit is None
    assert extract("a 4 person tent", VOCAB).limit is None
    e = extract(expand_shorthand("churners in loyal, clv > 500"), VOCAB)
    assert (e.min_clv, e.limit, e.segments) == (500.0, None, ["Loyal"])
    assert extract(expand_shorthand("fcast garden 4wks"), VOCAB).weeks == 4
    assert extract("a twelve-week forecast for Electronics", VOCAB).weeks == 12
    assert extract("12-week forecast", VOCAB).weeks == 12
    assert extract("what about tents", VOCAB).channel is None  # "tents" is not a typo of "texts"
    assert extract("wirte an emial for them", VOCAB).channel == "email"


@pytest.mark.parametrize(("text", "expected"), [
    ("4wks", "4 weeks"), ("clv > 500", "clv over 500"), ("value >=1k", "value at least 1k"), ("<£50", " under £50"),
    ("what shud we push", "what should we push"), ("segs pls", "segments please"), ("del M0000012", "delete M0000012"),
    ("a -> b", "a -> b"),  # an arrow is not a comparison
])
def test_shorthand_and_signs_are_written_out(text: str, expected: str) -> None:
    assert expand_shorthand(text) == expected


@pytest.mark.parametrize(("message", "asking"), [
    ("I'm preparing a deck on customer value for Thursday. How many reviews are pending?",
     "How many reviews are pending?"),
    ("We ran a campaign last month and results were mixed. Anyway, unrelated: could you look up M0000234?",
     "Anyway, unrelated: could you look up M0000234?"),
    ("I'm looking for a present for my dad who fishes. Do we sell anything like that?", None),  # refers back
    ("Hi! Quick one - how many of those do we have?", None),  # a greeting is no context
    ("compare Champions and Loyal", None),
])
def test_the_asking_sentence_of_a_long_message(message: str, asking: str | None) -> None:
    assert asking_sentence(message) == asking


@pytest.mark.parametrize(("message", "query"), [
    ("Quick question for you - I'm looking for a present for my dad who loves fishing.",
     "present for my dad who loves fishing"),
    ("find 5 hiking boots", "hiking boots"),
    ("find a 4 person tent", "4 person tent"),
    ("hiking boots size 10", "hiking boots size 10"),
    ("and for pilates?", "pilates"),
    ("search", ""),  # nothing to look for: the tool asks what
    ("hmm", ""),
])
def test_free_text_query(message: str, query: str) -> None:
    assert free_text_query(message) == query


def test_shorthand_in_a_free_text_argument_matches_its_written_out_form() -> None:
    assert argument_matches("gifts for a 5 yr old", "gifts for a 5 year old", free_text=True)
    assert not argument_matches("gifts for a 5 yr old", "gifts for a dog", free_text=True)


@pytest.mark.parametrize(("text", "kind"), [
    ("whats their email", "personal data"),
    ("what's her mobile?", "personal data"),
    ("can you give me the names of the champions", "personal data"),
    ("can you email me the list of lost customers", "export"),
    ("send me a csv of at risk members", "export"),
    ("export champs", "export"),
    ("give the vips 500 bonus points", "change"),
    ("upgrade m0000123 to champions", "change"),
    ("make all hibernating customers lost", "change"),
    ("merge loyal and champions", "change"),
    ("rename champions to vips", "change"),
    ("put everyone in hibernating on the do-not-contact list", "change"),
    ("schedule the champions email for friday", "send"),
    ("launch the win-back campaign for lost", "send"),
    ("rerun the churn model", "run"),
    ("retrain the forecast models", "run"),
])
def test_refusals_that_know_the_shop_names(text: str, kind: str) -> None:
    refusal = check(text, NAMES)
    assert refusal is not None and refusal.kind == kind, text


@pytest.mark.parametrize("text", [
    "run a forecast for garden",
    "could you build me a quick forecast for pets",
    "write their email for the win-back campaign",  # copy, not a contact detail
    "draft an email to them",
    "put champions side by side with need attention",
    "make an email for champions and loyal",
    "send champions a thank-you email",
    "what's her churn risk",
])
def test_the_refusal_rules_leave_requests_alone(text: str) -> None:
    assert check(text, NAMES) is None, text


@pytest.mark.parametrize(("text", "outside"), [
    ("who won the champions league final", True),
    ("whats the weather in leeds tomorrow", True),
    ("recommend a good film about champions", True),
    ("tell me a joke", True),
    ("whats the population of london", True),
    ("all weather jacket", False),  # a product, not the weather
    ("which segment won the most revenue", False),
    ("what is the plan for champions", False),
])
def test_general_knowledge_questions(text: str, outside: bool) -> None:
    assert general_knowledge(normalise(text)) is outside


@pytest.mark.parametrize(("text", "cue"), [
    ("what should we push to m0000074", "recommend for a member"),
    ("what has m0000123 bought", "a member's own record"),
    ("how should we approach the promising segment", "plan a campaign"),
    ("give me a subject line for loyal", "write copy"),
    ("what r ur tools", "help"),
    ("how many orders do we have", "the data's totals"),
    ("summarise the member base for me", "the member base"),
    ("campaign for promising with 2 for 1", "a campaign, not its copy"),
])
def test_cues_name_the_kind_of_answer(text: str, cue: str) -> None:
    ents = extract(text, VOCAB)
    about_member = bool(ents.member_ids)
    assert cue in [c.name for c in CUES if c.matches(normalise(text), ents, about_member)], text


def test_a_campaign_with_copy_words_is_not_cued_as_a_plan() -> None:
    text = "campaign email for promising with 10% off"
    ents = extract(text, VOCAB)
    assert "a campaign, not its copy" not in [c.name for c in CUES if c.matches(text, ents, False)]
