"""The phrase bank: hand-written campaign phrases, tagged, held in YAML files a CRM team can edit.

Each file under ``agent/campaigns/phrases/`` (and any folder named by the ``copy_phrases_dir``
setting) holds the phrases of one play (``play: win_back``) or the parts every play shares
(``play: common``), grouped by part and angle::

    play: win_back
    parts:
      subject:
        urgency:
          - {text: "{first_name}, {offer} until {deadline}", tone: [friendly, urgent], formality: neutral}

A phrase is tagged by **angle** (urgency, benefit, curiosity, or ``any``), **tone** (friendly,
premium, playful, urgent, or ``all``), **formality** (casual, neutral, formal) and **length**
(short, medium, long: measured, and checked when given). ``needs`` lists what must be true for it
to be used (``orders``: the audience has bought before; ``no_offer``: only when there is no offer;
the placeholders it uses add their own needs), ``offers`` the offer kinds it reads well with
(:data:`OFFER_GROUPS` names count), ``reasons`` the product reasons a product line fits, and
``situations`` where the customer stands (:data:`SITUATIONS`: a phrase that welcomes a first order or
acknowledges a gap is tagged so, and used only there).

Everything is validated at load (:func:`load_phrasebank`): known keys, tags and placeholders,
``{Offer}`` at a sentence start and ``{offer}`` elsewhere, no internal vocabulary, unsupported
claims, pressure, gimmicks or generic lines (:mod:`agent.campaigns.phrase_rules`), and a length that
fits the channel once filled with typical values. Wording that is true only in some cases adds its
own need (``it`` after a product: ``singular``). A bad entry raises
:class:`~memberinsight.errors.DataValidationError` naming the file and the phrase.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from memberinsight.agent.campaigns.grounding import sms_length
from memberinsight.agent.campaigns.phrase_rules import (
    GENERIC,
    GIMMICK,
    INTERNAL_WORDS,
    PRESSURE,
    PUSH_SHOWN,
    UNSUPPORTED_CLAIMS,
    implied_needs,
    problems_with,
)
from memberinsight.errors import DataValidationError

__all__ = ["ANGLES", "COMMON", "GENERIC", "GIMMICK", "INTERNAL_WORDS", "PHRASES_DIR", "PLAYS", "PRESSURE", "SITUATIONS",
           "TONES", "UNSUPPORTED_CLAIMS", "Phrase", "PhraseBank", "load_phrasebank", "offer_matches", "parse_phrase_file",
           "resolve_play", "resolve_tone", "validate_phrase_files"]

PHRASES_DIR = Path(__file__).parent / "phrases"
PLAYS = ("win_back", "thank_you", "welcome", "replenishment", "cross_sell", "early_access", "price_drop",
         "review_request", "loyalty_points")
PLAY_ALIASES = {"reactivation": "win_back", "onboarding": "welcome", "loyalty": "loyalty_points", "vip": "thank_you"}
"""Keys of :data:`agent.campaigns.plays.PLAYS` (and short names) read as a phrase-bank play."""
COMMON = "common"
EMAIL_PARTS = ("subject", "preview", "opener", "hook", "offer_line", "product_line", "also_line", "cta", "signoff")
PARTS = (*EMAIL_PARTS, "sms", "push")
ANGLES = ("urgency", "benefit", "curiosity")
TONES = ("friendly", "premium", "playful", "urgent")
TONE_ALIASES = {"professional": "premium"}
FORMALITY = ("casual", "neutral", "formal")
LENGTHS = ("short", "medium", "long")
REASONS = ("picked", "popular", "paired")
OFFER_KINDS = ("percent_off", "amount_off", "free_shipping", "bogo", "multi_buy", "points_multiplier",
               "early_access", "free_gift")
OFFER_GROUPS: dict[str, tuple[str, ...]] = {
    "money_off": ("percent_off", "amount_off"),
    "perk": ("free_shipping", "free_gift"),
    "deal": ("bogo", "multi_buy"),
    "points": ("points_multiplier",),
    "access": ("early_access",),
    "reward": ("percent_off", "amount_off", "free_shipping", "free_gift", "points_multiplier", "early_access"),
    "singular": ("percent_off", "amount_off", "free_shipping", "free_gift", "early_access"),
    "with_ok": ("percent_off", "amount_off", "free_shipping", "points_multiplier", "early_access"),
}
"""Named groups of offer kinds: ``reward`` reads after "enjoy"; ``singular`` takes "is" and "ends";
``with_ok`` reads after "with" (not "with buy one, get one free" or "with a free gift with orders...")."""
PLACEHOLDERS = ("first_name", "brand", "offer", "Offer", "deadline", "days_left", "product", "product_price",
                "category", "threshold")
NEEDS = ("offer", "no_offer", "deadline", "days_left", "product", "product_price", "category", "threshold",
         "orders", "products_2", "singular", "low_price", "no_threshold", "knows_points", "consumable")
SITUATIONS = ("new", "recent", "loyal", "slowing", "lapsed")
"""Where the customer stands (:func:`agent.campaigns.meaning.segment_class`): a first order, a few recent
ones, a regular, buying less often, or gone quiet. A phrase tagged ``situations`` is used only there."""
_PLACEHOLDER_NEEDS = {"offer": "offer", "Offer": "offer", "deadline": "deadline", "days_left": "days_left",
                      "product": "product", "product_price": "product_price", "category": "category",
                      "threshold": "threshold"}
TYPICAL: dict[str, str] = {
    "first_name": "{first_name}", "brand": "Fernhill Market", "offer": "£10 off your next order",
    "Offer": "£10 off your next order", "deadline": "Sunday 13 December", "days_left": "14 days",
    "product": "Stoneware Pasta Bowl Set", "product_price": "£124.99", "category": "Kitchen & Dining",
    "threshold": "£40",
}
"""Values a phrase is filled with to check that it fits its channel (``{first_name}`` counts as 12)."""
SMS_PREFIX = "{brand}: "
SMS_SUFFIX = " Reply STOP to opt out."
LIMITS = {"subject": 70, "preview": 120, "sms": 160, "push": 100, "opener": 60, "hook": 220, "offer_line": 220,
          "product_line": 220, "also_line": 80, "cta": 120, "signoff": 40}
URGENT_PARTS = frozenset({"subject", "sms", "push"})
"""Pieces read on their own: one tagged urgency must state the deadline (urgency is a deadline fact)."""
_LENGTH_BANDS = {"short": 0.45, "medium": 0.75}
"""A phrase is short up to 45% of its part's limit once filled, medium up to 75%, long beyond."""
_ENTRY_KEYS = frozenset({"text", "tone", "formality", "length", "needs", "offers", "reasons", "situations"})
_FILE_KEYS = frozenset({"play", "description", "parts"})
_SENTENCE_END = re.compile(r"(?:[.!?]|\n)\s*$")
_CLAUSE_START = re.compile(r"(?:[:\u2014]|\s-)\s*$")


