"""``memberinsight audit verify`` and ``memberinsight audit list``: read and check the audit log."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from memberinsight.cli.common import JsonOpt, WorkspaceOpt, emit, open_workspace

audit_app = typer.Typer(help="The audit log: list recent rows, verify the hash chain.", no_args_is_help=True)


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


def _table(entries: list[Any]) -> str:
    columns = (("id", 7), ("at", 24), ("actor", 22), ("action", 22), ("object", 28), ("outcome", 9), ("detail", 40))
    lines = ["  ".join(f"{name:<{width}}" for name, width in columns).rstrip()]
    for e in entries:
        obj = e.object_type + (f" {e.object_id}" if e.object_id else "")
        cells = (e.id, e.at, e.actor, e.action, obj, e.outcome, e.detail)
        lines.append("  ".join(f"{_cell(v, w):<{w}}" for v, (_, w) in zip(cells, columns, strict=True)).rstrip())
    return "\n".join(lines)


def _verification_text(result: Any) -> str:
    if result.ok:
        return (f"Audit log OK: {result.rows:,} rows, hash chain unbroken.\n"
                f"Last row {result.last_id}, hash {result.last_hash or '-'} (keep it elsewhere to detect a "
                "rewritten tail).")
    problem = result.problem
    where = f"row {problem.row_id}" if problem.row_id is not None else "the table"
    return (f"Audit log BROKEN at {where} ({problem.kind}): {problem.message}.\n"
            f"{result.checked:,} of {result.rows:,} rows verified before it.")


@audit_app.command("verify")
def verify_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Walk the hash chain: OK with the row count and last hash, or the first broken row (exit code 1)."""
    from memberinsight.workspace import verify_audit

    result = verify_audit(open_workspace(workspace))
    emit(result, as_json, text=_verification_text(result))
    if not result.ok:
        raise typer.Exit(code=1)


@audit_app.command("list")
def list_cmd(limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many rows, newest first.")] = 20,
             workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The latest audit rows, newest first (who did what to which object, and the outcome)."""
    from memberinsight.workspace import list_audit

    entries = list_audit(open_workspace(workspace), limit=limit)
    emit(entries, as_json, text=_table(entries) if entries else "The audit log is empty.")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
