"""Names inside data files that become file names: a scene or dataset name is refused unless it
is one plain path component, so that it can never lead outside the folder it is written to or
read from (``../x``, ``/etc/x``, ``a/b``), nor match other files (glob characters)."""

from __future__ import annotations

from typing import Any

from spatialcode.core.errors import ValidationError

#: Longest name accepted (characters): file systems allow 255 bytes per component.
MAX_NAME_LENGTH = 200
_FORBIDDEN = set('/\\:*?[]') | {chr(c) for c in range(32)} | {"\x7f"}


def check_path_name(name: Any, field: str) -> str:
    """Return ``name`` if it can be used as one file name inside a folder: a non-empty string of
    at most :data:`MAX_NAME_LENGTH` characters, not ``.`` or ``..``, without path separators
    (``/``, ``\\``), drive colons, glob characters (``* ? [ ]``) or control characters. Raises
    :class:`ValidationError` naming ``field`` (e.g. ``"scene name"``) otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(field, f"expected a non-empty name, got {name!r}"[:200])
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(field, f"longer than {MAX_NAME_LENGTH} characters")
    bad = sorted(set(name) & _FORBIDDEN)
    if name in (".", "..") or bad:
        shown = ", ".join(repr(c) for c in bad) or repr(name)
        raise ValidationError(field, f"{name!r} cannot be a file name (it contains {shown}); scene and dataset names "
                                     "become file names and must not hold paths")
    return name
