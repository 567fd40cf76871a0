"""Workspace package: the canonical schema, storage (DuckDB + SQLite), ingestion and the demo shop."""

from __future__ import annotations

from memberinsight.workspace.audit import (
    AuditEntry,
    AuditProblem,
    AuditVerification,
    append_audit,
    list_audit,
    verify_audit,
)
from memberinsight.workspace.schema import (
    MEMBERS,
    ORDERS,
    PRODUCTS,
    REVIEWS,
    TABLES,
    Column,
    Table,
    schema_markdown,
)
from memberinsight.workspace.store import Workspace, is_workspace

__all__ = ["MEMBERS", "ORDERS", "PRODUCTS", "REVIEWS", "TABLES", "AuditEntry", "AuditProblem", "AuditVerification",
           "Column", "Table", "Workspace", "append_audit", "is_workspace", "list_audit", "schema_markdown",
           "verify_audit"]
# Ingestion (imported lazily: it pulls in pandas, which `from workspace import Workspace` does not need).
_INGEST_EXPORTS = ("DataQuality", "IngestLogEntry", "IngestReport", "WorkspaceStatus", "ingest_directory",
                   "ingest_file", "ingest_paths", "workspace_status")
__all__ += list(_INGEST_EXPORTS)


def __getattr__(name: str):
    if name in _INGEST_EXPORTS:
        import memberinsight.workspace.ingest as _ingest

        return getattr(_ingest, name)
    raise AttributeError(f"module 'workspace' has no attribute {name!r}")
