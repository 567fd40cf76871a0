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
    "Services": "memberinsight.agent.services",
    "Agent": "memberinsight.agent.conversation",
    "Conversation": "memberinsight.agent.conversation",
    "EmbeddingRouter": "memberinsight.agent.router",
    "ModelRouter": "memberinsight.agent.router",
    "Route": "memberinsight.agent.router",
    "parse_tool_call": "memberinsight.agent.router",
    "Tool": "memberinsight.agent.registry",
    "ToolRegistry": "memberinsight.agent.registry",
    "FreeText": "memberinsight.agent.registry",
    "tool_from_function": "memberinsight.agent.registry",
    "default_registry": "memberinsight.agent.tools",
    "Entities": "memberinsight.agent.extract",
    "Vocabulary": "memberinsight.agent.extract",
    "extract": "memberinsight.agent.extract",
    "AgentReply": "memberinsight.agent.types",
    "ChartSpec": "memberinsight.agent.types",
    "ToolContext": "memberinsight.agent.types",
    "ToolResult": "memberinsight.agent.types",
    "RoutingReport": "memberinsight.agent.evaluation",
    "evaluate_routing": "memberinsight.agent.evaluation",
    "evaluate_sets": "memberinsight.agent.evaluation",
    "load_cases": "memberinsight.agent.evaluation",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy attribute access: ``import agent`` loads nothing heavy."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
