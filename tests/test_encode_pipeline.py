"""The library call behind `spatialcode encode`: one validated config tree → source, poses,
perception → code; every stage's settings reachable from the tree (YAML + dotted overrides)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from spatialcode.core.config import build_config, load_config
from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.demo import demo_scene
from spatialcode.encode.pipeline import EncodePipelineConfig, encode_input
from spatialcode.encode.poses import FeatureOdometryConfig, MapAlignConfig, OdometryConfig
from spatialcode.encode.tracks import TrackAssociationConfig
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.render import RenderConfig, render_scene


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    """The demo room rendered at 96 × 72 pixels, 20 frames (10 at ``stride=2``)."""
    scene = demo_scene()
    folder = tmp_path_factory.mktemp("pipeline") / "r"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "camera path compressed")
        render_scene(scene, folder, RenderConfig(path=PathConfig(width=96, height=72, max_frames=20)))
    return scene, folder


@pytest.mark.parametrize(("settings", "message"), [
    ({"perception": "magic"}, "perception: 'magic' is not one of auto, given, pretrained, learned"),
    ({"poses": "guess"}, "poses: 'guess' is not one of auto, given, estimate, features, refine"),
    ({"preset": "fastest"}, "preset: expected one of fast, quality, all, got 'fastest'"),
    ({"device": "gpu"}, "device: expected one of auto, cpu, cuda, mps or cuda:N, got 'gpu'"),
    ({"box_masks": "sam"}, "box_masks: expected one of box, depth-box, got 'sam'"),
    ({"perception": "learned"}, "perception='learned' needs encoder_model"),
    ({"perception": "given", "tracker_model": "sam2"}, "tracker_model follows detections: it needs perception='pretrained'"),
    ({"perception": "pretrained", "detector_model": "owl", "tracker_model": "sam2", "segmenter_model": "sam"},
     "give tracker_model or segmenter_model, not both"),
])
def test_settings_are_checked_before_anything_is_read(tmp_path, settings, message):
    with pytest.raises(SpatialCodeError, match=message):
        EncodePipelineConfig(tmp_path / "absent", **settings)


def test_a_render_folder_encodes_with_its_masks_and_poses(render):
    scene, folder = render
    result = encode_input(EncodePipelineConfig(folder, stride=2))
    assert result.frames == 10 and len(result.code.camera) == 10
    assert {"perception", "lift"} <= set(result.ms_per_frame) and all(v >= 0 for v in result.ms_per_frame.values())
    found = {o.label for o in result.code.objects}
    assert len(found & {o.label for o in scene.objects}) >= 4  # exact masks find the demo room's furniture
    assert any(min(o.box.size) < 0.5 for o in result.code.objects)  # thin objects (the tv, the rug) stay thin
    estimated = encode_input(EncodePipelineConfig(folder, stride=2, poses="estimate")).code.camera
    assert estimated[1] != result.code.camera[1]  # tracked, not read


def test_a_folder_that_is_no_input_is_one_clear_error(tmp_path):
    with pytest.raises(SpatialCodeError, match="render folder|RGB-D folder|video"):
        encode_input(EncodePipelineConfig(tmp_path))


def test_every_stage_setting_is_reachable_from_one_config_tree():
    config = load_config(EncodePipelineConfig, None, [
        "source=walk.mp4", "poses=estimate", "encoder.pixel_stride=1", "encoder.tracks.voxel_size=0.05",
        "odometry.iterations=[5, 3]", "odometry.fallback_method=null", "features.features=500", "refine.gain=0.1"])
    assert config.source == Path("walk.mp4") and config.poses == "estimate" and config.encoder.pixel_stride == 1
    assert config.encoder.tracks == TrackAssociationConfig(voxel_size=0.05)  # the rest of a group keeps its defaults
    assert config.odometry == OdometryConfig(iterations=(5, 3), fallback_method=None)
    assert config.features == FeatureOdometryConfig(features=500) and config.refine == MapAlignConfig(gain=0.1)
    assert load_config(EncodePipelineConfig, None, ["source=walk.mp4"]) == EncodePipelineConfig(Path("walk.mp4"))


@pytest.mark.parametrize(("override", "message"), [
    ("encoder.tracks.voxel=0.05", r"^encoder\.tracks\.voxel: unknown setting \(known: align_visits, assoc_voxel_size, "),
    ("encoder.voxel_size=0.05", r"^encoder\.voxel_size: unknown setting \(known: background_every, "),
    ("odometry.method=icp", r"^odometry\.method: expected one of hybrid, point_to_plane, intensity, got 'icp'$"),
    ("features.depth_max=0", r"^features\.depth_max: must exceed depth_min"),
    ("encoder.tracks.min_overlap=1.5", r"^encoder\.tracks\.min_overlap: must be in \[0, 1\], got 1\.5$"),
    ("encoder=3", r"^encoder: expected a group of settings \(a mapping\), got 3$"),
])
def test_a_wrong_nested_setting_is_one_line_naming_its_path(override, message):
    with pytest.raises(ValidationError, match=message) as err:
        load_config(EncodePipelineConfig, None, ["source=walk.mp4", override])
    assert "\n" not in str(err.value)


def test_pose_settings_reach_the_pose_source(render):
    _, folder = render
    for poses, group, settings in (("estimate", "odometry", {"downsample": 2}), ("features", "features", {"features": 500}),
                                   ("refine", "refine", {"gain": 0.1})):
        config = build_config(EncodePipelineConfig, {"source": str(folder), "poses": poses, group: settings})
        assert config.build_source().config is getattr(config, group)
    # odometry that sees no depth in its window (0.1–0.2 m; the room is farther) places no frame: every
    # estimated pose stays at the first, read from the render (the estimate is anchored there)
    blind = build_config(EncodePipelineConfig, {"source": str(folder), "stride": 2, "poses": "estimate",
                                                "odometry": {"depth_max": 0.2}})
    camera = encode_input(blind).code.camera
    given = encode_input(EncodePipelineConfig(folder, stride=2)).code.camera
    assert len(camera) == 10 and given[-1].position != pytest.approx(given[0].position, abs=0.1)  # the camera walks
    for pose in camera:
        assert pose.position == pytest.approx(given[0].position) and pose.quaternion == pytest.approx(given[0].quaternion)


def test_encoder_settings_reach_the_encoder_and_its_track_association(render):
    _, folder = render
    # 10 frames: no object can be seen in 11 of them
    unseen = load_config(EncodePipelineConfig, None, [f"source={folder}", "stride=2", "encoder.min_observations=11"])
    assert encode_input(unseen).code.objects == ()
    # every box side grows to at least 0.5 m (the tv and the rug are thinner: see the render test above)
    thick = load_config(EncodePipelineConfig, None, [f"source={folder}", "stride=2", "encoder.tracks.min_thickness=0.5"])
    code = encode_input(thick).code
    assert code.objects and all(min(o.box.size) >= 0.5 - 1e-9 for o in code.objects)
    assert code.provenance.config["encoder"]["tracks"]["min_thickness"] == 0.5  # and the code records the setting
