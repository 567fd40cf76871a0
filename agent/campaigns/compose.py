"""Compose campaign copy from the phrase bank: code picks phrasings by angle and tone and fills in the facts.

Each variant takes one angle (urgency, benefit or curiosity) in every part: subject, preview and
each part of the email body (greeting, hook, offer line, product line, call to action, sign-off),
or the whole SMS or push. Each variant also speaks in one tone and one register: a casual greeting
never meets a formal preview or sign-off, and a playful tone becomes friendly for customers who have
gone quiet or are regulars (:func:`~agent.campaigns.voice.voice_tone`). Phrases are ranked for the
variant (its register and tone, unused, the customer's situation, the angle, fresh wording next to the
phrases above, the name in a short piece, the play's own phrasing before the shared one, formality,
then a seeded shuffle), filled
from the :class:`~agent.campaigns.facts.FactSheet` and its structured offer
(:mod:`agent.campaigns.variant_facts`), and the first that passes
:func:`~agent.campaigns.grounding.check_copy`, the coherence checks
(:mod:`agent.campaigns.coherence`: nothing said twice, a preview that adds to its subject, one
question at most) and uses none of the brand's banned words ships (an email's body is built slot by
slot: :mod:`agent.campaigns.email_body`). The body's first line names the
customer's situation: a first-time customer is welcomed, one who has gone quiet hears that we noticed
the gap. No phrase another variant used is reused while an unused one fits, so an A/B test compares
real alternatives. Urgency is offered only when there is an offer with a real deadline.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from memberinsight.agent.campaigns.coherence import variant_problems
from memberinsight.agent.campaigns.email_body import BODY_SLOTS, MAX_LISTED, NO_PRODUCTS, email_body
from memberinsight.agent.campaigns.facts import FactSheet, ProductFact
from memberinsight.agent.campaigns.grounding import CheckResult, check_copy
from memberinsight.agent.campaigns.phrasebank import (
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
from memberinsight.agent.campaigns.ranking import CANDIDATES, RANKED_PARTS, Ranker
from memberinsight.agent.campaigns.short_checks import short_coherence
from memberinsight.agent.campaigns.variant_facts import (
    NOT_YET,
    SHORT_EXPLAINED,
    SHORT_WINDOW_DAYS,
    Context,
    below_threshold,
    context,
    lead_products,
    mixed_picks,
    product_values,
)
from memberinsight.agent.campaigns.voice import BrandVoice, register, voice_tone
from memberinsight.agent.campaigns.wording import capitalise as _capitalise
from memberinsight.agent.campaigns.wording import clashes as _clashes
from memberinsight.agent.campaigns.wording import offer_ends_clause as _offer_ends_clause
from memberinsight.errors import DataValidationError

__all__ = ["BODY_SLOTS", "NO_PRODUCTS", "SHORT_WINDOW_DAYS", "BrandVoice", "ComposedPiece", "ComposedVariant",
           "angles_for", "compose", "register", "voice_tone"]

_ANGLE_ORDER = {"urgent": ("urgency", "benefit", "curiosity"), "playful": ("curiosity", "benefit", "urgency"),
                "premium": ("benefit", "curiosity", "urgency"), "friendly": ("benefit", "urgency", "curiosity")}
NATIVE = {"win_back": "lapsed", "welcome": "new", "thank_you": "loyal"}
"""Plays whose own phrases are written for one situation (a win-back's all acknowledge the gap)."""
SITUATION_HOOKS = frozenset({"lapsed", "new"})
"""Situations whose email must open by naming them: a win-back acknowledges the gap, a first order is welcomed."""
PREVIEW_SITUATIONS = frozenset({"new", "recent", "loyal", "slowing", "lapsed"})  # a preview for them first
UNTHANKED = frozenset({"lapsed", "slowing"})  # nothing recent to thank for: "with our thanks" reads "for what?"
THANKED_PLAYS = frozenset({"review_request"})  # thanks for what the message asks for (a review)
THANKS = re.compile(r"\bthanks?\b|\bthank-you\b|\breward(?:ing)?\s+you\s+for\b", re.I)
MAX_BARRED = 4  # body lines a preview may give up before the email fails (a small play's previews share words)
BARRABLE = ("hook", "offer_line", "product_line", "also_line")  # in this order; never the greeting, CTA or sign-off
SHIPPED_ONCE = ("sms", "push", "subject", "preview")  # no two variants share one word for word (set 10)
DraftFn = Callable[[str, str], None]
Check = Callable[[str], list[str]]
_SLOT_EXEMPT = ("does not state the offer", "body ends mid-sentence")


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
    """One variant: its angle and tone, its pieces, and (email) the filled text of each body part by slot."""

    index: int
    angle: str
    pieces: list[ComposedPiece]
    slots: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    tone: str = ""


def angles_for(tone: str, ctx_has_urgency: bool) -> tuple[str, ...]:
    """The variants' angles in order for ``tone``; urgency only with an offer that has a deadline."""
    order = _ANGLE_ORDER.get(resolve_tone(tone), ANGLES)
    return order if ctx_has_urgency else tuple(a for a in order if a != "urgency")


class _Picker:
    """Ranks and fills phrases for one campaign, remembering what earlier variants used."""

    def __init__(self, bank: PhraseBank, facts: FactSheet, play: str, tone: str, seed: int, voice: BrandVoice,
                 ranker: Ranker | None = None, situation: str | None = None):
        self.bank, self.facts, self.play, self.tone, self.seed, self.voice = bank, facts, play, tone, seed, voice
        self.ranker, self.situation = ranker, situation
        self.register = register(tone)
        self.forms: set[str] = set()
        """The formality of the phrases the current variant has used: casual and formal never meet in one."""
        self.used_ids: set[str] = set()
        self.used_texts: set[str] = set()
        self.shipped: set[str] = set()
        """The whole SMS and push texts earlier variants shipped (a variant never repeats one)."""
        self.keys: dict[str, tuple[Any, ...]] = {}
        self.any_preview = False  # True while a preview for anyone may be used (none for their situation passed)
        self.barred: set[str] = set()  # body lines given up for the variant (its preview could not avoid them)

    def fits_situation(self, p: Phrase) -> bool:
        """True when ``p`` is written for the customer's situation (tagged so, or the play's own for its situation)."""
        return self.situation is not None and (self.situation in p.situations or (
            p.play == self.play and NATIVE.get(self.play) == self.situation))

    def ranked(self, part: str, angle: str, available: set[str], ctx: Context, reason: str | None,
               variant: int, context: str = "") -> list[Phrase]:
        """Usable phrases, best first (see the module docstring for the order)."""
        rng = random.Random(self.seed * 7919 + variant * 104729 + zlib.crc32(part.encode()))
        out = []
        for p in self.bank.for_part(self.play, part):
            if p.angle not in (angle, "any") or not p.needs <= available or p.id in self.barred:
                continue
            if p.offers and not (ctx.has_offer and offer_matches(p.offers, ctx.kind)):
                continue
            if p.reasons and reason not in p.reasons:
                continue
            if p.situations and self.situation not in p.situations:
                continue
            if {p.formality, *self.forms} >= {"casual", "formal"}:
                continue
            if part in ("subject", "sms", "push") and ctx.has_offer != ("offer" in p.needs):
                continue
            if ctx.starts_later and NOT_YET.search(p.text):  # the window has not opened yet
                continue
            out.append(p)
        if part == "hook" and self.situation in SITUATION_HOOKS:  # the body opens with their situation
            out = [p for p in out if self.fits_situation(p)] or out
        if part in ("sms", "push") and self.situation is not None:  # a short piece speaks to this audience
            out = [p for p in out if self.fits_situation(p)] or out
        if part == "preview" and self.situation in PREVIEW_SITUATIONS and not self.any_preview:
            out = [p for p in out if self.fits_situation(p)] or out  # a lapsed preview acknowledges the gap
        if self.situation in UNTHANKED and self.play not in THANKED_PLAYS:  # "with our thanks": thanks for what?
            out = [p for p in out if not THANKS.search(p.text)] or out
        unpriced = part == "product_line" and "product_price" in available  # a hero shown without its price
        order = (*self.register, *(f for f in ("casual", "neutral", "formal") if f not in self.register))
        keys = {p.id: ((p.formality not in self.register) + (self.tone not in p.tones), p.id in self.used_ids,
                       not self.fits_situation(p), p.angle != angle, _clashes(p.text, context),
                       part in ("sms", "push") and "{first_name}" not in p.text, p.play == COMMON,
                       unpriced and "{product_price}" not in p.text, order.index(p.formality), rng.random())
                for p in out}
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

    def choose(self, part: str, angle: str, values: dict[str, str], available: set[str], ctx: Context,
               variant: int, *, reason: str | None = None, check_as: str | None = None,
               wrap: Callable[[str], str] = lambda t: t, context: str = "", coherent: Check | None = None,
               rejected: list[tuple[str, list[str]]] | None = None,
               say_window: bool = False) -> tuple[Phrase, str, CheckResult] | None:
        """The best phrase for ``part`` that passes the checks once filled (``None`` when none does);
        ``coherent(text)`` lists what the text repeats of the pieces around it (a problem rejects it too);
        ``say_window``: only phrases that say a short window (``ctx.when``), as a text or push always does.

        Words another variant already shipped are used only when nothing else passes.
        """
        ranked = self.ranked(part, angle, available, ctx, reason, variant, context)
        wanted = CANDIDATES if self.ranker is not None and part in RANKED_PARTS else 1
        passing: list[tuple[Phrase, str, CheckResult]] = []
        timed = dict(values)
        dated = ctx.dated if part not in ("subject", "preview", "push") else ""  # the days, where there is room
        short = part in ("sms", "push") and "deadline" in available  # a text or push says when its offer ends
        when = dated or ctx.when or (f"until {values['deadline']}" if short else "") or (
            "from today" if part == "sms" and ctx.kind == "early_access" else "")  # access opens when it is sent
        if when and values.get("offer"):  # a text message or push always says when its offer ends (set 11)
            timed["offer"], timed["Offer"] = f"{values['offer']} {when}", f"{values['Offer']} {when}"
        # The offer mid-clause ("we've kept {offer} aside") leaves no room for its window: such phrases
        # come last, as they are, and only when nothing else passes.
        roomy = [p for p in ranked if not when or "{deadline}" in p.text or _offer_ends_clause(p.text)]
        tries = [(p, timed) for p in roomy]
        if not ctx.starts_later and not (ctx.when and (say_window or part in ("sms", "push"))) and not (
                part == "sms" and when):
            # an offer that starts later, and a short window in a text or push, always say when it runs
            tries += [(p, values) for p in ranked if p not in roomy]
            if part in ("subject", "push") and when:  # a long window may not fit a subject or push line
                tries += [(p, values) for p in roomy if "{deadline}" not in p.text]
        for phrase, fill in tries:
            if passing and fill is values and phrase not in roomy:
                break
            text = wrap(_capitalise(phrase.fill(values if "{deadline}" in phrase.text else fill)))
            result, problems = self.problems(text, check_as or part, slot=check_as is not None)
            if coherent is not None:
                problems += coherent(text)
            if problems:
                if rejected is not None:
                    rejected.append((text, problems))
                continue
            passing.append((phrase, text, result))
            if sum(t not in self.used_texts and not self.keys[p.id][0] for p, t, _ in passing) >= wanted:
                break
        if not passing:
            return None
        if part in SHIPPED_ONCE:  # words another variant shipped only when no other passes, whatever their voice
            passing = [c for c in passing if c[1] not in self.shipped] or passing
        # The variant's register and tone come first (one voice per variant), then fresh words.
        top = min(self.keys[p.id][0] for p, _, _ in passing)
        passing = [c for c in passing if self.keys[c[0].id][0] == top]
        fresh = [c for c in passing if c[1] not in self.used_texts]
        phrase, text, result = self._best(part, ctx, fresh or passing)
        self.used_ids.add(phrase.id)
        self.used_texts.add(text)
        self.forms.add(phrase.formality)
        return phrase, text, result

    def _best(self, part: str, ctx: Context, pool: list[tuple[Phrase, str, CheckResult]]) -> tuple[Phrase, str, CheckResult]:
        """The first of ``pool``, or with a ranker the one it scores best among those the composer
        ranks equally on what matters (everything but formality and the shuffle)."""
        if self.ranker is None or part not in RANKED_PARTS or len(pool) < 2:
            return pool[0]
        lead = self.keys[pool[0][0].id][:-2]
        tied = [c for c in pool if self.keys[c[0].id][:-2] == lead]
        if len(tied) < 2:
            return pool[0]
        scores = self.ranker.scores(part, self.play, ctx.values.get("offer", ""), [t for _, t, _ in tied])
        return tied[max(range(len(tied)), key=scores.__getitem__)]


def compose(facts: FactSheet, channel: str, play: str = "win_back", tone: str = "friendly", n_variants: int = 3,
            seed: int = 42, *, voice: BrandVoice | None = None, bank: PhraseBank | None = None,
            on_draft: DraftFn | None = None, ranker: Ranker | None = None) -> list[ComposedVariant]:
    """``n_variants`` variants of copy for ``channel`` (email, sms or push), each from a different angle.

    Every figure, date, product and the offer come from ``facts``; every shipped piece passed
    :func:`check_copy` and every variant :func:`~agent.campaigns.coherence.variant_problems`.
    ``on_draft(label, text)`` sees each piece as it is composed (labels ``subject 1``, ``preview 1``,
    ``body 1``, ``sms 2``...). Raises :class:`~memberinsight.errors.DataValidationError` when no
    phrasing of a part passes the checks. ``ranker`` (:mod:`agent.campaigns.ranking`) chooses among up
    to three checked phrasings of the parts that carry the message; without one the composer's own
    order decides.
    """
    if channel not in ("email", "sms", "push"):
        raise DataValidationError(f"channel must be email, sms or push, got {channel!r}", column="channel")
    tone = resolve_tone(tone)
    if tone not in TONES:
        raise DataValidationError(f"tone must be one of {', '.join(TONES)}, got {tone!r}", column="tone")
    bank = bank or load_phrasebank()
    voice = voice or BrandVoice()
    key = resolve_play(play)
    ctx = context(facts)
    spoken = voice_tone(tone, ctx.situation)
    angles = angles_for(spoken, "deadline" in ctx.available)
    picker = _Picker(bank, facts, key, spoken, seed, voice, ranker, ctx.situation)
    leads = lead_products(ctx, facts, key)
    out: list[ComposedVariant] = []
    for i in range(n_variants):
        angle = angles[i % len(angles)]
        lead = leads[i % len(leads)] if leads else None
        extra, extra_needs = product_values(lead, facts)
        values = {**ctx.values, **extra}
        available = set(ctx.available - {"product"}) | extra_needs
        if key == "replenishment":  # chosen only for things that run out: "stock up" reads true
            available.add("consumable")
        if "products_2" in ctx.available:
            available.add("products_2")
        slots: dict[str, str] = {}
        above: list[str] = []  # the phrases chosen so far, unfilled (for fresh wording in the next part)
        picker.forms = set()
        made: dict[str, ComposedPiece] = {}
        # An email's body comes before its preview: the body's first line names the customer's situation
        # (its choice is narrow), and the preview, chosen from a wider pool, must not repeat it.
        first = "subject" if channel == "email" else channel
        made[first] = _short_piece(picker, first, angle, values, available, ctx, i, lead, above, slots)
        if channel == "email":
            made["body"], made["preview"] = _body_and_preview(picker, angle, ctx, values, available, i, lead, key,
                                                              above, slots)
        order = ("subject", "preview", "body") if channel == "email" else (channel,)
        if channel == "email":
            problems = variant_problems({part: made[part].text for part in order}, facts)
            if problems:
                raise DataValidationError("the composed email fails the checks: " + "; ".join(problems),
                                          column="offer")
        for part in order:
            if on_draft is not None:
                on_draft(f"{part} {i + 1}", made[part].text)
        out.append(ComposedVariant(i + 1, angle, [made[part] for part in order], slots,
                                   {k: v for k, v in values.items() if v}, spoken))
    return out


def _body_and_preview(picker: _Picker, angle: str, ctx: Context, values: dict[str, str], available: set[str], i: int,
                      lead: ProductFact | None, key: str, above: list[str],
                      slots: dict[str, str]) -> tuple[ComposedPiece, ComposedPiece]:
    """The email body, then a preview that does not repeat it. When no preview passes (the body's opening
    took the words every preview needs), the body is written again without its lines one by one: its hook, its
    offer line, its product line, then the line above the other picks ("More picks for you, while the offer lasts")."""
    saved = (list(above), dict(slots), set(picker.forms), set(picker.used_ids), set(picker.used_texts))
    barred = set(picker.barred)
    try:
        while True:
            body = _email_body(picker, angle, ctx, values, available, i, lead, key, above, slots)
            try:
                return body, _short_piece(picker, "preview", angle, values, available, ctx, i, lead, above, slots)
            except DataValidationError:
                tries = len(picker.barred - barred)
                lines = [p for p in body.phrase_ids if p.split(":")[1] in BARRABLE]  # ids are file:part:angle:n
                if tries >= min(MAX_BARRED, len(lines)):
                    raise
                picker.barred.add(lines[tries])
                above[:] = saved[0]
                slots.clear()
                slots.update(saved[1])
                picker.forms, picker.used_ids, picker.used_texts = set(saved[2]), set(saved[3]), set(saved[4])
    finally:
        picker.barred = barred


def _email_body(picker: _Picker, angle: str, ctx: Context, values: dict[str, str], available: set[str], i: int,
                lead: ProductFact | None, key: str, above: list[str], slots: dict[str, str]) -> ComposedPiece:
    """The checked email body of variant ``i`` (its slots are recorded in ``slots``)."""
    text, body_slots, ids, rejected = email_body(picker, angle, ctx, values, available, i, lead, key, above,
                                                 slots.get("subject", ""))
    slots.update(body_slots)
    slots["body"] = text
    result, problems = picker.problems(text, "body")
    if problems:
        raise DataValidationError("the composed email body fails the checks: " + "; ".join(problems), column="offer")
    return ComposedPiece("body", text, tuple(ids), result, rejected)


def _short_piece(picker: _Picker, part: str, angle: str, values: dict[str, str], available: set[str], ctx: Context,
                 i: int, lead: ProductFact | None, above: list[str], slots: dict[str, str]) -> ComposedPiece:
    """A subject, preview, SMS or push for variant ``i``, checked (including against the pieces in ``slots``)."""
    facts = picker.facts
    wrap: Callable[[str], str] = (lambda t: t.rstrip() + SMS_SUFFIX) if part == "sms" else (lambda t: t)
    # A short piece that pairs the product with a spend threshold it does not reach reads as if the
    # offer applied to it ("the £5.86 toy? Free delivery on orders over £40 to try it").
    short = available - {"product", "product_price"} if part != "preview" and below_threshold(lead, facts) else available
    if part != "preview" and ctx.kind == "early_access":  # "the X? Early access to the sale" implies X is in it
        short = short - {"product", "product_price"}
    if part == "preview" and "product_line" in slots:  # the body's hero line names the product: the preview adds
        short = short - {"product", "product_price"}
    if part == "preview" and "also_line" in slots and mixed_picks(ctx.products, lead, MAX_LISTED):
        short = short - {"category"}  # "a selection from our Outdoor range" over picks from several
        available = available - {"category"}
    rejected: list[tuple[str, list[str]]] = []
    got = None
    # Best first: (SMS for a customer new to the offer) with how it works; distinct from the earlier variants;
    # an SMS that stays one message with a long first name. Each is given up only when nothing passes.
    note = SHORT_EXPLAINED.get(ctx.explain, ctx.explain)
    explained = (lambda t: f"{t.rstrip()} {note}{SMS_SUFFIX}") if part == "sms" and note else None
    levels = [(explained, picker.shipped, True)] if explained is not None else []
    levels += [(wrap, picker.shipped, True), (wrap, set(), True), (wrap, set(), False)]
    for how, shipped, roomy in levels:
        for other in (angle, *(a for a in ANGLES if a != angle)) if shipped and part in ("sms", "push") else (angle,):
            # another angle's hook before one that repeats an earlier variant's in other words (set 11)
            got = picker.choose(part, other, values, short, ctx, i, wrap=how, context=" ".join(above),
                                coherent=short_coherence(part, slots, facts, shipped, name_room=roomy), rejected=rejected)
            if got is not None:
                break
        if got is not None:
            break
    for other, pool in [(a, short) for a in ANGLES if a != angle] + [(a, available) for a in (angle, *ANGLES)]:
        if got is not None:
            break
        # No phrasing of this angle fits (a long offer leaves no room for its deadline in a subject): another
        # angle, the body says the deadline; last, a short piece may name the product again.
        got = picker.choose(part, other, values, pool, ctx, i, wrap=wrap, context=" ".join(above),
                            coherent=short_coherence(part, slots, facts), rejected=rejected)
    if got is None and part == "preview" and not picker.any_preview:  # none for their situation: one for anyone
        picker.any_preview = True
        try:
            return _short_piece(picker, part, angle, values, available, ctx, i, lead, above, slots)
        finally:
            picker.any_preview = False
    if got is not None and part in SHIPPED_ONCE and got[1] in picker.shipped:
        # the angle's phrases are spent (few fit a window like "this weekend"): another angle, not a repeat
        picker.any_preview = part == "preview"  # a preview for anyone before the same words twice
        retries = [(a, short) for a in ANGLES if a != angle] + [(a, available) for a in (angle, *ANGLES)]
        for other, pool in retries:  # last, a subject or preview may name the product the body shows
            fresh = picker.choose(part, other, values, pool, ctx, i, wrap=wrap, context=" ".join(above),
                                  coherent=short_coherence(part, slots, facts))
            if fresh is not None and fresh[1] not in picker.shipped:
                got = fresh
                break
        picker.any_preview = False
    if got is not None and part in SHIPPED_ONCE:
        picker.shipped.add(got[1])
    if got is None:
        raise DataValidationError(f"no {part} phrase for play {picker.play!r} passes the checks for this offer "
                                  f"(tried {len(rejected)}): " + "; ".join(p for _, ps in rejected[:1] for p in ps),
                                  column="offer")
    phrase, text, result = got
    above.append(phrase.text)
    slots[part] = text
    return ComposedPiece(part, text, (phrase.id,), result, rejected)
