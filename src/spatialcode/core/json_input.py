"""Reading JSON that comes from outside — scene files, annotations, render folders, settings:
bounded in size before it is parsed, bounded in nesting while it is parsed, and every failure a
one-line :class:`~spatialcode.core.errors.InputFileError` naming the file.

Part of the core: imports only :mod:`spatialcode.core.errors`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spatialcode.core.errors import InputFileError

#: Largest JSON file read (bytes): 64 MiB. A scene with a 30-minute camera path at 30 frames/s
#: is about 8 MB and VSI-Bench's largest annotation file about 2 MB.
MAX_JSON_BYTES = 64 * 2**20


class JSONSyntaxError(InputFileError):
    """Text that is not JSON at all (bad syntax, or bytes that are not UTF-8), as opposed to JSON
    too deep or too large to read: e.g. a line cut short by an interrupted write."""


def parse_json(text: str | bytes, where: str | None = None) -> Any:
    """Parse JSON ``text``; raises :class:`JSONSyntaxError` when it is not JSON and
    :class:`InputFileError` when it is nested deeper than Python's recursion limit or holds an
    integer too long to convert (over 4,300 digits). Messages start with ``where`` (a file, a
    line) when given."""
    prefix = f"{where}: " if where else ""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise JSONSyntaxError(f"{prefix}not valid JSON ({err.msg} at line {err.lineno})") from None
    except UnicodeDecodeError:
        raise JSONSyntaxError(f"{prefix}not UTF-8 text, so not a JSON file") from None
    except RecursionError:
        raise InputFileError(f"{prefix}JSON nested too deeply (lists or objects inside each other ~1,000 levels deep)") \
            from None
    except ValueError as err:  # e.g. an integer literal with more digits than int() converts
        raise InputFileError(f"{prefix}not valid JSON ({err})") from None


def read_file_bytes(path: str | Path, what: str, max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """The bytes of the file at ``path`` (a ``what``, named in errors), refusing a folder, a file
    that cannot be read and one larger than ``max_bytes`` bytes (never read past that); every
    error is an :class:`InputFileError` naming the file."""
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
    return data


def read_json_file(path: str | Path, what: str = "JSON file", max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse the JSON file at ``path`` (a ``what``, named in errors), read by
    :func:`read_file_bytes` (at most ``max_bytes``), refusing bytes that are not UTF-8 and the
    failures of :func:`parse_json`; every error is an :class:`InputFileError` naming the file."""
    return parse_json(read_file_bytes(path, what, max_bytes), str(path))
