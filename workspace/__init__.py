"""Workspace package: the canonical schema, storage (DuckDB + SQLite), ingestion and the demo shop."""

from __future__ import annotations

from workspace.schema import MEMBERS, ORDERS, PRODUCTS, REVIEWS, TABLES, Column, Table, schema_markdown
from workspace.store import Workspace

__all__ = ["MEMBERS", "ORDERS", "PRODUCTS", "REVIEWS", "TABLES", "Column", "Table", "Workspace", "schema_markdown"]
