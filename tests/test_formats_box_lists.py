"""Other systems' box lists into codes (``convert boxes``) and first-appearance ranks on the
annotation codes (``convert vsibench-meta --first-seen-rank``): hand-worked cases and bad input."""

from __future__ import annotations

import json

import pytest

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.formats.box_lists import box_list_code, plain_label, read_box_lists
from spatialcode.formats.vsibench_meta import convert_vsibench_meta, scene_from_meta, with_first_seen_ranks
from spatialcode.scene import SpatialCode
from tests.fixtures import META
from tests.test_cli import run

#: A sofa 2.0 long, 0.9 deep, 0.8 high written [w, h, l] = [0.9, 0.8, 2.0], turned 90°.
SOFA = {"bbox_3d": [1.0, 2.0, 0.4, 0.9, 0.8, 2.0, 0.0, 0.0, 1.5707963], "label": "sofa_2"}
CHAIR = {"bbox_3d": [3.0, 1.0, 0.45, 0.5, 0.6, 0.9, 0.0, 0.0, 0.0], "label": "chair"}


def test_the_size_orders_put_the_vertical_extent_on_z():
    whl = box_list_code("s1", [SOFA], "scannet", size_order="whl").objects[0].box
    assert whl.size == pytest.approx((0.9, 2.0, 0.8))  # width along x, length along y, height up
    xyz = box_list_code("s1", [SOFA], "scannet").objects[0].box
    assert xyz.size == pytest.approx((0.9, 0.8, 2.0))


@pytest.mark.parametrize(("label", "plain"), [("chair_3", "chair"), ("trash_bin", "trash bin"), ("chair 12", "chair"),
                                              ("tv", "tv"), ("3", "3"), ("  wall_1 ", "wall")])
def test_instance_suffixes_are_dropped(label, plain):
    assert plain_label(label) == plain


def test_list_position_becomes_a_first_seen_rank_only_when_asked():
    code = box_list_code("s1", [CHAIR, SOFA], "scannet", order="appearance")
    assert [(o.label, o.first_seen) for o in code.objects] == [("chair", 0.0), ("sofa", 1.0)]
    assert "not seconds" in code.provenance.config["first_seen"]
    assert all(o.first_seen is None for o in box_list_code("s1", [CHAIR, SOFA], "scannet").objects)


def test_the_three_layouts_read_the_same(tmp_path):
    (tmp_path / "lists.json").write_text(json.dumps({"s1": [CHAIR, SOFA], "s2": [CHAIR]}))
    (tmp_path / "scenes.jsonl").write_text(json.dumps({"scene_name": "s1", "boxes": [CHAIR, SOFA]}) + "\n\n"
                                           + json.dumps({"scene": "s2", "objects": [CHAIR]}) + "\n")
    (tmp_path / "boxes.jsonl").write_text("".join(json.dumps({"scene_name": s, **box}) + "\n"
                                                  for s, box in (("s1", CHAIR), ("s2", CHAIR), ("s1", SOFA))))
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "s1.json").write_text(json.dumps([CHAIR, SOFA]))
    (folder / "s2.json").write_text(json.dumps({"boxes": [CHAIR]}))
    read = [{c.source.scene_name: [(o.label, o.box.center) for o in c.objects] for c in read_box_lists(p, "scannet")}
            for p in (tmp_path / "lists.json", tmp_path / "scenes.jsonl", tmp_path / "boxes.jsonl", folder)]
    assert read[0] == read[1] == read[2] == read[3]
    assert read[0]["s1"] == [("chair", (3.0, 1.0, 0.45)), ("sofa", (1.0, 2.0, 0.4))]


@pytest.mark.parametrize(("content", "message"), [
    ("[1, 2]", r"expected a JSON object \{scene_name: \[boxes\]\}, got list"),
    ("{}", "no scenes in it"),
    ('{"s1": {"bbox_3d": 1}}', "s1: expected a list of"),
    ('{"s1": [3]}', r"s1\[0\]: expected a JSON object, got int"),
    ('{"s1": [{"label": "chair"}]}', r"s1\[0\].bbox_3d: expected 9 numbers"),
    ('{"s1": [{"bbox_3d": [1, 2, 3, 4, 5, 6, 7, 8], "label": "chair"}]}', r"s1\[0\].bbox_3d: expected 9 numbers"),
    ('{"s1": [{"bbox_3d": [0, 0, 0, 1, 1, 1, 0, 0, 0]}]}', r"s1\[0\].label: missing"),
    ('{"s1": [{"bbox_3d": [0, 0, 0, -1, 1, 1, 0, 0, 0], "label": "x"}]}', r"s1\[0\]"),
    ('{"../evil": []}', "scene name"),
    ("{not json", "not valid JSON"),
])
def test_malformed_box_lists_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "lists.json"
    path.write_text(content)
    with pytest.raises(InputFileError, match=message):
        read_box_lists(path, "scannet")


