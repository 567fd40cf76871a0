"""The real agent (packaged all-MiniLM-L6-v2) on the blind corpus and on every chat example of issue 15."""

from __future__ import annotations

from pathlib import Path

import pytest

from memberinsight.agent.conversation import Conversation
from memberinsight.agent.evaluation import CLARIFY, OUTCOMES, REFUSE, evaluate_routing, load_cases
from memberinsight.agent.tools import default_registry
from tests.agent.conftest import assert_routes

HERE = Path(__file__).parent
BLIND_DEV = HERE / "routing_blind_dev.jsonl"
BLIND_DEV2 = HERE / "routing_blind_dev2.jsonl"
"""Round 1's held-out part, developed on in round 2."""
BLIND_DEV3 = HERE / "routing_blind_dev3.jsonl"
BLIND_DEV4 = HERE / "routing_blind_dev4.jsonl"
"""Round 2's held-out part, developed on in round 3."""
BLIND_DEV5 = HERE / "routing_blind_dev5.jsonl"
"""Round 4's held-out part, developed on in round 5."""
BLIND_DEV6 = HERE / "routing_blind_dev6.jsonl"
"""Round 5: one blind writer's part, developed on."""
BLIND_HELD_OUT = HERE / "routing_blind_heldout.jsonl"
"""Round 5's held-out (the other writers), added by the lead at the end: skipped while absent."""


def test_blind_sets_are_well_formed() -> None:
    registry = default_registry()
    for path in (BLIND_DEV, BLIND_DEV2, BLIND_DEV3, BLIND_DEV4, BLIND_DEV5, BLIND_DEV6, BLIND_HELD_OUT):
        if not path.is_file():
            continue
        cases = load_cases(path)
        assert len({c.id for c in cases}) == len(cases) and all(c.id for c in cases), path
        for case in cases:
            assert case.tool in OUTCOMES or case.tool in registry, case
            if case.tool not in OUTCOMES:
                assert set(case.arguments) <= {p.name for p in registry[case.tool].params}, case
    for path in (BLIND_DEV, BLIND_DEV2, BLIND_DEV3):
        dev = load_cases(path)
        assert len(dev) >= 150 and {REFUSE, CLARIFY} <= {c.tool for c in dev}, path


@pytest.mark.slow
@pytest.mark.parametrize(("history", "question", "tool", "arguments"), [
    ((), "compair Champions with Loyal on spend and frequency", "compare_segments",
     {"segment_a": "Champions", "segment_b": "Loyal"}),
    ((), "hi, could you look up member M0001203 for me? cust services asked abt them", "member_lookup",
     {"member_id": "M0001203"}),
    ((), "forcast for beauty next 6 wks", "category_forecast", {"category": "Beauty", "weeks": 6}),
    ((), "forecast Kitchenware for the next 6 weeks", "category_forecast", {"category": "Kitchen", "weeks": 6}),
    ((), "how many units of kitchenware will we sell next month", "category_forecast",
     {"category": "Kitchen", "weeks": 4}),
    ((), "compare our VIPs with the lapsed custmers", "compare_segments",
     {"segment_a": "Champions", "segment_b": "Lost"}),
    (("outdoor forecast 8 wks",), "and for garden?", "category_forecast", {"category": "Garden", "weeks": 8}),
])
def test_typos_and_near_names_route_with_their_arguments(real_agent, history: tuple[str, ...], question: str,
                                                         tool: str, arguments: dict) -> None:
    assert_routes(real_agent, history, question, tool, arguments)


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "delete all reviews from the database",
    "who won the world cup in 2022",
    "what is capital of France",
    "What's a good recipe for banana bread? Sorry, totally off topic!",
    "give me email adress of member M0000345",
    "change segment of M0000200 to Champions",
    "send the email to all at risk members now",
])
def test_destructive_and_unrelated_requests_are_refused(real_agent, question: str) -> None:
    route, reply = real_agent.route(question, Conversation())
    assert route.refused and route.tool is None and reply, question
    assert "member_id" not in route.arguments  # "2022" is never looked up as a member


