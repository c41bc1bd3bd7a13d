"""The 3D view in Rerun (`spatialcode view`, `ask --rrd`): the written .rrd is opened with the
SDK's reader and its entities are checked against hand-built scenes (boxes, room, facing
arrows, first-seen events, the answer's boxes and distances) and a tiny render (camera poses,
frames, a depth cloud lying on the rendered surfaces)."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

pytest.importorskip("rerun")

from rerun.chunk import RrdReader  # noqa: E402

from spatialcode.cli import main  # noqa: E402
from spatialcode.geometry.box import Box3D  # noqa: E402
from spatialcode.reason.answer import Answer  # noqa: E402
from spatialcode.reason.evidence import answer_evidence  # noqa: E402
from spatialcode.scene import CameraPose, Room, Source, SpatialCode, SpatialObject  # noqa: E402
from tests.fixtures import tiny_scene  # noqa: E402


def _read(path: Path) -> dict[str, list[dict]]:
    """The rows of every entity of the .rrd at ``path``: {entity path: [{column: value}]}, with
    the ``time`` index in seconds."""
    rows: dict[str, list[dict]] = {}
    for chunk in RrdReader(path).stream():
        batch = chunk.to_record_batch()
        columns = {name: batch.column(name) for name in batch.schema.names if name != "rerun.controls.RowId"}
        if "time" in columns:
            columns["time"] = pa.array(np.asarray(columns["time"].cast(pa.int64())) / 1e9)
        listed = {name: column.to_pylist() for name, column in columns.items() if name != "log_time"}
        rows.setdefault(chunk.entity_path, []).extend(
            {name: values[i] for name, values in listed.items()} for i in range(batch.num_rows))
    return rows


def _one(rows: dict[str, list[dict]], entity: str, column: str):
    """The value of ``column`` in the single row of ``entity`` that has it."""
    values = [row[column] for row in rows[entity] if row.get(column) is not None]
    assert len(values) == 1, (entity, column, len(values))
    return values[0]


def _invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def _facing_scene() -> SpatialCode:
    """The tiny room with a room height, fronts, first-seen times and a three-pose camera path."""
    code = tiny_scene()
    fronts = {3: True, 7: True, 5: False}  # chair (yaw 0.3 rad) and cabinet (yaw π) have fronts; the table none
    seen = {3: 2.5, 5: 0.0, 7: 1.0}
    objects = [dataclasses.replace(o, has_front=fronts.get(o.id), first_seen=seen.get(o.id)) for o in code.objects]
    camera = tuple(CameraPose.from_yaw_pitch(t, (0.5 + t, 0.5, 1.5), 0.0, 0.0) for t in (0.0, 1.0, 2.0))
    return dataclasses.replace(code, objects=tuple(objects), room=Room(polygon=code.room.polygon, height=2.6),
                               camera=camera)


@pytest.fixture(scope="module")
def scene_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("view") / "scene.json"
    _facing_scene().save(path)
    return path


@pytest.fixture(scope="module")
def scene_rows(scene_file) -> dict[str, list[dict]]:
    out = scene_file.with_name("scene.rrd")
    result = _invoke("view", scene_file, "--rrd", out)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "5 objects" in result.output
    assert not out.with_name("scene.rrd.part").exists()
    return _read(out)


def test_the_boxes_are_the_scenes_centres_sides_and_turns(scene_rows):
    # tiny_scene in first-seen order: table #5 (0 s), cabinet #7 (1 s, yaw π), chair #3 (2.5 s), then the unseen
    # crate #9 (roll 0.3, pitch 0.2, yaw 0.6) and picture #11 (yaw -π/2)
    assert _one(scene_rows, "/world/objects", "Boxes3D:labels") == ["table #5", "cabinet #7", "chair #3", "crate #9",
                                                                    "picture #11"]
    centres = _one(scene_rows, "/world/objects", "Boxes3D:centers")
    assert np.allclose(centres, [(2.4, 1.5, 0.375), (3.7, 2.4, 0.6), (1.0, 1.0, 0.45), (0.7, 2.4, 0.3), (2.0, 2.97, 1.5)])
    half = _one(scene_rows, "/world/objects", "Boxes3D:half_sizes")
    assert np.allclose(half, [(0.6, 0.4, 0.375), (0.25, 0.45, 0.6), (0.25, 0.25, 0.45), (0.2, 0.15, 0.175),
                              (0.02, 0.4, 0.3)], atol=1e-6)
    quats = np.asarray(_one(scene_rows, "/world/objects", "Boxes3D:quaternions"))
    # a turn by yaw about z is the quaternion (0, 0, sin(yaw/2), cos(yaw/2)), up to sign
    assert np.allclose(np.abs(quats[0]), (0, 0, 0, 1), atol=1e-6)               # table: no turn
    assert np.allclose(np.abs(quats[1]), (0, 0, 1, 0), atol=1e-6)               # cabinet: yaw π
    assert np.allclose(np.abs(quats[2]), (0, 0, math.sin(0.15), math.cos(0.15)), atol=1e-6)  # chair: yaw 0.3
    assert np.allclose(np.abs(quats[4]), (0, 0, math.sin(math.pi / 4), math.cos(math.pi / 4)), atol=1e-6)


def test_facing_arrows_only_for_objects_with_a_front(scene_rows):
    origins = _one(scene_rows, "/world/objects/facing", "Arrows3D:origins")
    vectors = _one(scene_rows, "/world/objects/facing", "Arrows3D:vectors")
    assert np.allclose(origins, [(3.7, 2.4, 0.6), (1.0, 1.0, 0.45)])
    # cabinet: yaw π, half of its 0.5 m x side → -x; chair: +x turned by 0.3 rad, half of 0.5 m
    assert np.allclose(vectors, [(-0.25, 0.0, 0.0), (0.25 * math.cos(0.3), 0.25 * math.sin(0.3), 0.0)], atol=1e-6)


def test_room_outline_and_walls(scene_rows):
    floor = _one(scene_rows, "/world/room/floor", "LineStrips3D:strips")
    assert np.allclose(floor, [[(0, 0, 0), (4, 0, 0), (4, 3, 0), (0, 3, 0), (0, 0, 0)]])
    walls = _one(scene_rows, "/world/room/walls", "LineStrips3D:strips")
    assert np.allclose(walls[0], [(0, 0, 2.6), (4, 0, 2.6), (4, 3, 2.6), (0, 3, 2.6), (0, 0, 2.6)])
    assert sorted(map(tuple, np.asarray(walls[1:]).reshape(-1, 3).round(6).tolist())) == sorted(
        [(x, y, z) for x, y in ((0, 0), (4, 0), (4, 3), (0, 3)) for z in (0.0, 2.6)])


def test_camera_path_and_first_seen_events_on_the_timeline(scene_rows):
    path = _one(scene_rows, "/world/camera_path", "LineStrips3D:strips")
    assert np.allclose(path, [[(0.5, 0.5, 1.5), (1.5, 0.5, 1.5), (2.5, 0.5, 1.5)]])
    events = [(row["time"], row["TextLog:text"]) for row in scene_rows["/events/first_seen"]]
    assert events == [(0.0, ["first seen: table #5 at 0.00 s"]), (1.0, ["first seen: cabinet #7 at 1.00 s"]),
                      (2.5, ["first seen: chair #3 at 2.50 s"])]


# -- the answer to a question ------------------------------------------------------------------


def _pair_scene() -> SpatialCode:
    """Two chairs and a table, axis-aligned: chair #1's +x face (x = 0.25) is 1.3 m from the
    table's -x face (x = 1.55); chair #2 is 3 m behind chair #1."""
    return SpatialCode(objects=(
        SpatialObject(1, "chair", Box3D((0.0, 0.0, 0.45), (0.5, 0.5, 0.9))),
        SpatialObject(2, "chair", Box3D((-3.0, 0.0, 0.45), (0.5, 0.5, 0.9))),
        SpatialObject(4, "table", Box3D((2.05, 0.0, 0.375), (1.0, 0.8, 0.75))),
        SpatialObject(6, "lamp", Box3D((0.0, 3.0, 0.8), (0.3, 0.3, 1.6))),
    ), room=Room(polygon=((-4, -2), (4, -2), (4, 4), (-4, 4))), source=Source(scene_name="pair"))


