"""The spatial code written as text for a language model, in one of several serialisations.

* ``json`` — one JSON object per line with the field's 9-number ``bbox_3d``
  (``[cx, cy, cz, sx, sy, sz, roll, pitch, yaw]``, metres and radians), as the field's evaluation
  code writes boxes;
* ``table`` — a compact table: a header, then one space-separated row per object with its
  name, centre, size, yaw in degrees and first_seen (about half the tokens of the JSON lines);
* ``python`` — Python-like declarations, ``sofa_1 = Box(center=(…), size=(…), yaw=90, first_seen=1.5)``.

Objects come in first-appearance order (:class:`~spatialcode.scene.SpatialCode` keeps them so)
and are named ``<label>_<k>`` (spaces → underscores, k counting the label's instances in that
order), the same names in every serialisation. Numbers are rounded to ``decimals`` places with
trailing zeros dropped (a small model's tokenizer spends a token per digit).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.geometry.box import Box3D
from spatialcode.scene import SpatialCode, SpatialObject

SERIALISATIONS = ("json", "table", "python")

#: What each serialisation's numbers mean, for the prompt's conventions.
LAYOUTS = {
    "json": 'Each line is one object: "bbox_3d" = [center x, center y, center z, size x, size y, size z, roll, '
            "pitch, yaw] in metres and radians; first_seen in seconds.",
    "table": "Each row is one object: name, center x y z (m), size x y z (m; along the box's own axes), yaw (degrees), "
             "first seen (s; - when unknown).",
    "python": "Each line declares one object: center and size in metres (size along the box's own axes), yaw in "
              "degrees, first_seen in seconds.",
}

_TILT_DEG = 5.0  # roll or pitch beyond this (degrees) is written out (most boxes are upright)


def object_names(objects: Sequence[SpatialObject]) -> list[str]:
    """``<label>_<k>`` for each object (spaces in labels → underscores; k = 1, 2, … per label,
    in the given order)."""
    seen: Counter[str] = Counter()
    names = []
    for obj in objects:
        base = "_".join(obj.label.split())
        seen[base] += 1
        names.append(f"{base}_{seen[base]}")
    return names


def number(value: float, decimals: int = 2) -> str:
    """``value`` rounded to ``decimals`` places, trailing zeros and a bare ``-0`` dropped."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals > 0 else f"{value:.0f}"
    return "0" if text in ("-0", "") else text


def serialise_objects(code: SpatialCode, style: str = "table", objects: Sequence[SpatialObject] | None = None,
                      decimals: int = 2) -> str:
    """The objects of ``code`` (or the given subset, in the code's order) as ``style`` text
    (one of :data:`SERIALISATIONS`), one line per object; names from :func:`object_names` over
    all of the code's objects, so a subset keeps its names."""
    if style not in SERIALISATIONS:
        raise ValidationError("serialisation", f"expected one of {', '.join(SERIALISATIONS)}, got {style!r}")
    names = dict(zip((o.id for o in code.objects), object_names(code.objects)))
    chosen = code.objects if objects is None else [o for o in code.objects if o.id in {s.id for s in objects}]
    write = {"json": _json_line, "table": _table_row, "python": _declaration}[style]
    lines = [write(names[o.id], o, decimals) for o in chosen]
    if style == "table":
        lines.insert(0, "name x y z size_x size_y size_z yaw first_seen")
    return "\n".join(lines)


def _json_line(name: str, obj: SpatialObject, decimals: int) -> str:
    entry: dict = {"name": name, "label": obj.label,
                   "bbox_3d": [float(number(v, decimals)) for v in obj.box.to_bbox_3d()]}
    if obj.first_seen is not None:
        entry["first_seen"] = float(number(obj.first_seen, 1))
    return json.dumps(entry)


def _table_row(name: str, obj: SpatialObject, decimals: int) -> str:
    box = upright(obj.box)
    cells = [name, *(number(v, decimals) for v in box.center), *(number(v, decimals) for v in box.size),
             _degrees(box.yaw), "-" if obj.first_seen is None else number(obj.first_seen, 1)]
    if _tilted(box):
        cells.append(f"(roll {_degrees(box.rotation[0])} pitch {_degrees(box.rotation[1])})")
    return " ".join(cells)


def _declaration(name: str, obj: SpatialObject, decimals: int) -> str:
    box = upright(obj.box)
    args = [f"center=({', '.join(number(v, decimals) for v in box.center)})",
            f"size=({', '.join(number(v, decimals) for v in box.size)})", f"yaw={_degrees(box.yaw)}"]
    if _tilted(box):
        args += [f"roll={_degrees(box.rotation[0])}", f"pitch={_degrees(box.rotation[1])}"]
    if obj.first_seen is not None:
        args.append(f"first_seen={number(obj.first_seen, 1)}")
    return f"{name} = Box({', '.join(args)})"


def _degrees(radians: float) -> str:
    """Whole degrees in (-180, 180]."""
    degrees = round(math.degrees(radians)) % 360
    return str(degrees - 360 if degrees > 180 else degrees)


def _tilted(box: Box3D) -> bool:
    return any(abs(math.degrees(a)) > _TILT_DEG for a in box.rotation[:2])


def upright(box: Box3D) -> Box3D:
    """``box`` written with roll = pitch = 0 when one of its axes is within ``_TILT_DEG`` of
    vertical — the same box with its sides relabelled (annotations often store an upright box
    with its height along a local x or y axis: "roll 90"); other boxes unchanged."""
    if not _tilted(box):
        return box
    axes = box.rotation_matrix  # columns: the box's local axes in world coordinates
    vertical = int(np.argmax(np.abs(axes[2])))
    if abs(axes[2, vertical]) < math.cos(math.radians(_TILT_DEG)):
        return box
    first = min(k for k in range(3) if k != vertical)  # the new local x: the first horizontal axis
    second = 3 - vertical - first
    yaw = math.atan2(axes[1, first], axes[0, first])
    sizes = (box.size[first], box.size[second], box.size[vertical])
    return Box3D(box.center, sizes, (0.0, 0.0, yaw))
