"""Every table the command line prints has a header line naming its columns, above the rows; figures
read for people (currency, percentages, dates in words) while ``--json`` keeps the raw values.

Runs each listing command in human mode on a private copy of the small built demo workspace.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.cli.tables import text_table
from tests.conftest import copy_workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def shop(built_workspace, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A copy of the built demo workspace with a fraud scan, a user and a saved segment; ids to list."""
    ws = copy_workspace(built_workspace, tmp_path_factory.mktemp("tables") / "workspace")
    w = ["--workspace", str(ws.path)]
    for args in (["fraud", "scan"], ["user", "add", "ana", "--password", "long-enough-pw", "--role", "admin"],
                 ["segment", "save", "Outdoor regulars", "--sentence", "bought Outdoor at least twice"]):
        result = runner.invoke(app, [*args, *w])
        assert result.exit_code == 0, result.output
    with ws.analytics(read_only=True) as con:
        member = con.execute("SELECT member_id FROM member_predictions WHERE rfm_segment = 'Champions' "
                             "ORDER BY member_id LIMIT 1").fetchall()[0][0]
        product, category = con.execute("SELECT product_id, category FROM products ORDER BY product_id "
                                         "LIMIT 1").fetchall()[0]
    return {"workspace": str(ws.path), "member": member, "product": product, "category": category}


NO_WORKSPACE = {("segment", "fields")}
"""Listings that read no workspace (no --workspace option)."""


