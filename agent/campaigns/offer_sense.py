"""What a sheet's offer promises, as the grounding checker needs it: kind, figures, honest wordings.

The checker asks three questions of the offer: *does this copy state it* (in any honest wording:
``£10 off`` = ``ten pounds off`` = ``a tenner off`` = ``GBP 10 off``; buy-one-get-one-free =
``2 for 1``; double points = ``2x points`` = ``twice the points``; early access = ``shop it
first``), *is this mechanic the offer's* (``triple points`` is not ``double points``) and *does
this figure belong to it* (the multiplier, the spend threshold).

:func:`offer_sense` reads the structured :class:`~agent.campaigns.offers.Offer` when the sheet
carries one (``FactSheet.offer_terms``) and otherwise parses the offer text itself, so the checks
work with either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from memberinsight.agent.campaigns.numwords import spell_out

MULTIPLIER_WORDS = {"double": 2.0, "doubled": 2.0, "twice": 2.0, "triple": 3.0, "tripled": 3.0, "treble": 3.0,
                    "trebled": 3.0, "quadruple": 4.0, "quadrupled": 4.0}
_MULT = r"(?:double[d]?|twice|triple[d]?|treble[d]?|quadruple[d]?|\d+(?:\.\d+)?\s*[x×]|[x×]\s*\d+|\d+\s+times)"
POINTS = re.compile(rf"\b(?P<m>{_MULT})\s+(?:the\s+)?(?:loyalty\s+|reward\s+|bonus\s+)?points\b"
                    rf"|\bpoints\s+(?:are\s+|get\s+|will\s+be\s+|have\s+been\s+)?(?P<m2>{_MULT}|doubled|tripled|trebled)(?!\w)",
                    re.I)
BOGO = re.compile(r"\bbogof?\b|\bbuy\s+(?:one|1|a)\b[^.!?\n]{0,40}?\bget\s+(?:one|1|a|another|the\s+second)\b"
                  r"|\b(?:2|two)\s+for\s+(?:the\s+price\s+of\s+)?(?:1|one)\b|\b(?:2|two)\s+(?:[\w'&-]+\s+){1,6}?for\s+"
                  r"the\s+price\s+of\s+(?:1|one)\b|\bsecond\s+(?:[\w'&-]+\s+){0,4}?(?:is\s+|one\s+is\s+|'s\s+)?"
                  r"(?:free|on\s+us)\b|\bget\s+(?:a\s+second|another)\b(?:\s+[\w'&-]+){0,4}?\s+(?:free|on\s+us)\b", re.I)
MULTI_BUY = re.compile(r"\b(?P<n>\d+)\s+for\s+(?:the\s+price\s+of\s+)?(?P<p>\d+)\b(?!\s*(?:%|percent|per\s*cent|days?"
                       r"|weeks?|hours?|months?|[.,]\d))", re.I)
FREE_SHIPPING = re.compile(r"\bfree\s+(?:uk\s+|standard\s+)?(?:shipping|delivery|postage|p\s*&\s*p)\b"
                           r"|\b(?:shipping|delivery|postage|p&p)(?:'s|\s+is|\s+will\s+be)?\s+(?:on\s+us|free)\b"
                           r"|\bships?\s+(?:for\s+)?free\b|\bdeliver(?:ed|y)?\s+(?:for\s+)?free\b", re.I)
EARLY_ACCESS = re.compile(r"\b(?:early|priority|vip|first|exclusive(?:\s+early)?)\s+access\b|\bpre-?sale\b|\b(?:shop|get\s+in(?:to)?|browse|access|see)\s+(?:[\w'-]+\s+){0,4}?"
                          r"(?:early|first)\b|\b(?:first|early|sneak)\s+(?:look|access|dibs|pick|peek|preview)\b|\bbefore\s+(?:everyone|anyone)"
                          r"(?:\s+else)?\b|\bbefore\s+(?:it|the\s+\w+\s+sale)\s+opens\b|\bopens\s+early\b"
                          r"|\bsneak\s+peek\b|\bhead\s+start\b|\bahead\s+of\s+(?:everyone|the\s+crowd)\b", re.I)
FREE_GIFT = re.compile(r"\bfree\s+gifts?\b|\bgifts?\s+(?:with|on\s+us)\b", re.I)
PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:%|percent\b|per[\s-]*cent\b|pct\b|pc\b)", re.I)
"""A percentage as copy writes it (``15%``, ``15 percent``, ``15 pct``); the checker reads figures with it too."""
_MONEY = re.compile(r"(?:[£$€]|\b(?:GBP|USD|EUR)\s?)\s?(\d+(?:\.\d+)?)|(?<![\w.])(\d+(?:\.\d+)?)\s?(?:pounds?|quid"
                    r"|dollars?|euros?)\b", re.I)
_THRESHOLD = re.compile(r"\b(?:over|above|spend(?:ing)?|of|orders?\s+over|minimum(?:\s+spend)?(?:\s+of)?)\s+"
                        r"(?:[£$€]|GBP\s?)(\d+(?:\.\d+)?)", re.I)
_SCOPE = re.compile(r"\b(?:on|off)\s+(?P<scope>your\s+next\s+order|your\s+first\s+order|the\s+\w+(?:\s+\w+)?\s+sale"
                    r"|[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*)|\bto\s+(?P<sale>the\s+\w+(?:\s+\w+)?\s+sale)", re.I)


@dataclass(frozen=True)
class OfferSense:
    """The offer as the checker reads it: ``kind`` (see :data:`agent.campaigns.offers.OFFER_KINDS`,
    plus ``other`` for text neither parser understood), its figures and honest wordings."""

    kind: str
    value: float | None = None
    paid: float | None = None
    threshold: float | None = None
    scope: str | None = None
    text: str = ""
    equivalents: tuple[str, ...] = ()

    def multiplier_ok(self, written: str) -> bool:
        """True when a points multiplier as written (``2x``, ``double``, ``3 times``) is the offer's."""
        return self.kind == "points_multiplier" and self.value is not None and multiplier(written) == self.value

    def states(self, text: str) -> bool:
        """True when ``text`` states this offer in some honest wording (figures compared by value)."""
        spelled = spell_out(text).text
        if any(_squash(e) in _squash(spelled) or _squash(e) in _squash(text) for e in self.equivalents if e):
            return True
        if self.kind == "percent_off":
            return any(_same(m.group(1), self.value) for m in PERCENT.finditer(spelled))
        if self.kind == "amount_off":
            return any(_same(m.group(1) or m.group(2), self.value) for m in _MONEY.finditer(spelled))
        if self.kind == "points_multiplier":
            return any(self.multiplier_ok(m.group("m") or m.group("m2")) for m in POINTS.finditer(spelled))
        pattern = {"bogo": BOGO, "free_shipping": FREE_SHIPPING, "early_access": EARLY_ACCESS,
                   "free_gift": FREE_GIFT}.get(self.kind)
        if pattern is not None:
            return bool(pattern.search(spelled))
        if self.kind == "multi_buy":
            return any(_same(m.group("n"), self.value) and _same(m.group("p"), self.paid)
                       for m in MULTI_BUY.finditer(spelled))
        return False


