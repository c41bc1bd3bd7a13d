"""Reading JSON files with one-line errors that name the file (the formats' entry to
:mod:`spatialcode.json_input`, which bounds size and nesting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spatialcode.json_input import read_json_file


def read_json(path: str | Path, what: str = "JSON file") -> Any:
    """Parse the JSON file at ``path`` (a ``what``, named in errors); raises
    :class:`~spatialcode.errors.InputFileError` naming the file (see
    :func:`spatialcode.json_input.read_json_file` for the limits)."""
    return read_json_file(path, what)
