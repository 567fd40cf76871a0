"""Workspace-level entry points: copy and suggestions for a segment, audited."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from memberinsight.agent.campaigns.compose import BrandVoice
from memberinsight.agent.campaigns.copy import CampaignCopy, choose_writer, settings_phrasebank, write_copy
from memberinsight.agent.campaigns.facts import FactSheet, format_date
from memberinsight.agent.campaigns.offers import parse_offer
from memberinsight.agent.campaigns.plays import choose_play
from memberinsight.agent.campaigns.ranking import ranker_from_settings
from memberinsight.agent.campaigns.source import build_fact_sheet, build_member_fact_sheet, default_deadline
from memberinsight.agent.campaigns.suggestion import Suggestion, suggest
from memberinsight.agent.campaigns.writer import DraftCallback
from memberinsight.agent.llm.base import LLMBackend
from memberinsight.config import Settings, load_settings
from memberinsight.errors import DataValidationError


def _brand(ws: Any, brand: str | None) -> str:
    return brand or ws.get_meta("shop_name") or ws.get_meta("brand") or "our shop"


def _backend(settings: Settings, use_llm: bool, backend: LLMBackend | None) -> LLMBackend | None:
    if backend is not None or not use_llm:
        return backend
    from memberinsight.agent.llm.factory import get_backend

    return get_backend(settings)


def campaign_facts(ws: Any, segment: str | None = None, member_ids: Sequence[str] | None = None, *,
                   offer: str = "", deadline: date | None = None, brand: str | None = None,
                   member_id: str | None = None) -> FactSheet:
    """The fact sheet for a segment (saved or RFM), member ids or one member (``member_id``).

    The offer text is parsed (:func:`~agent.campaigns.offers.parse_offer`) against today's date, the
    send date: the sheet carries the structured terms and states the offer as copy says it (never
    the raw text), and an offer the grammar cannot read is refused (``DataValidationError`` on
    column ``offer``, with examples that work). The deadline is the one given, else the offer's
    own (``double points this weekend`` ends on Sunday), else two weeks from today; a given deadline
    that contradicts the offer's own is refused.
    """
    today = date.today()
    terms = parse_offer(offer, today=today)
    if terms.deadline and deadline and deadline != terms.deadline:
        raise DataValidationError(
            f"the offer ends {format_date(terms.deadline)} ('{terms.deadline_words}') but the deadline given is "
            f"{format_date(deadline)}; give one or the other", column="deadline")
    kw: dict[str, Any] = dict(offer=terms.phrase(), deadline=deadline or terms.deadline or default_deadline(today),
                              as_of=today, brand=_brand(ws, brand))
    if member_id is not None:
        sheet = build_member_fact_sheet(ws, str(member_id), **kw)
    else:
        sheet = build_fact_sheet(ws, segment, member_ids, **kw)
    return replace(sheet, offer_terms=terms) if terms.kind != "none" else sheet


def generate_campaign(ws: Any, settings: Settings | None = None, *, segment: str | None = None,
                      member_ids: Sequence[str] | None = None, channel: str = "email", offer: str = "",
                      n_variants: int = 3, tone: str = "friendly", deadline: date | None = None,
                      brand: str | None = None, use_llm: bool = True, backend: LLMBackend | None = None,
                      max_attempts: int = 3, seed: int | None = None, user: str | None = None,
                      cache: Any = None, member_id: str | None = None,
                      on_draft: DraftCallback | None = None) -> CampaignCopy:
    """Grounded, checked copy for a segment (saved or RFM), member ids or one member; the play is chosen by rules.

    The phrase bank writes it (each variant from its own angle) unless a model should
    (:func:`~agent.campaigns.copy.choose_writer`); the brand voice (sign-off, banned words) and any
    extra phrase files come from the settings; ``copy_ranker = "model"`` has the local model choose
    among checked phrasings (:mod:`agent.campaigns.ranking`).

    ``on_draft(label, text_so_far)`` receives each draft as the model's tokens arrive, before it is
    checked (labels: ``preview``, ``body``, ``subject 1``..., ``sms 1``..., ``push 1``...); the
    returned copy holds what shipped and every check report. ``cache`` is accepted for the agent's
    tool interface and unused. Imported text the fact sheet withheld from the copy (a product
    title carrying a phone number, say) is listed in ``result.facts["withheld"]`` and the audit record.
    """
    settings = settings or load_settings()
    facts = campaign_facts(ws, segment, member_ids, offer=offer, deadline=deadline,
                           brand=brand or settings.brand_name or None, member_id=member_id)
    play, _ = choose_play(facts)
    writer = choose_writer(settings, use_llm, backend)  # the phrase bank unless a model should write
    result = write_copy(facts, channel, _backend(settings, True, backend) if writer == "llm" else None, tone=tone,
                        variants=n_variants, play=play.key, max_attempts=max_attempts,
                        seed=settings.random_seed if seed is None else seed, on_draft=on_draft, writer=writer,
                        voice=BrandVoice.from_settings(settings), bank=settings_phrasebank(settings),
                        ranker=ranker_from_settings(settings) if writer == "composed" else None)
    ws.audit(user or "system", "campaign_copy", "member" if member_id is not None else "segment",
             str(member_id) if member_id is not None else facts.segment, detail=json.dumps({
                 "channel": channel, "offer": offer, "variants": n_variants, "backend": result.backend,
                 "offer_terms": facts.offer_terms.to_dict() if facts.offer_terms is not None else None,
                 "sources": [v.report.sources for v in result.variants], "audience_size": facts.audience_size,
                 "withheld": [w.describe() for w in facts.withheld]}))
    return result


def suggest_campaign(ws: Any, settings: Settings | None = None, *, segment: str | None = None,
                     member_ids: Sequence[str] | None = None, offer: str = "", brand: str | None = None,
                     use_llm: bool = False, backend: LLMBackend | None = None, seed: int | None = None,
                     user: str | None = None, member_id: str | None = None,
                     on_draft: DraftCallback | None = None) -> Suggestion:
    """The recommended play for a segment, member ids or one member: the situation in numbers, the play
    with its offer, sends, timing and products, why, what to measure and what not to do (all checked).

    The rules write every word; with ``use_llm`` (or a ``backend``) the model may reword the headline,
    which ships only when it passes the same checks (:func:`agent.campaigns.suggestion.suggest`).
    """
    settings = settings or load_settings()
    facts = campaign_facts(ws, segment, member_ids, offer=offer, brand=brand, member_id=member_id)
    result = suggest(facts, _backend(settings, use_llm, backend),
                     seed=settings.random_seed if seed is None else seed, on_draft=on_draft)
    ws.audit(user or "system", "campaign_suggestion", "member" if member_id is not None else "segment",
             str(member_id) if member_id is not None else facts.segment,
             detail=json.dumps({"play": result.play, "passed": result.passed, "writer": result.writer,
                                "offer": result.offer, "plan": result.plan,
                                "withheld": [w.describe() for w in facts.withheld]}))
    return result
