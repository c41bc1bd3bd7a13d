"""Metric scale from the scene itself: monocular depth is off by one global factor.

A depth model's metric scale is its least reliable output on a room it was not trained on
(``--faults monocular`` models it as one log-normal factor per video, σ = ``depth_sigma``), and
feature odometry on that depth moves the camera at the same wrong scale, so the whole
reconstruction is the room scaled about the origin. Two cues in the code read that factor, each
with a noise of its own; they are combined with the depth's prior (log scale 0) by their inverse
variances in log space — log(correction) = Σ log(fᵢ)/σᵢ² / (1/σ_depth² + Σ 1/σᵢ²) — and the code
is scaled back by the correction (:meth:`~spatialcode.scene.SpatialCode.scaled`):

- *the camera's height above the floor* (``camera_height``): a phone is filmed at its holder's
  eye height less the hold; the median height of the code's cameras above its floor, divided by
  ``camera_height_prior`` (1.28 m, the geometric mean of that height over adults: Pheasant's
  tables of standing eye height by population and sex, a phone held 0.1–0.4 m below the eyes —
  :mod:`spatialcode.synth.handheld`), reads the factor with σ = ``camera_height_sigma`` (0.11, the
  spread of that log height over people). Left out when the code has no floor or the reading is
  outside [``min_ratio``, ``max_ratio``] (a camera on a tripod, a robot).
- *the furniture's heights* (``furniture``): some objects have a height that varies little — doors,
  chairs, sofas, toilets, bathtubs, washers (:func:`spatialcode.tasks.typical_sizes.reference_heights`,
  from the synthetic world's furniture catalogue). The median over those objects of their box
  height divided by the middle of their category's height range, each weighted by how narrow that
  range is (the inverse square of its width relative to its middle: a door counts 13 times a
  chair), reads the factor; references whose ratio is outside [``min_ratio``, ``max_ratio``] are
  left out (a door boxed as its frame's lintel, a chair boxed without its back), and it needs
  ``min_objects`` of them. Real furniture is not the catalogue: on the VSI-Bench dev annotations,
  whose scale is right, this reading spreads with a log standard deviation of 0.11–0.19 by dataset,
  0.17 pooled (``benchmarks/monocular.py calibration``): its σ, ``furniture_sigma``.

Alone, the furniture gets a weight of 0.26 against the depth's prior (σ 0.10); with the camera's
height the correction's own noise comes down from 0.10 to about 0.068 in log (when both cues'
noise models hold). Both rest on priors about people and furniture, not on the depth; a depth
sensor's metric scale is better than either, so calibration is off unless the input's depth is
predicted (:func:`spatialcode.encode.pipeline.monocular_defences`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.scene import CameraPose, SpatialObject
from spatialcode.tasks.typical_sizes import reference_heights
from spatialcode.tasks.vocabulary import canonical_category


@dataclass(frozen=True)
class ScaleCalibrationConfig:
    """Settings of :func:`estimate_scale`: ``enabled`` (``None``: as the encode pipeline decides),
    the cues used (``camera_height``, ``furniture``), the camera height of a handheld video
    (``camera_height_prior``, m), the readings kept (``min_ratio``–``max_ratio``), the furniture
    references needed (``min_objects``) and the noise levels (σ of a log; module docstring)."""

    enabled: bool | None = None
    camera_height: bool = True
    furniture: bool = True
    camera_height_prior: float = 1.28
    min_objects: int = 3
    min_ratio: float = 0.6
    max_ratio: float = 1.6
    depth_sigma: float = 0.10
    camera_height_sigma: float = 0.11
    furniture_sigma: float = 0.17

    def __post_init__(self) -> None:
        if int(self.min_objects) != self.min_objects or self.min_objects < 1:
            raise ValidationError("min_objects", f"must be a whole number >= 1, got {self.min_objects}")
        if not 0 < self.min_ratio < 1.0 < self.max_ratio:
            raise ValidationError("min_ratio", f"expected 0 < min_ratio < 1 < max_ratio, got {self.min_ratio}, {self.max_ratio}")
        for name in ("camera_height_prior", "depth_sigma", "camera_height_sigma", "furniture_sigma"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")


@dataclass(frozen=True)
class ScaleCue:
    """One reading of the scale: its ``name`` (``camera_height``, ``furniture``), the ``factor``
    it reads (the code's lengths divided by the true ones) and the ``sigma`` of its log."""

    name: str
    factor: float
    sigma: float


@dataclass(frozen=True)
class ScaleEstimate:
    """The ``cues`` read, the ``correction`` applied (the code's lengths are divided by it; 1
    without a cue) and the furniture ``references`` (label, box height m, prior height m)."""

    cues: tuple[ScaleCue, ...]
    correction: float
    references: tuple[tuple[str, float, float], ...]

    @property
    def factor(self) -> float | None:
        """The scale the cues read together, without the depth's prior (``None`` without a cue)."""
        if not self.cues:
            return None
        weights = np.array([cue.sigma**-2 for cue in self.cues])
        logs = np.log([cue.factor for cue in self.cues])
        return float(np.exp(np.sum(weights * logs) / np.sum(weights)))

    def cue(self, name: str) -> float | None:
        """The factor the cue ``name`` read (``None`` when it was not read)."""
        return next((cue.factor for cue in self.cues if cue.name == name), None)


def estimate_scale(objects: Sequence[SpatialObject], config: ScaleCalibrationConfig | None = None,
                   camera_height: float | None = None) -> ScaleEstimate:
    """The scale of a code from its ``objects``' reference heights and its cameras' median
    ``camera_height`` above the floor (m; ``None``: no floor), combined with the depth's prior
    (module docstring)."""
    config = config or ScaleCalibrationConfig()
    cues = []
    if config.camera_height and camera_height is not None:
        ratio = camera_height / config.camera_height_prior
        if config.min_ratio <= ratio <= config.max_ratio:
            cues.append(ScaleCue("camera_height", ratio, config.camera_height_sigma))
    references = reference_ratios(objects, config)
    if config.furniture and len(references) >= config.min_objects:
        ratios = np.array([height / prior for _, height, prior, _ in references])
        factor = weighted_median(ratios, np.array([weight for *_, weight in references]))
        cues.append(ScaleCue("furniture", factor, config.furniture_sigma))
    precision = config.depth_sigma**-2 + sum(cue.sigma**-2 for cue in cues)
    log_correction = sum(math.log(cue.factor) / cue.sigma**2 for cue in cues) / precision
    return ScaleEstimate(tuple(cues), math.exp(log_correction), tuple(ref[:3] for ref in references))


def reference_ratios(objects: Sequence[SpatialObject], config: ScaleCalibrationConfig) -> list[tuple[str, float, float, float]]:
    """The furniture references among ``objects``: (label, box height m, prior height m, weight)
    of each whose height ratio is within [``min_ratio``, ``max_ratio``] (module docstring)."""
    priors = reference_heights()
    references = []
    for obj in objects:
        category = canonical_category(obj.label)
        if category in priors:
            low, high = priors[category]
            corners_z = obj.box.corners[:, 2]  # the vertical extent, whatever the box's axes
            height, prior = float(corners_z.max() - corners_z.min()), (low + high) / 2
            if config.min_ratio <= height / prior <= config.max_ratio:
                references.append((obj.label, height, prior, ((high + low) / (high - low)) ** 2))
    return references


def median_camera_height(camera: Sequence[CameraPose], floor_z: float | None) -> float | None:
    """The median height (m) of the ``camera`` positions above the floor at ``floor_z`` (m);
    ``None`` without a floor or a camera."""
    if floor_z is None or not camera:
        return None
    return float(np.median([pose.position[2] for pose in camera])) - floor_z


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The smallest value at which the cumulative weight (values sorted) reaches half the total."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
