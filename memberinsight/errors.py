"""The project's error hierarchy.

Library code raises these; only the edges (CLI, UI) turn them into friendly messages.
Nothing else catches broad ``Exception``.
"""

from __future__ import annotations


class MemberInsightError(Exception):
    """Base class for every error this project raises on purpose."""


class ConfigError(MemberInsightError):
    """Configuration is missing or invalid (bad TOML, bad env var, missing model path)."""


class WorkspaceError(MemberInsightError):
    """The workspace directory or one of its databases is missing, locked or corrupt."""


class WorkspaceBusyError(WorkspaceError):
    """Another ingest or build is writing the workspace; the message says which, since when, by whom."""


class DataValidationError(MemberInsightError):
    """Input data breaks a rule. ``location`` names file, row and column where known."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.file, self.row, self.column = file, row, column
        self.detail = message
        parts = [p for p in (
            f"file {file}" if file else None,
            f"row {row}" if row is not None else None,
            f"column '{column}'" if column else None,
        ) if p]
        self.location = ", ".join(parts)
        super().__init__(f"{self.location}: {message}" if parts else message)


class NotFoundError(MemberInsightError):
    """A member, product, segment, review or saved object does not exist."""


class ModelNotReadyError(MemberInsightError):
    """A model or index was used before it was fitted/built (run ``memberinsight build``)."""


class ConflictError(MemberInsightError):
    """An update was made against a stale version (optimistic concurrency)."""


class AuthError(MemberInsightError):
    """Login failed or the user may not do this."""
