"""The data model: validation on construction, JSON round trips, bbox_3d lists, counts."""

from __future__ import annotations

import json
import math

import pytest

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.formats.bbox3d import (
    bbox_3d_list_from_code,
    objects_from_bbox_3d_list,
    read_bbox_3d_list,
    write_bbox_3d_list,
)
from spatialcode.geometry.box import Box3D
from spatialcode.scene import (
    CameraPose,
    Provenance,
    Room,
    Source,
    SpatialCode,
    SpatialObject,
)


def test_box_rejects_bad_values_naming_the_field():
    with pytest.raises(ValidationError, match="^size: side lengths must be >= 0"):
        Box3D((0, 0, 0), (1, -1, 1))
    with pytest.raises(ValidationError, match="^center: must be finite"):
        Box3D((0, math.nan, 0), (1, 1, 1))
    with pytest.raises(ValidationError, match="^bbox_3d: expected 9 numbers, got 7"):
        Box3D.from_bbox_3d([0] * 7)
    with pytest.raises(ValidationError, match="^rotation: expected 3 numbers"):
        Box3D((0, 0, 0), (1, 1, 1), ("a", 0, 0))


def test_object_and_scene_errors_name_the_nested_field():
    good = {"id": 0, "label": "chair", "bbox_3d": [0, 0, 0, 1, 1, 1, 0, 0, 0]}
    bad = {"id": 1, "label": "table", "bbox_3d": [0, 0, 0, 1, float("nan"), 1, 0, 0, 0]}
    with pytest.raises(ValidationError, match=r"^objects\[1\]\.size: must be finite"):
        SpatialCode.from_dict({"objects": [good, bad]})
    with pytest.raises(ValidationError, match=r"^objects\[0\]\.label: missing"):
        SpatialCode.from_dict({"objects": [{"id": 0, "bbox_3d": [0] * 9}]})
    with pytest.raises(ValidationError, match="^objects: duplicate object id 0"):
        SpatialCode.from_dict({"objects": [good, good]})
    with pytest.raises(ValidationError, match="^confidence: must be in"):
        SpatialObject(0, "chair", Box3D((0, 0, 0), (1, 1, 1)), confidence=1.5)
    with pytest.raises(ValidationError, match="^first_seen: must be >= 0"):
        SpatialObject(0, "chair", Box3D((0, 0, 0), (1, 1, 1)), first_seen=-1)
    with pytest.raises(ValidationError, match=r"^object_counts\.chair: expected a non-negative integer"):
        SpatialCode(object_counts={"chair": -2})
    with pytest.raises(ValidationError, match="^room.area: must be >= 0"):
        SpatialCode.from_dict({"room": {"area": -3}})
    with pytest.raises(ValidationError, match="^schema_version: unsupported"):
        SpatialCode.from_dict({"schema_version": 99})
    with pytest.raises(ValidationError, match="^fps: must be > 0"):
        Source(fps=0)


def test_objects_are_kept_in_first_appearance_order(cross_scene):
    times = [o.first_seen for o in cross_scene.objects]
    seen = [t for t in times if t is not None]
    assert seen == sorted(seen)
    assert times[-2:] == [None, None]  # objects never timed go last, in given order
    assert [o.id for o in cross_scene.objects][-2:] == [6, 7]
    assert cross_scene.labels[0] == "door"


def test_json_round_trip_is_exact(cross_scene, tmp_path):
    camera = (CameraPose(0.0, (0, 0, 1.5), (0, 0, 0, 1)), CameraPose(0.5, (0.1, 0, 1.5), (0, 0, 0.1, 0.995)))
    code = SpatialCode(
        objects=cross_scene.objects,
        room=Room(polygon=((0, 0), (3, 0), (3, 2)), area=3.0, center=(1, 1, 0), height=2.6),
        camera=camera,
        source=Source(dataset="d", scene_name="s", fps=30.0, frame_count=10),
        object_counts={"chair": 3},
    )
    path = tmp_path / "scene.json"
    code.save(path)
    again = SpatialCode.load(path)
    assert again == code
    assert json.loads(path.read_text())["objects"][0]["bbox_3d"] == code.objects[0].box.to_bbox_3d()


def test_camera_poses_must_be_in_time_order():
    with pytest.raises(ValidationError, match="^camera: poses must be in time order"):
        SpatialCode(camera=(CameraPose(1.0, (0, 0, 0), (0, 0, 0, 1)), CameraPose(0.5, (0, 0, 0), (0, 0, 0, 1))))


