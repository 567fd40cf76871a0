"""The registry derives schemas and routing examples from typed functions with docstrings."""

from __future__ import annotations

from typing import Literal

import pytest

from memberinsight.agent.registry import FreeText, ToolRegistry, tool_from_function
from memberinsight.agent.router import parse_tool_call
from memberinsight.agent.tools import TOOLS, default_registry
from memberinsight.errors import DataValidationError, NotFoundError


def lookup(ctx, member_id: str, k: int = 5, channel: Literal["email", "sms"] = "email",
           query: FreeText | None = None, min_value: float = 0.0) -> None:
    """Look up a member.

    More words about the tool.

    Args:
        member_id: the member's id.
        k: how many rows,
            continued on a second line.
        channel: where to send.
        query: words to search.
        min_value: a floor.

    Examples:
        show member 10
        who is customer 22
    """


def test_schema_comes_from_signature_and_docstring() -> None:
    tool = tool_from_function(lookup)
    assert tool.name == "lookup"
    assert tool.summary == "Look up a member."
    assert tool.description == "Look up a member. More words about the tool."
    assert tool.examples == ("show member 10", "who is customer 22")
    params = {p.name: p for p in tool.params}
    assert list(params) == ["member_id", "k", "channel", "query", "min_value"]  # ctx is not a parameter
    assert params["member_id"].required and params["member_id"].type is str
    assert not params["k"].required and params["k"].default == 5 and params["k"].type is int
    assert params["k"].description == "how many rows, continued on a second line."
    assert params["channel"].choices == ("email", "sms")
    assert params["query"].free_text and not params["query"].required
    assert params["min_value"].type is float
    schema = tool.json_schema()["function"]
    assert schema["parameters"]["required"] == ["member_id"]
    assert schema["parameters"]["properties"]["channel"]["enum"] == ["email", "sms"]
    assert schema["parameters"]["properties"]["k"]["type"] == "integer"


def test_validate_coerces_and_rejects() -> None:
    tool = tool_from_function(lookup)
    assert tool.validate({"member_id": 123, "k": "7", "min_value": "2.5", "unknown": 1}) == {
        "member_id": "123", "k": 7, "min_value": 2.5}
    with pytest.raises(DataValidationError, match="missing argument"):
        tool.validate({"k": 3})
    with pytest.raises(DataValidationError, match="channel"):
        tool.validate({"member_id": "1", "channel": "fax"})
    with pytest.raises(DataValidationError, match="'k' must be integer"):
        tool.validate({"member_id": "1", "k": "many"})


def test_tools_must_document_parameters_and_examples() -> None:
    def no_examples(ctx, x: int) -> None:
        """Does x.

        Args:
            x: a number.
        """

    def undocumented(ctx, x: int) -> None:
        """Does x.

        Examples:
            do x
        """

    with pytest.raises(DataValidationError, match="no Examples"):
        tool_from_function(no_examples)
    with pytest.raises(DataValidationError, match="'x' is not described"):
        tool_from_function(undocumented)


def test_builtin_tools_are_all_registered_with_examples() -> None:
    registry = default_registry()
    assert len(registry) == len(TOOLS) >= 13 and "fraud_overview" in registry
    for tool in registry:
        assert len(tool.examples) >= 8, tool.name
        assert tool.summary.endswith("."), tool.name
    assert {"segment_a", "segment_b"} == {p.name for p in registry["compare_segments"].params}
    assert registry["product_search"].param("query").free_text
    with pytest.raises(NotFoundError, match="no tool named"):
        registry["drop_tables"]


def test_model_tool_calls_are_parsed_as_data_and_validated() -> None:
    registry = ToolRegistry([lookup])
    route = parse_tool_call('Sure! {"tool": "lookup", "arguments": {"member_id": 42, "k": "3"}}', registry)
    assert route.tool == "lookup" and route.arguments == {"member_id": "42", "k": 3}
    assert parse_tool_call('{"tool": "clarify"}', registry).tool is None
    for bad in ('no json here', '{"tool": "os.system", "arguments": {}}', '{"tool": "lookup", "arguments": {}}',
                '{"tool": "lookup", "arguments": "rm -rf /"}', '[1, 2]', '{"tool": "lookup", '):
        with pytest.raises(DataValidationError):
            parse_tool_call(bad, registry)
