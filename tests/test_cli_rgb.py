"""`spatialcode encode` on an ordinary colour-only video: predicted depth, feature-tracked poses
and pretrained perception (tiny random models), and one clear line for what is missing."""

from __future__ import annotations

import shutil

import pytest

from spatialcode.demo import demo_scene
from spatialcode.scene import SpatialCode
from tests.test_cli import run
from tests.vision_fixtures import make_tiny_depth_model, make_tiny_detector, make_tiny_segmenter, make_tiny_tracker


@pytest.fixture(scope="module")
def colour_video(tmp_path_factory):
    """A 20-frame render's video alone in a folder (no sidecar: colour only)."""
    folder = tmp_path_factory.mktemp("rgb")
    demo_scene().save(folder / "scene.json")
    assert run("render", str(folder / "scene.json"), "--out", str(folder / "r"), "--width", "96", "--height", "72",
               "--max-frames", "20", "--no-progress").returncode == 0
    (folder / "phone").mkdir()
    return shutil.copy(folder / "r" / "rgb.mp4", folder / "phone" / "walk.mp4")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {"depth": make_tiny_depth_model(root / "depth"), "detector": make_tiny_detector(root / "detector"),
            "segmenter": make_tiny_segmenter(root / "segmenter"), "tracker": make_tiny_tracker(root / "tracker")}


def test_a_colour_only_video_encodes_with_pretrained_models(colour_video, models, tmp_path):
    out = tmp_path / "scene.json"
    result = run("encode", str(colour_video), "--out", str(out), "--perception", "pretrained",
                 "--depth-model", models["depth"], "--detector-model", models["detector"],
                 "--segmenter-model", models["segmenter"], "--hfov", "70", "--width", "48", "--stride", "4",
                 "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "encoded 5 frames:" in result.stderr
    code = SpatialCode.load(out)
    assert len(code.camera) == 5 and code.source.fps > 0  # random models: the objects found are noise


def test_a_colour_only_video_encodes_with_sam2_following_the_detections(colour_video, models, tmp_path):
    out = tmp_path / "scene.json"
    result = run("encode", str(colour_video), "--out", str(out), "--perception", "pretrained",
                 "--depth-model", models["depth"], "--detector-model", models["detector"],
                 "--tracker-model", models["tracker"], "--detect-every", "2", "--hfov", "70", "--width", "48",
                 "--stride", "4", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "encoded 5 frames:" in result.stderr and len(SpatialCode.load(out).camera) == 5


@pytest.mark.parametrize(("extra", "message"), [
    ((), "is a colour-only video (no sidecar of depth and poses): give depth_model"),
    (("--depth-model", "DEPTH"), "ships no instance masks: use perception='pretrained'"),
    (("--depth-model", "DEPTH", "--perception", "pretrained"), "perception='pretrained' needs detector_model"),
    (("--depth-model", "./absent", "--perception", "pretrained", "--detector-model", "DETECTOR"),
     "the depth model folder ./absent does not exist"),
    (("--depth-model", "DEPTH", "--perception", "pretrained", "--detector-model", "DETECTOR", "--tracker-model",
      "./absent"), "the tracker model folder ./absent does not exist"),
])
def test_what_a_colour_only_video_lacks_is_one_line(colour_video, models, tmp_path, extra, message):
    extra = [{"DEPTH": models["depth"], "DETECTOR": models["detector"]}.get(a, a) for a in extra]
    result = run("encode", str(colour_video), "--out", str(tmp_path / "x.json"), "--no-progress", *extra)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr and not (tmp_path / "x.json").exists()
