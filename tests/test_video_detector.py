"""The fast preset's detector (issue 25): OWL-ViT beside OWLv2, query embeddings computed once,
boxes mapped back by each model's own resizing, and the torch device."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.encode.pretrained import DetectorConfig, OpenVocabularyDetector
from tests.vision_fixtures import make_tiny_detector, make_tiny_owlvit

LABELS = ("chair", "table", "lamp")


@pytest.fixture(scope="module", params=["owlvit", "owlv2"])
def detector(request, tmp_path_factory) -> OpenVocabularyDetector:
    make = {"owlvit": make_tiny_owlvit, "owlv2": make_tiny_detector}[request.param]
    path = make(tmp_path_factory.mktemp(request.param) / "model")
    return OpenVocabularyDetector(DetectorConfig(path, labels=LABELS, threshold=0.0, max_detections=10))


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)


def test_cached_queries_give_the_models_own_outputs(detector, monkeypatch):
    """The logits and boxes post-processed are those of the model's full forward pass (text and
    image together), frame after frame."""
    seen = []
    post = detector.processor.post_process_grounded_object_detection
    monkeypatch.setattr(detector.processor, "post_process_grounded_object_detection",
                        lambda outputs, **kw: seen.append(outputs) or post(outputs, **kw))
    length = detector.model.config.text_config.max_position_embeddings
    for seed in (0, 1):
        rgb = _image(seed)
        detector.detect(rgb)
        inputs = detector.processor(text=[detector.queries], images=rgb, return_tensors="pt", padding="max_length",
                                    truncation=True, max_length=length)
        with torch.inference_mode():
            full = detector.model(**inputs)
        torch.testing.assert_close(seen[-1].logits, full.logits, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(seen[-1].pred_boxes, full.pred_boxes, atol=1e-6, rtol=1e-6)


def test_a_box_is_mapped_back_by_the_models_own_resizing(detector, monkeypatch):
    """Hand-worked: one box at (centre 0.5, 0.5; size 0.5 × 0.5) of the model's input, on a 64 × 48
    image. OWL-ViT stretches the image to its square input: (16, 12, 48, 36). OWLv2 pads it to a
    64 × 64 square at the bottom first: (16, 16, 48, 48), the bottom clipped to the image."""
    patches = detector.model.box_bias.shape[0]
    logits = torch.full((1, patches, len(LABELS)), -20.0)
    logits[0, 0, 1] = 20.0  # one confident "table"
    boxes = torch.full((1, patches, 4), 0.5)
    monkeypatch.setattr(detector.model, "class_predictor", lambda *a: (logits, None))
    monkeypatch.setattr(detector.model, "box_predictor", lambda *a: boxes)
    monkeypatch.setattr(detector, "config", DetectorConfig(detector.config.model, labels=LABELS, threshold=0.5))
    found = detector.detect(_image())
    expected = {"owlvit": (16.0, 12.0, 48.0, 36.0), "owlv2": (16.0, 16.0, 48.0, 48.0)}[detector.model.config.model_type]
    assert [(d.label, d.xyxy) for d in found] == [("table", pytest.approx(expected))]


def test_a_missing_accelerator_is_one_line(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    path = make_tiny_detector(tmp_path / "owlv2")
    with pytest.raises(SpatialCodeError, match=r"device 'cuda' asked for, but torch sees no CUDA GPU here: use --device cpu"):
        OpenVocabularyDetector(DetectorConfig(path, device="cuda"))
    with pytest.raises(ValidationError, match="device"):
        DetectorConfig(path, device="gpu")
    auto = OpenVocabularyDetector(DetectorConfig(path, device="auto"))
    assert auto.model.device.type == "cpu"