def _human(shop: dict[str, str], *args: str) -> list[str]:
    where = [] if tuple(args[:2]) in NO_WORKSPACE else ["--workspace", shop["workspace"]]
    result = runner.invoke(app, [*args, *where], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "--json" not in args
    return result.stdout.splitlines()


def _header_index(lines: list[str], names: list[str]) -> int:
    """The first line naming every column of ``names``, left to right."""
    for i, line in enumerate(lines):
        positions = [line.find(n) for n in names]
        if all(p >= 0 for p in positions) and positions == sorted(positions):
            return i
    raise AssertionError(f"no header line with {names} in:\n" + "\n".join(lines))


TEXT_TABLES = {
    "queue list": (["queue", "list", "--status", "all"], ["review", "risk", "status", "version", "main reason"]),
    "fraud queue list": (["fraud", "queue", "list", "--status", "all"],
                         ["item", "risk", "status", "version", "main reason"]),
    "fraud rules": (["fraud", "rules"], ["on", "rule", "severity", "check", "description"]),
    "fraud rules --kinds": (["fraud", "rules", "--kinds"], ["check", "finds", "parameters"]),
    "segment list": (["segment", "list"], ["segment", "members", "owner", "updated", "definition"]),
    "segment fields": (["segment", "fields"], ["field", "type", "meaning"]),
    "segment show": (["segment", "show", "Outdoor regulars"], ["computed", "members", "data version"]),
    "user list": (["user", "list"], ["user", "role", "since", "status"]),
    "audit list": (["audit", "list"], ["id", "at", "actor", "action", "object", "outcome", "detail"]),
    "recs": (["recs", "{member}", "-k", "5"], ["score", "product", "title", "signal", "why"]),
    "recommend": (["recommend", "{member}", "-k", "5"], ["score", "product", "title", "why"]),
    "search": (["search", "waterproof hiking boots", "-k", "5"], ["score", "product", "category", "title"]),
    "search --reviews": (["search", "great quality", "--reviews", "-k", "5"],
                         ["score", "review", "product", "stars", "text"]),
    "similar": (["similar", "{product}", "-k", "5"], ["score", "product", "category", "title"]),
    "rules": (["rules", "--limit", "5"], ["lift", "conf", "support", "baskets", "if bought", "then also"]),
    "duplicates": (["duplicates", "--threshold", "0.8"], ["cluster", "reviews", "accounts", "similarity"]),
    "next-best-offer": (["next-best-offer", "--segment", "Champions"], ["product", "title", "why"]),
}
RICH_TABLES = {
    "segments": (["segments"], ["segment", "members", "share"]),
    "churn": (["churn", "--top", "5", "--min-churn", "0"], ["member", "segment", "churn", "value at risk"]),
    "clv": (["clv", "--top", "5"], ["member", "segment"]),
    "compare": (["compare", "Champions", "Lost"], ["metric", "Champions", "Lost"]),
    "forecast": (["forecast", "--category", "{category}", "--weeks", "4"], ["week", "units", "revenue"]),
    "analytics-models": (["analytics-models"], ["name", "version", "created"]),
    "status": (["status"], ["table", "rows"]),
}


@pytest.mark.parametrize("name", sorted(TEXT_TABLES))
def test_text_tables_start_with_a_header_line(shop: dict[str, str], name: str) -> None:
    args, columns = TEXT_TABLES[name]
    lines = _human(shop, *[a.format(**shop) for a in args])
    at = _header_index(lines, columns)
    rows = [line for line in lines[at + 1:] if line.strip()]
    assert rows, f"{name}: a header but no rows:\n" + "\n".join(lines)
    if name not in ("segment show", "next-best-offer", "fraud rules"):
        assert at == 0, f"{name}: the header is not the first line:\n" + "\n".join(lines)


@pytest.mark.parametrize("name", sorted(RICH_TABLES))
def test_boxed_tables_have_a_header_above_the_rows(shop: dict[str, str], name: str) -> None:
    args, columns = RICH_TABLES[name]
    lines = _human(shop, *[a.format(**shop) for a in args])
    at = _header_index(lines, columns)
    assert any(line.startswith("│") for line in lines[at + 1:]), "\n".join(lines)


def test_figures_read_for_people_and_json_keeps_raw_values(shop: dict[str, str]) -> None:
    text = "\n".join(_human(shop, "segments"))
    assert re.search(r"£\d{1,3}(,\d{3})*", text) and re.search(r"\d+(\.\d)?%", text)
    raw = json.loads(runner.invoke(app, ["segments", "--json", "--workspace", shop["workspace"]]).stdout)
    assert all(isinstance(s["revenue_share"], float) and 0 <= s["revenue_share"] <= 1 for s in raw)

    compare = _human(shop, "compare", "Champions", "Lost")
    assert any("Champions as a multiple of Lost" in line for line in compare)
    assert not any("Champions / Lost" in line for line in compare)
    revenue = next(line for line in compare if "│ revenue " in line)
    assert "£" in revenue and "×" in revenue
    cmp_json = json.loads(runner.invoke(app, ["compare", "Champions", "Lost", "--json",
                                              "--workspace", shop["workspace"]]).stdout)
    assert all(isinstance(d["ratio"], float | None) for d in cmp_json["differences"])

    users = _human(shop, "user", "list")
    assert re.search(r"ana\s+admin\s+\d{1,2} [A-Z][a-z]+ \d{4}\s+active", users[1]), users
    profile = "\n".join(_human(shop, "member", shop["member"]))
    assert re.search(r"joined \d{1,2} [A-Z][a-z]+ \d{4}", profile) and "net spend £" in profile


def test_text_table_aligns_figures_right_and_cuts_long_cells() -> None:
    table = text_table(["name", "revenue", "share", "note"],
                       [["Champions", "£284,088", "59%", "x" * 30], ["Lost", "£912.50", "4.1%", "short"]],
                       max_widths=[None, None, None, 10])
    assert table.splitlines() == ["name        revenue  share  note",
                                  "Champions  £284,088    59%  xxxxxxxxx…",
                                  "Lost        £912.50   4.1%  short"]
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        text_table(["a", "b", "c"], [["1", "2"]])


def test_empty_listings_say_so_in_words(tmp_path: Path) -> None:
    from memberinsight.workspace import Workspace

    ws = Workspace.create(tmp_path / "empty")
    for args, expected in ((["user", "list"], "No users yet"), (["segment", "list"], "No saved segments"),
                           (["queue", "list"], "The queue is empty"), (["audit", "list"], "The audit log is empty")):
        result = runner.invoke(app, [*args, "--workspace", str(ws.path)])
        assert result.exit_code == 0 and expected in result.stdout, (args, result.output)
