"""Exceptions raised by spatialcode; every message is one line naming what is wrong."""

from __future__ import annotations


class SpatialCodeError(ValueError):
    """Base class: bad input to spatialcode (a file, a field, a question, an option)."""


class ValidationError(SpatialCodeError):
    """A value failed validation; ``field`` names the offending field (dotted path)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class InputFileError(SpatialCodeError):
    """A file could not be read or does not have the expected format."""