def test_ask_writes_the_question_answer_and_the_distance_it_measured(tmp_path):
    scene, out = tmp_path / "pair.json", tmp_path / "answer.rrd"
    _pair_scene().save(scene)
    result = _invoke("ask", scene, "What is the distance between the chair and the table (in meters)?", "--rrd", out)
    assert result.exit_code == 0, result.output
    assert "→ 1.3" in result.output and "2 boxes and 1 distance" in result.output
    rows = _read(out)
    text = _one(rows, "/answer/question", "TextDocument:text")[0]
    assert "What is the distance between the chair and the table" in text and "**Answer:** 1.3" in text
    assert _one(rows, "/world/answer/objects", "Boxes3D:labels") == ["chair #1", "table #4"]
    (segment,) = _one(rows, "/world/answer/distances", "LineStrips3D:strips")
    start, end = np.asarray(segment)
    assert start[0] == pytest.approx(0.25) and end[0] == pytest.approx(1.55)  # the facing sides
    assert np.allclose(start[1:], end[1:]) and abs(start[1]) <= 0.25 and 0.0 <= start[2] <= 0.75
    assert _one(rows, "/world/answer/distances", "LineStrips3D:labels") == ["1.30 m"]
    assert len(_one(rows, "/world/objects", "Boxes3D:centers")) == 4  # the whole scene is there too


