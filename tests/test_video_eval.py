"""`spatialcode eval --videos` (issue 25): each scene encoded once from <dataset>/<scene>.mp4 into
the codes folder (resumable, failures logged), then the questions answered from the codes."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from spatialcode.cli import main
from spatialcode.core.errors import InputFileError
from spatialcode.encode import video_eval
from spatialcode.encode.pipeline import EncodeResult
from spatialcode.geometry.box import Box3D
from spatialcode.scene import SpatialCode, SpatialObject
from tests.test_cli import run

#: Chairs in each scene's (stubbed) encoding: the hand-set truth the answers must show.
CHAIRS = {"scene_a": 2, "scene_b": 3}


def _questions(path: Path, scenes: list[str]) -> Path:
    rows = [{"id": i, "dataset": "scannet", "scene_name": scene, "question_type": "object_counting",
             "question": "How many chair(s) are in this room?", "options": None, "ground_truth": "2"}
            for i, scene in enumerate(scenes, 1)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _videos(root: Path, scenes: list[str]) -> Path:
    for scene in scenes:
        (root / "scannet").mkdir(parents=True, exist_ok=True)
        (root / "scannet" / f"{scene}.mp4").write_bytes(scene.encode() * 50)
    return root


def _stub_encoder(calls: list[str]):
    def encode(config, progress: bool = False) -> EncodeResult:
        scene = Path(config.source).stem
        calls.append(scene)
        if scene == "broken":
            raise InputFileError(f"{config.source}: cannot decode the video (Invalid data found)")
        chairs = tuple(SpatialObject(i, "chair", Box3D((float(i), 1.0, 0.45), (0.5, 0.5, 0.9)))
                       for i in range(CHAIRS[scene]))
        return EncodeResult(SpatialCode(objects=chairs), 12, {"decode": 1.0})
    return encode


def _eval(tmp_path: Path, videos: Path, questions: Path) -> object:
    tmp_path.mkdir(exist_ok=True)
    return CliRunner().invoke(main, ["eval", "--questions", str(questions), "--videos", str(videos), "--codes",
                                     str(tmp_path / "codes"), "--predictions", str(tmp_path / "predictions.jsonl"),
                                     "--no-progress"])


def test_scenes_are_encoded_once_and_answered_from_their_codes(monkeypatch, tmp_path):
    calls: list[str] = []
    monkeypatch.setattr(video_eval, "encode_input", _stub_encoder(calls))
    scenes = ["scene_a", "scene_b", "scene_a", "no_video", "broken"]
    questions = _questions(tmp_path / "q.jsonl", scenes)
    videos = _videos(tmp_path / "videos", ["scene_a", "scene_b", "broken"])
    first = _eval(tmp_path, videos, questions)
    assert first.exit_code == 0, first.output
    assert "videos: 2 encoded now, 0 already encoded, 2 failed" in first.output
    assert sorted(calls) == ["broken", "scene_a", "scene_b"]  # scene_a once for its two questions
    rows = {row["id"]: row for row in map(json.loads, (tmp_path / "predictions.jsonl").read_text().splitlines())}
    assert [rows[i].get("prediction") for i in (1, 2, 3)] == ["2", "3", "2"]
    assert "error" in rows[4] and "error" in rows[5]
    log = [json.loads(line) for line in (tmp_path / "codes" / "encode_log.jsonl").read_text().splitlines()]
    assert {(row["scene"], row["status"]) for row in log} == {("scene_a", "ok"), ("scene_b", "ok"), ("no_video", "error"),
                                                               ("broken", "error")}
    broken = next(row for row in log if row["scene"] == "broken")
    assert broken["error"].endswith("cannot decode the video (Invalid data found)") and broken["key"]
    # a second run encodes nothing it has, retries the failures, and answers only what is left
    calls.clear()
    again = _eval(tmp_path, videos, questions)
    assert "videos: 0 encoded now, 2 already encoded, 2 failed" in again.output and calls == ["broken"]
    # nothing encodable at all is one line, not an evaluation of nothing
    lone = _eval(tmp_path / "lone", videos, _questions(tmp_path / "broken.jsonl", ["broken"]))
    assert lone.exit_code == 2 and "no scene could be encoded from the videos in" in lone.output
    # a changed video is encoded again
    (videos / "scannet" / "scene_b.mp4").write_bytes(b"another take")
    calls.clear()
    _eval(tmp_path, videos, questions)
    assert calls == ["scene_b", "broken"]


def test_a_scene_name_that_is_not_a_plain_name_is_refused(tmp_path):
    questions = [type("Q", (), {"dataset": "scannet", "scene_name": "../../etc/passwd"})()]
    with pytest.raises(InputFileError, match="not a plain name"):
        video_eval.scene_videos(questions, tmp_path / "videos", tmp_path / "codes")


def test_dev_layouts_rendered_as_plain_videos_encode_on_two_ray_workers(tmp_path):
    """End to end: two ScanNet layouts of the dev half (their annotations converted to codes),
    rendered and read back as plain colour-only videos in the benchmark's layout, encoded by the
    fast preset's architectures (tiny random models at the pinned revisions) on two Ray workers,
    and their dev questions answered from the codes."""
    from spatialcode.encode.pretrained.models import DEPTH, DETECTOR_FAST
    from spatialcode.formats.vsibench_meta import convert_vsibench_meta
    from spatialcode.synth.camera_path import PathConfig
    from spatialcode.synth.render import RenderConfig, render_scene
    from tests.fixtures import DEV_DATA, dev_data
    from tests.vision_fixtures import make_tiny_depth_model, make_tiny_owlvit

    meta = json.loads(dev_data(DEV_DATA / "meta_info" / "scannet_meta_info_val.json", "annotations").read_text())
    questions = [json.loads(line) for line in dev_data(DEV_DATA / "questions.jsonl", "questions").read_text().splitlines()]
    scenes = sorted({q["scene_name"] for q in questions if q["dataset"] == "scannet"} & set(meta))[:2]
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "scannet_meta_info_val.json").write_text(json.dumps({s: meta[s] for s in scenes}))
    convert_vsibench_meta(tmp_path / "meta", tmp_path / "layouts")
    for scene in scenes:
        with warnings.catch_warnings():  # 12 small frames: some objects are never seen (what the warning says)
            warnings.simplefilter("ignore")
            render_scene(SpatialCode.load(tmp_path / "layouts" / "scannet" / f"{scene}.json"), tmp_path / "renders" / scene,
                         RenderConfig(path=PathConfig(width=96, height=72, max_frames=12)), progress=False)
        (tmp_path / "videos" / "scannet").mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "renders" / scene / "rgb.mp4", tmp_path / "videos" / "scannet" / f"{scene}.mp4")
    asked = [q for q in questions if q["dataset"] == "scannet" and q["scene_name"] in scenes]
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(q) + "\n" for q in asked))
    hub = tmp_path / "hub"
    for model, make in ((DEPTH, make_tiny_depth_model), (DETECTOR_FAST, make_tiny_owlvit)):
        make(hub / f"models--{model.repo_id.replace('/', '--')}" / "snapshots" / model.revision)
    done = run("eval", "--questions", str(tmp_path / "q.jsonl"), "--videos", str(tmp_path / "videos"), "--codes",
               str(tmp_path / "codes"), "--predictions", str(tmp_path / "p.jsonl"), "--encode-workers", "2",
               "--no-progress", "--encode-set", "features.max_lost_share=1",  # random depth: the camera is lost
               env={"HF_HUB_CACHE": str(hub)})
    assert done.returncode == 0, done.stderr
    assert "videos: 2 encoded now, 0 already encoded, 0 failed" in done.stderr
    for scene in scenes:
        code = SpatialCode.load(tmp_path / "codes" / "scannet" / f"{scene}.json")
        assert code.provenance.config["detector_model"] == f"{DETECTOR_FAST.repo_id}@{DETECTOR_FAST.revision}"
    rows = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert sorted(row["id"] for row in rows) == sorted(q["id"] for q in asked)
