"""Reading a phone video (issue 25): display rotation, frames chosen by timestamp (variable frame
rates), the field of view from the file's metadata, and the one line when it is not there."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from spatialcode.core.errors import SpatialCodeError
from spatialcode.encode.sources import ASSUMED_HFOV_DEG, RGBVideoSource
from spatialcode.formats.video import hfov_from_tags, probe_video, sample_frames


def _write(path: Path, frames: list[np.ndarray], times_ms: list[int] | None = None, rotation: int = 0,
           tags: dict[str, str] | None = None) -> Path:
    """An H.264 file of ``frames`` (RGB, stored as given) at 10 frames/s, or at the presentation
    times ``times_ms``; ``rotation`` (degrees counter-clockwise) into its display matrix."""
    height, width = frames[0].shape[:2]
    # QuickTime files keep keys outside their own table only with `use_metadata_tags`, as phones write them
    with av.open(str(path), "w", options={"movflags": "use_metadata_tags"} if tags else None) as container:
        container.metadata.update(tags or {})
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        if times_ms is not None:
            stream.time_base = Fraction(1, 1000)
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if times_ms is not None:
                frame.pts, frame.time_base = times_ms[i], Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _grey(levels: list[int], size: tuple[int, int] = (48, 64)) -> list[np.ndarray]:
    return [np.full((*size, 3), level, np.uint8) for level in levels]


@pytest.mark.parametrize(("focal_mm", "width", "height", "hfov"), [
    # hand-worked: diagonal half-angle atan(43.27 / 52) = 39.76°; tan = 0.8321; × 16/√337 = 0.7253 → 2·35.95°
    (26.0, 1920, 1080, 71.9),
    (26.0, 1440, 1080, 67.3),  # × 4/5 = 0.6657 → 2·33.65°
    (26.0, 1080, 1920, 44.4),  # portrait: × 9/√337 = 0.4080 → 2·22.19°
])
def test_the_field_of_view_comes_from_a_35mm_equivalent_focal_length(focal_mm, width, height, hfov):
    tags = {"com.apple.quicktime.camera.focal_length.35mm_equivalent": str(focal_mm)}
    assert hfov_from_tags(tags, width, height) == pytest.approx(hfov, abs=0.05)


@pytest.mark.parametrize("tags", [{}, {"make": "Apple"}, {"focal_length_35mm": "wide"}, {"focal_length_35mm": "0.5"}])
def test_no_usable_focal_length_gives_no_field_of_view(tags):
    assert hfov_from_tags(tags, 1920, 1080) is None


def test_a_rotated_video_is_read_upright_with_its_sides_swapped(tmp_path):
    # stored 96 wide × 64 high with a red square at the stored top-left; the display matrix turns it
    # 90° counter-clockwise, so a viewer sees it 64 × 96 with the square at the bottom-left
    stored = np.zeros((64, 96, 3), np.uint8)
    stored[:16, :16] = (255, 0, 0)
    video = _write(tmp_path / "portrait.mp4", [stored] * 3, rotation=90)
    probe = probe_video(video)
    assert (probe.width, probe.height, probe.rotation) == (64, 96, 90)
    _, _, shown = next(sample_frames(video, 0.0, rotation=probe.rotation))
    assert shown.shape == (96, 64, 3)
    assert shown[-8, 8, 0] > 200 and shown[8, 8, 0] < 50 and shown[-8, -8, 0] < 50
    source = RGBVideoSource(video, hfov_deg=60.0)
    assert (source.intrinsics.width, source.intrinsics.height) == (64, 96)
    assert next(iter(source)).rgb.shape == (96, 64, 3)


def test_frames_are_chosen_by_their_timestamps(tmp_path):
    # a variable-rate file: frames at 0, 0.1, 0.3 and 0.6 s; one frame each 0.2 s keeps 0, 0.3, 0.6
    video = _write(tmp_path / "vfr.mkv", _grey([0, 40, 80, 120]), times_ms=[0, 100, 300, 600])
    chosen = [(index, round(t, 3), int(rgb[0, 0, 0])) for index, t, rgb in sample_frames(video, 0.2)]
    assert [(index, t) for index, t, _ in chosen] == [(0, 0.0), (2, 0.3), (3, 0.6)]
    assert [abs(level - want) <= 3 for (_, _, level), want in zip(chosen, (0, 80, 120))] == [True] * 3


def test_a_constant_rate_video_keeps_every_stride_th_frame(tmp_path):
    video = _write(tmp_path / "cfr.mp4", _grey(list(range(0, 220, 20))))  # 11 frames at 10 frames/s
    source = RGBVideoSource(video, hfov_deg=60.0, stride=3)
    frames = list(source)
    assert [f.index for f in frames] == [0, 3, 6, 9] and len(source) == 4
    assert [f.t for f in frames] == pytest.approx([0.0, 0.3, 0.6, 0.9])


def test_the_field_of_view_is_given_read_or_assumed(tmp_path):
    tagged = _write(tmp_path / "tagged.mov", _grey([0, 0], (48, 64)),
                    tags={"com.apple.quicktime.camera.focal_length.35mm_equivalent": "26"})
    plain = _write(tmp_path / "plain.mp4", _grey([0, 0], (48, 64)))
    read = RGBVideoSource(tagged)
    assert read.hfov_source == "metadata" and read.hfov_deg == pytest.approx(67.3, abs=0.05)  # 64 × 48 is 4:3
    assert RGBVideoSource(tagged, hfov_deg=80.0).hfov_source == "given"
    assumed = RGBVideoSource(plain)
    assert (assumed.hfov_source, assumed.hfov_deg) == ("assumed", ASSUMED_HFOV_DEG)
    f = assumed.intrinsics.fx
    assert math.degrees(2 * math.atan(32 / f)) == pytest.approx(60.0)


def test_an_assumed_field_of_view_is_one_warning_naming_the_option(tmp_path):
    from spatialcode.encode.pipeline import EncodePipelineConfig

    plain = _write(tmp_path / "room.mp4", _grey([0, 0], (48, 64)))
    config = EncodePipelineConfig(plain, perception="pretrained", detector_model="unused/detector", depth_model="x/y")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(SpatialCodeError, match="cannot load the depth model"):  # the warning comes first
            config.build_source()
    lines = [str(w.message) for w in caught]
    assert lines == ["no focal length in room.mp4's metadata: assuming a 60° horizontal field of view (phones' main "
                     "cameras film 64–75°); give hfov_deg (--hfov)"]
