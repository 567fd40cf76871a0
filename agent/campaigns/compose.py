"""Compose campaign copy from the phrase bank: code picks phrasings by angle and tone and fills in the facts.

Each variant of a campaign takes one angle (urgency, benefit or curiosity) in every part: subject,
preview and each part of the email body (greeting, hook, offer line, product line, call to action,
sign-off), or the whole SMS or push. Phrases are ranked for the variant (its angle, fresh wording,
the play's own phrasing before the shared one, the tone, formality, then a seeded shuffle), filled from the
:class:`~agent.campaigns.facts.FactSheet` and its structured offer, and the first that passes
:func:`~agent.campaigns.grounding.check_copy` (and uses none of the brand's banned words) ships.
No phrase another variant used is reused while an unused one fits, so an A/B test compares real
alternatives. Urgency is offered only when there is an offer with a real deadline.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.campaigns.facts import FactSheet, ProductFact
from agent.campaigns.grounding import CheckResult, check_copy
from agent.campaigns.phrasebank import (
    ANGLES,
    COMMON,
    SMS_SUFFIX,
    TONES,
    Phrase,
    PhraseBank,
    load_phrasebank,
    offer_matches,
    resolve_play,
    resolve_tone,
)
from agent.campaigns.ranking import CANDIDATES, RANKED_PARTS, Ranker
from agent.campaigns.slots import short_date
from memberinsight.errors import DataValidationError

BODY_SLOTS = ("opener", "hook", "offer_line", "product_line", "also_line", "cta", "signoff")
NO_PRODUCTS = frozenset({"review_request"})
"""Plays whose email shows no product picks (a review request asks about what they have)."""
MAX_LISTED = 2
_ANGLE_ORDER = {"urgent": ("urgency", "benefit", "curiosity"), "playful": ("curiosity", "benefit", "urgency"),
                "premium": ("benefit", "curiosity", "urgency"), "friendly": ("benefit", "urgency", "curiosity")}
_FORMALITY = {"premium": ("formal", "neutral", "casual"), "playful": ("casual", "neutral", "formal"),
              "friendly": ("casual", "neutral", "formal"), "urgent": ("neutral", "casual", "formal")}
_REASONS = (("this member", "picked"), ("together", "paired"), ("popular", "popular"))
DraftFn = Callable[[str, str], None]
_SLOT_EXEMPT = ("does not state the offer", "body ends mid-sentence")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
SHORT_WINDOW_DAYS = 3
"""An offer ending within this many days of the send date (a weekend, "today only") has a short window."""
_PLAIN_WORDS = frozenset("""with your this that have just from what we've we'd we'll you're you'll it's there
they them then than when were will would could should about into here more some over only also been like
make made take look shop shopping offer today until ends only before days left""".split())


@dataclass(frozen=True)
class BrandVoice:
    """The brand's voice for every piece: the sign-off under each email and words never to use."""

    signoff: str = "The {brand} team"
    banned_words: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        names = set(re.findall(r"\{([^{}]*)\}", self.signoff))
        if names - {"brand"}:
            raise DataValidationError(f"the brand sign-off may use only {{brand}}, got {self.signoff!r}",
                                      column="brand_signoff")

    @classmethod
    def from_settings(cls, settings: Any) -> BrandVoice:
        """The voice from :class:`~memberinsight.config.Settings` (``brand_signoff``, ``brand_banned_words``)."""
        words = str(getattr(settings, "brand_banned_words", "") or "")
        return cls(signoff=str(getattr(settings, "brand_signoff", "") or cls.signoff),
                   banned_words=frozenset(w.strip().lower() for w in words.split(",") if w.strip()))

    def banned_in(self, text: str) -> str | None:
        """The first banned word ``text`` uses, or None."""
        low = text.lower()
        return next((w for w in sorted(self.banned_words) if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", low)), None)


@dataclass
class ComposedPiece:
    """A shipped piece (subject, preview, body, sms or push): its text, the phrases it is made of, the
    check that passed it, and the candidates rejected before it (text, problems)."""

    part: str
    text: str
    phrase_ids: tuple[str, ...]
    check: CheckResult
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)
    source: str = "composed"


@dataclass
class ComposedVariant:
    """One variant: its angle, its pieces, and (email) the filled text of each body part by slot."""

    index: int
    angle: str
    pieces: list[ComposedPiece]
    slots: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class _Context:
    """What a variant may say: placeholder values, the needs met, the offer's kind and the products."""

    values: dict[str, str]
    available: frozenset[str]
    kind: str | None
    has_offer: bool
    terms: str
    products: list[ProductFact]
    when: str = ""
    """A short offer's window (``this weekend``, ``today only``, ``until Tuesday``): every phrase that
    states the offer but not the deadline says it, so no variant reads as an open-ended offer."""


def _reason(product: ProductFact) -> str:
    low = product.reason.lower()
    return next((tag for key, tag in _REASONS if key in low), "picked")


def _money(facts: FactSheet, value: float) -> str:
    return f"{facts.currency}{value:,.2f}"


def _context(facts: FactSheet) -> _Context:
    offer = facts.offer_terms
    phrase = facts.offer_phrase() if facts.offer.strip() else ""
    values = {"brand": facts.brand, "offer": phrase, "Offer": facts.offer_phrase(start=True) if phrase else ""}
    available = {"offer"} if phrase else {"no_offer"}
    days = (facts.deadline - facts.as_of).days if facts.deadline and facts.as_of else None
    when = ""
    if phrase and facts.deadline and days is not None and days <= SHORT_WINDOW_DAYS:
        # A short window is the reason to act, so it is said in every piece; the deadline reads as a day
        # ("until Sunday", "ends tonight"), never as a count of days.
        values["deadline"] = _near_day(days, facts)
        available.add("deadline")
        when = _short_when(days, facts)
    elif phrase and facts.deadline:
        values["deadline"] = short_date(facts)
        available.add("deadline")
        if days is not None and days >= 2:
            values["days_left"] = f"{days} days"
            available.add("days_left")
    if offer is not None and offer.threshold is not None:
        values["threshold"] = offer.money(offer.threshold)
        available.add("threshold")
    orders = facts.stat("avg_orders")
    if orders is not None and orders >= 1 and "no purchases" not in facts.segment.lower():
        available.add("orders")
    products = [p for p in facts.products if p.name.strip() and not p.name.lower().startswith("our ")]
    if offer is not None and offer.threshold is not None:  # lead with picks that reach the minimum spend
        products.sort(key=lambda p: p.price is None or float(p.price) < float(offer.threshold or 0))
    if products:
        available.add("product")
    if len(products) >= 2:
        available.add("products_2")
    terms = ""
    if phrase:
        terms = offer.terms(facts.as_of) if offer is not None else ""
        if facts.deadline and "Ends " not in terms:  # the sheet's deadline (the offer text named none)
            days = (facts.deadline - facts.as_of).days if facts.as_of else None
            when = {0: "today, ", 1: "tomorrow, "}.get(days, "") if days is not None else ""
            terms = f"{terms} Ends {when}{short_date(facts)}.".strip()
    return _Context(values, frozenset(available), offer.kind if offer is not None else None, bool(phrase), terms,
                    products, when)


def _near_day(days: int, facts: FactSheet) -> str:
    """A deadline at most :data:`SHORT_WINDOW_DAYS` away as copy says it: ``tonight``,
    ``tomorrow``, ``Sunday``."""
    assert facts.deadline is not None
    return {0: "tonight", 1: "tomorrow"}.get(days, facts.deadline.strftime("%A"))


def _short_when(days: int, facts: FactSheet) -> str:
    """When a short offer ends, after the offer: the operator's own safe words (``this weekend``),
    else ``today only`` / ``until tomorrow`` / ``until Sunday``."""
    said = facts.offer_terms.when() if facts.offer_terms is not None else ""
    if said and not said.startswith("until "):  # raters read "today only" for a weekend offer as misframed
        return said
    if days == 0:
        return "today only"
    return "until " + _near_day(days, facts)


def _product_values(ctx: _Context, lead: ProductFact | None, facts: FactSheet) -> tuple[dict[str, str], set[str]]:
    if lead is None:
        return {}, set()
    values = {"product": lead.short_name}
    needs = {"product"}
    if lead.price is not None:
        values["product_price"] = _money(facts, lead.price)
        needs.add("product_price")
    if lead.category:
        values["category"] = lead.category
        needs.add("category")
    return values, needs


def _below_threshold(lead: ProductFact | None, facts: FactSheet) -> bool:
    """True when the offer needs a minimum spend the lead product's price does not reach."""
    offer = facts.offer_terms
    return (lead is not None and lead.price is not None and offer is not None and offer.threshold is not None
            and float(lead.price) < offer.threshold)


def angles_for(tone: str, ctx_has_urgency: bool) -> tuple[str, ...]:
    """The variants' angles in order for ``tone``; urgency only with an offer that has a deadline."""
    order = _ANGLE_ORDER.get(resolve_tone(tone), ANGLES)
    return order if ctx_has_urgency else tuple(a for a in order if a != "urgency")


class _Picker:
    """Ranks and fills phrases for one campaign, remembering what earlier variants used."""

    def __init__(self, bank: PhraseBank, facts: FactSheet, play: str, tone: str, seed: int, voice: BrandVoice,
                 ranker: Ranker | None = None):
        self.bank, self.facts, self.play, self.tone, self.seed, self.voice = bank, facts, play, tone, seed, voice
        self.ranker = ranker
        self.used_ids: set[str] = set()
        self.used_texts: set[str] = set()
        self.keys: dict[str, tuple[Any, ...]] = {}

    def ranked(self, part: str, angle: str, available: set[str], ctx: _Context, reason: str | None,
               variant: int, context: str = "") -> list[Phrase]:
        """Usable phrases, best first: unused, the variant's angle, fresh wording next to ``context``
        (the phrases above it: no shared word, no question after a question), the play's own phrasing
        (written for this audience: raters marked the shared fallbacks generic), the tone, formality,
        then a seeded shuffle."""
        rng = random.Random(self.seed * 7919 + variant * 104729 + zlib.crc32(part.encode()))
        formality = _FORMALITY.get(self.tone, ("neutral", "casual", "formal"))
        out = []
        for p in self.bank.for_part(self.play, part):
            if p.angle not in (angle, "any") or not p.needs <= available:
                continue
            if p.offers and not (ctx.has_offer and offer_matches(p.offers, ctx.kind)):
                continue
            if p.reasons and reason not in p.reasons:
                continue
            if part in ("subject", "sms", "push") and ctx.has_offer != ("offer" in p.needs):
                continue
            out.append(p)
        unpriced = part == "product_line" and "product_price" in available  # a hero shown without its price
        keys = {p.id: (p.id in self.used_ids, p.angle != angle, _clashes(p.text, context), p.play == COMMON,
                       unpriced and "{product_price}" not in p.text, self.tone not in p.tones,
                       formality.index(p.formality), rng.random()) for p in out}
        self.keys.update(keys)
        return sorted(out, key=lambda p: keys[p.id])

    def problems(self, text: str, part: str, *, slot: bool = False) -> tuple[CheckResult, list[str]]:
        """The checker's problems with ``text`` plus the brand's banned words (a body line: no offer needed)."""
        result = check_copy(text, self.facts, part)
        problems = list(result.problems)
        if slot:  # one line of a body: the offer line states the offer; a greeting or sign-off ends in a comma
            problems = [p for p in problems if not p.startswith(_SLOT_EXEMPT)]
        if word := self.voice.banned_in(text):
            problems.append(f"uses a word the brand never uses: {word!r}")
        return result, problems

    def choose(self, part: str, angle: str, values: dict[str, str], available: set[str], ctx: _Context,
               variant: int, *, reason: str | None = None, check_as: str | None = None,
               wrap: Callable[[str], str] = lambda t: t, context: str = "",
               rejected: list[tuple[str, list[str]]] | None = None) -> tuple[Phrase, str, CheckResult] | None:
        """The best phrase for ``part`` that passes the checks once filled (``None`` when none does).

        Words another variant already shipped are used only when nothing else passes.
        """
        ranked = self.ranked(part, angle, available, ctx, reason, variant, context)
        wanted = CANDIDATES if self.ranker is not None and part in RANKED_PARTS else 1
        passing: list[tuple[Phrase, str, CheckResult]] = []
        timed = dict(values)
        when = ctx.when or (f"until {values['deadline']}" if part == "sms" and "deadline" in available else "")
        if when and values.get("offer"):  # a text message always says when its offer ends
            timed["offer"], timed["Offer"] = f"{values['offer']} {when}", f"{values['Offer']} {when}"
        # The offer mid-clause ("we've kept {offer} aside") leaves no room for its window: such phrases
        # come last, as they are, and only when nothing else passes.
        roomy = [p for p in ranked if not when or "{deadline}" in p.text or _offer_ends_clause(p.text)]
        tries = [(p, timed) for p in roomy] + [(p, values) for p in ranked if p not in roomy]
        for phrase, fill in tries:
            if passing and fill is values and phrase not in roomy:
                break
            text = wrap(_capitalise(phrase.fill(values if "{deadline}" in phrase.text else fill)))
            result, problems = self.problems(text, check_as or part, slot=check_as is not None)
            if problems:
                if rejected is not None:
                    rejected.append((text, problems))
                continue
            passing.append((phrase, text, result))
            if sum(t not in self.used_texts for _, t, _ in passing) >= wanted:
                break
        fresh = [p for p in passing if p[1] not in self.used_texts]
        if not (fresh or passing):
            return None
        phrase, text, result = self._best(part, ctx, fresh or passing)
        self.used_ids.add(phrase.id)
        self.used_texts.add(text)
        return phrase, text, result


    def _best(self, part: str, ctx: _Context, pool: list[tuple[Phrase, str, CheckResult]]) -> tuple[Phrase, str, CheckResult]:
        """The first of ``pool``, or with a ranker the one it scores best among those the composer
        ranks equally on what matters (unused, the angle, fresh wording, the play's own phrasing, the tone)."""
        if self.ranker is None or part not in RANKED_PARTS or len(pool) < 2:
            return pool[0]
        lead = self.keys[pool[0][0].id][:6]
        tied = [c for c in pool if self.keys[c[0].id][:6] == lead]
        if len(tied) < 2:
            return pool[0]
        scores = self.ranker.scores(part, self.play, ctx.values.get("offer", ""), [t for _, t, _ in tied])
        return tied[max(range(len(tied)), key=scores.__getitem__)]


def _offer_ends_clause(text: str) -> bool:
    """True when every ``{offer}`` in ``text`` ends its clause (punctuation or the end follows), so words
    saying when it ends can follow it."""
    return all(re.match(r"\s*(?:[.,!?:;]|$)", text[m.end():]) for m in re.finditer(r"\{[Oo]ffer\}", text))


def _words(text: str) -> set[str]:
    """The content words a phrase writes itself (common words and placeholders left out, except the
    deadline: a date said in the subject need not be said again in the preview)."""
    words = set(re.findall(r"[a-z][a-z']{3,}", _PLACEHOLDER.sub(" ", text).lower())) - _PLAIN_WORDS
    stems = {w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in words}  # favourite(s)
    return stems | ({"{deadline}"} if "{deadline}" in text else set())


def _clashes(text: str, context: str) -> bool:
    """True when ``text`` repeats a content word of ``context`` or asks a question right after one."""
    if not context:
        return False
    return bool(_words(text) & _words(context)) or (context.rstrip().endswith("?") and text.rstrip().endswith("?"))


def small_print(terms: str) -> str:
    """The offer's conditions as the email's last line: ``Offer ends Sunday 13 December.``"""
    if terms.startswith(("Ends ", "On ", "When ")):
        return ("Offer " if terms.startswith("Ends ") else "Offer valid ") + terms[0].lower() + terms[1:]
    return terms


def signature(voice: BrandVoice, brand: str) -> str:
    """The line under the sign-off; a shop without a name (``our shop``) signs as ``The team``."""
    if brand.strip().lower().startswith("our ") and "{brand}" in voice.signoff:
        return "The team" if voice.signoff == BrandVoice.signoff else voice.signoff.replace("{brand}", "us")
    return voice.signoff.format(brand=brand)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].isalpha() else text


