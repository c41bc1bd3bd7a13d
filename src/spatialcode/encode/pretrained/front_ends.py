"""The perception front ends built of pretrained models, for colour input: the open-vocabulary
detector's boxes segmented by SAM (or taken as box-shaped masks without a segmenter) in every
frame (:class:`DetectorSegmenterPerception`), or followed from frame to frame by the SAM-2 video
tracker between detector runs (:class:`DetectorTrackerPerception`) — as the detections the
geometric encoder lifts, tracks and fuses. Depth comes from the frame — for RGB-only input, from
:class:`~spatialcode.encode.pretrained.PredictedDepthSource`."""

from __future__ import annotations

import time
from typing import Any

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.frames import Frame
from spatialcode.encode.perception import Detection, PerceptionOutput
from spatialcode.encode.pretrained.box_masks import BOX_MASKS, depth_box_mask


class DetectorSegmenterPerception:
    """A :class:`~spatialcode.encode.perception.Perception` front end over a ``detector``
    (:class:`~spatialcode.encode.pretrained.OpenVocabularyDetector` or anything with its
    ``detect``) run on every ``detect_every``-th frame it sees (the others report nothing; their
    depth and poses still build the map), and an optional ``segmenter``
    (:class:`~spatialcode.encode.pretrained.BoxPromptSegmenter`); without one, ``box_masks`` says
    how a box becomes a mask (:data:`BOX_MASKS`). Masks with fewer than ``min_pixels`` pixels are
    dropped. ``stage_seconds``: seconds spent detecting and segmenting so far."""

    def __init__(self, detector: Any, segmenter: Any | None = None, min_pixels: int = 50, detect_every: int = 1,
                 box_masks: str = "box") -> None:
        if box_masks not in BOX_MASKS:
            raise ValidationError("box_masks", f"expected one of {', '.join(BOX_MASKS)}, got {box_masks!r}")
        check_whole_number(detect_every, "detect_every")
        self.detector, self.segmenter, self.min_pixels = detector, segmenter, min_pixels
        self.detect_every, self.box_masks = detect_every, box_masks
        self.frames_seen = 0
        self.stage_seconds = {"detection": 0.0, "segmentation": 0.0}

    def perceive(self, frame: Frame) -> PerceptionOutput:
        """The detections of ``frame``'s colour image, best first (none on frames between key frames)."""
        _require_colour(frame)
        key = self.frames_seen % self.detect_every == 0
        self.frames_seen += 1
        if not key:
            return PerceptionOutput([])
        started = time.perf_counter()
        boxes = self.detector.detect(frame.rgb)
        segmenting = time.perf_counter()
        self.stage_seconds["detection"] += segmenting - started
        height, width = frame.rgb.shape[:2]
        if self.segmenter is not None:
            masks = self.segmenter.segment(frame.rgb, boxes)
        elif self.box_masks == "depth-box" and frame.depth is not None:
            masks = [depth_box_mask(box.xyxy, frame.depth) for box in boxes]
        else:
            masks = [box.mask(height, width) for box in boxes]
        self.stage_seconds["segmentation"] += time.perf_counter() - segmenting
        return PerceptionOutput([Detection(mask=mask, label=box.label, score=box.score)
                                 for box, mask in zip(boxes, masks) if int(mask.sum()) >= self.min_pixels])


class DetectorTrackerPerception:
    """A :class:`~spatialcode.encode.perception.Perception` front end that runs the ``detector``
    on every ``tracker.config.detect_every``-th frame only and follows the objects it finds with a
    :class:`~spatialcode.encode.pretrained.track.VideoObjectTracker` (SAM-2) in every frame: a
    detection overlapping no tracked object starts a new one. Frames must come in video order.
    Masks with fewer than ``min_pixels`` pixels (objects out of view) are not reported; each
    detection's ``source_id`` is its tracker object id. ``stage_seconds``: seconds spent detecting
    and tracking so far."""

    def __init__(self, detector: Any, tracker: Any, min_pixels: int = 50) -> None:
        self.detector, self.tracker, self.min_pixels = detector, tracker, min_pixels
        self.frames_seen = 0
        self._last_boxes: list[tuple[float, float, float, float]] = []
        self.stage_seconds = {"detection": 0.0, "tracking": 0.0}

    def perceive(self, frame: Frame) -> PerceptionOutput:
        """The tracked objects in ``frame``'s colour image, in the order they were first detected."""
        from spatialcode.encode.pretrained.track import mask_box, new_detections

        _require_colour(frame)
        started = time.perf_counter()
        if self.frames_seen % self.tracker.config.detect_every == 0:
            found = self.detector.detect(frame.rgb)
            self.tracker.add(new_detections(found, self._last_boxes, self.tracker.config.new_object_iou))
        self.frames_seen += 1
        tracking = time.perf_counter()
        self.stage_seconds["detection"] += tracking - started
        tracked = self.tracker.track(frame.rgb)
        self.stage_seconds["tracking"] += time.perf_counter() - tracking
        self._last_boxes = [box for box in (mask_box(item.mask) for item in tracked) if box is not None]
        return PerceptionOutput([Detection(mask=item.mask, label=item.label, score=item.score, source_id=item.object_id)
                                 for item in tracked if int(item.mask.sum()) >= self.min_pixels])


def _require_colour(frame: Frame) -> None:
    """Raise one clear line when ``frame`` carries no colour image."""
    if frame.rgb is None:
        raise InputFileError(f"frame {frame.index} has no colour image: pretrained perception works on RGB")
