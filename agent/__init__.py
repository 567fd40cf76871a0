"""The agent: LLM backends (``agent.llm``), grounded campaigns (``agent.campaigns``), and the chat
router with its tools.

Public API of the router and tools (import from here; heavy modules load on first use)::

    Services(ws, settings)                  # facade the UI is given: chat, segments, queue, data...
    Agent(registry, router, vocabulary)     # .route(message, conversation) / .respond(...) / .stream(...)
    Conversation(user)                      # per-user state: turns and the current subject
    EmbeddingRouter(registry, embedder)     # nearest-examples routing (MiniLM); .fit() / .route()
    ModelRouter(registry, complete, fallback)   # a capable model's JSON tool call, validated
    ToolRegistry(funcs) / tool_from_function(f) / FreeText
    default_registry()                      # the built-in tools
    Vocabulary / extract(message, vocabulary) -> Entities
    ToolContext, ToolResult, ChartSpec, AgentReply
    load_cases(path) / evaluate_routing(agent, cases) -> RoutingReport / evaluate_sets(agent, paths)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Services": "agent.services",
    "Agent": "agent.conversation",
    "Conversation": "agent.conversation",
    "EmbeddingRouter": "agent.router",
    "ModelRouter": "agent.router",
    "Route": "agent.router",
    "parse_tool_call": "agent.router",
    "Tool": "agent.registry",
    "ToolRegistry": "agent.registry",
    "FreeText": "agent.registry",
    "tool_from_function": "agent.registry",
    "default_registry": "agent.tools",
    "Entities": "agent.extract",
    "Vocabulary": "agent.extract",
    "extract": "agent.extract",
    "AgentReply": "agent.types",
    "ChartSpec": "agent.types",
    "ToolContext": "agent.types",
    "ToolResult": "agent.types",
    "RoutingReport": "agent.evaluation",
    "evaluate_routing": "agent.evaluation",
    "evaluate_sets": "agent.evaluation",
    "load_cases": "agent.evaluation",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy attribute access: ``import agent`` loads nothing heavy."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
