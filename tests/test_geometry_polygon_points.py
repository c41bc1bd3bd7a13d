"""Floor polygons, box footprints, point membership and intersection vertices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.geometry import (
    Box3D,
    box_footprint,
    intersection_vertices,
    points_in_box,
    polygon_area,
    vertical_axis,
)
from tests.fixtures import inside, random_box, random_pairs

SQUARE = [(0, 0), (1, 0), (1, 1), (0, 1)]
L_SHAPE = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)]


def test_polygon_areas():
    assert polygon_area(SQUARE) == pytest.approx(1.0)
    assert polygon_area(L_SHAPE) == pytest.approx(3.0)
    assert polygon_area(L_SHAPE[::-1]) == pytest.approx(3.0)  # clockwise
    assert polygon_area(SQUARE + [SQUARE[0]]) == pytest.approx(1.0)  # explicitly closed
    assert polygon_area([(x, y, 0.5) for x, y in L_SHAPE]) == pytest.approx(3.0)  # z ignored
    assert polygon_area(np.array(SQUARE) * 4.0 + 10.0) == pytest.approx(16.0)


@pytest.mark.parametrize(
    "points",
    [
        [],
        [(0, 0), (1, 1)],
        [(0, 0), (1, 0), (0, 0)],  # closed, but only 2 distinct vertices
        [(0, 0), (1, 1), (1, 0), (0, 1)],  # bowtie
        [(0, 0), (1, 1), (2, 2)],  # collinear
        [(0, 0), (1, 0), (math.nan, 1)],
        [(0, 0), (1,), (1, 1)],
        "square",
    ],
)
def test_bad_polygons_raise_naming_polygon(points):
    with pytest.raises(ValidationError) as error:
        polygon_area(points)
    assert error.value.field == "polygon"
    assert str(error.value).startswith("polygon: ")


def test_upright_footprint_is_the_rotated_rectangle():
    box = Box3D((1.0, 2.0, 0.5), (2.0, 1.0, 1.0), (0.0, 0.0, math.pi / 6))
    assert vertical_axis(box) == 2
    footprint = box_footprint(box)
    assert footprint.is_valid and footprint.area == pytest.approx(2.0)
    coords = np.asarray(footprint.exterior.coords)[:-1]
    bottom = box.corners[::2, :2]  # corners at the box's -z face
    np.testing.assert_allclose(sorted(map(tuple, coords)), sorted(map(tuple, bottom)), atol=1e-12)


def test_vertical_axis():
    assert vertical_axis(Box3D((0, 0, 0), (1, 1, 1), (0, math.pi / 2, 0.3))) == 0
    assert vertical_axis(Box3D((0, 0, 0), (1, 1, 1), (math.pi, 0, 0.3))) == 2  # upside down
    assert vertical_axis(Box3D((0, 0, 0), (1, 1, 1), (1e-6, 0, 0))) is None
    assert box_footprint(Box3D((0, 0, 0), (0, 0, 1), (0.5, 0, 0))).area == 0.0  # a tilted stick


def test_points_in_box_matches_local_frame_check():
    rng = np.random.default_rng(30)
    for upright in (False, True):
        box = random_box(rng, upright)
        box = Box3D(box.center, (1.0, 1.4, 0.7), box.rotation)
        points = box.center_array + rng.uniform(-1.0, 1.0, (5000, 3))
        local = (points - np.array(box.center)) @ box.rotation_matrix
        expected = np.all(np.abs(local) <= np.array(box.size) / 2, axis=1)
        assert 500 < expected.sum() < 4500
        np.testing.assert_array_equal(points_in_box(box, points), expected)
        grown = np.all(np.abs(local) <= np.array(box.size) / 2 + 0.1, axis=1)
        np.testing.assert_array_equal(points_in_box(box, points, tolerance=0.1), grown)


def test_boundary_points_are_inside():
    box = Box3D((0.3, -0.2, 1.0), (1.0, 2.0, 0.5), (0.2, -0.3, 1.0))
    face_centres = box.center_array + (box.rotation_matrix * box.size_array / 2).T
    opposite_centres = 2 * box.center_array - face_centres
    boundary = np.concatenate([box.corners, face_centres, opposite_centres])
    assert points_in_box(box, boundary).all()
    outward = boundary + 1e-6 * (boundary - box.center_array)
    assert not points_in_box(box, outward).any()
    assert points_in_box(box, [0.3, -0.2, 1.0]).shape == (1,)


def test_intersection_vertices_lie_in_both_boxes():
    found = 0
    for a, b in random_pairs(31, 40, spread=0.5):
        vertices = intersection_vertices(a, b)
        assert inside(a, vertices).all() and inside(b, vertices).all()
        found += len(vertices) >= 4
    assert found >= 20
    assert len(intersection_vertices(Box3D((0, 0, 0), (1, 1, 1)), Box3D((3, 0, 0), (1, 1, 1)))) == 0
