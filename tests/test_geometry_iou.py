"""3D and bird's-eye IoU against closed forms and Monte Carlo estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial import ConvexHull
from scipy.spatial.transform import Rotation

from spatialcode.geometry import (
    Box3D,
    box_footprint,
    box_iou_3d,
    box_iou_bev,
    box_volume_intersection,
    matrix_to_euler,
)
from tests.fixtures import inside, random_box, random_pairs

UNIT = Box3D((0, 0, 0), (1, 1, 1))


def _moved(box: Box3D, rotation: Rotation, shift: np.ndarray) -> Box3D:
    """The box carried by a rigid motion of the whole scene (rotate about the origin, shift)."""
    matrix = rotation.as_matrix()
    center = matrix @ np.array(box.center) + shift
    return Box3D(tuple(center), box.size, matrix_to_euler(matrix @ box.rotation_matrix))


def _monte_carlo_iou(a: Box3D, b: Box3D, rng: np.random.Generator, samples: int = 200_000) -> float:
    """IoU from the fraction of uniform samples of A that fall inside B."""
    local = rng.uniform(-0.5, 0.5, (samples, 3)) * np.array(a.size)
    points = local @ a.rotation_matrix.T + np.array(a.center)
    intersection = a.volume * inside(b, points, slack=0.0).mean()
    return intersection / (a.volume + b.volume - intersection)


@pytest.mark.parametrize("tilted", [False, True], ids=["gravity-aligned", "rigidly-tilted"])
def test_closed_forms(tilted):
    motion = Rotation.from_euler("xyz", [0.4, -0.7, 1.1]) if tilted else Rotation.identity()
    shift = np.array([0.3, -1.2, 2.0])

    def iou(a: Box3D, b: Box3D) -> float:
        return box_iou_3d(_moved(a, motion, shift), _moved(b, motion, shift))

    assert iou(UNIT, UNIT) == pytest.approx(1.0, abs=1e-9)
    assert iou(UNIT, Box3D((0.5, 0, 0), (1, 1, 1))) == pytest.approx(1 / 3, abs=1e-9)
    turned = Box3D((0, 0, 0), (1, 1, 1), (0, 0, math.pi / 4))  # overlap: a regular octagon
    assert iou(UNIT, turned) == pytest.approx(1 / math.sqrt(2), abs=1e-9)
    assert iou(UNIT, Box3D((0.2, 0.1, 0), (0.5, 0.5, 0.5))) == pytest.approx(0.125, abs=1e-9)  # inside
    assert iou(UNIT, Box3D((3, 0, 0), (1, 1, 1))) == 0.0  # disjoint
    assert iou(UNIT, Box3D((1, 0, 0), (1, 1, 1))) == pytest.approx(0.0, abs=1e-9)  # touching
    assert iou(UNIT, Box3D((0, 0, 0), (1, 1, 0))) == 0.0  # flat box: no volume
    corner_overlap = _moved(Box3D((0.5, 0.5, 0.5), (1, 1, 1)), motion, shift)
    volume = box_volume_intersection(_moved(UNIT, motion, shift), corner_overlap)
    assert volume == pytest.approx(0.125, abs=1e-9)


def test_identical_random_boxes():
    rng = np.random.default_rng(20)
    for upright in (False, True):
        for _ in range(20):
            box = random_box(rng, upright)
            assert box_iou_3d(box, box) == pytest.approx(1.0, abs=1e-9)
            assert box_volume_intersection(box, box) == pytest.approx(box.volume, rel=1e-9)


@pytest.mark.parametrize(
    ("upright_a", "upright_b"),
    [(False, False), (True, True), (True, False)],
    ids=["random", "upright", "mixed"],
)
def test_monte_carlo_agreement(upright_a, upright_b):
    rng = np.random.default_rng(21 + upright_a + 2 * upright_b)
    checked = 0
    while checked < 8:
        a, b = random_box(rng, upright_a, spread=0.4), random_box(rng, upright_b, spread=0.4)
        expected = _monte_carlo_iou(a, b, rng)
        if expected < 0.02:
            continue
        assert box_iou_3d(a, b) == pytest.approx(expected, abs=0.02)
        assert box_iou_3d(b, a) == pytest.approx(box_iou_3d(a, b), abs=1e-9)
        checked += 1


def test_gravity_aligned_fast_path_matches_general_path():
    compared = 0
    for a, b in random_pairs(22, 60, upright=True, spread=0.6):
        fast = box_volume_intersection(a, b)
        # A 1e-8 rad roll takes the general convex-hull path and changes the volume by ~1e-8.
        tilt_a = Box3D(a.center, a.size, (1e-8, 0.0, a.yaw))
        tilt_b = Box3D(b.center, b.size, (0.0, 1e-8, b.yaw))
        assert fast == pytest.approx(box_volume_intersection(tilt_a, tilt_b), abs=1e-6)
        compared += fast > 0
    assert compared >= 20


def test_upright_box_lying_on_its_side_uses_the_prism_formula():
    lying = Box3D((0.0, 0.0, 0.0), (1.0, 2.0, 3.0), (math.pi / 2, 0.0, 0.0))  # y axis vertical
    standing = Box3D((0.0, 0.0, 0.0), (1.0, 3.0, 2.0))
    assert box_iou_3d(lying, standing) == pytest.approx(1.0, abs=1e-9)
    assert box_footprint(lying).area == pytest.approx(3.0)


def test_bev_iou():
    assert box_iou_bev(UNIT, Box3D((0.5, 0, 5), (1, 1, 1))) == pytest.approx(1 / 3)  # height ignored
    rotated = Box3D((0, 0, 0), (1, 1, 2), (0, 0, math.pi / 4))
    assert box_iou_bev(UNIT, rotated) == pytest.approx(1 / math.sqrt(2))
    assert box_iou_bev(UNIT, Box3D((2, 0, 0), (1, 1, 1))) == 0.0
    assert box_iou_bev(UNIT, Box3D((0, 0, 0), (1, 0, 1))) == 0.0  # no footprint area


def test_tilted_footprint_is_the_hull_of_the_projected_corners():
    rng = np.random.default_rng(23)
    for _ in range(20):
        box = random_box(rng, False)
        hull = ConvexHull(box.corners[:, :2])  # 2D: .volume is the area
        footprint = box_footprint(box)
        assert footprint.area == pytest.approx(hull.volume, rel=1e-9)
        np.testing.assert_allclose(
            sorted(map(tuple, np.round(np.asarray(footprint.exterior.coords)[:-1], 9))),
            sorted(map(tuple, np.round(box.corners[hull.vertices, :2], 9))),
        )
