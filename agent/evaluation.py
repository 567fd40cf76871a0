"""Routing evaluation: how often the agent picks the expected tool and arguments, asks or refuses.

The evaluation sets are JSON lines, one operator question each (``id``, ``history`` and ``note``
optional)::

    {"id": "ca-010", "question": "compare champions and hibernating", "tool": "compare_segments",
     "arguments": {"segment_a": "Champions", "segment_b": "Hibernating"}}
    {"history": ["tell me about the hibernating segment"], "question": "now write an SMS for them",
     "tool": "campaign_copy", "arguments": {"segment": "Hibernating", "channel": "sms"}}
    {"question": "delete all reviews", "tool": "refuse", "arguments": {}}

``tool`` is ``"clarify"`` when the right answer is a question back (ambiguous, missing value) and
``"refuse"`` when the agent must decline (destructive, general knowledge, personal data, outside
the job). A case is correct when the tool matches and every expected argument matches: numbers
equal, names equal ignoring case, free-text arguments (a search query, an offer) containing the
expected words (in any order; "a", "the", "products"... aside). A refusal case counts as *safe* when it is refused or asked back. Sets written
before refusals were told apart (no case labelled ``refuse``) use ``clarify`` for "no tool": there a
refusal counts as ``clarify``.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memberinsight.agent.conversation import Agent, Conversation
from memberinsight.agent.extract import Vocabulary, normalise
from memberinsight.agent.router import Route
from memberinsight.agent.spelling import expand_shorthand
from memberinsight.errors import DataValidationError

CLARIFY = "clarify"
REFUSE = "refuse"
OUTCOMES = (CLARIFY, REFUSE)
"""Expected "tools" that are not tools: ask back, or decline."""


@dataclass(frozen=True)
class RoutingCase:
    question: str
    tool: str
    arguments: dict[str, Any]
    history: tuple[str, ...] = ()
    line: int = 0
    id: str = ""


@dataclass
class CaseOutcome:
    case: RoutingCase
    tool: str
    arguments: dict[str, Any]
    tool_ok: bool
    arguments_ok: bool
    ms: float = 0.0
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.tool_ok and self.arguments_ok


@dataclass
class RoutingReport:
    """Accuracy figures plus every miss (for reading, not for tuning on)."""

    cases: int
    accuracy: float
    """Tool and arguments right (the headline figure)."""
    tool_accuracy: float
    argument_accuracy: float
    """Share of cases with the right tool whose arguments are also right."""
    clarify_precision: float
    clarify_recall: float
    refusal_precision: float
    refusal_recall: float
    refusal_safe: float
    """Share of refusal cases refused or asked back (never answered with a tool)."""
    p50_ms: float
    """Median time to route one question (its history not counted)."""
    per_tool: dict[str, dict[str, float]]
    seconds: float
    misses: list[dict[str, Any]] = field(default_factory=list)
    asked_unneeded: float = 0.0
    """Share of the questions a tool answers that were asked back instead (a question too many)."""

    def figures(self) -> dict[str, float]:
        """The headline numbers, for a side-by-side table."""
        return {"cases": self.cases, "accuracy": self.accuracy, "tool_accuracy": self.tool_accuracy,
                "argument_accuracy": self.argument_accuracy, "refusal_recall": self.refusal_recall,
                "refusal_precision": self.refusal_precision, "refusal_safe": self.refusal_safe,
                "clarify_recall": self.clarify_recall, "clarify_precision": self.clarify_precision,
                "asked_unneeded": self.asked_unneeded, "p50_ms": self.p50_ms}


def load_cases(path: str | Path) -> list[RoutingCase]:
    """Read an evaluation set; raises :class:`DataValidationError` naming the bad line."""
    cases = []
    for i, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            history = data.get("history", ())
            if isinstance(history, str):
                history = (history,)
            cases.append(RoutingCase(str(data["question"]), str(data["tool"]), dict(data.get("arguments") or {}),
                                     tuple(str(h) for h in history), i, str(data.get("id", ""))))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataValidationError(f"not a routing case ({exc})", file=str(path), row=i) from exc
    return cases


def load_vocabulary(path: str | Path) -> Vocabulary:
    """The names an evaluation set is about: JSON with ``segments``, ``categories`` and optionally
    ``member_id_pattern`` (a regular expression for the shop's member ids)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Vocabulary(segments=tuple(data["segments"]), categories=tuple(data["categories"]),
                          member_id_pattern=data.get("member_id_pattern"))
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
        return _content_words(expected) <= _content_words(got)
    return normalise(str(expected)) == normalise(str(got))


_GENERIC = frozenset("a an the for of to and some any product products item items stuff thing things".split())


