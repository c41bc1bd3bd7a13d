"""Associate per-frame detections into 3D object tracks, and merge duplicate tracks.

Each track fuses its points into a fine voxel cloud (for the box) and keeps the set of coarse
"association" voxels it occupies. A detection's lifted points are compared with every track
near it: the score is the share of the detection's association voxels the track already holds,
down-weighted when the labels differ (a detector may confuse similar categories). Detections and
tracks are paired by the Hungarian method (scipy); a detection no track claims with at least
``min_overlap`` starts a new track. Tracks are never dropped, so an object seen again when the
camera returns re-joins its track instead of being counted twice.

Each track also keeps its *visits* — runs of detections less than ``visit_gap`` apart — as
separate clouds; before a box is fitted they are registered onto each other (ICP), so that a
camera whose reported poses drifted between two returns to an object does not smear it. A visit
ICP cannot place may be left out: when it weighs little (``unaligned_visit_share``), or when the
heavier visits' frames looked through it (``free_space_check``, :mod:`spatialcode.encode.visibility`:
drift or depth warp displaced it, where a visit that saw another part of the object is kept).

Fragments of one object seen from views that do not overlap become separate tracks; the merge
step (run periodically while streaming and before output) joins two tracks that were (almost)
never detected in the same frame — one frame's instance masks are distinct objects, so two
tracks detected side by side in more than ``max_codetection_share`` of the frames of the less
seen one are two objects; below that share the shared frames are a spurious detection's — and
that lie in one place: of the same label, boxes that overlap or lie within ``merge_gap`` of each
other; of different labels (a detector confusing similar categories, e.g. table and desk), boxes
of one object's extent: a 3D IoU of at least ``other_label_iou`` (a small object inside a large
one — a pillow on a bed, a table inside a door smeared by drifting depth — is not the same
object). The merged track's label is the one with the most votes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from scipy.optimize import linear_sum_assignment

from spatialcode.core.errors import ValidationError
from spatialcode.encode.boxfit import fit_box, limit_to_view_extents, remove_outliers, sides_told_by_views
from spatialcode.encode.visibility import DepthView, free_space_mask, free_space_share
from spatialcode.encode.voxels import VoxelCloud, column_bounds, sorted_overlap, voxel_keys
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.distance import box_distance
from spatialcode.geometry.iou import box_iou_3d

DepthViews = Mapping[int, DepthView]  # frame index → its camera and what its depth showed


@dataclass(frozen=True)
class TrackAssociationConfig:
    """Settings of :class:`TrackAssociator` (metres, fractions): how detections join tracks, how a
    track fuses its points and visits, when duplicates merge, and how its box is fitted."""

    voxel_size: float = 0.03            # fine grid of the fused points
    assoc_voxel_size: float = 0.10      # coarse grid for association
    min_overlap: float = 0.3            # share of a detection's coarse voxels a track must hold
    other_label_weight: float = 0.8     # score factor when the labels differ
    merge_gap: float = 0.3              # merge same-label tracks this close (m) ...
    max_codetection_share: float = 0.1  # ... detected in the same frame in at most this share of the less seen one's
    other_label_iou: float = 0.4        # merge tracks of different labels whose boxes overlap by this 3D IoU (> 1: never)
    cluster_eps: float = 0.08           # outlier removal before box fitting: DBSCAN radius (m)
    cluster_min_share: float = 0.02     # ... and the least size of a kept cluster (share of the largest)
    floor_snap: float = 0.1             # extend a box bottom this close to the floor down to it
    min_thickness: float = 0.03         # thinner sides grow to this, away from the camera (m)
    min_weight_share: float = 0.03      # box from voxels with at least this share of the median voxel weight,
    noisy_weight_share: float = 0.3     # ... rising linearly to this share as the depth noise coefficient a
    noisy_depth: float = 0.0025         # (σ = a·z²) reaches this (1/m): noisy voxels are thrown out harder
    extent_trim: float = 0.01           # and box extents leave out up to this share of the points at each end
    smear_trim: float | None = None     # ... and, on the floor-plane axes, at least this share, however smooth each
                                        # frame's depth (predicted depth's frame-to-frame inconsistency smears the
                                        # fused cloud along the near-horizontal rays; None: 0, or 0.05 for
                                        # predicted depth in the encode pipeline)
    min_hit_share: float | None = None  # box from voxels that at least this share of the track's detections reached
                                        # (a near false detection fused once outweighs a far surface seen often;
                                        # None: 0, or 0.05 for predicted depth in the encode pipeline)
    visit_gap: float = 2.0              # a detection this long (s) after the last one starts a new visit
    max_visits: int = 8                 # visits kept apart per track (the lightest are folded together)
    align_visits: bool = True           # register the visits onto the heaviest before the box (drift)
    visit_icp_distance: float = 0.1     # ... ICP correspondence distance (m)
    visit_min_fitness: float = 0.5      # ... least share of a visit's points with a correspondence
    visit_max_shift: float = 0.25       # ... largest accepted shift (m)
    unaligned_visit_share: float = 0.0  # a visit ICP could not register is left out unless it weighs at least this
                                        # share of the heaviest (drift or warp put it elsewhere — or it saw another
                                        # part of the object: off by default, BENCHMARKS.md issue 26)
    free_space_check: bool | None = None  # ... or if the heavier visits' frames looked through it (encode.visibility;
                                        # None: off, or on for predicted depth in the encode pipeline): if at least
    displaced_free_share: float = 0.5   # ... this share of its points lie in their free space, a point being in it
    free_space_margin: float = 0.1      # ... when this much (m) nearer than what a frame's depth showed there
    carve_margin: float | None = None   # carve off a box's voxels in the free space of the track's own frames, with
                                        # this margin (m; None: off, or 0.05 for predicted depth in the encode
                                        # pipeline): depth displaced toward the camera leaves light voxels in front
                                        # of a surface that pull the box's near face out
    view_extent_quantile: float | None = None  # sides and heights no longer than this quantile of those single
                                        # whole views give (frames misregistered by drift or warp spread the fused
                                        # cloud; None: off, or 0.9 for predicted depth in the encode pipeline) ...
    min_whole_views: int = 5            # ... given this many views of the whole object (its mask clear of the image's
                                        # edges) spanning at least half of the side
    view_sample: int = 64               # points kept of each whole view
    max_whole_views: int = 64           # whole views kept per track (every other one dropped when full)

    def __post_init__(self) -> None:
        for name in ("voxel_size", "assoc_voxel_size", "cluster_eps", "noisy_depth", "visit_gap", "visit_icp_distance",
                     "visit_max_shift", "free_space_margin"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")
        for name in ("merge_gap", "min_thickness", "other_label_iou", "carve_margin"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise ValidationError(name, f"must be >= 0, got {getattr(self, name)}")
        for name in ("max_visits", "min_whole_views", "view_sample", "max_whole_views"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValidationError(name, f"must be a whole number >= 1, got {value}")
        for name in ("extent_trim", "smear_trim"):
            if getattr(self, name) is not None and not 0.0 <= getattr(self, name) < 0.5:
                raise ValidationError(name, f"must be in [0, 0.5), got {getattr(self, name)}")
        for name in ("min_overlap", "other_label_weight", "max_codetection_share", "cluster_min_share", "min_weight_share",
                     "noisy_weight_share", "min_hit_share", "visit_min_fitness", "unaligned_visit_share", "displaced_free_share",
                     "view_extent_quantile"):
            if getattr(self, name) is not None and not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(name, f"must be in [0, 1], got {getattr(self, name)}")

    def weight_share(self, depth_noise: float) -> float:
        """Share of the median voxel weight a voxel needs to count in a box, for depth noise
        coefficient ``depth_noise`` (1/m): ``min_weight_share`` for exact depth, rising linearly to
        ``noisy_weight_share`` at ``noisy_depth`` and beyond."""
        return self.min_weight_share + self._noisiness(depth_noise) * (self.noisy_weight_share - self.min_weight_share)

    def trim(self, depth_noise: float) -> float:
        """Share of the points left out at each end of a box's floor-plane axes for depth noise
        coefficient ``depth_noise`` (1/m): :meth:`height_trim`, and at least ``smear_trim``."""
        return max(self.height_trim(depth_noise), self.smear_trim or 0.0)

    def height_trim(self, depth_noise: float) -> float:
        """Share of the points left out at each end of a box's vertical axis for depth noise
        coefficient ``depth_noise`` (1/m): none for exact depth (its extreme points are the
        object's), rising linearly to ``extent_trim`` at ``noisy_depth`` (a noisy or drifting
        cloud's overstate it). ``smear_trim`` is not applied: a video's rays are near horizontal,
        so depth that is inconsistent from frame to frame smears the cloud across the floor plane,
        and trimming heights by it cut the tops off doors, shelves and chair backs (BENCHMARKS.md,
        issue 26, sixth pass)."""
        return self._noisiness(depth_noise) * self.extent_trim

    def _noisiness(self, depth_noise: float) -> float:
        """``depth_noise`` / ``noisy_depth``, clipped to [0, 1]."""
        return min(max(depth_noise / self.noisy_depth, 0.0), 1.0)


def frame_indices(frame_bits: int) -> np.ndarray:
    """The frame indices (ascending) whose bits are set in ``frame_bits`` (bit i: frame i)."""
    data = frame_bits.to_bytes(-(-frame_bits.bit_length() // 8) or 1, "little")
    return np.flatnonzero(np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little"))


def frame_views(frame_bits: int, depth_views: DepthViews) -> list[DepthView]:
    """The ``depth_views`` of the frames whose bits are set in ``frame_bits`` (those it holds)."""
    return [depth_views[int(i)] for i in frame_indices(frame_bits) if int(i) in depth_views]


@dataclass(eq=False)
class Visit:
    """One run of a track's detections less than ``visit_gap`` apart: their fused points
    (``cloud``) and the frames they came from (``frame_bits``: bit i set for frame index i)."""

    cloud: VoxelCloud
    frame_bits: int = 0

    @property
    def weight(self) -> float:
        """The total fusion weight of the visit's points."""
        return float(self.cloud.weights.sum())


@dataclass
class Track:
    """One object being built: its points fused per *visit* into fine voxel clouds of edge
    ``voxel_size`` (m; ``cloud`` is their union), coarse association ``keys``
    (sorted), weighted ``label_votes``, ``first_t`` (s, first detection), ``first_seen`` (s, first
    detection at least as large as the first-seen threshold, or ``None``), ``observations``
    (detections it fused), the frames it was detected in (``frame_bits``: bit i set for frame
    index i — an eighth of a byte per frame of video), and its axis-aligned bounds ``lo``/``hi``
    (m)."""

    id: int
    voxel_size: float
    keys: np.ndarray
    label_votes: Counter = field(default_factory=Counter)
    first_t: float = 0.0
    first_seen: float | None = None
    observations: int = 0
    frame_bits: int = 0
    lo: np.ndarray = field(default_factory=lambda: np.full(3, np.inf))
    hi: np.ndarray = field(default_factory=lambda: np.full(3, -np.inf))
    view_sum: np.ndarray = field(default_factory=lambda: np.zeros(3))
    view_count: int = 0
    views: int = 0  # frames the detector ran on that showed its centre unoccluded (multi-view consistency)
    visits: list[Visit] = field(default_factory=list)
    last_t: float = -np.inf
    whole_views: list[np.ndarray] = field(default_factory=list)  # a sample of each whole view's points (m)

    @property
    def cloud(self) -> VoxelCloud:
        """All the fused points: the union of the visits."""
        union = VoxelCloud(self.voxel_size)
        for visit in self.visits:
            union.absorb(visit.cloud)
        return union

    @property
    def viewpoint(self) -> np.ndarray | None:
        """Mean camera position (m) of the detections that gave a camera position, or ``None``."""
        return self.view_sum / self.view_count if self.view_count else None

    @property
    def label(self) -> str:
        """The label with the most votes (ties: alphabetical)."""
        return min(self.label_votes, key=lambda name: (-self.label_votes[name], name))

    @property
    def label_share(self) -> float:
        """The share (0–1) of the vote weight that went to :attr:`label` (1 before any vote)."""
        total = sum(self.label_votes.values())
        return self.label_votes[self.label] / total if total > 0 else 1.0

    @property
    def frames_detected(self) -> int:
        """The number of frames the track was detected in."""
        return self.frame_bits.bit_count()

    def add(self, points: np.ndarray, keys: np.ndarray, label: str, weight: float, t: float, large: bool,
            frame: int, bounds: tuple[np.ndarray, np.ndarray], viewpoint: np.ndarray | None = None,
            point_weights: np.ndarray | None = None, config: TrackAssociationConfig | None = None,
            whole: bool = False) -> None:
        """Fuse one detection: its points (N, 3) with their fusion ``point_weights`` (N,; default
        1), coarse keys, label with vote ``weight``, time ``t`` (s), whether it passed the
        first-seen size threshold, its frame index, the points' (min, max) corners (m) and the
        camera position it was seen from (m). The points go to the current *visit* (a run of
        detections less than ``config.visit_gap`` apart; see :meth:`fused_cloud`); with
        ``config.view_extent_quantile`` set, a sample of them is kept when the detection showed
        the ``whole`` object."""
        config = config or TrackAssociationConfig()
        if whole and config.view_extent_quantile:
            sample = points[np.linspace(0, len(points) - 1, min(len(points), config.view_sample)).astype(int)]
            self.whole_views = bounded_views([*self.whole_views, np.asarray(sample, dtype=np.float32)],
                                             config.max_whole_views)
        if not self.visits or t - self.last_t > config.visit_gap:
            if len(self.visits) >= config.max_visits:
                self._fold_lightest_visit()
            self.visits.append(Visit(VoxelCloud(self.voxel_size)))
        self.visits[-1].cloud.add(points, point_weights)
        self.visits[-1].frame_bits |= 1 << frame
        self.last_t = t
        self.keys = np.union1d(self.keys, keys)
        self.label_votes[label] += weight
        self.first_t = min(self.first_t, t) if self.observations else t
        if large:
            self.first_seen = t if self.first_seen is None else min(self.first_seen, t)
        self.observations += 1
        self.frame_bits |= 1 << frame
        self.lo = np.minimum(self.lo, bounds[0])
        self.hi = np.maximum(self.hi, bounds[1])
        if viewpoint is not None:
            self.view_sum = self.view_sum + viewpoint
            self.view_count += 1

    def absorb(self, other: Track, config: TrackAssociationConfig | None = None) -> None:
        """Merge ``other`` into this track (whole views kept up to ``config.max_whole_views``)."""
        config = config or TrackAssociationConfig()
        self.keys = np.union1d(self.keys, other.keys)
        self.label_votes.update(other.label_votes)
        self.first_t = min(self.first_t, other.first_t)
        times = [t for t in (self.first_seen, other.first_seen) if t is not None]
        self.first_seen = min(times) if times else None
        self.observations += other.observations
        self.frame_bits |= other.frame_bits
        self.lo, self.hi = np.minimum(self.lo, other.lo), np.maximum(self.hi, other.hi)
        self.view_sum = self.view_sum + other.view_sum
        self.view_count += other.view_count
        self.views = max(self.views, other.views)  # the same frames showed both
        self.visits += other.visits
        self.last_t = max(self.last_t, other.last_t)
        self.whole_views = bounded_views(self.whole_views + other.whole_views, config.max_whole_views)

    def _fold_lightest_visit(self) -> None:
        """Fold the visit of least total weight into the next lightest (memory stays bounded)."""
        order = np.argsort([visit.weight for visit in self.visits])
        lightest, next_lightest = self.visits[order[0]], self.visits[order[1]]
        next_lightest.cloud.absorb(lightest.cloud)
        next_lightest.frame_bits |= lightest.frame_bits
        self.visits.remove(lightest)

    def fused_cloud(self, config: TrackAssociationConfig, depth_views: DepthViews | None = None) -> VoxelCloud:
        """The fused points: the visits, each registered onto the union of the heavier ones by
        Open3D's point-to-point ICP (``align_visits``; a drifting pose shifts what each return
        of the camera sees) when the registration finds ``visit_min_fitness`` of the visit within
        ``visit_icp_distance`` and moves it at most ``visit_max_shift``. A visit it cannot place is
        left out when it weighs less than ``unaligned_visit_share`` of the heaviest, or (with
        ``free_space_check``) when at least ``displaced_free_share`` of its points lie in the free
        space of the heavier visits' frames (:func:`~spatialcode.encode.visibility.free_space_share`;
        ``depth_views`` maps a frame index to its :class:`~spatialcode.encode.visibility.DepthView`;
        frames it lacks are not checked)."""
        if not config.align_visits or len(self.visits) < 2:
            return self.cloud
        import open3d as o3d

        visits = sorted(self.visits, key=lambda v: -v.weight)
        merged = VoxelCloud(self.voxel_size)
        merged.absorb(visits[0].cloud)
        merged_frames = visits[0].frame_bits
        least_unaligned = config.unaligned_visit_share * visits[0].weight
        registration = o3d.pipelines.registration
        for visit in visits[1:]:
            cloud = visit.cloud
            kept = cloud.weights > 0
            points, weights, hits = cloud.points(), cloud.weights[kept], cloud.hits[kept]
            target = merged.points()
            aligned = False
            if len(points) >= 10 and len(target) >= 10:
                result = registration.registration_icp(
                    o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points)),
                    o3d.geometry.PointCloud(o3d.utility.Vector3dVector(target)),
                    config.visit_icp_distance, np.eye(4), registration.TransformationEstimationPointToPoint())
                step = np.asarray(result.transformation)
                if result.fitness >= config.visit_min_fitness and np.linalg.norm(step[:3, 3]) <= config.visit_max_shift:
                    points, aligned = points @ step[:3, :3].T + step[:3, 3], True
            if not aligned and (visit.weight < least_unaligned
                                or self._displaced(points, merged_frames, config, depth_views)):
                continue
            merged.add(points, weights, hits)
            merged_frames |= visit.frame_bits
        return merged

    @staticmethod
    def _displaced(points: np.ndarray, frame_bits: int, config: TrackAssociationConfig,
                   depth_views: DepthViews | None) -> bool:
        """Whether at least ``displaced_free_share`` of ``points`` lie in the free space of the
        frames ``frame_bits`` (False when the check is off or without depth views)."""
        if not config.free_space_check or not depth_views:
            return False
        views = frame_views(frame_bits, depth_views)
        share = free_space_share(points, views, config.free_space_margin)
        return bool(views) and share >= config.displaced_free_share

    def object_points(self, config: TrackAssociationConfig, depth_noise: float = 0.0,
                      depth_views: DepthViews | None = None) -> np.ndarray:
        """The points (N, 3), metres, a box is fitted to: the fused voxels holding at least a share
        (:meth:`TrackAssociationConfig.weight_share` for the ``depth_noise`` coefficient) of the
        median voxel weight and reached by at least ``min_hit_share`` of the track's detections,
        less those in the free space of the track's own frames (``carve_margin`` set and > 0, with
        ``depth_views``: :func:`~spatialcode.encode.visibility.free_space_mask`; unless that would
        carve all of them), after outlier removal (``depth_views``: see :meth:`fused_cloud`)."""
        cloud = self.fused_cloud(config, depth_views)
        weights = cloud.weights
        floor = config.weight_share(depth_noise) * float(np.median(weights)) if len(weights) else 0.0
        points = cloud.points(floor, (config.min_hit_share or 0.0) * self.observations)
        if not len(points):  # no voxel reached often enough (a track of scattered detections): keep them all
            points = cloud.points(floor)
        if config.carve_margin and depth_views:
            carved = free_space_mask(points, frame_views(self.frame_bits, depth_views), config.carve_margin)
            if not carved.all():
                points = points[~carved]
        return remove_outliers(points, config.cluster_eps, config.cluster_min_share)

    def box(self, config: TrackAssociationConfig, floor_z: float | None, depth_noise: float = 0.0,
            points: np.ndarray | None = None, depth_views: DepthViews | None = None,
            smear: np.ndarray | None = None) -> Box3D:
        """The gravity-aligned box of :meth:`object_points` (of ``depth_views``; or of ``points``
        already computed by it), its extents trimmed by :meth:`TrackAssociationConfig.trim` and
        its height by :meth:`TrackAssociationConfig.height_trim`, and the ``smear`` covariance
        (m²) of predicted depth taken out of them (:func:`~spatialcode.encode.boxfit.fit_box`)
        except out of the sides and heights the whole views bound (``view_extent_quantile``: one
        frame's points are free of the frame-to-frame blur, so the views' bound already takes it
        out of those)."""
        if points is None:
            points = self.object_points(config, depth_noise, depth_views)
        fit = partial(fit_box, points, floor_z, config.floor_snap, viewpoint=self.viewpoint,
                      min_thickness=config.min_thickness, trim=config.trim(depth_noise),
                      height_trim=config.height_trim(depth_noise))
        if smear is not None and config.view_extent_quantile:
            blurred = fit()
            unblurred = sides_told_by_views(blurred, self.whole_views, config.min_whole_views)
            box = blurred if all(unblurred) else fit(smear=smear, unblurred_sides=unblurred)
        else:
            box = fit(smear=smear)
        if config.view_extent_quantile:
            box = limit_to_view_extents(box, self.whole_views, config.view_extent_quantile, config.min_thickness,
                                        min_views=config.min_whole_views, floor_z=floor_z)
        return box


