"""Exceptions raised by spatialcode; every message is one line naming what is wrong."""

from __future__ import annotations


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` with its white space (newlines included) folded to single spaces, cut to
    ``limit`` characters when given: how a message from elsewhere goes into an error line."""
    flat = " ".join(str(text).split())
    return flat if limit is None else flat[:limit]


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