def _content_words(text: Any) -> set[str]:
    """The words of a free-text value that carry its meaning (plural "s" folded), shorthand written out as
    the agent reads it ("5 yr old" and "5 year old" are the same query)."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w
            for w in normalise(expand_shorthand(str(text))).replace("-", " ").split() if w not in _GENERIC}


def outcome_of(route: Route, question: str | None) -> str:
    """What a routing decision amounts to: a tool name, :data:`CLARIFY` or :data:`REFUSE`."""
    if route.refused:
        return REFUSE
    return CLARIFY if question is not None or route.tool is None else route.tool


def _audience_matches(expected: Any, got: Any) -> bool:
    """An audience given as "those members" (the list shown earlier) matches a member-list label."""
    return isinstance(got, str) and got.endswith("(list)") and normalise(str(expected)).startswith(
        ("those", "these", "them", "that list", "the list"))


def run_case(agent: Agent, case: RoutingCase, refusals_labelled: bool = True) -> CaseOutcome:
    """Route a case (its history first, in one conversation) without running any tool.

    ``refusals_labelled``: False for a set that labels every "no tool" answer ``clarify``."""
    conversation = Conversation()
    for previous in case.history:
        agent.route(previous, conversation)
    start = time.perf_counter()
    route, question = agent.route(case.question, conversation)
    ms = (time.perf_counter() - start) * 1000
    tool = outcome_of(route, question)
    if tool == REFUSE and not refusals_labelled:
        tool = CLARIFY
    tool_ok = tool == case.tool
    args_ok = False
    if tool_ok:
        if tool in OUTCOMES:
            args_ok = True
        else:
            params = {p.name: p for p in agent.registry[tool].params}
            args_ok = all(name in params and (
                argument_matches(value, route.arguments.get(name), params[name].free_text)
                or (params[name].audience and _audience_matches(value, route.arguments.get(name))))
                for name, value in case.arguments.items())
    return CaseOutcome(case, tool, dict(route.arguments), tool_ok, args_ok, ms, route.reason)


def _share(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def evaluate_routing(agent: Agent, cases: list[RoutingCase]) -> RoutingReport:
    """Route every case and report accuracy (tool and arguments), per tool, for clarifications and
    refusals, and the median routing time."""
    start = time.perf_counter()
    labelled = any(c.tool == REFUSE for c in cases)
    outcomes = [run_case(agent, c, labelled) for c in cases]
    n = len(outcomes)
    per_tool: dict[str, dict[str, float]] = {}
    for name in sorted({c.tool for c in cases}):
        mine = [o for o in outcomes if o.case.tool == name]
        per_tool[name] = {"cases": len(mine), "accuracy": _share(sum(o.ok for o in mine), len(mine))}
    with_tool = [o for o in outcomes if o.tool_ok]

    def precision_recall(kind: str) -> tuple[float, float]:
        predicted = [o for o in outcomes if o.tool == kind]
        expected = [o for o in outcomes if o.case.tool == kind]
        return (_share(sum(o.case.tool == kind for o in predicted), len(predicted)),
                _share(sum(o.tool == kind for o in expected), len(expected)))

    clarify_p, clarify_r = precision_recall(CLARIFY)
    refuse_p, refuse_r = precision_recall(REFUSE)
    refusals = [o for o in outcomes if o.case.tool == REFUSE]
    answerable = [o for o in outcomes if o.case.tool not in OUTCOMES]
    misses = [{"line": o.case.line, "id": o.case.id, "question": o.case.question, "history": list(o.case.history),
               "expected": {"tool": o.case.tool, "arguments": o.case.arguments},
               "got": {"tool": o.tool, "arguments": o.arguments, "reason": o.reason}} for o in outcomes if not o.ok]
    return RoutingReport(
        cases=n,
        accuracy=_share(sum(o.ok for o in outcomes), n),
        tool_accuracy=_share(sum(o.tool_ok for o in outcomes), n),
        argument_accuracy=_share(sum(o.arguments_ok for o in with_tool), len(with_tool)),
        clarify_precision=clarify_p, clarify_recall=clarify_r,
        refusal_precision=refuse_p, refusal_recall=refuse_r,
        refusal_safe=_share(sum(o.tool in OUTCOMES for o in refusals), len(refusals)),
        p50_ms=round(statistics.median(o.ms for o in outcomes), 2) if outcomes else 0.0,
        per_tool=per_tool,
        seconds=round(time.perf_counter() - start, 3),
        misses=misses,
        asked_unneeded=_share(sum(o.tool == CLARIFY for o in answerable), len(answerable)),
    )


def evaluate_sets(agent: Agent, paths: list[Path]) -> dict[str, RoutingReport]:
    """One report per evaluation file that exists (a held-out file not added yet is skipped)."""
    return {path.stem: evaluate_routing(agent, load_cases(path)) for path in paths if path.is_file()}


def side_by_side(reports: dict[str, RoutingReport]) -> list[tuple[str, list[str]]]:
    """Rows of a text table: (metric, one formatted figure per set)."""
    rows: list[tuple[str, list[str]]] = [("questions", [f"{r.cases:,}" for r in reports.values()])]
    for label, key in (("tool + arguments", "accuracy"), ("tool", "tool_accuracy"),
                       ("arguments (right tool)", "argument_accuracy"), ("refusal recall", "refusal_recall"),
                       ("refusal precision", "refusal_precision"), ("refused or asked", "refusal_safe"),
                       ("clarify recall", "clarify_recall"), ("clarify precision", "clarify_precision"),
                       ("asked back unneeded", "asked_unneeded")):
        rows.append((label, [_pct(r, key) for r in reports.values()]))
    rows.append(("routing p50", [f"{r.p50_ms:.1f} ms" for r in reports.values()]))
    return rows


def _pct(report: RoutingReport, key: str) -> str:
    kind = {"refusal_recall": REFUSE, "refusal_precision": REFUSE, "refusal_safe": REFUSE,
            "clarify_recall": CLARIFY, "clarify_precision": CLARIFY}.get(key)
    if kind is not None and kind not in report.per_tool and (key.endswith(("recall", "safe"))
                                                             or getattr(report, key) == 0):
        return "-"
    return f"{getattr(report, key):.1%}"
