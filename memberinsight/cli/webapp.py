"""``memberinsight serve``, ``memberinsight user ...`` and ``memberinsight evaluate agent``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from memberinsight.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    cli_actor,
    emit,
    evaluate_app,
    open_workspace,
    settings,
)
from memberinsight.cli.tables import text_table
from memberinsight.figures import day

REPO_TESTS = Path(__file__).resolve().parents[2] / "tests" / "agent"
DEFAULT_CASES = (REPO_TESTS / "routing_eval.jsonl", REPO_TESTS / "routing_heldout.jsonl",
                 REPO_TESTS / "routing_blind_dev.jsonl", REPO_TESTS / "routing_blind_dev2.jsonl",
                 REPO_TESTS / "routing_blind_dev3.jsonl", REPO_TESTS / "routing_blind_dev4.jsonl",
                 REPO_TESTS / "routing_blind_dev5.jsonl", REPO_TESTS / "routing_blind_dev6.jsonl",
                 REPO_TESTS / "routing_blind_heldout.jsonl")
"""The project's own set and its held-out part, then the blind corpus (written by people who never saw
the router): its development parts (``blind_dev``; ``blind_dev2`` to ``blind_dev5``, the held-out parts of
rounds 1 to 4, developed on since; ``blind_dev6``, one writer of round 5) and, once the lead adds it, the
untouched held-out batch (skipped while the file is absent)."""
HELD_OUT_SETS = frozenset({"routing_heldout", "routing_blind_heldout"})

user_app = typer.Typer(help="Operator accounts for the app (stored hashed in the workspace).", no_args_is_help=True)


def _password(value: str | None, confirm: bool = True) -> str:
    return value if value is not None else typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password: Annotated[str | None, typer.Option(help="Password (prompted when not given).")] = None,
    role: Annotated[str, typer.Option(help="operator (review queue, campaign copy, audience exports) or "
                                           "admin (also users, settings, data uploads).")] = "operator",
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an account."""
    from memberinsight.workspace.users import add_user

    user = add_user(open_workspace(workspace), username, _password(password), role=role,
                    actor=cli_actor(settings(workspace)))
    emit(user, as_json, text=f"Added user {user.username} ({user.role}).")


@user_app.command("remove")
def user_remove(username: Annotated[str, typer.Argument(help="Login name.")], as_json: JsonOpt = False,
                workspace: WorkspaceOpt = None) -> None:
    """Delete an account (its open app sessions end at once)."""
    from memberinsight.workspace.users import remove_user

    remove_user(open_workspace(workspace), username, actor=cli_actor(settings(workspace)))
    emit({"removed": username}, as_json, text=f"Removed user {username}; their app sessions are ended.")


@user_app.command("passwd")
def user_passwd(username: Annotated[str, typer.Argument(help="Login name.")],
                password: Annotated[str | None, typer.Option(help="New password (prompted when not given).")] = None,
                as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
    """Change an account's password (its open app sessions end at once)."""
    from memberinsight.workspace.users import set_password

    set_password(open_workspace(workspace), username, _password(password), actor=cli_actor(settings(workspace)))
    emit({"password_changed": username}, as_json,
         text=f"Password of {username} changed; their app sessions are ended.")


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="Login name.")], as_json: JsonOpt = False,
                 workspace: WorkspaceOpt = None) -> None:
    """Disable an account: sign-ins refused, open app sessions ended at once (`user enable` undoes it)."""
    from memberinsight.workspace.users import set_disabled

    user = set_disabled(open_workspace(workspace), username, True, actor=cli_actor(settings(workspace)))
    emit(user, as_json, text=f"Disabled user {username}; their app sessions are ended.")


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="Login name.")], as_json: JsonOpt = False,
                workspace: WorkspaceOpt = None) -> None:
    """Enable a disabled account again."""
    from memberinsight.workspace.users import set_disabled

    user = set_disabled(open_workspace(workspace), username, False, actor=cli_actor(settings(workspace)))
    emit(user, as_json, text=f"Enabled user {username}.")


