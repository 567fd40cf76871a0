"""Routing evaluation: how often the agent picks the expected tool and arguments.

The evaluation set is JSON lines, one operator question each::

    {"question": "compare champions and hibernating", "tool": "compare_segments",
     "arguments": {"segment_a": "Champions", "segment_b": "Hibernating"}}
    {"history": ["tell me about the hibernating segment"], "question": "now write an SMS for them",
     "tool": "campaign_copy", "arguments": {"segment": "Hibernating", "channel": "sms"}}

``tool`` is ``"clarify"`` when the right answer is a question back (out of scope, ambiguous,
missing value). A case is correct when the tool matches and every expected argument matches:
numbers equal, names equal ignoring case, free-text arguments (a search query, an offer)
containing the expected words.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.conversation import Agent, Conversation
from agent.extract import Vocabulary, normalise
from memberinsight.errors import DataValidationError

CLARIFY = "clarify"


@dataclass(frozen=True)
class RoutingCase:
    question: str
    tool: str
    arguments: dict[str, Any]
    history: tuple[str, ...] = ()
    line: int = 0


@dataclass
class CaseOutcome:
    case: RoutingCase
    tool: str
    arguments: dict[str, Any]
    tool_ok: bool
    arguments_ok: bool

    @property
    def ok(self) -> bool:
        return self.tool_ok and self.arguments_ok


@dataclass
class RoutingReport:
    """Accuracy figures plus every miss (for reading, not for tuning on)."""

    cases: int
    accuracy: float
    tool_accuracy: float
    argument_accuracy: float
    """Share of cases with the right tool whose arguments are also right."""
    clarify_precision: float
    clarify_recall: float
    per_tool: dict[str, dict[str, float]]
    seconds: float
    misses: list[dict[str, Any]] = field(default_factory=list)


def load_cases(path: str | Path) -> list[RoutingCase]:
    """Read an evaluation set; raises :class:`DataValidationError` naming the bad line."""
    cases = []
    for i, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            cases.append(RoutingCase(str(data["question"]), str(data["tool"]), dict(data.get("arguments", {})),
                                     tuple(data.get("history", ())), i))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise DataValidationError(f"not a routing case ({exc})", file=str(path), row=i) from exc
    return cases


def load_vocabulary(path: str | Path) -> Vocabulary:
    """The segment and category names an evaluation set is about (JSON with ``segments``, ``categories``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Vocabulary(segments=tuple(data["segments"]), categories=tuple(data["categories"]))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataValidationError(f"not a vocabulary file ({exc})", file=str(path)) from exc


def argument_matches(expected: Any, got: Any, free_text: bool) -> bool:
    """One expected argument against the routed value."""
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        try:
            return abs(float(got) - float(expected)) < 1e-9
        except (TypeError, ValueError):
            return False
    if got is None:
        return False
    if free_text:
        return normalise(str(expected)) in normalise(str(got))
    return normalise(str(expected)) == normalise(str(got))


def run_case(agent: Agent, case: RoutingCase) -> CaseOutcome:
    """Route a case (its history first, in one conversation) without running any tool."""
    conversation = Conversation()
    for previous in case.history:
        agent.route(previous, conversation)
    route, question = agent.route(case.question, conversation)
    tool = CLARIFY if question is not None or route.tool is None else route.tool
    tool_ok = tool == case.tool
    args_ok = False
    if tool_ok:
        if tool == CLARIFY:
            args_ok = True
        else:
            params = {p.name: p for p in agent.registry[tool].params}
            args_ok = all(name in params and argument_matches(value, route.arguments.get(name),
                                                              params[name].free_text)
                          for name, value in case.arguments.items())
    return CaseOutcome(case, tool, dict(route.arguments), tool_ok, args_ok)


def evaluate_routing(agent: Agent, cases: list[RoutingCase]) -> RoutingReport:
    """Route every case and report accuracy (tool and arguments), per tool and for clarifications."""
    start = time.perf_counter()
    outcomes = [run_case(agent, c) for c in cases]
    n = len(outcomes)
    per_tool: dict[str, dict[str, float]] = {}
    for name in sorted({c.tool for c in cases}):
        mine = [o for o in outcomes if o.case.tool == name]
        per_tool[name] = {"cases": len(mine), "accuracy": round(sum(o.ok for o in mine) / len(mine), 4)}
    predicted_clarify = [o for o in outcomes if o.tool == CLARIFY]
    expected_clarify = [o for o in outcomes if o.case.tool == CLARIFY]
    with_tool = [o for o in outcomes if o.tool_ok]
    misses = [{"line": o.case.line, "question": o.case.question, "history": list(o.case.history),
               "expected": {"tool": o.case.tool, "arguments": o.case.arguments},
               "got": {"tool": o.tool, "arguments": o.arguments}} for o in outcomes if not o.ok]
    return RoutingReport(
        cases=n,
        accuracy=round(sum(o.ok for o in outcomes) / n, 4) if n else 0.0,
        tool_accuracy=round(sum(o.tool_ok for o in outcomes) / n, 4) if n else 0.0,
        argument_accuracy=round(sum(o.arguments_ok for o in with_tool) / len(with_tool), 4) if with_tool else 0.0,
        clarify_precision=round(sum(o.case.tool == CLARIFY for o in predicted_clarify) / len(predicted_clarify), 4)
        if predicted_clarify else 0.0,
        clarify_recall=round(sum(o.tool == CLARIFY for o in expected_clarify) / len(expected_clarify), 4)
        if expected_clarify else 0.0,
        per_tool=per_tool,
        seconds=round(time.perf_counter() - start, 3),
        misses=misses,
    )
