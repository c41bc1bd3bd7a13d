"""Exact box–box distance against brute force: dense surface samples and a bounded QP."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import lsq_linear
from scipy.spatial import cKDTree

from spatialcode.geometry import (
    Box3D,
    box_distance,
    boxes_intersect,
    closest_points,
    point_box_distance,
)
from tests.fixtures import inside, random_box, random_pairs

SQRT2 = math.sqrt(2.0)


def _surface_samples(box: Box3D, n: int) -> tuple[np.ndarray, float]:
    """Grid samples (n × n per face) of the box surface, and the largest distance from any
    surface point to its nearest sample (half the largest grid-cell diagonal)."""
    half = np.array(box.size) / 2
    grid = np.linspace(-1.0, 1.0, n)
    u, v = (g.ravel() for g in np.meshgrid(grid, grid))
    faces = []
    for axis in range(3):
        i, j = (axis + 1) % 3, (axis + 2) % 3
        for sign in (-1.0, 1.0):
            local = np.empty((u.size, 3))
            local[:, axis], local[:, i], local[:, j] = sign * half[axis], u * half[i], v * half[j]
            faces.append(local)
    cell = 2 * half / (n - 1)
    bound = max(math.hypot(cell[i], cell[j]) for i, j in ((0, 1), (1, 2), (0, 2))) / 2
    return np.concatenate(faces) @ box.rotation_matrix.T + box.center, bound


def _qp_distance(a: Box3D, b: Box3D) -> float:
    """Distance as the bounded least-squares problem min |x - y| over x ∈ A, y ∈ B."""
    lhs = np.hstack([a.rotation_matrix * np.array(a.size) / 2, -b.rotation_matrix * np.array(b.size) / 2])
    rhs = np.array(b.center) - np.array(a.center)
    solution = lsq_linear(lhs, rhs, bounds=(-1.0, 1.0), method="bvls", tol=1e-14)
    return float(np.linalg.norm(lhs @ solution.x - rhs))


@pytest.mark.parametrize("upright", [False, True], ids=["random-rotation", "gravity-aligned"])
def test_distance_matches_brute_force(upright):
    separated = touching = 0
    for a, b in random_pairs(10 + upright, 100, upright):
        point_a, point_b, distance = closest_points(a, b)
        assert distance == pytest.approx(_qp_distance(a, b), abs=1e-9)
        assert box_distance(a, b) == distance
        assert np.linalg.norm(point_a - point_b) == pytest.approx(distance, abs=1e-12)
        assert inside(a, point_a)[0] and inside(b, point_b)[0]
        if distance == 0.0:
            touching += 1
            assert boxes_intersect(a, b)
            continue
        separated += 1
        assert not boxes_intersect(a, b)
        samples_a, bound_a = _surface_samples(a, 30)
        samples_b, bound_b = _surface_samples(b, 30)
        sampled = cKDTree(samples_b).query(samples_a)[0].min()
        assert distance <= sampled + 1e-9
        assert distance >= sampled - (bound_a + bound_b)
    assert separated >= 60 and touching >= 5  # both branches exercised


def test_symmetric_and_consistent_with_point_distance():
    for a, b in random_pairs(12, 100):
        point_a, point_b, distance = closest_points(a, b)
        assert box_distance(b, a) == pytest.approx(distance, abs=1e-12)
        # The closest point of A is as near to B as the distance, and vice versa.
        assert point_box_distance(b, point_a)[0] == pytest.approx(distance, abs=1e-9)
        assert point_box_distance(a, point_b)[0] == pytest.approx(distance, abs=1e-9)


def test_intersecting_boxes_share_the_returned_point():
    rng = np.random.default_rng(13)
    for _ in range(50):
        a = random_box(rng, False)
        b = random_box(rng, False, spread=0.3)
        if not boxes_intersect(a, b):
            continue
        point_a, point_b, distance = closest_points(a, b)
        assert distance == 0.0 and box_distance(a, b) == 0.0
        np.testing.assert_array_equal(point_a, point_b)
        assert inside(a, point_a)[0] and inside(b, point_a)[0]


def test_crossing_bars_without_shared_corners_intersect():
    a = Box3D((0, 0, 0), (4.0, 0.2, 0.2))
    b = Box3D((0, 0, 0), (0.2, 4.0, 0.2), (0.0, 0.0, 0.3))
    assert boxes_intersect(a, b)
    point_a, point_b, distance = closest_points(a, b)
    assert distance == 0.0 and inside(a, point_a)[0] and inside(b, point_a)[0]


UNIT = Box3D((0, 0, 0), (1, 1, 1))


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (Box3D((2, 0, 0), (1, 1, 1)), 1.0),  # face to face
        (Box3D((2, 2, 2), (1, 1, 1)), math.sqrt(3.0)),  # corner to corner
        (Box3D((2, 2, 0), (1, 1, 1)), SQRT2),  # parallel vertical edges
        (Box3D((2, 0, 0), (1, 1, 1), (0, 0, math.pi / 4)), 1.5 - SQRT2 / 2),  # 45° edge to face
        (Box3D((1, 0, 0), (1, 1, 1)), 0.0),  # touching faces
        (Box3D((0.2, 0.1, 0), (0.2, 0.2, 0.2), (0.4, 0.5, 0.6)), 0.0),  # inside
    ],
)
def test_hand_cases(other, expected):
    assert box_distance(UNIT, other) == pytest.approx(expected, abs=1e-12)
    assert box_distance(other, UNIT) == pytest.approx(expected, abs=1e-12)


def test_corner_to_corner_points():
    point_a, point_b, distance = closest_points(UNIT, Box3D((2, 2, 2), (1, 1, 1)))
    np.testing.assert_allclose(point_a, [0.5, 0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(point_b, [1.5, 1.5, 1.5], atol=1e-12)


def test_skew_edges_meet_between_their_corners():
    # Two bars with diamond cross-sections: A's top ridge runs along x, B's bottom ridge
    # along y, so the closest points are interior points of two crossing edges.
    ridge = 0.1 * SQRT2
    a = Box3D((0, 0, 0), (4.0, 0.2, 0.2), (math.pi / 4, 0, 0))
    b = Box3D((0.3, -0.2, 1.0), (0.2, 4.0, 0.2), (0, math.pi / 4, 0))
    point_a, point_b, distance = closest_points(a, b)
    assert distance == pytest.approx(1.0 - 2 * ridge, abs=1e-12)
    np.testing.assert_allclose(point_a, [0.3, 0.0, ridge], atol=1e-12)
    np.testing.assert_allclose(point_b, [0.3, 0.0, 1.0 - ridge], atol=1e-12)


def test_degenerate_boxes():
    flat = Box3D((0, 0, 0), (1, 1, 0))
    assert box_distance(flat, Box3D((0, 0, 1), (1, 1, 0))) == pytest.approx(1.0)
    assert box_distance(flat, Box3D((0.2, 0.1, 0.3), (0, 0, 1))) == pytest.approx(0.0)  # segment
    assert box_distance(flat, Box3D((3, 0, 0), (0, 0, 1))) == pytest.approx(2.5)  # segment
    point = Box3D((3.0, 4.0, 0.0), (0, 0, 0))
    assert box_distance(point, UNIT) == pytest.approx(point_box_distance(UNIT, [[3.0, 4.0, 0.0]])[0])
    assert box_distance(point, point) == 0.0
    rng = np.random.default_rng(14)
    for a, b in random_pairs(14, 50):
        a = Box3D(a.center, tuple(np.array(a.size) * (rng.random(3) < 0.5)), a.rotation)
        assert box_distance(a, b) == pytest.approx(_qp_distance(a, b), abs=1e-9)


def test_nearly_parallel_edges_a_hair_apart():
    # Ridges 1e-7 rad from parallel, 1e-8 m apart: the separating-axis test skips that
    # cross axis and calls the boxes touching; the common point must still be near both.
    a = Box3D((0, 0, 0), (4.0, 0.2, 0.2), (math.pi / 4, 0, 0))
    b = Box3D((0, 0, 0.2 * SQRT2 + 1e-8), (4.0, 0.2, 0.2), (math.pi / 4, 0, 1e-7))
    point_a, point_b, distance = closest_points(a, b)
    assert distance == 0.0
    np.testing.assert_array_equal(point_a, point_b)
    assert point_box_distance(a, point_a)[0] < 1e-7 and point_box_distance(b, point_a)[0] < 1e-7


def test_point_box_distance():
    box = Box3D((1, 0, 0), (2, 2, 2), (0, 0, math.pi / 2))
    points = np.array([[1, 0, 0], [2, 1, 1], [4, 0, 0], [3, 2, 0], [1, 0, -3]], dtype=float)
    np.testing.assert_allclose(point_box_distance(box, points), [0, 0, 2, SQRT2, 2], atol=1e-12)
