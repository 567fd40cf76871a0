"""Result types that cross the agent's border: what a tool returns and what the agent answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

    from memberinsight.config import Settings


@dataclass(frozen=True)
class ChartSpec:
    """A chart to draw from a table: ``kind`` of ``y`` against ``x`` (optionally split by ``color``)."""

    kind: Literal["bar", "line"]
    data: pd.DataFrame
    x: str
    y: str
    title: str = ""
    color: str | None = None


@dataclass
class ToolResult:
    """What a tool returns: Markdown text, optionally a table and a chart.

    ``subject`` names what the answer was about (``segment``, ``member_id``, ``category``...), so
    that a follow-up ("now write an SMS for them") can refer back to it.
    """

    text: str
    table: pd.DataFrame | None = None
    chart: ChartSpec | None = None
    subject: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


@dataclass
class ToolContext:
    """What every tool may use: the workspace, the settings and the logged-in user."""

    ws: Any
    settings: Settings
    user: str = "operator"
    registry: Any = None
    """The tool registry the agent routes over (set by the agent; the help tool lists it)."""


@dataclass
class AgentReply:
    """One answer of the agent: text plus an optional table and chart, and how it was routed."""

    text: str
    table: pd.DataFrame | None = None
    chart: ChartSpec | None = None
    tool: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    suggestions: list[str] = field(default_factory=list)
    ok: bool = True
