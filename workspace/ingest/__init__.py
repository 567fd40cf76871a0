"""Validated, transactional ingestion of shop exports into a workspace.

Public API::

    ingest_file(ws, path, kind=None, strict=False) -> IngestReport
    ingest_directory(ws, directory, strict=False) -> list[IngestReport]
    ingest_paths(ws, paths, kind=None, strict=False) -> list[IngestReport]
    prepare_paths(paths, kind=None) -> Batch;  load_batch(ws, batch, strict=False) -> list[IngestReport]
    workspace_status(ws) -> WorkspaceStatus

Layouts: the canonical CSVs of :mod:`workspace.schema` and the UCI Online Retail export
(see :mod:`workspace.ingest.formats`). Every file of an ingest is validated before any is
committed; each file then loads in one DuckDB transaction (``strict``: all in one); bad rows go
to a rejects CSV per batch with their original content, line, column and reason.
"""

from __future__ import annotations

from memberinsight.workspace.ingest.dates import DateRules
from memberinsight.workspace.ingest.formats import KINDS, detect_kind
from memberinsight.workspace.ingest.load import (
    Batch,
    ingest_directory,
    ingest_file,
    ingest_paths,
    load_batch,
    prepare_paths,
)
from memberinsight.workspace.ingest.report import IngestReport
from memberinsight.workspace.ingest.status import (
    DataQuality,
    IngestLogEntry,
    WorkspaceStatus,
    workspace_status,
)

__all__ = [
    "KINDS",
    "Batch",
    "DataQuality",
    "DateRules",
    "IngestLogEntry",
    "IngestReport",
    "WorkspaceStatus",
    "detect_kind",
    "ingest_directory",
    "ingest_file",
    "ingest_paths",
    "load_batch",
    "prepare_paths",
    "workspace_status",
]
