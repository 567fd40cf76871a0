"""Campaign tools: grounded copy for a segment, an offer and a channel, and a campaign suggestion, each checked."""

from __future__ import annotations

import re
from typing import Any, Literal

import pandas as pd

from memberinsight.agent.registry import Audience, FreeText
from memberinsight.agent.tools._common import backend, fmt_value
from memberinsight.agent.types import ToolContext, ToolResult
from memberinsight.errors import NotFoundError
from memberinsight.figures import day, kind_of, missing, number
from memberinsight.figures import money as figure_money


def campaign_copy(ctx: ToolContext, segment: Audience, channel: Literal["email", "sms", "push"] = "email",
                  offer: FreeText | None = None, variants: int = 2) -> ToolResult:
    """Write campaign copy (email, SMS or push) for a segment and an offer, checked against the facts.

    Args:
        segment: the audience: a segment, or a list of members shown earlier.
        channel: email, sms or push.
        offer: the offer to promote (e.g. 15% off, free delivery).
        variants: how many copy variants to write.

    Examples:
        write an email for Champions
        draft an SMS to Hibernating members with 10% off
        create a push message for New customers
        campaign text for Loyal with free delivery
        we need a win-back message for Lost
        send Champions a thank-you email
        copy for a text campaign to At Risk offering £5 off
        compose a re-engagement email for About to Sleep
        marketing message for Promising members
        write a short notification about double points for Loyal
        email subject and body for Can't Lose Them
        draft newsletter copy for Potential Loyalist
    """
    generate = backend("memberinsight.agent.campaigns", "generate_campaign", "Campaign copy")
    members = ctx.member_lists.get(segment)
    if members is None and segment.endswith("(list)"):
        raise NotFoundError(f"I don't have the {segment} any more (it was empty or shown in another "
                            "conversation); name a segment, or ask for the list again")
    result = generate(ctx.ws, ctx.settings, segment=segment, member_ids=list(members) if members else None,
                      channel=channel, offer=offer or "", n_variants=variants, user=ctx.user,
                      on_draft=lambda label, text: ctx.report(draft_markdown(label, text)))
    return ToolResult(copy_markdown(result), table=check_table(result),
                      subject={"segment": result.segment, "channel": channel, **({"offer": offer} if offer else {})})


def campaign_suggestion(ctx: ToolContext, segment: Audience, offer: FreeText | None = None) -> ToolResult:
    """Recommend a campaign for a segment: the play, offer, timing, what to measure and what to avoid.

    The answer also gives the segment's situation in numbers, the products and why (each reason
    citing a figure); every figure is checked against the facts.

    Args:
        segment: the audience: a segment, or a list of members shown earlier.
        offer: an offer the operator has in mind (e.g. 15% off); empty for the play's usual one.

    Examples:
        what campaign should we run for At Risk
        which play do you suggest for Champions
        recommend a marketing play for Hibernating members
        which campaign would suit the Loyal segment
        how should we win back Can't Lose Them
        what should marketing do about Lost customers
        what is the plan to get New members to order again
        how do we re-engage About to Sleep, what is the plan
        what is the best next campaign for Need Attention
        which play and offer for Potential Loyalist
        how should we test a campaign on Promising, what control group
        what would you recommend we do for No Purchases Yet
    """
    suggest = backend("memberinsight.agent.campaigns", "suggest_campaign", "Campaign suggestions")
    members = ctx.member_lists.get(segment)
    if members is None and segment.endswith("(list)"):
        raise NotFoundError(f"I don't have the {segment} any more (it was empty or shown in another "
                            "conversation); name a segment, or ask for the list again")
    result = suggest(ctx.ws, ctx.settings, segment=segment,
                     member_ids=list(members) if members else None, offer=offer or "", user=ctx.user)
    verdict = "✅ Checks passed" if result.passed else "❌ Checks failed: " + "; ".join(result.problems)
    table = pd.DataFrame([{"part": r.part.split(":")[-1], "passed": r.passed, "lines": len(r.attempts),
                           "checks": ", ".join(r.checks)} for r in result.reports])
    return ToolResult(result.markdown() + f"\n\n{verdict} (written by: {result.writer})", table=table,
                      subject={"segment": result.segment, **({"offer": offer} if offer else {})})


