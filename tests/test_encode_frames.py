"""Frame sources and the ground-truth perception front end, on a tiny render."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.encode import (
    Detection,
    FaultySource,
    GroundTruthPerception,
    Perception,
    RenderFolderSource,
    sample_stride,
)
from spatialcode.encode.frames import FrameSource
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.faults import FaultConfig
from spatialcode.synth.render import RenderConfig, load_frames, render_scene
from tests.fixtures import tiny_scene


@pytest.fixture(scope="module")
def render_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("enc") / "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        render_scene(tiny_scene(), out, RenderConfig(path=PathConfig(width=64, height=48, fps=4.0, max_frames=20, mask_threshold=20)),
                     progress=False)
    return out


def test_render_folder_source_streams_every_frame(render_dir):
    source = RenderFolderSource(render_dir)
    assert isinstance(source, FrameSource) and len(source) == 20 and source.fps == 4.0
    doc, depth, masks = load_frames(render_dir)
    frames = list(source)
    assert [f.index for f in frames] == list(range(20))
    for frame, d, m, entry in zip(frames, depth, masks, doc["frames"]):
        assert frame.rgb.shape == (48, 64, 3) and frame.rgb.dtype == np.uint8
        np.testing.assert_allclose(frame.depth, d * 0.001, rtol=1e-6)
        assert np.array_equal(frame.instances, m)
        assert frame.t == entry["t"] and list(frame.pose.position) == entry["position"]
        assert frame.instance_labels == {int(k): v for k, v in entry["labels"].items()}
    assert frames[0].intrinsics.width == 64 and frames[0].intrinsics.fx == doc["intrinsics"]["fx"]


def test_stride_and_target_fps(render_dir):
    source = RenderFolderSource(render_dir, stride=3, rgb=False, poses=False)
    frames = list(source)
    assert [f.index for f in frames] == list(range(0, 20, 3)) and len(source) == len(frames)
    assert frames[1].rgb is None and frames[1].pose is None
    assert sample_stride(30.0, target_fps=10.0) == 3 and sample_stride(30.0, target_fps=7.0) == 5
    assert sample_stride(10.0) == 1 and sample_stride(10.0, stride=4) == 4
    with pytest.raises(ValidationError, match="not both"):
        sample_stride(10.0, stride=2, target_fps=5.0)
    with pytest.raises(ValidationError, match="stride"):
        sample_stride(10.0, stride=0)


def test_ground_truth_perception_returns_the_instances(render_dir):
    perception = GroundTruthPerception(min_pixels=5, ignore=("crate",))
    assert isinstance(perception, Perception)
    seen = set()
    for frame in RenderFolderSource(render_dir, rgb=False):
        out = perception.perceive(frame)
        for det in out.detections:
            assert isinstance(det, Detection) and det.mask.sum() >= 5
            assert np.array_equal(det.mask, frame.instances == det.source_id)
            assert det.label == frame.instance_labels[det.source_id] != "crate"
            seen.add(det.label)
    assert {"chair", "table", "cabinet"} <= seen and "crate" not in seen


def test_bad_render_folders_are_clear_errors(render_dir, tmp_path):
    with pytest.raises(InputFileError, match="not a render folder"):
        RenderFolderSource(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("frames.json", "depth.npz", "rgb.mp4"):
        (broken / name).write_bytes((render_dir / name).read_bytes())
    with pytest.raises(InputFileError, match="masks.npz is missing"):
        RenderFolderSource(broken)
    (broken / "masks.npz").write_bytes((render_dir / "masks.npz").read_bytes())
    doc = json.loads((broken / "frames.json").read_text())
    doc["frames"] = doc["frames"][:-2]
    (broken / "frames.json").write_text(json.dumps(doc))
    with pytest.raises(InputFileError, match="frames.json lists 18 frames but depth.npz has 20"):
        list(RenderFolderSource(broken))
    frame = next(iter(RenderFolderSource(render_dir, rgb=False)))
    frame.instances = None
    with pytest.raises(InputFileError, match="carries no instance masks"):
        GroundTruthPerception().perceive(frame)


def test_faulty_source_reproduces_the_renderers_faults(render_dir, tmp_path):
    """Faults injected at encode time into a clean render equal the faults the renderer writes
    (same seed): masks, labels and poses exactly, depth up to the render's millimetre storage."""
    faults = FaultConfig(depth_noise=0.01, depth_dropout=0.05, mask_erosion=1, missed_detection=0.3,
                         label_confusion=0.5, pose_drift=0.05, pose_drift_deg=1.0)
    faulty_dir = tmp_path / "faulty"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        render_scene(tiny_scene(), faulty_dir, RenderConfig(path=PathConfig(width=64, height=48, fps=4.0, max_frames=20,
                                                                            mask_threshold=20), faults=faults), progress=False)
    source = FaultySource(RenderFolderSource(render_dir, rgb=False), faults, seed=RenderConfig().seed)
    perception = GroundTruthPerception(min_pixels=1)
    changed = 0
    for _ in range(2):  # a second pass over the source drifts the same way
        frames = zip(source, RenderFolderSource(render_dir, rgb=False), RenderFolderSource(faulty_dir, rgb=False))
        for faulty, clean, rendered in frames:
            out, expected = perception.perceive(faulty), perception.perceive(rendered)
            assert [(d.label, d.source_id) for d in out.detections] == [(d.label, d.source_id) for d in expected.detections]
            assert all(np.array_equal(a.mask, b.mask) for a, b in zip(out.detections, expected.detections))
            np.testing.assert_allclose(faulty.depth, rendered.depth, atol=0.0011)
            assert np.allclose(faulty.pose.matrix(), rendered.pose.matrix(), atol=1e-9)
            changed += len(out.detections) != len(perception.perceive(clean).detections)
    assert changed > 0  # detections were really dropped
    assert len(source) == len(RenderFolderSource(render_dir)) and source.fps == RenderFolderSource(render_dir).fps


