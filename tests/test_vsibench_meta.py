"""VSI-Bench meta info → SpatialCode (tiny fixture written by the test)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.formats.codes_dir import CodesDir, scene_path, write_codes
from spatialcode.formats.names import check_path_name
from spatialcode.formats.vsibench_meta import convert_vsibench_meta, iter_meta_info_dir, read_meta_info
from tests.fixtures import META


@pytest.fixture
def meta_dir(tmp_path):
    folder = tmp_path / "meta_info"
    folder.mkdir()
    (folder / "scannet_meta_info_val.json").write_text(json.dumps(META))
    return folder


def test_meta_info_becomes_spatial_code(meta_dir):
    codes = read_meta_info(meta_dir / "scannet_meta_info_val.json")
    code = codes["scene0001_00"]
    assert code.source.dataset == "scannet" and code.source.fps == 24.0
    assert code.room.floor_area() == 21.5 and code.room.center == (1.0, 2.0, 0.1)
    assert code.count("chair") == 3  # authoritative count, although only 2 boxes
    assert len(code.objects_with_label("chair")) == 2
    chair = code.objects_with_label("chair")[0]
    assert np.degrees(chair.box.yaw) == pytest.approx(30.0)
    assert chair.box.size == (0.5, 0.6, 0.9)
    table = code.objects_with_label("table")[0]
    expected = np.array([[x, y, z] for x in (2.4, 3.6) for y in (2.6, 3.4) for z in (0.025, 0.775)])
    assert sorted(map(tuple, np.round(table.box.corners, 6))) == sorted(map(tuple, np.round(expected, 6)))


def test_codes_folder_round_trip(meta_dir, tmp_path):
    out = tmp_path / "codes"
    paths = write_codes(iter_meta_info_dir(meta_dir), out)
    assert paths == [out / "scannet" / "scene0001_00.json"]
    loaded = CodesDir(out).get("scannet", "scene0001_00")
    assert loaded == read_meta_info(meta_dir / "scannet_meta_info_val.json")["scene0001_00"]
    assert CodesDir(out).get(None, "scene0001_00") == loaded  # found without the dataset
    with pytest.raises(InputFileError, match="no spatial code for scene 'nope'"):
        CodesDir(out).get("scannet", "nope")


def test_bad_meta_info_names_file_and_field(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    broken = {"s1": {"object_counts": {}, "object_bbox": {"bed": [{"centroid": [0, 0, 0], "axesLengths": [1, -1, 1], "normalizedAxes": [1, 0, 0, 0, 1, 0, 0, 0, 1]}]}}}
    (folder / "arkitscenes_meta_info_val.json").write_text(json.dumps(broken))
    with pytest.raises(InputFileError, match=r"arkitscenes_meta_info_val.json: s1\.object_bbox\.bed\[0\]\.axesLengths: side lengths must be >= 0"):
        list(iter_meta_info_dir(folder))
    with pytest.raises(InputFileError, match="no \\*_meta_info\\*.json files"):
        list(iter_meta_info_dir(tmp_path / "m2" if (tmp_path / "m2").mkdir() is None else None))


@pytest.mark.parametrize("name", ["../escaped", "/tmp/escaped", "a/b", "..", ".", "", "a\\b", "*", "x\x00y", "c:x"])
def test_path_names_are_refused(name):
    with pytest.raises(ValidationError, match="scene name"):
        check_path_name(name, "scene name")


@pytest.mark.parametrize("name", ["scene0001_00", "41069043", "c50d2d1d42", "synth_000003", "living room.2"])
def test_plain_names_pass(name):
    assert check_path_name(name, "scene name") == name


def test_codes_folder_refuses_names_that_leave_it(tmp_path):
    root = tmp_path / "codes"
    root.mkdir()
    (tmp_path / "outside.json").write_text(json.dumps({"objects": []}))
    with pytest.raises(InputFileError, match="scene name: '../outside'"):
        CodesDir(root).get("scannet", "../outside")
    with pytest.raises(InputFileError, match="dataset name: '..'"):
        CodesDir(root).get("..", "outside")
    with pytest.raises(InputFileError, match="scene name"):
        scene_path(root, "scannet", "/etc/passwd")


@pytest.mark.parametrize("change, message", [
    (lambda meta: {"../escaped": meta["scene0001_00"]}, "scene name: '../escaped'"),
    (lambda meta: {"s": {**meta["scene0001_00"], "dataset": "/tmp"}}, r"s\.dataset: '/tmp'"),
    (lambda meta: {"s": {k: v for k, v in meta["scene0001_00"].items() if k != "object_bbox"}}, r"s\.object_bbox: missing"),
    (lambda meta: {"s": {**meta["scene0001_00"], "object_bbox": {"chair": 3}}}, r"s\.object_bbox\.chair: expected a list"),
    (lambda meta: {"s": {**meta["scene0001_00"], "object_bbox": {"chair": [
        {"centroid": [0, 0, 0], "axesLengths": [1, 1, 1], "normalizedAxes": [0] * 9}]}}}, r"chair\[0\]\.normalizedAxes: the rows"),
    (lambda meta: {"s": {**meta["scene0001_00"], "object_bbox": {"chair": [
        {"centroid": [0, 0, 0], "axesLengths": [1, 0, 1], "normalizedAxes": np.eye(3).ravel().tolist()}]}}},
     r"chair\[0\]\.axesLengths: side lengths must be > 0"),
])
def test_bad_meta_info_writes_nothing(tmp_path, change, message):
    folder = tmp_path / "meta"
    folder.mkdir()
    (folder / "arkitscenes_meta_info_val.json").write_text(json.dumps(META))  # a good file read first
    (folder / "scannet_meta_info_val.json").write_text(json.dumps(change(META)))
    out = tmp_path / "codes"
    with pytest.raises(InputFileError, match=message):
        convert_vsibench_meta(folder, out)
    assert not out.exists() and not (tmp_path / "escaped.json").exists()
