"""The fast preset's front end (issue 25): detections on key frames only, masks from the box and
the depth instead of SAM, and the time each stage takes."""

from __future__ import annotations

import numpy as np
import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.encode.frames import Frame, stage_seconds
from spatialcode.encode.pretrained.box_masks import depth_box_mask
from spatialcode.encode.pretrained.detect import Box2D
from spatialcode.encode.pretrained.front_ends import DetectorSegmenterPerception
from spatialcode.geometry.camera import Intrinsics


def _wall_with_block() -> np.ndarray:
    """A 48 × 64 depth image: a wall 4 m away, and a block 2 m away at rows 10–29, columns 20–39."""
    depth = np.full((48, 64), 4.0, np.float32)
    depth[10:30, 20:40] = 2.0
    return depth


def test_the_mask_is_the_block_in_front_of_the_wall():
    # the box (15, 5)–(45, 35) holds the 20 × 20 block and 500 pixels of wall around it
    mask = depth_box_mask((15.0, 5.0, 45.0, 35.0), _wall_with_block())
    expected = np.zeros((48, 64), bool)
    expected[10:30, 20:40] = True
    np.testing.assert_array_equal(mask, expected)


def test_a_box_on_a_flat_wall_keeps_the_whole_box():
    mask = depth_box_mask((15.0, 5.0, 45.0, 35.0), np.full((48, 64), 4.0, np.float32))
    assert mask.sum() == 30 * 30 and mask[5:35, 15:45].all()


def test_a_sliver_nearer_than_the_object_is_not_taken_for_it():
    # 40 pixels of a chair leg at 1 m in front of the block: 4 % of the box, below the share
    depth = _wall_with_block()
    depth[10:30, 15:17] = 1.0
    mask = depth_box_mask((15.0, 5.0, 45.0, 35.0), depth)
    assert mask[10:30, 20:40].all() and not mask[10:30, 15:17].any() and mask.sum() == 400


def test_a_box_without_depth_is_the_box():
    assert depth_box_mask((15.0, 5.0, 45.0, 35.0), np.zeros((48, 64), np.float32)).sum() == 900


class _CountingDetector:
    def __init__(self) -> None:
        self.frames: list[int] = []

    def detect(self, rgb: np.ndarray) -> list[Box2D]:
        self.frames.append(int(rgb[0, 0, 0]))
        return [Box2D((15.0, 5.0, 45.0, 35.0), "table", 0.9)]


def _frame(i: int) -> Frame:
    rgb = np.full((48, 64, 3), i, np.uint8)
    return Frame(index=i, t=i / 10, rgb=rgb, depth=_wall_with_block(), intrinsics=Intrinsics.from_hfov(64, 48, 60.0))


def test_the_detector_runs_on_key_frames_only():
    detector = _CountingDetector()
    front_end = DetectorSegmenterPerception(detector, detect_every=2, box_masks="depth-box")
    found = [len(front_end.perceive(_frame(i)).detections) for i in range(6)]
    assert detector.frames == [0, 2, 4] and found == [1, 0, 1, 0, 1, 0]
    assert front_end.perceive(_frame(6)).detections[0].mask.sum() == 400  # the block, not the box
    assert set(front_end.stage_seconds) == {"detection", "segmentation"}
    with pytest.raises(ValidationError, match="box_masks"):
        DetectorSegmenterPerception(detector, box_masks="sam")


def test_stage_seconds_add_up_down_a_chain_of_sources():
    class Source:
        def __init__(self, inner, stages):
            self.source, self.stage_seconds = inner, stages

    chain = Source(Source(Source(None, {"decode": 1.0}), {"depth": 2.0}), {"poses": 0.5})
    front_end = Source(None, {"detection": 3.0, "depth": 0.25})
    assert stage_seconds(chain, front_end) == {"poses": 0.5, "depth": 2.25, "decode": 1.0, "detection": 3.0}
