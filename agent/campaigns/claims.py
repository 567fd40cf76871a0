"""Claims in copy that are not figures: promo codes, offer mechanics and product names.

* **Promo codes** (``code SAVE15``, ``WELCOME10``) must appear in the offer.
* **Offer mechanics** (buy one get one free, 3 for 2, free gifts or delivery, vouchers, cashback,
  bonus points, price matching) must be what the offer says.
* **Product names**: a catalogue title (plurals included: *Copper Watering Cans*) must be one of the
  sheet's products; names from the writer's style examples (:data:`EXAMPLE_ONLY_NAMES`) are
  rejected outright; and a capitalised multi-word phrase that looks like a product (two or more
  capitalised words that are neither common marketing words nor words of the sheet) is flagged.
  Brand, segment, category, month, weekday and channel words never count, and Title Case lines
  (subject lines) are skipped, to keep false alarms rare.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.numwords import spell_out
from memberinsight.agent.campaigns.offer_sense import BOGO, MULTI_BUY, POINTS, OfferSense, offer_sense

EXAMPLE_ONLY_NAMES: tuple[str, ...] = ("Linen Throw", "Bloom & Co", "Bloom and Co", "Oak Serving Board",
                                       "Fern & Field", "Fern and Field")
"""Invented names used in the writer's worked examples: never facts, so never allowed in copy
unless a sheet really has them (tests keep this list in step with ``prompts.SHOTS``)."""
RFM_SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention", "About to Sleep",
                "At Risk", "Can't Lose Them", "Hibernating", "Lost", "No Purchases Yet")

_CODE = re.compile(r"\b(?i:(?:promo|discount|voucher|coupon|offer)\s+)?(?i:code)\b\s*[:\-]?\s*[\"'\u2018\u201c]?"
                   r"(?P<code>[A-Z0-9][A-Za-z0-9_-]{2,})")
_CODE_LIKE = re.compile(r"(?<![\w-])(?=[A-Z0-9_-]*\d)(?=[A-Z0-9_-]*[A-Z])[A-Z][A-Z0-9_-]{3,}(?![\w-])")
_CODE_CUE = re.compile(r"\b(?i:use|enter|apply|quote|type|redeem|with|add|pop\s+in|just\s+use)\s+[\"'\u2018\u201c]?"
                       r"(?P<code>[A-Z][A-Z0-9_-]{3,})[\"'\u2019\u201d]?(?![\w-])"
                       r"|(?P<code2>[A-Z][A-Z0-9_-]{3,})[\"'\u2019\u201d]?\s+(?i:at\s+(?:the\s+)?checkout|when\s+you\s+(?:order|pay"
                       r"|check\s+out))\b")
_NOT_CODES = frozenset({"STOP", "FREE", "NOW", "SALE", "OFF", "BOGOF", "BOGO", "GBP", "USD", "EUR", "THIS", "THAT",
                        "YOUR", "OUR", "HERE", "MORE", "EVERYTHING"})
MECHANICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("buy one get one", re.compile(r"\bbogof?\b|\bbuy\s+(?:one|1|a)\b[^.!?\n]{0,25}?\bget\s+(?:one|1|a|another|the"
                                   r"\s+second)\b", re.I)),
    ("multi-buy", re.compile(r"\b(?:\d+|one)\s+(?:for|4)\s+(?:the\s+price\s+of\s+)?(?:\d+|one)\b(?!\s*(?:%|percent"
                             r"|per\s*cent|days?|weeks?|hours?|months?|[.,]\d))", re.I)),
    ("points", re.compile(POINTS.pattern + r"|\b(?:bonus|extra)\s+(?:loyalty\s+|reward\s+)?points\b"
                          r"|\b(?:loyalty|reward)\s+points\b", re.I)),
    ("voucher", re.compile(r"\b(?:gift\s*cards?|gift\s*vouchers?|vouchers?|coupons?|store\s+credit|cash\s?back"
                           r"|rebates?)\b", re.I)),
    ("price match", re.compile(r"\bprice[\s-]+(?:match(?:ing)?|promise|guarantee)\b", re.I)),
)
_FREE = re.compile(r"(?<![\w-])free\b(?!\s+(?:to|of\s+charge|from|up|time)\b)(?:\s+(?P<noun>[A-Za-z&]+))?", re.I)
_FREE_NOT_OFFER = re.compile(r"\bfeel\s+$", re.I)
_SYNONYMS = {"shipping": "delivery", "postage": "delivery", "p&p": "delivery", "dispatch": "delivery",
             "return": "returns", "gifts": "gift", "samples": "sample"}
_FREE_FILLER = frozenset("for with when on today this and or to you your our every all the a an until till over above "
                         "if by at now in this tonight".split())

_CAP_WORD = r"[A-Z][a-z][A-Za-z'\u2019-]*"
_CAP_RUN = re.compile(rf"(?<![\w'\u2019-]){_CAP_WORD}(?:(?:\s+(?:&|and|of|the|de)\s+|\s+){_CAP_WORD})+")
_CONNECTORS = frozenset({"&", "and", "of", "the", "de"})
_SENTENCE = re.compile(r"[^.!?\n]+")
STOP_CAPITALS = frozenset("""
a about after again all also always an and any are at away back be because been before best bestseller
bestsellers big black bonus brand browse but buy by call can cart chance checkout cheers christmas click club
collection collections come coming customer customers day days deal deals dear delivery deserve discount
discounts discover do don't dont early easter edition email end ending ends enjoy every exclusive explore fall
father's final find for free friday from get gift gifts go good grab great happy hello here hey hi holiday
holidays home hurry in inbox is it it's just kind kindest last latest learn limited look love loyal loyalty
make member members membership miss month more mother's new news newsletter next notification now of off offer
offers on online only opt or order orders our out pick picks points popular price prices push quick ready
recommended regards reply reward rewards sale sales save savings season seasonal see service shipping shop
shopping sign signup sms soon special spring stock store subscribe summer team text thank thanks that the
their them there these they this time to today tonight top treat trending up us valued vip visit we week
weekend welcome what when why winter wishes with you your yours yourself""".split())
"""Capitalised words that do not make a phrase look like a product name (marketing words, greetings,
sign-offs, holidays); months, weekdays and the sheet's own words are added per check."""
_MONTHS = "january february march april may june july august september october november december".split()
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()


