"""The perception interface — a frame in, labelled instance masks out (optionally depth and
pose) — and its ground-truth front end, the instance masks a source ships
(:class:`GroundTruthPerception`).

Every perception front end — these ground-truth masks, and the pretrained detector with a
segmenter or a video tracker (:mod:`spatialcode.encode.pretrained.front_ends`) — implements
:class:`Perception`: ``perceive(frame) -> PerceptionOutput``. The geometric back end (lifting,
tracking, fusion, box fitting) only sees :class:`Detection` objects, so front ends plug in
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.encode.frames import Frame
from spatialcode.scene import CameraPose


@dataclass
class Detection:
    """One object instance seen in a frame: ``mask`` (H, W) bool, ``label`` (category name),
    ``score`` in [0, 1]. ``source_id`` is the instance id the source gave (ground truth, or a
    video tracker's object id; for diagnostics — the back end never uses it to associate)."""

    mask: np.ndarray
    label: str
    score: float = 1.0
    source_id: int | None = None

    def __post_init__(self) -> None:
        if self.mask.dtype != bool or self.mask.ndim != 2:
            raise ValidationError("detection.mask", f"expected an (H, W) bool array, got {self.mask.dtype} {self.mask.shape}")
        if not 0.0 <= self.score <= 1.0:
            raise ValidationError("detection.score", f"must be in [0, 1], got {self.score}")


@dataclass
class PerceptionOutput:
    """What a front end returns for one frame: its ``detections``, and ``depth`` (H, W) float32
    metres or ``pose`` when it estimates them (``None``: use the frame's own)."""

    detections: list[Detection] = field(default_factory=list)
    depth: np.ndarray | None = None
    pose: CameraPose | None = None


@runtime_checkable
class Perception(Protocol):
    """A perception front end."""

    def perceive(self, frame: Frame) -> PerceptionOutput:
        """Detect and segment the objects of ``frame``."""
        ...


class GroundTruthPerception:
    """Detections from the instance masks a source ships with each frame (the renderer's
    ``masks.npz``, with any mask faults it applied). Instances with fewer than ``min_pixels``
    pixels are dropped; ``ignore`` labels (e.g. walls, floors) are never reported."""

    def __init__(self, min_pixels: int = 50, ignore: tuple[str, ...] = ()) -> None:
        self.min_pixels = min_pixels
        self.ignore = set(ignore)

    def perceive(self, frame: Frame) -> PerceptionOutput:
        """One :class:`Detection` per instance id present in ``frame.instances``."""
        if frame.instances is None:
            raise InputFileError(
                f"frame {frame.index} carries no instance masks: ground-truth perception needs a source that ships "
                "them (a render folder); use another perception front end for plain videos (e.g. perception='pretrained')"
            )
        ids, counts = np.unique(frame.instances[frame.instances >= 0], return_counts=True)
        detections = []
        for instance, count in zip(ids.tolist(), counts.tolist()):
            label = frame.instance_labels.get(instance)
            if label is None or label in self.ignore or count < self.min_pixels:
                continue
            detections.append(Detection(mask=frame.instances == instance, label=label, source_id=instance))
        return PerceptionOutput(detections=detections)
