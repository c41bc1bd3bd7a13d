"""RGB-only perception with pretrained models, exercised with tiny random models: metric depth
from colour, frames whose depth is predicted, open-vocabulary detection, box-prompted
segmentation, the perception front end over them, and one clear line for missing or unsuitable
weights."""

from __future__ import annotations

import numpy as np
import pytest

from spatialcode.core.errors import InputFileError, SpatialCodeError, ValidationError
from spatialcode.encode.frames import Frame
from spatialcode.encode.perception import Perception
from spatialcode.encode.pretrained import (
    Box2D,
    BoxPromptSegmenter,
    DepthModelConfig,
    DetectorConfig,
    DetectorSegmenterPerception,
    MonocularDepth,
    OpenVocabularyDetector,
    PredictedDepthSource,
    SegmenterConfig,
    VideoObjectTracker,
    VideoTrackerConfig,
)
from spatialcode.geometry.camera import Intrinsics
from tests.vision_fixtures import make_tiny_depth_model, make_tiny_detector, make_tiny_segmenter


@pytest.fixture(scope="module")
def depth_model(tmp_path_factory) -> str:
    return make_tiny_depth_model(tmp_path_factory.mktemp("depth") / "model")


@pytest.fixture(scope="module")
def detector_model(tmp_path_factory) -> str:
    return make_tiny_detector(tmp_path_factory.mktemp("detector") / "model")


@pytest.fixture(scope="module")
def segmenter_model(tmp_path_factory) -> str:
    return make_tiny_segmenter(tmp_path_factory.mktemp("segmenter") / "model")


def _frames(count: int, size: tuple[int, int] = (48, 64), rgb: bool = True) -> list[Frame]:
    rng = np.random.default_rng(0)
    intrinsics = Intrinsics(fx=50.0, fy=50.0, cx=size[1] / 2, cy=size[0] / 2, width=size[1], height=size[0])
    return [Frame(index=i, t=i / 10, rgb=rng.integers(0, 256, (*size, 3), dtype=np.uint8) if rgb else None,
                  depth=None, intrinsics=intrinsics) for i in range(count)]


class _Source(list):
    fps = 10.0


def test_metric_depth_has_the_image_size_and_the_range(depth_model):
    depth = MonocularDepth(DepthModelConfig(depth_model, max_depth=10.0))
    image = _frames(1)[0].rgb
    predicted = depth.predict(image)
    assert predicted.shape == (48, 64) and predicted.dtype == np.float32
    assert (predicted >= 0).all() and (predicted <= 10.0).all() and predicted.std() > 0
    # a shorter range blanks what lies beyond it, as a sensor's range ends
    near = MonocularDepth(DepthModelConfig(depth_model, max_depth=float(np.median(predicted[predicted > 0]))))
    clipped = near.predict(image)
    assert 0 < (clipped == 0).sum() < clipped.size and (clipped <= near.config.max_depth).all()
    with pytest.raises(ValidationError, match="rgb: expected an \\(H, W, 3\\) uint8 image"):
        depth.predict(image.astype(np.float32))


def test_frames_get_predicted_depth_and_keep_the_rest(depth_model):
    depth = MonocularDepth(DepthModelConfig(depth_model))
    frames = _frames(3)
    source = PredictedDepthSource(_Source(frames), depth)
    out = list(source)
    assert len(source) == 3 and source.fps == 10.0
    assert all(f.depth is not None and f.depth.shape == (48, 64) for f in out)
    assert [f.index for f in out] == [0, 1, 2] and all(a.rgb is b.rgb for a, b in zip(out, frames))
    np.testing.assert_array_equal(out[1].depth, depth.predict(frames[1].rgb))
    with pytest.raises(InputFileError, match="frame 0 has no colour image"):
        list(PredictedDepthSource(_Source(_frames(1, rgb=False)), depth))


def test_relative_depth_models_are_refused_in_one_clear_line(tmp_path):
    relative = make_tiny_depth_model(tmp_path / "relative", metric=False)
    with pytest.raises(SpatialCodeError, match="predicts relative depth, not metres"):
        MonocularDepth(DepthModelConfig(relative))
    with pytest.raises(ValidationError, match="max_depth"):
        DepthModelConfig("x", max_depth=0)


def _iou(a, b) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - width * height
    return width * height / union


