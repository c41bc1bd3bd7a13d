"""`spatialcode encode` on an ordinary colour-only video: predicted depth, feature-tracked poses
and pretrained perception (tiny random models), and one clear line for what is missing."""

from __future__ import annotations

import shutil

import pytest

from spatialcode.demo import demo_scene
from spatialcode.scene import SpatialCode
from tests.test_cli import run
from tests.vision_fixtures import (
    make_tiny_depth_model,
    make_tiny_detector,
    make_tiny_owlvit,
    make_tiny_segmenter,
    make_tiny_tracker,
)

#: Random depth models give depth the camera cannot be followed on: the check is turned off.
RANDOM_DEPTH = ("--set", "features.max_lost_share=1")


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
                 "--no-progress", *RANDOM_DEPTH)
    assert result.returncode == 0, result.stderr
    assert "encoded 5 frames:" in result.stderr
    code = SpatialCode.load(out)
    assert len(code.camera) == 5 and code.source.fps > 0  # random models: the objects found are noise


def test_a_colour_only_video_encodes_with_sam2_following_the_detections(colour_video, models, tmp_path):
    out = tmp_path / "scene.json"
    result = run("encode", str(colour_video), "--out", str(out), "--perception", "pretrained",
                 "--depth-model", models["depth"], "--detector-model", models["detector"],
                 "--tracker-model", models["tracker"], "--detect-every", "2", "--hfov", "70", "--width", "48",
                 "--stride", "4", "--no-progress", *RANDOM_DEPTH)
    assert result.returncode == 0, result.stderr
    assert "encoded 5 frames:" in result.stderr and len(SpatialCode.load(out).camera) == 5


def test_a_colour_only_video_encodes_with_no_option(colour_video, tmp_path):
    """`spatialcode encode VIDEO --out X`: the fast preset's models (tiny ones of the same
    architectures, placed in a Hugging Face cache at their pinned revisions) and settings; the
    code records both revisions and the field of view it assumed, which one warning line says."""
    from spatialcode.encode.pretrained.models import DEPTH, DETECTOR_FAST

    cache = tmp_path / "hub"
    for model, make in ((DEPTH, make_tiny_depth_model), (DETECTOR_FAST, make_tiny_owlvit)):
        make(cache / f"models--{model.repo_id.replace('/', '--')}" / "snapshots" / model.revision)
    out = tmp_path / "room.json"
    result = run("encode", str(colour_video), "--out", str(out), "--no-progress", *RANDOM_DEPTH,
                 env={"HF_HUB_CACHE": str(cache)})
    assert result.returncode == 0, result.stderr
    assert "warning: no focal length in walk.mp4's metadata: assuming a 60° horizontal field of view" in result.stderr
    settings = SpatialCode.load(out).provenance.config
    assert settings["depth_model"] == f"{DEPTH.repo_id}@{DEPTH.revision}"
    assert settings["detector_model"] == f"{DETECTOR_FAST.repo_id}@{DETECTOR_FAST.revision}"
    assert (settings["perception"], settings["preset"], settings["box_masks"], settings["detect_every"]) == (
        "pretrained", "fast", "depth-box", 2)
    assert settings["target_fps"] == 2.0 and settings["camera"] == {"hfov_deg": 60.0, "hfov_source": "assumed"}
    # the 96-pixel video is not enlarged to the preset's 640; 20 frames at 10 frames/s, 2 a second: 4
    assert "encoded 4 frames:" in result.stderr


def test_an_option_given_wins_over_the_preset(colour_video):
    from spatialcode.encode.pipeline import EncodePipelineConfig

    resolved = EncodePipelineConfig(colour_video, preset="quality", target_fps=3.0, detect_every=1).resolved()
    assert (resolved.target_fps, resolved.detect_every, resolved.width) == (3.0, 1, 1280)
    assert resolved.tracker_model == "facebook/sam2-hiera-tiny-hf" and resolved.detector_model.startswith("google/owlv2")
    # a segmenter given replaces the quality preset's tracker; a stride given replaces its frame rate
    mine = EncodePipelineConfig(colour_video, preset="quality", segmenter_model="sam", stride=3).resolved()
    assert mine.tracker_model is None and mine.target_fps is None and mine.stride == 3
    # a render folder keeps its own masks: nothing of the preset is used
    render = EncodePipelineConfig(colour_video.parent.parent / "r").resolved()
    assert (render.perception, render.depth_model, render.detector_model, render.target_fps) == ("given", None, None, None)


@pytest.mark.parametrize(("extra", "message"), [
    # the tests run offline: the fast preset's models cannot be fetched
    ((), "cannot reach the Hugging Face hub (Dry run cannot be performed as the repository cannot be accessed. "
         "Please check your internet connection or authentication token.): run `hf download "
         "depth-anything/Depth-Anything-V2-Metric-Indoor-Small-hf --revision 4d5187ef4957085a714f15b6ae43230a8b813c03 "
         "--include '*.json' '*.txt' '*.safetensors' && hf download google/owlvit-base-patch32 --revision "
         "cbc355fb364588351c5d51c7f74465e8e7ec6f72"),
    (("--offline", "--depth-model", "DEPTH"), "google/owlvit-base-patch32@cbc355fb3645 not in the Hugging Face cache: "
                                              "run `spatialcode models download`"),
    (("--depth-model", "DEPTH", "--perception", "given"), "ships no instance masks: use perception='pretrained'"),
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
