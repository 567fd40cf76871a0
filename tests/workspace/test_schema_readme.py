"""The README documents the schema the code uses, column by column."""

from __future__ import annotations

from pathlib import Path

from memberinsight.workspace.schema import TABLES, schema_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_schema_section_is_the_code_schema() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Schema\n\n", 1)[1].split("\n## ", 1)[0]
    assert section.strip() == schema_markdown().strip()
    for table in TABLES.values():
        for column in table.columns:
            assert f"| `{column.name}` | {column.type} |" in section
