"""Result types that cross the agent's border: what a tool returns and what the agent answers."""

from __future__ import annotations

import functools
from collections.abc import Callable
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
    that a follow-up ("now write an SMS for them") can refer back to it. A tool that lists members
    puts the list's label in ``subject["segment"]`` and the ids in ``subject["member_list"]``.
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
    member_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Member lists shown earlier in the conversation, by label ("them" after a list of members)."""
    surface: Literal["app", "cli"] = "app"
    """Where the answer is read: the app (point to its tabs) or the command line (``memberinsight ask``: its
    commands may be named too)."""
    progress: Callable[[str], None] | None = None
    """Set by the agent while a tool runs: a tool may report work in progress (e.g. a draft as the
    model writes it) for the chat to show before the checked answer."""

    def report(self, text: str) -> None:
        """Show ``text`` as work in progress, when someone is listening."""
        if self.progress is not None:
            self.progress(text)

    @functools.cached_property
    def currency(self) -> str:
        """The shop's currency sign for amounts in answers (``£`` on the demo; empty when unknown)."""
        from memberinsight.segments import shop_currency

        return shop_currency(self.ws) or ""


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
    refused: bool = False
    """True when the agent declined (changing data, personal data, outside its job) rather than asked."""


def member_list_label(tool_name: str) -> str:
    """The label under which a member-listing tool's answer is remembered ("At risk members (list)")."""
    return f"{tool_name.replace('_', ' ').capitalize()} (list)"


def is_member_list_label(name: str) -> bool:
    """True for a label made by :func:`member_list_label`."""
    return name.endswith(" (list)")
