"""Workspace-level entry points: copy and suggestions for a segment, audited."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from agent.campaigns.copy import CampaignCopy, write_copy
from agent.campaigns.facts import FactSheet
from agent.campaigns.plays import Suggestion, choose_play, suggest
from agent.campaigns.source import build_fact_sheet, build_member_fact_sheet, default_deadline
from agent.campaigns.writer import DraftCallback
from agent.llm.base import LLMBackend
from memberinsight.config import Settings, load_settings


def _brand(ws: Any, brand: str | None) -> str:
    return brand or ws.get_meta("shop_name") or ws.get_meta("brand") or "our shop"


def _backend(settings: Settings, use_llm: bool, backend: LLMBackend | None) -> LLMBackend | None:
    if backend is not None or not use_llm:
        return backend
    from agent.llm.factory import get_backend

    return get_backend(settings)


def campaign_facts(ws: Any, segment: str | None = None, member_ids: Sequence[str] | None = None, *,
                   offer: str = "", deadline: date | None = None, brand: str | None = None,
                   member_id: str | None = None) -> FactSheet:
    """The fact sheet for a segment (saved or RFM), member ids or one member (``member_id``), with the
    default deadline (two weeks) when none given."""
    today = date.today()
    kw: dict[str, Any] = dict(offer=offer, deadline=deadline or default_deadline(today), as_of=today,
                              brand=_brand(ws, brand))
    if member_id is not None:
        return build_member_fact_sheet(ws, str(member_id), **kw)
    return build_fact_sheet(ws, segment, member_ids, **kw)


def generate_campaign(ws: Any, settings: Settings | None = None, *, segment: str | None = None,
                      member_ids: Sequence[str] | None = None, channel: str = "email", offer: str = "",
                      n_variants: int = 3, tone: str = "friendly", deadline: date | None = None,
                      brand: str | None = None, use_llm: bool = True, backend: LLMBackend | None = None,
                      max_attempts: int = 3, seed: int | None = None, user: str | None = None,
                      cache: Any = None, member_id: str | None = None,
                      on_draft: DraftCallback | None = None) -> CampaignCopy:
    """Grounded, checked copy for a segment (saved or RFM), member ids or one member; the play is chosen by rules.

    ``on_draft(label, text_so_far)`` receives each draft as the model's tokens arrive, before it is
    checked (labels: ``preview``, ``body``, ``subject 1``..., ``sms 1``..., ``push 1``...); the
    returned copy holds what shipped and every check report. ``cache`` is accepted for the agent's
    tool interface and unused.
    """
    settings = settings or load_settings()
    facts = campaign_facts(ws, segment, member_ids, offer=offer, deadline=deadline, brand=brand, member_id=member_id)
    play, _ = choose_play(facts)
    result = write_copy(facts, channel, _backend(settings, use_llm, backend), tone=tone, variants=n_variants,
                        play=play.key, max_attempts=max_attempts,
                        seed=settings.random_seed if seed is None else seed, on_draft=on_draft)
    ws.audit(user or "system", "campaign_copy", "member" if member_id is not None else "segment",
             str(member_id) if member_id is not None else facts.segment, detail=json.dumps({
                 "channel": channel, "offer": offer, "variants": n_variants, "backend": result.backend,
                 "sources": [v.report.sources for v in result.variants], "audience_size": facts.audience_size}))
    return result


def suggest_campaign(ws: Any, settings: Settings | None = None, *, segment: str | None = None,
                     member_ids: Sequence[str] | None = None, offer: str = "", brand: str | None = None,
                     use_llm: bool = True, backend: LLMBackend | None = None, seed: int | None = None,
                     user: str | None = None, member_id: str | None = None,
                     on_draft: DraftCallback | None = None) -> Suggestion:
    """The recommended play for a segment, member ids or one member, with grounded rationale and next steps."""
    settings = settings or load_settings()
    facts = campaign_facts(ws, segment, member_ids, offer=offer, brand=brand, member_id=member_id)
    result = suggest(facts, _backend(settings, use_llm, backend),
                     seed=settings.random_seed if seed is None else seed, on_draft=on_draft)
    ws.audit(user or "system", "campaign_suggestion", "member" if member_id is not None else "segment",
             str(member_id) if member_id is not None else facts.segment,
             detail=json.dumps({"play": result.play, "passed": result.passed}))
    return result
