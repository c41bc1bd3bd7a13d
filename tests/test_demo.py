"""The embedded demo end to end, at a tiny render size."""

from __future__ import annotations

import json
import warnings

import pytest

from spatialcode.bench import load_questions
from spatialcode.core.errors import ValidationError
from spatialcode.demo import DEMO_FILES, DemoConfig, run_demo
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.render import RenderConfig

TINY = RenderConfig(path=PathConfig(width=96, height=72, max_frames=80, mask_threshold=30))


def _demo(out, **overrides):
    config = DemoConfig(**{"out": out, "render": TINY, **overrides})
    stages = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny frame budget compresses the camera path
        return run_demo(config, progress=False, on_stage=stages.append), stages


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return _demo(tmp_path_factory.mktemp("demo") / "out")


def test_every_file_is_written(demo):
    result, stages = demo
    assert len(stages) == 6
    for name in DEMO_FILES:
        assert (result.out_dir / name).is_file(), name
    assert (result.out_dir / "report.json").is_file()


def test_the_3d_view_holds_the_encoded_boxes_and_the_camera(demo):
    import numpy as np

    from tests.test_viz_rerun import _one, _read

    result, _ = demo
    rows = _read(result.out_dir / "view.rrd")
    centres = np.asarray(_one(rows, "/world/objects", "Boxes3D:centers"))
    encoded = np.array([o.box.center for o in result.encoded.objects])
    assert len(centres) == len(encoded) and np.allclose(np.sort(centres, axis=0), np.sort(encoded, axis=0), atol=1e-5)
    assert len(rows["/world/camera"]) == result.render.frame_count  # the camera at every frame of the video
    assert _one(rows, "/world/cloud", "Points3D:positions")  # a depth cloud


def test_the_video_is_encoded_and_compared_with_the_truth(demo):
    result, _ = demo
    encoded = SpatialCode.load(result.out_dir / "encoded.json")
    assert encoded == result.encoded and encoded.source.scene_name == result.code.source.scene_name
    assert len(encoded.camera) == result.render.frame_count
    comparison = result.comparison
    assert comparison["objects"] == len(result.code.objects) - len(result.render.unseen)
    assert comparison["matched"] >= 0.8 * comparison["objects"]  # even at 96×72 with a compressed path (27/27)


def test_questions_are_answered_from_the_encoded_code(demo):
    result, _ = demo
    questions = load_questions(result.out_dir / "questions.jsonl")
    assert [q.id for q in questions] == [q.id for q in result.questions]
    assert {q.question_type for q in questions} >= {"object_counting", "object_abs_distance", "route_planning"}
    predictions = [json.loads(line) for line in (result.out_dir / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == len(questions) and all(p["derivation"] for p in predictions)
    assert len(result.rows) == len(questions) and 30.0 < result.table.full.overall <= 100.0
    for q, p in zip(questions[:10], predictions):
        answer = Solver().answer_question(result.encoded, q.question, q.options, q.question_type)
        assert p["prediction"] == answer.to_record()["prediction"]
    code = SpatialCode.load(result.out_dir / "scene.json")
    assert code == result.code and code.camera and any(o.first_seen is not None for o in code.objects)


def test_report_states_scene_video_questions_and_scores(demo):
    result, _ = demo
    report = (result.out_dir / "report.md").read_text()
    assert f"{len(result.code.objects)} objects" in report and "80 frames at 10 fps, 96×72" in report
    assert f"Questions: {len(result.questions)}" in report and "| **overall** |" in report
    assert f"Encoded from the video (ground-truth masks, depth and poses): {len(result.encoded.objects)} objects" in report
    doc = json.loads((result.out_dir / "report.json").read_text())
    assert doc["scores"]["overall"] == pytest.approx(result.table.full.overall)
    assert doc["encoded"]["objects"] == len(result.encoded.objects)
    assert set(doc["seconds"]) == {"generate", "render", "encode", "questions", "answer", "pictures"}


def test_demo_is_deterministic_and_replaces_an_earlier_run(demo, tmp_path):
    first, _ = demo
    again, _ = _demo(tmp_path / "again", overlay=False)
    for name in ("scene.json", "encoded.json", "questions.jsonl", "frames.json"):
        assert (again.out_dir / name).read_bytes() == (first.out_dir / name).read_bytes(), name
    rerun, _ = _demo(tmp_path / "again", overlay=False)  # same folder: predictions start afresh
    lines = (rerun.out_dir / "predictions.jsonl").read_text().splitlines()
    assert len(lines) == len(rerun.questions)


def test_without_rerun_the_demo_skips_its_3d_view_and_says_so(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "rerun" else real(name, *a))
    result, stages = _demo(tmp_path / "no-view", overlay=False,
                           render=RenderConfig(path=PathConfig(width=64, height=48, max_frames=20, mask_threshold=10)))
    assert not (result.out_dir / "view.rrd").exists() and (result.out_dir / "birdseye.png").is_file()
    assert any("skipping the 3D view (view.rrd): rerun-sdk is not installed" in stage for stage in stages)


def test_unknown_room_kind_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationError, match="unknown room kind 'garage'"):
        DemoConfig(kind="garage", out=tmp_path)
