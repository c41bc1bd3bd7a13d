"""The encoder's geometric back end, stage by stage on small hand-made inputs, then end to end."""

from __future__ import annotations

import math
import warnings
from collections import Counter

import numpy as np
import pytest

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.encode import GroundTruthPerception
from spatialcode.encode.boxfit import fit_box, limit_to_view_extents, normal_yaw, remove_outliers, sides_told_by_views
from spatialcode.encode.compare import yaw_error_deg
from spatialcode.encode.encoder import Encoder, EncoderConfig, encode
from spatialcode.encode.frames import Frame, RenderFolderSource
from spatialcode.encode.lift import depth_noise_coefficient
from spatialcode.encode.mask_edges import clear_of_image_edges
from spatialcode.encode.perception import Detection, PerceptionOutput
from spatialcode.encode.room import find_floor, room_outline, settle_height
from spatialcode.encode.tracks import Track, TrackAssociationConfig, TrackAssociator, bounded_views, frame_indices
from spatialcode.encode.voxels import VoxelCloud, key_centres, sorted_overlap, voxel_keys
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.camera import Intrinsics, PixelGrid
from spatialcode.geometry.iou import box_iou_3d
from spatialcode.scene import CameraPose, Room, SpatialCode, SpatialObject
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.render import FrameRenderer, RenderConfig, render_scene
from spatialcode.synth.shapes import build_scene_geometry
from tests.fixtures import tiny_scene

RNG = np.random.default_rng(0)


def box_surface(box: Box3D, n: int = 4000, faces=(0, 1, 2, 3, 4, 5)) -> np.ndarray:
    """Points (N, 3) on the chosen faces of a box (face k: axis k // 2, side ±)."""
    half = np.asarray(box.size) / 2
    local = RNG.uniform(-1, 1, size=(n, 3)) * half
    face = RNG.choice(faces, size=n)
    axis, sign = face // 2, np.where(face % 2 == 0, 1.0, -1.0)
    local[np.arange(n), axis] = sign * half[axis]
    return local @ box.rotation_matrix.T + np.asarray(box.center)


# -- voxels ---------------------------------------------------------------------------------------


def test_voxel_cloud_fuses_points_and_merges():
    cloud = VoxelCloud(0.1)
    keys = cloud.add(np.array([[0.01, 0.01, 0.01], [0.02, 0.03, 0.04], [0.55, -0.25, 1.0]]))
    assert len(keys) == 2 and len(cloud) == 2
    assert sorted(cloud.weights.tolist()) == [1, 2]
    np.testing.assert_allclose(sorted(cloud.points().tolist()), [[0.015, 0.02, 0.025], [0.55, -0.25, 1.0]])
    np.testing.assert_allclose(key_centres(voxel_keys(np.array([[-0.05, 0.15, 2.0]]), 0.1), 0.1), [[-0.05, 0.15, 2.05]])
    other = VoxelCloud(0.1)
    other.add(np.array([[0.05, 0.05, 0.05], [3.0, 3.0, 3.0]]))
    cloud.absorb(other)
    assert len(cloud) == 3 and cloud.weights.sum() == 5 and len(cloud.points(min_weight=2)) == 1
    # hits: one per addition that reached the voxel (two points of one addition: still one), summed when merged
    assert sorted(cloud.hits.tolist()) == [1, 1, 2]
    np.testing.assert_allclose(cloud.points(min_hits=2), [[0.08 / 3, 0.09 / 3, 0.1 / 3]])  # the voxel both reached
    carried = VoxelCloud(0.1)
    carried.add(cloud.points(), cloud.weights, cloud.hits)  # the voxels carried over to another cloud keep their hits
    assert sorted(carried.hits.tolist()) == [1, 1, 2]
    lo, hi = cloud.bounds()
    np.testing.assert_allclose(lo, [0.0, -0.3, 0.0])  # the outer corners of the outermost voxels
    np.testing.assert_allclose(hi, [3.1, 3.1, 3.1])
    assert sorted_overlap(np.array([1, 3, 5]), np.array([2, 3, 5, 9])) == 2
    assert sorted_overlap(np.array([], np.int64), np.array([1])) == 0


# -- lifting --------------------------------------------------------------------------------------


def test_lift_puts_pixels_where_the_camera_sees_them():
    intr = Intrinsics.from_hfov(40, 30, 60.0)
    pose = CameraPose.from_yaw_pitch(0.0, (1.0, 2.0, 1.5), yaw=math.radians(90), pitch=0.0)  # looking along +y
    depth = np.full((30, 40), 2.0, np.float32)
    depth[0, 0] = 0.0  # invalid pixel
    grid = PixelGrid(intr, stride=1)
    points = grid.lift(depth, np.ones((30, 40), bool), pose)
    assert len(points) == 30 * 40 - 1
    np.testing.assert_allclose(points[:, 1], 4.0, atol=1e-9)  # a wall 2 m ahead along +y
    one = np.zeros((30, 40), bool)
    one[15, 20] = True  # row 15, column 20: right of and below the principal point
    point = grid.lift(depth, one, pose)[0]
    assert point[0] == pytest.approx(1.0 + 2.0 * (20 - intr.cx) / intr.fx)  # camera right = world +x here
    assert point[2] == pytest.approx(1.5 - 2.0 * (15 - intr.cy) / intr.fy)  # camera down = world -z
    assert len(PixelGrid(intr, stride=2).lift(depth, np.ones((15, 20), bool), pose)) == 15 * 20 - 1