def _product_list(products: Sequence[ProductFact], facts: FactSheet) -> list[str]:
    return [f"- {p.name}, {_money(facts, p.price)}" if p.price is not None else f"- {p.name}" for p in products]


def _body(picker: _Picker, angle: str, ctx: _Context, values: dict[str, str], available: set[str], variant: int,
          lead: ProductFact | None, play: str,
          above: Sequence[str] = ()) -> tuple[str, dict[str, str], list[str], list[tuple[str, list[str]]]]:
    """The email body for one variant: each slot chosen and checked, then the whole body.

    ``above``: the subject's and preview's phrases, whose wording the body does not repeat.
    """
    chosen: dict[str, str] = {}
    raw: list[str] = list(above)  # the phrases chosen so far, unfilled (for fresh wording in the next slot)
    ids: list[str] = []
    rejected: list[tuple[str, list[str]]] = []
    show_products = lead is not None and play not in NO_PRODUCTS
    for slot in BODY_SLOTS:
        if slot == "offer_line" and not ctx.has_offer:
            continue
        if slot in ("product_line", "also_line") and not show_products:
            continue
        if slot == "also_line" and "products_2" not in available:
            continue
        got = picker.choose(slot, angle, values, available, ctx, variant, check_as="body",
                            reason=_reason(lead) if lead is not None and slot == "product_line" else None,
                            context=" ".join(raw), rejected=rejected)
        if got is None:
            if slot in ("hook", "offer_line", "opener", "cta", "signoff"):
                raise DataValidationError(f"no {slot} phrase for play {play!r} passes the checks for this offer",
                                          column="offer")
            continue
        ids.append(got[0].id)
        raw.append(got[0].text)
        chosen[slot] = got[1]
    lines = [chosen["opener"], "", " ".join(chosen[s] for s in ("hook", "offer_line") if s in chosen)]
    if "product_line" in chosen:
        lines += ["", chosen["product_line"]]
        others = [p for p in ctx.products if p is not lead][:MAX_LISTED]
        if others and "also_line" in chosen:
            lines += [chosen["also_line"], *_product_list(others, picker.facts)]
    lines += ["", chosen["cta"], "", chosen["signoff"], signature(picker.voice, picker.facts.brand)]
    if picker.facts.landing_url:
        lines.insert(-3, picker.facts.landing_url)
    if ctx.terms:
        lines += ["", small_print(ctx.terms)]
    return "\n".join(lines), chosen, ids, rejected