def test_evidence_of_counting_and_relative_distance():
    code = _pair_scene()
    counted = answer_evidence(code, "How many chair(s) are in this room?",
                              Answer("2", derivation=("chair: 2 (2 boxes; the count declared by the source wins)",)))
    assert counted.objects == (1, 2) and counted.segments == ()
    question = ("Measuring from the closest point of each object, which of these objects (table, lamp) is the "
                "closest to the chair?")
    nearest = answer_evidence(code, question, Answer("A", derivation=("table ↔ chair: 1.300 m", "lamp ↔ chair: 2.550 m")),
                              options=["A. table", "B. lamp"])
    # lamp #6 spans y 2.85..3.15, chair #1 reaches y = 0.25: 2.6 m; table 1.3 m (the nearest chair is #1 both times)
    assert [(s.ids, round(s.length, 6)) for s in nearest.segments] == [((1, 4), 1.3), ((1, 6), 2.6)]
    assert set(nearest.objects) == {1, 2, 4, 6}  # the derivation names the categories: every chair


def test_ask_rrd_must_be_an_rrd_file(tmp_path):
    scene = tmp_path / "pair.json"
    _pair_scene().save(scene)
    result = _invoke("ask", scene, "How many chair(s) are in this room?", "--rrd", tmp_path / "answer.png")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {tmp_path / 'answer.png'}: a Rerun recording is written to "
                                                  "an .rrd file; name it like view.rrd"]


# -- a render folder ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def render_dir(tmp_path_factory) -> Path:
    from spatialcode.synth.camera_path import PathConfig
    from spatialcode.synth.render import RenderConfig, render_scene

    out = tmp_path_factory.mktemp("render") / "tiny"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # time compression of the tiny frame budget
        render_scene(tiny_scene(), out, RenderConfig(path=PathConfig(width=64, height=48, fps=4.0, max_frames=12,
                                                                     mask_threshold=20)), progress=False)
    return out


@pytest.fixture(scope="module")
def render_rows(render_dir) -> dict[str, list[dict]]:
    out = render_dir.parent / "render.rrd"
    result = _invoke("view", render_dir, "--rrd", out, "--max-images", 5, "--cloud-frames", 3, "--max-points", 3000)
    assert result.exit_code == 0, result.output
    return _read(out)


