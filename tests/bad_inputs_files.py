"""Bad-input cases of the data commands (``convert``, ``ask``, ``draw``, ``questions``, ``render``,
``encode``): broken scene files, meta info and render folders a new user (or a hostile file)
hands them. Each writes a few tiny files (a sparse file for the one too large to read); see
:mod:`tests.bad_input_corpus` for the format and what a case must give."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.bad_input_corpus import BadInput

COUNT = "How many chair(s) are in this room?"
#: A one-object scene; cases change a copy of it.
SCENE: dict[str, Any] = {
    "schema_version": 1,
    "source": {"dataset": "test", "scene_name": "tiny"},
    "objects": [{"id": 1, "label": "chair", "bbox_3d": [1.0, 1.0, 0.45, 0.5, 0.5, 0.9, 0.0, 0.0, 0.3]}],
    "room": {"polygon": [[0.0, 0.0], [4.0, 0.0], [4.0, 3.0], [0.0, 3.0]]},
}
#: A one-scene VSI-Bench meta-info file; cases change a copy of it.
META: dict[str, Any] = {
    "dataset": "scannet", "room_size": 12.0, "room_center": [2.0, 1.5, 0.0], "object_counts": {"chair": 1},
    "object_bbox": {"chair": [{"centroid": [1.0, 1.0, 0.45], "axesLengths": [0.5, 0.5, 0.9],
                               "normalizedAxes": [1, 0, 0, 0, 1, 0, 0, 0, 1]}]},
}
DEEP = "[" * 100_000 + "]" * 100_000


def _write(path: Path, content: str | bytes | Any) -> Path:
    """Write ``content`` (text, bytes, or anything else as JSON) to ``path``."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _scene(change: Callable[[dict[str, Any]], Any]) -> Callable[[Path], Any]:
    """The scene :data:`SCENE` as ``change`` returns it (given a deep copy)."""
    return lambda folder: change(json.loads(json.dumps(SCENE)))


def _with_box(values: list[Any]) -> Callable[[Path], Any]:
    """:data:`SCENE` with its object's ``bbox_3d`` replaced by ``values``."""
    return _scene(lambda scene: {**scene, "objects": [{**scene["objects"][0], "bbox_3d": values}]})


def _with(key: str, value: Any) -> Callable[[Path], Any]:
    """:data:`SCENE` with the top-level ``key`` set to ``value``."""
    return _scene(lambda scene: {**scene, key: value})


def _sparse(size: int) -> Callable[[Path], None]:
    """Writes ``scene.json`` as ``size`` bytes of zeros itself (a sparse file: no disk used)."""
    def make(folder: Path) -> None:
        with open(folder / "scene.json", "wb") as handle:
            handle.truncate(size)
    return make


def _scene_file(command: str, name: str, content: Callable[[Path], Any], expect: str,
                args: tuple[str, ...] = ()) -> BadInput:
    """``command`` run on ``scene.json`` holding what ``content(folder)`` returns (``None``: it
    wrote the file itself), with the command's usual arguments."""
    usual = {"ask": [COUNT], "draw": ["--out", "map.png"], "questions": [],
             "render": ["--out", "r", "--max-frames", "2", "--width", "16", "--height", "16", "--no-progress"]}

    def prepare(folder: Path) -> list[str]:
        data = content(folder)
        if data is not None:
            _write(folder / "scene.json", data)
        return [command, "scene.json", *usual[command], *args]
    return BadInput(command, name, prepare, expect)


def _meta(name: str, scenes: Callable[[Path], Any], expect: str, must_not_exist: tuple[str, ...] = (),
          before: Callable[[Path], None] | None = None) -> BadInput:
    """``convert vsibench-meta`` on a folder whose ``scannet_meta_info_val.json`` holds what
    ``scenes(folder)`` returns; ``before`` prepares the output folder."""
    def prepare(folder: Path) -> list[str]:
        (folder / "meta").mkdir()
        _write(folder / "meta" / "scannet_meta_info_val.json", scenes(folder))
        if before is not None:
            before(folder)
        return ["convert", "vsibench-meta", "--meta-info", "meta", "--out", "codes"]
    return BadInput("convert", name, prepare, expect, must_not_exist)


def _meta_box(**changes: Any) -> Callable[[Path], Any]:
    """One scene whose only box has ``changes`` applied."""
    box = {**META["object_bbox"]["chair"][0], **changes}
    return lambda folder: {"scene0001_00": {**META, "object_bbox": {"chair": [box]}}}


def _existing_code(folder: Path) -> None:
    """A code converted earlier, which a broken meta-info entry must not overwrite."""
    (folder / "codes" / "scannet").mkdir(parents=True)
    _write(folder / "codes" / "scannet" / "scene0001_00.json", SCENE)


