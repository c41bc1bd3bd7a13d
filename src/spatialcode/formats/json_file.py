"""Reading JSON and JSON-lines files with one-line errors that name the file (the formats' entry
to :mod:`spatialcode.core.json_input`, which bounds size and nesting)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spatialcode.core.json_input import parse_json, read_json_file


def read_json(path: str | Path, what: str = "JSON file") -> Any:
    """Parse the JSON file at ``path`` (a ``what``, named in errors); raises
    :class:`~spatialcode.core.errors.InputFileError` naming the file (see
    :func:`spatialcode.core.json_input.read_json_file` for the limits)."""
    return read_json_file(path, what)


def jsonl_records(path: Path, text: str) -> Iterator[tuple[str, Any]]:
    """The records of JSON-lines ``text`` read from ``path``, each with where it stands
    (``"line N"``); blank lines skipped; a line that is not JSON raises
    :class:`~spatialcode.core.errors.InputFileError` naming the file and line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        yield f"line {number}", parse_json(line, f"{path} line {number}")