DRAFT_NOTE = "(draft, not checked yet)"


def draft_markdown(label: str, text: str) -> str:
    """A draft as the model writes it, marked as unchecked (the checked copy replaces it)."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines()) or ">"
    return f"_Writing {label} {DRAFT_NOTE}…_\n\n{quoted}"


def copy_markdown(result: Any) -> str:
    """Campaign copy as Markdown: every variant quoted with its check verdict, then the facts used."""
    parts = [f"**{result.channel.upper()} copy for {result.segment}**"
             + (f" — offer: {result.offer}" if result.offer else "")
             + f" (play: {result.play}; writer: {result.backend}; {result.seconds:.1f} s)"]
    for variant in result.variants:
        report = variant.report
        verdict = "✅ Check passed" if report.passed else "❌ Check failed: " + "; ".join(report.problems)
        quoted = "\n".join(f"> {line}" if line else ">" for line in variant.text.splitlines())
        angle = f" ({variant.angle})" if getattr(variant, "angle", "") else ""
        parts.append(f"**Variant {variant.index}{angle}**\n\n{quoted}\n\n{verdict}")
    facts = {k: v for k, v in (result.facts or {}).items() if not isinstance(v, list | dict) and not missing(v)}
    labels = (result.facts or {}).get("labels") or {}  # the fact sheet's own words ("... revenue (down)")
    if facts:  # one line: the approvals form drops it when the copy is pasted there
        parts.append("Facts the copy may use: " + "; ".join(
            f"{labels.get(k) or fact_label(k)}: {fact_value(k, v)}" for k, v in facts.items()))
    return "\n\n".join(parts)


PERCENT_FACTS = frozenset({"probability", "share", "percent", "level", "baseline", "change"})
"""Words of a fact's key that mark a percentage; the fact sheet states those in points (``87.3`` is 87.3%)."""
_FACT_WORDS = {"avg": "average", "clv": "predicted customer value", "12m": "(last 12 months)",
               "90d": "(next 90 days)", "probability": "risk"}


def fact_label(key: str) -> str:
    """A fact sheet key in words: ``avg_churn_probability`` -> ``average churn risk``, ``all_avg_clv`` ->
    ``average predicted customer value (all members)``."""
    words = key.split("_")
    everyone = words[0] == "all" and len(words) > 1
    words = words[everyone:]
    if len(words) > 1 and words[-1] == "days":  # the unit goes with the value: "usual gap: 21 days"
        words = words[:-1]
    text = " ".join(_FACT_WORDS.get(w, w) for w in words)
    return text + (" (all members)" if everyone else "")


def fact_value(key: str, value: Any) -> str:
    """A fact sheet value for people: percentages (stated in points), money with the currency sign, dates in
    words, numbers with thousands separators; text as it is."""
    if isinstance(value, str):
        return day(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return fmt_value(value)
    words = set(key.split("_"))
    if words & PERCENT_FACTS:
        return f"{number(value, 1)}%"
    if kind_of(key) == "money" or "threshold" in words:
        return figure_money(value)
    return number(value) + (" days" if key.endswith("_days") else "")


def check_table(result: Any) -> pd.DataFrame:
    """One row per checked piece (subject, preview, body, or the whole SMS/push) of every variant."""
    rows = [{"variant": variant.index, "part": piece.part, "passed": piece.passed, "length": piece.length,
             "limit": piece.limit, "source": piece.shipped_source, "attempts": len(piece.attempts),
             "checks": ", ".join(piece.checks), "problems": "; ".join(piece.problems)}
            for variant in result.variants for piece in variant.report.pieces]
    return pd.DataFrame(rows, columns=["variant", "part", "passed", "length", "limit", "source", "attempts",
                                       "checks", "problems"])