FRAMES = {"width": 8, "height": 6, "intrinsics": {"fx": 6.0, "fy": 6.0, "cx": 3.5, "cy": 2.5}, "fps": 10.0,
          "frames": [{"t": i / 10, "position": [0.0, 0.0, 1.5], "quaternion": [0.0, 0.0, 0.0, 1.0],
                      "labels": {"1": "chair"}} for i in range(2)]}


def _render_folder(name: str, expect: str, frames: Any = None, depth: np.ndarray | None = None) -> BadInput:
    """``encode`` on a hand-made 2-frame, 8 × 6 pixel render folder (given instance masks) with
    ``frames`` as its frames.json (default :data:`FRAMES`) and ``depth`` (default 2 m everywhere)."""
    def prepare(folder: Path) -> list[str]:
        render = folder / "render"
        render.mkdir()
        _write(render / "frames.json", FRAMES if frames is None else frames)
        np.savez(render / "depth.npz", depth=np.full((2, 6, 8), 2000, np.uint16) if depth is None else depth)
        np.savez(render / "masks.npz", masks=np.ones((2, 6, 8), np.int16))
        return ["encode", "render", "--out", "scene.json", "--no-progress"]
    return BadInput("encode", name, prepare, expect)


def _frames_entry(**changes: Any) -> dict[str, Any]:
    """:data:`FRAMES` with ``changes`` applied to each frame entry (``None`` removes the key)."""
    entries = [{k: v for k, v in {**entry, **changes}.items() if v is not None} for entry in FRAMES["frames"]]
    return {**FRAMES, "frames": entries}


def _render_config(name: str, config: Any, expect: str) -> BadInput:
    """``render --config config.json`` holding ``config``."""
    def prepare(folder: Path) -> list[str]:
        _write(folder / "scene.json", SCENE)
        _write(folder / "config.json", config)
        return ["render", "scene.json", "--out", "r", "--config", "config.json", "--no-progress"]
    return BadInput("render", name, prepare, expect)


def _draw(name: str, out: str, expect: str) -> BadInput:
    """``draw scene.json --out OUT`` with a good scene."""
    def prepare(folder: Path) -> list[str]:
        _write(folder / "scene.json", SCENE)
        if out.endswith("/"):
            (folder / out).mkdir()
        return ["draw", "scene.json", "--out", out]
    return BadInput("draw", name, prepare, expect)


HUGE_SIDE = [1.0, 1.0, 0.45, 1e308, 0.5, 0.9, 0.0, 0.0, 0.0]

