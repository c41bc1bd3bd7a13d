"""Camera path planning: inside the room, clear of objects, smooth, sees every object."""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings

import numpy as np
import pytest
import shapely

from spatialcode.core.errors import SpatialCodeError
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.distance import point_box_distance
from spatialcode.scene import Room, SpatialCode, SpatialObject
from spatialcode.synth.camera_path import (
    PathConfig,
    plan_camera,
    plan_camera_path,
    visible_pixel_counts,
    walkthrough_code,
)
from spatialcode.synth.shapes import build_scene_geometry, object_footprint

CONFIG = PathConfig(width=96, height=72, mask_threshold=40, fps=5.0)
ROOM = ((0.0, 0.0), (5.0, 0.0), (5.0, 4.0), (2.5, 4.0), (2.5, 3.0), (0.0, 3.0))  # an L-shaped room


def room_scene() -> SpatialCode:
    objects = [
        SpatialObject(0, "bookshelf", Box3D((0.25, 0.6, 0.9), (0.35, 0.9, 1.8), (0.0, 0.0, 0.0))),
        SpatialObject(1, "table", Box3D((2.2, 1.4, 0.375), (1.2, 0.8, 0.75), (0.0, 0.0, 0.2))),
        SpatialObject(2, "chair", Box3D((2.2, 2.2, 0.45), (0.5, 0.5, 0.9), (0.0, 0.0, -math.pi / 2))),
        SpatialObject(3, "sofa", Box3D((4.5, 2.0, 0.425), (0.9, 2.0, 0.85), (0.0, 0.0, math.pi))),
        SpatialObject(4, "plant", Box3D((4.6, 3.6, 0.45), (0.5, 0.5, 0.9))),
        SpatialObject(5, "ceiling light", Box3D((2.5, 1.5, 2.6), (0.5, 0.5, 0.1))),
        SpatialObject(6, "trash bin", Box3D((0.3, 2.7, 0.25), (0.3, 0.3, 0.5))),
    ]
    return SpatialCode(objects=tuple(objects), room=Room(polygon=ROOM))


@pytest.fixture(scope="module")
def plan():
    code = room_scene()
    geometry = build_scene_geometry(code)
    return code, geometry, plan_camera(code, CONFIG, geometry)


def _positions(poses):
    return np.array([p.position for p in poses])


def test_path_is_at_eye_height_with_frame_times(plan):
    _, _, result = plan
    pos = _positions(result.poses)
    assert len(pos) > 10
    assert np.allclose(pos[:, 2], CONFIG.eye_height)
    assert [p.t for p in result.poses] == pytest.approx([i / CONFIG.fps for i in range(len(pos))])


def test_path_stays_inside_the_room_and_clear_of_objects(plan):
    code, _, result = plan
    pos = _positions(result.poses)
    room = shapely.Polygon(ROOM)
    points = shapely.points(pos[:, :2])
    assert shapely.covers(room, points).all()
    assert (shapely.distance(room.exterior, points) >= CONFIG.clearance - 1e-3).all()
    eye = CONFIG.eye_height
    for obj in code.objects:
        assert (point_box_distance(obj.box, pos) >= CONFIG.clearance - 1e-3).all(), obj.label
        if obj.box.corners[:, 2].min() < eye + CONFIG.clearance:  # obstacles: clear in the floor plane too
            assert (shapely.distance(object_footprint(obj.box), points) >= CONFIG.clearance - 1e-3).all(), obj.label
    # walking never cuts through an obstacle: every step stays in the free space
    steps = shapely.linestrings(np.stack([pos[:-1, :2], pos[1:, :2]], axis=1))
    moving = np.linalg.norm(np.diff(pos[:, :2], axis=0), axis=1) > 1e-9
    assert shapely.covers(result.free.region.buffer(1e-6), steps[moving]).all()


def test_path_is_smooth(plan):
    _, _, result = plan
    assert not result.compressed
    pos = _positions(result.poses)
    dt = 1.0 / CONFIG.fps
    assert (np.linalg.norm(np.diff(pos, axis=0), axis=1) <= CONFIG.walk_speed * dt + 1e-6).all()
    rotations = [p.rotation_matrix() for p in result.poses]
    rates = [
        math.degrees(math.acos(max(-1.0, min(1.0, (np.trace(a.T @ b) - 1) / 2)))) / dt
        for a, b in itertools.pairwise(rotations)
    ]
    assert max(rates) <= CONFIG.turn_rate_deg * 1.02
    # camera never rolls: its x axis stays horizontal
    assert all(abs(r[2, 0]) < 1e-9 for r in rotations)


def test_path_sees_every_object(plan):
    code, geometry, result = plan
    assert result.unseen == []
    counts = visible_pixel_counts(geometry, result.poses, CONFIG.intrinsics)
    assert (counts.max(axis=0) >= CONFIG.mask_threshold).all()
    assert {k for _, ks in result.stops for k in ks} == set(range(len(code.objects)))


