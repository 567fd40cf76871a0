"""Grounded campaigns: fact sheets, rule-chosen plays, checked copy (audience exports live in :mod:`governance`).

The language model only words things; code decides what is true. Every number, price, date and
product name in shipped copy comes from a :class:`FactSheet`, and every shipped piece carries the
:class:`CheckReport` that proves it. Imported text (product titles, categories, segment names) is
untrusted: the sheet screens it (:func:`screen`) and notes what it withheld (:class:`Withheld`).
"""

from __future__ import annotations

from memberinsight.agent.campaigns.compose import BrandVoice, compose
from memberinsight.agent.campaigns.copy import (
    CHANNELS,
    CampaignCopy,
    CopyVariant,
    VariantReport,
    choose_writer,
    write_copy,
)
from memberinsight.agent.campaigns.facts import Fact, FactSheet, ProductFact, format_date, offer_facts
from memberinsight.agent.campaigns.grounding import LIMITS, CheckResult, check_copy
from memberinsight.agent.campaigns.offers import OFFER_KINDS, Offer, parse_offer
from memberinsight.agent.campaigns.phrasebank import ANGLES, TONES, PhraseBank, load_phrasebank
from memberinsight.agent.campaigns.plays import PLAYS, Play, choose_play
from memberinsight.agent.campaigns.service import campaign_facts, generate_campaign, suggest_campaign
from memberinsight.agent.campaigns.source import build_fact_sheet, build_member_fact_sheet
from memberinsight.agent.campaigns.suggestion import Suggestion, suggest
from memberinsight.agent.campaigns.templates import template_copy
from memberinsight.agent.campaigns.untrusted import Screened, Withheld, screen
from memberinsight.agent.campaigns.writer import Attempt, CheckReport, CopyPiece, DraftCallback, write_piece

__all__ = [
    "CHANNELS", "LIMITS", "OFFER_KINDS", "Offer", "parse_offer", "PLAYS", "TONES", "Attempt", "CampaignCopy", "CheckReport",
    "CheckResult", "CopyPiece", "CopyVariant", "DraftCallback", "Fact", "FactSheet", "Play",
    "ProductFact", "Screened", "Suggestion", "VariantReport", "Withheld", "build_fact_sheet", "build_member_fact_sheet", "campaign_facts",
    "check_copy", "choose_play", "format_date", "generate_campaign", "offer_facts",
    "screen", "suggest", "suggest_campaign", "template_copy", "write_copy", "write_piece",
    "ANGLES", "BrandVoice", "PhraseBank", "choose_writer", "compose", "load_phrasebank",
]