def test_render_camera_frames_and_frustum(render_dir, render_rows):
    frames = json.loads((render_dir / "frames.json").read_text())["frames"]
    poses = [row for row in render_rows["/world/camera"] if row.get("Transform3D:translation")]
    assert len(poses) == len(frames) == 12
    assert np.allclose(np.reshape([p["Transform3D:translation"] for p in poses], (-1, 3)), [f["position"] for f in frames])
    assert [p["time"] for p in poses] == pytest.approx([f["t"] for f in frames])
    images = [row for row in render_rows["/world/camera/image"] if row.get("EncodedImage:blob")]
    assert len(images) == 5 and all(row["EncodedImage:media_type"] == ["image/jpeg"] for row in images)
    assert [row["time"] for row in images] == pytest.approx([frames[i]["t"] for i in (0, 3, 6, 8, 11)])  # evenly spread
    assert _one(render_rows, "/world/camera/image", "Pinhole:resolution") == [[64.0, 48.0]]
    k = np.asarray(_one(render_rows, "/world/camera/image", "Pinhole:image_from_camera")[0]).reshape(3, 3).T  # column-major
    intr = frames[0]["intrinsics"]
    assert np.allclose(k, [[intr["fx"], 0, intr["cx"]], [0, intr["fy"], intr["cy"]], [0, 0, 1]])


def test_render_depth_cloud_lies_on_the_rendered_surfaces(render_rows):
    points = np.asarray(_one(render_rows, "/world/cloud", "Points3D:positions"))
    assert 500 < len(points) <= 3000
    assert len(_one(render_rows, "/world/cloud", "Points3D:colors")) == len(points)
    # the shell of tiny_scene's 4 × 3 m room (floor z = 0, the renderer's default 2.7 m ceiling) or an object's box
    x, y, z = points.T
    tol = 0.03
    on_shell = ((np.abs(x) < tol) | (np.abs(x - 4) < tol) | (np.abs(y) < tol) | (np.abs(y - 3) < tol)
                | (np.abs(z) < tol) | (np.abs(z - 2.7) < tol))
    in_box = np.zeros(len(points), dtype=bool)
    for obj in tiny_scene().objects:
        local = obj.box.to_local(points)
        in_box |= np.all(np.abs(local) <= obj.box.size_array / 2 + tol, axis=1)
    assert np.mean(on_shell | in_box) > 0.99


# -- bad input ---------------------------------------------------------------------------------


def test_view_bad_inputs_give_one_line_and_no_file(tmp_path, render_dir):
    not_a_scene = tmp_path / "list.json"
    not_a_scene.write_text("[1, 2]")
    no_poses = tmp_path / "no_poses"
    shutil.copytree(render_dir, no_poses)
    doc = json.loads((no_poses / "frames.json").read_text())
    for frame in doc["frames"]:
        frame["position"] = frame["quaternion"] = None
    (no_poses / "frames.json").write_text(json.dumps(doc))
    cases = {
        tmp_path / "missing.json": "cannot read scene file",
        not_a_scene: "scene: expected a JSON object",
        tmp_path: "not a frame source",
        no_poses: "no frame has a camera pose",
    }
    out = tmp_path / "out.rrd"
    for given, message in cases.items():
        result = _invoke("view", given, "--rrd", out)
        lines = result.output.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], lines
        assert not out.exists() and not out.with_name("out.rrd.part").exists()
    result = _invoke("view", not_a_scene, "--rrd", tmp_path / "out.txt")
    assert result.exit_code == 2 and "name it like view.rrd" in result.output
    result = _invoke("view", not_a_scene, "--set", "max_points=10000000")
    assert result.exit_code == 2 and "max_points: a whole number in [0, 5000000]" in result.output


def test_view_without_a_display_says_to_write_a_recording(scene_file, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    result = _invoke("view", scene_file)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["error: no display to open the Rerun viewer on: write a recording "
                                                  "with --rrd FILE.rrd and open it where there is a screen (rerun FILE.rrd)"]
