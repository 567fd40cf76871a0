"""Facts as placeholders: code fills them in, the checker still checks everything, the report says so."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import pytest

from memberinsight.agent.campaigns import Fact, FactSheet, ProductFact, check_copy, write_copy
from memberinsight.agent.campaigns.prompts import EXAMPLES, SHOTS, SHOTS_USED, fact_block, guidance, messages
from memberinsight.agent.campaigns.slots import fill, short_date, slots
from memberinsight.agent.campaigns.writer import clean, fit, report_dict
from memberinsight.agent.llm.constraints import contains_banned


@pytest.fixture(scope="module")
def facts() -> FactSheet:
    return FactSheet(
        segment="At Risk", audience_size=412, offer="15% off", deadline=date(2025, 3, 31), as_of=date(2025, 3, 17),
        brand="Acme Home", stats=(Fact("avg_spend", "Average spend per member", 182.4, "money"),),
        products=(ProductFact("Garden Kneeler", 12.99), ProductFact("Set of 3 Plant Pots", 8.5)),
        forbidden_names=frozenset({"Alice"}), catalogue_names=frozenset({"Garden Kneeler", "Copper Watering Can"}))


class ScriptedWriter:
    """Prepared replies in order; records the keyword arguments it was called with."""

    name = "scripted"

    def __init__(self, replies: Sequence[str], guided: bool = False) -> None:
        self.replies = list(replies)
        self.calls: list[dict] = []
        self.supports_guidance = guided

    def generate(self, messages, max_new_tokens=256, temperature=0.0, seed=None, **kwargs) -> str:
        self.calls.append({"messages": messages, "temperature": temperature, **kwargs})
        return self.replies.pop(0) if self.replies else "nothing useful"

    def stream(self, messages, max_new_tokens=256, temperature=0.0, seed=None, **kwargs) -> Iterator[str]:
        yield self.generate(messages, max_new_tokens, temperature, seed, **kwargs)

    def describe(self) -> dict:
        return {"backend": "scripted"}


def test_slots_and_fill(facts: FactSheet) -> None:
    table = {s.name: s.value for s in slots(facts)}
    assert table == {"brand": "Acme Home", "offer": "15% off", "deadline": "Monday 31 March", "days_left": "14 days",
                     "product_1": "Garden Kneeler", "price_1": "£12.99", "product_2": "Set of 3 Plant Pots",
                     "price_2": "£8.50"}
    assert short_date(facts) == "Monday 31 March"
    text, used = fill("{brand}: {first_name}, {Offer} until {{deadline}}; {product_2} now { price_2 }.", facts)
    assert text == "Acme Home: {first_name}, 15% off until Monday 31 March; Set of 3 Plant Pots now £8.50."
    assert used == {"brand": "Acme Home", "offer": "15% off", "deadline": "Monday 31 March",
                    "product_2": "Set of 3 Plant Pots", "price_2": "£8.50"}
    # Aliases name a known slot; unknown placeholders stay for the checker to reject.
    assert fill("{discount} at {shop} until {end_date}", facts)[0] == "15% off at Acme Home until Monday 31 March"
    text, used = fill("{offer} off with {promo_code}", facts)
    assert text == "15% off with {promo_code}" and used == {"offer": "15% off"}  # "15% off off" repaired
    assert any("unknown personalisation token {promo_code}" in p for p in check_copy(text, facts, "push").problems)
    # A sheet without offer or deadline has no such slots: the placeholders are left unfilled.
    bare = FactSheet(segment="New", audience_size=3, brand="Acme Home")
    assert fill("{offer} until {deadline}", bare) == ("{offer} until {deadline}", {})


def test_filled_copy_is_checked_in_full(facts: FactSheet) -> None:
    """Substituted values are facts, but everything the model wrote around them is still checked."""
    good, _ = fill(EXAMPLES["sms"], facts)
    assert check_copy(clean(good, "sms"), facts, "sms").passed
    wrong_price, _ = fill("{brand}: {product_1} now {price_2}, {offer} until {deadline}. Reply STOP", facts)
    assert "price of Garden Kneeler is £12.99 in the facts, not £8.50" in check_copy(wrong_price, facts, "sms").problems
    invented, _ = fill("{brand}: {offer} plus 10% extra until {deadline}. Reply STOP", facts)
    assert any("10%" in p for p in check_copy(invented, facts, "sms").problems)


def test_writer_ships_filled_text_and_says_so(facts: FactSheet) -> None:
    writer = ScriptedWriter(["{brand}: {first_name}, {offer} on the {product_1} until {deadline}."])
    piece = write_copy(facts, "sms", writer, variants=1, max_attempts=1).variants[0].pieces[0]
    assert piece.text == ("Acme Home: {first_name}, 15% off on the Garden Kneeler until Monday 31 March. "
                          "Reply STOP to opt out.")
    report = piece.report
    assert report.shipped_source == "llm" and report.passed and check_copy(piece.text, facts, "sms").passed
    shipped = report.shipped
    assert shipped.draft.startswith("{brand}: {first_name}, {offer}")
    assert shipped.filled == {"brand": "Acme Home", "offer": "15% off", "product_1": "Garden Kneeler",
                              "deadline": "Monday 31 March"}
    assert report.provenance.startswith("written by the model; facts filled in by code: {brand} = Acme Home")
    as_dict = report_dict(report)
    assert as_dict["provenance"] == report.provenance and as_dict["attempts"][0]["filled"] == shipped.filled
    # The model sees the placeholder table, never checker-only data.
    prompt = writer.calls[0]["messages"][-1]["content"]
    assert "{offer} = 15% off" in prompt and "{price_1} = £12.99" in prompt
    assert "Alice" not in prompt and "Copper Watering Can" not in prompt and "182.40" not in prompt


def test_crafted_model_output_is_still_rejected(facts: FactSheet) -> None:
    writer = ScriptedWriter(["{brand}: 20% off everything! Reply STOP",              # invented discount
                             "{brand}: {offer}. Call 07700 900123 now",              # phone number
                             "{brand}: {offer} for Alice until {deadline}"] * 2)     # a real member's name
    piece = write_copy(facts, "sms", writer, variants=1, max_attempts=3).variants[0].pieces[0]
    report = piece.report
    assert report.shipped_source == "template" and report.provenance.startswith("deterministic template")
    problems = [a.problems for a in report.attempts[:3]]
    assert "percentage not in the facts: 20%" in problems[0]
    assert "contains a phone number: 07700 900123" in problems[1]
    assert "contains the name of a real member: Alice" in problems[2]
    assert check_copy(piece.text, facts, "sms").passed


def test_guided_backends_get_guidance_and_forced_start(facts: FactSheet) -> None:
    writer = ScriptedWriter([" {first_name}, {offer} until {deadline}."], guided=True)
    piece = write_copy(facts, "sms", writer, variants=1, max_attempts=1).variants[0].pieces[0]
    g = writer.calls[0]["guidance"]
    # The forced start is filled in before the model sees it (so it does not write the brand again).
    assert g.prefix == "Acme Home:" and g.max_lines == 1 and "offer" in g.slots and "first_name" in g.slots
    assert g.require == ("offer",) and g.repetition_penalty == 1.0
    assert piece.text.startswith("Acme Home: {first_name}, 15% off until Monday 31 March.")
    assert piece.report.shipped.guidance["forced_start"] == "Acme Home:"
    assert "forced start 'Acme Home:'" in piece.report.provenance
    assert "digits, currency signs and % could not be generated" in piece.report.provenance
    # Unguided backends (an HTTP endpoint) get no guidance argument at all.
    plain = ScriptedWriter(["{brand}: {offer}"])
    write_copy(facts, "sms", plain, variants=1, max_attempts=1)
    assert "guidance" not in plain.calls[0]


def test_guidance_bans_what_the_checker_rejects(facts: FactSheet) -> None:
    g = guidance("push", facts)
    assert g is not None and guidance("rationale", facts) is None
    for bad in ("20% off", "£5", "call 0800", "ends Friday", "in March", "I love it", "my picks", "twenty off",
                "see www.x.io", "#sale", "[Name]", "free gifts", "use code SAVE", "\U0001F389"):
        assert contains_banned(bad, g), bad
    for ok in ("{offer} until {deadline}", "{first_name}, your {offer} ends {deadline}. Tap to shop."):
        assert not contains_banned(ok, g), ok
    free = FactSheet(segment="Loyal", audience_size=3, offer="free delivery", brand="Acme Home")
    assert not contains_banned("free delivery", guidance("sms", free))


def test_fit_keeps_whole_sentences() -> None:
    long = "Acme Home: 15% off until Monday 31 March. " + "Lovely things are waiting for you today. " * 4
    cut = fit(long.strip(), "sms", " Reply STOP to opt out.")
    assert cut.endswith(".") and len(cut + " Reply STOP to opt out.") <= 160 and cut.startswith("Acme Home: 15% off")
    assert fit("Short enough.", "push") == "Short enough."
    no_stop = "x" * 200
    assert fit(no_stop, "push") == no_stop  # nothing fits: left for the checker to reject
    subject = "15% off is yours, until Monday 31 March, and {first_name} is yours until Monday 31 March too"
    assert fit(subject, "subject") == "15% off is yours, until Monday 31 March"  # a subject may end at a comma


def test_fact_block_shows_placeholders_not_statistics(facts: FactSheet) -> None:
    block = fact_block(facts, "sms")
    assert "{deadline} = Monday 31 March" in block and "Average spend" not in block
    assert "Average spend per member: £182.40" in fact_block(facts, "rationale")
    chat = messages("sms", facts, "friendly", "Start with the brand name and a colon.")
    assert [m["role"] for m in chat] == ["system"] + ["user", "assistant"] * SHOTS_USED + ["user"]
    assert chat[2]["content"] == EXAMPLES["sms"] and "{brand} = Bloom & Co" in chat[1]["content"]
    if SHOTS_USED > 1:
        assert chat[4]["content"] == SHOTS[1][1]["sms"] and "{brand} = Fern & Field" in chat[3]["content"]


def test_writer_rejects_unfinished_text_and_example_copies(facts: FactSheet) -> None:
    copied = EXAMPLES["push"]  # the worked example, word for word, with this sheet's facts
    writer = ScriptedWriter([copied, "{first_name}, {offer} on the {product_1} until",
                             "{first_name}, {offer} on the {product_1} until {deadline}."])
    report = write_copy(facts, "push", writer, variants=1, max_attempts=3).variants[0].pieces[0].report
    assert report.attempts[0].problems == ["copies the prompt's worked example word for word"]
    assert check_copy(report.attempts[0].text, facts, "push").passed  # the checker alone would pass it
    assert report.attempts[1].problems == ["ends mid-sentence: ...'ff on the Garden Kneeler until'"]
    assert report.shipped_attempt == 3 and report.shipped_source == "llm"


def test_writer_rejects_dangling_ends_and_repeated_sentences(facts: FactSheet) -> None:
    from memberinsight.agent.campaigns.writer import writer_problems

    assert writer_problems("15% off is yours, until Monday 31 March,", "subject", facts)[0].startswith(
        "ends mid-sentence")
    assert writer_problems("Acme Home: 15% off. Ends Reply STOP to opt out.", "sms", facts)[0].startswith(
        "ends mid-sentence")
    looped = "Hi {first_name},\n\nThe Garden Kneeler is a favourite.\n\nThe Garden Kneeler is a favourite."
    assert writer_problems(looped, "body", facts) == ["repeats a sentence: 'the garden kneeler is a favourite'"]
    assert writer_problems("Acme Home: 15% off the Garden Kneeler until Monday 31 March. Reply STOP to opt out.",
                           "sms", facts) == []


def test_guidance_blocks_copying_the_examples(facts: FactSheet) -> None:
    g = guidance("sms", facts)
    assert g.ngram >= 4 and EXAMPLES["sms"] in g.avoid_copying and len(g.avoid_copying) == SHOTS_USED
    assert g.repetition_penalty == 1.0 and "STOP" in g.forbid_words  # the opt-out line is code's
