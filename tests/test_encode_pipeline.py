"""The library call behind `spatialcode encode`: one validated config → source, poses, perception → code."""

from __future__ import annotations

import pytest

from spatialcode.core.errors import SpatialCodeError
from spatialcode.demo import demo_scene
from spatialcode.encode.pipeline import EncodePipelineConfig, encode_input
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.render import RenderConfig, render_scene


@pytest.mark.parametrize(("settings", "message"), [
    ({"perception": "magic"}, "perception 'magic' is not one of given, pretrained, learned"),
    ({"poses": "guess"}, "poses 'guess' is not one of auto, given, estimate, features, refine"),
    ({"perception": "pretrained"}, "--perception pretrained needs --detector-model"),
    ({"perception": "learned"}, "--perception learned needs --encoder-model"),
    ({"tracker_model": "sam2"}, "--tracker-model follows detections: it needs --perception pretrained"),
    ({"perception": "pretrained", "detector_model": "owl", "tracker_model": "sam2", "segmenter_model": "sam"},
     "give --tracker-model or --segmenter-model, not both"),
])
def test_settings_are_checked_before_anything_is_read(tmp_path, settings, message):
    with pytest.raises(SpatialCodeError, match=message):
        EncodePipelineConfig(tmp_path / "absent", **settings)


@pytest.mark.filterwarnings("ignore:camera path compressed")
def test_a_render_folder_encodes_with_its_masks_and_poses(tmp_path):
    scene = demo_scene()
    render_scene(scene, tmp_path / "r", RenderConfig(path=PathConfig(width=96, height=72, max_frames=20)))
    result = encode_input(EncodePipelineConfig(tmp_path / "r", stride=2))
    assert result.frames == 10 and len(result.code.camera) == 10
    assert {"perception", "lift"} <= set(result.ms_per_frame) and all(v >= 0 for v in result.ms_per_frame.values())
    found = {o.label for o in result.code.objects}
    assert len(found & {o.label for o in scene.objects}) >= 4  # exact masks find the demo room's furniture
    estimated = encode_input(EncodePipelineConfig(tmp_path / "r", stride=2, poses="estimate")).code.camera
    assert estimated[1] != result.code.camera[1]  # tracked, not read


def test_a_folder_that_is_no_input_is_one_clear_error(tmp_path):
    with pytest.raises(SpatialCodeError, match="render folder|RGB-D folder|video"):
        encode_input(EncodePipelineConfig(tmp_path))
