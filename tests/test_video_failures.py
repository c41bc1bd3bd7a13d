"""What goes wrong on the video path is one line saying what to do (issue 25): a camera that
cannot be followed (and whether the video is too dark), running out of memory."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from spatialcode.core.errors import SpatialCodeError
from spatialcode.encode import pipeline
from spatialcode.encode.pipeline import EncodePipelineConfig, check_tracking, encode_input
from spatialcode.encode.poses import EstimatedPoseSource, FeatureOdometryConfig, OdometryConfig
from spatialcode.encode.sources import RGBVideoSource
from tests.test_encode_pipeline import render  # noqa: F401 - the fixture
from tests.test_video_input import _grey, _write


def _followed(tmp_path, brightness: float, frames: int, lost: int, config=None) -> EstimatedPoseSource:
    video = RGBVideoSource(_write(tmp_path / "room.mp4", _grey([int(brightness)] * 2)), hfov_deg=60.0)
    list(video)  # one pass: the brightness of what was read
    poses = EstimatedPoseSource(video, config or FeatureOdometryConfig())
    poses.estimator = SimpleNamespace(frames=frames, failures=lost)
    return poses


def test_a_camera_lost_in_most_frames_of_a_dark_video_says_it_is_too_dark(tmp_path):
    # grey level 12 written, 11–13 read back through the codec's YUV
    with pytest.raises(SpatialCodeError, match=r"^the camera could not be followed in 71 of 120 frames \(too dark: mean "
                                               r"brightness 1[123] of 255; film with more light\), or give the video's "
                                               r"poses in a sidecar$"):
        check_tracking(_followed(tmp_path, 12, 120, 71))


def test_a_camera_lost_in_a_bright_video_names_motion_and_texture(tmp_path):
    with pytest.raises(SpatialCodeError, match=r"in 61 of 120 frames \(too little texture, blur or fast motion"):
        check_tracking(_followed(tmp_path, 120, 120, 61))


@pytest.mark.parametrize(("frames", "lost", "config"), [
    (120, 60, None),  # half lost is still a code
    (3, 3, None),  # too few frames to judge
    (120, 119, FeatureOdometryConfig(max_lost_share=1.0)),  # the check turned off
    (120, 119, OdometryConfig()),  # dense RGB-D odometry is not checked here
])
def test_tracking_that_holds_or_is_not_judged_passes(tmp_path, frames, lost, config):
    check_tracking(_followed(tmp_path, 120, frames, lost, config))


def test_running_out_of_memory_is_one_line(monkeypatch, render):  # noqa: F811 - the fixture
    class OutOfMemoryError(RuntimeError):  # what torch raises, by name
        pass

    def exhausted(*args, **kwargs):
        raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(pipeline, "encode", exhausted)
    _, folder = render
    with pytest.raises(SpatialCodeError, match=r"^out of memory while encoding r on auto \(preset fast, full px wide\): "
                                               r"use --preset fast, a smaller --width or --target-fps, or --device cpu$"):
        encode_input(EncodePipelineConfig(folder, stride=2))
    monkeypatch.setattr(pipeline, "encode", lambda *a, **k: np.zeros(1)[5])  # another error is not dressed up
    with pytest.raises(IndexError):
        encode_input(EncodePipelineConfig(folder, stride=2))
