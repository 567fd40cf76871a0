"""Suggestions an operator can act on: the situation, the play and its plan, what to measure, what not to do.

:func:`suggest` chooses the play by rules (:func:`agent.campaigns.plays.choose_play`), plans it
(:func:`agent.campaigns.plan.build_plan`) and writes every part from the facts and the plan
(:func:`agent.campaigns.advice.render`). That rule-written text is the default and is complete on
its own. Every part goes through the same grounding checker as campaign copy (``rationale``: every
figure, date and product must be the sheet's or the plan's) and the meaning checks of
:func:`agent.campaigns.advice.consistency_problems` (no sentence said twice, no step contradicting
another). A language model, when given, may only reword the one-sentence headline, and its wording
ships only when it passes both checks; otherwise the rule headline ships.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from memberinsight.agent.campaigns.advice import Sections, consistency_problems, render
from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.grounding import check_copy
from memberinsight.agent.campaigns.plan import Plan, build_plan
from memberinsight.agent.campaigns.plays import choose_play
from memberinsight.agent.campaigns.writer import Attempt, CheckReport, DraftCallback, report_dict, write_piece
from memberinsight.agent.llm.base import LLMBackend

PART = "rationale"
"""The checker's part for team-facing text: audience statistics and forecasts may be cited."""


@dataclass
class Suggestion:
    """A recommended play for a segment or a member, with its plan and the checks every part passed.

    ``headline``, ``situation``, ``recommendation``, ``reasons`` (why, each citing a figure),
    ``measure`` and ``avoid`` hold the text; ``plan`` the raw plan (ISO dates, 24-hour clock) and
    ``facts`` the raw facts. ``rationale`` (the headline) and ``next_steps`` (the recommendation as
    a list) are kept for earlier callers. ``writer`` is ``rules``, or the model that worded the headline.
    ``problems``: where the text contradicts the plan or repeats itself (none when the rules wrote it);
    ``dropped``: rule lines withheld because a figure in them failed the checker (with why).
    """

    segment: str
    play: str
    play_name: str
    objective: str
    channels: list[str]
    offer: str
    reasons: list[str]
    rationale: str
    next_steps: str
    reports: list[CheckReport] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    headline: str = ""
    situation: list[str] = field(default_factory=list)
    recommendation: list[str] = field(default_factory=list)
    measure: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)
    writer: str = "rules"
    problems: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every part passed the grounding checker and the text is consistent."""
        return all(r.passed for r in self.reports) and not self.problems

    def sections(self) -> Sections:
        return Sections(self.headline, self.situation, self.recommendation, self.reasons, self.measure, self.avoid)

    @property
    def text(self) -> str:
        """The whole suggestion as plain text (titled parts, one point per line)."""
        return self.sections().text()

    def markdown(self) -> str:
        """The suggestion as Markdown (for the chat and the app)."""
        parts = [f"**{self.headline}**"]
        for title, lines in (("Situation", self.situation), ("Recommendation", self.recommendation),
                             ("Why", self.reasons), ("What to measure", self.measure), ("What not to do", self.avoid)):
            if lines:
                parts.append(f"*{title}*\n\n" + "\n".join(f"- {line}" for line in lines))
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"segment": self.segment, "play": self.play, "play_name": self.play_name,
                "objective": self.objective, "channels": self.channels, "offer": self.offer,
                "headline": self.headline, "situation": self.situation, "recommendation": self.recommendation,
                "reasons": self.reasons, "measure": self.measure, "avoid": self.avoid, "plan": self.plan,
                "text": self.text, "rationale": self.rationale, "next_steps": self.next_steps,
                "writer": self.writer, "passed": self.passed, "problems": self.problems, "dropped": self.dropped,
                "reports": [report_dict(r) for r in self.reports], "facts": self.facts}


def check_sheet(facts: FactSheet, plan: Plan) -> FactSheet:
    """The sheet the suggestion is checked against: the facts, the plan's offer and the plan's figures."""
    return replace(facts, offer=facts.offer or plan.offer, stats=(*facts.stats, *plan.facts))


def _checked(name: str, lines: list[str], sheet: FactSheet) -> tuple[list[str], CheckReport]:
    """``lines`` that pass the checker (a failing line is dropped and reported), with the part's report."""
    report = CheckReport(part=f"{PART}:{name}")
    kept: list[str] = []
    for line in lines:
        result = check_copy(line, sheet, PART)
        report.checks = result.checked
        report.attempts.append(Attempt(len(report.attempts) + 1, "template", line, result.passed,
                                       list(result.problems)))
        if result.passed:
            kept.append(line)
            report.shipped_attempt, report.length, report.limit = len(report.attempts), result.length, result.limit
    if not kept:  # nothing shipped from this part: report the last attempt (failed) as the shipped one
        report.shipped_attempt = len(report.attempts)
    return kept, report


