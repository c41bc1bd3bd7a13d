"""Box lists of other systems (3D detectors, other spatial encoders, released evaluation files)
into spatial codes: per scene a list of ``{"bbox_3d": [9 numbers], "label": ...}`` entries.

Accepted layouts (:func:`read_box_lists`):

- a JSON file holding one object ``{scene_name: [entries]}``;
- a JSON-lines file, each line either one scene (``{"scene_name" | "scene": ..., "boxes" |
  "objects": [entries]}``) or one box with its scene (``{"scene_name" | "scene": ..., "bbox_3d":
  ..., "label": ...}``);
- a folder of ``<scene_name>.json`` files, each a list of entries (or ``{"boxes": [entries]}``).

The nine numbers are ``[x, y, z, sx, sy, sz, roll, pitch, yaw]`` (metres, radians, z up) with
the sizes along the box's own x, y, z axes (``size_order="xyz"``), or with the sizes written
``[w, h, l]``, the **vertical** extent second (``"whl"``: width along the box's x, length along
its y), as some released files do. A label's instance suffix (``chair_3``) is dropped and
underscores read as spaces. With ``order="appearance"`` the list is in order of first
appearance and each object's ``first_seen`` is its rank in it (0 = first; ranks, not seconds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.json_input import MAX_JSON_BYTES, read_file_bytes
from spatialcode.core.version import __version__
from spatialcode.formats.bbox3d import objects_from_bbox_3d_list
from spatialcode.formats.json_file import jsonl_records, read_json
from spatialcode.formats.names import check_path_name
from spatialcode.scene import Provenance, Source, SpatialCode

PRODUCER = "spatialcode.formats.box_lists"
#: For each size order, where the box's x, y and z sizes stand among the entry's three sizes.
SIZE_ORDERS: dict[str, tuple[int, int, int]] = {"xyz": (0, 1, 2), "whl": (0, 2, 1)}
#: What the position of an entry in its scene's list means.
LIST_ORDERS = ("appearance", "none")
#: The keys naming an entry's scene, and a scene line's list of entries, in JSON lines.
SCENE_KEYS = ("scene_name", "scene")
LIST_KEYS = ("boxes", "objects")
_INSTANCE_SUFFIX = re.compile(r"[_\s]*\d+$")


def plain_label(label: Any) -> Any:
    """``label`` without an instance suffix (``chair_3`` → ``chair``), underscores as spaces
    (``trash_bin`` → ``trash bin``); anything that is not a text is returned as it is (the
    object's own check refuses it)."""
    if not isinstance(label, str):
        return label
    stripped = _INSTANCE_SUFFIX.sub("", label.strip())
    return " ".join((stripped or label).replace("_", " ").split())


def box_list_code(scene_name: str, entries: Any, dataset: str, size_order: str = "xyz",
                  order: str = "none") -> SpatialCode:
    """The spatial code of one scene's box list ``entries`` (see the module docstring); errors
    name the scene and the entry."""
    _check_choices(size_order, order)
    check_path_name(scene_name, "scene name")
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Sequence):
        raise ValidationError(scene_name, "expected a list of {\"bbox_3d\": [...], \"label\": ...} entries")
    normalised = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise ValidationError(f"{scene_name}[{i}]", f"expected a JSON object, got {type(entry).__name__}")
        box = entry.get("bbox_3d")
        if not isinstance(box, list) or len(box) != 9:
            raise ValidationError(f"{scene_name}[{i}].bbox_3d", "expected 9 numbers [x, y, z, three sizes, roll, "
                                                                "pitch, yaw]")
        sizes = [box[3 + k] for k in SIZE_ORDERS[size_order]]
        normalised.append({**{k: v for k, v in entry.items() if k not in SCENE_KEYS}, "id": i,
                           "bbox_3d": [*box[:3], *sizes, *box[6:]],
                           **({"label": plain_label(entry["label"])} if "label" in entry else {}),
                           **({"first_seen": float(i)} if order == "appearance" else {})})
    try:
        objects = objects_from_bbox_3d_list(normalised)
    except ValidationError as err:
        raise ValidationError(f"{scene_name}{err.field}", err.problem) from None
    settings = {"size_order": size_order, "order": order,
                **({"first_seen": "rank in the list (0 = first), not seconds"} if order == "appearance" else {})}
    return SpatialCode(objects=tuple(objects), source=Source(dataset=dataset, scene_name=scene_name),
                       provenance=Provenance.from_config(PRODUCER, settings, __version__))