# -- box fitting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("yaw_deg", [0.0, 20.0, -35.0, 44.0])
def test_fit_box_recovers_a_box_from_its_visible_faces(yaw_deg):
    truth = Box3D((1.0, 2.0, 0.4), (1.2, 0.6, 0.8), (0.0, 0.0, math.radians(yaw_deg)))
    seen = box_surface(truth, faces=(0, 2, 3, 4))  # front, both sides, top: no back, no bottom
    box = fit_box(seen, floor_z=0.0)
    assert box_iou_3d(box, truth) > 0.95
    assert math.degrees(box.yaw) == pytest.approx(yaw_deg, abs=1.0)
    one_face = box_surface(truth, faces=(0,), n=1500)  # only the front face: the yaw from its normal
    assert math.degrees(normal_yaw(one_face)) == pytest.approx(yaw_deg, abs=1.0)


def test_fit_box_floor_snap_rectangle_fallback_and_outliers():
    truth = Box3D((0.0, 0.0, 0.43), (0.5, 0.5, 0.7), (0.0, 0.0, 0.3))  # bottom 8 cm above the floor
    snapped = fit_box(box_surface(truth), floor_z=0.0)
    assert snapped.center[2] - snapped.size[2] / 2 == pytest.approx(0.0)
    assert fit_box(box_surface(truth), floor_z=0.0, floor_snap=0.05).size[2] == pytest.approx(0.7, abs=0.01)
    rug = Box3D((0.0, 0.0, -0.05), (1.0, 0.6, 0.01))  # a flat thing seen under a floor estimated too high
    under = fit_box(box_surface(rug), floor_z=0.0)
    assert under.center[2] == pytest.approx(-0.05, abs=0.01) and 0 < under.size[2] < 0.02
    angle = RNG.uniform(0, 2 * math.pi, 3000)  # a cylinder: no dominant normal, the rectangle decides
    cylinder = np.stack([0.2 * np.cos(angle), 0.2 * np.sin(angle), RNG.uniform(0, 0.5, 3000)], axis=1)
    assert normal_yaw(cylinder) is None
    box = fit_box(cylinder)
    assert box.size[0] == pytest.approx(0.4, abs=0.03) and box.size[1] == pytest.approx(0.4, abs=0.03)
    surface = box_surface(truth)
    noisy = np.vstack([surface, [[5.0, 5.0, 5.0], [-4.0, 0.0, 0.0]]])
    assert len(remove_outliers(noisy)) == len(surface)  # stray points go
    pole = np.stack([np.zeros(40), np.zeros(40), np.linspace(0.72, 1.5, 40)], axis=1)  # a thin part on top stays
    assert len(remove_outliers(np.vstack([surface, pole]))) == len(surface) + 40
    assert fit_box(remove_outliers(np.vstack([surface, pole]))).size[2] == pytest.approx(1.5 - 0.08, abs=0.01)



def test_a_panel_seen_from_the_front_grows_backwards():
    """Only a wall-mounted screen's front face is seen: its box is at least ``min_thickness``
    deep, grown away from the camera (into the hidden body), not around the visible face."""
    face = box_surface(Box3D((2.0, 1.0, 1.2), (0.0, 1.0, 0.6), (0.0, 0.0, 0.0)), faces=(0,))  # the x = 2 plane
    box = fit_box(face, viewpoint=np.array([0.0, 1.0, 1.5]), min_thickness=0.05)
    assert box.size[0] == pytest.approx(0.05) and box.center[0] == pytest.approx(2.025)
    behind = fit_box(face, viewpoint=np.array([4.0, 1.0, 1.5]), min_thickness=0.05)
    assert behind.center[0] == pytest.approx(1.975)
    assert fit_box(face).size[0] == pytest.approx(0.01)  # no viewpoint: the minimum size only
    ceiling_light = box_surface(Box3D((1.0, 1.0, 2.5), (0.4, 0.4, 0.0), (0.0, 0.0, 0.0)), faces=(4,))
    seen_from_below = fit_box(ceiling_light, viewpoint=np.array([0.0, 0.0, 1.5]), min_thickness=0.05)
    assert seen_from_below.center[2] == pytest.approx(2.525) and seen_from_below.size[2] == pytest.approx(0.05)


# -- tracking -------------------------------------------------------------------------------------


def test_associator_joins_detections_over_frames_and_keeps_neighbours_apart():
    a = Box3D((0.0, 0.0, 0.4), (0.5, 0.5, 0.8))
    b = Box3D((0.8, 0.0, 0.4), (0.5, 0.5, 0.8))  # the same label 30 cm away
    associator = TrackAssociator()
    first = associator.update([(box_surface(a, faces=(0, 4)), "chair", 1.0, True),
                            (box_surface(b, faces=(0, 4)), "chair", 1.0, True)], t=0.0, frame=0)
    second = associator.update([(box_surface(a, faces=(2, 4)), "chair", 1.0, True)], t=1.0, frame=1)
    third = associator.update([(box_surface(b, faces=(3, 4)), "stool", 0.5, False)], t=2.0, frame=2)  # confused label
    assert first == [0, 1] and second == [0] and third == [1]
    assert associator.tracks[1].label == "chair" and associator.tracks[1].observations == 2
    assert associator.merge_duplicates() == 0  # seen side by side in frame 0: two chairs


def test_trimmed_extents_shrink_a_smeared_cloud_back_and_leave_an_exact_one():
    """A cabinet whose points are smeared by 3 cm (depth noise, drifted views) fits a box ~20 cm
    too large from its extreme points; with 1 % of the points left out at each end of every
    axis the excess is about halved; an exact cloud keeps its box within 1.5 cm."""
    truth = Box3D((0.0, 0.0, 0.4), (0.6, 0.5, 0.8), (0.0, 0.0, 0.3))
    exact = box_surface(truth, n=8000, faces=(0, 1, 2, 3, 4))
    smeared = box_surface(Box3D(truth.center, truth.size), n=8000, faces=(0, 1, 2, 3, 4)) + RNG.normal(0.0, 0.03, (8000, 3))
    excess = np.subtract(fit_box(smeared).size, truth.size)
    trimmed_excess = np.subtract(fit_box(smeared, trim=0.01).size, truth.size)
    assert (excess > 0.15).all() and (np.abs(trimmed_excess) <= 0.65 * excess).all()
    trimmed = fit_box(exact, trim=0.01)
    assert np.allclose(trimmed.size, truth.size, atol=0.015) and np.allclose(trimmed.center, truth.center, atol=0.01)
    assert yaw_error_deg(trimmed.yaw, truth.yaw) < 1.0
    with pytest.raises(ValidationError, match="extent_trim"):
        TrackAssociationConfig(extent_trim=0.5)


