"""Faults injected into a clean frame source at encode time, so that one clean render serves
every fault level (degradation curves, the faulty benchmarks)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from spatialcode.encode.frames import Frame, FrameSource

if TYPE_CHECKING:
    from spatialcode.synth.faults import FaultConfig


class FaultySource:
    """The frames of ``source`` with the renderer's faults applied: depth noise and dropout, mask
    erosion, missed detections, label confusion (:func:`~spatialcode.synth.faults.apply_frame_faults`)
    and pose drift (:class:`~spatialcode.synth.faults.PoseDrift`), all deterministic per ``seed``
    and frame index — the same faults a render with that seed writes. The grazing-angle depth fault
    needs the surface normals only the renderer has, so it is not applied here. Frames without
    both depth and instance masks get only the pose drift (the encoder or the perception names
    what is missing)."""

    def __init__(self, source: FrameSource, faults: FaultConfig, seed: int = 0) -> None:
        self.source, self.faults, self.seed = source, faults, seed
        self.fps = source.fps

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[Frame]:
        from spatialcode.synth.faults import PoseDrift, apply_frame_faults

        drift = PoseDrift(self.faults, self.seed)  # each pass drifts the same way
        for frame in self.source:
            if frame.pose is not None:
                frame = replace(frame, pose=drift.apply(frame.pose))
            if frame.instances is not None and frame.depth is not None:
                faulty = apply_frame_faults(frame.index, frame.depth, frame.instances, frame.instance_labels,
                                            self.faults, self.seed)
                frame = replace(frame, depth=faulty.depth, instances=faulty.mask, instance_labels=faulty.labels)
            yield frame
