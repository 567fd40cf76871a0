"""The brand's voice and a variant's register: the sign-off, words never to use, the tone and formality.

A variant speaks in one tone and one register (:func:`register`): a casual greeting never meets a
formal preview or sign-off. A playful tone becomes friendly for customers who have gone quiet or are
regulars (:func:`voice_tone`): raters read gimmicks to them as the wrong register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from memberinsight.agent.campaigns.phrasebank import resolve_tone
from memberinsight.errors import DataValidationError

_REGISTER = {"premium": ("formal", "neutral"), "playful": ("casual", "neutral"), "friendly": ("casual", "neutral"),
             "urgent": ("neutral", "casual")}
"""The formality a variant in each tone may use, preferred first: never casual and formal in one piece."""
RESPECTFUL = frozenset({"lapsed", "loyal"})
"""Situations that get warm, respectful lines: a playful tone reads as flippant to them."""


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


def voice_tone(tone: str, situation: str | None) -> str:
    """The tone a variant speaks in: the operator's, except that playful becomes friendly for customers who
    have gone quiet or are regulars (:data:`RESPECTFUL`): raters read gimmicks to them as the wrong register."""
    tone = resolve_tone(tone)
    return "friendly" if tone == "playful" and situation in RESPECTFUL else tone


def register(tone: str) -> tuple[str, ...]:
    """The formality levels a variant in ``tone`` may mix (preferred first)."""
    return _REGISTER.get(resolve_tone(tone), ("neutral", "casual"))


def signature(voice: BrandVoice, brand: str) -> str:
    """The line under the sign-off; a shop without a name (``our shop``) signs as ``The team``."""
    if brand.strip().lower().startswith("our ") and "{brand}" in voice.signoff:
        return "The team" if voice.signoff == BrandVoice.signoff else voice.signoff.replace("{brand}", "us")
    return voice.signoff.format(brand=brand)
