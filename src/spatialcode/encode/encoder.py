"""The geometric back end: frames + perception → a SpatialCode, streaming or for a whole video.

Per frame (:meth:`Encoder.update`): perception gives labelled instance masks; each mask's pixels
with depth are lifted into the world with the frame's pose (every ``pixel_stride``-th pixel),
each weighted by ``depth^-depth_weight_power`` (depth noise grows with distance: near views
count more); the track associator joins them to 3D tracks (:mod:`spatialcode.encode.tracks`); a sparse sample
of the pixels that belong to no object feeds a coarse background cloud for the floor and room.
Memory is bounded by the voxel grids, not by the number of frames.

:meth:`Encoder.code` returns the current SpatialCode at any time: duplicate tracks merged,
tracks seen fewer than ``min_observations`` times dropped, a gravity-aligned box per track
(turned to face the object's front, :mod:`spatialcode.encode.facing`, once the room is known;
with ``min_size_ratio``, objects whose box is implausibly small for their label dropped:
:func:`plausible_size`),
``first_seen`` = the first time its mask covered ``first_seen_fraction`` of the image (as the
renderer defines it), objects in first-appearance order, the floor found by RANSAC and the
room outline on it, and the camera trajectory; with ``calibration`` on (predicted depth), every
length scaled by the metric scale the camera's height above the floor and the furniture's
heights give (:mod:`spatialcode.encode.calibration`).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import shapely

from spatialcode.core.cpus import open3d_threads
from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.version import __version__
from spatialcode.encode.calibration import ScaleCalibrationConfig, estimate_scale, median_camera_height
from spatialcode.encode.facing import FacingConfig, orient_front
from spatialcode.encode.frames import Frame, FrameSource
from spatialcode.encode.lift import depth_noise_coefficient
from spatialcode.encode.mask_edges import clear_of_image_edges, trim_depth_edges
from spatialcode.encode.perception import GroundTruthPerception, Perception
from spatialcode.encode.room import Plane, find_floor, room_outline
from spatialcode.encode.smear import DepthConsistency, SmearConfig, smear_covariance
from spatialcode.encode.tracks import Track, TrackAssociationConfig, TrackAssociator, frame_indices
from spatialcode.encode.visibility import DepthView
from spatialcode.encode.voxels import VoxelCloud
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.camera import Intrinsics, PixelGrid, project_points
from spatialcode.scene import CameraPose, Provenance, Source, SpatialCode, SpatialObject
from spatialcode.tasks.typical_sizes import smallest_longest_sides
from spatialcode.tasks.vocabulary import canonical_category

PRODUCER = "encode-geometric"


@dataclass(frozen=True)
class EncoderConfig:
    """Settings of the geometric encoder (pixels, metres, seconds)."""

    pixel_stride: int = 2                   # lift every n-th pixel in both directions
    depth_weight_power: float = 4.0         # object points fused with weight (1 m / depth)^p: p = 4 weighs by the
                                            # inverse variance of depth noise growing as depth² (0: equal weights)
    max_depth: float = 10.0                 # ignore depth beyond this (m)
    first_seen_fraction: float = 200 / (640 * 480)  # mask share of the image for first_seen
    min_observations: int = 2               # frames a track needs to become an object ...
    min_detected_seconds: float | None = None  # ... and detections worth this much video (s; frames read a second ×
                                            # this; None: 0, or 0.5 for predicted depth in the encode pipeline: an
                                            # open-vocabulary detector's hallucinations coincide in a few frames)
    merge_every: int = 30                   # frames between duplicate merges while streaming
    background_every: int = 4               # background (floor/room) sample: every n-th lifted pixel
    floor_every: int = 150                  # frames between floor re-estimates while streaming
    noise_every: int = 10                   # frames between depth-noise estimates
    background_voxel: float = 0.05          # its grid (m)
    floor_band: float = 0.04                # floor points: within this of the floor plane (m)
    room_cell: float = 0.1                  # room outline grid (m)
    tracks: TrackAssociationConfig = field(default_factory=TrackAssociationConfig)  # detections → 3D tracks → boxes
    edge_trim_px: int | None = None         # drop mask pixels behind their own object's depth edges within this
                                            # (px; 0: off; None: 0, or 3 for predicted depth in the encode pipeline)
    min_detection_rate: float | None = None  # drop tracks detected in fewer than this share of the frames that
                                            # showed them (multi-view consistency; 0: off; None: 0, or 0.2 for
                                            # predicted depth in the encode pipeline)
    min_views: int = 10                     # ... once they were in view at least this often
    min_label_share: float | None = None    # drop tracks whose label has less than this share of their label votes
                                            # (scattered false detections; 0: off; None: 0, or 0.5 for predicted depth)
    min_size_ratio: float | None = None     # drop objects whose box's longest side is under this share of the
                                            # smallest longest side of their category in the synthetic catalogue
                                            # (tasks.typical_sizes; implausibly small false detections; labels it
                                            # lacks are kept; 0: off; None: 0, or 0.25 for predicted depth)
    facing: FacingConfig = field(default_factory=FacingConfig)  # boxes turned to face their object's front
    calibration: ScaleCalibrationConfig = field(default_factory=ScaleCalibrationConfig)  # metric scale of predicted depth
    smear: SmearConfig = field(default_factory=SmearConfig)  # box extents with predicted depth's frame-to-frame
                                            # spread taken out (encode.smear; None: off, on for predicted depth)
    open3d_threads: int = 1                 # Open3D's CPU threads while encoding (0: all): with more, its parallel sums
                                            # (ICP, normals) and RANSAC depend on scheduling and the same video can give
                                            # a different code — slightly, or visibly once pose refinement drifts apart

    def __post_init__(self) -> None:
        for name in ("pixel_stride", "min_observations", "merge_every", "background_every", "floor_every",
                     "noise_every", "min_views"):
            if int(getattr(self, name)) != getattr(self, name) or getattr(self, name) < 1:
                raise ValidationError(name, f"must be a whole number >= 1, got {getattr(self, name)}")
        if self.min_detected_seconds is not None and self.min_detected_seconds < 0:
            raise ValidationError("min_detected_seconds", f"must be >= 0, got {self.min_detected_seconds}")
        if self.depth_weight_power < 0:
            raise ValidationError("depth_weight_power", f"must be >= 0, got {self.depth_weight_power}")
        for name in ("max_depth", "first_seen_fraction", "background_voxel", "floor_band", "room_cell"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")
        if int(self.open3d_threads) != self.open3d_threads or self.open3d_threads < 0:
            raise ValidationError("open3d_threads", f"must be a whole number >= 0, got {self.open3d_threads}")
        if self.edge_trim_px is not None and (int(self.edge_trim_px) != self.edge_trim_px or self.edge_trim_px < 0):
            raise ValidationError("edge_trim_px", f"must be a whole number >= 0, got {self.edge_trim_px}")
        for name in ("min_detection_rate", "min_label_share", "min_size_ratio"):
            if getattr(self, name) is not None and not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(name, f"must be in [0, 1], got {getattr(self, name)}")


@dataclass
class StageTimes:
    """Seconds spent per stage of :meth:`Encoder.update` (perception, lift, associate, background)."""

    perception: float = 0.0
    lift: float = 0.0
    associate: float = 0.0
    background: float = 0.0
    frames: int = 0

    def per_frame_ms(self) -> dict[str, float]:
        """Milliseconds per frame of each stage."""
        n = max(self.frames, 1)
        return {k: 1000.0 * v / n for k, v in asdict(self).items() if k != "frames"}


class Encoder:
    """Streaming encoder: feed frames with :meth:`update`, read the code with :meth:`code`."""

    def __init__(self, config: EncoderConfig | None = None, perception: Perception | None = None) -> None:
        self.config = config or EncoderConfig()
        self.perception = perception or GroundTruthPerception()
        self.associator = TrackAssociator(self.config.tracks)
        self.background = VoxelCloud(self.config.background_voxel)
        self.camera: list[CameraPose] = []
        self.depth_views: dict[int, DepthView] = {}  # frame index → its camera and depth, coarsely (free space)
        self.consistency = DepthConsistency(self.config.smear)  # depth's spread between frames (smear correction)
        self.camera_at: dict[int, np.ndarray] = {}  # frame index → camera position (m), for the smear correction
        self.times = StageTimes()
        self._grid: PixelGrid | None = None
        self._floor: tuple[int, Plane | None] | None = None  # (frames seen when estimated, plane)
        self.frames_seen = 0
        self.depth_pixels = 0  # sampled pixels with usable depth, over all frames
        self._noise: list[float] = []  # the last depth-noise estimates (bounded)

    def _pixel_grid(self, frame: Frame) -> PixelGrid:
        if self._grid is None or self._grid.intrinsics != frame.intrinsics:
            self._grid = PixelGrid(frame.intrinsics, self.config.pixel_stride)
        return self._grid

    def update(self, frame: Frame) -> None:
        """Add one frame (it needs depth and a pose, from the frame or from perception)."""
        config, times = self.config, self.times
        start = time.perf_counter()
        seen = self.perception.perceive(frame)
        lifted_at = time.perf_counter()
        times.perception += lifted_at - start
        depth = seen.depth if seen.depth is not None else frame.depth
        pose = seen.pose if seen.pose is not None else frame.pose
        if depth is None:
            raise InputFileError(f"frame {frame.index} has no depth: the geometric encoder needs metric depth "
                                 "(for colour-only input, predict it: PredictedDepthSource, or depth_model in the encode pipeline)")
        if pose is None:
            raise InputFileError(f"frame {frame.index} has no camera pose: give poses or estimate them "
                                 "(EstimatedPoseSource, or poses='estimate' or 'features' in the encode pipeline)")
        grid = self._pixel_grid(frame)
        sampled = grid.sample(depth)
        valid = (sampled > 0) & (sampled <= config.max_depth)
        self.depth_pixels += int(np.count_nonzero(valid))
        if self.frames_seen % config.noise_every == 0 and (noise := depth_noise_coefficient(sampled)) is not None:
            self._noise = [*self._noise[-99:], noise]
        owner = np.full(sampled.shape, -1, dtype=np.int32)
        for k, det in enumerate(seen.detections):
            owner[grid.sample(det.mask)] = k
        if config.edge_trim_px:
            owner = trim_depth_edges(owner, sampled, -(-config.edge_trim_px // config.pixel_stride))
        rows, cols = np.nonzero(valid & (owner >= 0))
        points = grid.points(rows, cols, sampled, pose)
        who = owner[rows, cols]
        order = np.argsort(who, kind="stable")
        splits = np.cumsum(np.bincount(who, minlength=len(seen.detections)))[:-1]
        pieces = np.split(points[order], splits)
        if config.depth_weight_power > 0:
            weights = np.maximum(sampled[rows, cols], 0.1).astype(np.float64) ** -config.depth_weight_power
            weight_pieces = np.split(weights[order], splits)
        else:
            weight_pieces = [None] * len(pieces)
        threshold = config.first_seen_fraction * frame.intrinsics.width * frame.intrinsics.height
        detections = []
        for det, piece, piece_weights in zip(seen.detections, pieces, weight_pieces):
            if len(piece):
                pixels = int(np.count_nonzero(det.mask))
                whole = bool(config.tracks.view_extent_quantile) and clear_of_image_edges(det.mask)
                detections.append((piece, det.label, det.score * pixels, pixels >= threshold, piece_weights, whole))
        associated_at = time.perf_counter()
        times.lift += associated_at - lifted_at
        self.associator.update(detections, frame.t, frame.index, np.asarray(pose.position, dtype=float))
        if config.min_detection_rate and seen.detections:  # a frame the detector ran on
            self._count_views(depth, frame.intrinsics, pose)
        background_at = time.perf_counter()
        times.associate += background_at - associated_at
        every = config.background_every
        free = valid & (owner < 0)
        bg_rows, bg_cols = np.nonzero(free[::every, ::every])
        self.background.add(grid.points(bg_rows * every, bg_cols * every, sampled, pose))
        self.camera.append(CameraPose(t=frame.t, position=pose.position, quaternion=pose.quaternion))
        if config.smear.enabled:
            self.consistency.add(depth, frame.intrinsics, pose, frame.t)
            self.camera_at[frame.index] = np.asarray(pose.position, dtype=float)
        if config.tracks.free_space_check or config.tracks.carve_margin:  # only these read them
            self.depth_views[frame.index] = DepthView.of_frame(depth, self.camera[-1], frame.intrinsics, config.max_depth)
        self.frames_seen += 1
        if self.frames_seen % config.merge_every == 0:
            self.associator.merge_duplicates(self._floor_z(self._cached_floor()))
        times.background += time.perf_counter() - background_at
        times.frames += 1

    def _count_views(self, depth: np.ndarray, intrinsics: Intrinsics, pose: CameraPose) -> None:
        """Add a view to every track whose centre this frame shows unoccluded: in the image, in
        front of the camera within ``max_depth``, and the depth there not nearer than the centre
        by more than the track's half diagonal + 0.2 m."""
        tracks = [t for t in self.associator.tracks if np.isfinite(t.lo).all()]
        if not tracks:
            return
        centres = np.array([(t.lo + t.hi) / 2 for t in tracks])
        reach = np.array([np.linalg.norm(t.hi - t.lo) / 2 for t in tracks]) + 0.2
        uv, z = project_points(centres, intrinsics, pose)
        height, width = depth.shape
        inside = (z > 0.2) & (z <= self.config.max_depth) & np.isfinite(uv).all(axis=1)
        inside &= (uv[:, 0] >= 0) & (uv[:, 0] <= width - 1) & (uv[:, 1] >= 0) & (uv[:, 1] <= height - 1)
        for k in np.flatnonzero(inside):
            seen_depth = float(depth[int(round(uv[k, 1])), int(round(uv[k, 0]))])
            if seen_depth <= 0 or seen_depth >= z[k] - reach[k]:
                tracks[k].views += 1

    def _consistent(self, track: Track) -> bool:
        """Whether ``track`` was detected in at least ``min_detection_rate`` of the frames that
        showed it (always, before ``min_views`` such frames), and its label holds at least
        ``min_label_share`` of its votes."""
        rate = self.config.min_detection_rate or 0.0
        seen_enough = rate <= 0 or track.views < self.config.min_views or track.observations >= rate * track.views
        return seen_enough and track.label_share >= (self.config.min_label_share or 0.0)

    def _cached_floor(self) -> Plane | None:
        """The floor, re-estimated when ``floor_every`` frames have passed since the last time."""
        if self._floor is None or self.frames_seen - self._floor[0] >= self.config.floor_every:
            self._floor = (self.frames_seen, self.floor())
        return self._floor[1]

    @property
    def depth_spread(self) -> float:
        """One frame's relative depth spread measured so far (:class:`~spatialcode.encode.smear.DepthConsistency`;
        0 with the smear correction off or before a pair of frames was measured)."""
        return self.consistency.spread

    def _smear(self, track: Track, points: np.ndarray) -> np.ndarray | None:
        """The covariance (m²) by which the depth spread blurred ``track``'s ``points``, or ``None``
        (smear correction off, nothing measured, no points)."""
        if not self.config.smear.enabled or not self.depth_spread or not len(points):
            return None
        cameras = (self.camera_at[int(i)] for i in frame_indices(track.frame_bits) if int(i) in self.camera_at)
        return smear_covariance(np.median(points, axis=0), cameras, self.depth_spread, self.config.depth_weight_power)

    @property
    def depth_noise(self) -> float:
        """Median of the recent estimates of the depth noise coefficient ``a`` (σ = a·z², 1/m;
        :func:`~spatialcode.encode.lift.depth_noise_coefficient`), 0 before the first."""
        return float(np.median(self._noise)) if self._noise else 0.0

    def floor(self) -> Plane | None:
        """The floor plane of the background seen so far (``None`` before one is found)."""
        return find_floor(self.background.points())

    @staticmethod
    def _floor_z(floor: Plane | None) -> float | None:
        """Height (m) of a horizontal floor plane, else ``None``."""
        if floor is None or abs(floor.normal[2]) < 0.99:
            return None
        return -floor.offset / floor.normal[2]

    def frame_rate(self) -> float | None:
        """Frames read per second of video so far (``None`` before two frames at different times)."""
        if len(self.camera) > 1 and self.camera[-1].t > self.camera[0].t:
            return (len(self.camera) - 1) / (self.camera[-1].t - self.camera[0].t)
        return None

    def least_observations(self) -> int:
        """The detections a track needs to become an object: ``min_observations``, and at least
        ``min_detected_seconds`` times the frames read per second of video (rounded up)."""
        config, least, rate = self.config, self.config.min_observations, self.frame_rate()
        if config.min_detected_seconds and rate is not None:
            least = max(least, math.ceil(config.min_detected_seconds * rate - 1e-9))
        return least

    def code(self, source: Source | None = None) -> SpatialCode:
        """The spatial code of everything seen so far (see the module docstring)."""
        config = self.config
        floor = self.floor()
        floor_z = self._floor_z(floor)
        self.associator.merge_duplicates(floor_z)
        least = self.least_observations()
        tracks = [t for t in self.associator.tracks if t.observations >= least and self._consistent(t)]
        tracks.sort(key=lambda t: (t.first_seen if t.first_seen is not None else t.first_t, t.id))
        points = [track.object_points(config.tracks, self.depth_noise, self.depth_views) for track in tracks]
        boxes = [track.box(config.tracks, floor_z, self.depth_noise, cloud, smear=self._smear(track, cloud))
                 for track, cloud in zip(tracks, points)]
        if config.min_size_ratio:
            kept = [i for i, (track, box) in enumerate(zip(tracks, boxes))
                    if plausible_size(track.label, box, config.min_size_ratio)]
            tracks, points, boxes = ([items[i] for i in kept] for items in (tracks, points, boxes))
        room = None
        if floor is not None and floor_z is not None:
            background = self.background.points()
            on_floor = background[np.abs(floor.height(background)) <= config.floor_band]
            standing = [box for box in boxes if box.center[2] - box.size[2] / 2 <= floor_z + config.tracks.floor_snap]
            room = room_outline(on_floor, standing, config.room_cell)
        outline = shapely.Polygon(room.polygon) if room is not None and room.polygon is not None else None
        objects = []
        for index, (track, box, cloud) in enumerate(zip(tracks, boxes, points)):
            front = orient_front(box, track.label, cloud, outline, track.viewpoint, config.facing)
            first_seen = track.first_seen if track.first_seen is not None else track.first_t
            objects.append(SpatialObject(id=index, label=track.label, box=front.box, first_seen=first_seen,
                                         observations=track.observations, has_front=front.has_front,
                                         facing_confidence=front.confidence))
        fps = self.frame_rate()
        src = source or Source()
        provenance = Provenance.from_config(PRODUCER, asdict(config), __version__)
        if config.smear.enabled:  # what was measured, beside the settings (not in their hash)
            measured = {"depth_spread": self.depth_spread, "pairs": self.consistency.pairs}
            provenance = replace(provenance, config={**provenance.config, "smear_measured": measured})
        code = SpatialCode(
            objects=tuple(objects),
            room=room,
            camera=tuple(self.camera),
            source=Source(dataset=src.dataset, scene_name=src.scene_name, fps=src.fps or fps,
                          frame_count=src.frame_count or self.frames_seen),
            provenance=provenance,
        )
        if not config.calibration.enabled:
            return code
        camera_height = median_camera_height(self.camera, floor_z)
        scale = estimate_scale(code.objects, config.calibration, camera_height)
        measured = {"scale_estimate": scale.factor, "scale_correction": scale.correction,
                    "scale_references": len(scale.references), "camera_height": camera_height,
                    "cues": {cue.name: cue.factor for cue in scale.cues}}
        code = replace(code, provenance=replace(provenance, config={**provenance.config, "calibration_measured": measured}))
        return code.scaled(1.0 / scale.correction)


