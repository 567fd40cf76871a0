"""Shared CLI plumbing: common options, output (human or ``--json``), progress bars, error edges."""

from __future__ import annotations

import dataclasses
import getpass
import json
import os
import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from memberinsight.config import Settings, load_settings

T = TypeVar("T")

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace directory (default: $MEMBERINSIGHT_WORKSPACE, else $MEMBERINSIGHT_HOME/workspace; home ~/.memberinsight)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]

# `memberinsight evaluate ...`: every package adds its own evaluation command here.
evaluate_app = typer.Typer(help="Offline evaluations (time splits, held-out sets); print metrics.", no_args_is_help=True)


def settings(workspace: Path | None = None) -> Settings:
    """Resolved settings, with the ``--workspace`` option applied."""
    return load_settings(workspace=workspace)


def cli_actor(cfg: Settings) -> str:
    """Who a command acts as in the audit log: the configured ``actor`` (``MEMBERINSIGHT_ACTOR``), else the
    OS user, marked ``(cli)``, e.g. ``alice (cli)``. Never taken from a command-line flag."""
    name = cfg.actor.strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no user name in the environment or the password database
            name = f"uid {os.getuid()}"
    return f"{name} (cli)"


def open_workspace(workspace: Path | None):
    """The existing workspace named by ``--workspace`` or configuration."""
    from memberinsight.workspace import Workspace

    return Workspace.open(settings(workspace).workspace_dir)


def to_jsonable(obj: Any) -> Any:
    """Turn dataclasses, paths, dates, numpy and pandas values into JSON-friendly data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {k: to_jsonable(v) for k, v in dataclasses.asdict(obj).items()}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):  # pandas DataFrame
        return to_jsonable(obj.to_dict(orient="records"))
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        try:
            return obj.item()
        except (ValueError, TypeError):
            pass
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, float) and obj != obj:  # NaN
        return None
    return obj


def emit(result: Any, as_json: bool, text: str | None = None) -> None:
    """Print ``result`` as JSON (``--json``) or ``text`` (defaulting to a readable rendering)."""
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(result), indent=2, ensure_ascii=False, default=str) + "\n")
        return
    if text is not None:
        typer.echo(text)
        return
    from rich.console import Console
    from rich.pretty import pprint

    pprint(to_jsonable(result), console=Console(), expand_all=False)


def progress(items: Iterable[T], description: str, total: int | None = None, enabled: bool = True,
             unit: str = "item") -> Iterator[T]:
    """Progress on stderr: a live bar on a terminal, plain periodic lines in a log or pipe, nothing when
    ``enabled`` is False (``--json``). See :mod:`memberinsight.progress`."""
    from memberinsight.progress import track

    yield from track(items, description, total=total, enabled=enabled, unit=unit)
