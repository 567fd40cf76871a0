"""Finding members from a plain-words description, through the segment parser (``segments`` public API).

The tool never invents a definition: it shows how the description was read ("I read this as: city is
Leeds AND net spend in 2026 is more than £200"), and when the parser asks (a guessed word, two
readings, a value the shop does not have) it asks the operator the same question instead of listing
anyone. Only a description read with nothing guessed lists members.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from memberinsight.agent.tools._common import backend, markdown_table
from memberinsight.agent.types import ToolContext, ToolResult, member_list_label

SHOWN = 10
"""How many members the answer lists (all of them are remembered for a follow-up: "write an SMS for them")."""


def find_members(ctx: ToolContext, description: str) -> ToolResult:
    """Find the members matching a plain-words description (e.g. 'customers in Leeds who spent over £200 this year'): how many, the read-back of how it was understood, and the first members.

    Args:
        description: the operator's description of the members, in their own words (the whole question).

    Examples:
        which customers in Leeds spent over £200 this year
        find members who bought Outdoor at least twice in the last 90 days
        who are the members in London with high churn risk
        list customers who haven't ordered since Black Friday
        show me members aged 25-34 who came through social
        which members have 5+ orders and a return rate above 30%
        customers in Dublin or Cork who bought Pets
        who bought Electronics last month
        members with an average rating below 2 and 3+ reviews
        which shoppers signed up this year and never ordered
        people who spent over 500 on Kitchen since Christmas
        who are our one-time buyers in Manchester
        how many customers in Bristol have high churn risk
    """
    parse = backend("memberinsight.segments", "parse_sentence", "Plain-words segments")
    vocabulary = backend("memberinsight.segments", "load_vocabulary", "Plain-words segments")(ctx.ws)
    result = parse(description, vocabulary, workspace=ctx.ws)
    if result.refusal is not None:
        return ToolResult(f"That does not describe members I can find: {result.refusal.rstrip('.')}.", ok=False)
    if result.definition is None:
        missing = ", ".join(f"'{w}'" for w in result.not_understood) or "nothing I recognise"
        return ToolResult(f"I could not find a condition on members in that (not understood: {missing}). Describe "
                          "them in plain words, e.g. 'customers in Leeds who spent over £200 this year'.", ok=False)
    read_as = "I read this as: " + read_back(result.description)
    lines = [f"- {line}" for line in result.readings]
    counts = result.counts
    if result.status != "understood":
        return ToolResult(_question_text(read_as, result, lines), subject={})
    total = counts.total if counts is not None and counts.total is not None else None
    head = (f"**{total:,} members** match. " if total is not None else "") + read_as + "."
    parts = [head, *lines]
    if counts is not None and len(counts.conditions) > 1:
        parts.append("Each condition on its own: " + "; ".join(
            f"{c.words}: {c.members:,}" for c in counts.conditions if c.members is not None) + ".")
    if counts is not None and counts.empty_reason:
        parts.append(counts.empty_reason)
    ids = backend("memberinsight.segments", "segment_members", "Plain-words segments")(ctx.ws, result.definition)
    rows = pd.DataFrame(backend("memberinsight.segments", "member_rows", "Plain-words segments")(ctx.ws, result.definition,
                                                                                   limit=SHOWN))
    text = "\n".join(parts)
    if not rows.empty:
        shown = f"The first {len(rows)} (by member id)" if len(ids) > len(rows) else "The members"
        text += f"\n\n{shown}:\n\n{markdown_table(rows, SHOWN, currency=ctx.currency)}"
    subject: dict[str, Any] = {"segment": member_list_label("find_members"), "member_list": ids}
    return ToolResult(text, table=rows, subject=subject)


def read_back(description: str) -> str:
    """The parser's description as one line joined with AND ("city is Leeds AND net spend ... over £200")."""
    words = description.removeprefix("Members where: ")
    return " AND ".join(words.split("; "))


def _question_text(read_as: str, result: Any, lines: list[str]) -> str:
    """The parser's questions, asked of the operator before any member is listed."""
    parts = [read_as + ".", *lines, "", "**Before I list anyone, please check:**"]
    for q in result.questions:
        others = [o.label for o in q.options[1:]]
        parts.append(f"- {q.text}" + (f" (other readings: {'; '.join(others)})" if others else ""))
    if result.not_understood:
        parts.append("Not understood (left out): " + ", ".join(f"'{w}'" for w in result.not_understood) + ".")
    counts = result.counts
    if counts is not None and counts.total is not None:
        parts.append(f"\nRead this way it would match {counts.total:,} members. Answer with the description "
                     "reworded (or the reading you mean) and I will list them.")
    return "\n".join(parts)
