"""Trajectory error metrics and gravity alignment on synthetic trajectories (hand-checkable
offsets, turns and scales)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spatialcode.core.errors import ValidationError
from spatialcode.encode.poses import align_to_gravity, rigid_alignment, trajectory_errors
from spatialcode.scene import CameraPose

# --------------------------------------------------------------------------------------------
# Synthetic trajectories
# --------------------------------------------------------------------------------------------


def _pose(t: float, position, rotation: Rotation) -> CameraPose:
    return CameraPose(t=t, position=tuple(position), quaternion=tuple(rotation.as_quat()))


def _trajectory(n: int = 20) -> list[CameraPose]:
    """A camera walking a curve, turning and nodding (not collinear, so alignment is unique)."""
    out = []
    for i in range(n):
        s = i / (n - 1)
        position = (2.0 * s, math.sin(3.0 * s), 1.5 + 0.1 * math.cos(5.0 * s))
        rotation = Rotation.from_euler("zyx", [40.0 * s, 10.0 * math.sin(4.0 * s), -100.0 + 5.0 * s], degrees=True)
        out.append(_pose(0.1 * i, position, rotation))
    return out


def _transformed(poses: list[CameraPose], rotation: Rotation, shift) -> list[CameraPose]:
    """``poses`` moved rigidly: world point x → rotation · x + shift."""
    return [_pose(p.t, rotation.apply(p.position) + np.asarray(shift), rotation * Rotation.from_quat(p.quaternion))
            for p in poses]


def test_identical_trajectories_have_no_error():
    truth = _trajectory()
    for align in (True, False):
        errors = trajectory_errors(truth, truth, align=align)
        assert errors.frames == 20 and errors.aligned == align and errors.scale == 1.0
        for value in (errors.ate_rmse, errors.max_error, errors.mean_rotation_deg, errors.rpe_translation,
                      errors.rpe_rotation_deg):
            assert value == pytest.approx(0.0, abs=1e-6)


def test_constant_offset_vanishes_only_after_alignment():
    truth = _trajectory()
    shifted = _transformed(truth, Rotation.identity(), (0.3, -0.4, 0.0))  # |offset| = 0.5 m
    aligned = trajectory_errors(shifted, truth)
    assert aligned.ate_rmse == pytest.approx(0.0, abs=1e-9) and aligned.max_error == pytest.approx(0.0, abs=1e-9)
    raw = trajectory_errors(shifted, truth, align=False)
    assert raw.ate_rmse == pytest.approx(0.5) and raw.max_error == pytest.approx(0.5)
    assert raw.mean_rotation_deg == pytest.approx(0.0, abs=1e-6)
    assert raw.rpe_translation == pytest.approx(0.0, abs=1e-9)  # relative motion is unchanged


def test_rotated_copy_vanishes_after_alignment():
    truth = _trajectory()
    turn = Rotation.from_euler("zx", [30.0, 10.0], degrees=True)
    moved = _transformed(truth, turn, (1.0, 2.0, -0.5))
    aligned = trajectory_errors(moved, truth)
    assert aligned.ate_rmse == pytest.approx(0.0, abs=1e-6) and aligned.mean_rotation_deg == pytest.approx(0.0, abs=1e-4)
    raw = trajectory_errors(moved, truth, align=False)
    assert raw.ate_rmse > 0.5 and raw.mean_rotation_deg == pytest.approx(math.degrees(turn.magnitude()))
    assert raw.rpe_translation == pytest.approx(0.0, abs=1e-9) and raw.rpe_rotation_deg == pytest.approx(0.0, abs=1e-4)


def test_known_relative_pose_error():
    # truth walks 0.10 m per frame along the camera's z; the estimate walks 0.11 m and turns 1° per frame
    truth = [_pose(0.1 * i, (0.0, 0.0, 0.10 * i), Rotation.identity()) for i in range(10)]
    estimate, position, rotation = [], np.zeros(3), Rotation.identity()
    for i in range(10):
        estimate.append(_pose(0.1 * i, position, rotation))
        position = position + rotation.apply([0.0, 0.0, 0.11])
        rotation = rotation * Rotation.from_euler("y", 1.0, degrees=True)
    one = trajectory_errors(estimate, truth, delta=1)
    assert one.rpe_translation == pytest.approx(0.01, abs=1e-9) and one.rpe_rotation_deg == pytest.approx(1.0)
    two = trajectory_errors(estimate, truth, delta=2)
    assert two.rpe_rotation_deg == pytest.approx(2.0) and two.rpe_delta == 2
    assert 0.02 < two.rpe_translation < 0.021  # 0.22 m walked on a slight curve vs 0.20 m straight


def test_scale_alignment_and_rigid_alignment():
    truth = _trajectory()
    points = np.array([p.position for p in truth])
    turn = Rotation.from_euler("z", 75.0, degrees=True)
    rotation, shift, scale = rigid_alignment(points, turn.apply(points) * 2.0 + 1.0, scale=True)
    np.testing.assert_allclose(rotation, turn.as_matrix(), atol=1e-9)
    assert scale == pytest.approx(2.0) and np.allclose(shift, 1.0)
    half = [_pose(p.t, np.asarray(p.position) * 0.5, Rotation.from_quat(p.quaternion)) for p in truth]
    assert trajectory_errors(half, truth, scale=True).ate_rmse == pytest.approx(0.0, abs=1e-9)
    assert trajectory_errors(half, truth, scale=True).scale == pytest.approx(2.0)
    assert trajectory_errors(half, truth).ate_rmse > 0.1


def test_trajectory_errors_validation():
    truth = _trajectory()
    with pytest.raises(ValidationError, match="19 poses but truth has 20"):
        trajectory_errors(truth[:-1], truth)
    with pytest.raises(ValidationError, match="empty"):
        trajectory_errors([], [])
    with pytest.raises(ValidationError, match="delta"):
        trajectory_errors(truth, truth, delta=0)
    single = trajectory_errors(truth[:1], truth[:1]).to_dict()
    assert single["rpe_translation"] is None and single["ate_rmse"] == 0.0


def test_align_to_gravity_turns_the_floor_normal_up():
    # first camera at the origin looking along +y of the world, upright: its "up" is -y in camera axes
    upright = Rotation.from_matrix(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]))
    world = [_pose(0.1 * i, (0.0, 0.2 * i, 0.0), upright) for i in range(5)]
    in_camera = _transformed(world, upright.inv(), (0.0, 0.0, 0.0))  # what odometry without initial pose gives
    lifted = align_to_gravity(in_camera, floor_normal=(0.0, -1.0, 0.0))
    for a, b in zip(lifted, world):
        np.testing.assert_allclose(a.matrix(), b.matrix(), atol=1e-9)
        assert a.t == b.t
    assert align_to_gravity(world, (0.0, 0.0, 2.0))[3].position == pytest.approx(world[3].position)
    assert align_to_gravity(world, (0.0, 0.0, -1.0))[3].position == pytest.approx((0.0, -0.6, 0.0))  # half turn
    with pytest.raises(ValidationError, match="floor_normal"):
        align_to_gravity(world, (0.0, 0.0, 0.0))