def test_a_smear_trim_leaves_heights_alone():
    """A door's face, 0.9 m wide and 2.0 m tall, smeared 5 cm along the viewing direction (x), as
    frame-to-frame inconsistent predicted depth smears it: 5 % trimmed at each end of every axis
    gives a 1.8 m door (q05 = 0.1 m, q95 = 1.9 m of a uniform height); a 1 % height trim gives
    1.96 m; the width is 0.81 m either way. A track's box takes its height trim from the config."""
    door = np.column_stack([RNG.normal(0.0, 0.05, 20000), RNG.uniform(0.0, 0.9, 20000), RNG.uniform(0.0, 2.0, 20000)])
    every_axis = fit_box(door, trim=0.05)
    floor_plane = fit_box(door, trim=0.05, height_trim=0.01)
    assert every_axis.size[2] == pytest.approx(1.8, abs=0.02) and floor_plane.size[2] == pytest.approx(1.96, abs=0.02)
    assert sorted(every_axis.size[:2])[1] == pytest.approx(0.81, abs=0.02) == sorted(floor_plane.size[:2])[1]
    config = TrackAssociationConfig(smear_trim=0.05, min_weight_share=0.0, noisy_weight_share=0.0)
    assert config.trim(1.0) == 0.05 and config.height_trim(1.0) == pytest.approx(0.01) and config.height_trim(0.0) == 0.0
    associator = TrackAssociator(config)
    associator.update([(door, "door", 1.0, True)], t=0.0, frame=0)
    box = associator.tracks[0].box(config, None, depth_noise=1.0)
    assert box.size[2] == pytest.approx(1.96, abs=0.04)


def test_far_noisy_views_weigh_less_than_near_ones():
    """Depth noise grows with distance: fused with inverse-variance weights, a far noisy view of
    a cabinet seen up close three times neither inflates nor moves its box; fused with equal
    weights it inflates it."""
    truth = Box3D((0.0, 0.0, 0.4), (0.6, 0.5, 0.8), (0.0, 0.0, 0.0))
    views = [box_surface(truth, faces=(0, 1, 2, 3, 4)) for _ in range(3)]
    far = views[0][::10].copy()  # seen from 5 m along x: a tenth of the pixels, depth noise σ = 6 cm along the ray
    far[:, 0] += RNG.normal(0.0, 0.06, len(far))
    views.append(far)
    boxes = []
    for weights in ((1.5 ** -4,) * 3 + (5.0 ** -4,), None):
        associator = TrackAssociator()
        for k, points in enumerate(views):
            extra = () if weights is None else (np.full(len(points), weights[k]),)
            associator.update([(points, "cabinet", 1.0, True, *extra)], t=float(k), frame=k)
        associator.merge_duplicates()  # the noisy view may start its own track: never seen together, so merged
        assert len(associator.tracks) == 1
        boxes.append(associator.tracks[0].box(associator.config, floor_z=0.0))
    weighted, equal = boxes
    assert np.allclose(weighted.size, truth.size, atol=0.03) and np.allclose(weighted.center, truth.center, atol=0.02)
    assert max(np.subtract(equal.size, truth.size)[:2]) > 0.1


def test_a_return_visit_seen_through_drifted_poses_is_registered_back():
    """The camera comes back to a cabinet 20 s later with poses drifted by 8 cm: the second
    visit's points are registered onto the first before the box is fitted (without that, the
    box grows by the drift)."""
    truth = Box3D((0.0, 0.0, 0.4), (0.6, 0.5, 0.8), (0.0, 0.0, 0.0))
    first = box_surface(truth, faces=(0, 2, 3, 4))
    again = box_surface(truth, faces=(0, 1, 2, 4)) + np.array([0.08, 0.0, 0.0])
    sizes = []
    for align in (True, False):
        associator = TrackAssociator(TrackAssociationConfig(align_visits=align))
        associator.update([(first, "cabinet", 1.0, True)], t=0.0, frame=0)
        associator.update([(again, "cabinet", 1.0, True)], t=20.0, frame=200)
        assert len(associator.tracks) == 1 and len(associator.tracks[0].visits) == 2
        sizes.append(associator.tracks[0].box(associator.config, floor_z=0.0).size)
    aligned, drifted = sizes
    assert np.allclose(aligned, truth.size, atol=0.02) and drifted[0] == pytest.approx(0.68, abs=0.02)
    associator = TrackAssociator(TrackAssociationConfig(max_visits=2))  # visits beyond the cap are folded together
    for k in range(5):
        associator.update([(first, "cabinet", 1.0, True)], t=10.0 * k, frame=100 * k)
    [track] = associator.tracks
    assert len(track.visits) == 2
    assert sorted(frame for visit in track.visits for frame in frame_indices(visit.frame_bits)) == [0, 100, 200, 300, 400]


