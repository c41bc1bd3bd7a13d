"""Video object tracking with SAM-2 (:class:`VideoObjectTracker`): objects prompted once by a
detector box are followed frame after frame by SAM-2's memory (streaming, one frame at a time),
so the detector need not run on every frame and an object keeps its id while it is in view.

Only the SAM-2 video model's weights are needed (a local folder or a cached hub id): frames are
prepared here (resized to the model's square input, ImageNet normalisation — what SAM-2's own
processor does), so the torchvision-based SAM-2 image processor is not required."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.encode.pretrained.detect import Box2D
from spatialcode.encode.pretrained.device import check_device
from spatialcode.encode.pretrained.hub import check_model_location, check_rgb, load_pretrained

if TYPE_CHECKING:
    import torch

#: A SAM-2 video model that works with :class:`VideoObjectTracker`.
EXAMPLE_TRACKER_MODEL = "facebook/sam2.1-hiera-tiny"


@dataclass(frozen=True)
class VideoTrackerConfig:
    """The SAM-2 video ``model`` (a local folder or a cached hub id); the detector runs on every
    ``detect_every``-th frame, and a detection overlapping no tracked object by ``new_object_iou``
    or more (box intersection over union) starts a new one; a pixel is in a mask when its logit
    exceeds ``mask_threshold``; ``threads``: the CPU threads torch uses (``None``: its default);
    ``device``: the torch device (``auto``, ``cpu``, ``cuda``, ``mps``); ``download``: let the Hugging Face hub fetch a hub id that is not in the local cache."""

    model: str
    detect_every: int = 5
    new_object_iou: float = 0.3
    mask_threshold: float = 0.0
    threads: int | None = None
    download: bool = False
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_device(self.device)
        check_model_location(self.model, "tracker", EXAMPLE_TRACKER_MODEL)
        check_whole_number(self.detect_every, "detect_every")
        if not 0.0 <= self.new_object_iou <= 1.0:
            raise ValidationError("new_object_iou", f"must be in [0, 1], got {self.new_object_iou}")
        check_whole_number(self.threads, "threads", optional=True)


@dataclass(frozen=True)
class TrackedMask:
    """One tracked object in one frame: its ``object_id`` (stable while tracked), the ``label``
    and ``score`` of the detection that started it, and its (H, W) bool ``mask``."""

    object_id: int
    label: str
    score: float
    mask: np.ndarray


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every pixel box of ``a`` (N, 4) with every one of ``b`` (M, 4),
    boxes as (left, top, right, bottom); an (N, M) array."""
    a, b = np.asarray(a, dtype=float).reshape(-1, 4), np.asarray(b, dtype=float).reshape(-1, 4)
    width = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    height = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = width * height
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def mask_box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """The pixel box (left, top, right, bottom) around an (H, W) bool mask; ``None`` when empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1)


def new_detections(boxes: Sequence[Box2D], tracked: Sequence[tuple[float, float, float, float]],
                   min_iou: float) -> list[Box2D]:
    """The detector ``boxes`` that overlap none of the ``tracked`` objects' pixel boxes by
    ``min_iou`` or more (intersection over union), in order."""
    if not boxes or not tracked:
        return list(boxes)
    overlap = box_iou(np.array([box.xyxy for box in boxes]), np.array(tracked))
    return [box for box, row in zip(boxes, overlap) if row.max() < min_iou]


class VideoObjectTracker:
    """Streams frames through a SAM-2 video model: :meth:`add` starts objects from pixel boxes on
    the next frame, :meth:`track` segments every object started so far in that frame. Only the
    memory SAM-2 reads is kept (the last ``max(num_maskmem, max_object_pointers_in_encoder)``
    frames of each object, and the frames that started them), so memory stays bounded on long videos."""

    def __init__(self, config: VideoTrackerConfig) -> None:
        from transformers import Sam2VideoModel

        self.config = config
        _, self.model = load_pretrained(config.model, "tracker", Sam2VideoModel, None, EXAMPLE_TRACKER_MODEL,
                                        config.threads, config.download, config.device)
        self.size = int(self.model.config.image_size)
        self.history = max(int(self.model.config.num_maskmem), int(self.model.config.max_object_pointers_in_encoder))
        self.session = None
        self.frame_index = 0
        self.objects: dict[int, Box2D] = {}
        self._pending: list[tuple[int, Box2D]] = []

    def add(self, boxes: Sequence[Box2D]) -> list[int]:
        """Start one object per box (pixels of the next frame given to :meth:`track`); their ids."""
        ids = []
        for box in boxes:
            object_id = len(self.objects) + len(self._pending)
            self._pending.append((object_id, box))
            ids.append(object_id)
        return ids

    def track(self, rgb: np.ndarray) -> list[TrackedMask]:
        """The mask of every object started so far in the (H, W, 3) uint8 frame ``rgb`` (frames in
        video order), in object order; objects SAM-2 finds absent have empty masks."""
        import torch
        import torch.nn.functional as F

        check_rgb(rgb)
        height, width = rgb.shape[:2]
        if self.session is None:
            from transformers.models.sam2_video.modeling_sam2_video import Sam2VideoInferenceSession

            self.session = Sam2VideoInferenceSession(video_height=height, video_width=width, dtype=torch.float32,
                                                     inference_device=self.model.device)
        elif (self.session.video_height, self.session.video_width) != (height, width):
            raise ValidationError("rgb", f"frames of one video must keep their size: {height} × {width} after "
                                         f"{self.session.video_height} × {self.session.video_width}")
        index = self.frame_index
        self.frame_index += 1
        if self._pending:
            self._prompt(index, width, height)
        if not self.objects:
            return []
        with torch.inference_mode():
            output = self.model(inference_session=self.session, frame=self._pixels(rgb).to(self.model.device), frame_idx=index)
        logits = F.interpolate(output.pred_masks.float(), size=(height, width), mode="bilinear", align_corners=False)
        masks = (logits[:, 0] > self.config.mask_threshold).cpu().numpy()
        self._forget_before(index)
        return [TrackedMask(object_id, self.objects[object_id].label, self.objects[object_id].score, mask)
                for object_id, mask in zip(output.object_ids, masks)]

    def _pixels(self, rgb: np.ndarray) -> torch.Tensor:
        """The frame as SAM-2 reads it: (3, S, S) float, resized and normalised (ImageNet statistics)."""
        import cv2
        import torch
        from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

        resized = cv2.resize(rgb, (self.size, self.size), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
        normalised = (resized - np.float32(IMAGENET_DEFAULT_MEAN)) / np.float32(IMAGENET_DEFAULT_STD)
        return torch.from_numpy(normalised.transpose(2, 0, 1).copy())

    def _prompt(self, index: int, width: int, height: int) -> None:
        """Give the pending boxes to the session as box prompts on frame ``index``."""
        import torch

        scale = np.array([self.size / width, self.size / height] * 2, dtype=np.float32)
        for object_id, box in self._pending:
            corners = torch.from_numpy((np.array(box.xyxy, dtype=np.float32) * scale).reshape(1, 1, 2, 2))
            self.session.add_point_inputs(self.session.obj_id_to_idx(object_id), index, {
                "point_coords": corners, "point_labels": torch.tensor([[[2, 3]]], dtype=torch.int32)})  # box corners
            self.objects[object_id] = box
        self.session.obj_with_new_inputs = [object_id for object_id, _ in self._pending]
        self._pending = []

    def _forget_before(self, index: int) -> None:
        """Drop the stored frames and per-frame outputs SAM-2 no longer reads."""
        oldest = index - self.history
        self.session.processed_frames = {i: f for i, f in self.session.processed_frames.items() if i >= index}
        for outputs in self.session.output_dict_per_obj.values():
            for i in [i for i in outputs["non_cond_frame_outputs"] if i < oldest]:
                del outputs["non_cond_frame_outputs"][i]
