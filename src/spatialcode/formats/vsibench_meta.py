"""VSI-Bench annotation files (``meta_info/<dataset>_meta_info_val.json``) → one SpatialCode per scene.

Each file maps a scene name to ``{"dataset", "room_size" (m²), "room_center" (m),
"object_counts" {category: n}, "object_bbox" {category: [{"centroid", "axesLengths",
"normalizedAxes" (3×3 row-major, rows = box axes), "min", "max"}, ...]}}``. ``object_counts``
and ``room_size`` are kept as scene facts: they are authoritative where boxes are missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import json_list, json_object
from spatialcode.core.version import __version__
from spatialcode.formats.json_file import read_json
from spatialcode.formats.names import check_path_name
from spatialcode.geometry.box import Box3D
from spatialcode.scene import Provenance, Room, Source, SpatialCode, SpatialObject

#: Frame rate of each source dataset's videos as used by VSI-Bench (frames per second).
DATASET_FPS = {"scannet": 24.0, "scannetpp": 30.0, "arkitscenes": 30.0}
PRODUCER = "vsibench-meta"
#: The annotation's name of each box field :class:`~spatialcode.geometry.box.Box3D` names in its errors.
_ANNOTATION_FIELD = {"center": "centroid", "size": "axesLengths", "axes": "normalizedAxes"}


def scene_from_meta(scene_name: str, meta: Mapping[str, Any], dataset: str | None = None) -> SpatialCode:
    """Build the SpatialCode of one scene from its meta-info entry; the scene and dataset names
    must be plain file names (they name the scene's file in a codes folder) and ``object_bbox``
    must be there (a scene without it is a broken entry, not an empty room)."""
    check_path_name(scene_name, "scene name")
    json_object(meta, scene_name)
    dataset = meta.get("dataset", dataset)
    if dataset is not None:
        check_path_name(dataset, f"{scene_name}.dataset")
    if meta.get("object_bbox") is None:
        raise ValidationError(f"{scene_name}.object_bbox", "missing (expected {category: [boxes]})")
    boxes = meta["object_bbox"]
    if not isinstance(boxes, Mapping):
        raise ValidationError(f"{scene_name}.object_bbox", "expected {category: [boxes]}")
    objects = []
    for label, instances in boxes.items():
        for k, inst in enumerate(json_list(instances, f"{scene_name}.object_bbox.{label}")):
            field = f"{scene_name}.object_bbox.{label}[{k}]"
            try:
                json_object(inst, "box")
                for key in ("centroid", "axesLengths", "normalizedAxes"):
                    if key not in inst:
                        raise ValidationError(key, "missing")
                box = Box3D.from_axes(inst["centroid"], inst["axesLengths"], inst["normalizedAxes"])
            except ValidationError as err:
                raise ValidationError(f"{field}.{_ANNOTATION_FIELD.get(err.field, err.field)}", err.problem) from None
            objects.append(SpatialObject(id=len(objects), label=label, box=box))
    try:
        room = Room(area=meta.get("room_size"), center=meta.get("room_center"))
    except ValidationError as err:
        raise ValidationError(f"{scene_name}.{err.field}", err.problem) from None
    try:
        return SpatialCode(
            objects=tuple(objects),
            room=room,
            source=Source(dataset=dataset, scene_name=scene_name, fps=DATASET_FPS.get(dataset or "")),
            provenance=Provenance.from_config(PRODUCER, {"dataset": dataset, "boxes": "centroid/axesLengths/normalizedAxes"}, __version__),
            object_counts=meta.get("object_counts"),
        )
    except ValidationError as err:
        raise ValidationError(f"{scene_name}.{err.field}", err.problem) from None


def read_meta_info(path: str | Path) -> dict[str, SpatialCode]:
    """Read one ``*_meta_info_val.json`` file into ``{scene_name: SpatialCode}``."""
    path = Path(path)
    dataset_hint = path.name.split("_meta_info")[0] if "_meta_info" in path.name else None
    data = read_json(path, "meta-info file")
    if not isinstance(data, Mapping):
        raise InputFileError(f"{path}: expected a JSON object mapping scene names to annotations")
    try:
        return {name: scene_from_meta(name, meta, dataset_hint) for name, meta in data.items()}
    except ValidationError as err:
        raise InputFileError(f"{path}: {err}") from None


def meta_info_files(directory: str | Path) -> list[Path]:
    """The ``*_meta_info*.json`` files in ``directory`` (sorted); raises when there are none."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputFileError(f"{directory}: not a directory (expected the VSI-Bench meta_info folder)")
    files = sorted(directory.glob("*_meta_info*.json"))
    if not files:
        raise InputFileError(f"{directory}: no *_meta_info*.json files found")
    return files


def iter_meta_info_dir(directory: str | Path) -> Iterator[SpatialCode]:
    """Yield the SpatialCode of every scene in every meta-info file of ``directory``."""
    for path in meta_info_files(directory):
        yield from read_meta_info(path).values()


def with_first_seen_ranks(code: SpatialCode, ranks: Mapping[str, Any]) -> SpatialCode:
    """``code`` (one scene read from meta info: its objects in ``object_bbox`` order, label by
    label) with each box's ``first_seen`` set to its rank in ``ranks`` (``{label: [rank of box 0,
    rank of box 1, ...]}``, 0 = first seen; ``null``: not known) — ranks, not seconds. A label or
    a box count that does not match the scene's is an error naming it."""
    where = code.source.scene_name
    json_object(ranks, f"{where} ranks")
    by_label: dict[str, list[SpatialObject]] = {}
    for obj in sorted(code.objects, key=lambda o: o.id):
        by_label.setdefault(obj.label, []).append(obj)
    unknown = sorted(set(ranks) - set(by_label))
    if unknown:
        raise ValidationError(f"{where}.{unknown[0]}", "ranks for a label the scene has no box of")
    ranked = []
    for label, objects in by_label.items():
        label_ranks = json_list(ranks.get(label, [None] * len(objects)), f"{where}.{label}")
        if len(label_ranks) != len(objects):
            raise ValidationError(f"{where}.{label}", f"{len(label_ranks)} ranks for {len(objects)} boxes")
        ranked += [replace(obj, first_seen=rank) for obj, rank in zip(objects, label_ranks)]
    config = {**code.provenance.config, "first_seen": "rank in the authors' appearance-ordered box lists, not seconds"}
    return replace(code, objects=tuple(ranked),
                   provenance=Provenance.from_config(code.provenance.producer, config, code.provenance.version))


def read_first_seen_ranks(path: str | Path) -> dict[str, dict[str, Any]]:
    """The first-appearance ranks file ``{dataset: {scene_name: {label: [ranks]}}}``."""
    data = read_json(path, "first-seen rank file")
    if not isinstance(data, Mapping) or not all(isinstance(v, Mapping) for v in data.values()):
        raise InputFileError(f"{path}: expected {{dataset: {{scene_name: {{label: [ranks]}}}}}}")
    return {dataset: dict(scenes) for dataset, scenes in data.items()}


def convert_vsibench_meta(meta_info_dir: str | Path, out_dir: str | Path,
                          first_seen_rank: str | Path | None = None) -> list[Path]:
    """Convert every scene of a meta-info folder into ``<out_dir>/<dataset>/<scene_name>.json``;
    returns the written paths (what ``spatialcode convert vsibench-meta`` does). With
    ``first_seen_rank`` (a :func:`read_first_seen_ranks` file) each box's ``first_seen`` is its
    first-appearance rank (scenes the file does not list keep none). Every file is read and
    checked before the first scene is written, so a bad file writes nothing."""
    from spatialcode.formats.codes_dir import write_codes

    codes = list(iter_meta_info_dir(meta_info_dir))
    if first_seen_rank is not None:
        ranks = read_first_seen_ranks(first_seen_rank)
        try:
            codes = [with_first_seen_ranks(c, ranks[c.source.dataset][c.source.scene_name])
                     if c.source.scene_name in ranks.get(c.source.dataset or "", {}) else c for c in codes]
        except ValidationError as err:
            raise InputFileError(f"{first_seen_rank}: {err}") from None
    return write_codes(codes, out_dir)