CASES: list[BadInput] = [
    # -- path traversal: names in meta info become file names --------------------------------
    _meta("scene name climbing out of --out", lambda f: {"../../../escaped_convert": META},
          "scene name", must_not_exist=("escaped_convert.json",)),
    _meta("scene name that is an absolute path", lambda f: {str(f.parent / "absolute_convert"): META},
          "scene name", must_not_exist=("absolute_convert.json",)),
    _meta("dataset name climbing out of --out", lambda f: {"dataset_escape": {**META, "dataset": "../.."}},
          "dataset", must_not_exist=("dataset_escape.json",)),
    _meta("dataset name that is an absolute path", lambda f: {"dataset_absolute": {**META, "dataset": str(f.parent)}},
          "dataset", must_not_exist=("dataset_absolute.json",)),
    _meta("scene name with a slash", lambda f: {"a/b": META}, "scene name"),
    # -- meta info: tracebacks and silent acceptance ---------------------------------------
    _meta("all-zero normalizedAxes", _meta_box(normalizedAxes=[0] * 9), "normalizedAxes"),
    _meta("scene without object_bbox over an existing code",
          lambda f: {"scene0001_00": {k: v for k, v in META.items() if k != "object_bbox"}}, "object_bbox",
          before=_existing_code),
    _meta("numbers as strings in centroid", _meta_box(centroid=["1", "1", "0.45"]), "centroid"),
    _meta("zero axesLengths", _meta_box(axesLengths=[0.5, 0.0, 0.9]), "axesLengths"),
    _meta("1e308 axesLengths", _meta_box(axesLengths=[1e308, 0.5, 0.9]), "axesLengths"),
    _meta("instances that are not a list", lambda f: {"s": {**META, "object_bbox": {"chair": 3}}}, "expected a list"),
    _meta("random bytes as meta info", lambda f: os.urandom(512) + b"\xff", "not UTF-8"),
    _meta("meta info nested 100k deep", lambda f: DEEP, "nested too deeply"),
    # -- scene files given to ask ----------------------------------------------------------
    _scene_file("ask", "random bytes as the scene file", lambda f: os.urandom(512) + b"\xff", "not UTF-8"),
    _scene_file("ask", "JSON nested 100k deep", lambda f: DEEP, "nested too deeply"),
    _scene_file("ask", "empty scene file", lambda f: "", "not valid JSON"),
    _scene_file("ask", "scene file over the size limit", _sparse(65 * 2**20), "larger than"),
    _scene_file("ask", "integer of 5000 digits", lambda f: '{"objects": [], "room": {"area": ' + "9" * 5000 + "}}",
                "not valid JSON"),
    _scene_file("ask", "bbox_3d numbers as strings", _with_box(["1", "1", "0.45", "0.5", "0.5", "0.9", "0", "0", "0"]),
                "expected 3 numbers"),
    _scene_file("ask", "zero-size box", _with_box([1, 1, 0.45, 0, 0, 0, 0, 0, 0]), "must be > 0"),
    _scene_file("ask", "negative side", _with_box([1, 1, 0.45, -0.5, 0.5, 0.9, 0, 0, 0]), "must be >= 0"),
    _scene_file("ask", "NaN side", lambda f: json.dumps(SCENE).replace("0.5, 0.5, 0.9", "NaN, 0.5, 0.9"), "finite"),
    _scene_file("ask", "infinite side", lambda f: json.dumps(SCENE).replace("0.5, 0.5, 0.9", "1e400, 0.5, 0.9"), "finite"),
    _scene_file("ask", "booleans as bbox_3d numbers", _with_box([True] * 9), "expected 3 numbers"),
    _scene_file("ask", "objects is not a list", _with("objects", {"chair": 1}), "objects: expected a list"),
    _scene_file("ask", "camera is a number", _with("camera", 1), "camera: expected a list"),
    _scene_file("ask", "camera pose is null", _with("camera", [None]), "camera[0]"),
    _scene_file("ask", "source is a string", _with("source", "scannet"), "source: expected a JSON object"),
    _scene_file("ask", "provenance is a string", _with("provenance", "me"), "provenance: expected a JSON object"),
    _scene_file("ask", "object_counts is a number", _with("object_counts", 3), "object_counts"),
    _scene_file("ask", "room polygon is a number", _with("room", {"polygon": 4}), "room.polygon"),
    _scene_file("ask", "room polygon of 1e308 m", _with("room", {"polygon": [[0, 0], [1e308, 0], [0, 1]]}), "within"),
    _scene_file("ask", "scene name is a number", _with("source", {"scene_name": 5}), "scene_name"),
    BadInput("ask", "a folder as the scene file", lambda f: (f / "scene.json").mkdir() or ["ask", "scene.json", COUNT],
             "is a folder"),
    # -- box sides of 1e308 and broken files given to the other scene readers ---------------
    _scene_file("questions", "box side of 1e308", _with_box(HUGE_SIDE), "within"),
    _scene_file("questions", "JSON nested 100k deep", lambda f: DEEP, "nested too deeply"),
    _scene_file("draw", "box side of 1e308", _with_box(HUGE_SIDE), "within"),
    _scene_file("draw", "random bytes as the scene file", lambda f: os.urandom(512) + b"\xff", "not UTF-8"),
    _scene_file("render", "box side of 1e308", _with_box(HUGE_SIDE), "within"),
    _scene_file("render", "room 9 km across", _with("room", {"polygon": [[0, 0], [9000, 0], [9000, 9000], [0, 9000]]}),
                "100 m"),
    _scene_file("render", "no room and objects 9 km apart", _scene(lambda s: {
        **{k: v for k, v in s.items() if k != "room"},
        "objects": [*s["objects"], {"id": 2, "label": "table", "bbox_3d": [9000, 9000, 0.4, 1, 1, 0.8, 0, 0, 0]}]}),
        "100 m"),
    # -- pictures and render settings ------------------------------------------------------
    _draw("unsupported picture suffix", "map.txt", ".txt"),
    _draw("picture name without a suffix", "map", "without a suffix"),
    _draw("a folder as the picture", "map.png/", "map.png"),
    _render_config("a string where a number goes", {"path": {"fps": "fast"}}, "path.fps"),
    _render_config("a boolean as the width", {"path": {"width": True}}, "path.width"),
    _render_config("colour that is a number", {"wall_color": 5}, "wall_color"),
    _render_config("unknown fault name", {"faults": {"speed": 3}}, "speed"),
    _render_config("fault that is a string", {"faults": {"depth_noise": "high"}}, "depth_noise"),
    # -- render folders given to encode ----------------------------------------------------
    _render_folder("depth all NaN", "no valid depth", depth=np.full((2, 6, 8), np.nan, np.float32)),
    _render_folder("depth all zero", "no valid depth", depth=np.zeros((2, 6, 8), np.uint16)),
    _render_folder("frame entry without t", "frame 0 needs t", frames=_frames_entry(t=None)),
    _render_folder("frame entries that are numbers", "frame 0 needs t", frames={**FRAMES, "frames": [1, 2]}),
    _render_folder("frame labels keyed by names", "labels", frames=_frames_entry(labels={"chair": "chair"})),
    _render_folder("frame position as strings", "position", frames=_frames_entry(position=["0", "0", "1.5"])),
    _render_folder("image width that is a string", "width", frames={**FRAMES, "width": "eight"}),
    _render_folder("image width of 1e400", "width", frames=json.dumps(FRAMES).replace('"width": 8', '"width": 1e400')),
]
