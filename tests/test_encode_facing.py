"""Object facing: fitted boxes turned to their object's front, on hand-built point clouds whose
front is known by construction (a chair's back rest, a cabinet against a wall, a tv seen from
the room), and the facing fields of the code."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from spatialcode.core.errors import ValidationError
from spatialcode.encode.boxfit import fit_box
from spatialcode.encode.facing import FacingConfig, orient_front, turned
from spatialcode.geometry.box import Box3D
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode, SpatialObject
from spatialcode.tasks.facing import TALL_BACK, WALL_BACK, facing_rule, has_front

ROOM = shapely.Polygon([(0, 0), (4, 0), (4, 3), (0, 3)])


def _slab(rng, x, y, z, n=400):
    """Points filling the axis-aligned block x × y × z (each a (low, high) pair, metres)."""
    lo, hi = np.array([x[0], y[0], z[0]]), np.array([x[1], y[1], z[1]])
    return lo + rng.random((n, 3)) * (hi - lo)


def _place(local, yaw_deg, centre):
    c, s = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    xy = local[:, :2] @ np.array([[c, s], [-s, c]])
    return np.column_stack([xy + np.asarray(centre), local[:, 2]])


def _chair(rng):
    """A 0.5 × 0.5 m chair in its own frame, front +x: legs, a seat at 0.45 m, a back rest at -x."""
    parts = [_slab(rng, (-0.25, 0.25), (-0.25, 0.25), (0.42, 0.47))]
    parts += [_slab(rng, (-0.25, -0.19), (-0.25, 0.25), (0.47, 0.9))]
    parts += [_slab(rng, (x - 0.02, x + 0.02), (y - 0.02, y + 0.02), (0.0, 0.42), 60) for x in (-0.23, 0.23) for y in (-0.23, 0.23)]
    return np.vstack(parts)


def _heading_error(box: Box3D, yaw_deg: float) -> float:
    return abs((math.degrees(box.yaw) - yaw_deg + 180) % 360 - 180)


@pytest.mark.parametrize("yaw", [0, 30, 100, 200, 290, -135])
def test_a_chair_faces_away_from_its_back_rest(yaw):
    points = _place(_chair(np.random.default_rng(yaw % 7)), yaw, (1.5, 1.2))
    box = fit_box(points, floor_z=0.0)
    found = orient_front(box, "chair", points, ROOM, viewpoint=None)
    assert found.has_front and found.evidence == "shape"
    assert _heading_error(found.box, yaw) < 5
    assert found.confidence > 0.9  # the back rest's centroid sits at 0.9 of the half side
    assert np.allclose(sorted(found.box.corners.round(6).tolist()), sorted(box.corners.round(6).tolist()))


def test_a_chair_without_a_back_rest_falls_back_to_the_camera():
    rng = np.random.default_rng(1)
    seat = _place(_slab(rng, (-0.25, 0.25), (-0.2, 0.2), (0.0, 0.45)), 10, (2, 1.5))  # a block: no tall part
    box = fit_box(seat, floor_z=0.0)
    found = orient_front(box, "office chair", seat, None, viewpoint=np.array([2.0, 3.5, 1.4]))
    assert found.evidence == "view" and _heading_error(found.box, 100) < 1  # +y turned by the box's 10°
    assert found.confidence == pytest.approx(0.4 * math.cos(math.radians(10)), abs=0.02)


@pytest.mark.parametrize(("centre", "yaw"), [((3.7, 1.5), 180), ((2.0, 0.3), 90), ((0.25, 2.0), 0), ((1.0, 2.7), -90)])
def test_a_cabinet_faces_away_from_the_wall_behind_it(centre, yaw):
    """A 0.5 deep × 1.2 wide cabinet with its back to one of the four walls of a 4 × 3 m room."""
    rng = np.random.default_rng(0)
    points = _place(_slab(rng, (-0.25, 0.25), (-0.6, 0.6), (0.0, 0.9), 1500), yaw, centre)
    box = fit_box(points, floor_z=0.0)
    found = orient_front(box, "kitchen cabinet", points, ROOM, viewpoint=np.array([2.0, 1.5, 1.4]))
    assert (found.evidence, found.confidence) == ("wall", 0.9)
    assert _heading_error(found.box, yaw) < 2
    assert found.box.size[0] == pytest.approx(0.5, abs=0.03)  # depth along the front


def test_in_a_corner_the_wider_face_is_the_front():
    """A 0.5 deep × 1.2 wide cabinet in the corner (3.5–4 × 1.8–3), its wide face towards -x:
    walls behind +x and +y; the camera's side does not matter."""
    rng = np.random.default_rng(0)
    points = _place(_slab(rng, (-0.25, 0.25), (-0.6, 0.6), (0.0, 0.9), 1500), 180, (3.75, 2.4))
    box = fit_box(points, floor_z=0.0)
    for camera in ([1.0, 2.6, 1.4], [3.6, 0.5, 1.4]):
        found = orient_front(box, "cabinet", points, ROOM, viewpoint=np.array(camera))
        assert (found.evidence, found.confidence) == ("wall", 0.6) and _heading_error(found.box, 180) < 2