@pytest.mark.parametrize("a", [0.0, 0.001, 0.005])
def test_depth_noise_coefficient_is_recovered(a):
    """σ = a·z² noise on a tilted wall 1.5–4 m away is measured back from one image (the encoder
    throws low-weight voxels out harder when it is high)."""
    rows, cols = np.mgrid[0:120, 0:160]
    wall = 1.5 + cols / 64.0  # metres
    noisy = wall + RNG.normal(0.0, 1.0, wall.shape) * a * wall ** 2
    noisy[::7, ::5] = 0.0  # missing depth is skipped
    assert depth_noise_coefficient(noisy) == pytest.approx(a, rel=0.1, abs=5e-5)
    assert depth_noise_coefficient(np.zeros((50, 50))) is None
    config = TrackAssociationConfig()
    assert config.weight_share(0.0) == config.min_weight_share
    assert config.weight_share(1.0) == pytest.approx(config.noisy_weight_share)
    assert config.noisy_weight_share > config.weight_share(0.001) > config.min_weight_share
    assert config.trim(0.0) == 0.0 and config.trim(1.0) == config.extent_trim > config.trim(0.001) > 0.0


def test_fragments_never_seen_together_are_merged():
    tv = Box3D((0.0, 0.0, 2.4), (0.05, 1.2, 0.6))
    points = box_surface(tv, faces=(0,))
    top, bottom = points[points[:, 2] > 2.55], points[points[:, 2] < 2.3]  # a 25 cm gap never seen
    associator = TrackAssociator()
    associator.update([(top, "tv", 1.0, True)], t=0.0, frame=0)
    associator.update([(bottom, "tv", 1.0, False)], t=5.0, frame=50)
    assert len(associator.tracks) == 2
    assert associator.merge_duplicates() == 1 and len(associator.tracks) == 1
    merged = associator.tracks[0]
    assert merged.first_seen == 0.0 and merged.frame_bits == (1 << 0) | (1 << 50)
    assert merged.box(TrackAssociationConfig(), None).size[2] == pytest.approx(0.6, abs=0.05)
    together = TrackAssociator()  # the same two fragments in one frame are two objects: never merged
    together.update([(top, "tv", 1.0, True), (bottom, "tv", 1.0, False)], t=0.0, frame=7)
    assert len(together.tracks) == 2 and together.merge_duplicates() == 0
    with pytest.raises(ValidationError, match="min_overlap"):
        TrackAssociationConfig(min_overlap=1.5)


def _chair_frames(associator: TrackAssociator, box: Box3D, frames: range, label: str = "chair", weight: float = 1.0) -> None:
    for frame in frames:
        associator.update([(box_surface(box, n=1500), label, weight, True)], t=frame * 0.1, frame=frame)


@pytest.mark.parametrize(("shared_frames", "merged"), [((5,), True), ((5, 6), False)])
def test_a_duplicate_seen_beside_its_object_in_few_frames_is_merged(shared_frames, merged):
    """A chair detected in frames 0–19; in the shared frames a second 'chair' detection shifted
    30 cm (a false detection, or the object under drifting depth) starts a second track, which
    then goes on alone in frames 20–29. Side by side in 1 of the second track's 11 frames (≤ 10 %):
    one chair; in 2 of 12: two."""
    chair = Box3D((0.0, 0.0, 0.4), (0.5, 0.5, 0.8))
    shifted = Box3D((0.3, 0.0, 0.4), (0.5, 0.5, 0.8))
    associator = TrackAssociator()
    for frame in range(20):
        detections = [(box_surface(chair, n=1500), "chair", 1.0, True)]
        if frame in shared_frames:
            detections.append((box_surface(shifted, n=1500), "chair", 1.0, True))
        associator.update(detections, t=frame * 0.1, frame=frame)
    _chair_frames(associator, shifted, range(20, 30))
    assert len(associator.tracks) == 2  # the shifted detections made their own track
    assert associator.merge_duplicates() == (1 if merged else 0)
    assert len(associator.tracks) == (1 if merged else 2)


def _table_desk_lamp(config: TrackAssociationConfig | None = None) -> TrackAssociator:
    """A table detected in frames 0–10 and, confused, as a 'desk' in frames 0 and 11–20 (its
    inner points: the desk box lies inside the table box; the desk votes weigh half), and a lamp
    touching the table's side, detected in frames 21–30."""
    table = Box3D((0.0, 0.0, 0.375), (1.2, 0.8, 0.75))
    desk = Box3D((0.0, 0.0, 0.375), (1.08, 0.72, 0.675))
    associator = TrackAssociator(config)
    associator.update([(box_surface(table, n=1500), "table", 1.0, True), (box_surface(desk, n=1500), "desk", 0.5, True)],
                      t=0.0, frame=0)
    _chair_frames(associator, table, range(1, 11), label="table")
    _chair_frames(associator, desk, range(11, 21), label="desk", weight=0.5)
    _chair_frames(associator, Box3D((0.8, 0.0, 0.375), (0.4, 0.4, 0.75)), range(21, 31), label="lamp")
    assert sorted(t.label for t in associator.tracks) == ["desk", "lamp", "table"]
    return associator


