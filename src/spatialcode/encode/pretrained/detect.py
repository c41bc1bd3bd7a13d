"""Open-vocabulary 2D detection (:class:`OpenVocabularyDetector`): an OWLv2 or OWL-ViT model
asked for each category of a vocabulary — by default the categories of the synthetic world, which are VSI-Bench's — returns
labelled, scored pixel boxes, after per-category non-maximum suppression (OpenCV)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.pretrained.device import check_device
from spatialcode.encode.pretrained.hub import check_model_location, check_rgb, load_pretrained

#: An open-vocabulary detector that works with :class:`OpenVocabularyDetector`.
EXAMPLE_DETECTOR_MODEL = "google/owlv2-base-patch16-ensemble"


def default_labels() -> tuple[str, ...]:
    """The categories of the synthetic world (VSI-Bench's object categories)."""
    from spatialcode.synth.categories import CATEGORIES

    return tuple(CATEGORIES)


@dataclass(frozen=True)
class DetectorConfig:
    """The detector ``model`` (a local folder or a cached hub id); the ``labels`` it looks for,
    each asked as ``query`` with the label in place of ``{}``; detections scoring below
    ``threshold`` are dropped, overlapping ones of a label above ``nms_iou`` (intersection over
    union) suppressed, and at most ``max_detections`` (the best) kept per image; ``threads``: the
    CPU threads torch uses (``None``: its default); ``device``: the torch device (``auto``, ``cpu``, ``cuda``, ``mps``); ``download``: let the Hugging Face hub fetch a
    hub id that is not in the local cache."""

    model: str
    labels: tuple[str, ...] = field(default_factory=default_labels)
    query: str = "a photo of a {}"
    threshold: float = 0.2
    nms_iou: float = 0.5
    max_detections: int = 50
    threads: int | None = None
    download: bool = False
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_device(self.device)
        check_model_location(self.model, "detector", EXAMPLE_DETECTOR_MODEL)
        if not self.labels or not all(isinstance(label, str) and label.strip() for label in self.labels):
            raise ValidationError("labels", "give at least one non-empty category name")
        if "{}" not in self.query:
            raise ValidationError("query", f"must contain {{}} where the label goes, got {self.query!r}")
        for name in ("threshold", "nms_iou"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(name, f"must be in [0, 1], got {getattr(self, name)}")
        check_whole_number(self.max_detections, "max_detections")
        check_whole_number(self.threads, "threads", optional=True)


@dataclass(frozen=True)
class Box2D:
    """A detection in pixels: ``xyxy`` = (left, top, right, bottom), ``label`` one of the
    detector's labels, ``score`` in [0, 1]."""

    xyxy: tuple[float, float, float, float]
    label: str
    score: float

    def mask(self, height: int, width: int) -> np.ndarray:
        """The pixels whose centres lie in the box, as an (H, W) bool mask of an image of that size."""
        left, top, right, bottom = self.xyxy
        cols = (np.arange(width) + 0.5 >= left) & (np.arange(width) + 0.5 <= right)
        rows = (np.arange(height) + 0.5 >= top) & (np.arange(height) + 0.5 <= bottom)
        return rows[:, None] & cols[None, :]


class OpenVocabularyDetector:
    """:meth:`detect` finds the configured categories in an RGB image."""

    def __init__(self, config: DetectorConfig) -> None:
        import torch
        from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor

        self.config = config
        self.processor, self.model = load_pretrained(config.model, "detector", AutoModelForZeroShotObjectDetection,
                                                     AutoProcessor, EXAMPLE_DETECTOR_MODEL, config.threads,
                                                     config.download, config.device)
        self.queries = [config.query.format(label) for label in config.labels]
        text = getattr(self.model.config, "text_config", None)
        length = getattr(text, "max_position_embeddings", None)
        padding = {"padding": "max_length", "truncation": True, "max_length": length} if length else {"padding": True}
        # the queries are the same for every frame: their embeddings are computed once (the text
        # tower is about a third of an OWL-ViT B/32 call)
        tokens = self.processor(text=[self.queries], return_tensors="pt", **padding).to(self.model.device)
        tower = self.model.owlv2 if hasattr(self.model, "owlv2") else self.model.owlvit
        with torch.inference_mode():
            self._query_embeds = tower.get_text_features(input_ids=tokens["input_ids"],
                                                         attention_mask=tokens["attention_mask"]).pooler_output[None]
        self._query_mask = (tokens["input_ids"][:, 0] > 0)[None]
        # OWLv2 pads an image to a square at the bottom/right before resizing; OWL-ViT stretches it
        self._pads_to_square = self.model.config.model_type == "owlv2"

    def detect(self, rgb: np.ndarray) -> list[Box2D]:
        """The detections in the (H, W, 3) uint8 image ``rgb``, best first."""
        import cv2
        import torch

        check_rgb(rgb)
        height, width = rgb.shape[:2]
        pixels = self.processor(images=rgb, return_tensors="pt")["pixel_values"].to(self.model.device)
        with torch.inference_mode():
            feature_map = self.model.image_embedder(pixel_values=pixels)[0]
            image_feats = feature_map.reshape(feature_map.shape[0], -1, feature_map.shape[-1])
            logits, _ = self.model.class_predictor(image_feats, self._query_embeds, self._query_mask)
            boxes = self.model.box_predictor(image_feats, feature_map)
        side = max(height, width)
        found = self.processor.post_process_grounded_object_detection(
            _DetectorOutput(logits.cpu(), boxes.cpu()), threshold=self.config.threshold,
            target_sizes=[(side, side) if self._pads_to_square else (height, width)])[0]
        boxes = found["boxes"].float().numpy().clip(0, [width, height, width, height])
        inside = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])  # boxes wholly outside the image vanish
        boxes, scores, labels = boxes[inside], found["scores"].float().numpy()[inside], found["labels"].numpy()[inside]
        if not len(scores):
            return []
        xywh = np.column_stack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
        kept = cv2.dnn.NMSBoxesBatched(xywh.tolist(), scores.tolist(), labels.tolist(), self.config.threshold,
                                       self.config.nms_iou)
        order = sorted(np.asarray(kept, dtype=int).ravel().tolist(), key=lambda i: -scores[i])
        return [Box2D(tuple(float(v) for v in boxes[i]), self.config.labels[labels[i]], float(scores[i]))
                for i in order[:self.config.max_detections]]


@dataclass
class _DetectorOutput:
    """What the processors' ``post_process_grounded_object_detection`` reads of a detector's output:
    ``logits`` (batch, patches, queries) and ``pred_boxes`` (batch, patches, 4; centre x, y, width,
    height as fractions of the model's input)."""

    logits: Any
    pred_boxes: Any