@pytest.mark.parametrize(("change", "message"), [
    (lambda entry: {k: v for k, v in entry.items() if k != "t"}, "frame 0 needs t"),
    (lambda entry: 7, "frame 0 needs t"),
    (lambda entry: {**entry, "labels": {"chair": "chair"}}, "frame 0: labels must map instance ids"),
    (lambda entry: {**entry, "position": ["0", "0", "1"]}, "frame 0: position: expected 3 numbers"),
])
def test_bad_frame_entries_are_refused_when_the_folder_opens(render_dir, tmp_path, change, message):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("depth.npz", "masks.npz", "rgb.mp4"):
        (broken / name).write_bytes((render_dir / name).read_bytes())
    doc = json.loads((render_dir / "frames.json").read_text())
    doc["frames"][0] = change(doc["frames"][0])
    (broken / "frames.json").write_text(json.dumps(doc))
    with pytest.raises(InputFileError, match=message):
        RenderFolderSource(broken)


def test_encoding_frames_without_usable_depth_fails(render_dir):
    from spatialcode.encode.encoder import encode

    class NoDepth(RenderFolderSource):
        def __iter__(self):
            for frame in super().__iter__():
                frame.depth = np.full_like(frame.depth, np.nan)
                yield frame

    with pytest.raises(InputFileError, match="no valid depth in any of the 20 frames"):
        encode(NoDepth(render_dir, rgb=False))


def test_encoding_holds_open3d_to_its_threads_and_gives_them_back(render_dir):
    """Open3D's parallel ICP and RANSAC make runs differ; the encoder holds it to
    ``open3d_threads`` while frames are read (where pose refinement runs) and restores the limit,
    also when encoding fails."""
    import open3d as o3d

    from spatialcode.encode.encoder import EncoderConfig, encode

    seen: list[int] = []

    class Watched(RenderFolderSource):
        def __iter__(self):
            for frame in super().__iter__():
                seen.append(o3d.utility.get_max_threads())
                yield frame

    before = o3d.utility.get_max_threads()
    encode(Watched(render_dir, rgb=False))
    assert seen and set(seen) == {1}
    assert o3d.utility.get_max_threads() == before
    seen.clear()
    encode(Watched(render_dir, rgb=False), config=EncoderConfig(open3d_threads=0))
    assert set(seen) == {before}  # 0: no limit

    class NoDepth(Watched):
        def __iter__(self):
            for frame in super().__iter__():
                frame.depth = np.zeros_like(frame.depth)
                yield frame

    with pytest.raises(InputFileError):
        encode(NoDepth(render_dir, rgb=False))
    assert o3d.utility.get_max_threads() == before


