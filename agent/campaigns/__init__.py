"""Grounded campaigns: fact sheets, rule-chosen plays, checked copy, audience export.

The language model only words things; code decides what is true. Every number, price, date and
product name in shipped copy comes from a :class:`FactSheet`, and every shipped piece carries the
:class:`CheckReport` that proves it.
"""

from __future__ import annotations

from agent.campaigns.audience import EXPORT_COLUMNS, ExportReport, export_audience
from agent.campaigns.copy import CHANNELS, CampaignCopy, CopyVariant, VariantReport, write_copy
from agent.campaigns.facts import Fact, FactSheet, ProductFact, format_date, offer_facts
from agent.campaigns.grounding import LIMITS, CheckResult, check_copy
from agent.campaigns.plays import PLAYS, Play, Suggestion, choose_play, suggest
from agent.campaigns.service import campaign_facts, generate_campaign, suggest_campaign
from agent.campaigns.source import build_fact_sheet, build_member_fact_sheet, segment_member_ids
from agent.campaigns.templates import TONES, template_copy
from agent.campaigns.writer import Attempt, CheckReport, CopyPiece, DraftCallback, write_piece

__all__ = [
    "CHANNELS", "EXPORT_COLUMNS", "LIMITS", "PLAYS", "TONES", "Attempt", "CampaignCopy", "CheckReport",
    "CheckResult", "CopyPiece", "CopyVariant", "DraftCallback", "ExportReport", "Fact", "FactSheet", "Play",
    "ProductFact", "Suggestion", "VariantReport", "build_fact_sheet", "build_member_fact_sheet", "campaign_facts",
    "check_copy", "choose_play", "export_audience", "format_date", "generate_campaign", "offer_facts",
    "segment_member_ids", "suggest", "suggest_campaign", "template_copy", "write_copy", "write_piece",
]
