"""The ``memberinsight`` command line: one sub-command per capability.

Each module in :data:`COMMAND_MODULES` registers its commands on :data:`app` through a
``register(app)`` function and imports its heavy dependencies inside the command bodies, so
``memberinsight --help`` stays fast. :func:`main` is the only place that turns
:class:`~memberinsight.errors.MemberInsightError` into a friendly message and exit code 1.
"""

from __future__ import annotations

import importlib
import sys

import typer

from memberinsight.cli.common import evaluate_app
from memberinsight.cli.helptext import plain_help
from memberinsight.errors import MemberInsightError
from memberinsight.progress import quiet_library_bars

COMMAND_MODULES: tuple[str, ...] = (
    "data",
    "demo",
    "generate",
    "retrieval",
    "campaigns",
    "segments",
    "webapp",
    "screening",
    "analytics",
    "recommend",
    "audit",
    "ask",
    "fraud",
    "suppress",
    "campaign_workflow",
    "privacy",
    "lake",
)

app = typer.Typer(
    name="memberinsight",
    help="Member Insight: member analytics, recommendations, review screening and campaign copy for CRM teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(evaluate_app, name="evaluate")

for _name in COMMAND_MODULES:
    importlib.import_module(f"memberinsight.cli.{_name}").register(app)
plain_help(app)  # --help without reStructuredText markup or <bool>/<str> tags (memberinsight/cli/helptext.py)


def main() -> None:
    """Console-script entry point."""
    quiet_library_bars()  # in a log or pipe: no third-party bars frozen at 0% (ours print plain lines)
    try:
        app()
    except MemberInsightError as exc:
        typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(1)
