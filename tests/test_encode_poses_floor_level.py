"""Levelling a drifting camera by the floor: a tilted attitude is turned back level without
swinging the positions, a height drift is taken back to the floor's first height, frames without a
usable floor are left alone, the pipeline turns it on for predicted depth only, and bad settings
are refused."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spatialcode.core.config import load_config
from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.encode.pipeline import EncodePipelineConfig
from spatialcode.encode.poses import FloorLevelConfig, FloorLevelledPoseSource, MapAlignedPoseSource, pose_source
from spatialcode.scene import CameraPose
from tests.fixtures import ListSource, render_walkthrough

TILT_DEG = 3.0


@pytest.fixture(scope="module")
def walkthrough():
    """The tiny scene's 40-frame walkthrough (128×96) with its true poses."""
    return render_walkthrough()


@pytest.fixture(scope="module")
def tilted(walkthrough):
    """The walkthrough reported with every camera's attitude turned 3° about the world's x axis —
    a pitch/roll drift; the positions are the true ones."""
    frames, truth = walkthrough
    turn = Rotation.from_euler("x", TILT_DEG, degrees=True)
    reported = [CameraPose(t=p.t, position=p.position, quaternion=tuple((turn * Rotation.from_quat(p.quaternion)).as_quat()))
                for p in truth]
    return [replace(f, pose=p) for f, p in zip(frames, reported)], truth


def _tilt_deg(pose: CameraPose, truth: CameraPose) -> float:
    """Angle (degrees) between where the two poses put the world's up in the camera frame."""
    up, true_up = (Rotation.from_quat(p.quaternion).inv().apply([0.0, 0.0, 1.0]) for p in (pose, truth))
    return float(np.degrees(np.arccos(np.clip(up @ true_up, -1.0, 1.0))))


def test_a_tilted_attitude_is_levelled_and_positions_stay(tilted):
    frames, truth = tilted
    source = FloorLevelledPoseSource(ListSource(frames), FloorLevelConfig(gain=0.3))
    levelled = [f.pose for f in source]
    before = [_tilt_deg(f.pose, t) for f, t in zip(frames, truth)]
    after = [_tilt_deg(p, t) for p, t in zip(levelled, truth)]
    assert min(before) == pytest.approx(TILT_DEG, abs=1e-6)
    # the first frame takes 30 % of its floor's 3°; by the tenth the tilt is under a degree and stays there
    # (measured: 2.05° after the first frame, then 0.4–0.6°: the floor of a 128×96 frame's block medians)
    assert after[0] == pytest.approx(TILT_DEG * 0.7, abs=0.2)
    assert max(after[10:]) < 0.8
    assert source.report.frames == 40 and source.report.levelled >= 10
    assert source.report.correction_deg == pytest.approx(TILT_DEG, abs=0.6)
    for pose, frame in zip(levelled, frames):  # the attitude only: no swing about a far point
        assert pose.position[:2] == frame.pose.position[:2] and pose.t == frame.pose.t
        assert pose.position[2] == pytest.approx(frame.pose.position[2], abs=0.005)  # measured: 0.4 mm


def test_a_height_drift_is_taken_back_to_the_floor(walkthrough):
    frames, truth = walkthrough
    # from frame 6 on the reported camera is 10 cm too high (the walkthrough shows the floor in its first 16 frames)
    reported = [replace(p, position=(p.position[0], p.position[1], p.position[2] + (0.1 if i >= 6 else 0.0)))
                for i, p in enumerate(truth)]
    source = FloorLevelledPoseSource(ListSource([replace(f, pose=p) for f, p in zip(frames, reported)]),
                                     FloorLevelConfig(height_gain=0.5, reference_frames=3))
    error = [p.position[2] - t.position[2] for p, t in zip((f.pose for f in source), truth)]
    assert max(abs(e) for e in error[:6]) < 0.005
    assert error[6] == pytest.approx(0.05, abs=0.005)  # half of the 10 cm on the first frame that sees it
    assert max(abs(e) for e in error[12:]) < 0.01     # measured: 3 mm at frame 12, then under 2 mm
    assert source.report.height_correction_m == pytest.approx(-0.1, abs=0.01)
    assert source.report.floor_z == pytest.approx(0.0, abs=0.01)  # the scene's floor is at z = 0