def read_box_lists(path: str | Path, dataset: str, size_order: str = "xyz", order: str = "none") -> list[SpatialCode]:
    """The spatial codes of every scene in the box lists at ``path`` (a JSON file, a JSON-lines
    file or a folder; see the module docstring), their source dataset ``dataset``. Every scene
    is read and checked before any is returned; an error is one line naming the file and the
    scene or entry."""
    _check_choices(size_order, order)
    check_path_name(dataset, "dataset")
    path = Path(path)
    if path.is_dir():
        scenes = _folder_scenes(path)
    elif not path.is_file():
        raise InputFileError(f"{path}: no such file or folder (expected box lists: a .json, a .jsonl or a folder)")
    elif path.suffix.lower() == ".jsonl":
        scenes = _jsonl_scenes(path)
    else:
        data = read_json(path, "box-list file")
        if not isinstance(data, Mapping):
            raise InputFileError(f"{path}: expected a JSON object {{scene_name: [boxes]}}, got {type(data).__name__}")
        scenes = dict(data)
    if not scenes:
        raise InputFileError(f"{path}: no scenes in it")
    try:
        return [box_list_code(scene, entries, dataset, size_order, order) for scene, entries in scenes.items()]
    except ValidationError as err:
        raise InputFileError(f"{path}: {err}") from None


def _check_choices(size_order: str, order: str) -> None:
    if size_order not in SIZE_ORDERS:
        raise ValidationError("size_order", f"expected one of {', '.join(SIZE_ORDERS)}, got {size_order!r}")
    if order not in LIST_ORDERS:
        raise ValidationError("order", f"expected one of {', '.join(LIST_ORDERS)}, got {order!r}")


def _folder_scenes(folder: Path) -> dict[str, Any]:
    """``{scene_name: entries}`` of a folder of ``<scene_name>.json`` files."""
    scenes = {}
    for file in sorted(folder.glob("*.json")):
        data = read_json(file, "box-list file")
        if isinstance(data, Mapping):
            data = _scene_list(data, f"{file}")
        scenes[file.stem] = data
    if not scenes:
        raise InputFileError(f"{folder}: no <scene_name>.json box lists in this folder")
    return scenes


def _jsonl_scenes(path: Path) -> dict[str, list[Any]]:
    """``{scene_name: entries}`` of a JSON-lines file (a scene per line, or a box per line)."""
    try:
        text = read_file_bytes(path, "box-list file", MAX_JSON_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text, so not a JSON-lines file") from None
    scenes: dict[str, list[Any]] = {}
    for where, record in jsonl_records(path, text):
        if not isinstance(record, Mapping):
            raise InputFileError(f"{path} {where}: expected a JSON object, got {type(record).__name__}")
        scene = next((record[k] for k in SCENE_KEYS if k in record), None)
        if not isinstance(scene, str):
            raise InputFileError(f"{path} {where}: no scene name (a \"scene_name\" or \"scene\" text)")
        if any(k in record for k in LIST_KEYS):
            scenes.setdefault(scene, []).extend(_scene_list(record, f"{path} {where}"))
        else:
            scenes.setdefault(scene, []).append(record)
    return scenes


def _scene_list(record: Mapping[str, Any], where: str) -> list[Any]:
    """The entries a scene record holds under ``"boxes"`` or ``"objects"``."""
    entries = next((record[k] for k in LIST_KEYS if k in record), None)
    if not isinstance(entries, list):
        raise InputFileError(f"{where}: expected the scene's boxes as a list under \"boxes\" or \"objects\"")
    return entries
