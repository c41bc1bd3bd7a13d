"""Masks for detections (:class:`BoxPromptSegmenter`): a SAM model prompted with each detection's
pixel box returns the object's mask, kept inside that box."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spatialcode.core.validation import check_whole_number
from spatialcode.encode.pretrained.detect import Box2D
from spatialcode.encode.pretrained.device import check_device
from spatialcode.encode.pretrained.hub import check_model_location, check_rgb, load_pretrained

#: A segmentation model that works with :class:`BoxPromptSegmenter`.
EXAMPLE_SEGMENTER_MODEL = "facebook/sam-vit-base"


@dataclass(frozen=True)
class SegmenterConfig:
    """The SAM ``model`` (a local folder or a cached hub id), the logit above which a pixel is in
    the mask (``mask_threshold``) and the CPU ``threads`` torch uses (``None``: its default);
    ``device``: the torch device (``auto``, ``cpu``, ``cuda``, ``mps``); ``download``: let the Hugging Face hub fetch a hub id that is not in the local cache."""

    model: str
    mask_threshold: float = 0.0
    threads: int | None = None
    download: bool = False
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_device(self.device)
        check_model_location(self.model, "segmenter", EXAMPLE_SEGMENTER_MODEL)
        check_whole_number(self.threads, "threads", optional=True)


class BoxPromptSegmenter:
    """:meth:`segment` turns pixel boxes into masks with a SAM model."""

    def __init__(self, config: SegmenterConfig) -> None:
        from transformers import SamModel, SamProcessor

        self.config = config
        self.processor, self.model = load_pretrained(config.model, "segmenter", SamModel, SamProcessor,
                                                     EXAMPLE_SEGMENTER_MODEL, config.threads, config.download, config.device)

    def segment(self, rgb: np.ndarray, boxes: Sequence[Box2D]) -> list[np.ndarray]:
        """One (H, W) bool mask per box of the (H, W, 3) uint8 image ``rgb``, in order; a mask
        never leaves its box."""
        import torch

        check_rgb(rgb)
        if not boxes:
            return []
        inputs = self.processor(images=rgb, input_boxes=[[list(box.xyxy) for box in boxes]], return_tensors="pt")
        with torch.inference_mode():
            outputs = self.model(**inputs.to(self.model.device), multimask_output=False)
        masks = self.processor.image_processor.post_process_masks(
            outputs.pred_masks.cpu(), inputs["original_sizes"].cpu(), inputs["reshaped_input_sizes"].cpu(),
            mask_threshold=self.config.mask_threshold)[0][:, 0].numpy()
        return [mask & box.mask(*rgb.shape[:2]) for mask, box in zip(masks, boxes)]
