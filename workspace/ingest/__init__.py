"""Validated, transactional ingestion of shop exports into a workspace.

Public API::

    ingest_file(ws, path, kind=None, strict=False) -> IngestReport
    ingest_directory(ws, directory, strict=False) -> list[IngestReport]
    workspace_status(ws) -> WorkspaceStatus

Layouts: the canonical CSVs of :mod:`workspace.schema` and the UCI Online Retail export
(see :mod:`workspace.ingest.formats`). Every file loads in one DuckDB transaction; bad rows go
to a rejects CSV per batch with their original content, line, column and reason.
"""

from __future__ import annotations

from workspace.ingest.formats import KINDS, detect_kind
from workspace.ingest.load import ingest_directory, ingest_file
from workspace.ingest.report import IngestReport
from workspace.ingest.status import DataQuality, IngestLogEntry, WorkspaceStatus, workspace_status

__all__ = [
    "KINDS",
    "DataQuality",
    "IngestLogEntry",
    "IngestReport",
    "WorkspaceStatus",
    "detect_kind",
    "ingest_directory",
    "ingest_file",
    "workspace_status",
]
