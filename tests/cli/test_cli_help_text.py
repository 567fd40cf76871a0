"""``--help`` reads plainly: every command's help, walked through typer's CliRunner, shows no type tags
on flags (``<bool>``), no ``<str>``-style tags at all, and no reStructuredText (double backticks,
``:func:`` roles, ``**bold**``)."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.cli.helptext import plain_text, type_words

runner = CliRunner()
RST_ROLE = re.compile(r":[a-z]+(:[a-z]+)?:`")
TYPE_TAG = re.compile(r"<(str|int|float|bool|path|Path|list\[[^\]]*\]|datetime)>")


def _paths(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the CLI: groups and their commands, recursively."""
    found = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _paths(sub, (*path, name))
    return found


ALL_PATHS = _paths(typer.main.get_command(app))


def test_the_walk_covers_the_whole_cli() -> None:
    names = {" ".join(p) for p in ALL_PATHS}
    assert len(ALL_PATHS) > 60
    assert {"", "queue list", "fraud queue decide", "segment save", "evaluate agent", "user add"} <= names


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: " ".join(p) or "memberinsight")
def test_help_has_no_markup_or_type_noise(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Usage:" in out and "--help" in out
    assert "<bool>" not in out, out
    assert not TYPE_TAG.search(out), out
    assert "``" not in out, out
    assert not RST_ROLE.search(out), out
    assert "**" not in out, out


def test_flags_show_no_type_and_values_show_plain_words() -> None:
    out = runner.invoke(app, ["queue", "decide", "--help"], terminal_width=120).output
    json_line = next(line for line in out.splitlines() if "--json" in line)
    version_line = next(line for line in out.splitlines() if "--version" in line)
    assert "Print machine-readable JSON" in json_line and "BOOL" not in json_line.upper().replace("BOOLEAN", "")
    assert "INTEGER" in version_line
    # the docstring's ``actor`` reads as `actor`, and the sentence is not cut by the docstring's line breaks
    assert "the configured `actor` or your OS user" in " ".join(out.split())


def test_member_help_names_its_alias_without_backticks_doubled() -> None:
    out = runner.invoke(app, ["--help"], terminal_width=160).output
    member = next(line for line in out.splitlines() if line.strip("│ ").startswith("member "))
    assert "(same as `profile`)" in member


def test_plain_text_rules() -> None:
    assert plain_text("same as ``profile``") == "same as `profile`"
    assert plain_text("turns :class:`~memberinsight.errors.MemberInsightError` into") == \
        "turns `MemberInsightError` into"
    assert plain_text("see :func:`memberinsight.cli.main`") == "see `memberinsight.cli.main`"
    assert plain_text("a **bold** claim") == "a bold claim"
    assert plain_text("Example::\n\n    memberinsight x") == "Example:\n\n    memberinsight x"
    assert plain_text("one line\nwrapped here\n\nsecond paragraph") == "one line wrapped here\n\nsecond paragraph"
    assert plain_text("a list:\n- one\n- two") == "a list:\n- one\n- two"
    assert plain_text(None) is None


def test_type_words() -> None:
    assert type_words("<bool>") is None
    assert type_words("<str>") == "TEXT"
    assert type_words("<int>") == "INTEGER"
    assert type_words("<float>") == "NUMBER"
    assert type_words("<path>") == "PATH"
    assert type_words("<list[Path]>") == "PATH..."
    assert type_words("<str>...") == "TEXT..."
    assert type_words("<int range>") == "INTEGER"
    assert type_words("<rfm|cluster>") == "rfm|cluster"