def test_in_a_corner_the_front_of_a_square_object_is_the_side_the_camera_saw():
    rng = np.random.default_rng(0)
    points = _place(_slab(rng, (-0.3, 0.3), (-0.3, 0.3), (0.0, 1.8), 1500), 90, (3.65, 2.65))  # fridge in the corner
    box = fit_box(points, floor_z=0.0)
    from_left = orient_front(box, "refrigerator", points, ROOM, viewpoint=np.array([1.0, 2.6, 1.4]))
    from_below = orient_front(box, "refrigerator", points, ROOM, viewpoint=np.array([3.6, 0.5, 1.4]))
    assert (from_left.evidence, from_left.confidence, from_below.confidence) == ("wall", 0.5, 0.5)
    assert _heading_error(from_left.box, 180) < 2 and _heading_error(from_below.box, -90) < 2
    unseen = orient_front(box, "refrigerator", points, ROOM, viewpoint=None)  # nothing left to decide by
    assert (unseen.box, unseen.has_front, unseen.confidence, unseen.evidence) == (box, True, 0.0, "none")


def test_a_tv_faces_along_its_thin_side():
    rng = np.random.default_rng(0)
    points = _place(_slab(rng, (-0.03, 0.03), (-0.6, 0.6), (1.0, 1.7), 800), 90, (2.0, 0.1))  # on the wall y = 0
    box = fit_box(points)
    by_wall = orient_front(box, "tv", points, ROOM, viewpoint=np.array([2.0, -5.0, 1.4]))  # the wall wins over the view
    by_view = orient_front(box, "tv", points, None, viewpoint=np.array([0.5, 2.5, 1.4]))  # seen obliquely
    assert by_wall.evidence == "wall" and _heading_error(by_wall.box, 90) < 2
    assert by_view.evidence == "view" and _heading_error(by_view.box, 90) < 2  # the thin axis, not the camera's side


def test_symmetric_objects_keep_their_box_and_say_they_have_no_front():
    box = Box3D((1, 1, 0.37), (0.8, 1.2, 0.75), (0, 0, 0.2))
    found = orient_front(box, "dining table", np.zeros((0, 3)), ROOM, np.array([0.0, 0.0, 1.0]))
    assert (found.box, found.has_front, found.confidence, found.evidence) == (box, False, None, "none")
    off = orient_front(box, "chair", np.zeros((0, 3)), ROOM, None, FacingConfig(enabled=False))
    assert (off.box, off.has_front, off.confidence) == (box, True, None)


def test_turned_swaps_the_sides_with_the_axes():
    box = Box3D((1, 2, 0.5), (0.4, 1.0, 1.0), (0, 0, math.radians(10)))
    quarter = turned(box, 1)
    assert math.degrees(quarter.yaw) == pytest.approx(100) and quarter.size == (1.0, 0.4, 1.0)
    assert math.degrees(turned(box, 2).yaw) == pytest.approx(-170) and turned(box, 2).size == box.size
    assert turned(box, 4) == Box3D(box.center, box.size, (0.0, 0.0, box.yaw))


def test_the_facing_table():
    assert facing_rule("Office_Chair") == TALL_BACK and facing_rule("kitchen cabinet") == WALL_BACK
    assert not has_front("table") and not has_front("trash bin") and not has_front("plant")
    assert has_front("desk") and has_front("tv") and has_front("door")


def test_facing_fields_round_trip_and_are_checked():
    box = Box3D((0, 0, 0.45), (0.5, 0.5, 0.9))
    chair = SpatialObject(0, "chair", box, has_front=True, facing_confidence=0.8)
    assert SpatialObject.from_dict(chair.to_dict()) == chair
    assert "has_front" not in SpatialObject(1, "lamp", box).to_dict()
    with pytest.raises(ValidationError, match="facing_confidence"):
        SpatialObject(2, "table", box, has_front=False, facing_confidence=0.5)
    with pytest.raises(ValidationError, match="has_front"):
        SpatialObject.from_dict({"id": 3, "label": "chair", "bbox_3d": box.to_bbox_3d(), "has_front": "yes"})
    with pytest.raises(ValidationError, match="facing_confidence"):
        SpatialObject(4, "chair", box, has_front=True, facing_confidence=1.5)


def test_the_solver_will_not_take_the_point_of_view_of_an_object_without_a_front():
    lamp = SpatialObject(1, "lamp", Box3D((2, 1, 0.8), (0.3, 0.3, 1.6)), first_seen=1.0)
    question = "From the sofa's point of view (facing where it faces), is the lamp to its left or right?"
    sofa = Box3D((0, 0, 0.4), (0.9, 2.0, 0.8))
    faced = SpatialCode(objects=(SpatialObject(0, "sofa", sofa, first_seen=0.0, has_front=True, facing_confidence=0.7), lamp))
    answer = Solver().answer_question(faced, question, ["A. left", "B. right"])
    assert answer.prediction == "A" and "facing confidence 0.70" in " ".join(answer.derivation)
    blank = SpatialCode(objects=(SpatialObject(0, "sofa", sofa, first_seen=0.0, has_front=False), lamp))
    answer = Solver().answer_question(blank, question, ["A. left", "B. right"])
    assert answer.cannot_answer and "no front" in answer.cannot_answer
