"""Sensor and perception faults applied to rendered outputs (never to the ground-truth scene).

All faults are off by default and deterministic: every random draw comes from a generator
seeded by ``(seed, frame index, fault kind)``, so a frame's faults do not depend on the others.

- depth noise: Gaussian with σ = ``depth_noise`` · z² (metres; z in metres);
- missing depth: each valid pixel dropped with probability ``depth_dropout``, and pixels whose
  surface is seen at more than ``grazing_angle_deg`` from its normal made invalid (0);
- mask erosion: a band of ``mask_erosion`` pixels removed along every instance's edge;
- missed detections: each instance visible in a frame loses its whole mask with probability
  ``missed_detection``;
- label confusion: each instance visible in a frame is reported under a similar category with
  probability ``label_confusion`` (:data:`CONFUSABLE_LABELS`, or ``confusable`` when given);
- pose drift: a random walk added to the reported camera poses: translation with standard
  deviation ``pose_drift`` m per √s per axis, rotation ``pose_drift_deg`` degrees per √s.

The faults of *monocular* perception (a depth model and an open-vocabulary detector on RGB
alone; the ``monocular`` preset, see :data:`FAULT_PRESETS` for its strengths and sources):

- depth scale: every depth of the video multiplied by one factor exp(N(0, ``depth_scale``²)),
  drawn once per video (seed) — a metric depth model's global scale error — and the reported
  camera positions too (odometry on that depth measures motion at the same scale), so the whole
  reconstruction is the world scaled about its origin;
- depth warp: every depth multiplied by 1 + ``depth_warp`` · w(u, v), w a smooth field in
  [-1, 1] (a 3 × 4 grid of uniform draws, bicubically upsampled), drawn anew every
  ``warp_frames`` frames — its low-frequency distortion;
- mask bleed: every instance's mask grown by ``mask_bleed`` pixels into the background around it
  (the bled pixels keep the background's depth) — a segmenter's masks spilling over borders;
- false positives: Poisson(``false_positives``) spurious detections a frame, each an ellipse
  (axes 3–12 % of the image width) at a uniform place, over whatever is there, named by a label
  drawn from the confusable vocabulary (:data:`CONFUSABLE_LABELS`) — a detector's hallucinations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial.transform import Rotation

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_field_types
from spatialcode.scene import CameraPose

#: Labels a detector may mistake for one another (lower case; looked up by the exact label).
CONFUSABLE_LABELS: dict[str, tuple[str, ...]] = {
    "chair": ("stool", "sofa"),
    "stool": ("chair",),
    "sofa": ("chair", "bed"),
    "bed": ("sofa",),
    "table": ("desk", "counter"),
    "desk": ("table",),
    "counter": ("table", "cabinet"),
    "cabinet": ("nightstand", "bookshelf"),
    "nightstand": ("cabinet", "table"),
    "bookshelf": ("cabinet",),
    "tv": ("monitor",),
    "monitor": ("tv",),
    "trash bin": ("trash can", "basket"),
    "trash can": ("trash bin",),
    "basket": ("trash bin",),
    "pillow": ("cushion",),
    "cushion": ("pillow",),
    "lamp": ("ceiling light",),
    "ceiling light": ("lamp",),
    "window": ("picture",),
    "picture": ("window", "mirror"),
    "mirror": ("picture",),
    "refrigerator": ("cabinet",),
    "toilet": ("sink",),
    "sink": ("toilet", "bathtub"),
    "bathtub": ("sink",),
    "microwave": ("oven",),
    "oven": ("microwave", "stove"),
    "stove": ("oven",),
    "washer": ("dishwasher",),
    "dishwasher": ("washer",),
}

# random streams per fault kind (mixed into the seed)
_DEPTH, _DROPOUT, _MISSED, _LABELS, _DRIFT, _SCALE, _WARP, _FALSE = 1, 2, 3, 4, 5, 6, 7, 8
#: Instance ids of the false positives of a frame start here (the renderer's ids are far below).
FALSE_POSITIVE_ID = 30000


@dataclass(frozen=True)
class FaultConfig:
    """Which faults to apply and how strongly (all off by default; see the module docstring)."""

    depth_noise: float = 0.0               # a in σ = a·z², 1/m
    depth_dropout: float = 0.0             # probability per valid pixel
    grazing_angle_deg: float | None = None  # invalid beyond this incidence angle (deg)
    mask_erosion: int = 0                  # pixels
    missed_detection: float = 0.0          # probability per (frame, visible instance)
    label_confusion: float = 0.0           # probability per (frame, visible instance)
    confusable: Mapping[str, Sequence[str]] | None = None  # replaces CONFUSABLE_LABELS
    pose_drift: float = 0.0                # m / √s per axis
    pose_drift_deg: float = 0.0            # deg / √s per axis
    depth_scale: float = 0.0               # σ of the log of the video's global depth scale
    depth_warp: float = 0.0                # amplitude of the smooth multiplicative depth distortion
    warp_frames: int = 10                  # frames a depth-warp field lasts
    mask_bleed: int = 0                    # pixels the masks grow into the background
    false_positives: float = 0.0           # mean spurious detections per frame

    def __post_init__(self) -> None:
        try:
            check_field_types(self)
        except ValidationError as err:
            raise ValidationError(f"faults.{err.field}", err.problem) from None
        for name in ("depth_dropout", "missed_detection", "label_confusion"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValidationError(f"faults.{name}", f"must be a probability in [0, 1], got {value}")
        for name in ("depth_noise", "pose_drift", "pose_drift_deg", "depth_scale", "false_positives"):
            if getattr(self, name) < 0:
                raise ValidationError(f"faults.{name}", f"must be >= 0, got {getattr(self, name)}")
        if not 0.0 <= self.depth_warp < 1.0:
            raise ValidationError("faults.depth_warp", f"must be in [0, 1), got {self.depth_warp}")
        for name in ("mask_erosion", "mask_bleed"):
            if int(getattr(self, name)) != getattr(self, name) or getattr(self, name) < 0:
                raise ValidationError(f"faults.{name}", f"must be a whole number of pixels >= 0, got {getattr(self, name)}")
        if int(self.warp_frames) != self.warp_frames or self.warp_frames < 1:
            raise ValidationError("faults.warp_frames", f"must be a whole number >= 1, got {self.warp_frames}")
        if self.grazing_angle_deg is not None and not 0.0 < self.grazing_angle_deg <= 90.0:
            raise ValidationError("faults.grazing_angle_deg", f"must be in (0, 90], got {self.grazing_angle_deg}")

    @property
    def enabled(self) -> bool:
        """Whether any fault is switched on."""
        return bool(
            self.depth_noise or self.depth_dropout or self.grazing_angle_deg is not None or self.mask_erosion
            or self.missed_detection or self.label_confusion or self.pose_drift or self.pose_drift_deg
            or self.depth_scale or self.depth_warp or self.mask_bleed or self.false_positives
        )

    @property
    def confusion_map(self) -> dict[str, tuple[str, ...]]:
        """The confusable-label map in use (lower-case keys)."""
        table = CONFUSABLE_LABELS if self.confusable is None else self.confusable
        return {" ".join(k.lower().split()): tuple(v) for k, v in table.items()}

    def to_dict(self) -> dict:
        """JSON form (the custom ``confusable`` map as lists)."""
        out = asdict(self)
        if self.confusable is not None:
            out["confusable"] = {k: list(v) for k, v in self.confusable.items()}
        return out

    @classmethod
    def preset(cls, name: str) -> FaultConfig:
        """A named set of faults: ``"none"``; ``"realistic"`` (a consumer RGB-D camera with an
        imperfect detector: σ = 2.5 mm·z² depth noise, 2 % dropout, no depth beyond 80° incidence,
        2 px mask erosion, 10 % missed detections, 5 % label confusion, 1 cm/√s and 0.2°/√s pose
        drift); ``"monocular"`` (a phone video through a metric depth model and an
        open-vocabulary detector; strengths and their sources in :data:`FAULT_PRESETS`)."""
        if name not in FAULT_PRESETS:
            raise ValidationError("faults", f"unknown preset {name!r}; known: {', '.join(FAULT_PRESETS)}")
        return FAULT_PRESETS[name]



#: Named fault sets for :meth:`FaultConfig.preset`.
FAULT_PRESETS: dict[str, FaultConfig] = {
    "none": FaultConfig(),
    "realistic": FaultConfig(depth_noise=0.0025, depth_dropout=0.02, grazing_angle_deg=80.0, mask_erosion=2,
                             missed_detection=0.1, label_confusion=0.05, pose_drift=0.01, pose_drift_deg=0.2),
    # A phone video through a metric depth model (Depth Anything V2 Metric-Indoor class) and an
    # open-vocabulary detector (OWL-ViT class) with feature odometry on the predicted depth:
    # - depth_scale 0.10: the depth models' own indoor figures are for their training domain
    #   (Depth Anything V2's metric models, fine-tuned on Hypersim / NYU-D, report AbsRel ≈ 0.05–0.06
    #   and δ1 ≈ 0.98 on NYU-D); a new room and phone are out of domain, where a global scale error
    #   of ~10 % (log σ 0.10) is the typical size of the zero-shot metric-depth gap;
    # - depth_warp 0.05 and depth_noise 0.005: AbsRel ≈ 0.05 of in-domain metric depth, split
    #   between a smooth distortion and per-pixel noise (σ = 5 mm·z², twice the RGB-D preset's);
    # - mask_bleed 3 px: box-prompted or box masks spill a few pixels over object borders at 640 px;
    # - missed_detection 0.25, false_positives 0.3, label_confusion 0.10: zero-shot open-vocabulary
    #   detectors reach only ~20–30 AP on LVIS-style long-tail vocabularies (OWL-ViT B/32's paper
    #   reports AP in the low 20s), with recall lowest on small objects and near-synonyms confused;
    # - pose drift 3 cm/√s and 0.5°/√s: our assumption for feature odometry on predicted depth
    #   (three times the RGB-D preset's; no published figure for this combination).
    "monocular": FaultConfig(depth_noise=0.005, depth_dropout=0.0, mask_bleed=3, missed_detection=0.25,
                             label_confusion=0.1, pose_drift=0.03, pose_drift_deg=0.5, depth_scale=0.1,
                             depth_warp=0.05, false_positives=0.3),
}


def frame_rng(seed: int, frame: int, stream: int) -> np.random.Generator:
    """The random generator of one fault kind (``stream``) in one frame."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(frame), int(stream)])