@dataclass(frozen=True)
class Phrase:
    """One hand-written phrasing of a part, with its tags (see the module docstring)."""

    id: str
    play: str
    part: str
    text: str
    angle: str
    tones: tuple[str, ...]
    formality: str
    length: str
    needs: frozenset[str]
    offers: frozenset[str]
    reasons: frozenset[str]
    situations: frozenset[str] = frozenset()

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The placeholders the text uses, in order."""
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.text) if name)

    def fill(self, values: Mapping[str, str]) -> str:
        """The text with every placeholder replaced by ``values`` (``{first_name}`` stays a token)."""
        return self.text.format_map({**values, "first_name": "{first_name}"})


@dataclass(frozen=True)
class PhraseBank:
    """Every loaded phrase, and the files they came from."""

    phrases: tuple[Phrase, ...]
    files: tuple[str, ...]

    def for_part(self, play: str, part: str) -> list[Phrase]:
        """The phrases for ``part`` of ``play`` (its own first, then the shared ones)."""
        key = resolve_play(play)
        return [p for p in self.phrases if p.part == part and p.play == key] + \
            [p for p in self.phrases if p.part == part and p.play == COMMON]

    def coverage_gaps(self) -> list[str]:
        """``play/part/angle`` combinations with no phrase at all (shared ones and ``any`` count)."""
        gaps = []
        for play in PLAYS:
            for part in PARTS:
                have = {p.angle for p in self.for_part(play, part)}
                if "any" not in have:
                    gaps += [f"{play}/{part}/{a}" for a in ANGLES if a not in have]
        return gaps


def resolve_play(play: str) -> str:
    """The phrase-bank play for a play key (``onboarding`` -> ``welcome``); unknown plays -> ``win_back``."""
    key = PLAY_ALIASES.get(play, play)
    return key if key in PLAYS else "win_back"


def resolve_tone(tone: str) -> str:
    """``professional`` (the old name) -> ``premium``; other tones unchanged."""
    return TONE_ALIASES.get(tone, tone)


def offer_matches(offers: frozenset[str], kind: str | None) -> bool:
    """True when a phrase tagged ``offers`` reads well with an offer of ``kind`` (untagged: any offer)."""
    if not offers:
        return True
    if kind is None:
        return False
    return any(kind == o or kind in OFFER_GROUPS.get(o, ()) for o in offers)


def measured_length(text: str, part: str) -> int:
    """The length of ``text`` (filled with :data:`TYPICAL` values) as its channel counts it."""
    filled = text.format_map(TYPICAL).replace("{first_name}", "x" * 12)
    if part == "sms":
        filled = SMS_PREFIX.format_map(TYPICAL) + filled + SMS_SUFFIX if not filled.startswith(TYPICAL["brand"]) \
            else filled + SMS_SUFFIX
    return len(filled)


def _fail(file: str, where: str, message: str) -> DataValidationError:
    return DataValidationError(f"phrase {where}: {message}", file=file)


def _tags(value: Any, allowed: Sequence[str], what: str, file: str, where: str, *, all_word: bool = False,
          extra: Iterable[str] = ()) -> tuple[str, ...]:
    if value is None:
        return ()
    if all_word and value == "all":
        return tuple(allowed)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise _fail(file, where, f"{what} must be a word or a list of words, got {value!r}")
    known = (*allowed, *extra)
    for v in items:
        if v not in known:
            raise _fail(file, where, f"unknown {what} {v!r} (known: {', '.join(known)})")
    return tuple(items)


def _check_text(text: str, part: str, file: str, where: str) -> tuple[str, ...]:
    """Placeholders, their position, vocabulary and length of one phrase; returns its placeholders."""
    try:
        fields = [(lit, name, spec, conv) for lit, name, spec, conv in string.Formatter().parse(text)]
    except ValueError as exc:
        raise _fail(file, where, f"broken braces ({exc}); write placeholders as {{offer}}") from exc
    names: list[str] = []
    before = ""
    for literal, name, spec, conv in fields:
        before += literal
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conv:
            raise _fail(file, where, f"unknown placeholder {{{name}}} (known: "
                        + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ")")
        starts = not before.strip() or bool(_SENTENCE_END.search(before))
        if name == "offer" and starts:
            raise _fail(file, where, "{offer} starts a sentence; write {Offer} there")
        if name == "Offer" and not starts and not _CLAUSE_START.search(before):
            raise _fail(file, where, "{Offer} inside a sentence; write {offer} there")
        names.append(name)
        before += "X"
    # the form of a text message first (who sent it, no opt-out, GSM-7), then its wording
    if part == "sms" and not text.startswith(SMS_PREFIX):
        raise _fail(file, where, f"an SMS must start with {SMS_PREFIX.strip()!r} so the reader knows who sent it")
    if part in ("sms", "push") and "STOP" in text:
        raise _fail(file, where, "leave out the opt-out line; it is added to every SMS")
    if part == "sms" and not sms_length(text.format_map(TYPICAL))[1]:
        raise _fail(file, where, "uses characters outside GSM-7 (dashes, curly quotes, emoji); an SMS would be "
                    "cut to 70 characters")
    if why := problems_with(text, part):
        raise _fail(file, where, why)
    length, limit = measured_length(text, part), LIMITS[part] if part != "push" else min(LIMITS[part], PUSH_SHOWN)
    if length > limit:
        raise _fail(file, where, f"is {length} characters filled with typical values; the {part} limit is {limit}")
    return tuple(names)


def _length_band(text: str, part: str) -> str:
    share = measured_length(text, part) / LIMITS[part]
    return next((band for band, top in _LENGTH_BANDS.items() if share <= top), "long")


def _entry(raw: Any, play: str, part: str, angle: str, index: int, file: str) -> Phrase:
    where = f"{part}/{angle}[{index}]"
    if isinstance(raw, dict) and isinstance(raw.get("text"), str):
        where += f" {raw['text']!r}"
    if not isinstance(raw, dict):
        raise _fail(file, where, f"each phrase is a mapping with text and tags, got {raw!r}")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise _fail(file, where, f"unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(_ENTRY_KEYS))})")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _fail(file, where, "text is missing or empty")
    if text != text.strip():
        raise _fail(file, where, "text has leading or trailing spaces")
    names = _check_text(text, part, file, where)
    if "tone" not in raw:
        raise _fail(file, where, f"tone is missing (one or more of {', '.join(TONES)}, or all)")
    tones = _tags(raw["tone"], TONES, "tone", file, where, all_word=True)
    formality = str(raw.get("formality", "neutral"))
    if formality not in FORMALITY:
        raise _fail(file, where, f"unknown formality {formality!r} (known: {', '.join(FORMALITY)})")
    measured = _length_band(text, part)
    length = str(raw.get("length", measured))
    if length not in LENGTHS:
        raise _fail(file, where, f"unknown length {length!r} (known: {', '.join(LENGTHS)})")
    if length != measured:
        raise _fail(file, where, f"is tagged {length} but measures {measured} for a {part}")
    needs = set(_tags(raw.get("needs"), NEEDS, "need", file, where))
    needs |= {_PLACEHOLDER_NEEDS[n] for n in names if n in _PLACEHOLDER_NEEDS}
    needs |= implied_needs(text)
    if {"offer", "no_offer"} <= needs:
        raise _fail(file, where, "needs both an offer and no offer")
    offers = frozenset(_tags(raw.get("offers"), OFFER_KINDS, "offer kind", file, where, extra=OFFER_GROUPS))
    offers = _grammatical_offers(text, offers, file, where)
    reasons = frozenset(_tags(raw.get("reasons"), REASONS, "reason", file, where))
    situations = frozenset(_tags(raw.get("situations"), SITUATIONS, "situation", file, where))
    if angle == "urgency" and part in URGENT_PARTS and not needs & {"deadline", "days_left"}:
        raise _fail(file, where, f"a {part} tagged urgency must say when the offer ends ({{deadline}} or "
                    "{days_left}); without a deadline it is a benefit or curiosity line")
    if part in ("subject", "sms", "push") and not needs & {"offer", "no_offer"}:
        raise _fail(file, where, f"a {part} states the offer: use {{offer}} or {{Offer}}, or tag it needs: [no_offer]")
    return Phrase(f"{Path(file).stem}:{part}:{angle}:{index}", play, part, text, angle, tones, formality, length,
                  frozenset(needs), offers, reasons, situations)


_SINGULAR_VERB = re.compile(r"\{[Oo]ffer\}\s+(?:is|ends|runs|means|makes|lets|opens|has|was|helps)\b")
_PLURAL_VERB = re.compile(r"\{[Oo]ffer\}\s+(?:are|run|apply|mean|make|let|open|have|were|help)\b")
_HERES_OFFER = re.compile(r"\bhere's\s+\{offer\}|\bthere's\s+\{offer\}", re.I)  # not "here's buy one, get one free" (set 13)


def _grammatical_offers(text: str, offers: frozenset[str], file: str, where: str) -> frozenset[str]:
    """The offer kinds ``text`` reads well with: "with {offer}" only for offers that follow "with" (not "with
    buy one, get one free"); "{Offer} is..." not for "double points"; "{Offer} run..." only for points; "here's
    {offer}" not for a deal ("here's buy one, get one free")."""
    rules = ((re.compile(r"\bwith \{offer\}"), set(OFFER_GROUPS["with_ok"]), "reads after 'with'"),
             (_SINGULAR_VERB, set(OFFER_KINDS) - {"points_multiplier"}, "takes a singular verb"),
             (_PLURAL_VERB, {"points_multiplier"}, "takes a plural verb"),
             (_HERES_OFFER, set(OFFER_KINDS) - set(OFFER_GROUPS["deal"]), "reads after 'here's'"))
    for pattern, allowed, what in rules:
        if pattern.search(text):
            kinds = {k for o in offers or OFFER_KINDS for k in OFFER_GROUPS.get(o, (o,))} & allowed
            if not kinds:
                raise _fail(file, where, f"none of its offer kinds {what}")
            offers = frozenset(kinds)
    return offers


def parse_phrase_file(path: Path, problems: list[str] | None = None) -> list[Phrase]:
    """The phrases of one YAML file, validated.

    A bad entry raises :class:`DataValidationError` naming the file and the phrase; with
    ``problems`` given, each bad entry's message is appended there instead and the rest still load.
    """
    file = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataValidationError(f"not valid YAML: {exc}", file=file) from exc
    if not isinstance(data, dict) or set(data) - _FILE_KEYS or "play" not in data or "parts" not in data:
        raise DataValidationError("a phrase file is a mapping with 'play' and 'parts' (and an optional "
                                  "'description')", file=file)
    play = data["play"]
    if play not in (*PLAYS, COMMON):
        raise DataValidationError(f"unknown play {play!r} (known: {', '.join((*PLAYS, COMMON))})", file=file)
    parts = data["parts"]
    if not isinstance(parts, dict):
        raise DataValidationError("'parts' maps each part to its angles", file=file)
    out: list[Phrase] = []
    seen: dict[tuple[str, str], str] = {}
    for part, angles in parts.items():
        if part not in PARTS:
            raise DataValidationError(f"unknown part {part!r} (known: {', '.join(PARTS)})", file=file)
        if not isinstance(angles, dict):
            raise DataValidationError(f"part {part!r} maps angles ({', '.join(ANGLES)}, any) to phrases", file=file)
        for angle, entries in angles.items():
            if angle not in (*ANGLES, "any"):
                raise DataValidationError(f"part {part!r}: unknown angle {angle!r} (known: {', '.join(ANGLES)}, any)",
                                          file=file)
            if not isinstance(entries, list) or not entries:
                raise DataValidationError(f"part {part!r}, angle {angle!r}: give a list of phrases", file=file)
            for i, raw in enumerate(entries):
                try:
                    phrase = _entry(raw, play, part, angle, i, file)
                    if (part, phrase.text) in seen:
                        raise _fail(file, f"{part}/{angle}[{i}] {phrase.text!r}", f"repeats {seen[part, phrase.text]}")
                except DataValidationError as exc:
                    if problems is None:
                        raise
                    problems.append(str(exc))
                    continue
                seen[part, phrase.text] = f"{part}/{angle}[{i}]"
                out.append(phrase)
    return out


def validate_phrase_files(paths: Iterable[Path | str]) -> list[str]:
    """Every problem in the given phrase files, one message per bad entry (empty when all are good)."""
    problems: list[str] = []
    for path in paths:
        try:
            parse_phrase_file(Path(path), problems)
        except DataValidationError as exc:
            problems.append(str(exc))
    return problems


def _files(dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        if not d.is_dir():
            raise DataValidationError(f"phrase folder {d} does not exist", file=str(d))
        files += sorted(d.glob("*.yaml")) + sorted(d.glob("*.yml"))
    return files


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...], _stamps: tuple[float, ...]) -> PhraseBank:
    phrases: list[Phrase] = []
    for path in paths:
        phrases += parse_phrase_file(Path(path))
    return PhraseBank(tuple(phrases), paths)


def load_phrasebank(extra_dirs: Sequence[Path | str] = ()) -> PhraseBank:
    """The shipped phrases plus every ``*.yaml`` in ``extra_dirs``, validated; cached until a file changes."""
    files = _files([PHRASES_DIR, *(Path(d).expanduser() for d in extra_dirs)])
    return _load(tuple(str(f) for f in files), tuple(f.stat().st_mtime for f in files))