class _Planes(FloorLevelledPoseSource):
    """Finds, frame after frame, a level plane at the given heights (m; ``None``: no plane)."""

    def __init__(self, source, config, heights):
        super().__init__(source, config)
        self.heights = iter(heights)

    def find_floor(self, frame, grid, pose):
        height = next(self.heights)
        return None if height is None else (Rotation.identity(), height + pose[2, 3] - frame.pose.position[2])


def test_a_level_plane_far_above_the_floor_is_not_the_floor(walkthrough):
    frames = [replace(f, pose=p) for f, p in zip(*walkthrough)][:7]
    # the floor at 0 three times (the reference), then a bed's top at 0.5 m, then the floor 0.2 m low (drift)
    heights = [0.0, 0.0, 0.0, 0.5, 0.5, -0.2, None]
    source = _Planes(ListSource(frames), FloorLevelConfig(height_gain=0.5, reference_frames=3), heights)
    raised = [f.pose.position[2] - t.pose.position[2] for f, t in zip(source, frames)]
    # the bed is left out (it would have lowered the camera 25 cm); the low floor raises it by half of 0.2 m
    assert raised == pytest.approx([0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.1])
    assert source.report.not_floor == 2 and source.report.levelled == 4 and source.report.floor_z == 0.0


@pytest.mark.parametrize("settings", [{"below": 5.0},          # nothing lies 5 m under the camera
                                      {"max_tilt_deg": 1.0},   # the floor seen 3° off is not taken for level
                                      {"min_points": 10_000},  # more points than a 32 × 24 block image holds
                                      {"min_spread": 20.0}])   # the room is smaller
def test_frames_without_a_usable_floor_keep_their_poses(tilted, settings):
    frames, _ = tilted
    source = FloorLevelledPoseSource(ListSource(frames), FloorLevelConfig(**settings))
    assert [f.pose for f in source] == [f.pose for f in frames]
    assert source.report.levelled == 0 and source.report.correction_deg == 0.0 and source.report.floor_z is None


def test_level_wraps_the_pose_mode_only_when_enabled(tilted):
    frames, _ = tilted
    listed = ListSource(frames)
    assert pose_source(listed, "given", level=FloorLevelConfig(enabled=False)) is listed
    assert pose_source(listed, "given", level=FloorLevelConfig()) is listed  # None: the pipeline decides
    levelled = pose_source(listed, "refine", level=FloorLevelConfig(enabled=True))
    assert isinstance(levelled, FloorLevelledPoseSource) and isinstance(levelled.source, MapAlignedPoseSource)


def test_the_pipeline_levels_predicted_depth_only(tmp_path):
    assert EncodePipelineConfig(tmp_path).resolved().level.enabled is False
    assert EncodePipelineConfig(tmp_path, depth_model="models/da2").resolved().level.enabled is True
    off = EncodePipelineConfig(tmp_path, depth_model="models/da2", level=FloorLevelConfig(enabled=False))
    assert off.resolved().level.enabled is False  # a value you give wins
    given = load_config(EncodePipelineConfig, None, [f"source={tmp_path}", "depth_model=models/da2", "level.height_gain=0.2"])
    assert given.resolved().level == FloorLevelConfig(enabled=True, height_gain=0.2)  # reached from the command line


def test_frames_without_depth_or_pose_are_refused(tilted):
    frames, _ = tilted
    for broken, message in ((replace(frames[0], depth=None), "no depth"), (replace(frames[0], pose=None), "no pose")):
        with pytest.raises(InputFileError, match=message):
            list(FloorLevelledPoseSource(ListSource([broken])))


@pytest.mark.parametrize("settings, field", [({"gain": -0.1}, "level.gain"), ({"gain": 1.5}, "level.gain"),
                                             ({"height_gain": 2.0}, "level.height_gain"), ({"below": 0.0}, "level.below"),
                                             ({"iterations": 0}, "level.iterations"), ({"block": 2.5}, "level.block"),
                                             ({"reference_frames": 0}, "level.reference_frames"),
                                             ({"max_floor_offset": 0.0}, "level.max_floor_offset"),
                                             ({"max_tilt_deg": -1.0}, "level.max_tilt_deg")])
def test_bad_settings_are_refused(settings, field):
    with pytest.raises(ValidationError, match=field.replace(".", r"\.")):
        FloorLevelConfig(**settings)
