"""Errors raised by the segments package (all :class:`~memberinsight.errors.MemberInsightError`)."""

from __future__ import annotations

from memberinsight.errors import DataValidationError, MemberInsightError


class SegmentDefinitionError(DataValidationError):
    """A segment definition breaks the schema; ``path`` points at the offending part (``where.all[1].op``)."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        MemberInsightError.__init__(self, f"segment definition at {path}: {message}" if path else
                                    f"segment definition: {message}")
        self.file, self.row, self.column, self.location = None, None, path, path or ""


class SegmentParseError(MemberInsightError):
    """A sentence could not be turned into a definition; ``not_understood`` lists the words in question."""

    def __init__(self, message: str, *, not_understood: list[str] | None = None) -> None:
        self.not_understood = list(not_understood or [])
        super().__init__(message)
