"""``memberinsight ask "QUESTION"``: the chat agent end to end on the workspace, for scripts and tests."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, cli_actor, emit, open_workspace, settings

TABLE_ROWS = 50
"""Rows of the answer's table printed (``--json`` carries them all)."""


def ask_agent(ws: Any, cfg: Any, question: str, history: list[str], user: str) -> dict[str, Any]:
    """Ask the agent ``question`` after ``history`` (earlier questions, answered in the same conversation);
    the reply as plain data: answer text, tool, arguments, table rows, refused/asked."""
    from memberinsight.agent.services import Services
    from memberinsight.agent.types import ToolContext

    services = Services(ws, cfg)
    agent = services.agent()
    conversation = services.new_conversation(user)
    ctx = ToolContext(ws, cfg, user=user, registry=agent.registry, surface="cli")  # answers may name CLI commands
    for earlier in history:
        agent.respond(earlier, conversation, ctx)
    reply = agent.respond(question, conversation, ctx)
    outcome = reply.tool or ("refused" if reply.refused else "asked back")
    return {"question": question, "answer": reply.text, "tool": reply.tool, "arguments": reply.arguments,
            "outcome": outcome, "ok": reply.ok, "refused": reply.refused, "confidence": round(reply.confidence, 4),
            "suggestions": reply.suggestions,
            "table": reply.table if reply.table is not None else None}


def register(app: typer.Typer) -> None:
    @app.command()
    def ask(
        question: Annotated[str, typer.Argument(help="What to ask, in plain words.")],
        history: Annotated[list[str] | None, typer.Option(
            "--after", help="An earlier question of the same conversation (repeat for several), so that "
                            "follow-ups like 'now write an SMS for them' work.")] = None,
        as_json: JsonOpt = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Ask the chat agent a question: the answer, the tool it used and its arguments (``--json`` adds the
        table, and ``outcome``: the tool, "asked back" or "refused")."""
        cfg = settings(workspace)
        result = ask_agent(open_workspace(workspace), cfg, question, list(history or []), cli_actor(cfg))
        if as_json:
            emit(result, True)
        else:
            lines = [result["answer"]]
            if result["tool"]:
                args = ", ".join(f"{k}={v!r}" for k, v in result["arguments"].items())
                lines.append(f"\n(tool: {result['tool']}({args}))")
            table = result["table"]
            if table is not None and not table.empty:
                from memberinsight.figures import people_frame

                lines.append("\n" + people_frame(table.head(TABLE_ROWS)).to_string(index=False))
            typer.echo("\n".join(lines))