@pytest.mark.slow
def test_blind_dev_tool_and_arguments_at_least_95_percent(real_agent) -> None:
    report = evaluate_routing(real_agent, load_cases(BLIND_DEV))
    assert report.accuracy >= 0.95, report.misses
    assert report.refusal_recall == 1.0 and report.refusal_safe == 1.0, report.misses
    assert report.p50_ms < 50


@pytest.mark.slow
def test_blind_dev2_tool_and_arguments_at_least_95_percent(real_agent) -> None:
    report = evaluate_routing(real_agent, load_cases(BLIND_DEV2))
    assert report.accuracy >= 0.95, report.misses
    assert report.refusal_safe == 1.0 and report.clarify_precision >= 0.9, report.misses
    assert report.asked_unneeded <= 0.05, report.misses  # questions back only where they are needed
    assert report.p50_ms < 50


@pytest.mark.slow
def test_blind_dev3_keeps_its_held_out_floor(real_agent) -> None:
    report = evaluate_routing(real_agent, load_cases(BLIND_DEV3))
    # Round 2's held-out batch, measured once untouched (2026-12-06, 210 questions by three new writers): 93.8%
    # tool + arguments, every refusal refused; developed on since. This floor only guards against falling back.
    assert report.accuracy >= 0.92, report.misses
    assert report.refusal_safe == 1.0 and report.refusal_recall == 1.0, report.misses
    assert report.p50_ms < 50


@pytest.mark.slow
def test_blind_dev4_keeps_its_floor(real_agent) -> None:
    report = evaluate_routing(real_agent, load_cases(BLIND_DEV4))
    # Round 3's held-out batch (2026-12-07, 210 questions by three new writers, 14 tools), measured once untouched:
    # 91.9% tool + arguments, 94.7% of refusals refused; the one missed refusal ("change churn band of cluster 3 to
    # low") is covered since by a general rule (change verbs aimed at analytics fields). Developed on in round 4
    # (98.6%: fraud follow-ups, member descriptions with a look-back, copy variants). A floor, not a target.
    assert report.accuracy >= 0.97, report.misses
    assert report.refusal_safe == 1.0 and report.refusal_recall == 1.0, report.misses


@pytest.mark.slow
def test_blind_dev5_keeps_its_floor(real_agent) -> None:
    report = evaluate_routing(real_agent, load_cases(BLIND_DEV5))
    # Round 4's held-out batch (2026-12-07, 180 questions by two new writers), measured once untouched: 92.2%
    # tool + arguments, 95.2% of refusals refused. Developed on in round 5 (98.3%, every refusal refused:
    # offers kept whole, money slang, refunds and contacting one person refused, model status). A floor.
    assert report.accuracy >= 0.97, report.misses
    assert report.refusal_recall == 1.0 and report.refusal_safe == 1.0, report.misses
    assert report.p50_ms < 50


@pytest.mark.slow
def test_blind_dev6_keeps_its_floor(real_agent) -> None:
    report = evaluate_routing(real_agent, load_cases(BLIND_DEV6))
    # Round 5, one blind writer's part (60 questions), developed on: 91.7% -> 100% tool + arguments, refusal
    # recall 83.3% -> 100%.
    assert report.accuracy >= 0.95, report.misses
    assert report.refusal_recall == 1.0 and report.refusal_safe == 1.0, report.misses
    assert report.p50_ms < 50


@pytest.mark.slow
def test_blind_heldout_is_measured_when_present(real_agent) -> None:
    if not BLIND_HELD_OUT.is_file():
        pytest.skip("the round-5 held-out file is not added yet")
    report = evaluate_routing(real_agent, load_cases(BLIND_HELD_OUT))
    assert report.cases == 150 and report.p50_ms < 50
    # round 5's two held-out writers, measured once on the demo shop before any work on them: 96.7% (145 / 150)
    assert report.accuracy >= 0.95
    assert report.refusal_recall == 1.0 and report.clarify_recall == 1.0
