"""Member Insight: application shell (configuration, errors, privacy helpers, CLI).

Data flows ``ingest -> workspace -> features -> models -> retrieval -> agent -> ui``;
each of those is its own top-level package. This package holds only what they share.
"""

from __future__ import annotations

from memberinsight.config import Settings, load_settings
from memberinsight.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    DataValidationError,
    MemberInsightError,
    ModelNotReadyError,
    NotFoundError,
    WorkspaceBusyError,
    WorkspaceError,
)

__all__ = [
    "AuthError",
    "ConflictError",
    "ConfigError",
    "DataValidationError",
    "MemberInsightError",
    "ModelNotReadyError",
    "NotFoundError",
    "Settings",
    "WorkspaceBusyError",
    "WorkspaceError",
    "load_settings",
]
__version__ = "0.1.0"