def test_detections_are_labelled_in_the_image_best_first_and_suppressed(detector_model):
    labels = ("sofa", "ceiling light", "trash bin")
    image = _frames(1)[0].rgb
    everything = OpenVocabularyDetector(DetectorConfig(detector_model, labels=labels, threshold=0.0, nms_iou=1.0,
                                                       max_detections=1000)).detect(image)
    assert 3 < len(everything) <= 16  # at most one box per image patch of the tiny model; none suppressed at IoU 1
    detector = OpenVocabularyDetector(DetectorConfig(detector_model, labels=labels, threshold=0.0, nms_iou=0.3,
                                                     max_detections=10))
    found = detector.detect(image)
    assert 0 < len(found) <= 10 and len(found) < len(everything)
    assert all(d.label in labels and 0.0 <= d.score <= 1.0 for d in found)
    assert all(0 <= d.xyxy[0] < d.xyxy[2] <= 64 and 0 <= d.xyxy[1] < d.xyxy[3] <= 48 for d in found)
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)
    assert all(_iou(a.xyxy, b.xyxy) <= 0.3 for i, a in enumerate(found) for b in found[i + 1:] if a.label == b.label)
    median = sorted(d.score for d in everything)[len(everything) // 2]
    strict = OpenVocabularyDetector(DetectorConfig(detector_model, labels=labels, threshold=median, nms_iou=1.0,
                                                   max_detections=1000)).detect(image)
    assert 0 < len(strict) < len(everything) and all(d.score > median for d in strict)
    with pytest.raises(ValidationError, match="rgb"):
        detector.detect(image[..., 0])


@pytest.mark.parametrize(("settings", "field"), [
    ({"labels": ()}, "labels"), ({"query": "a photo"}, "query"), ({"threshold": 1.5}, "threshold"),
    ({"max_detections": 0}, "max_detections"), ({"model": " "}, "detector_model"),
])
def test_detector_settings_are_validated(settings, field):
    with pytest.raises(ValidationError, match=field):
        DetectorConfig(**{"model": "m", **settings})


def test_masks_follow_their_boxes(segmenter_model):
    segmenter = BoxPromptSegmenter(SegmenterConfig(segmenter_model))
    image = _frames(1)[0].rgb
    boxes = [Box2D((2.0, 3.0, 30.0, 40.0), "sofa", 0.9), Box2D((40.0, 10.0, 63.0, 45.0), "tv", 0.5)]
    masks = segmenter.segment(image, boxes)
    assert len(masks) == 2 and all(m.shape == (48, 64) and m.dtype == bool for m in masks)
    for mask, box in zip(masks, boxes):
        assert mask.any() and not (mask & ~box.mask(48, 64)).any()  # something inside, nothing outside its box
    assert segmenter.segment(image, []) == []
    everything = BoxPromptSegmenter(SegmenterConfig(segmenter_model, mask_threshold=-1e9)).segment(image, boxes[:1])[0]
    np.testing.assert_array_equal(everything, boxes[0].mask(48, 64))  # every pixel in: exactly the box


class _FixedDetector:
    def __init__(self, boxes):
        self.boxes = boxes

    def detect(self, rgb):
        return self.boxes


def test_detector_segmenter_perception_gives_the_encoder_labelled_masks(detector_model, segmenter_model):
    frame = _frames(1)[0]
    boxes = [Box2D((0.0, 0.0, 20.0, 20.0), "sofa", 0.9), Box2D((30.0, 30.0, 33.0, 33.0), "cup", 0.4)]
    boxed = DetectorSegmenterPerception(_FixedDetector(boxes), min_pixels=50).perceive(frame)
    assert isinstance(DetectorSegmenterPerception(_FixedDetector(boxes)), Perception)
    assert [(d.label, d.score, int(d.mask.sum())) for d in boxed.detections] == [("sofa", 0.9, 400)]  # the cup: 9 px
    assert boxed.depth is None and boxed.pose is None
    detector = OpenVocabularyDetector(DetectorConfig(detector_model, labels=("sofa", "tv"), threshold=0.0))
    segmented = DetectorSegmenterPerception(detector, BoxPromptSegmenter(SegmenterConfig(segmenter_model)), min_pixels=1)
    found = segmented.perceive(frame).detections
    assert found and all(d.label in ("sofa", "tv") and d.mask.shape == (48, 64) and d.mask.any() for d in found)
    with pytest.raises(InputFileError, match="frame 0 has no colour image"):
        segmented.perceive(_frames(1, rgb=False)[0])


@pytest.mark.parametrize(("build", "role"), [
    (lambda path: MonocularDepth(DepthModelConfig(path)), "depth"),
    (lambda path: OpenVocabularyDetector(DetectorConfig(path)), "detector"),
    (lambda path: BoxPromptSegmenter(SegmenterConfig(path)), "segmenter"),
    (lambda path: VideoObjectTracker(VideoTrackerConfig(path)), "tracker"),
])
def test_each_provider_names_its_missing_model_and_how_to_provide_it(tmp_path, build, role):
    with pytest.raises(SpatialCodeError, match=f"the {role} model folder .* does not exist: give {role}_model .*hf download"):
        build(str(tmp_path / "absent"))
    with pytest.raises(SpatialCodeError, match=f"cannot load the {role} model 'nobody/absent'") as uncached:
        build("nobody/absent")  # not in the cache; the tests run offline
    assert "\n" not in str(uncached.value)


def test_the_suite_runs_offline():
    """tests/conftest.py turns the hub's offline mode on before huggingface_hub is imported,
    however pytest is started."""
    from huggingface_hub import constants

    assert constants.HF_HUB_OFFLINE is True


def test_a_hub_id_is_read_from_the_cache_without_a_network_request(monkeypatch, tmp_path):
    """Even with the hub reachable as far as huggingface_hub knows (offline mode off), a hub id
    that is not cached is one clear line and no connection is attempted: nothing is downloaded
    unless asked for."""
    import socket

    from huggingface_hub import constants

    attempts: list[object] = []

    def refuse(sock, address):
        attempts.append(address)
        raise OSError("the tests make no network connections")

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(SpatialCodeError, match="cannot load the depth model 'nobody/absent' .*not in the local Hugging Face "
                                               "cache.*download=True") as uncached:
        MonocularDepth(DepthModelConfig("nobody/absent"))
    assert "\n" not in str(uncached.value) and attempts == []


def test_a_cached_hub_id_loads_from_its_snapshot(monkeypatch, tmp_path, depth_model):
    """A hub id whose files are in the Hugging Face cache (its layout: refs/main names the
    snapshot folder) loads offline like the folder itself."""
    import shutil

    from huggingface_hub import constants

    repo = tmp_path / "cache" / "models--someone--tiny-depth"
    shutil.copytree(depth_model, repo / "snapshots" / "0123abcd")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    image = _frames(1)[0].rgb
    cached = MonocularDepth(DepthModelConfig("someone/tiny-depth")).predict(image)
    np.testing.assert_array_equal(cached, MonocularDepth(DepthModelConfig(depth_model)).predict(image))