def test_tracks_of_confused_labels_in_one_place_merge_under_the_majority_label():
    """The table and its 'desk' track: overlapping (3D IoU 0.73), side by side in 1 frame of 11 —
    one object, a table (the heavier votes). The lamp touching the table stays apart, so does a
    stool inside a much larger door box, and a pillow inside a bed detected with it in every
    frame."""
    associator = _table_desk_lamp()
    assert associator.merge_duplicates() == 1
    assert sorted(t.label for t in associator.tracks) == ["lamp", "table"]
    assert next(t for t in associator.tracks if t.label == "table").frames_detected == 21
    assert _table_desk_lamp(TrackAssociationConfig(other_label_iou=1.01)).merge_duplicates() == 0  # off

    smeared = TrackAssociator()  # a stool inside a door's box smeared by drifting depth, never seen beside it
    _chair_frames(smeared, Box3D((10.0, 0.0, 1.0), (3.0, 1.0, 2.0)), range(0, 10), label="door")
    _chair_frames(smeared, Box3D((10.0, 0.0, 0.5), (0.4, 0.4, 0.4)), range(10, 20), label="stool")
    assert len(smeared.tracks) == 2 and smeared.merge_duplicates() == 0  # nested, but not one object's extent

    bed, pillow = Box3D((5.0, 0.0, 0.3), (2.0, 1.6, 0.6)), Box3D((5.7, 0.0, 0.5), (0.3, 0.6, 0.15))
    nested = TrackAssociator()
    for frame in range(10):
        nested.update([(box_surface(bed, n=1500), "bed", 1.0, True), (box_surface(pillow, n=800), "pillow", 1.0, True)],
                      t=frame * 0.1, frame=frame)
    assert nested.merge_duplicates() == 0 and len(nested.tracks) == 2
    with pytest.raises(ValidationError, match="max_codetection_share"):
        TrackAssociationConfig(max_codetection_share=1.5)


# -- floor and room -------------------------------------------------------------------------------


def test_floor_and_room_outline():
    floor = np.column_stack([RNG.uniform(0, 4, 3000), RNG.uniform(0, 3, 3000), RNG.normal(0.0, 0.003, 3000)])
    wall = np.column_stack([RNG.uniform(0, 4, 1500), np.full(1500, 3.0), RNG.uniform(0, 2.5, 1500)])
    table = np.column_stack([RNG.uniform(1, 2, 800), RNG.uniform(1, 2, 800), np.full(800, 0.75)])
    plane = find_floor(np.vstack([floor, wall, table]))
    assert plane is not None and plane.normal[2] > 0.99 and abs(plane.offset) < 0.01
    sampled = find_floor(np.vstack([floor, wall, table]), max_points=1000)  # RANSAC on a sample: the same floor
    assert sampled is not None and sampled.normal[2] > 0.99 and abs(sampled.offset) < 0.01
    assert find_floor(np.vstack([wall, table]), max_points=1000).offset == pytest.approx(-0.75, abs=0.01)  # the table
    hole = (floor[:, 0] > 1) & (floor[:, 0] < 2) & (floor[:, 1] > 1) & (floor[:, 1] < 2)  # under the table
    room = room_outline(floor[~hole], [Box3D((1.5, 1.5, 0.375), (1.0, 1.0, 0.75))], cell=0.1)
    assert room.area == pytest.approx(12.0, rel=0.06) and len(room.polygon) >= 4
    assert find_floor(wall) is None


def test_a_thick_floor_settles_level_into_its_middle_and_a_table_above_stays_out():
    """Predicted depth makes the floor a slab: here 6000 points whose heights spread N(0, 0.06)
    m. RANSAC's 2 cm threshold cuts it into planes, the lowest well under 0 and tilted; settled,
    the floor is level at the slab's middle (0, within 1.5 cm). A table 0.4 m up, beyond the 0.15 m
    band, does not pull it up; nor does a wall (its heights spread evenly over the band)."""
    slab = np.column_stack([RNG.uniform(0, 5, 6000), RNG.uniform(0, 4, 6000), RNG.normal(0.0, 0.06, 6000)])
    wall = np.column_stack([RNG.uniform(0, 5, 3000), np.full(3000, 4.0), RNG.uniform(-0.2, 2.5, 3000)])
    table = np.column_stack([RNG.uniform(1, 2, 2000), RNG.uniform(1, 2, 2000), RNG.normal(0.4, 0.01, 2000)])
    cloud = np.vstack([slab, wall, table])
    unsettled = find_floor(cloud, settle_band=0.0)
    assert unsettled is not None and unsettled.height(np.array([[2.5, 2.0, 0.0]]))[0] > 0.04  # under the slab's middle
    settled = find_floor(cloud)
    assert settled.normal == (0.0, 0.0, 1.0) and -settled.offset == pytest.approx(0.0, abs=0.015)
    # hand-worked: from 0.1 over heights 0.0, 0.02, 0.04 and 0.5, the band's median 0.02, which stays
    assert settle_height(np.array([0.0, 0.02, 0.04, 0.5]), 0.1, band=0.15) == pytest.approx(0.02)
    assert settle_height(np.array([0.0, 0.02, 0.04, 0.5]), 0.28, band=0.15) == 0.28  # nothing near: left as it is


# -- end to end -----------------------------------------------------------------------------------


def _views(code: SpatialCode, poses, size=(96, 72)) -> list[Frame]:
    """Exact frames of ``code`` from ``poses`` (rendered, with instance masks)."""
    geometry = build_scene_geometry(code)
    intr = Intrinsics.from_hfov(*size, 65.0)
    renderer = FrameRenderer(geometry, intr)
    frames = []
    for i, pose in enumerate(poses):
        view = renderer.render(pose)
        frames.append(Frame(index=i, t=pose.t, rgb=view.rgb, depth=view.depth, intrinsics=intr, pose=pose,
                            instances=view.mask.astype(np.int32), instance_labels={o.id: o.label for o in code.objects}))
    return frames


def test_a_box_seen_from_two_views_fits_back_to_itself():
    truth = Box3D((2.0, 1.5, 0.4), (0.9, 0.6, 0.8), (0.0, 0.0, math.radians(25)))
    code = SpatialCode(objects=(SpatialObject(0, "crate", truth),), room=Room(polygon=((0, 0), (4, 0), (4, 3), (0, 3))))
    poses = [CameraPose.from_yaw_pitch(0.0, (0.4, 0.4, 1.5), math.radians(35), math.radians(-30)),
             CameraPose.from_yaw_pitch(1.0, (3.6, 2.7, 1.5), math.radians(-140), math.radians(-30))]
    encoder = Encoder(EncoderConfig(pixel_stride=1, min_observations=1))
    for frame in _views(code, poses):
        encoder.update(frame)
    out = encoder.code()
    assert [o.label for o in out.objects] == ["crate"]
    assert box_iou_3d(out.objects[0].box, truth) > 0.85
    assert out.room is not None and 1.0 < out.room.area < 12.5  # the floor two views saw, and under the crate
    assert len(out.camera) == 2 and out.objects[0].first_seen == 0.0