def _headline(rule: str, rest: str, sheet: FactSheet, plan: Plan, backend: LLMBackend | None, seed: int,
              max_attempts: int, on_draft: DraftCallback | None) -> tuple[str, CheckReport, str]:
    """The headline: the model's rewording when it passes every check, else the rule sentence."""
    if backend is None:
        kept, report = _checked("headline", [rule], sheet)
        return (kept[0] if kept else rule), report, "rules"
    brief = ("Reword this summary for a CRM team as one sentence, keeping the play, the offer, the dates and every "
             f"figure exactly as they are: {rule}")
    draft = None if on_draft is None else (lambda _part, text: on_draft("headline", text))
    piece = write_piece(PART, sheet, backend, seed=seed, max_attempts=max_attempts, fallback=rule, brief=brief,
                        on_draft=draft)
    report = piece.report
    if piece.report.shipped_source != "llm":
        return rule, report, "rules"
    problems = consistency_problems(piece.text + "\n" + rest, plan)
    if not problems:
        return piece.text, report, f"rules; headline worded by {getattr(backend, 'name', 'the model')}"
    report.shipped.passed = False
    report.shipped.problems.extend(problems)
    result = check_copy(rule, sheet, PART)
    report.attempts.append(Attempt(len(report.attempts) + 1, "template", rule, result.passed, list(result.problems)))
    report.shipped_attempt = len(report.attempts)
    return rule, report, "rules"


def suggest(facts: FactSheet, backend: LLMBackend | None = None, seed: int = 42,
            max_attempts: int = 2, on_draft: DraftCallback | None = None) -> Suggestion:
    """The play for this sheet with its plan, written by rules and checked (see the module docstring).

    ``backend`` (optional) may reword the headline; ``on_draft(label, text_so_far)`` streams its drafts
    (label ``headline``).
    Without an offer in the sheet, the play's usual offer is the one the text names.
    """
    play, reasons = choose_play(facts)
    plan = build_plan(facts, play)
    sheet = check_sheet(facts, plan)
    sections = render(facts, plan, reasons)
    reports: list[CheckReport] = []
    kept: dict[str, list[str]] = {}
    for name, lines in sections.parts().items():
        if name != "headline":
            kept[name], report = _checked(name, lines, sheet)
            reports.append(report)
    body = Sections("", kept["situation"], kept["recommendation"], kept["why"], kept["measure"], kept["avoid"])
    head, head_report, writer = _headline(sections.headline, body.text(), sheet, plan, backend, seed, max_attempts,
                                          on_draft)
    reports.insert(0, head_report)
    final = replace(body, headline=head)
    dropped = [f"{a.text} ({'; '.join(a.problems)})" for r in reports[1:] for a in r.attempts if not a.passed]
    return Suggestion(
        segment=facts.segment, play=play.key, play_name=play.name, objective=play.objective,
        channels=sorted({s.channel for s in plan.sends}, key=[s.channel for s in plan.sends].index),
        offer=plan.offer, reasons=final.why, rationale=head,
        next_steps="\n".join(f"- {line}" for line in final.recommendation), reports=reports,
        facts=facts.to_dict(), headline=head, situation=final.situation, recommendation=final.recommendation,
        measure=final.measure, avoid=final.avoid, plan=plan.to_dict(), writer=writer,
        problems=consistency_problems(final.text(), plan), dropped=dropped)
