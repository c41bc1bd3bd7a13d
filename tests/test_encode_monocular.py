"""The encoder's defences against monocular perception, on hand-built frames and codes whose right
answer is known by construction: depth-edge trimming of bled masks, multi-view and label
consistency against false positives, and the metric scale from the cameras' height above the
floor and the furniture's heights."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.encode.calibration import (
    ScaleCalibrationConfig,
    estimate_scale,
    median_camera_height,
    weighted_median,
)
from spatialcode.encode.encoder import Encoder, EncoderConfig
from spatialcode.encode.frames import Frame
from spatialcode.encode.mask_edges import trim_depth_edges
from spatialcode.encode.perception import Detection, PerceptionOutput
from spatialcode.encode.smear import SmearConfig
from spatialcode.encode.visibility import DepthView
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.camera import Intrinsics
from spatialcode.scene import CameraPose, Room, SpatialCode, SpatialObject


# -- depth-edge trimming ------------------------------------------------------------------------
def test_a_bled_ring_on_the_wall_behind_is_trimmed_and_a_slanted_surface_is_kept():
    depth = np.full((40, 40), 4.0)  # the wall
    depth[10:30, 10:30] = 2.0  # the object
    owner = np.full((40, 40), -1)
    owner[7:33, 7:33] = 0  # its mask bled 3 px onto the wall
    trimmed = trim_depth_edges(owner, depth, radius=3)
    assert (trimmed[10:30, 10:30] == 0).all() and (trimmed == 0).sum() == 400  # the object, all of it, only it
    slope = np.tile(np.linspace(1.0, 1.4, 40), (40, 1))  # a floor seen obliquely: 1 cm deeper per pixel
    whole = np.zeros((40, 40), int)
    assert np.array_equal(trim_depth_edges(whole, slope, radius=3), whole)
    assert trim_depth_edges(owner, depth, radius=0) is owner


def test_a_ring_beyond_the_radius_is_not_reached_and_depth_holes_stay_out():
    depth = np.full((40, 40), 4.0)
    depth[10:30, 10:30] = 2.0
    depth[20, 20] = 0.0  # no measurement
    owner = np.full((40, 40), -1)
    owner[5:35, 5:35] = 0  # 5 px of bleed; a radius of 2 px reaches only the inner 2
    trimmed = trim_depth_edges(owner, depth, radius=2)
    assert (trimmed[8:32, 8:32][2:-2, 2:-2] == 0).all()  # the object itself, the hole included (not judged)
    assert (trimmed[8:10, 10:30] == -1).all() and (trimmed[5:8, 10:30] == 0).all()


# -- multi-view consistency -----------------------------------------------------------------------
class _Masks:
    """Detections given per frame: ``{frame index: [(mask, label), ...]}``."""

    def __init__(self, per_frame: dict[int, list[tuple[np.ndarray, str]]]) -> None:
        self.per_frame = per_frame

    def perceive(self, frame: Frame) -> PerceptionOutput:
        return PerceptionOutput([Detection(mask, label) for mask, label in self.per_frame.get(frame.index, [])])


def _static_frames(count: int, depth: np.ndarray) -> list[Frame]:
    height, width = depth.shape
    intrinsics = Intrinsics(fx=60.0, fy=60.0, cx=(width - 1) / 2, cy=(height - 1) / 2, width=width, height=height)
    pose = CameraPose(t=0.0, position=(0.0, 0.0, 0.0), quaternion=(0.0, 0.0, 0.0, 1.0))
    return [Frame(index=i, t=float(i), rgb=None, depth=depth.astype(np.float32), intrinsics=intrinsics,
                  pose=CameraPose(t=float(i), position=pose.position, quaternion=pose.quaternion)) for i in range(count)]


def _chair_and_ghost(config: EncoderConfig, chair_label, ghost_label, fps: float = 1.0) -> Encoder:
    """12 frames (``fps`` a second) of a static camera before a wall 3 m away: a chair 2 m away
    detected in every frame as ``chair_label(i)``, and a patch of the wall detected as
    ``ghost_label(i)`` (``None``: not detected in frame i); the encoder with ``config`` after them."""
    depth = np.full((48, 64), 3.0)
    chair = np.zeros((48, 64), bool)
    chair[20:36, 8:24] = True
    depth[chair] = 2.0
    ghost = np.zeros((48, 64), bool)
    ghost[10:22, 40:56] = True
    per_frame = {i: [(chair, chair_label(i))] + ([(ghost, ghost_label(i))] if ghost_label(i) else []) for i in range(12)}
    encoder = Encoder(config, _Masks(per_frame))
    for frame in _static_frames(12, depth):
        encoder.update(replace(frame, t=frame.index / fps, pose=replace(frame.pose, t=frame.index / fps)))
    return encoder


@pytest.mark.parametrize(("rate", "labels"), [(0.0, ["chair", "tv"]), (0.2, ["chair"])])
def test_a_detection_the_other_views_do_not_confirm_is_dropped(rate, labels):
    """A static camera looks at a chair (detected in all 12 frames) and at a 'tv' patch on the
    wall detected in frames 0 and 1 only: 2 of 12 views (0.17) — dropped at a rate of 0.2."""
    encoder = _chair_and_ghost(EncoderConfig(min_detection_rate=rate, min_views=10), lambda i: "chair",
                               lambda i: "tv" if i < 2 else None)
    assert sorted(o.label for o in encoder.code().objects) == labels
    views = {t.label: t.views for t in encoder.associator.tracks}
    assert views == ({"chair": 12, "tv": 12} if rate else {"chair": 0, "tv": 0})  # counted only when asked for


@pytest.mark.parametrize(("seconds", "fps", "ghost_frames", "labels"), [
    (None, 10.0, 4, ["chair", "tv"]),  # off: 2 detections are enough
    (0.5, 10.0, 4, ["chair"]),         # 0.5 s at 10 frames a second: 5 detections needed, 4 is a hallucination
    (0.5, 10.0, 5, ["chair", "tv"]),
    (0.5, 2.0, 2, ["chair", "tv"]),    # at 2 frames a second: ceil(0.5 · 2) = 1, so min_observations' 2 holds
])
def test_a_track_needs_detections_worth_half_a_second_of_video(seconds, fps, ghost_frames, labels):
    """The chair is detected in all 12 frames; the 'tv' patch in the first ``ghost_frames``."""
    encoder = _chair_and_ghost(EncoderConfig(min_detected_seconds=seconds), lambda i: "chair",
                               lambda i: "tv" if i < ghost_frames else None, fps=fps)
    assert sorted(o.label for o in encoder.code().objects) == labels
    with pytest.raises(ValidationError, match="min_detected_seconds"):
        EncoderConfig(min_detected_seconds=-1.0)


def test_an_object_hidden_behind_another_is_not_counted_as_missed():
    """The 'tv' is detected twice, then a near panel hides it for 10 frames: hidden frames are not
    views, so it keeps its 2 of 2 views."""
    far = np.full((48, 64), 3.0)
    tv = np.zeros((48, 64), bool)
    tv[14:34, 22:42] = True
    near = far.copy()
    near[8:40, 16:48] = 1.0  # the panel in front
    panel = np.zeros((48, 64), bool)
    panel[8:40, 16:48] = True
    frames = _static_frames(2, far) + _static_frames(12, near)[2:]
    per_frame = {0: [(tv, "tv")], 1: [(tv, "tv")], **{i: [(panel, "panel")] for i in range(2, 12)}}
    encoder = Encoder(EncoderConfig(min_detection_rate=0.5, min_views=2), _Masks(per_frame))
    for frame in frames:
        encoder.update(frame)
    tracks = {t.label: t for t in encoder.associator.tracks}
    assert tracks["tv"].views == 2 and "tv" in {o.label for o in encoder.code().objects}


@pytest.mark.parametrize(("share", "labels"), [(0.0, ["bed", "chair"]), (0.5, ["chair"])])
def test_a_track_of_scattered_labels_is_dropped(share, labels):
    """A chair detected in all 12 frames, once confused as a stool (11/12 of its votes 'chair'),
    and a patch of wall 'detected' in 6 frames under labels cycling tv, bed, sink (a third each,
    as a detector's scattered false positives; the tie goes to 'bed', alphabetically): at a least
    label share of 0.5 the patch goes."""
    encoder = _chair_and_ghost(EncoderConfig(min_label_share=share), lambda i: "stool" if i == 3 else "chair",
                               lambda i: ("tv", "bed", "sink")[i % 3] if i < 6 else None)
    assert sorted(o.label for o in encoder.code().objects) == labels
    shares = sorted(round(t.label_share, 3) for t in encoder.associator.tracks)
    assert shares == [round(1 / 3, 3), round(11 / 12, 3)]
    with pytest.raises(ValidationError, match="min_label_share"):
        EncoderConfig(min_label_share=1.5)


@pytest.mark.parametrize(("ratio", "labels"), [(0.0, ["couch", "widget"]), (0.25, ["couch", "widget"]),
                                               (0.35, ["widget"])])
def test_a_box_too_small_for_its_label_is_dropped(ratio, labels):
    """A 'couch' whose box is 0.47 m at its longest (a 16-px mask 2 m away at f = 60 px) and a
    0.70 m patch of wall detected as 'widget', a label the catalogue lacks. The catalogue's
    smallest sofa (a couch is a sofa) is 1.5 m long (its one variant: 0.8–1.0 deep, 1.5–2.4 wide,
    0.7–0.9 high): at a least share of 0.25 (0.375 m) the couch stays, at 0.35 (0.525 m) it goes;
    the widget stays whatever the share."""
    encoder = _chair_and_ghost(EncoderConfig(min_size_ratio=ratio), lambda i: "couch", lambda i: "widget")
    assert sorted(o.label for o in encoder.code().objects) == labels
    with pytest.raises(ValidationError, match="min_size_ratio"):
        EncoderConfig(min_size_ratio=-0.1)


def test_a_near_false_detection_fused_once_does_not_stretch_the_box():
    """A chair 3 m away detected 40 times (weight of a point ∝ depth⁻⁴: 1/81 each), and once a
    false detection under its label, seen from 1 m, whose mask took in the chair and 1 m of
    the floor beside it: its points join the chair's track (they overlap its coarse voxels),
    fused once at 81 times the weight. The box ignores them when its voxels must be reached by
    1 in 20 of the track's detections."""
    from spatialcode.encode.tracks import TrackAssociationConfig, TrackAssociator

    rng = np.random.default_rng(3)
    chair = rng.uniform([-0.25, 2.75, 0.0], [0.25, 3.25, 0.8], (2000, 3))
    smear = np.vstack([chair[:600], rng.uniform([-1.25, 2.75, 0.0], [-0.25, 3.0, 0.05], (600, 3))])  # the floor beside

    def box_of(config: TrackAssociationConfig):
        associator = TrackAssociator(config)
        for frame in range(40):
            associator.update([(chair, "chair", 1.0, True, np.full(len(chair), 1 / 81))], t=frame * 0.1, frame=frame)
        associator.update([(smear, "chair", 1.0, True, np.full(len(smear), 1.0))], t=4.0, frame=40)
        assert len(associator.tracks) == 1
        return associator.tracks[0].box(config, 0.0)

    assert box_of(TrackAssociationConfig()).size[0] > 1.4  # stretched to the false detection
    assert box_of(TrackAssociationConfig(min_hit_share=0.05)).size[0] == pytest.approx(0.5, abs=0.05)
    with pytest.raises(ValidationError, match="min_hit_share"):
        TrackAssociationConfig(min_hit_share=2.0)
    # four detections sliding 10 cm each: no voxel reached by all four, so a share of 1 would keep none — all are kept
    scattered = TrackAssociator(TrackAssociationConfig(min_hit_share=1.0))
    for frame in range(4):
        patch = rng.uniform([0.1 * frame, 0.0, 0.0], [0.1 * frame + 0.3, 0.3, 0.3], (400, 3))
        scattered.update([(patch, "chair", 1.0, True)], t=frame * 0.1, frame=frame)
    track = scattered.tracks[0]
    assert len(scattered.tracks) == 1 and track.observations == 4 and track.cloud.hits.max() == 3
    assert len(track.object_points(scattered.config)) == len(track.cloud.points())


def test_a_light_visit_the_registration_cannot_place_is_left_out():
    """A cabinet 0.6 × 0.4 × 0.8 m seen for 20 frames, then 4 s later for 6 frames 0.3 m further
    along x (drift): a registration that needs 90 % of a visit's points within 10 cm of the rest
    cannot place it (at most the 0.4 m of it that overlaps or lies within 10 cm, 67 %). Kept, the
    box spans both visits (0.9 m); left out, it is the cabinet's 0.6 m. A visit weighing at least
    the given share of the heaviest is kept all the same."""
    from spatialcode.encode.tracks import TrackAssociationConfig, TrackAssociator

    rng = np.random.default_rng(5)
    cabinet = rng.uniform([0.0, 0.0, 0.0], [0.6, 0.4, 0.8], (3000, 3))
    shifted = cabinet + [0.3, 0.0, 0.0]

    def length(later_frames: int = 6, **settings) -> float:
        config = TrackAssociationConfig(visit_min_fitness=0.9, **settings)
        associator = TrackAssociator(config)
        for frame in range(20):
            associator.update([(cabinet, "cabinet", 1.0, True)], t=frame * 0.1, frame=frame)
        for frame in range(20, 20 + later_frames):
            associator.update([(shifted, "cabinet", 1.0, True)], t=4.0 + frame * 0.1, frame=frame)
        [track] = associator.tracks
        assert len(track.visits) == 2
        box = track.box(config, 0.0)
        return max(box.size[:2])

    assert length() == pytest.approx(0.9, abs=0.03)
    assert length(unaligned_visit_share=0.5) == pytest.approx(0.6, abs=0.03)
    assert length(later_frames=12, unaligned_visit_share=0.5) == pytest.approx(0.9, abs=0.03)  # 12 ≥ half of 20
    assert length(unaligned_visit_share=0.5, align_visits=False) == pytest.approx(0.9, abs=0.03)
    with pytest.raises(ValidationError, match="unaligned_visit_share"):
        TrackAssociationConfig(unaligned_visit_share=1.5)


# -- a return visit the registration cannot place: displaced or another part? -------------------
_VIEW = Intrinsics(fx=100.0, fy=100.0, cx=79.5, cy=59.5, width=160, height=120)


def _looking_along_y(x: float, y: float, z: float, t: float = 0.0) -> CameraPose:
    """A level camera at (x, y, z) looking along +y (right is +x, down is −z)."""
    rotation = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    matrix = np.eye(4)
    matrix[:3, :3], matrix[:3, 3] = rotation, (x, y, z)
    return CameraPose.from_matrix(matrix, t)


def _square(x0: float, x1: float, y: float, z0: float, z1: float, step: float = 0.02) -> np.ndarray:
    """A vertical square of points (every ``step`` m) in the plane at ``y``."""
    xs, zs = np.meshgrid(np.arange(x0, x1 + 1e-9, step), np.arange(z0, z1 + 1e-9, step))
    return np.column_stack([xs.ravel(), np.full(xs.size, y), zs.ravel()])


def _wall_and_square(camera: CameraPose) -> DepthView:
    """What a camera 3 m before the 0.6 m square (x ±0.3, z 0.7–1.3, y = 0) sees: the square at
    3 m (u 69.5–89.5, v 49.5–69.5 of its 160 × 120 image at f = 100 px: cells 4–5 across and
    3–4 down at 16 px a cell), a wall at 5 m elsewhere."""
    depth = np.full((120, 160), 5.0)
    depth[50:70, 70:90] = 3.0
    return DepthView.of_frame(depth, camera, _VIEW, max_depth=10.0)


@pytest.mark.parametrize(("points", "share"), [
    (_square(-0.3, 0.3, -0.5, 0.7, 1.3), 1.0),  # 0.5 m in front of the square the camera saw: it looked through them
    (_square(-0.3, 0.3, 0.5, 0.7, 1.3), 0.0),   # behind the square: hidden by it
    (_square(-0.3, 0.3, 0.05, 0.7, 1.3), 0.0),  # on the square (within the 0.1 m margin)
    (_square(1.0, 1.6, 0.0, 0.7, 1.3), 1.0),    # beside it, 3 m away, where the camera saw the wall at 5 m
    (_square(1.0, 1.6, 2.5, 0.7, 1.3), 0.0),    # beside it, behind the wall
    (_square(-0.3, 0.3, 0.0, 3.0, 4.0), 0.0),   # above the image: never looked at
    (_square(-0.3, 0.3, -5.0, 0.7, 1.3), 0.0),  # behind the camera
    (np.vstack([_square(-0.3, 0.3, -0.5, 0.7, 1.3), _square(-0.3, 0.3, 0.5, 0.7, 1.3)]), 0.5),
])
def test_free_space_is_where_a_frame_saw_something_farther(points, share):
    from spatialcode.encode.visibility import free_space_share

    camera = _looking_along_y(0.0, -3.0, 1.0)
    view = _wall_and_square(camera)
    assert free_space_share(points, [view]) == pytest.approx(share, abs=0.02)
    aside = _wall_and_square(_looking_along_y(-4.0, -3.0, 1.0))  # 4 m to the left: none of these points in its image
    assert free_space_share(points, [aside]) == 0.0
    assert free_space_share(points, [view, aside]) == pytest.approx(share, abs=0.02)
    blind = DepthView.of_frame(np.zeros((120, 160)), camera, _VIEW, max_depth=10.0)  # no depth measured
    assert free_space_share(points, [blind]) == 0.0
    assert free_space_share(points, []) == 0.0


def test_the_free_space_mask_marks_each_point_the_share_counts():
    from spatialcode.encode.visibility import free_space_mask

    in_front, behind = _square(-0.3, 0.3, -0.5, 0.7, 1.3), _square(-0.3, 0.3, 0.5, 0.7, 1.3)
    view = _wall_and_square(_looking_along_y(0.0, -3.0, 1.0))
    mask = free_space_mask(np.vstack([in_front, behind]), [view])
    assert mask.tolist() == [True] * len(in_front) + [False] * len(behind)
    assert free_space_mask(in_front, []).tolist() == [False] * len(in_front)
    assert free_space_mask(np.empty((0, 3)), [view]).shape == (0,)


@pytest.mark.parametrize(("carve_margin", "nearest_y"), [(0.1, 0.0), (0.0, -0.3)])
def test_voxels_the_tracks_own_frames_saw_through_are_carved(carve_margin, nearest_y):
    """A square seen from 3 m in ten frames, and in an eleventh its copy 0.3 m nearer (depth
    displaced toward the camera) and 0.3 m farther (inside what the frames saw, hidden): the
    frames looked through the nearer copy, so it is carved; the one behind stays."""
    from spatialcode.encode.tracks import TrackAssociationConfig, TrackAssociator

    square = _square(-0.3, 0.3, 0.0, 0.7, 1.3)
    displaced = np.vstack([square, _square(-0.3, 0.3, -0.3, 0.7, 1.3), _square(-0.3, 0.3, 0.3, 0.7, 1.3)])
    associator = TrackAssociator(TrackAssociationConfig(carve_margin=carve_margin))
    views = {}
    for frame in range(11):
        associator.update([(displaced if frame == 10 else square, "cabinet", 1.0, True)], t=frame * 0.1, frame=frame)
        views[frame] = _wall_and_square(_looking_along_y(0.0, -3.0, 1.0, frame * 0.1))
    (track,) = associator.tracks
    wall_only = np.full((120, 160), 5.0)  # frames the track was not in (the square not yet there): not read
    views |= {frame: DepthView.of_frame(wall_only, _looking_along_y(0.0, -3.0, 1.0), _VIEW, max_depth=10.0)
              for frame in range(100, 130)}
    points = track.object_points(associator.config, depth_views=views)
    assert points[:, 1].min() == pytest.approx(nearest_y, abs=0.02)
    assert points[:, 1].max() == pytest.approx(0.3, abs=0.02)  # the copy behind the square is kept either way
    assert len(track.object_points(associator.config)) == len(track.object_points(replace(associator.config, carve_margin=0.0)))
    with pytest.raises(ValidationError, match="carve_margin"):
        TrackAssociationConfig(carve_margin=-0.1)


def test_a_track_all_in_free_space_is_not_carved_to_nothing():
    from spatialcode.encode.tracks import TrackAssociationConfig, TrackAssociator

    nearer = _square(-0.3, 0.3, -0.5, 0.7, 1.3)  # wholly in front of what every frame saw
    associator = TrackAssociator(TrackAssociationConfig(carve_margin=0.1))
    for frame in range(5):
        associator.update([(nearer, "cabinet", 1.0, True)], t=frame * 0.1, frame=frame)
    (track,) = associator.tracks
    views = {frame: _wall_and_square(_looking_along_y(0.0, -3.0, 1.0, frame * 0.1)) for frame in range(5)}
    assert len(track.object_points(associator.config, depth_views=views)) == len(track.cloud.points())


def test_a_wider_margin_asks_for_more_room_in_front_of_what_was_seen():
    """Beside the square, 3 m away, with the wall seen at 5 m: free up to a margin of 2 m."""
    from spatialcode.encode.visibility import free_space_share

    beside, view = _square(1.0, 1.6, 0.0, 0.7, 1.3), _wall_and_square(_looking_along_y(0.0, -3.0, 1.0))
    assert free_space_share(beside, [view], margin=1.9) == 1.0
    assert free_space_share(beside, [view], margin=2.1) == 0.0


def test_a_frames_depth_is_kept_as_the_nearest_measurement_of_each_cell():
    depth = np.full((20, 40), 4.0)  # 2 × 3 cells of 16 px, the last ones partly outside the image
    depth[3, 5] = 1.5
    depth[0:16, 16:32] = 0.0  # no measurement ...
    depth[2, 20] = np.nan
    depth[17, 17] = 12.0  # ... beyond max_depth
    depth[18, 18] = 2.0
    view = DepthView.of_frame(depth, _looking_along_y(0.0, 0.0, 0.0), _VIEW, max_depth=10.0)
    assert view.nearest.tolist() == [[1.5, 0.0, 4.0], [4.0, 2.0, 4.0]]
    wide = DepthView.of_frame(np.full((120, 4000), 2.0), view.pose, _VIEW, max_depth=10.0)  # cells of 63 px
    assert wide.cell == 63 and wide.nearest.shape == (2, 64)  # at most 64 cells a side: a frame's memory is bounded


def test_a_point_free_in_only_a_minority_of_the_views_measuring_it_is_not_free():
    """Points 0.5 m in front of the square for a camera before it are 0.5 m behind it for a camera
    behind it (looking along −y): free in one of two views counts (half), in one of three not."""
    from spatialcode.encode.visibility import free_space_share

    nearer = _square(-0.3, 0.3, -0.5, 0.7, 1.3)
    front = _wall_and_square(_looking_along_y(0.0, -3.0, 1.0))
    matrix = np.eye(4)
    matrix[:3, :3], matrix[:3, 3] = [[-1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, -1.0, 0.0]], (0.0, 3.0, 1.0)
    back = _wall_and_square(CameraPose.from_matrix(matrix, 0.0))
    assert free_space_share(nearer, [back]) == 0.0
    assert free_space_share(nearer, [front, back]) == 1.0
    assert free_space_share(nearer, [front, back, back]) == 0.0
    aside = _wall_and_square(_looking_along_y(-4.0, -3.0, 1.0))
    many = [aside] * 39 + [front]  # more than 32 views: an even spread that keeps the first and the last
    assert free_space_share(nearer, many) == 1.0


def test_the_frames_of_a_set_of_bits():
    from spatialcode.encode.tracks import frame_indices

    assert frame_indices(0b1011).tolist() == [0, 1, 3]
    assert frame_indices(0).tolist() == []
    assert frame_indices(1 << 300).tolist() == [300]


def test_a_visit_that_saw_another_part_is_kept_and_a_displaced_one_left_out():
    """A door 0.9 m wide, 2 m tall in the plane y = 0, seen for 20 frames from 1 m away at a
    height of 0.6 m: that camera's 120 px image (f = 100 px) spans z 0.005–1.195 m, so its frames
    fused the door's lower 1.2 m. Then, 4 s later, 6 frames of another visit that ICP cannot
    place (at most 36 % of its points within 10 cm of the first's):
    - the door's upper part (z 0.9–2 m): above the first camera's image, no evidence against
      it: kept with the free-space check, the box is 2 m tall (the light-visit rule,
      ``unaligned_visit_share``, cuts it to 1.2 m);
    - a copy of the lower part 0.25 m nearer the camera (drift): the first camera saw the door or
      the wall behind the 74 % of it that is in its image (z 0.15–1.05 m at 0.75 m depth), so at
      the default share of 0.5 it is left out and the box is the door's, a few cm deep, not
      0.25 m (at 0.8 it is kept)."""
    from spatialcode.encode.tracks import TrackAssociationConfig, TrackAssociator

    lower, upper = _square(0.0, 0.9, 0.0, 0.0, 1.2), _square(0.0, 0.9, 0.0, 0.9, 2.0)
    displaced = lower - [0.0, 0.25, 0.0]
    seen = np.full((120, 160), 3.0)  # the first camera's depth: the door at 1 m (u 34.5–124.5), a wall at 3 m
    seen[:, 35:125] = 1.0
    cameras = {frame: DepthView.of_frame(seen, _looking_along_y(0.45, -1.0, 0.6, frame * 0.1), _VIEW, 10.0)
               for frame in range(20)}

    def track_box(later: np.ndarray, depth_views: dict | None, **settings) -> Box3D:
        config = TrackAssociationConfig(**settings)
        associator = TrackAssociator(config)
        for frame in range(26):
            points = lower if frame < 20 else later
            associator.update([(points, "door", 1.0, True)], t=frame * 0.1 + 4.0 * (frame >= 20), frame=frame)
        associator.merge_duplicates()  # a visit too far from the first to join its track starts its own
        [track] = associator.tracks
        assert len(track.visits) == 2
        return track.box(config, 0.0, depth_views=depth_views)

    assert track_box(upper, cameras, free_space_check=True).size[2] == pytest.approx(2.0, abs=0.03)
    assert track_box(upper, cameras, unaligned_visit_share=0.5).size[2] == pytest.approx(1.2, abs=0.03)
    assert track_box(displaced, cameras, free_space_check=True).size[1] < 0.05
    kept = track_box(displaced, cameras, free_space_check=True, displaced_free_share=0.8)  # 74 % < 80 %
    assert kept.size[1] == pytest.approx(0.25, abs=0.02)
    assert track_box(displaced, None, free_space_check=True).size[1] == pytest.approx(0.25, abs=0.02)
    later_only = {frame: cameras[0] for frame in range(20, 26)}  # no depth kept for the first visit's frames
    assert track_box(displaced, later_only, free_space_check=True).size[1] == pytest.approx(0.25, abs=0.02)
    assert track_box(displaced, cameras).size[1] == pytest.approx(0.25, abs=0.02)  # off by default
    with pytest.raises(ValidationError, match="displaced_free_share"):
        TrackAssociationConfig(displaced_free_share=-0.1)



def test_the_encoder_leaves_out_a_drifted_return_its_first_frames_looked_through():
    """A static camera sees a cabinet front 2 m away (a wall at 3 m) for 10 frames, then, 5 s
    later, 3 frames put it 0.25 m nearer (drifted depth): ICP finds none of the return within
    10 cm. The first frames saw the cabinet at 2 m through every point of the return, so with the
    free-space check the box is the front's few cm deep, not 0.25 m; the frames' depth is kept
    only when the check is on."""
    from spatialcode.encode.tracks import TrackAssociationConfig

    cabinet = np.zeros((48, 64), bool)
    cabinet[16:32, 20:44] = True
    first, again = np.full((48, 64), 3.0), np.full((48, 64), 3.0)
    first[cabinet], again[cabinet] = 2.0, 1.75
    frames = _static_frames(10, first) + [replace(f, index=10 + k, t=14.0 + k) for k, f in enumerate(_static_frames(3, again))]
    masks = _Masks({i: [(cabinet, "cabinet")] for i in range(13)})
    depths = {}
    for check in (None, True):
        encoder = Encoder(EncoderConfig(tracks=TrackAssociationConfig(free_space_check=check)), masks)
        for frame in frames:
            encoder.update(frame)
        [cabinet_box] = [o.box for o in encoder.code().objects]
        depths[check] = cabinet_box.size[2]  # the camera looks along world +z
        assert len(encoder.depth_views) == (13 if check else 0)
    assert depths[None] == pytest.approx(0.25, abs=0.03) and depths[True] < 0.06


@pytest.mark.parametrize(("carve_margin", "depth"), [(None, 0.25), (0.0, 0.25), (0.1, 0.0)])
def test_the_encoder_carves_what_the_same_visits_frames_looked_through(carve_margin, depth):
    """The cabinet front 2 m away in 10 frames, then in 3 more of the same visit 0.25 m nearer
    (depth displaced toward the camera): ICP never runs (one visit) and the free-space check is
    off, so only the carve can tell — the 10 frames saw the cabinet at 2 m through the nearer
    points, so with a 10 cm margin the box is the front's few cm deep, not 0.25 m. The encoder
    keeps the frames' depth for the carve alone."""
    from spatialcode.encode.tracks import TrackAssociationConfig

    cabinet = np.zeros((48, 64), bool)
    cabinet[16:32, 20:44] = True
    seen, nearer = np.full((48, 64), 3.0), np.full((48, 64), 3.0)
    seen[cabinet], nearer[cabinet] = 2.0, 1.75
    frames = _static_frames(10, seen) + [replace(f, index=10 + k, t=10.0 + k) for k, f in enumerate(_static_frames(3, nearer))]
    encoder = Encoder(EncoderConfig(tracks=TrackAssociationConfig(carve_margin=carve_margin)),
                      _Masks({i: [(cabinet, "cabinet")] for i in range(13)}))
    for frame in frames:
        encoder.update(frame)
    [cabinet_box] = [o.box for o in encoder.code().objects]
    assert cabinet_box.size[2] == pytest.approx(depth, abs=0.06)  # the camera looks along world +z
    assert cabinet_box.center[2] == pytest.approx(2.0 - depth / 2, abs=0.04)
    assert len(encoder.depth_views) == (13 if carve_margin else 0)

# -- the metric scale from the furniture ------------------------------------------------------------
def _standing(i: int, label: str, height: float) -> SpatialObject:
    return SpatialObject(i, label, Box3D((i, 0.0, height / 2), (0.5, 0.5, height)))


def test_the_furniture_reads_the_weighted_median_of_the_reference_heights_shrunk_by_its_noise():
    """Door 1.95–2.10 (mid 2.025, weight (4.05/0.15)² = 729), chair 0.78–1.00 (mid 0.89, weight
    (1.78/0.22)² ≈ 65.5), toilet 0.70–0.82 (mid 0.76, weight (1.52/0.12)² ≈ 160.4)."""
    objects = [_standing(0, "door", 2.2275), _standing(1, "chair", 0.979), _standing(2, "toilet", 0.836),
               _standing(3, "table", 3.0), _standing(4, "door", 0.2)]  # a table is no reference; a 0.2 m door is dropped
    found = estimate_scale(objects, ScaleCalibrationConfig())
    assert [label for label, _, _ in found.references] == ["door", "chair", "toilet"]
    assert found.factor == pytest.approx(1.1) and found.cue("furniture") == pytest.approx(1.1)  # every ratio is 1.1
    weight = 0.1**2 / (0.1**2 + 0.17**2)  # ≈ 0.257
    assert found.correction == pytest.approx(1.1 ** weight) and found.cue("camera_height") is None
    mixed = [_standing(0, "door", 2.025 * 0.9), _standing(1, "chair", 0.89 * 1.3), _standing(2, "sofa", 0.8 * 1.3)]
    assert estimate_scale(mixed).factor == pytest.approx(0.9)  # the door outweighs chair + sofa (729 > 65.5 + 64)
    assert estimate_scale(objects[:2]).factor is None and estimate_scale(objects[:2]).correction == 1.0
    assert estimate_scale(objects, ScaleCalibrationConfig(furniture=False)).correction == 1.0
    assert weighted_median(np.array([3.0, 1.0, 2.0]), np.array([1.0, 1.0, 5.0])) == 2.0
    with pytest.raises(ValidationError, match="min_ratio"):
        ScaleCalibrationConfig(min_ratio=1.2)
    with pytest.raises(ValidationError, match="camera_height_prior"):
        ScaleCalibrationConfig(camera_height_prior=0.0)


def test_the_cameras_height_and_the_furniture_are_weighed_by_their_noise():
    """Hand-worked: a camera 1.408 m above the floor reads 1.408 / 1.28 = 1.1 (σ 0.11, precision
    82.6), the furniture 1.1 too (σ 0.17, precision 34.6), the depth's prior 1 (σ 0.10, precision
    100): log(correction) = (82.6 + 34.6) · log 1.1 / 217.2."""
    furniture = [_standing(0, "door", 2.2275), _standing(1, "chair", 0.979), _standing(2, "toilet", 0.836)]
    both = estimate_scale(furniture, ScaleCalibrationConfig(), camera_height=1.408)
    assert both.cue("camera_height") == pytest.approx(1.1) and both.factor == pytest.approx(1.1)
    precisions = 0.11**-2, 0.17**-2, 0.10**-2
    assert both.correction == pytest.approx(1.1 ** ((precisions[0] + precisions[1]) / sum(precisions)))  # ≈ 1.1^0.54
    alone = estimate_scale([], ScaleCalibrationConfig(), camera_height=1.408)
    assert [cue.name for cue in alone.cues] == ["camera_height"]
    assert alone.correction == pytest.approx(1.1 ** (0.10**2 / (0.10**2 + 0.11**2)))  # ≈ 1.1^0.45
    # the cues disagree: the combined reading lies between them, nearer the camera (the less noisy)
    split = estimate_scale(furniture, ScaleCalibrationConfig(), camera_height=1.28 * 0.9)
    assert 0.9 < split.factor < 1.0 < 1.1 and abs(math.log(split.factor / 0.9)) < abs(math.log(split.factor / 1.1))
    # a camera on a tripod at 0.5 m, or no floor, is no reading; nor when the cue is turned off
    assert estimate_scale([], ScaleCalibrationConfig(), camera_height=0.5).cues == ()
    assert estimate_scale([], ScaleCalibrationConfig(), camera_height=None).correction == 1.0
    assert estimate_scale([], ScaleCalibrationConfig(camera_height=False), camera_height=1.408).correction == 1.0


def test_the_cameras_height_is_its_median_above_the_floor():
    poses = [CameraPose(t=float(i), position=(float(i), 0.0, z), quaternion=(0.0, 0.0, 0.0, 1.0))
             for i, z in enumerate((1.4, 1.5, 2.9, 1.45, 0.2))]  # two outliers
    assert median_camera_height(poses, floor_z=0.1) == pytest.approx(1.35)
    assert median_camera_height(poses, floor_z=None) is None and median_camera_height([], 0.0) is None


def test_an_encoded_video_at_the_wrong_scale_is_brought_back_by_its_cameras_height(tmp_path):
    """A tiny room filmed at 1.28 m (the prior's height) with every depth and camera step scaled
    by s (the monocular preset's global scale fault): the encoder reads the cameras s × 1.28 m
    above the floor, and with the camera's height alone calibrates by s^0.452 (precision 82.6
    against the depth prior's 100); the cameras end up 1.28 · s^0.548 m above the floor."""
    import warnings

    from spatialcode.encode import FaultySource, RenderFolderSource, encode
    from spatialcode.synth import FaultConfig, RenderConfig, render_scene
    from spatialcode.synth.faults import depth_scale_factor
    from tests.fixtures import tiny_scene
    from tests.test_synth_render import TINY

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # time compression of the tiny frame budget
        render_scene(tiny_scene(), tmp_path, RenderConfig(path=replace(TINY, eye_height=1.28)), progress=False)
    faults, seed = FaultConfig(depth_scale=0.1), 3
    s = depth_scale_factor(faults, seed)
    assert abs(math.log(s)) > 0.05  # the seed gives a scale error worth correcting
    calibration = ScaleCalibrationConfig(enabled=True, furniture=False)
    code, _ = encode(FaultySource(RenderFolderSource(tmp_path, rgb=False), faults, seed), None,
                     EncoderConfig(calibration=calibration))
    measured = code.provenance.config["calibration_measured"]
    assert measured["camera_height"] == pytest.approx(1.28 * s, rel=0.02)
    assert measured["scale_correction"] == pytest.approx(s ** (0.11**-2 / (0.11**-2 + 0.10**-2)), rel=0.02)
    floor = min(o.box.center[2] - o.box.size[2] / 2 for o in code.objects)
    heights = [pose.position[2] - floor for pose in code.camera]
    assert float(np.median(heights)) == pytest.approx(1.28 * s ** (1 - 0.452), rel=0.03)


def test_a_scaled_code_keeps_its_shape():
    code = SpatialCode(
        objects=(SpatialObject(0, "chair", Box3D((1.0, 2.0, 0.45), (0.5, 0.6, 0.9), (0, 0, 0.3)), first_seen=1.0),),
        room=Room(polygon=((0, 0), (4, 0), (4, 3), (0, 3)), area=12.0, center=(2.0, 1.5, 1.25), height=2.5),
        camera=(CameraPose(t=0.0, position=(1.0, 1.0, 1.5), quaternion=(0.0, 0.0, 0.0, 1.0)),),
    )
    half = code.scaled(0.5)
    box = half.objects[0].box
    assert box.center == (0.5, 1.0, 0.225) and box.size == (0.25, 0.3, 0.45) and box.yaw == pytest.approx(0.3)
    assert half.room.polygon[2] == (2.0, 1.5) and half.room.area == 3.0 and half.room.height == 1.25
    assert half.camera[0].position == (0.5, 0.5, 0.75) and half.objects[0].first_seen == 1.0
    with pytest.raises(ValidationError):
        code.scaled(-1.0)
    assert math.isclose(code.scaled(2.0).scaled(0.5).objects[0].box.size[0], 0.5)


def test_the_defences_are_on_for_predicted_depth_and_settings_given_win():
    from spatialcode.encode.pipeline import monocular_defences
    from spatialcode.encode.tracks import TrackAssociationConfig

    def settings(config: EncoderConfig) -> tuple:
        return (config.calibration.enabled, config.edge_trim_px, config.min_detection_rate, config.min_label_share,
                config.min_size_ratio, config.tracks.smear_trim, config.tracks.min_hit_share,
                config.tracks.free_space_check, config.smear.enabled, config.tracks.view_extent_quantile,
                config.min_detected_seconds, config.tracks.carve_margin)

    on = monocular_defences(EncoderConfig(), predicted=True)
    assert settings(on) == (True, 3, 0.2, 0.5, 0.25, 0.05, 0.05, True, True, 0.9, 0.5, 0.05)
    assert settings(monocular_defences(EncoderConfig(), predicted=False)) == (False, 0, 0.0, 0.0, 0.0, 0.0, 0.0, False,
                                                                              False, 0.0, 0.0, 0.0)
    given = EncoderConfig(edge_trim_px=0, min_detection_rate=0.5, min_label_share=0.0, min_size_ratio=0.0,
                          calibration=ScaleCalibrationConfig(enabled=False), smear=SmearConfig(enabled=False),
                          tracks=TrackAssociationConfig(smear_trim=0.02, min_hit_share=0.0, free_space_check=False,
                                                        view_extent_quantile=0.5, carve_margin=0.0),
                          min_detected_seconds=0.0)
    assert settings(monocular_defences(given, predicted=True)) == (False, 0, 0.5, 0.0, 0.0, 0.02, 0.0, False, False, 0.5,
                                                                   0.0, 0.0)
    calibrated = EncoderConfig(calibration=ScaleCalibrationConfig(enabled=True))
    assert monocular_defences(calibrated, predicted=False).calibration.enabled is True  # asked for on a sensor's depth
    checked = EncoderConfig(tracks=TrackAssociationConfig(free_space_check=True), smear=SmearConfig(enabled=True))
    assert monocular_defences(checked, predicted=False).tracks.free_space_check is True  # asked for on a depth sensor's
    assert monocular_defences(checked, predicted=False).smear.enabled is True             # input
    # predicted depth is smooth in each frame: its boxes are trimmed whatever the noise estimate says
    assert on.tracks.trim(0.0) == 0.05 and EncoderConfig().tracks.trim(0.0) == 0.0
    assert on.tracks.trim(1.0) == 0.05 and EncoderConfig().tracks.trim(1.0) == pytest.approx(0.01)