class _GivenMasks:
    """Perception that returns the masks given per frame index, labelled "box"."""

    def __init__(self, masks: dict[int, np.ndarray]) -> None:
        self.masks = masks

    def perceive(self, frame: Frame) -> PerceptionOutput:
        return PerceptionOutput([Detection(self.masks[frame.index], "box")])


def _flat_frame(index: int, depth: np.ndarray) -> Frame:
    """A frame of ``depth`` (H, W) m seen by a camera at the origin looking along world +z."""
    height, width = depth.shape
    intr = Intrinsics(fx=500.0, fy=500.0, cx=width / 2, cy=height / 2, width=width, height=height)
    return Frame(index=index, t=float(index), rgb=None, depth=depth.astype(np.float32), intrinsics=intr,
                 pose=CameraPose(t=float(index), position=(0.0, 0.0, 0.0), quaternion=(0.0, 0.0, 0.0, 1.0)))


def _associator_inputs(encoder: Encoder) -> list[tuple]:
    """Every detection tuple the encoder hands its associator, as they are handed."""
    handed: list[tuple] = []
    update = encoder.associator.update

    def spy(detections, *args, **kwargs):
        handed.extend(detections)
        return update(detections, *args, **kwargs)

    encoder.associator.update = spy
    return handed


def test_near_pixels_weigh_more_than_far_ones():
    """An object seen half at 1 m and half at 4 m: with the default power 4, each point weighs
    (1 m / depth)^4 — 1 for the near half, 1/4^4 = 1/256 for the far half (near views count more)."""
    depth = np.full((48, 64), 1.0)
    depth[:, 32:] = 4.0
    encoder = Encoder(EncoderConfig(pixel_stride=2, min_observations=1), _GivenMasks({0: np.ones((48, 64), bool)}))
    handed = _associator_inputs(encoder)
    encoder.update(_flat_frame(0, depth))
    [(points, _, _, _, weights, _)] = handed
    near = points[:, 2] < 2.0  # identity pose: a point's world z is its depth
    assert near.sum() == (points[:, 2] > 2.0).sum() == 24 * 16
    np.testing.assert_allclose(weights[near], 1.0)
    np.testing.assert_allclose(weights[~near], 1 / 256)


def test_the_encoder_tells_whether_a_mask_shows_the_whole_object():
    inside = np.zeros((48, 64), bool)
    inside[10:30, 10:40] = True
    cut = inside.copy()
    cut[10:30, 40:] = True  # reaches the right edge: a part of the object is out of view
    for quantile, expected in ((0.9, [True, False]), (None, [False, False])):  # looked at only when it is used
        config = EncoderConfig(pixel_stride=2, min_observations=1, tracks=TrackAssociationConfig(view_extent_quantile=quantile))
        encoder = Encoder(config, _GivenMasks({0: inside, 1: cut}))
        handed = _associator_inputs(encoder)
        for index in range(2):
            encoder.update(_flat_frame(index, np.full((48, 64), 2.0)))
        assert [whole for *_, whole in handed] == expected
    assert clear_of_image_edges(inside, margin=10) and not clear_of_image_edges(inside, margin=11)


def test_a_side_is_held_to_the_quantile_of_the_sides_single_views_give():
    """Hand-worked: 9 views 0.6 m long on the box's x and 0.4 m on its y, one 0.9 m long on x:
    the 90th percentile of x is 0.6 + 0.1 · 0.3 = 0.63 m (linear); the 1.0 × 0.6 m box becomes
    0.63 × 0.4 m about the same centre; its height is left alone."""

    def view(length: float, width: float) -> np.ndarray:  # points at the ends of both sides (no trim cut)
        x, y = np.meshgrid([-length / 2, length / 2], [-width / 2, width / 2])
        return np.column_stack([x.ravel() + 2.0, y.ravel() - 1.0, np.full(4, 0.5)]).repeat(10, axis=0)

    box = Box3D((2.0, -1.0, 0.5), (1.0, 0.6, 0.5))
    views = [view(0.6, 0.4)] * 9 + [view(0.9, 0.4)]
    limited = limit_to_view_extents(box, views, 0.9)
    assert limited.center == box.center and limited.size == pytest.approx((0.63, 0.4, 0.5))
    # the box turned 90°: its x runs along the world's y, where these views are 0.55 long
    turned = Box3D((2.0, -1.0, 0.5), (1.0, 0.6, 0.5), (0.0, 0.0, math.pi / 2))
    assert limit_to_view_extents(turned, [view(0.6, 0.55)] * 10, 0.9).size[:2] == pytest.approx((0.55, 0.6))
    # never longer than it was, never cut below the least side
    assert limit_to_view_extents(Box3D((2.0, -1.0, 0.5), (0.5, 0.3, 0.5)), views, 0.9).size == (0.5, 0.3, 0.5)
    flat = [view(0.6, 0.026)] * 10  # over half the 0.05 side, under the least side
    assert limit_to_view_extents(Box3D((2.0, -1.0, 0.5), (1.0, 0.05, 0.5)), flat, 0.9, min_side=0.03).size[1] == 0.03
    assert limit_to_view_extents(box, [], 0.9) == box
    # slivers — a door seen past the edge of what hides it, a stray detection joined to the track —
    # span less than half of each side: they tell nothing
    slivers = [view(0.13, 0.03)] * 20
    assert limit_to_view_extents(box, slivers, 0.9).size == box.size
    assert limit_to_view_extents(box, slivers + views, 0.9).size == pytest.approx((0.63, 0.4, 0.5))
    assert limit_to_view_extents(box, views, 0.9, min_views=11).size == box.size  # 10 views, 11 asked for
    # a refrigerator seen from the front: along the line of sight a view shows the front's few cm,
    # under half the side, and tells nothing of it; across it, the width
    front = [view(0.6, 0.05)] * 10
    assert limit_to_view_extents(box, front, 0.9).size[:2] == pytest.approx((0.6, 0.6))
    # the sides it bounds are the sides the views tell
    assert sides_told_by_views(box, views, min_views=10) == (True, True, False)  # the views are flat: no height
    assert sides_told_by_views(box, views, min_views=11) == (False, False, False)
    assert sides_told_by_views(box, slivers) == (False, False, False)
    assert sides_told_by_views(box, front) == (True, False, False)
    assert sides_told_by_views(turned, [view(0.6, 0.05)] * 10) == (False, True, False)  # its x runs along the world's y