def bounded_views(views: list[np.ndarray], most: int) -> list[np.ndarray]:
    """``views`` with every other one dropped (the last kept) until at most ``most`` are left:
    what is kept stays spread over the video."""
    while len(views) > most:
        views = views[(len(views) - 1) % 2::2]
    return views


class TrackAssociator:
    """Detections in, tracks out (see the module docstring)."""

    def __init__(self, config: TrackAssociationConfig | None = None) -> None:
        self.config = config or TrackAssociationConfig()
        self.tracks: list[Track] = []
        self._next_id = 0

    def update(self, detections: list[tuple], t: float, frame: int, viewpoint: np.ndarray | None = None) -> list[int]:
        """Associate the detections of frame ``frame`` at time ``t`` (s) — (world points (N, 3),
        label, vote weight, passed the first-seen threshold[, fusion weight per point (N,) or
        ``None``[, showed the whole object]]),
        seen from camera position ``viewpoint`` (m) — and return the track id each joined (new or
        existing)."""
        config = self.config
        keys = [np.unique(voxel_keys(points, config.assoc_voxel_size)) for points, *_ in detections]
        bounds = [column_bounds(points) for points, *_ in detections]
        scores = np.zeros((len(detections), len(self.tracks)))
        margin = config.assoc_voxel_size
        for i, ((_, label, *_), k, (lo, hi)) in enumerate(zip(detections, keys, bounds)):
            lo, hi = lo - margin, hi + margin
            for j, track in enumerate(self.tracks):
                if (track.hi < lo).any() or (track.lo > hi).any():
                    continue
                share = sorted_overlap(k, track.keys) / len(k)
                scores[i, j] = share if track.label == label else share * config.other_label_weight
        assigned: dict[int, int] = {}
        if self.tracks and detections:
            rows, cols = linear_sum_assignment(-scores)
            assigned = {int(r): int(c) for r, c in zip(rows, cols) if scores[r, c] >= config.min_overlap}
        joined = []
        for i, ((points, label, weight, large, *rest), k) in enumerate(zip(detections, keys)):
            if i in assigned:
                track = self.tracks[assigned[i]]
            else:
                track = Track(id=self._next_id, voxel_size=config.voxel_size, keys=np.empty(0, np.int64))
                self._next_id += 1
                self.tracks.append(track)
            point_weights, whole = (rest + [None, False])[:2]
            track.add(points, k, label, weight, t, large, frame, bounds[i], viewpoint, point_weights, config, bool(whole))
            joined.append(track.id)
        return joined

    def merge_duplicates(self, floor_z: float | None = None) -> int:
        """Merge duplicate tracks (see the module docstring), repeatedly; return how many merges
        were made. The boxes compared are fitted without outlier removal (cheap); only tracks
        whose bounds come within ``merge_gap`` are compared."""
        boxes: dict[int, Box3D] = {}
        merges = 0
        while (pair := self._first_duplicate(boxes, floor_z)) is not None:
            keep, drop = pair
            keep.absorb(drop, self.config)
            boxes.pop(keep.id, None)
            self.tracks.remove(drop)
            merges += 1
        return merges

    def _first_duplicate(self, boxes: dict[int, Box3D], floor_z: float | None) -> tuple[Track, Track] | None:
        """(kept, dropped) of the first pair of duplicate tracks (the one with more observations
        is kept), or ``None``; ``boxes`` caches the fitted box per track id."""
        config = self.config

        def box(track: Track) -> Box3D:
            if track.id not in boxes:
                boxes[track.id] = fit_box(track.cloud.points(), floor_z, config.floor_snap)
            return boxes[track.id]

        gap = config.merge_gap
        for a, ta in enumerate(self.tracks):
            for tb in self.tracks[a + 1:]:
                if (ta.hi + gap < tb.lo).any() or (tb.hi + gap < ta.lo).any() or self._two_objects(ta, tb):
                    continue
                if ta.label == tb.label:
                    duplicate = box_distance(box(ta), box(tb)) <= gap
                else:
                    duplicate = box_iou_3d(box(ta), box(tb)) >= config.other_label_iou
                if duplicate:
                    return (ta, tb) if ta.observations >= tb.observations else (tb, ta)
        return None

    def _two_objects(self, a: Track, b: Track) -> bool:
        """Whether ``a`` and ``b`` were detected side by side in more than ``max_codetection_share``
        of the frames of the less often detected one (one frame's masks are distinct objects)."""
        shared = (a.frame_bits & b.frame_bits).bit_count()
        return shared > self.config.max_codetection_share * min(a.frames_detected, b.frames_detected)