def test_bad_choices_and_dataset_names_are_refused(tmp_path):
    (tmp_path / "lists.json").write_text(json.dumps({"s1": [CHAIR]}))
    with pytest.raises(ValidationError, match="size_order"):
        read_box_lists(tmp_path / "lists.json", "scannet", size_order="hwl")
    with pytest.raises(ValidationError, match="dataset"):
        read_box_lists(tmp_path / "lists.json", "../up")
    bad_line = tmp_path / "bad.jsonl"
    bad_line.write_text(json.dumps({"boxes": [CHAIR]}) + "\n")
    with pytest.raises(InputFileError, match="line 1: no scene name"):
        read_box_lists(bad_line, "scannet")


def test_convert_boxes_writes_the_codes_folder_eval_reads(tmp_path):
    (tmp_path / "lists.json").write_text(json.dumps({"s1": [CHAIR, SOFA]}))
    result = run("convert", "boxes", "lists.json", "--dataset", "scannet", "--size-order", "whl", "--order",
                 "appearance", "--out", "codes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    code = SpatialCode.load(tmp_path / "codes" / "scannet" / "s1.json")
    assert [o.label for o in code.objects] == ["chair", "sofa"] and code.objects[1].box.size[2] == pytest.approx(0.8)
    bad = run("convert", "boxes", "missing.json", "--dataset", "scannet", "--out", "codes", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error: missing.json: no such file or folder")


def test_first_seen_ranks_follow_the_object_bbox_order():
    code = scene_from_meta("scene0001_00", META["scene0001_00"], "scannet")
    ranked = with_first_seen_ranks(code, {"chair": [2, 0], "table": [1]})
    # chair box 1 first (rank 0), then the table, then chair box 0; the code lists them in that order
    assert [(o.label, o.box.center[0], o.first_seen) for o in ranked.objects] == [
        ("chair", 2.0, 0.0), ("table", 3.0, 1.0), ("chair", 1.0, 2.0)]
    partial = with_first_seen_ranks(code, {"chair": [None, 4]})
    assert [o.first_seen for o in sorted(partial.objects, key=lambda o: o.id)] == [None, 4.0, None]
    with pytest.raises(ValidationError, match=r"scene0001_00.chair: 1 ranks for 2 boxes"):
        with_first_seen_ranks(code, {"chair": [0]})
    with pytest.raises(ValidationError, match=r"scene0001_00.sofa: ranks for a label the scene has no box of"):
        with_first_seen_ranks(code, {"sofa": [0]})


def test_convert_vsibench_meta_with_ranks(tmp_path):
    meta = tmp_path / "meta_info"
    meta.mkdir()
    (meta / "scannet_meta_info_val.json").write_text(json.dumps(META))
    ranks = tmp_path / "ranks.json"
    ranks.write_text(json.dumps({"scannet": {"scene0001_00": {"chair": [1, 2], "table": [0]}}}))
    (path,) = convert_vsibench_meta(meta, tmp_path / "codes", ranks)
    assert [o.label for o in SpatialCode.load(path).objects] == ["table", "chair", "chair"]
    ranks.write_text(json.dumps({"scannet": {"scene0001_00": {"chair": [1]}}}))
    with pytest.raises(InputFileError, match="ranks.json: scene0001_00.chair: 1 ranks for 2 boxes"):
        convert_vsibench_meta(meta, tmp_path / "codes2", ranks)
    assert not (tmp_path / "codes2").exists()  # checked before anything is written


def test_a_json_lines_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    import spatialcode.formats.box_lists as box_lists

    monkeypatch.setattr(box_lists, "MAX_JSON_BYTES", 2**20)
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"scene_name": "s1", **CHAIR}) + "\n" + " " * 2**20)
    with pytest.raises(InputFileError, match="larger than 1 MiB, the limit for a box-list file"):
        read_box_lists(path, "scannet")


def test_a_json_lines_file_that_is_not_text_is_one_clear_error(tmp_path):
    path = tmp_path / "boxes.jsonl"
    path.write_bytes(b"\xff\xfe{\"scene_name\": \"s1\"}\n")
    with pytest.raises(InputFileError, match="not UTF-8 text, so not a JSON-lines file"):
        read_box_lists(path, "scannet")