def compose(facts: FactSheet, channel: str, play: str = "win_back", tone: str = "friendly", n_variants: int = 3,
            seed: int = 42, *, voice: BrandVoice | None = None, bank: PhraseBank | None = None,
            on_draft: DraftFn | None = None, ranker: Ranker | None = None) -> list[ComposedVariant]:
    """``n_variants`` variants of copy for ``channel`` (email, sms or push), each from a different angle.

    Every figure, date, product and the offer come from ``facts``; every shipped piece passed
    :func:`check_copy`. ``on_draft(label, text)`` sees each piece as it is composed (labels
    ``subject 1``, ``preview 1``, ``body 1``, ``sms 2``...). Raises
    :class:`~memberinsight.errors.DataValidationError` when no phrasing of a part passes the checks.
    ``ranker`` (:mod:`agent.campaigns.ranking`) chooses among up to three checked phrasings of the
    parts that carry the message; without one the composer's own order decides.
    """
    if channel not in ("email", "sms", "push"):
        raise DataValidationError(f"channel must be email, sms or push, got {channel!r}", column="channel")
    tone = resolve_tone(tone)
    if tone not in TONES:
        raise DataValidationError(f"tone must be one of {', '.join(TONES)}, got {tone!r}", column="tone")
    bank = bank or load_phrasebank()
    voice = voice or BrandVoice()
    key = resolve_play(play)
    ctx = _context(facts)
    angles = angles_for(tone, "deadline" in ctx.available)
    picker = _Picker(bank, facts, key, tone, seed, voice, ranker)
    out: list[ComposedVariant] = []
    for i in range(n_variants):
        angle = angles[i % len(angles)]
        lead = ctx.products[i % len(ctx.products)] if ctx.products else None
        extra, extra_needs = _product_values(ctx, lead, facts)
        values = {**ctx.values, **extra}
        available = set(ctx.available - {"product"}) | extra_needs
        if "products_2" in ctx.available:
            available.add("products_2")
        pieces: list[ComposedPiece] = []
        slots: dict[str, str] = {}
        above: list[str] = []  # the subject's and preview's phrases (the body words itself afresh)
        parts = ("subject", "preview", "body") if channel == "email" else (channel,)
        for part in parts:
            label = f"{part} {i + 1}"
            rejected: list[tuple[str, list[str]]] = []
            if part == "body":
                text, slots, ids, rejected = _body(picker, angle, ctx, values, available, i, lead, key, above)
                if on_draft is not None:
                    on_draft(label, text)
                result, problems = picker.problems(text, "body")
                if problems:
                    raise DataValidationError("the composed email body fails the checks: " + "; ".join(problems),
                                              column="offer")
                pieces.append(ComposedPiece(part, text, tuple(ids), result, rejected))
                continue
            wrap = (lambda t: t.rstrip() + SMS_SUFFIX) if part == "sms" else (lambda t: t)
            # A short piece that pairs the product with a spend threshold it does not reach reads as if the
            # offer applied to it ("the £5.86 toy? Free delivery on orders over £40 to try it").
            short_available = available - {"product", "product_price"} if _below_threshold(lead, facts) else available
            got = picker.choose(part, angle, values, short_available, ctx, i, wrap=wrap, context=" ".join(above),
                                rejected=rejected)
            if got is None:
                raise DataValidationError(f"no {part} phrase for play {key!r} passes the checks for this offer "
                                          f"(tried {len(rejected)}): " + "; ".join(p for _, ps in rejected[:1]
                                                                                   for p in ps), column="offer")
            phrase, text, result = got
            above.append(phrase.text)
            if on_draft is not None:
                on_draft(label, text)
            pieces.append(ComposedPiece(part, text, (phrase.id,), result, rejected))
            slots[part] = text
        out.append(ComposedVariant(i + 1, angle, pieces, slots, {k: v for k, v in values.items() if v}))
    return out
