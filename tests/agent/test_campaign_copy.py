"""Campaign copy: retries with varied sampling, template fallback, reports; the real model ships only passing copy."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date

import pytest

from memberinsight.agent.campaigns import (
    Fact,
    FactSheet,
    ProductFact,
    check_copy,
    choose_play,
    suggest,
    write_copy,
)
from memberinsight.agent.campaigns.prompts import SHOTS_USED
from memberinsight.agent.campaigns.writer import EXAMPLES, clean
from memberinsight.config import load_settings
from memberinsight.errors import DataValidationError


class ScriptedWriter:
    """A backend that answers with prepared replies, in order, and records how it was asked."""

    name = "scripted"

    def __init__(self, replies: Sequence[str]) -> None:
        self.replies = list(replies)
        self.calls: list[dict] = []

    def generate(self, messages, max_new_tokens=256, temperature=0.0, seed=None) -> str:
        self.calls.append({"messages": messages, "temperature": temperature, "seed": seed})
        return self.replies.pop(0) if self.replies else "nothing useful"

    def stream(self, messages, max_new_tokens=256, temperature=0.0, seed=None) -> Iterator[str]:
        yield self.generate(messages, max_new_tokens, temperature, seed)

    def describe(self) -> dict:
        return {"backend": "scripted"}


@pytest.fixture(scope="module")
def facts() -> FactSheet:
    return FactSheet(
        segment="At Risk", audience_size=412, offer="15% off", deadline=date(2025, 3, 31), as_of=date(2025, 3, 17),
        brand="Acme Home", stats=(Fact("avg_spend", "Average spend per member", 182.4, "money"),
                                  Fact("avg_clv", "Average predicted customer value", 240.0, "money"),
                                  Fact("all_avg_clv", "Average predicted customer value (all members)", 150.0, "money")),
        products=(ProductFact("Garden Kneeler", 12.99),),
        forbidden_names=frozenset({"Alice"}), catalogue_names=frozenset({"Garden Kneeler", "Copper Watering Can"}))


def test_retry_ships_the_first_passing_attempt(facts: FactSheet) -> None:
    writer = ScriptedWriter([
        "SMS: Acme Home: 20% off everything! Reply STOP",                      # wrong discount
        "Acme Home: 15% off, Garden Kneeler only £9.99. Call 07700 900123",   # invented price + phone
        "\u201cAcme Home: {first_name}, 15% off until 31 March \U0001F389\u201d",  # passes after cleaning
    ])
    result = write_copy(facts, "sms", writer, variants=1, max_attempts=3, seed=5)
    piece = result.variants[0].pieces[0]
    report = piece.report
    assert piece.text == "Acme Home: {first_name}, 15% off until 31 March. Reply STOP to opt out."
    assert (report.shipped_attempt, report.shipped_source, report.passed) == (3, "llm", True)
    assert "percentage not in the facts: 20%" in report.attempts[0].problems
    assert {"price or amount not in the facts: £9.99", "contains a phone number: 07700 900123"} <= set(
        report.attempts[1].problems)
    # Each retry samples differently.
    assert [c["temperature"] for c in writer.calls] == [0.3, 0.7, 1.0]
    assert len({c["seed"] for c in writer.calls}) == 3
    # The prompt carries the facts but no checker-only data, after a worked example about another shop.
    messages = writer.calls[0]["messages"]
    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * SHOTS_USED + ["user"]
    assert messages[2]["content"] == EXAMPLES["sms"] and "{brand} = Bloom & Co" in messages[1]["content"]
    prompt = messages[-1]["content"]
    assert "{offer} = 15% off" in prompt and "Alice" not in prompt and "Copper Watering Can" not in prompt
    assert "Bloom" not in prompt


def test_fallback_to_template_when_every_attempt_fails(facts: FactSheet) -> None:
    writer = ScriptedWriter(["Hi Alice! 50% off today only, call 020 7946 0958."] * 5)
    result = write_copy(facts, "push", writer, variants=2, max_attempts=2)
    assert len(writer.calls) == 4
    texts = [v.text for v in result.variants]
    assert len(set(texts)) == 2
    for v in result.variants:
        rep = v.pieces[0].report
        assert rep.shipped_source == "template" and rep.shipped_attempt == 3 and rep.passed
        assert len(rep.rejected) == 2 and "contains the name of a real member: Alice" in rep.attempts[0].problems
        assert check_copy(v.text, facts, "push").passed


def test_email_has_subject_variants_preview_and_body(facts: FactSheet) -> None:
    # Without a backend the phrase bank writes (professional is the old name of the premium tone).
    result = write_copy(facts, "email", None, variants=3, tone="professional", play="win_back")
    subjects = [v.pieces[0].text for v in result.variants]
    assert len(set(subjects)) == 3 and result.passed and result.backend == "composed"
    assert [p.part for p in result.variants[0].pieces] == ["subject", "preview", "body"]
    assert result.variants[0].text.startswith("Subject: ") and "{first_name}" in result.variants[0].pieces[2].text
    assert len({v.pieces[2].text for v in result.variants}) == 3  # every variant has its own body
    assert sorted(v.angle for v in result.variants) == ["benefit", "curiosity", "urgency"]
    as_dict = result.to_dict()
    assert as_dict["variants"][0]["pieces"][0]["report"]["shipped_source"] == "composed"
    assert as_dict["variants"][0]["angle"] == result.variants[0].angle
    with pytest.raises(DataValidationError, match="channel"):
        write_copy(facts, "fax", None)
    with pytest.raises(DataValidationError, match="tone"):
        write_copy(facts, "sms", None, tone="angry")


def test_facts_under_the_copy_read_with_labels_and_formatted_values(facts: FactSheet) -> None:
    from memberinsight.agent.tools.campaigns import copy_markdown, fact_label, fact_value

    markdown = copy_markdown(write_copy(facts, "sms", None, variants=1, play="win_back"))
    line = next(p for p in markdown.split("\n\n") if p.startswith("Facts the copy may use: "))
    assert "segment: At Risk; audience size: 412; offer: 15% off; deadline: 31 March 2025" in line
    assert "Average predicted customer value (all members): £150.00" in line and " = " not in line  # the sheet's label
    # a fall is said as one: the sheet keeps the size of a change and puts its direction in the label
    down = replace(facts, forecasts=(Fact("forecast_category_change", "Forecast change in Outdoor revenue (down)", 12.3,
                                          "percent"),))
    assert "Forecast change in Outdoor revenue (down): 12.3%" in copy_markdown(write_copy(down, "sms", None, variants=1,
                                                                                          play="win_back"))
    assert (fact_label("avg_churn_probability"), fact_value("avg_churn_probability", 87.3)) == \
        ("average churn risk", "87.3%")  # the fact sheet states percentages in points
    assert (fact_label("usual_gap_days"), fact_value("usual_gap_days", 21)) == ("usual gap", "21 days")
    assert fact_value("total_predicted_value", 123456.7) == "£123,457"


def test_clean_normalises_model_output() -> None:
    assert clean('Subject line: "Hello [Name], 15% off"\nmore', "subject") == "Hello {first_name}, 15% off"
    assert clean("Dear {first_name},\nCome back for 15% off.", "push") == "Dear {first_name}, Come back for 15% off."
    assert clean("**Acme**: 15% off \U0001F600", "sms") == "Acme: 15% off. Reply STOP to opt out."


def test_play_rules(facts: FactSheet) -> None:
    play, reasons = choose_play(facts)
    assert play.key == "win_back" and any("£240.00" in r and "against £150.00" in r for r in reasons)
    low = FactSheet(segment="At Risk", audience_size=5, stats=(Fact("avg_clv", "v", 50.0, "money"),
                                                               Fact("all_avg_clv", "v", 150.0, "money")))
    assert choose_play(low)[0].key == "reactivation"
    assert choose_play(FactSheet(segment="Champions", audience_size=5))[0].key == "early_access"
    assert choose_play(FactSheet(segment="New", audience_size=5))[0].key == "welcome"
    assert choose_play(FactSheet(segment="Loyal", audience_size=5, products=(ProductFact("Mug"),)))[0].key == \
        "cross_sell"


def test_suggestion_falls_back_to_rule_text(facts: FactSheet) -> None:
    writer = ScriptedWriter(["Our 98% satisfaction rate proves it."] * 4)
    s = suggest(facts, writer, max_attempts=2)
    assert s.play == "win_back" and s.passed and s.writer == "rules"  # the model only ever rewords the headline
    assert s.situation[0] == "412 members." and s.next_steps.startswith("- Play: Win-back for valuable lapsed members.")
    assert all(r.shipped_source == "template" for r in s.reports)
    assert "percentage not in the facts: 98%" in s.reports[0].attempts[0].problems


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["sms", "push", "email"])
def test_real_model_ships_only_checked_copy(facts: FactSheet, isolated_home, channel: str) -> None:
    from memberinsight.agent.llm import get_backend

    backend = get_backend(load_settings(llm_backend="gguf", cache_dir=str(isolated_home / "cache")))
    drafts: list[tuple[str, str]] = []
    result = write_copy(facts, channel, backend, variants=2, max_attempts=2, seed=3,
                        on_draft=lambda part, text: drafts.append((part, text)))
    assert result.backend.startswith("gguf:") and result.passed
    parts = ["subject", "preview", "body"] if channel == "email" else [channel]
    for v in result.variants:
        assert [p.part for p in v.pieces] == parts
        for piece in v.pieces:
            rep = piece.report
            assert rep.passed and check_copy(piece.text, facts, piece.part).passed, (piece.part, piece.text)
            assert rep.attempts[0].source == "llm" and rep.attempts[0].seed is not None
            assert len(rep.attempts) <= 3 and rep.limit is not None and rep.length <= rep.limit
            assert all(a.passed == (not a.problems) for a in rep.attempts)
            if rep.shipped_source == "llm":  # the shipped model text was streamed to the callback first
                assert any(text.strip() and piece.text.startswith(clean(text, piece.part)[:10])
                           for label, text in drafts if label.split(" ")[0] == piece.part)
    assert {label.split(" ")[0] for label, _ in drafts} == set(parts)


class StreamingWriter(ScriptedWriter):
    """Streams each prepared reply word by word; ``generate`` must not be used when drafts are wanted."""

    def __init__(self, replies: Sequence[str]) -> None:
        super().__init__(replies)
        self.streamed = 0

    def stream(self, messages, max_new_tokens=256, temperature=0.0, seed=None) -> Iterator[str]:
        self.streamed += 1
        text = super().generate(messages, max_new_tokens, temperature, seed)
        for i, word in enumerate(text.split(" ")):
            yield word if i == 0 else " " + word


def test_drafts_stream_to_the_callback_before_the_check(facts: FactSheet) -> None:
    bad = "Acme Home: 20% off everything! Reply STOP"
    good = "Acme Home: {first_name}, 15% off until 31 March. Reply STOP to opt out."
    writer = StreamingWriter([bad, good, "Hi Alice, 50% off", "Hi Alice, 50% off"])
    events: list[tuple[str, str]] = []
    result = write_copy(facts, "sms", writer, variants=2, max_attempts=2, on_draft=lambda p, t: events.append((p, t)))
    assert writer.streamed == 4 and result.passed
    first = [t for p, t in events if p == "sms 1"]
    # Variant 1: attempt 1 grows word by word to the rejected text, then attempt 2 starts again.
    restart = next(i for i in range(1, len(first)) if not first[i].startswith(first[i - 1]))
    assert first[:restart] == [bad[:len(t)] for t in first[:restart]] and first[restart - 1] == bad
    assert first[-1] == good and len(first) == len(bad.split(" ")) + len(good.split(" "))
    assert result.variants[0].pieces[0].report.attempts[0].problems  # the draft shown was then rejected
    # Variant 2: both model drafts fail, the template ships and arrives in one call.
    second = [t for p, t in events if p == "sms 2"]
    assert second[-1] == result.variants[1].text and result.variants[1].report.sources == {"sms": "template"}
    assert {p for p, _ in events} == {"sms 1", "sms 2"}


def test_email_and_suggestion_drafts_are_labelled(facts: FactSheet) -> None:
    events: list[str] = []
    write_copy(facts, "email", StreamingWriter([]), variants=2, max_attempts=1, on_draft=lambda p, t: events.append(p))
    assert list(dict.fromkeys(events)) == ["preview", "body", "subject 1", "subject 2"]
    labels: list[str] = []
    suggest(facts, StreamingWriter([]), max_attempts=1, on_draft=lambda p, t: labels.append(p))
    assert list(dict.fromkeys(labels)) == ["headline"]  # the model may only reword a suggestion's headline
    # Without a callback the backend's generate() is used, as before.
    plain = StreamingWriter([])
    write_copy(facts, "push", plain, variants=1, max_attempts=1)
    assert plain.streamed == 0 and len(plain.calls) == 1


def test_writer_rejects_a_figure_or_greeting_used_twice_and_doubled_words() -> None:
    """A model that fills space reuses facts with a wrong meaning ("a warranty for 14 days"); code rejects it."""
    from memberinsight.agent.campaigns.facts import FactSheet
    from memberinsight.agent.campaigns.writer import clean, writer_problems

    facts = FactSheet(segment="At Risk", audience_size=10, offer="15% off", brand="Fernhill Market")
    assert writer_problems("The Fernhill Market market has a team.", "body", facts) == [
        "repeats a word: 'Market market'"]
    draft = "Hi {first_name},\nOnly {days_left} left. It has a warranty for {days_left}."
    assert writer_problems("ignored", "body", facts, draft=draft) == ["uses {days_left} twice"]
    assert writer_problems("x", "body", facts, draft="Hi {first_name},\nA team of {first_name}.") == [
        "uses {first_name} twice"]
    fine = "{brand}: {offer} on {product_1} until {deadline}. {product_1} for {price_1}, {offer} until {deadline}."
    assert writer_problems("fine", "body", facts, draft=fine) == []
    assert clean("Hi {first_name},\nIt lasts for   14 days, now   £28.99.", "body") == (
        "Hi {first_name},\nIt lasts for 14 days, now £28.99.")
    assert clean("Fernhill Market: 15% off the Rain Jacket", "sms") == (
        "Fernhill Market: 15% off the Rain Jacket. Reply STOP to opt out.")
    cut = clean("Fernhill Market: 15% off the Rain Jacket,", "sms")  # cut off by the token budget
    assert ",." not in cut and any(p.startswith("ends mid-sentence") for p in writer_problems(cut, "sms", facts))
    exact_fit = "Acme Home: " + "x" * (160 - len(" Reply STOP to opt out.") - len("Acme Home: ") - 1) + "."
    assert clean(exact_fit, "sms") == exact_fit + " Reply STOP to opt out."  # no character reserved twice
    # a repeat only in what clean() cuts away (a subject keeps its first line) does not count
    assert writer_problems("x", "subject", facts, draft="Only {days_left} left: {offer}\nPreview: {days_left}") == []
    named = FactSheet(segment="At Risk", audience_size=10, offer="15% off", brand="Bora Bora Home")
    assert writer_problems("Bora Bora Home: 15% off.", "sms", named) == []  # a doubled word inside a name
