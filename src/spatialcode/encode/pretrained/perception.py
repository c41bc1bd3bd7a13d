"""Perception from colour alone (:class:`PretrainedPerception`): the open-vocabulary detector's
boxes, segmented by SAM (or taken as box-shaped masks without a segmenter), as the detections the
geometric encoder lifts, tracks and fuses. Depth comes from the frame — for RGB-only input, from
:class:`~spatialcode.encode.pretrained.PredictedDepthSource`."""

from __future__ import annotations

from typing import Any

from spatialcode.encode.frames import Frame
from spatialcode.encode.perception import Detection, PerceptionOutput
from spatialcode.errors import InputFileError


class PretrainedPerception:
    """A :class:`~spatialcode.encode.perception.Perception` front end over a ``detector``
    (:class:`~spatialcode.encode.pretrained.OpenVocabularyDetector` or anything with its
    ``detect``) and an optional ``segmenter`` (:class:`~spatialcode.encode.pretrained.BoxPromptSegmenter`);
    masks with fewer than ``min_pixels`` pixels are dropped."""

    def __init__(self, detector: Any, segmenter: Any | None = None, min_pixels: int = 50) -> None:
        self.detector, self.segmenter, self.min_pixels = detector, segmenter, min_pixels

    def perceive(self, frame: Frame) -> PerceptionOutput:
        """The detections of ``frame``'s colour image, best first."""
        if frame.rgb is None:
            raise InputFileError(f"frame {frame.index} has no colour image: pretrained perception works on RGB")
        boxes = self.detector.detect(frame.rgb)
        height, width = frame.rgb.shape[:2]
        masks = self.segmenter.segment(frame.rgb, boxes) if self.segmenter is not None else [
            box.mask(height, width) for box in boxes]
        return PerceptionOutput([Detection(mask=mask, label=box.label, score=box.score)
                                 for box, mask in zip(boxes, masks) if int(mask.sum()) >= self.min_pixels])
