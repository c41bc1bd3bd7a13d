"""Metric scale from the scene itself: monocular depth is off by one global factor.

A depth model's metric scale is its least reliable output on a room it was not trained on
(``--faults monocular`` models it as one log-normal factor per video), and feature odometry on
that depth moves the camera at the same wrong scale, so the whole reconstruction is the room
scaled about the origin. Some objects have a height that varies little — doors, chairs, sofas,
toilets, bathtubs, washers (:func:`spatialcode.tasks.typical_sizes.reference_heights`, from the
synthetic world's furniture catalogue): the median over those objects of their box height
divided by the middle of their category's height range, each weighted by how narrow that range
is (the inverse square of its width relative to its middle: a door counts 13 times a chair),
estimates the factor, and the code is scaled back by it
(:meth:`~spatialcode.scene.SpatialCode.scaled`).

References whose ratio is outside [``min_ratio``, ``max_ratio``] are left out (a door boxed as
its frame's lintel, a chair boxed without its back). Real furniture is not the catalogue: on the
VSI-Bench dev annotations, whose scale is right, the estimate spreads with a log standard
deviation of 0.11–0.19 by dataset, 0.17 pooled (``benchmarks/monocular.py calibration``) — more than
the depth models' own scale error. So the correction is a shrunk one: log(correction) = w · log(estimate)
with w = σ_depth² / (σ_depth² + σ_estimate²), the weight a Gaussian prior of the depth's log
scale (``depth_sigma``, the monocular preset's 0.10) and the estimate's noise
(``estimate_sigma``, the 0.17 measured) give it: 0.26. The estimate needs ``min_objects`` references (else the code is
left as it is). It is off by default everywhere: a depth sensor's metric scale is better than any
furniture prior, and on the encoded dev layouts under ``--faults monocular`` it made the median
scale error worse (0.060 → 0.084 in |log|, 15 scenes; ``benchmarks/monocular.py scale``). Turn it on
(``encoder.calibration.enabled=true``) for depth whose scale is known to be far off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.scene import SpatialObject
from spatialcode.tasks.typical_sizes import reference_heights
from spatialcode.tasks.vocabulary import canonical_category


@dataclass(frozen=True)
class ScaleCalibrationConfig:
    """Settings of :func:`estimate_scale`: ``enabled`` (``None``: off, as the encode pipeline
    decides), ``min_objects`` reference objects needed, the reference ratios kept
    (``min_ratio``–``max_ratio``), and the noise levels of the shrinkage (module docstring)."""

    enabled: bool | None = None
    min_objects: int = 3
    min_ratio: float = 0.6
    max_ratio: float = 1.6
    depth_sigma: float = 0.10
    estimate_sigma: float = 0.17

    def __post_init__(self) -> None:
        if int(self.min_objects) != self.min_objects or self.min_objects < 1:
            raise ValidationError("min_objects", f"must be a whole number >= 1, got {self.min_objects}")
        if not 0 < self.min_ratio < 1.0 < self.max_ratio:
            raise ValidationError("min_ratio", f"expected 0 < min_ratio < 1 < max_ratio, got {self.min_ratio}, {self.max_ratio}")
        for name in ("depth_sigma", "estimate_sigma"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")

    @property
    def weight(self) -> float:
        """The share of the estimate's log that is corrected (0–1)."""
        return self.depth_sigma**2 / (self.depth_sigma**2 + self.estimate_sigma**2)


@dataclass(frozen=True)
class ScaleEstimate:
    """The estimated ``factor`` (the code's lengths divided by the true ones, from the references
    alone; ``None`` when too few), the ``correction`` applied (the shrunk factor the code's lengths
    are divided by; 1 without an estimate) and the ``references`` (label, box height m, prior
    height m) it rests on."""

    factor: float | None
    correction: float
    references: tuple[tuple[str, float, float], ...]


def estimate_scale(objects: Sequence[SpatialObject], config: ScaleCalibrationConfig | None = None) -> ScaleEstimate:
    """The scale factor of a code's ``objects`` from their reference heights (module docstring)."""
    config = config or ScaleCalibrationConfig()
    priors = reference_heights()
    spread = {name: ((high + low) / (high - low)) ** 2 for name, (low, high) in priors.items()}
    references, weights = [], []
    for obj in objects:
        category = canonical_category(obj.label)
        if category in priors:
            low, high = priors[category]
            corners_z = obj.box.corners[:, 2]  # the vertical extent, whatever the box's axes
            height, prior = float(corners_z.max() - corners_z.min()), (low + high) / 2
            if config.min_ratio <= height / prior <= config.max_ratio:
                references.append((obj.label, height, prior))
                weights.append(spread[category])
    if len(references) < config.min_objects:
        return ScaleEstimate(None, 1.0, tuple(references))
    factor = weighted_median(np.array([height / prior for _, height, prior in references]), np.array(weights))
    return ScaleEstimate(factor, float(factor**config.weight), tuple(references))


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The smallest value at which the cumulative weight (values sorted) reaches half the total."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
