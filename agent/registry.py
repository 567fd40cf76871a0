"""The tool registry: typed plain functions whose schema comes from their signature and docstring.

A tool is a function ``f(ctx: ToolContext, arg: type = default, ...) -> ToolResult`` with a
Google-style docstring::

    def compare_segments(ctx, segment_a: str, segment_b: str) -> ToolResult:
        \"\"\"Compare two member segments side by side.

        Args:
            segment_a: first segment name.
            segment_b: second segment name.

        Examples:
            compare champions and hibernating
            how do new customers differ from loyal customers
        \"\"\"

The first line is the summary, ``Args`` describe the parameters and ``Examples`` are operator
questions the router embeds. Parameters annotated ``FreeText`` take the free text of the question
(e.g. a product search query); ``Literal[...]`` parameters list their allowed values.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from memberinsight.errors import DataValidationError, NotFoundError

FREE_TEXT = "free text"
FreeText = Annotated[str, FREE_TEXT]
"""A string parameter filled from the question's own words (a search query, an offer)."""
AUDIENCE = "audience"
Audience = Annotated[str, AUDIENCE]
"""A segment parameter that also takes a member list shown earlier in the conversation ("them")."""

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
_SECTION_RE = re.compile(r"^(Args|Arguments|Parameters|Examples|Returns|Raises|Notes?):\s*$")


@dataclass(frozen=True)
class Param:
    """One tool parameter, derived from the signature and the ``Args`` section."""

    name: str
    type: type
    required: bool
    default: Any
    description: str
    free_text: bool = False
    choices: tuple[str, ...] | None = None
    audience: bool = False

    @property
    def json_type(self) -> str:
        return _JSON_TYPES.get(self.type, "string")

    def coerce(self, value: Any, tool: str) -> Any:
        """``value`` converted to this parameter's type; raises :class:`DataValidationError`."""
        if value is None:
            return None
        try:
            if self.type is bool:
                out: Any = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            elif self.type is int:
                out = int(float(value))
            elif self.type is float:
                out = float(value)
            else:
                out = str(value).strip()
        except (TypeError, ValueError) as exc:
            raise DataValidationError(f"{tool}: argument '{self.name}' must be {self.json_type}, "
                                      f"got {value!r}", column=self.name) from exc
        if self.choices is not None and out not in self.choices:
            raise DataValidationError(f"{tool}: argument '{self.name}' must be one of "
                                      f"{', '.join(self.choices)}, got {value!r}", column=self.name)
        return out