def name_pattern(name: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern for ``name`` that also takes its plural (``Cans``), also
    inside the name (``Stainless Steel Bottles 500ml`` for ``Stainless Steel Bottle 500ml``)."""
    words = name.split()
    last_word = max((i for i, w in enumerate(words) if w.isalpha()), default=-1)
    inner = r"\s+".join(re.escape(w) + (r"(?:e?s)?" if i == last_word and i < len(words) - 1 else "")
                        for i, w in enumerate(words))
    return re.compile(rf"(?<!\w){inner}(?:e?s|'s|\u2019s)?(?!\w)", re.I)


def _mechanic_allowed(name: str, written: str, offer: str, sense: OfferSense) -> bool:
    """True when a mechanic as written is the offer's: BOGO may be written ``2 for 1``; a points
    multiplier must be the offer's (``triple points`` is not ``double points``)."""
    if name == "buy one get one":
        return sense.kind == "bogo" or bool(BOGO.search(offer))
    if name == "multi-buy":
        if sense.kind == "bogo" and BOGO.search(written):
            return True
        m = MULTI_BUY.search(spell_out(written).text)
        if sense.kind == "multi_buy" and m:
            return float(m.group("n")) == sense.value and float(m.group("p")) == (sense.paid or 1)
        return sense.kind in ("other",) and bool(MECHANICS[1][1].search(offer))
    if name == "points":
        if sense.kind != "points_multiplier":
            return sense.kind == "other" and bool(MECHANICS[2][1].search(offer))
        m = POINTS.search(spell_out(written).text)
        return m is None or sense.multiplier_ok(m.group("m") or m.group("m2"))
    return bool(dict(MECHANICS)[name].search(offer))


def _norm(noun: str) -> str:
    noun = noun.lower()
    return _SYNONYMS.get(noun, noun)


def check_offer_claims(text: str, facts: FactSheet, problems: list[str], checked: list[str]) -> None:
    """Promo codes and offer mechanics in ``text`` must be the offer's."""
    offer = spell_out(facts.offer).text
    offer_low = offer.lower()
    checked.append("promo codes against the offer")
    codes = {m.group("code") for m in _CODE.finditer(text)} | {m.group() for m in _CODE_LIKE.finditer(text)}
    codes |= {c for m in _CODE_CUE.finditer(text) if (c := m.group("code") or m.group("code2")) not in _NOT_CODES}
    for code in sorted(codes):
        if code.lower() not in offer_low:
            problems.append(f"promo code not in the offer: {code}")
    checked.append("offer mechanics against the offer (multi-buys, free items, vouchers, points)")
    sense = offer_sense(facts)
    for name, pattern in MECHANICS:
        for m in pattern.finditer(text):
            if not _mechanic_allowed(name, m.group(), offer, sense):
                problems.append(f"offer not in the facts: {m.group().strip()} ({name})")
                break
    offer_words = {_norm(w) for w in re.findall(r"[A-Za-z&]+", offer)}
    for m in _FREE.finditer(text):
        if _FREE_NOT_OFFER.search(text[max(0, m.start() - 8):m.start()]):
            continue  # "feel free"
        noun = m.group("noun")
        if "free" not in offer_words:
            problems.append(f"offer not in the facts: {m.group().strip()} (nothing free is offered)")
        elif noun and noun.lower() not in _FREE_FILLER and _norm(noun) not in offer_words:
            problems.append(f"offer not in the facts: {m.group().strip()} (the offer is {facts.offer})")


def _variant_of_product(parts: list[str], content: list[str], opening: bool, product_words: set[str]) -> bool:
    """True for a capitalised phrase that borrows a product's words but adds one of its own
    (*Copperline Coffee Grinder* next to *Copperline Single-Origin Coffee Beans*): an invented product.
    A capitalised first word of a sentence (*Grab Copperline beans*) does not count."""
    new = [w for w in content if not (opening and w == parts[0])]
    return len(new) == 1 and any(w.lower() in product_words for w in parts if w not in content)


def _known_words(facts: FactSheet, extra: Iterable[str]) -> set[str]:
    words = set(re.findall(r"[a-z][a-z'\u2019-]*", (facts.vocabulary() + " " + " ".join(extra)).lower()))
    return words | STOP_CAPITALS | set(_MONTHS) | set(_WEEKDAYS) | {m[:3] for m in _MONTHS} | {d[:3] for d in _WEEKDAYS}


def check_product_names(text: str, scrubbed: str, facts: FactSheet, problems: list[str], checked: list[str]) -> None:
    """Catalogue titles, example-only names and product-like phrases against the sheet.

    ``text`` is the copy as written; ``scrubbed`` has the sheet's own names removed.
    """
    allowed = [n.lower() for _, n in facts.product_name_forms()]
    vocab = facts.vocabulary()
    flagged: list[str] = []
    if facts.catalogue_names:
        checked.append("product names against the facts (plurals included)")
        for name in sorted(facts.catalogue_names, key=len, reverse=True):
            n = name.lower()
            if len(n) > 3 and not any(n in a for a in allowed) and name_pattern(name).search(text):
                problems.append(f"product not in the facts: {name}")
                flagged.append(name)
    checked.append("names from the writer's style examples")
    for name in EXAMPLE_ONLY_NAMES:
        if name.lower() not in vocab and name_pattern(name).search(text):
            problems.append(f"name from the prompt's example, not the facts: {name}")
            flagged.append(name)
    checked.append("product-like names (capitalised phrases) against the facts")
    for name in flagged:
        scrubbed = name_pattern(name).sub(" ", scrubbed)
    known = _known_words(facts, RFM_SEGMENTS)
    product_words = {w for n in facts.product_names() for w in re.findall(r"[a-z][a-z'-]*", n.lower())} - STOP_CAPITALS
    for sentence in _SENTENCE.finditer(scrubbed):
        words = re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", sentence.group())
        capitals = [w for w in words if w[0].isupper()]
        if len(words) >= 4 and len(capitals) >= 0.7 * len(words):
            continue  # Title Case line (a subject line): capitals carry no signal
        for run in _CAP_RUN.finditer(sentence.group()):
            parts = [w for w in re.split(r"\s+", run.group()) if w.lower() not in _CONNECTORS]
            content = [w for w in parts if w.lower().rstrip("s") not in known and w.lower() not in known
                       and w.lower().removesuffix("'s").removesuffix("\u2019s") not in known]
            opening = not sentence.group()[:run.start()].strip()
            if len(content) >= 2 or _variant_of_product(parts, content, opening, product_words):
                problems.append(f"name not in the facts: {run.group()}")