@pytest.mark.parametrize("threads", [-1, 1.5])
def test_open3d_threads_must_be_a_whole_number(threads):
    from spatialcode.encode.encoder import EncoderConfig

    with pytest.raises(ValidationError, match="open3d_threads"):
        EncoderConfig(open3d_threads=threads)


def test_the_encoder_measures_the_depth_spread_and_takes_its_smear_out_of_the_boxes(render_dir):
    """Exact depth has no spread and keeps its boxes; depth whose every frame comes out nearer or
    farther by a factor exp(N(0, 0.03²)) is measured at that spread, and the smear that spread
    predicts is taken out of its boxes: no side grows, the wall's picture and the cabinet's depth
    shrink. (The 20 frames cover the whole walk, so the frames compared are neighbours: ``lag``
    0.25 s; so few frames a surface do not smear a cloud as much as the spread predicts, so the
    boxes are not compared with the truth here: BENCHMARKS.md measures that on real layouts.)"""
    from dataclasses import asdict

    from spatialcode.core.version import __version__
    from spatialcode.encode.encoder import PRODUCER, Encoder, EncoderConfig, encode
    from spatialcode.encode.smear import SmearConfig
    from spatialcode.scene import Provenance

    class Flicker(RenderFolderSource):
        def __iter__(self):
            factors = np.exp(np.random.default_rng(11).normal(0.0, 0.03, len(self)))
            for frame in super().__iter__():
                frame.depth = frame.depth * np.float32(factors[frame.index])
                yield frame

    on = EncoderConfig(smear=SmearConfig(enabled=True, lag=0.25, every=1, block=2))  # 64 × 48: few 4-px blocks

    def spread(source) -> float:
        encoder = Encoder(on)
        for frame in source:
            encoder.update(frame)
        assert encoder.consistency.pairs >= 10
        return encoder.depth_spread

    assert spread(RenderFolderSource(render_dir, rgb=False)) < 0.005
    assert spread(Flicker(render_dir, rgb=False)) == pytest.approx(0.03, rel=0.25)  # a median of 19 pairs

    def sizes(code) -> dict[str, np.ndarray]:
        return {o.label: np.sort(o.box.size_array) for o in code.objects}

    exact_off, exact_on = (sizes(encode(RenderFolderSource(render_dir, rgb=False), config=c)[0]) for c in (None, on))
    assert exact_on.keys() == exact_off.keys()
    for label in exact_on:
        assert exact_on[label] == pytest.approx(exact_off[label], abs=0.01)

    flicker_off, flicker_on = (encode(Flicker(render_dir, rgb=False), config=c)[0] for c in (None, on))
    measured = flicker_on.provenance.config["smear_measured"]  # the code says what was measured
    assert measured["pairs"] >= 10 and measured["depth_spread"] == pytest.approx(0.03, rel=0.25)
    assert "smear_measured" not in flicker_off.provenance.config
    settings_only = Provenance.from_config(PRODUCER, asdict(on), __version__)  # the hash names the settings alone
    assert flicker_on.provenance.config_hash == settings_only.config_hash
    flicker_off, flicker_on = sizes(flicker_off), sizes(flicker_on)
    assert flicker_on.keys() == flicker_off.keys()
    for label in flicker_on:
        assert (flicker_on[label] <= flicker_off[label] + 1e-9).all()
    assert flicker_on["picture"][0] < flicker_off["picture"][0] - 0.01
    assert flicker_on["cabinet"][0] < flicker_off["cabinet"][0] - 0.005