@dataclass(frozen=True)
class Tool:
    """A registered tool: the function plus what the router and a model need to call it."""

    name: str
    func: Callable[..., Any]
    summary: str
    description: str
    examples: tuple[str, ...]
    params: tuple[Param, ...]

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.required)

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Arguments checked against the schema: unknown names dropped, types coerced, required present.

        Raises :class:`DataValidationError` naming the missing or malformed argument.
        """
        known = {p.name: p for p in self.params}
        out: dict[str, Any] = {}
        for name, value in arguments.items():
            if name in known and value not in (None, ""):
                out[name] = known[name].coerce(value, self.name)
        missing = [n for n in self.required if n not in out]
        if missing:
            raise DataValidationError(f"{self.name}: missing argument(s) {', '.join(missing)}",
                                      column=missing[0])
        return out

    def json_schema(self) -> dict[str, Any]:
        """An OpenAI-style function schema (for model tool-calling)."""
        props: dict[str, Any] = {}
        for p in self.params:
            prop: dict[str, Any] = {"type": p.json_type, "description": p.description}
            if p.choices:
                prop["enum"] = list(p.choices)
            props[p.name] = prop
        return {"type": "function", "function": {
            "name": self.name, "description": self.description,
            "parameters": {"type": "object", "properties": props, "required": list(self.required)}}}


def _parse_docstring(doc: str) -> tuple[str, str, dict[str, str], list[str]]:
    """(summary, description, {arg: text}, examples) from a Google-style docstring."""
    lines = inspect.cleandoc(doc).splitlines()
    summary = lines[0].strip() if lines else ""
    body: list[str] = []
    args: dict[str, str] = {}
    examples: list[str] = []
    section = None
    last_arg = None
    for raw in lines[1:]:
        line = raw.strip()
        match = _SECTION_RE.match(line)
        if match:
            section = match.group(1)
            continue
        if not line:
            continue
        if section is None:
            body.append(line)
        elif section in ("Args", "Arguments", "Parameters"):
            name, sep, text = line.partition(":")
            if sep and raw.startswith(" " * 4) and not raw.startswith(" " * 8) and name.isidentifier():
                last_arg = name.strip()
                args[last_arg] = text.strip()
            elif last_arg:
                args[last_arg] += " " + line
        elif section == "Examples":
            examples.append(line)
    description = " ".join([summary, *body]).strip()
    return summary, description, args, examples


def _unwrap(annotation: Any) -> tuple[type, frozenset[str], tuple[str, ...] | None, bool]:
    """(base type, markers such as FREE_TEXT, choices, optional) for a resolved annotation."""
    markers: set[str] = set()
    choices = None
    optional = False
    if typing.get_origin(annotation) is Annotated:
        base, *meta = typing.get_args(annotation)
        markers.update(m for m in meta if isinstance(m, str))
        annotation = base
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else str
        if typing.get_origin(annotation) is Annotated:
            base, *meta = typing.get_args(annotation)
            markers.update(m for m in meta if isinstance(m, str))
            annotation = base
    if typing.get_origin(annotation) is Literal:
        choices = tuple(str(a) for a in typing.get_args(annotation))
        annotation = str
    if annotation not in _JSON_TYPES:
        annotation = str
    return annotation, frozenset(markers), choices, optional


def tool_from_function(func: Callable[..., Any], name: str | None = None) -> Tool:
    """Derive a :class:`Tool` from a typed function with a Google-style docstring.

    The first parameter (the :class:`~agent.types.ToolContext`) is not part of the schema.
    Raises :class:`DataValidationError` when the docstring lacks a summary, examples, or a
    description of a parameter.
    """
    tool_name = name or func.__name__
    if not func.__doc__:
        raise DataValidationError(f"tool {tool_name} has no docstring")
    summary, description, arg_docs, examples = _parse_docstring(func.__doc__)
    if not examples:
        raise DataValidationError(f"tool {tool_name}: docstring has no Examples section")
    hints = typing.get_type_hints(func, include_extras=True)
    params: list[Param] = []
    for i, (pname, p) in enumerate(inspect.signature(func).parameters.items()):
        if i == 0:
            continue  # the ToolContext
        if pname not in arg_docs:
            raise DataValidationError(f"tool {tool_name}: parameter '{pname}' is not described under Args")
        base, markers, choices, _ = _unwrap(hints.get(pname, str))
        required = p.default is inspect.Parameter.empty
        params.append(Param(pname, base, required, None if required else p.default, arg_docs[pname],
                            FREE_TEXT in markers, choices, AUDIENCE in markers))
    return Tool(tool_name, func, summary, description, tuple(examples), tuple(params))


class ToolRegistry:
    """An ordered set of tools, looked up by name."""

    def __init__(self, funcs: Iterable[Callable[..., Any]] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for func in funcs:
            self.register(func)

    def register(self, func: Callable[..., Any], name: str | None = None) -> Tool:
        """Add ``func`` as a tool (its schema derived from signature and docstring)."""
        tool = tool_from_function(func, name)
        self._tools[tool.name] = tool
        return tool

    def __getitem__(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise NotFoundError(f"no tool named {name!r} (known: {', '.join(self._tools)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool's function schema, for a model that can call tools."""
        return [t.json_schema() for t in self]