def multiplier(written: str) -> float | None:
    """``2x``/``x2``/``2 times``/``double``/``twice`` -> 2.0 (``None`` when it names no multiplier)."""
    w = written.lower().strip()
    if w in MULTIPLIER_WORDS:
        return MULTIPLIER_WORDS[w]
    m = re.search(r"\d+(?:\.\d+)?", w)
    return float(m.group()) if m else None


def _same(written: str | None, value: float | None) -> bool:
    return written is not None and value is not None and abs(float(written) - value) < 1e-9


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


def _parse(text: str) -> OfferSense:
    """The offer text read by patterns (used when the sheet carries no structured offer)."""
    raw = text.strip()
    spelled = spell_out(raw).text
    threshold = next((float(m.group(1)) for m in _THRESHOLD.finditer(spelled)), None)
    scope_m = _SCOPE.search(raw)
    scope = (scope_m.group("scope") or scope_m.group("sale")) if scope_m else None
    if not raw:
        return OfferSense("none", text=raw)
    if BOGO.search(spelled):
        return OfferSense("bogo", 2.0, 1.0, threshold, scope, raw)
    if m := MULTI_BUY.search(spelled):
        return OfferSense("multi_buy", float(m.group("n")), float(m.group("p")), threshold, scope, raw)
    if m := POINTS.search(spelled):
        return OfferSense("points_multiplier", multiplier(m.group("m") or m.group("m2") or ""), None, threshold,
                          scope, raw)
    if FREE_SHIPPING.search(spelled):
        return OfferSense("free_shipping", None, None, threshold, scope, raw)
    if FREE_GIFT.search(spelled):
        return OfferSense("free_gift", None, None, threshold, scope, raw)
    if re.search(r"\bearly\s+access\b", spelled, re.I):
        return OfferSense("early_access", None, None, threshold, scope, raw)
    if m := PERCENT.search(spelled):
        return OfferSense("percent_off", float(m.group(1)), None, threshold, scope, raw)
    for m in _MONEY.finditer(spelled):
        value = float(m.group(1) or m.group(2))
        if value != threshold:
            return OfferSense("amount_off", value, None, threshold, scope, raw)
    return OfferSense("other", None, None, threshold, scope, raw)


