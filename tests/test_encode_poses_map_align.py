"""Pose refinement against the first-observation map: drifting poses pulled back onto the map,
exact poses left alone, the map's and the block median's mechanics, and bad input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.encode import MapAlignConfig, MapAlignedPoseSource, trajectory_errors
from spatialcode.encode.lift import block_intrinsics, block_median
from spatialcode.encode.poses.map_align import SurfaceMap
from spatialcode.geometry.camera import Intrinsics, PixelGrid
from spatialcode.scene import CameraPose
from tests.fixtures import ListSource, render_walkthrough


@pytest.fixture(scope="module")
def walkthrough():
    """40 frames of the tiny scene's walkthrough (128×96) with their true poses."""
    return render_walkthrough()


def _drifted(poses: list[CameraPose], step_m: float, step_deg: float) -> list[CameraPose]:
    """``poses`` with a drift growing by ``step_m`` along x and ``step_deg`` of yaw per frame,
    about the first camera (the first pose stays true)."""
    origin = np.asarray(poses[0].position)
    out = []
    for i, pose in enumerate(poses):
        turn = Rotation.from_euler("z", step_deg * i, degrees=True)
        drift = np.eye(4)
        drift[:3, :3] = turn.as_matrix()
        drift[:3, 3] = origin - turn.apply(origin) + np.array([step_m * i, 0.0, 0.0])
        out.append(CameraPose.from_matrix(drift @ pose.matrix(), pose.t))
    return out


def test_drifting_poses_are_pulled_back_onto_the_map(walkthrough):
    frames, truth = walkthrough
    drifted = _drifted(truth, 0.004, 0.05)  # 16 cm along x and 2° of yaw by the last frame
    source = MapAlignedPoseSource(ListSource([replace(f, pose=p) for f, p in zip(frames, drifted)]))
    refined = [f.pose for f in source]
    before = trajectory_errors(drifted, truth, align=False)
    after = trajectory_errors(refined, truth, align=False)
    # measured: max error 11.1 → 2.0 cm, mean rotation error 0.97° → 0.22°
    assert before.max_error > 0.1 and before.mean_rotation_deg > 0.9
    assert after.max_error < 0.04 and after.mean_rotation_deg < 0.4
    assert [p.t for p in refined] == [f.t for f in frames] and np.allclose(refined[0].matrix(), truth[0].matrix())
    report = source.report
    assert report.frames == 40 and report.registered == 39 and report.accepted >= 30
    assert report.correction_m > 0.1 and report.correction_deg > 1.0


def test_exact_poses_stay_where_they_are(walkthrough):
    frames, truth = walkthrough
    source = MapAlignedPoseSource(ListSource([replace(f, pose=p) for f, p in zip(frames, truth)]))
    errors = trajectory_errors([f.pose for f in source], truth, align=False)
    assert errors.max_error < 0.015 and errors.mean_rotation_deg < 0.2  # measured: 0.5 cm, 0.07°
    assert len(source) == 40 and source.fps == 10.0


def test_the_map_keeps_the_first_observation_of_each_voxel():
    surface = SurfaceMap(0.1)
    points = np.array([[0.05, 0.05, 0.05], [0.25, 0.05, 0.05], [0.06, 0.04, 0.05]])
    normals = np.tile([0.0, 0.0, 1.0], (3, 1))
    assert surface.add_new(points, normals) == 2  # the third point shares the first one's voxel
    assert surface.add_new(points + 0.01, -normals) == 0  # all known: nothing moves
    assert surface.add_new(np.array([[-0.05, 0.05, 0.05]]), normals[:1]) == 1
    assert len(surface) == 3 and np.all(np.diff(surface.keys) > 0)
    assert sorted(map(tuple, surface.points.round(3))) == [(-0.05, 0.05, 0.05), (0.05, 0.05, 0.05), (0.25, 0.05, 0.05)]
    assert np.all(surface.normals[:, 2] == 1.0)
    inside, inside_normals = surface.crop(np.array([0.0, 0.0, 0.0]), np.array([0.3, 0.1, 0.1]))
    assert len(inside) == 2 and len(inside_normals) == 2


def test_block_median_ignores_invalid_depth_and_lifts_at_block_centres():
    depth = np.full((8, 8), 2.0, dtype=np.float32)
    depth[0, 0], depth[0, 1] = 0.0, 9.0  # an invalid pixel and an outlier in the first block
    depth[4:, 4:] = 0.0
    depth[4, 4] = 3.0  # one valid pixel of sixteen: no depth for that block
    medians = block_median(depth, 4)
    assert medians.tolist() == [[2.0, 2.0], [2.0, 0.0]]
    intrinsics = Intrinsics(fx=100.0, fy=80.0, cx=3.5, cy=3.5, width=8, height=8)
    blocks = PixelGrid(block_intrinsics(intrinsics, 2))
    full = PixelGrid(intrinsics)
    identity = CameraPose.from_matrix(np.eye(4), 0.0)
    # a block's point lies where its centre pixel (between the 2 × 2 pixels) is seen at that depth
    lifted = blocks.points(np.array([1]), np.array([2]), np.full((4, 4), 2.0), identity)[0]
    corner = full.points(np.array([2, 3]), np.array([4, 5]), np.full((8, 8), 2.0), identity)
    assert lifted == pytest.approx(corner.mean(axis=0))


def test_frames_without_depth_or_pose_are_clear_errors(walkthrough):
    frames, truth = walkthrough
    with pytest.raises(InputFileError, match="frame 0 has no pose"):
        list(MapAlignedPoseSource(ListSource(frames[:1])))
    without_depth = replace(frames[0], pose=truth[0], depth=None)
    with pytest.raises(InputFileError, match="frame 0 has no depth"):
        list(MapAlignedPoseSource(ListSource([without_depth])))


@pytest.mark.parametrize(("changes", "field"), [
    ({"voxel": 0.0}, "voxel"), ({"block": 0}, "block"), ({"block": 2.5}, "block"), ({"gain": 1.5}, "gain"),
    ({"min_fitness": -0.1}, "min_fitness"), ({"crop_margin": -1.0}, "crop_margin"), ({"max_step": 0}, "max_step"),
])
def test_config_validation(changes, field):
    with pytest.raises(ValidationError, match=field):
        MapAlignConfig(**changes)


def test_pose_modes_pick_the_pose_source_and_match_the_cli(walkthrough):
    import click

    from spatialcode.cli.encode import encode_command
    from spatialcode.encode import POSE_MODES, EstimatedPoseSource, FeatureOdometryConfig, pose_source

    source = ListSource(walkthrough[0][:2])
    assert pose_source(source, "given") is source
    assert isinstance(pose_source(source, "estimate"), EstimatedPoseSource)
    assert isinstance(pose_source(source, "refine"), MapAlignedPoseSource)
    features = pose_source(source, "features")
    assert isinstance(features, EstimatedPoseSource) and isinstance(features.config, FeatureOdometryConfig)
    with pytest.raises(ValidationError, match="poses"):
        pose_source(source, "guess")
    option = next(p for p in encode_command.params if p.name == "poses")
    assert isinstance(option.type, click.Choice) and tuple(option.type.choices) == ("auto", *POSE_MODES)
