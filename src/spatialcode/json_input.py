"""Reading JSON that comes from outside — scene files, annotations, render folders, settings:
bounded in size before it is parsed, bounded in nesting while it is parsed, and every failure a
one-line :class:`~spatialcode.errors.InputFileError` naming the file.

Part of the core: imports only :mod:`spatialcode.errors`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spatialcode.errors import InputFileError

#: Largest JSON file read (bytes): 64 MiB. A scene with a 30-minute camera path at 30 frames/s
#: is about 8 MB and VSI-Bench's largest annotation file about 2 MB.
MAX_JSON_BYTES = 64 * 2**20


def parse_json(text: str | bytes) -> Any:
    """Parse JSON ``text``; raises :class:`InputFileError` (without a file name) when it is not
    valid JSON, is nested deeper than Python's recursion limit, or holds an integer too long to
    convert (over 4,300 digits)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputFileError(f"not valid JSON ({err.msg} at line {err.lineno})") from None
    except UnicodeDecodeError:
        raise InputFileError("not UTF-8 text, so not a JSON file") from None
    except RecursionError:
        raise InputFileError("JSON nested too deeply (lists or objects inside each other ~1,000 levels deep)") from None
    except ValueError as err:  # e.g. an integer literal with more digits than int() converts
        raise InputFileError(f"not valid JSON ({err})") from None


def read_json_file(path: str | Path, what: str = "JSON file", max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse the JSON file at ``path`` (a ``what``, named in errors), refusing a folder, a file
    larger than ``max_bytes`` bytes (checked before parsing), bytes that are not UTF-8 and the
    failures of :func:`parse_json`; every error is an :class:`InputFileError` naming the file."""
    path = Path(path)
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, expected a {what}")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise InputFileError(f"{path}: cannot read {what} ({err.strerror})") from None
    if len(data) > max_bytes:
        raise InputFileError(f"{path}: larger than {max_bytes // 2**20} MiB, the limit for a {what}")
    try:
        return parse_json(data)
    except InputFileError as err:
        raise InputFileError(f"{path}: {err}") from None