def test_a_height_is_held_to_the_single_views_and_keeps_its_bottom_on_the_floor():
    """Views whose points stand at z = 0 and z = 0.5 (their trimmed vertical extent is 0.5 m) hold
    a box 0.8 m tall to 0.5 m: standing on the floor it keeps its bottom (centre 0.25), hanging
    (a ceiling light) it keeps its centre. Views 0.3 m tall span under half of 0.8: no bound."""
    def view(height: float, bottom: float = 0.0) -> np.ndarray:
        x, y, z = np.meshgrid([1.8, 2.2], [-1.1, -0.9], [bottom, bottom + height])
        return np.column_stack([x.ravel(), y.ravel(), z.ravel()]).repeat(10, axis=0)

    standing = Box3D((2.0, -1.0, 0.4), (0.6, 0.4, 0.8))
    held = limit_to_view_extents(standing, [view(0.5)] * 6, 0.9, min_views=5, floor_z=0.0)
    assert held.size[2] == pytest.approx(0.5) and held.center[2] == pytest.approx(0.25)
    assert sides_told_by_views(standing, [view(0.5)] * 6, min_views=5)[2]
    hanging = Box3D((2.0, -1.0, 2.4), (0.6, 0.4, 0.8))
    held = limit_to_view_extents(hanging, [view(0.5, 2.1)] * 6, 0.9, min_views=5, floor_z=0.0)
    assert held.size[2] == pytest.approx(0.5) and held.center[2] == pytest.approx(2.4)
    assert limit_to_view_extents(standing, [view(0.3)] * 6, 0.9, min_views=5, floor_z=0.0).size[2] == pytest.approx(0.8)
    assert limit_to_view_extents(standing, [view(0.5)] * 4, 0.9, min_views=5, floor_z=0.0) == standing  # 4 of 5


def test_frames_misplaced_by_drift_spread_the_fused_box_and_single_views_bring_it_back():
    """A 0.6 × 0.4 × 0.5 m box seen in 12 frames, each put up to 0.15 m off along x (drift): the
    fused cloud spans about 0.9 m; each frame alone spans 0.6. Held to its whole views, the box is
    0.6 m long again; without the setting, or when no frame showed all of it, it stays long."""
    truth = Box3D((0.0, 0.0, 0.25), (0.6, 0.4, 0.5))
    surface = box_surface(truth, n=1500)
    offsets = np.linspace(-0.15, 0.15, 12)

    def fused_length(quantile: float | None, whole: bool) -> float:
        config = TrackAssociationConfig(view_extent_quantile=quantile)
        associator = TrackAssociator(config)
        for frame, dx in enumerate(offsets):
            associator.update([(surface + (dx, 0.0, 0.0), "box", 1.0, True, None, whole)], t=frame * 0.1, frame=frame)
        [track] = associator.tracks
        return track.box(config, floor_z=0.0).size[0]

    assert fused_length(None, True) > 0.85 and fused_length(0.9, False) > 0.85
    assert fused_length(0.9, True) == pytest.approx(0.6, abs=0.03)


def test_the_smear_is_not_taken_out_of_sides_the_single_views_bound():
    """The same drifted 0.6 × 0.4 × 0.5 m box, with a predicted blur of σ = 10 cm on both
    floor-plane axes. Every frame showed the whole box, spanning both sides: one frame's points
    are free of the frame-to-frame blur, so the views' bound (0.6 × 0.4) stands and the blur is not
    taken out again. Without whole views nothing bounds the sides and the blur is taken out:
    the 0.4 m side, which drift did not spread, comes out well under 0.4 (0.22)."""
    truth = Box3D((0.0, 0.0, 0.25), (0.6, 0.4, 0.5))
    surface = box_surface(truth, n=1500)
    smear = np.diag([0.1**2, 0.1**2, 0.0])

    def sides(whole: bool, front_views_only: bool = False) -> tuple[float, float]:
        config = TrackAssociationConfig(view_extent_quantile=0.9, smear_trim=0.05)  # trimmed as predicted depth is
        associator = TrackAssociator(config)
        for frame, dx in enumerate(np.linspace(-0.15, 0.15, 12)):
            associator.update([(surface + (dx, 0.0, 0.0), "box", 1.0, True, None, whole)], t=frame * 0.1, frame=frame)
        [track] = associator.tracks
        if front_views_only:  # views of the face at y = -0.2 alone: they span x and the height, not y
            track.whole_views = [box_surface(truth, n=64, faces=(3,)) for _ in range(12)]
        box = track.box(config, floor_z=0.0, smear=smear)
        along_x = 0 if abs(math.cos(box.yaw)) > 0.5 else 1
        return box.size[along_x], box.size[1 - along_x]

    x, y = sides(whole=True)
    assert x == pytest.approx(0.6, abs=0.03) and y == pytest.approx(0.4, abs=0.02)
    assert sides(whole=False)[1] < 0.3
    # views that bound x and the height but not y: x held to them, the blur taken out of y alone
    x, y = sides(whole=True, front_views_only=True)
    assert x == pytest.approx(0.6, abs=0.03) and y < 0.3


