"""Agent test fixtures: a deterministic bag-of-words embedder and the real packaged-MiniLM router."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from memberinsight.agent.campaigns import Fact, FactSheet, ProductFact, choose_play
from memberinsight.agent.campaigns.compose import ComposedVariant, compose
from memberinsight.agent.campaigns.offers import parse_offer

AGENT_TESTS = Path(__file__).parent


class BagOfWordsEmbedder:
    """Deterministic stand-in for a sentence model: hashed word counts, L2-normalised.

    Texts sharing words are similar; good enough to test orchestration without loading a model.
    """

    dim = 256

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture(scope="session")
def bow_embedder() -> BagOfWordsEmbedder:
    return BagOfWordsEmbedder()


@pytest.fixture(scope="session")
def routing_vocabulary():
    from memberinsight.agent.evaluation import load_vocabulary

    return load_vocabulary(AGENT_TESTS / "routing_vocabulary.json")


@pytest.fixture(scope="session")
def real_agent(routing_vocabulary):
    """The agent over the built-in tools, routing with the packaged all-MiniLM-L6-v2 (loaded once)."""
    from memberinsight.agent.conversation import Agent
    from memberinsight.agent.router import ROUTER_EMBEDDING_BACKEND, EmbeddingRouter
    from memberinsight.agent.tools import default_registry
    from memberinsight.config import load_settings
    from memberinsight.retrieval import get_embedder

    registry = default_registry()
    router = EmbeddingRouter(registry, get_embedder(load_settings(), backend=ROUTER_EMBEDDING_BACKEND),
                             routing_vocabulary).fit()
    return Agent(registry, router, routing_vocabulary)


def route_after(agent, question: str, history: tuple[str, ...] = ()):
    """``agent.route(question)`` in a new conversation that first heard ``history``: (route, reply)."""
    from memberinsight.agent.conversation import Conversation

    conversation = Conversation()
    for earlier in history:
        agent.route(earlier, conversation)
    return agent.route(question, conversation)


def assert_routes(agent, history: tuple[str, ...], question: str, tool: str, arguments: dict) -> None:
    """``question`` after ``history`` goes to ``tool`` with (at least) ``arguments``, without a reply instead."""
    route, reply = route_after(agent, question, history)
    assert reply is None and route.tool == tool, (question, route.tool, route.reason, reply)
    assert {k: route.arguments.get(k) for k in arguments} == arguments, (question, route.arguments)


def offer_sheet(offer: str, segment: str, as_of: date, products: tuple[ProductFact, ...],
                orders: float = 3.0) -> FactSheet:
    """A small fact sheet for ``segment`` with ``offer`` read by the offer grammar as of ``as_of`` (its own deadline,
    else two weeks on): what the copy-family tests compose from."""
    terms = parse_offer(offer, today=as_of)
    facts = FactSheet(segment=segment, audience_size=300, offer=terms.phrase(), as_of=as_of,
                      deadline=terms.deadline or as_of + timedelta(days=14), brand="Fernhill Market",
                      stats=(Fact("avg_orders", "Average orders", orders),), products=products)
    return replace(facts, offer_terms=terms)


def compose_three(facts: FactSheet, channel: str, tone: str, seed: int = 1) -> list[ComposedVariant]:
    """Three composed variants of the play the rules choose for ``facts``."""
    return compose(facts, channel, choose_play(facts)[0].key, tone, 3, seed=seed)


Draft = tuple[str, str, str, str, ComposedVariant]
"""(segment, offer, channel, tone, variant): one composed variant of a copy-family test's grid."""


def family_drafts(sheet: Callable[[str, str], FactSheet], segments: Sequence[str], offers: Sequence[str],
                  tones: Sequence[str], seed: int) -> list[Draft]:
    """Every audience x offer x channel in ``tones``, three variants each (campaign ``n`` composed with seed
    ``n + seed``): the grid a blind set's family tests check its rules on."""
    out: list[Draft] = []
    for n, (segment, offer) in enumerate(itertools.product(segments, offers)):
        facts = sheet(offer, segment)
        for channel, tone in itertools.product(("email", "sms", "push"), tones):
            out += [(segment, offer, channel, tone, v) for v in compose_three(facts, channel, tone, seed=n + seed)]
    return out


def phrase_file(tmp_path: Path, part: str, text: str, offers: str = "") -> Path:
    """A one-phrase bank file (play ``common``, angle ``benefit``, every tone) for the load-time rule tests."""
    path = tmp_path / "extra.yaml"
    extra = f", offers: [{offers}]" if offers else ""
    path.write_text(f"play: common\nparts:\n  {part}:\n    benefit:\n      - {{text: {text!r}, tone: all{extra}}}\n",
                    encoding="utf-8")
    return path
