"""``--help`` for people: no reStructuredText markup, no type tags on flags.

Command docstrings double as developer documentation and carry reStructuredText (````profile````,
``:func:`x```); typer shows them as they are, and labels every option with a type tag (``<bool>`` on
a flag, ``<str>``). :func:`plain_help` gives every command and group of an app help classes that
print the text without markup, no type on flags and plain words for the others (``TEXT``,
``INTEGER``, ``PATH``). It only sets each command's class: nothing is built until help is shown.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.models import DefaultPlaceholder

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`(~?)([^`<]*?)(?:\s*<[^`>]*>)?`")
_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_STRONG = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")
_LITERAL_BLOCK = re.compile(r"(\w)::(\s*(?:\n|$))")

TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "Path": "PATH",
              "datetime": "DATE", "date": "DATE", "file": "FILE", "bool": ""}
"""typer's type tags in the words ``--help`` shows instead (nothing for a flag)."""


def plain_text(text: str | None) -> str | None:
    """``text`` without reStructuredText markup: ````x```` and ``:role:`x``` become ```x```
    (a dotted name keeps its last part when written ``~a.b``), ``**x**`` becomes ``x``, and a literal
    block's ``::`` a colon."""
    if not text:
        return text
    text = _ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", text)
    text = _LITERAL.sub(lambda m: f"`{m.group(1)}`", text)
    text = _STRONG.sub(r"\1", text)
    text = _LITERAL_BLOCK.sub(r"\1:\2", text)
    return "\n\n".join(_joined(p) for p in text.split("\n\n"))


def _joined(paragraph: str) -> str:
    """A paragraph's wrapped lines as one line (the terminal wraps it again); lists and indented or
    ``\\b`` blocks are kept as written."""
    lines = paragraph.split("\n")
    if paragraph.startswith("\b") or any(line[:1].isspace() for line in lines) or any(
            line[:2] in ("- ", "* ") for line in lines[1:]):
        return paragraph
    return " ".join(line.strip() for line in lines)


def type_words(tag: str | None) -> str | None:
    """A typer type tag in plain words: ``<int>`` -> ``INTEGER``, ``<list[Path]>`` -> ``PATH...``,
    ``<bool>`` -> None; choices (``<a|b>``) keep their values."""
    if tag is None:
        return None
    suffix = "..." if tag.endswith("...") else ""
    bare = tag.removesuffix("...").strip()
    if bare.startswith("<") and bare.endswith(">"):
        bare = bare[1:-1]
    if bare.startswith("list[") and bare.endswith("]"):
        bare, suffix = bare[5:-1], "..."
    if bare.endswith(" range"):  # "int range": the range itself is shown beside it
        bare = bare.removesuffix(" range")
    if "|" in bare:
        return bare + suffix
    word = TYPE_WORDS.get(bare, bare.upper())
    return word + suffix if word else None


class PlainOption(TyperOption):
    """An option whose help shows no type on a flag and plain words otherwise."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return type_words(super().display_type_rich(ctx))


class PlainArgument(TyperArgument):
    """An argument whose help shows its type in plain words."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return type_words(super().display_type_rich(ctx))


def _plain_param(param: Any) -> None:
    param.help = plain_text(param.help)
    # typer builds its own parameter objects; this changes only how their type reads in --help
    if type(param) is TyperOption:
        param.__class__ = PlainOption
    elif type(param) is TyperArgument:
        param.__class__ = PlainArgument


def _plain_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    for key in ("help", "short_help", "epilog"):
        if isinstance(kwargs.get(key), str):
            kwargs[key] = plain_text(kwargs[key])
    return kwargs


class _PlainHelp:
    """Help text and parameters that read plainly (see the module docstring), for a command or a group."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_plain_kwargs(kwargs))  # type: ignore[call-arg]
        for param in self.params:
            _plain_param(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            _plain_param(option)
        return option


class PlainHelpCommand(_PlainHelp, TyperCommand):
    """A typer command whose help text and parameters read plainly."""


class PlainHelpGroup(_PlainHelp, TyperGroup):
    """A typer group whose help text and parameters read plainly."""


def _unset(value: Any) -> bool:
    """No class chosen: typer's default (None, a placeholder, or the plain typer class itself)."""
    return value is None or isinstance(value, DefaultPlaceholder) or value in (TyperCommand, TyperGroup)


def plain_help(app: typer.Typer) -> typer.Typer:
    """Give every command and group of ``app`` (recursively) the plain help classes, unless one was
    chosen already. Returns ``app``."""
    if _unset(app.info.cls):
        app.info.cls = PlainHelpGroup
    for command in app.registered_commands:
        if _unset(command.cls):
            command.cls = PlainHelpCommand
    for group in app.registered_groups:
        if _unset(group.cls):
            group.cls = PlainHelpGroup
        if group.typer_instance is not None:
            plain_help(group.typer_instance)
    return app