def test_whole_views_kept_stay_bounded_and_spread_over_the_video():
    views = [np.full((1, 3), float(i)) for i in range(10)]
    assert [int(v[0, 0]) for v in bounded_views(views, 4)] == [1, 5, 9]  # 10 → 5 → 3: the last one kept
    assert [int(v[0, 0]) for v in bounded_views(views[:5], 3)] == [0, 2, 4]
    assert bounded_views(views[:3], 4) == views[:3]
    # two tracks merged keep both's views while under the cap
    config = TrackAssociationConfig(view_extent_quantile=0.9, max_whole_views=8)
    a, b = (Track(id=i, voxel_size=0.03, keys=np.empty(0, np.int64)) for i in range(2))
    a.whole_views, b.whole_views = views[:3], views[3:5]
    a.absorb(b, config)
    assert len(a.whole_views) == 5
    b.whole_views = views
    a.absorb(b, config)
    assert len(a.whole_views) <= 8


@pytest.mark.parametrize(("fraction", "pixels"), [
    (EncoderConfig().first_seen_fraction, 200),  # the default, 200 / (640 × 480): 200 px of a 640 × 480 image
    (1 / 1024, 300),  # 640 × 480 / 1024 = 300 exactly in floating point: "reaches" includes 300 itself
])
def test_first_seen_is_when_a_mask_first_reaches_its_share_of_the_image(fraction, pixels):
    """On a 640 × 480 image a mask one pixel short of the share (frame 0, t = 0 s) is too small,
    one exactly the share (frame 1, t = 1 s) is enough — as the renderer counts "reaches 200 px"
    — and one pixel more (frame 2) no longer matters."""
    rectangle = np.zeros((480, 640), bool)
    rectangle[200:210, 300:300 + pixels // 10] = True  # 10 rows
    under, over = rectangle.copy(), rectangle.copy()
    under[209, 300 + pixels // 10 - 1] = False
    over[210, 300] = True
    assert (under.sum(), rectangle.sum(), over.sum()) == (pixels - 1, pixels, pixels + 1)
    encoder = Encoder(EncoderConfig(min_observations=1, first_seen_fraction=fraction),
                      _GivenMasks({0: under, 1: rectangle, 2: over}))
    handed = _associator_inputs(encoder)
    for index in range(3):
        encoder.update(_flat_frame(index, np.full((480, 640), 2.0)))
    assert [seen for _, _, _, seen, *_ in handed] == [False, True, True]
    [box] = encoder.code().objects
    assert box.first_seen == 1.0


@pytest.fixture(scope="module")
def tiny_render(tmp_path_factory):
    out = tmp_path_factory.mktemp("encode") / "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        render_scene(tiny_scene(), out, RenderConfig(path=PathConfig(width=96, height=72, fps=4.0, max_frames=40, mask_threshold=30)),
                     progress=False)
    return out


def test_encoding_a_render_recovers_its_objects(tiny_render):
    truth = SpatialCode.load(tiny_render / "scene.json")
    code, times = encode(RenderFolderSource(tiny_render, rgb=False))
    assert Counter(o.label for o in code.objects) == Counter(o.label for o in truth.objects)
    for obj in truth.objects:
        best = max(box_iou_3d(obj.box, o.box) for o in code.objects if o.label == obj.label)
        upright = obj.box.rotation[0] == 0 and obj.box.rotation[1] == 0
        # fitted boxes are gravity-aligned; at 96×72 the picture, seen mostly from afar where depth
        # weighs little, comes out narrower (measured IoU 0.46, 0.67 with equal weights)
        assert best > (0.45 if upright else 0.3), obj.label
    assert times.frames == 40 and set(times.per_frame_ms()) == {"perception", "lift", "associate", "background"}
    assert [o.first_seen for o in code.objects] == sorted(o.first_seen for o in code.objects)
    assert code.source.frame_count == 40 and len(code.camera) == 40


def test_a_revisit_does_not_double_count(tiny_render):
    frames = list(RenderFolderSource(tiny_render, rgb=False))
    encoder = Encoder()
    for frame in frames:
        encoder.update(frame)
    once = Counter(o.label for o in encoder.code().objects)
    for frame in frames:  # the same tour again, later in time
        frame.t += 20.0
        frame.index += len(frames)
        encoder.update(frame)
    assert Counter(o.label for o in encoder.code().objects) == once


def test_bad_frames_are_clear_errors(tiny_render):
    frame = next(iter(RenderFolderSource(tiny_render, rgb=False)))
    encoder = Encoder()
    no_pose = Frame(frame.index, frame.t, None, frame.depth, frame.intrinsics, None, frame.instances, frame.instance_labels)
    with pytest.raises(InputFileError, match="no camera pose"):
        encoder.update(no_pose)
    no_depth = Frame(frame.index, frame.t, None, None, frame.intrinsics, frame.pose, frame.instances, frame.instance_labels)
    with pytest.raises(InputFileError, match="has no depth"):
        encoder.update(no_depth)
    empty = Frame(frame.index, frame.t, None, frame.depth, frame.intrinsics, frame.pose,
                  np.full_like(frame.instances, -1), {})
    encoder.update(empty)
    assert encoder.code().objects == ()
    with pytest.raises(InputFileError, match="no frames"):
        encode([], GroundTruthPerception())
    with pytest.raises(ValidationError, match="pixel_stride"):
        EncoderConfig(pixel_stride=0)
