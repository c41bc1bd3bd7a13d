"""The perception front ends built of pretrained models, for colour input: the open-vocabulary
detector's boxes segmented by SAM (or taken as box-shaped masks without a segmenter) in every
frame (:class:`DetectorSegmenterPerception`), or followed from frame to frame by the SAM-2 video
tracker between detector runs (:class:`DetectorTrackerPerception`) — as the detections the
geometric encoder lifts, tracks and fuses. Depth comes from the frame — for RGB-only input, from
:class:`~spatialcode.encode.pretrained.PredictedDepthSource`."""

from __future__ import annotations

from typing import Any

from spatialcode.core.errors import InputFileError
from spatialcode.encode.frames import Frame
from spatialcode.encode.perception import Detection, PerceptionOutput


class DetectorSegmenterPerception:
    """A :class:`~spatialcode.encode.perception.Perception` front end over a ``detector``
    (:class:`~spatialcode.encode.pretrained.OpenVocabularyDetector` or anything with its
    ``detect``) and an optional ``segmenter`` (:class:`~spatialcode.encode.pretrained.BoxPromptSegmenter`);
    masks with fewer than ``min_pixels`` pixels are dropped."""

    def __init__(self, detector: Any, segmenter: Any | None = None, min_pixels: int = 50) -> None:
        self.detector, self.segmenter, self.min_pixels = detector, segmenter, min_pixels

    def perceive(self, frame: Frame) -> PerceptionOutput:
        """The detections of ``frame``'s colour image, best first."""
        _require_colour(frame)
        boxes = self.detector.detect(frame.rgb)
        height, width = frame.rgb.shape[:2]
        masks = self.segmenter.segment(frame.rgb, boxes) if self.segmenter is not None else [
            box.mask(height, width) for box in boxes]
        return PerceptionOutput([Detection(mask=mask, label=box.label, score=box.score)
                                 for box, mask in zip(boxes, masks) if int(mask.sum()) >= self.min_pixels])


class DetectorTrackerPerception:
    """A :class:`~spatialcode.encode.perception.Perception` front end that runs the ``detector``
    on every ``tracker.config.detect_every``-th frame only and follows the objects it finds with a
    :class:`~spatialcode.encode.pretrained.track.VideoObjectTracker` (SAM-2) in every frame: a
    detection overlapping no tracked object starts a new one. Frames must come in video order.
    Masks with fewer than ``min_pixels`` pixels (objects out of view) are not reported; each
    detection's ``source_id`` is its tracker object id."""

    def __init__(self, detector: Any, tracker: Any, min_pixels: int = 50) -> None:
        self.detector, self.tracker, self.min_pixels = detector, tracker, min_pixels
        self.frames_seen = 0
        self._last_boxes: list[tuple[float, float, float, float]] = []

    def perceive(self, frame: Frame) -> PerceptionOutput:
        """The tracked objects in ``frame``'s colour image, in the order they were first detected."""
        from spatialcode.encode.pretrained.track import mask_box, new_detections

        _require_colour(frame)
        if self.frames_seen % self.tracker.config.detect_every == 0:
            found = self.detector.detect(frame.rgb)
            self.tracker.add(new_detections(found, self._last_boxes, self.tracker.config.new_object_iou))
        self.frames_seen += 1
        tracked = self.tracker.track(frame.rgb)
        self._last_boxes = [box for box in (mask_box(item.mask) for item in tracked) if box is not None]
        return PerceptionOutput([Detection(mask=item.mask, label=item.label, score=item.score, source_id=item.object_id)
                                 for item in tracked if int(item.mask.sum()) >= self.min_pixels])


def _require_colour(frame: Frame) -> None:
    """Raise one clear line when ``frame`` carries no colour image."""
    if frame.rgb is None:
        raise InputFileError(f"frame {frame.index} has no colour image: pretrained perception works on RGB")