def _fallback_equivalents(sense: OfferSense, currency: str) -> tuple[str, ...]:
    v = sense.value
    if sense.kind == "percent_off" and v is not None:
        return (f"{_num(v)}% off", f"{_num(v)} percent off", f"{_num(v)} per cent off")
    if sense.kind == "amount_off" and v is not None:
        return (f"{currency}{_num(v)} off", f"{_num(v)} pounds off" if currency == "£" else "")
    if sense.kind == "bogo":
        return ("buy one get one free", "bogof", "bogo", "2 for 1", "two for one")
    if sense.kind == "points_multiplier" and v == 2:
        return ("double points", "2x points", "twice the points", "points doubled")
    if sense.kind == "free_shipping":
        return ("free shipping", "free delivery", "free postage")
    if sense.kind == "early_access":
        return ("early access",)
    if sense.kind == "other" and sense.text:
        return (sense.text.lower(),)
    return ()


def _from_offer(offer: Any, text: str) -> OfferSense | None:
    kind = getattr(offer, "kind", None)
    if not isinstance(kind, str):
        return None
    equivalents: tuple[str, ...] = ()
    method = getattr(offer, "equivalents", None)
    if callable(method):
        try:
            equivalents = tuple(str(e) for e in method())
        except NotImplementedError:
            equivalents = ()
    return OfferSense(kind, getattr(offer, "value", None), getattr(offer, "paid", None),
                      getattr(offer, "threshold", None), getattr(offer, "scope", None), text, equivalents)


def offer_sense(facts: Any) -> OfferSense:
    """The sheet's offer as the checker reads it: ``facts.offer_terms`` when set, else the offer text."""
    text = str(getattr(facts, "offer", "") or "")
    sense = _from_offer(getattr(facts, "offer_terms", None), text) or _parse(text)
    currency = str(getattr(facts, "currency", "£") or "£")
    extra = tuple(e for e in _fallback_equivalents(sense, currency) if e and e not in sense.equivalents)
    return OfferSense(sense.kind, sense.value, sense.paid, sense.threshold, sense.scope, text,
                      sense.equivalents + extra)


def offer_window(facts: Any) -> float | None:
    """How many days the offer really runs when that is shorter than the time to its deadline (double
    points *this weekend* sent on a Tuesday: 2 days), else ``None``."""
    terms = getattr(facts, "offer_terms", None)
    words = str(getattr(terms, "deadline_words", "") or "").lower()
    deadline, as_of = getattr(facts, "deadline", None), getattr(facts, "as_of", None)
    if not words or deadline is None or as_of is None:
        return None
    digits = re.search(r"\d+", spell_out(words).text)
    if "weekend" in words:
        window = float(min(2, deadline.weekday() - 4))
    elif digits and "hour" in words:
        window = float(digits.group()) / 24
    elif digits and "day" in words:
        window = float(digits.group())
    else:
        return None
    return window if window < (deadline - as_of).days else None
