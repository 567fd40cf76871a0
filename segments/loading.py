"""Definition text (JSON/YAML) to plain data, within size and nesting limits.

Untrusted text (a form, a file, an API call) is checked *before* it is decoded: its length against
:data:`MAX_TEXT` and its nesting of objects/lists against :data:`MAX_NESTING`, by a scan that does not
recurse, so a 2,000- or 100,000-deep text is refused at once with a :class:`SegmentDefinitionError`
naming the limit (never a ``RecursionError``). YAML aliases are refused too. The data is then
validated by :func:`segments.definition.parse_definition`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from memberinsight.segments.errors import SegmentDefinitionError

MAX_TEXT = 64 * 1024
"""Longest JSON/YAML definition text, in characters (checked before parsing)."""
MAX_NESTING = 32
"""Deepest nesting of objects and lists in JSON/YAML text (a definition within
:data:`segments.definition.MAX_DEPTH` groups needs about 16)."""

_JSON_TOKEN = re.compile(r'\\.|["\[\]{}]', re.S)


def _check_length(text: Any, kind: str) -> str:
    if not isinstance(text, str):
        raise SegmentDefinitionError(f"a {kind} definition must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise SegmentDefinitionError(f"the {kind} text is {len(text):,} characters; the limit is "
                                     f"{MAX_TEXT:,} (MAX_TEXT, 64 KB)")
    return text


def _too_deep(kind: str) -> SegmentDefinitionError:
    from memberinsight.segments.definition import MAX_DEPTH

    return SegmentDefinitionError(f"the {kind} text nests objects/lists deeper than {MAX_NESTING} levels "
                                  f"(MAX_NESTING); a definition allows at most {MAX_DEPTH} nested groups")


def load_json(text: str) -> Any:
    """JSON text -> data, refusing text over :data:`MAX_TEXT` characters or nested deeper than
    :data:`MAX_NESTING` before it is decoded (one linear scan: no recursion, however deep the text)."""
    _check_length(text, "JSON")
    depth, in_string = 0, False
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()
        if char == '"':
            in_string = not in_string
        elif in_string or len(char) > 1:
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise _too_deep("JSON")
        else:
            depth -= 1
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SegmentDefinitionError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc


def load_yaml(text: str) -> Any:
    """YAML text -> data (safe loader), refusing text over :data:`MAX_TEXT` characters, nested deeper
    than :data:`MAX_NESTING` or using aliases: checked on the parser's event stream (which does not
    recurse) before anything is built."""
    import yaml

    _check_length(text, "YAML")
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise SegmentDefinitionError("YAML aliases (*name) are not allowed in a segment definition")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise _too_deep("YAML")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SegmentDefinitionError(f"not valid YAML ({exc})") from exc
