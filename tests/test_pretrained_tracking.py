"""Following detections through a video with SAM-2 (a tiny random model): stable object ids,
bounded memory, the detector run every N-th frame, and only new detections starting objects."""

from __future__ import annotations

import numpy as np
import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.encode.frames import Frame
from spatialcode.encode.perception import Perception
from spatialcode.encode.pretrained import Box2D, DetectorTrackerPerception, VideoObjectTracker, VideoTrackerConfig
from spatialcode.encode.pretrained.track import box_iou, mask_box, new_detections
from spatialcode.geometry.camera import Intrinsics
from tests.vision_fixtures import make_tiny_tracker

HEIGHT, WIDTH = 48, 64


@pytest.fixture(scope="module")
def tracker_model(tmp_path_factory) -> str:
    return make_tiny_tracker(tmp_path_factory.mktemp("tracker") / "model")


def _images(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(count)]


def test_box_overlap_and_which_detections_are_new():
    iou = box_iou(np.array([[0, 0, 10, 10], [0, 0, 20, 10]]), np.array([[0, 0, 10, 10], [5, 0, 15, 10], [50, 50, 60, 60]]))
    np.testing.assert_allclose(iou, [[1.0, 50 / 150, 0.0], [0.5, 0.5, 0.0]])
    mask = np.zeros((HEIGHT, WIDTH), dtype=bool)
    assert mask_box(mask) is None
    mask[5:9, 20:31] = True
    assert mask_box(mask) == (20.0, 5.0, 31.0, 9.0)
    sofa, cup = Box2D((0, 0, 10, 10), "sofa", 0.9), Box2D((30, 30, 40, 40), "cup", 0.5)
    assert new_detections([sofa, cup], [(1, 0, 10, 10)], min_iou=0.3) == [cup]
    assert new_detections([sofa, cup], [(1, 0, 10, 10)], min_iou=0.95) == [sofa, cup]
    assert new_detections([sofa], [], min_iou=0.3) == [sofa]


@pytest.mark.parametrize(("settings", "field"), [
    ({"detect_every": 0}, "detect_every"), ({"new_object_iou": 1.5}, "new_object_iou"), ({"model": " "}, "tracker_model"),
])
def test_tracker_settings_are_validated(settings, field):
    with pytest.raises(ValidationError, match=field):
        VideoTrackerConfig(**{"model": "m", **settings})


def test_objects_keep_their_ids_and_the_memory_stays_bounded(tracker_model):
    tracker = VideoObjectTracker(VideoTrackerConfig(tracker_model))
    images = _images(12)
    assert tracker.track(images[0]) == []  # nothing to follow yet
    assert tracker.add([Box2D((2, 3, 30, 40), "sofa", 0.9), Box2D((40, 10, 63, 45), "tv", 0.5)]) == [0, 1]
    for t, image in enumerate(images[1:], start=1):
        if t == 5:
            assert tracker.add([Box2D((10, 10, 20, 20), "cup", 0.4)]) == [2]
        tracked = tracker.track(image)
        expected = [(0, "sofa", 0.9), (1, "tv", 0.5)] + ([(2, "cup", 0.4)] if t >= 5 else [])
        assert [(m.object_id, m.label, m.score) for m in tracked] == expected
        assert all(m.mask.shape == (HEIGHT, WIDTH) and m.mask.dtype == bool for m in tracked)
    kept = [len(outputs["non_cond_frame_outputs"]) for outputs in tracker.session.output_dict_per_obj.values()]
    assert max(kept) <= tracker.history + 1 and len(tracker.session.processed_frames) == 1  # 11 frames were tracked
    with pytest.raises(ValidationError, match="frames of one video must keep their size"):
        tracker.track(images[0][:40])


@pytest.mark.parametrize(("threshold", "pixels"), [(-1e9, HEIGHT * WIDTH), (1e9, 0)])
def test_the_mask_threshold_applies_at_the_frame_size(tracker_model, threshold, pixels):
    tracker = VideoObjectTracker(VideoTrackerConfig(tracker_model, mask_threshold=threshold))
    tracker.add([Box2D((2, 3, 30, 40), "sofa", 0.9)])
    assert [int(m.mask.sum()) for m in tracker.track(_images(1)[0])] == [pixels]


class _ScriptedDetector:
    """Returns the boxes scripted for its n-th call, and counts the calls."""

    def __init__(self, script):
        self.script, self.calls = script, 0

    def detect(self, rgb):
        self.calls += 1
        return self.script[self.calls - 1]


def test_detector_tracker_perception_detects_every_nth_frame_and_starts_only_new_objects(tracker_model):
    sofa, cup = Box2D((0, 0, 64, 48), "sofa", 0.9), Box2D((0, 0, 10, 10), "cup", 0.5)
    detector = _ScriptedDetector([[sofa], [sofa, cup], [sofa]])
    # every logit counts: each tracked mask is the whole frame, so the sofa is tracked and the small cup is new
    tracker = VideoObjectTracker(VideoTrackerConfig(tracker_model, detect_every=3, mask_threshold=-1e9))
    perception = DetectorTrackerPerception(detector, tracker)
    assert isinstance(perception, Perception)
    intrinsics = Intrinsics(fx=50.0, fy=50.0, cx=32.0, cy=24.0, width=WIDTH, height=HEIGHT)
    seen = [[(d.source_id, d.label, d.score) for d in perception.perceive(
        Frame(index=i, t=i / 10, rgb=image, depth=None, intrinsics=intrinsics)).detections]
        for i, image in enumerate(_images(7))]
    assert detector.calls == 3  # frames 0, 3 and 6
    assert seen == [[(0, "sofa", 0.9)]] * 3 + [[(0, "sofa", 0.9), (1, "cup", 0.5)]] * 4
