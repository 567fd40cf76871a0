"""Marketing suggestions: rules pick the play from the analytics; the model words the rationale.

The choice itself is deterministic (segment name, value versus the whole base, churn risk,
available recommendations) and its reasons cite facts from the sheet. The language model only
rewrites those reasons and the next steps as prose, under the same grounding checker, with the
rule-written text as the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from agent.campaigns.facts import FactSheet
from agent.campaigns.writer import CheckReport, DraftCallback, report_dict, write_piece
from agent.llm.base import LLMBackend


@dataclass(frozen=True)
class Play:
    """A campaign pattern: what it aims at, where it runs and the offer it usually carries."""

    key: str
    name: str
    objective: str
    channels: tuple[str, ...]
    default_offer: str
    next_steps: tuple[str, ...]


PLAYS: dict[str, Play] = {p.key: p for p in (
    Play("win_back", "Win-back for valuable lapsed members", "Bring high-value members back before they are lost",
         ("email", "sms"), "15% off", (
             "Send a personal win-back email with the offer", "Follow up by SMS a few days later to non-openers",
             "Hold out a tenth of the audience as a control group to measure the lift")),
    Play("early_access", "Early access for Champions", "Reward the best members and keep them engaged",
         ("email", "push"), "early access", (
             "Invite them to new arrivals before everyone else", "Ask for a review after their next order",
             "Track repeat rate against last quarter")),
    Play("onboarding", "Onboarding to the second order", "Turn first-time buyers into repeat customers",
         ("email", "push"), "10% off your second order", (
             "Send a short welcome series of emails", "Recommend products that go with the first purchase",
             "Measure the second-order rate within a month")),
    Play("cross_sell", "Cross-sell from recommendations", "Grow basket size with products they are likely to want",
         ("email", "push"), "free delivery", (
             "Feature the recommended products in the email", "Personalise the products per member where possible",
             "Compare conversion with a non-personalised control")),
    Play("loyalty", "Loyalty reward", "Thank regular buyers and deepen the habit",
         ("email",), "double points", (
             "Invite them to the loyalty programme", "Send a thank-you with a small reward",
             "Watch order frequency over the next quarter")),
    Play("reactivation", "Low-cost reactivation", "Wake up lapsed members without over-spending",
         ("email",), "10% off", (
             "Send one reactivation email with popular products", "Stop mailing members who ignore the second send",
             "Keep the discount modest; these members have low expected value")),
)}


def choose_play(facts: FactSheet) -> tuple[Play, list[str]]:
    """The play for this sheet and the reasons (sentences citing the sheet's facts)."""
    seg = str(facts.member_profile.get("segment") or facts.segment).lower()  # one member: their RFM segment
    clv, base_clv = facts.stat("avg_clv"), facts.stat("all_avg_clv")
    spend, base_spend = facts.stat("avg_spend"), facts.stat("all_avg_spend")
    churn = facts.stat("avg_churn_probability")
    c = facts.currency
    reasons: list[str] = [f"The audience has {facts.audience_size:,} members."]
    valuable = False
    if clv is not None and base_clv is not None:
        valuable = clv >= base_clv
        reasons.append(f"Their average predicted value is {c}{clv:,.2f} against {c}{base_clv:,.2f} for all members.")
    elif spend is not None and base_spend is not None:
        valuable = spend >= base_spend
        reasons.append(f"They have spent {c}{spend:,.2f} on average against {c}{base_spend:,.2f} for all members.")
    if churn is not None:
        reasons.append(f"Their average churn risk is {churn:g}%.")
    days = facts.stat("avg_days_since_last_order")
    if days is not None:
        reasons.append(f"On average they last ordered {days:g} days ago.")
    if facts.products:
        reasons.append(f"Recommended products are available, led by {facts.products[0].name}.")

    if seg in ("at risk", "can't lose them", "cant lose them") or (churn is not None and churn >= 50 and valuable):
        key = "win_back" if valuable else "reactivation"
    elif seg == "champions":
        key = "early_access"
    elif seg in ("new", "no purchases yet"):
        key = "onboarding"
    elif seg in ("loyal", "potential loyalist", "promising"):
        key = "cross_sell" if facts.products else "loyalty"
    elif seg in ("need attention", "about to sleep", "hibernating", "lost"):
        key = "win_back" if valuable and seg == "need attention" else "reactivation"
    else:
        key = "cross_sell" if facts.products else "reactivation"
    return PLAYS[key], reasons


@dataclass
class Suggestion:
    """A recommended play for a segment, with grounded rationale and next steps."""

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

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.reports)

    def to_dict(self) -> dict[str, Any]:
        return {"segment": self.segment, "play": self.play, "play_name": self.play_name,
                "objective": self.objective, "channels": self.channels, "offer": self.offer,
                "reasons": self.reasons, "rationale": self.rationale, "next_steps": self.next_steps,
                "passed": self.passed, "reports": [report_dict(r) for r in self.reports], "facts": self.facts}


def suggest(facts: FactSheet, backend: LLMBackend | None = None, seed: int = 42,
            max_attempts: int = 2, on_draft: DraftCallback | None = None) -> Suggestion:
    """Choose the play by rules; have the model word the rationale and next steps (checked).

    Without an offer in the sheet, the play's usual offer is the one the text may name.
    ``on_draft(label, text_so_far)`` streams the drafts (labels ``rationale`` and ``next steps``).
    """
    play, reasons = choose_play(facts)
    offer = facts.offer or play.default_offer
    sheet = facts if facts.offer else replace(facts, offer=offer)
    rule_rationale = f"{play.name}: {play.objective.lower()}. " + " ".join(reasons)
    rule_steps = "\n".join(f"- {s}." for s in play.next_steps)
    rationale = write_piece("rationale", sheet, backend, seed=seed, max_attempts=max_attempts, fallback=rule_rationale,
                            brief=f"Explain in two or three sentences why the play '{play.name}' fits this "
                                  f"audience, using these findings: {' '.join(reasons)}", on_draft=on_draft)
    steps_draft = None if on_draft is None else (lambda _part, text: on_draft("next steps", text))
    steps = write_piece("rationale", sheet, backend, seed=seed + 1, max_attempts=max_attempts, fallback=rule_steps,
                        brief="List three next steps, one per line starting with a dash, for the campaign team, based on: "
                              + "; ".join(play.next_steps), on_draft=steps_draft)
    return Suggestion(facts.segment, play.key, play.name, play.objective, list(play.channels), offer, reasons,
                      rationale.text, steps.text, [rationale.report, steps.report], facts.to_dict())
