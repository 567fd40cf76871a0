"""An email body, slot by slot: greeting, the line naming the customer's situation, the offer, the lead
product and the others, a call to action and the sign-off, each chosen by the composer's picker and
checked against the lines before it (:mod:`agent.campaigns.coherence`), then the whole body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from memberinsight.agent.campaigns.coherence import pair_problems, piece_problems, shared_phrases
from memberinsight.agent.campaigns.facts import FactSheet, ProductFact
from memberinsight.agent.campaigns.phrasebank import ANGLES
from memberinsight.agent.campaigns.variant_facts import Context, listed_order, mixed_picks
from memberinsight.agent.campaigns.voice import signature
from memberinsight.errors import DataValidationError

if TYPE_CHECKING:
    from memberinsight.agent.campaigns.compose import _Picker

BODY_SLOTS = ("opener", "hook", "offer_line", "product_line", "also_line", "cta", "signoff")
NO_PRODUCTS = frozenset({"review_request"})
"""Plays whose email shows no product picks (a review request asks about what they have)."""
MAX_LISTED = 2
_DEADLINE_NEEDS = frozenset({"deadline", "days_left"})
_REASONS = (("this member", "picked"), ("together", "paired"), ("popular", "popular"))


def _reason(product: ProductFact) -> str:
    low = product.reason.lower()
    return next((tag for key, tag in _REASONS if key in low), "picked")


def _money(facts: FactSheet, value: float) -> str:
    return f"{facts.currency}{value:,.2f}"


def small_print(terms: str) -> str:
    """The offer's conditions as the email's last line: ``Offer ends Sunday 13 December.``"""
    if terms.startswith("Valid "):
        return "Offer v" + terms[1:]
    if terms.startswith(("Ends ", "On ", "When ")):
        return ("Offer " if terms.startswith("Ends ") else "Offer valid ") + terms[0].lower() + terms[1:]
    return terms


def _product_list(products: Sequence[ProductFact], facts: FactSheet) -> list[str]:
    return [f"- {p.name}, {_money(facts, p.price)}" if p.price is not None else f"- {p.name}" for p in products]


def email_body(picker: _Picker, angle: str, ctx: Context, values: dict[str, str], available: set[str], variant: int,
               lead: ProductFact | None, play: str,
               above: list[str] | None = None,
               subject: str = "") -> tuple[str, dict[str, str], list[str], list[tuple[str, list[str]]]]:
    """The email body for one variant: each slot chosen and checked against the lines before it, then the
    whole body. ``above``: the phrases chosen so far (the subject's), whose wording the body avoids where
    it can; the body's phrases are added to it (the preview, chosen next, avoids them too)."""
    chosen: dict[str, str] = {}
    raw: list[str] = above if above is not None else []  # the phrases chosen so far, unfilled
    ids: list[str] = []
    rejected: list[tuple[str, list[str]]] = []
    show_products = lead is not None and play not in NO_PRODUCTS
    if show_products and "products_2" in available and mixed_picks(ctx.products, lead, MAX_LISTED):
        available = available - {"category"}  # "a few picks from our Beauty range" over a belt and coffee beans
    facts = picker.facts
    # (a short window is the reason to act, so it is said in every part that states the offer: ctx.when)
    deadline = values.get("deadline", "") if "deadline" in available and not ctx.when else ""
    for slot in BODY_SLOTS:
        if slot == "offer_line" and not ctx.has_offer:
            continue
        if slot in ("product_line", "also_line") and not show_products:
            continue
        if slot == "also_line" and "products_2" not in available:
            continue
        running = "\n".join(chosen.values())

        def coherent(text: str, running: str = running, slot: str = slot) -> list[str]:
            found = piece_problems(f"{running}\n{text}", facts)
            if slot in ("hook", "offer_line"):  # the body's opening does not echo the subject
                found += pair_problems(subject, text, facts, what="the first line repeats the subject's words")
            found += shared_phrases(text, subject, facts)  # no phrase twice in one email
            if slot == "offer_line" and (echo := echo_join(chosen.get("hook", ""), text)):
                found.append(echo)
            return found

        reason = _reason(lead) if lead is not None and slot == "product_line" else None
        # The deadline is said once in the subject or the body (the small print says it too): after that a
        # line that does not repeat it is preferred.
        said = bool(deadline) and (deadline in subject or any(deadline in t for t in chosen.values()))
        got = None
        # this angle, then the others, without the deadline where it was said; only then with it. A short
        # window (ctx.when) is the reason to act: the offer line says it in any angle before one that drops it.
        strict = (True, False) if slot == "offer_line" and ctx.when else (False,)
        tries = [(pool, timed) for timed in strict
                 for pool in ([available - _DEADLINE_NEEDS] if said else []) + [available]]
        for pool, timed in tries:
            for other in (angle, *(a for a in ANGLES if a != angle)):
                got = picker.choose(slot, other, values, pool, ctx, variant, check_as="body", reason=reason,
                                    context=" ".join(raw), coherent=coherent, rejected=rejected, say_window=timed)
                if got is not None:
                    break
            if got is not None:
                break
        if got is None:
            if slot in ("hook", "offer_line", "opener", "cta", "signoff"):
                raise DataValidationError(f"no {slot} phrase for play {play!r} passes the checks for this offer"
                                          + "".join(f"; {p}" for _, ps in rejected[-1:] for p in ps), column="offer")
            continue
        ids.append(got[0].id)
        raw.append(got[0].text)
        chosen[slot] = got[1]
    opening = [chosen[s] for s in ("hook", "offer_line") if s in chosen]
    if ctx.explain and "offer_line" in chosen and not _said_already(ctx.explain, [subject, *opening]):
        opening.append(ctx.explain)  # how the offer works, for customers who may not know (unless a line said it)
    lines = [chosen["opener"], "", " ".join(opening)]
    if "product_line" in chosen:
        lines += ["", chosen["product_line"]]
        others = listed_order([p for p in ctx.products if p is not lead])[:MAX_LISTED]
        if others and "also_line" in chosen:
            lines += [chosen["also_line"], *_product_list(others, facts)]
    lines += ["", chosen["cta"], "", chosen["signoff"], signature(picker.voice, facts.brand)]
    if facts.landing_url:
        lines.insert(-3, facts.landing_url)
    if ctx.terms:
        lines += ["", small_print(ctx.terms)]
    return "\n".join(lines), chosen, ids, rejected


def echo_join(before: str, text: str) -> str | None:
    """A problem when ``text`` opens with the word ``before`` ends on ("we're letting you in early. Early access
    to the winter sale ..."; set 10), which reads as a stutter; None otherwise."""
    last = re.findall(r"[a-z][a-z'-]*", before.lower())
    first = re.findall(r"[a-z][a-z'-]*", text.lower())
    if last and first and last[-1] == first[0] and len(first[0]) > 3:
        return f"repeats {first[0]!r} across the join of two sentences; reword one of them"
    return None


def _said_already(note: str, lines: Sequence[str]) -> bool:
    """True when a line already says ``note``'s point (a pair of its content words: "opens to everyone")."""
    return any(pair_problems(line, note) for line in lines if line)
