"""Reading JSON files with one-line errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spatialcode.errors import InputFileError


def read_json(path: str | Path) -> Any:
    """Parse the JSON file at ``path``; raises :class:`InputFileError` naming the file."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except OSError as err:
        raise InputFileError(f"{path}: cannot read ({err.strerror})") from None
    except json.JSONDecodeError as err:
        raise InputFileError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
