"""Where pictures are written: a path whose suffix says a picture format the writer supports."""

from __future__ import annotations

from pathlib import Path

from spatialcode.core.errors import SpatialCodeError


def picture_path(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """Return ``path`` as a :class:`Path` if its suffix (case-insensitive) is one of ``suffixes``
    (e.g. ``(".png", ".svg")``), else raise :class:`SpatialCodeError` saying which are supported;
    call it before drawing, so that a wrong name costs nothing."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        kind = f"a {path.suffix} file" if path.suffix else "a file without a suffix"
        raise SpatialCodeError(f"{path}: cannot write a picture as {kind}; name it with one of {', '.join(suffixes)}")
    return path