def test_load_errors_are_one_line_and_name_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(InputFileError) as err:
        SpatialCode.load(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(InputFileError, match="cannot read scene file"):
        SpatialCode.load(tmp_path / "missing.json")


def test_count_prefers_declared_counts(cross_scene):
    assert cross_scene.count("chair") == 2
    assert cross_scene.count("Trash  Bin") == 1
    declared = SpatialCode(objects=cross_scene.objects, object_counts={"chair": 5})
    assert declared.count("chair") == 5
    assert declared.count("sofa") == 1  # not declared → from boxes


def test_bbox_3d_list_round_trip(cross_scene, tmp_path):
    entries = bbox_3d_list_from_code(cross_scene)
    assert all(len(e["bbox_3d"]) == 9 and "label" in e for e in entries)
    path = tmp_path / "boxes.json"
    write_bbox_3d_list(cross_scene, path)
    back = read_bbox_3d_list(path)
    assert back.objects == cross_scene.objects
    # the field's minimal form: bbox_3d + label only, "score" read as confidence
    objs = objects_from_bbox_3d_list([{"bbox_3d": [1, 2, 0.5, 1, 1, 1, 0, 0, 0.3], "label": "bed", "score": 0.9}])
    assert objs[0].box.yaw == pytest.approx(0.3) and objs[0].confidence == 0.9


def test_bbox_3d_list_errors_name_the_entry(tmp_path):
    with pytest.raises(ValidationError, match=r"^\[1\]\.bbox_3d: expected 9 numbers, got 6"):
        objects_from_bbox_3d_list([{"bbox_3d": [0, 0, 0, 1, 1, 1, 0, 0, 0], "label": "a"}, {"bbox_3d": [0] * 6, "label": "b"}])
    with pytest.raises(ValidationError, match=r"^\[0\]\.label: missing"):
        objects_from_bbox_3d_list([{"bbox_3d": [0] * 9}])
    path = tmp_path / "x.json"
    path.write_text('{"a": 1}')
    with pytest.raises(InputFileError, match="expected a list"):
        read_bbox_3d_list(path)


def test_provenance_hash_is_stable_and_config_sensitive():
    a = Provenance.from_config("encoder", {"voxel": 0.05, "stride": 2}, "0.1.0")
    b = Provenance.from_config("encoder", {"stride": 2, "voxel": 0.05}, "0.1.0")
    c = Provenance.from_config("encoder", {"stride": 3, "voxel": 0.05}, "0.1.0")
    assert a.config_hash == b.config_hash != c.config_hash and len(a.config_hash) == 12
    code = SpatialCode(provenance=a)
    assert SpatialCode.from_json(code.to_json()).provenance == a


def test_camera_pose_from_matrix_inverts_matrix():
    pose = CameraPose(t=1.5, position=(1.0, -2.0, 1.5), quaternion=(0.1, -0.7, 0.6, 0.3))
    again = CameraPose.from_matrix(pose.matrix(), t=1.5)
    assert again.t == 1.5 and again.position == pytest.approx(pose.position)
    assert again.matrix() == pytest.approx(pose.matrix())


@pytest.mark.parametrize(("bbox_3d", "message"), [
    (["1", "1", "0.4", "0.5", "0.5", "0.9", "0", "0", "0"], r"^objects\[0\]\.center: expected 3 numbers"),
    ([1, 1, 0.4, True, 0.5, 0.9, 0, 0, 0], r"^objects\[0\]\.size: expected 3 numbers"),
    ([1, 1, 0.4, 0, 0.5, 0.9, 0, 0, 0], r"^objects\[0\]\.size: side lengths must be > 0"),
    ([1, 1, 0.4, 1e308, 0.5, 0.9, 0, 0, 0], r"^objects\[0\]\.size: must be within ±10000"),
    ([2e4, 1, 0.4, 0.5, 0.5, 0.9, 0, 0, 0], r"^objects\[0\]\.center: must be within ±10000"),
], ids=["strings", "bool", "zero side", "1e308 side", "far centre"])
def test_boxes_read_from_files_are_real_solid_and_bounded(bbox_3d, message):
    with pytest.raises(ValidationError, match=message):
        SpatialCode.from_dict({"objects": [{"id": 0, "label": "chair", "bbox_3d": bbox_3d}]})


def test_zero_sides_stay_allowed_for_boxes_built_in_code():
    assert Box3D((0, 0, 0), (0, 1, 1)).size == (0.0, 1.0, 1.0)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("camera", 1, "^camera: expected a list"),
    ("camera", [None], r"^camera\[0\]\.pose: expected a JSON object"),
    ("source", "scannet", "^source: expected a JSON object"),
    ("source", {"scene_name": 5}, r"^source\.scene_name: expected a string"),
    ("provenance", "me", "^provenance: expected a JSON object"),
    ("provenance", {"config": "x"}, r"^provenance\.config: expected a JSON object"),
    ("object_counts", 3, "^object_counts: expected a JSON object"),
    ("room", {"polygon": 4}, r"^room\.polygon: expected a list"),
    ("room", {"polygon": [[0, 0], [1e308, 0], [0, 1]]}, r"^room\.polygon\[1\]: must be within"),
    ("room", {"area": 1e300}, r"^room\.area: must be <="),
    ("objects", {"a": 1}, "^objects: expected a list"),
])
def test_scene_fields_of_the_wrong_kind_are_named(key, value, message):
    with pytest.raises(ValidationError, match=message):
        SpatialCode.from_dict({key: value})


def test_load_names_the_file_for_bytes_and_nesting(tmp_path):
    (tmp_path / "noise.json").write_bytes(b"\x89PNG\r\n\x1a\n\xff")
    with pytest.raises(InputFileError, match="noise.json: not UTF-8"):
        SpatialCode.load(tmp_path / "noise.json")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputFileError, match="deep.json: JSON nested too deeply"):
        SpatialCode.load(tmp_path / "deep.json")