def noisy_depth(depth: np.ndarray, cos_incidence: np.ndarray | None, config: FaultConfig, seed: int, frame: int) -> np.ndarray:
    """Return depth (H, W) float metres with noise and missing values (0 = invalid) applied.

    ``cos_incidence`` (H, W) is |cos| of the angle between each pixel's ray and the surface
    normal (needed only for ``grazing_angle_deg``).
    """
    out = np.array(depth, dtype=np.float32, copy=True)
    valid = out > 0
    if config.depth_scale > 0:
        out *= np.float32(depth_scale_factor(config, seed))
    if config.depth_warp > 0:
        out *= (1.0 + np.float32(config.depth_warp) * warp_field(out.shape, seed, frame // config.warp_frames)).astype(np.float32)
    if config.depth_noise > 0:
        rng = frame_rng(seed, frame, _DEPTH)
        noise = rng.standard_normal(out.shape, dtype=np.float32)
        out = np.where(valid, np.maximum(out + noise * np.float32(config.depth_noise) * out * out, 1e-3), 0.0).astype(np.float32)
    if config.depth_dropout > 0:
        rng = frame_rng(seed, frame, _DROPOUT)
        out[rng.random(out.shape, dtype=np.float32) < config.depth_dropout] = 0.0
    if config.grazing_angle_deg is not None and cos_incidence is not None:
        out[cos_incidence < math.cos(math.radians(config.grazing_angle_deg))] = 0.0
    return out


def depth_scale_factor(config: FaultConfig, seed: int) -> float:
    """The video's global depth scale factor, exp(N(0, ``depth_scale``²)) (1 without the fault)."""
    if config.depth_scale <= 0:
        return 1.0
    return float(math.exp(config.depth_scale * frame_rng(seed, 0, _SCALE).standard_normal()))


def warp_field(shape: tuple[int, int], seed: int, block: int) -> np.ndarray:
    """A smooth field (H, W) float32 in [-1, 1]: a 3 × 4 grid of uniform draws, bicubically
    upsampled to ``shape``; one per ``block`` of frames."""
    coarse = frame_rng(seed, block, _WARP).uniform(-1.0, 1.0, (3, 4))
    field = ndimage.zoom(coarse, (shape[0] / 3, shape[1] / 4), order=3, mode="nearest", grid_mode=True)
    return np.clip(field[: shape[0], : shape[1]], -1.0, 1.0).astype(np.float32)


def bleed_instances(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Return ``mask`` with every instance grown by ``pixels`` into the background (-1) around it
    (a background pixel takes the id of the nearest instance pixel within that distance)."""
    if pixels <= 0 or not (mask >= 0).any():
        return mask
    background = mask < 0
    distance, (rows, cols) = ndimage.distance_transform_edt(background, return_indices=True)
    out = mask.copy()
    grow = background & (distance <= pixels)
    out[grow] = mask[rows[grow], cols[grow]]
    return out


def add_false_positives(mask: np.ndarray, labels: Mapping[int, str], config: FaultConfig, seed: int,
                        frame: int) -> tuple[np.ndarray, dict[int, str]]:
    """Paint Poisson(``false_positives``) spurious detections into ``mask`` (see the module
    docstring), with ids from :data:`FALSE_POSITIVE_ID`; return the mask and the labels."""
    out_labels = dict(labels)
    if config.false_positives <= 0:
        return mask, out_labels
    rng = frame_rng(seed, frame, _FALSE)
    vocabulary = sorted(config.confusion_map)
    height, width = mask.shape
    out = mask
    for k in range(int(rng.poisson(config.false_positives))):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        ay, ax = rng.uniform(0.03, 0.12, 2) * width
        label = vocabulary[int(rng.integers(len(vocabulary)))]
        rows, cols = np.ogrid[:height, :width]
        inside = ((rows - cy) / ay) ** 2 + ((cols - cx) / ax) ** 2 <= 1.0
        if out is mask:
            out = mask.copy()
        out[inside] = FALSE_POSITIVE_ID + k
        out_labels[FALSE_POSITIVE_ID + k] = label
    return out, out_labels


def present_ids(mask: np.ndarray) -> np.ndarray:
    """The object ids (>= 0) present in an instance mask, ascending."""
    counts = np.bincount(mask.ravel().astype(np.intp) + 1, minlength=1)
    return np.flatnonzero(counts[1:])


def erode_instances(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Return ``mask`` with a band of ``pixels`` removed (set to -1) along every instance's
    edge (where it meets another id or the background; not at the image border)."""
    if pixels <= 0:
        return mask
    edge = np.zeros(mask.shape, dtype=bool)
    dx = mask[:, 1:] != mask[:, :-1]
    dy = mask[1:, :] != mask[:-1, :]
    edge[:, 1:] |= dx
    edge[:, :-1] |= dx
    edge[1:, :] |= dy
    edge[:-1, :] |= dy
    if pixels > 1:
        edge = ndimage.maximum_filter(edge, size=2 * pixels - 1)
    out = mask.copy()
    out[edge & (mask >= 0)] = -1
    return out


def drop_instances(mask: np.ndarray, probability: float, rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """Remove each instance's mask (set to -1) with ``probability``; return the mask and the
    dropped ids."""
    ids = present_ids(mask)
    dropped = [int(i) for i, r in zip(ids, rng.random(len(ids))) if r < probability]
    if not dropped:
        return mask, []
    gone = np.zeros(int(ids[-1]) + 2, dtype=bool)
    gone[np.array(dropped) + 1] = True
    out = mask.copy()
    out[gone[mask.astype(np.intp) + 1]] = -1
    return out, dropped


def faulty_mask(mask: np.ndarray, config: FaultConfig, seed: int, frame: int) -> np.ndarray:
    """Return the instance mask (H, W) int16 with erosion, bleeding and missed detections applied."""
    out = bleed_instances(erode_instances(mask, int(config.mask_erosion)), int(config.mask_bleed))
    if config.missed_detection > 0:
        out, _ = drop_instances(out, config.missed_detection, frame_rng(seed, frame, _MISSED))
    return out


def confuse_labels(labels: Mapping[int, str], config: FaultConfig, seed: int, frame: int) -> dict[int, str]:
    """Return ``{id: label}`` where each label with confusable alternatives is replaced by one of
    them with probability ``label_confusion`` (ids in sorted order for reproducibility)."""
    out = dict(labels)
    if config.label_confusion <= 0:
        return out
    rng = frame_rng(seed, frame, _LABELS)
    table = config.confusion_map
    for obj_id in sorted(out):
        draw, pick = rng.random(), rng.random()
        options = table.get(" ".join(out[obj_id].lower().split()), ())
        if options and draw < config.label_confusion:
            out[obj_id] = options[int(pick * len(options)) % len(options)]
    return out


class PoseDrift:
    """The pose-drift fault, streaming: :meth:`apply` returns each pose (in time order) as a
    drifting odometry would report it — position (times the video's depth scale factor) + a
    translation random walk, rotation = (rotation random walk) · true rotation (see the module
    docstring for the rates)."""

    def __init__(self, config: FaultConfig, seed: int) -> None:
        self.config = config
        self._scale = depth_scale_factor(config, seed)
        self._rng = frame_rng(seed, 0, _DRIFT)
        self._offset = np.zeros(3)
        self._turn = Rotation.identity()
        self._previous_t: float | None = None

    def apply(self, pose: CameraPose) -> CameraPose:
        """The drifted version of ``pose`` (the next one in time)."""
        config = self.config
        dt = 0.0 if self._previous_t is None else max(pose.t - self._previous_t, 0.0)
        self._previous_t = pose.t
        step_t = self._rng.standard_normal(3) * config.pose_drift * math.sqrt(dt)
        step_r = self._rng.standard_normal(3) * math.radians(config.pose_drift_deg) * math.sqrt(dt)
        self._offset = self._offset + step_t
        self._turn = Rotation.from_rotvec(step_r) * self._turn
        rotation = self._turn * Rotation.from_quat(pose.quaternion)
        return CameraPose(t=pose.t, position=tuple(self._scale * np.asarray(pose.position) + self._offset),
                          quaternion=tuple(float(q) for q in rotation.as_quat()))


def drift_poses(poses: Sequence[CameraPose], config: FaultConfig, seed: int) -> list[CameraPose]:
    """Return the poses as a drifting odometry would report them (:class:`PoseDrift`);
    unchanged without drift."""
    if not poses or (config.pose_drift <= 0 and config.pose_drift_deg <= 0 and config.depth_scale <= 0):
        return list(poses)
    drift = PoseDrift(config, seed)
    return [drift.apply(pose) for pose in poses]


@dataclass
class FaultyFrame:
    """One frame's outputs after faults: ``depth`` (H, W) float32 m, ``mask`` (H, W) int16,
    ``labels`` {id: label} of the instances left in the mask."""

    depth: np.ndarray
    mask: np.ndarray
    labels: dict[int, str]


def apply_frame_faults(frame: int, depth: np.ndarray, mask: np.ndarray, labels: Mapping[int, str],
                       config: FaultConfig, seed: int, cos_incidence: np.ndarray | None = None) -> FaultyFrame:
    """Apply the depth, mask and label faults of ``config`` to one rendered frame.

    ``labels`` maps object ids to their true labels; the result keeps only the ids still
    present in the faulty mask.
    """
    if not config.enabled:
        return FaultyFrame(depth, mask, {int(i): labels[int(i)] for i in present_ids(mask)})
    new_depth = noisy_depth(depth, cos_incidence, config, seed, frame)
    new_mask = faulty_mask(mask, config, seed, frame)
    present = [int(i) for i in present_ids(new_mask)]
    new_labels = confuse_labels({i: labels[i] for i in present}, config, seed, frame)
    new_mask, new_labels = add_false_positives(new_mask, new_labels, config, seed, frame)
    return FaultyFrame(new_depth, new_mask, {i: new_labels[i] for i in map(int, present_ids(new_mask))})