@user_app.command("unlock")
def user_unlock(
    username: Annotated[str, typer.Argument(help="Login name.")],
    address: Annotated[str | None, typer.Option(help="Also unlock this client address.")] = None,
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Clear an account's failed sign-ins and lock (after too many wrong passwords)."""
    from memberinsight.workspace.users import unlock_user

    cleared = unlock_user(open_workspace(workspace), username, address=address, actor=cli_actor(settings(workspace)))
    emit({"unlocked": username, "address": address, "cleared": cleared}, as_json,
         text=f"Unlocked {username}{f' and {address}' if address else ''}." if cleared
         else f"{username} had no failed sign-ins to clear.")


@user_app.command("list")
def user_list(as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
    """List accounts (never passwords)."""
    from memberinsight.workspace.users import list_users

    users = list_users(open_workspace(workspace))
    emit(users, as_json, text=text_table(["user", "role", "since", "status"],
                                         [[u.username, u.role, day(u.created_at), "disabled" if u.disabled else "active"]
                                          for u in users]) if users else "No users yet: `memberinsight user add NAME`.")


@evaluate_app.command("agent")
def evaluate_agent(
    cases: Annotated[list[Path] | None, typer.Option(
        "--cases", help="Routing evaluation JSONL files (default: the project's set and the blind corpus under "
                        "tests/agent, dev and held-out; a held-out file not added yet is skipped).")] = None,
    vocabulary: Annotated[Path | None, typer.Option(
        help="JSON with the segment and category names the questions are about "
             "(default: routing_vocabulary.json beside the cases, else the project's).")] = None,
    show_misses: Annotated[bool, typer.Option("--misses/--no-misses", help="List every miss.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Routing accuracy per set, dev and held-out side by side: tool, tool + arguments, refusals, questions
    back, and the routing time (follow-ups routed in context)."""
    from memberinsight.agent.conversation import Agent
    from memberinsight.agent.evaluation import evaluate_sets, load_vocabulary, side_by_side
    from memberinsight.agent.router import ROUTER_EMBEDDING_BACKEND, EmbeddingRouter
    from memberinsight.agent.tools import default_registry
    from memberinsight.retrieval import get_embedder

    paths = list(cases or DEFAULT_CASES)
    if cases:
        for path in paths:
            if not path.is_file():
                raise typer.BadParameter(f"{path} does not exist", param_hint="--cases")
    present = [p for p in paths if p.is_file()]
    baseline_file = REPO_TESTS / "routing_blind_baseline.json"
    baseline = json.loads(baseline_file.read_text(encoding="utf-8")) if baseline_file.is_file() else None
    skipped = [p.stem for p in paths if not p.is_file()]
    if vocabulary is not None and not vocabulary.is_file():
        raise typer.BadParameter(f"{vocabulary} does not exist", param_hint="--vocabulary")
    beside = present[0].parent / "routing_vocabulary.json"
    vocab = load_vocabulary(vocabulary or (beside if beside.is_file() else REPO_TESTS / "routing_vocabulary.json"))
    registry = default_registry()
    router = EmbeddingRouter(registry, get_embedder(settings(), backend=ROUTER_EMBEDDING_BACKEND), vocab).fit()
    agent = Agent(registry, router, vocab)
    results = evaluate_sets(agent, present)
    if as_json:
        emit({"sets": {name: {"role": "held-out" if name in HELD_OUT_SETS else "dev",
                              **(r.__dict__ if show_misses else {**r.__dict__, "misses": len(r.misses)})}
                       for name, r in results.items()},
              "side_by_side": {name: r.figures() for name, r in results.items()},
              "skipped": skipped, "baseline": baseline}, True)
        return
    heads = [f"{n} ({'held-out' if n in HELD_OUT_SETS else 'dev'})" for n in results]
    width = max(len(h) for h in heads) + 2
    typer.echo(f"{'metric':<24}" + "".join(f"{h:>{width}}" for h in heads))
    for label, values in side_by_side(results):
        typer.echo(f"{label:<24}" + "".join(f"{v:>{width}}" for v in values))
    if skipped:
        typer.echo(f"(not present yet: {', '.join(skipped)})")
    if baseline:
        typer.echo(f"baseline on {baseline['set']} (commit {baseline['commit']}): tool + arguments "
                   f"{baseline['accuracy']:.1%}, tool {baseline['tool_accuracy']:.1%}, refusal recall "
                   f"{baseline['refusal_recall']:.0%}, refused or asked {baseline['refusal_safe']:.0%}")
    if show_misses:
        for name, r in results.items():
            for miss in r.misses:
                typer.echo(f"  {name} line {miss['line']}: {miss['question']!r} -> {miss['got']} "
                           f"(expected {miss['expected']})")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")

    @app.command()
    def serve(
        workspace: WorkspaceOpt = None,
        host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1; others need accounts).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
        demo_user: Annotated[bool, typer.Option(
            "--demo-user/--no-demo-user", help="Create a 'demo' account with a random password if there is none.")] = False,
    ) -> None:
        """Serve the web app (login required; binds to 127.0.0.1 unless told otherwise)."""
        from memberinsight.ui import serve as serve_app

        cfg = settings(workspace).replace(server_host=host, server_port=port)
        serve_app(open_workspace(workspace), cfg, ensure_demo_user=demo_user)
