"""Rotation conventions and Box3D construction, checked against hand-built matrices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spatialcode.geometry import (
    Box3D,
    euler_to_matrix,
    matrix_to_euler,
    wrap_angle,
    yaw_to_matrix,
)


def _axis_rotation(axis: int, angle: float) -> np.ndarray:
    """Right-handed rotation by ``angle`` about world axis ``axis``, built by hand."""
    c, s = math.cos(angle), math.sin(angle)
    i, j = (axis + 1) % 3, (axis + 2) % 3
    m = np.eye(3)
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m


def _random_angles(rng: np.random.Generator) -> tuple[float, float, float]:
    """Roll and yaw in (-pi, pi), pitch away from the gimbal-lock poles."""
    limit = math.pi / 2 - 0.1
    return rng.uniform(-math.pi, math.pi), rng.uniform(-limit, limit), rng.uniform(-math.pi, math.pi)


def _same_point_sets(p: np.ndarray, q: np.ndarray, atol: float = 1e-9) -> bool:
    """Whether two (n, 3) point sets are equal as sets (each point matched once)."""
    distances = np.linalg.norm(p[:, None, :] - q[None, :, :], axis=2)
    return bool(np.all(distances.min(axis=1) < atol)) and bool(np.all(distances.min(axis=0) < atol))


def test_euler_matrix_is_rz_ry_rx_and_a_rotation():
    rng = np.random.default_rng(1)
    for _ in range(200):
        roll, pitch, yaw = _random_angles(rng)
        matrix = euler_to_matrix(roll, pitch, yaw)
        expected = _axis_rotation(2, yaw) @ _axis_rotation(1, pitch) @ _axis_rotation(0, roll)
        np.testing.assert_allclose(matrix, expected, atol=1e-12)
        np.testing.assert_allclose(matrix.T @ matrix, np.eye(3), atol=1e-12)
        assert np.linalg.det(matrix) == pytest.approx(1.0, abs=1e-12)


def test_euler_round_trip():
    rng = np.random.default_rng(2)
    for _ in range(200):
        angles = _random_angles(rng)
        back = matrix_to_euler(euler_to_matrix(*angles))
        np.testing.assert_allclose(back, angles, atol=1e-9)


def test_yaw_is_counter_clockwise_about_up():
    np.testing.assert_allclose(yaw_to_matrix(math.pi / 2) @ [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(yaw_to_matrix(math.pi / 2) @ [0.0, 0.0, 1.0], [0.0, 0.0, 1.0], atol=1e-15)
    assert Box3D((0, 0, 0), (1, 1, 1), (0, 0, 0.7)).yaw == 0.7


@pytest.mark.parametrize(
    ("angle", "wrapped"),
    [
        (0.0, 0.0),
        (math.pi, math.pi),
        (-math.pi, math.pi),
        (1.5 * math.pi, -0.5 * math.pi),
        (7.0, 7.0 - 2 * math.pi),
    ],
)
def test_wrap_angle(angle, wrapped):
    assert wrap_angle(angle) == pytest.approx(wrapped, abs=1e-12)


def test_axis_aligned_corners_are_the_hand_written_eight():
    box = Box3D((1.0, 2.0, 3.0), (2.0, 4.0, 6.0))
    expected = [
        [0, 0, 0], [0, 0, 6], [0, 4, 0], [0, 4, 6],
        [2, 0, 0], [2, 0, 6], [2, 4, 0], [2, 4, 6],
    ]  # fmt: skip
    np.testing.assert_allclose(box.corners, expected, atol=1e-12)


def test_rotated_corners_are_centre_plus_signed_half_axes():
    box = Box3D((0.5, -1.0, 2.0), (1.0, 2.0, 3.0), (0.3, -0.4, 2.0))
    axes = euler_to_matrix(0.3, -0.4, 2.0).T  # rows are the box axes
    expected = np.array(
        [box.center_array + sx * 0.5 * axes[0] + sy * 1.0 * axes[1] + sz * 1.5 * axes[2]
         for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]
    )  # fmt: skip
    np.testing.assert_allclose(box.corners, expected, atol=1e-12)
    local = (box.corners - box.center_array) @ axes.T
    np.testing.assert_allclose(box.to_local(box.corners), local, atol=1e-12)


def test_from_axes_matches_rows_and_tolerates_left_handed_axes():
    rng = np.random.default_rng(3)
    for _ in range(50):
        rows = euler_to_matrix(*_random_angles(rng)).T
        center, lengths = rng.uniform(-2, 2, 3), rng.uniform(0.1, 2, 3)
        box = Box3D.from_axes(center, lengths, rows.ravel())
        np.testing.assert_allclose(box.rotation_matrix, rows.T, atol=1e-9)
        left_handed = rows * np.array([[1.0], [1.0], [-1.0]])
        assert np.linalg.det(left_handed) < 0
        mirrored = Box3D.from_axes(center, lengths, left_handed.ravel())
        assert _same_point_sets(mirrored.corners, box.corners)


def test_bbox_3d_round_trip_and_sizes():
    values = [1.0, -2.0, 0.5, 0.4, 1.2, 0.8, 0.1, -0.2, 2.5]
    box = Box3D.from_bbox_3d(values)
    assert box.to_bbox_3d() == values
    assert Box3D.from_bbox_3d(box.to_bbox_3d()) == box
    assert box.longest_side == 1.2
    assert box.volume == pytest.approx(0.4 * 1.2 * 0.8)
