"""The agent's tools: typed plain functions with docstrings (schema and routing examples come from them).

Every tool takes a :class:`~agent.types.ToolContext` first and returns a
:class:`~agent.types.ToolResult`. Tools reach other packages only through their public APIs;
a capability that is not built yet raises :class:`~memberinsight.errors.ModelNotReadyError`,
which the agent turns into a friendly observation.
"""

from __future__ import annotations

from memberinsight.agent.registry import ToolRegistry
from memberinsight.agent.tools.analytics import (
    at_risk_members,
    category_forecast,
    compare_segments,
    member_lookup,
    segment_overview,
)
from memberinsight.agent.tools.campaigns import campaign_copy, campaign_suggestion
from memberinsight.agent.tools.catalogue import product_search, recommend_for_member
from memberinsight.agent.tools.fraud import fraud_overview
from memberinsight.agent.tools.members import find_members
from memberinsight.agent.tools.operations import data_status, help, review_queue_summary

TOOLS = (segment_overview, compare_segments, member_lookup, at_risk_members, find_members, category_forecast,
         recommend_for_member, product_search, campaign_copy, campaign_suggestion, review_queue_summary, fraud_overview,
         data_status, help)


def default_registry() -> ToolRegistry:
    """A registry holding every built-in tool."""
    return ToolRegistry(TOOLS)


__all__ = ["TOOLS", "ToolRegistry", "at_risk_members", "campaign_copy", "campaign_suggestion", "category_forecast",
           "compare_segments", "data_status", "default_registry", "find_members", "fraud_overview", "help", "member_lookup", "product_search", "recommend_for_member",
           "review_queue_summary", "segment_overview"]
