"""Encoding presets for colour-only video: the settings a user does not have to know.

``fast`` is for a laptop's CPU (2 cores): 2 frames/s at 640 px wide, metric depth on every
sampled frame, the small detector (OWL-ViT B/32) on one frame a second, masks from the box and the
depth instead of SAM, association of the detections in 3D by the geometric back end's tracker.
``quality`` is for a GPU: 5 frames/s at 1280 px, OWLv2, and SAM 2 following every detection
through the video. A setting given explicitly always wins over the preset's.
"""

from __future__ import annotations

from dataclasses import dataclass

from spatialcode.core.errors import ValidationError
from spatialcode.encode.pretrained.models import (
    DEPTH,
    DETECTOR_FAST,
    DETECTOR_QUALITY,
    PINNED_MODELS,
    TRACKER_QUALITY,
    PinnedModel,
)


@dataclass(frozen=True)
class EncodePreset:
    """One preset: frames sampled at ``target_fps`` (frames/s) and resized to ``width`` pixels;
    the ``depth`` and ``detector`` models, the detector run on every ``detect_every``-th sampled
    frame; masks from a SAM 2 ``tracker`` when it has one, else by ``box_masks``."""

    name: str
    target_fps: float
    width: int
    depth: PinnedModel
    detector: PinnedModel
    detect_every: int
    box_masks: str
    tracker: PinnedModel | None = None

    @property
    def models(self) -> tuple[PinnedModel, ...]:
        """The pinned models the preset uses."""
        return tuple(m for m in (self.depth, self.detector, self.tracker) if m is not None)


PRESETS = {
    "fast": EncodePreset("fast", target_fps=2.0, width=640, depth=DEPTH, detector=DETECTOR_FAST, detect_every=2,
                         box_masks="depth-box"),
    "quality": EncodePreset("quality", target_fps=5.0, width=1280, depth=DEPTH, detector=DETECTOR_QUALITY,
                            detect_every=5, box_masks="box", tracker=TRACKER_QUALITY),
}


def preset(name: str) -> EncodePreset:
    """The preset called ``name`` (:data:`PRESETS`)."""
    if name not in PRESETS:
        raise ValidationError("preset", f"expected one of {', '.join([*PRESETS, 'all'])}, got {name!r}")
    return PRESETS[name]


def preset_models(name: str) -> tuple[PinnedModel, ...]:
    """The models of the preset ``name``, or of every preset (``all``; each model once)."""
    return PINNED_MODELS if name == "all" else preset(name).models
