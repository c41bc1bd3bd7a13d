"""Read and write the field's interchange list: ``[{"bbox_3d": [9 numbers], "label": str}, ...]``.

Each entry may also carry ``first_seen`` (s), ``confidence`` (or ``score``) and ``id``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.formats.json_file import read_json
from spatialcode.geometry.box import Box3D
from spatialcode.scene import Provenance, Source, SpatialCode, SpatialObject


def objects_from_bbox_3d_list(entries: Sequence[Mapping[str, Any]]) -> list[SpatialObject]:
    """Convert ``bbox_3d`` entries into objects (ids default to the list position)."""
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Sequence):
        raise ValidationError("boxes", "expected a list of {\"bbox_3d\": [...], \"label\": ...} entries")
    objects = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise ValidationError(f"[{i}]", f"expected a JSON object, got {type(entry).__name__}")
        for key in ("bbox_3d", "label"):
            if key not in entry:
                raise ValidationError(f"[{i}].{key}", "missing")
        try:
            objects.append(
                SpatialObject(
                    id=entry.get("id", i),
                    label=entry["label"],
                    box=Box3D.from_bbox_3d(entry["bbox_3d"]),
                    first_seen=entry.get("first_seen"),
                    confidence=entry.get("confidence", entry.get("score")),
                )
            )
        except ValidationError as err:
            raise ValidationError(f"[{i}].{err.field}", err.problem) from None
    return objects


def bbox_3d_list_from_code(code: SpatialCode) -> list[dict[str, Any]]:
    """Return the scene's objects as ``bbox_3d`` entries, in first-appearance order."""
    return [obj.to_dict() for obj in code.objects]


def read_bbox_3d_list(path: str | Path, *, scene_name: str | None = None) -> SpatialCode:
    """Read a JSON file holding a ``bbox_3d`` list into a :class:`SpatialCode`."""
    path = Path(path)
    entries = read_json(path)
    try:
        objects = objects_from_bbox_3d_list(entries)
    except ValidationError as err:
        raise InputFileError(f"{path}: {err}") from None
    return SpatialCode(
        objects=tuple(objects),
        source=Source(scene_name=scene_name or path.stem),
        provenance=Provenance(producer="bbox_3d-list"),
    )


def write_bbox_3d_list(code: SpatialCode, path: str | Path) -> None:
    """Write the scene's objects to ``path`` as a JSON ``bbox_3d`` list."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(bbox_3d_list_from_code(code), indent=1))