def plausible_size(label: str, box: Box3D, ratio: float) -> bool:
    """Whether ``box``'s longest side (m) is at least ``ratio`` times the smallest longest side the
    synthetic catalogue gives objects of ``label``'s category (true for a label it lacks)."""
    smallest = smallest_longest_sides().get(canonical_category(label) or "")
    return smallest is None or max(box.size) >= ratio * smallest


def encode(source: FrameSource, perception: Perception | None = None, config: EncoderConfig | None = None,
           progress: bool = False, scene: Source | None = None) -> tuple[SpatialCode, StageTimes]:
    """Encode every frame of ``source``; return the SpatialCode and the per-stage times. Open3D is
    held to ``config.open3d_threads`` meanwhile (one by default: the same frames give the same
    code). Raises :class:`InputFileError` when the source has no frames or no frame has usable depth."""
    from tqdm import tqdm

    encoder = Encoder(config, perception)
    with open3d_threads(encoder.config.open3d_threads):  # the source's pose refinement runs in this loop too
        for frame in tqdm(source, total=len(source), desc="encode", unit="frame", file=sys.stderr, disable=not progress):
            encoder.update(frame)
        if encoder.frames_seen == 0:
            raise InputFileError("the source yielded no frames")
        if encoder.depth_pixels == 0:
            raise InputFileError(f"no valid depth in any of the {encoder.frames_seen} frames (every depth value is 0, "
                                 f"NaN, negative or beyond {encoder.config.max_depth:g} m): check the depth files and "
                                 "their units")
        return encoder.code(scene), encoder.times
