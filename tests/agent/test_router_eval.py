"""Routing accuracy of the real agent (packaged all-MiniLM-L6-v2) on the operator-question sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from memberinsight.agent.evaluation import CLARIFY, argument_matches, evaluate_routing, load_cases
from memberinsight.agent.tools import default_registry
from memberinsight.errors import DataValidationError

HERE = Path(__file__).parent
EVAL = HERE / "routing_eval.jsonl"
HELD_OUT = HERE / "routing_heldout.jsonl"


def test_evaluation_sets_are_well_formed() -> None:
    registry = default_registry()
    cases = load_cases(EVAL)
    assert len(cases) >= 150
    assert {c.tool for c in cases} == {*registry.names, CLARIFY}  # every tool is exercised
    assert sum(bool(c.history) for c in cases) >= 15  # follow-ups
    for case in [*cases, *load_cases(HELD_OUT)]:
        if case.tool != CLARIFY:
            names = {p.name for p in registry[case.tool].params}
            assert set(case.arguments) <= names, case
    questions = [c.question.lower() for c in cases]
    examples = {e.lower() for t in registry for e in t.examples}
    assert not examples & set(questions), "tool examples must not copy evaluation questions"


def test_argument_matching_rules() -> None:
    assert argument_matches(500, 500.0, free_text=False)
    assert not argument_matches(500, 50, free_text=False)
    assert argument_matches("Can't Lose Them", "can't lose them", free_text=False)
    assert argument_matches("rainy weather", "outdoor products for rainy weather", free_text=True)
    assert not argument_matches("Lost", "Lost Causes", free_text=False)
    assert not argument_matches("Lost", None, free_text=False)


def test_load_cases_names_the_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "cases.jsonl"
    bad.write_text('{"question": "hi", "tool": "help"}\n{"question": "no tool"}\n', encoding="utf-8")
    with pytest.raises(DataValidationError, match="row 2"):
        load_cases(bad)


@pytest.mark.slow
@pytest.mark.parametrize("path", [EVAL, HELD_OUT], ids=["evaluation", "held-out"])
def test_routing_accuracy_is_at_least_90_percent(real_agent, path: Path) -> None:
    report = evaluate_routing(real_agent, load_cases(path))
    assert report.accuracy >= 0.90, report.misses
    assert report.argument_accuracy >= 0.95, report.misses
    assert report.clarify_recall >= 0.90, report.misses  # out-of-scope questions are not guessed at
