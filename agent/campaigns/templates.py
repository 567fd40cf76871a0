"""Deterministic fallback copy: built only from the fact sheet, so it always passes the checker.

Each part has candidates from richest to plainest; :func:`template_copy` returns the first that
passes :func:`~agent.campaigns.grounding.check_copy` (the plainest holds only the offer, the brand
and the ``{first_name}`` token, so a valid fact sheet always yields one).
"""

from __future__ import annotations

from collections.abc import Iterator

from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.grounding import check_copy

TONES = ("friendly", "professional", "urgent", "playful")

_HOOKS: dict[str, dict[str, str]] = {
    "win_back": {"friendly": "We miss you", "professional": "It has been a while",
                 "urgent": "Come back before it ends", "playful": "Long time no see"},
    "early_access": {"friendly": "You are first in line", "professional": "Early access for our best customers",
                     "urgent": "Your early access starts now", "playful": "Psst, you get in first"},
    "onboarding": {"friendly": "Welcome to {brand}", "professional": "Thank you for joining {brand}",
                   "urgent": "Your welcome offer is waiting", "playful": "Hello and welcome"},
    "cross_sell": {"friendly": "Picked for you", "professional": "Recommended for you",
                   "urgent": "Your picks will not wait", "playful": "You might just love these"},
    "loyalty": {"friendly": "Thank you for sticking with us", "professional": "A thank-you for your loyalty",
                "urgent": "Your reward is ready", "playful": "You are a star"},
    "reactivation": {"friendly": "Something new for you", "professional": "New arrivals and an offer",
                     "urgent": "Last chance for your offer", "playful": "Ready for a comeback"},
}
_CTA = {"friendly": "Take a look", "professional": "Shop now", "urgent": "Shop before it ends",
        "playful": "Go on, treat yourself"}


def _hook(play: str, tone: str, brand: str) -> str:
    return _HOOKS.get(play, _HOOKS["reactivation"]).get(tone, "Something for you").format(brand=brand)


def _until(facts: FactSheet) -> str:
    """`` until 13 December``, or the offer's own words when it set the deadline (`` this weekend``)."""
    terms = facts.offer_terms
    if terms is not None and terms.deadline is not None and terms.deadline == facts.deadline:
        return " " + terms.when()
    return f" until {facts.deadline.day} {facts.deadline.strftime('%B')}" if facts.deadline else ""


def _offer(facts: FactSheet, start: bool = False) -> str:
    """The offer as copy says it (:meth:`Offer.phrase`, never the operator's raw text), capitalised
    when it starts a sentence."""
    return facts.offer_phrase(start) or ("Something new" if start else "something new")


def _candidates(part: str, facts: FactSheet, play: str, tone: str, variant: int) -> Iterator[str]:
    hook, offer, brand = _hook(play, tone, facts.brand), _offer(facts), facts.brand
    first = _offer(facts, start=True)  # the offer at a sentence start
    product = facts.products[variant % len(facts.products)].name if facts.products else ""
    until = _until(facts)
    if part == "subject":
        options = [f"{{first_name}}, {offer} is yours{until}", f"{hook}: {offer}{until}",
                   f"{first} on {product}" if product else f"{first} at {brand}", f"{hook}, {{first_name}}"]
        yield options[variant % len(options)]
        yield from options
        yield f"{first} at {brand}"
        yield first
    elif part == "preview":
        yield f"{hook}. {first} at {brand}{until}."
        yield f"{first} at {brand}."
    elif part == "push":
        yield f"{hook}, {{first_name}}: {offer}{until}. {_CTA[tone]}"
        yield f"{{first_name}}, {offer} at {brand}{until}."
        yield f"{first} at {brand}"
        yield f"{{first_name}}, {offer}"
        yield first
    elif part == "sms":
        stop = " Reply STOP to opt out."
        yield f"{brand}: {hook}, {{first_name}}! {first}{until}.{stop}"
        yield f"{brand}: {{first_name}}, {offer}{until}.{stop}"
        yield f"{brand}: {offer}.{stop}"
        yield f"{first}.{stop}"
    elif part == "body":
        lines = ["Hi {first_name},", "", f"{hook}. As a thank-you, here is {offer}{until}."]
        if facts.products:
            names = ", ".join(p.name for p in facts.products[:3])
            lines += ["", f"Picked for you: {names}."]
        lines += ["", f"{_CTA[tone]} at {brand}.", "", f"The {brand} team"]
        yield "\n".join(lines)
        yield f"Hi {{first_name}},\n\nHere is {offer} at {brand}{until}.\n\nThe {brand} team"
        yield f"Hi {{first_name}},\n\n{first} at {brand}.\n\nThe {brand} team"
    else:
        raise ValueError(f"no template for part {part!r}")


def template_copy(part: str, facts: FactSheet, play: str = "reactivation", tone: str = "friendly",
                  variant: int = 0, avoid: set[str] | frozenset[str] = frozenset()) -> str:
    """A template text for ``part`` that passes the grounding checker.

    Variants rotate through the candidates, and texts in ``avoid`` (already shipped) are skipped
    while another passing candidate exists.
    """
    tone = tone if tone in TONES else "friendly"
    candidates = list(dict.fromkeys(_candidates(part, facts, play, tone, variant)))
    if part != "subject":
        shift = variant % len(candidates)
        candidates = candidates[shift:] + candidates[:shift]
    passing = [t for t in candidates if check_copy(t, facts, part).passed]
    fresh = [t for t in passing if t not in avoid]
    if fresh or passing:
        return (fresh or passing)[0]
    # Only reachable when the offer itself breaks a channel limit (it is capped at 60 characters).
    return candidates[-1]