def test_plan_is_deterministic(plan):
    code, _, result = plan
    again = plan_camera_path(code, CONFIG)
    assert [p.to_dict() for p in again] == [p.to_dict() for p in result.poses]


def test_frame_budget_compresses_time():
    code = room_scene()
    with pytest.warns(UserWarning, match="compressed"):
        result = plan_camera(code, PathConfig(width=96, height=72, mask_threshold=40, fps=5.0, max_frames=25))
    assert len(result.poses) <= 25 and result.compressed


def test_invented_room_when_there_is_no_polygon():
    code = room_scene()
    code = SpatialCode(objects=code.objects, room=None)
    result = plan_camera(code, CONFIG)
    assert result.layout.invented
    union = shapely.union_all([object_footprint(o.box) for o in code.objects])
    assert result.layout.footprint.contains(union)
    assert shapely.covers(result.layout.footprint, shapely.points(_positions(result.poses)[:, :2])).all()
    assert result.unseen == []


def test_filled_room_is_a_clear_error():
    code = SpatialCode(
        objects=(SpatialObject(0, "table", Box3D((1.0, 1.0, 0.4), (1.8, 1.8, 0.8))),),
        room=Room(polygon=((0, 0), (2, 0), (2, 2), (0, 2))),
    )
    with pytest.raises(SpatialCodeError, match="no free camera position") as err:
        plan_camera_path(code, CONFIG)
    assert "\n" not in str(err.value)


def test_a_narrow_passage_is_walked_through_with_less_clearance():
    """Two tall cabinets leave a 50 cm passage across the room: closed at the default 30 cm
    clearance, so the camera squeezes through it with less (down to ``min_clearance``) to see
    both halves."""
    cabinets = [Box3D((3.0, 0.375, 0.9), (0.4, 0.75, 1.8)), Box3D((3.0, 1.625, 0.9), (0.4, 0.75, 1.8))]
    code = SpatialCode(
        objects=(SpatialObject(0, "cabinet", cabinets[0]), SpatialObject(1, "cabinet", cabinets[1]),
                 SpatialObject(2, "chair", Box3D((0.6, 1.0, 0.45), (0.5, 0.5, 0.9))),
                 SpatialObject(3, "sofa", Box3D((5.4, 1.0, 0.425), (0.8, 1.6, 0.85), (0.0, 0.0, math.pi)))),
        room=Room(polygon=((0, 0), (6, 0), (6, 2), (0, 2))),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = plan_camera(code, CONFIG, build_scene_geometry(code))
    x = _positions(plan.poses)[:, 0]
    assert x.min() < 2.5 and x.max() > 3.5 and plan.unseen == []
    positions = _positions(plan.poses)
    positions[:, 2] = 0.9  # the cabinets' mid-height: the horizontal distance
    assert min(point_box_distance(box, positions).min() for box in cabinets) >= 0.14
    with warnings.catch_warnings():  # not allowed to come closer: one half only
        warnings.simplefilter("ignore")
        stuck = plan_camera(code, dataclasses.replace(CONFIG, min_clearance=0.3), build_scene_geometry(code))
    x = _positions(stuck.poses)[:, 0]
    assert x.max() < 3.0 or x.min() > 3.0


def test_empty_scene_is_a_clear_error():
    with pytest.raises(SpatialCodeError, match="no objects"):
        plan_camera_path(SpatialCode(), CONFIG)


def test_overhead_objects_do_not_block_walking():
    """A big ceiling light fills the room's plan but hangs above the camera: not an obstacle."""
    code = SpatialCode(
        objects=(SpatialObject(0, "ceiling light", Box3D((1.5, 1.5, 2.55), (2.8, 2.8, 0.1))),
                 SpatialObject(1, "chair", Box3D((0.5, 0.5, 0.45), (0.5, 0.5, 0.9)))),
        room=Room(polygon=((0, 0), (3, 0), (3, 3), (0, 3))),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poses = plan_camera_path(code, CONFIG)
    assert len(poses) > 1


def test_walkthrough_code_times_objects_like_the_render(tmp_path):
    from spatialcode.synth.render import RenderConfig, render_scene

    code = room_scene()
    timed = walkthrough_code(code, CONFIG)
    assert timed.camera == tuple(plan_camera(code, CONFIG).poses)
    assert timed.source.fps == CONFIG.fps and timed.source.frame_count == len(timed.camera)
    assert timed.provenance.producer == "synth-walkthrough"
    assert all(o.first_seen is not None for o in timed.objects)
    config = RenderConfig(path=CONFIG, texture=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rendered = render_scene(code, tmp_path / "r", config, progress=False).code
    assert rendered.camera == timed.camera
    for a, b in zip(timed.objects, rendered.objects):
        assert abs(a.first_seen - b.first_seen) <= 2.0 / CONFIG.fps, a.label  # same frame, or one or two apart
