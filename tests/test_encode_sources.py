"""RGB-D folder and video + sidecar frame sources, and open_source, on a tiny render."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.encode import RenderFolderSource, RGBDFolderSource, RGBVideoSource, VideoSidecarSource, open_source
from spatialcode.encode.frames import FrameSource
from spatialcode.formats.video import VideoWriter, read_video
from spatialcode.scene import CameraPose
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.render import RenderConfig, load_frames, render_scene
from tests.fixtures import tiny_scene

FPS = 4.0  # the render's frame rate


@pytest.fixture(scope="module")
def render_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("src") / "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        render_scene(tiny_scene(), out, RenderConfig(path=PathConfig(width=64, height=48, fps=FPS, max_frames=20, mask_threshold=20)),
                     progress=False)
    return out


@pytest.fixture(scope="module")
def render_data(render_dir):
    doc, depth, _ = load_frames(render_dir)
    return doc, depth, list(read_video(render_dir / "rgb.mp4"))


def write_rgbd_folder(render_data, out: Path, numbers=None, count: int = 20, color_scale: int = 1,
                      intrinsic: str = "depth") -> Path:
    """The first ``count`` render frames in the ScanNet layout, named by ``numbers`` (default
    0, 1, ...); colour ``color_scale`` times the depth size; K in ``intrinsic_<intrinsic>.txt``."""
    doc, depth, rgbs = render_data
    for sub in ("color", "depth", "pose", "intrinsic"):
        (out / sub).mkdir(parents=True)
    for n, rgb, d, entry in zip(numbers or range(count), rgbs[:count], depth, doc["frames"]):
        Image.fromarray(rgb.repeat(color_scale, 0).repeat(color_scale, 1)).save(out / "color" / f"{n}.png")
        Image.fromarray(d).save(out / "depth" / f"{n}.png")
        np.savetxt(out / "pose" / f"{n}.txt", CameraPose.from_dict(entry).matrix())
    k, intr = np.eye(4), doc["intrinsics"]
    k[0, 0], k[1, 1] = intr["fx"] * color_scale, intr["fy"] * color_scale
    k[0, 2], k[1, 2] = (intr["cx"] + 0.5) * color_scale - 0.5, (intr["cy"] + 0.5) * color_scale - 0.5
    np.savetxt(out / "intrinsic" / f"intrinsic_{intrinsic}.txt", k)
    return out


def assert_same_pose(pose: CameraPose, entry: dict) -> None:
    expected = CameraPose.from_dict(entry)
    np.testing.assert_allclose(pose.position, expected.position, atol=1e-12)
    np.testing.assert_allclose(pose.rotation_matrix(), expected.rotation_matrix(), atol=1e-9)


def test_rgbd_folder_round_trips_a_render(render_data, tmp_path):
    doc, depth, rgbs = render_data
    source = RGBDFolderSource(write_rgbd_folder(render_data, tmp_path / "scan"), fps=FPS)
    assert isinstance(source, FrameSource) and len(source) == 20 and source.fps == FPS == source.files_fps
    frames = list(source)
    assert [f.index for f in frames] == list(range(20))
    for frame, d, rgb, entry in zip(frames, depth, rgbs, doc["frames"]):
        assert frame.t == pytest.approx(entry["t"]) and frame.depth.dtype == np.float32
        assert np.abs(frame.depth - d * 0.001).max() < 1e-3
        assert np.array_equal(frame.rgb, rgb)
        assert_same_pose(frame.pose, entry)
    intr = frames[0].intrinsics
    assert (intr.width, intr.height) == (64, 48) and intr.fx == pytest.approx(doc["intrinsics"]["fx"])


def test_rgbd_folder_stride_unknown_poses_and_colour_intrinsics(render_data, tmp_path):
    doc = render_data[0]
    folder = write_rgbd_folder(render_data, tmp_path / "scan", numbers=list(range(0, 20, 2)), count=10, color_scale=2,
                               intrinsic="color")
    np.savetxt(folder / "pose" / "4.txt", np.full((4, 4), -np.inf))
    source = RGBDFolderSource(folder, stride=2, fps=FPS, rgb=True)
    frames = list(source)
    assert [f.index for f in frames] == [0, 4, 8, 12, 16] and len(source) == 5
    assert [f.t for f in frames] == [n / FPS for n in (0, 4, 8, 12, 16)]
    assert frames[1].pose is None and frames[2].pose is not None
    assert frames[0].rgb.shape == (48, 64, 3) and frames[0].rgb.dtype == np.uint8
    intr = frames[0].intrinsics  # the colour K (2x the depth size) scaled back to the depth images
    for name in ("fx", "fy", "cx", "cy"):
        assert getattr(intr, name) == pytest.approx(doc["intrinsics"][name])
    assert source.files_fps == FPS / 2
    assert next(iter(RGBDFolderSource(folder, rgb=False))).rgb is None


def _broken(good: Path, tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(good, tmp_path / name))


def test_rgbd_folder_bad_inputs_are_clear_errors(render_data, tmp_path):
    good = write_rgbd_folder(render_data, tmp_path / "good", count=4)
    with pytest.raises(InputFileError, match="no such folder"):
        RGBDFolderSource(tmp_path / "nowhere")
    missing = _broken(good, tmp_path, "missing")
    shutil.rmtree(missing / "pose")
    with pytest.raises(InputFileError, match=r"pose: folder is missing; an RGB-D folder needs color/, depth/, pose/"):
        RGBDFolderSource(missing)
    fewer = _broken(good, tmp_path, "fewer")
    (fewer / "pose" / "2.txt").unlink()
    with pytest.raises(InputFileError, match=r"color/ has 4 frames, depth/ 4 and pose/ 3; .*frame 2 is not in all three"):
        RGBDFolderSource(fewer)
    named = _broken(good, tmp_path, "named")
    (named / "depth" / "last.png").write_bytes(b"")
    with pytest.raises(InputFileError, match=r"last.png: frame files must be named <n>.png"):
        RGBDFolderSource(named)
    no_k = _broken(good, tmp_path, "no_k")
    (no_k / "intrinsic" / "intrinsic_depth.txt").unlink()
    with pytest.raises(InputFileError, match="no intrinsic/intrinsic_depth.txt or intrinsic/intrinsic_color.txt"):
        RGBDFolderSource(no_k)
    with pytest.raises(ValidationError, match="depth_scale: must be a positive number"):
        RGBDFolderSource(good, depth_scale=0)


def test_rgbd_folder_bad_files_fail_when_read(render_data, tmp_path):
    good = write_rgbd_folder(render_data, tmp_path / "good", count=3)
    cases = {
        ("color", "1.png"): (b"not a png", r"1.png: cannot read the image"),
        ("depth", "1.png"): (None, r"1.png: expected a 16-bit single-channel depth PNG, got Pillow mode 'L'"),
        ("pose", "1.txt"): (b"1 0 0\n0 1 0\n0 0 1\n", r"1.txt: expected a 4x4 matrix, got 3x3"),
    }
    for (sub, name), (content, message) in cases.items():
        folder = _broken(good, tmp_path, sub)
        if content is None:
            Image.fromarray(np.zeros((48, 64), np.uint8)).save(folder / sub / name)
        else:
            (folder / sub / name).write_bytes(content)
        frames = iter(RGBDFolderSource(folder))
        next(frames)
        with pytest.raises(InputFileError, match=message):
            next(frames)
    mirrored = _broken(good, tmp_path, "mirrored")
    np.savetxt(mirrored / "pose" / "0.txt", np.diag([1.0, 1.0, -1.0, 1.0]))
    with pytest.raises(InputFileError, match="not a rigid camera-to-world transform"):
        next(iter(RGBDFolderSource(mirrored)))


def test_video_sidecar_matches_the_render_folder(render_dir):
    source = VideoSidecarSource(render_dir / "rgb.mp4", render_dir / "frames.json")
    assert isinstance(source, FrameSource) and len(source) == 20 and source.fps == FPS
    for frame, expected in zip(source, RenderFolderSource(render_dir), strict=True):
        assert frame.index == expected.index and frame.t == expected.t
        assert np.array_equal(frame.depth, expected.depth) and np.array_equal(frame.rgb, expected.rgb)
        assert frame.pose == expected.pose and frame.intrinsics == expected.intrinsics
    sampled = list(VideoSidecarSource(render_dir / "rgb.mp4", render_dir / "frames.json", stride=6, rgb=False))
    assert [f.index for f in sampled] == [0, 6, 12, 18] and sampled[1].rgb is None


def _sidecar(render_dir: Path, folder: Path, frames: int | None = None, depth_frames: int | None = None) -> Path:
    """A copy of the render's frames.json in ``folder`` with its first ``frames`` entries and a
    depth.npz of its first ``depth_frames`` frames."""
    folder.mkdir(parents=True, exist_ok=True)
    doc, depth, _ = load_frames(render_dir)
    doc["frames"] = doc["frames"][:frames]
    np.savez(folder / "depth.npz", depth=depth[:depth_frames])
    (folder / "frames.json").write_text(json.dumps(doc))
    return folder / "frames.json"


def _mkv(render_data, path: Path, frames: int) -> Path:
    """The first ``frames`` render frames as a Matroska video (which declares no frame count)."""
    with VideoWriter(path, 64, 48, FPS) as writer:
        for rgb in render_data[2][:frames]:
            writer.write(rgb)
    return path


def test_video_sidecar_count_mismatches_are_clear_errors(render_dir, render_data, tmp_path):
    truncated = _sidecar(render_dir, tmp_path / "short", frames=18)
    with pytest.raises(InputFileError, match="the video has 20 frames, depth.npz 20 depth frames and frames.json 18 entries"):
        VideoSidecarSource(render_dir / "rgb.mp4", truncated)
    full = _sidecar(render_dir, tmp_path / "full")
    short_video = VideoSidecarSource(_mkv(render_data, tmp_path / "short.mkv", 18), full, rgb=False)
    with pytest.raises(InputFileError, match="the video has only 18 frames, depth.npz 20 depth frames and frames.json 20"):
        list(short_video)
    fewer = _sidecar(render_dir, tmp_path / "fewer", frames=18, depth_frames=18)
    long_video = VideoSidecarSource(_mkv(render_data, tmp_path / "long.mkv", 20), fewer)
    with pytest.raises(InputFileError, match="the video has more than 18 frames, depth.npz 18 depth frames"):
        list(long_video)


def test_bad_videos_and_sidecars_are_clear_errors(render_dir, tmp_path):
    video, sidecar = render_dir / "rgb.mp4", render_dir / "frames.json"
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video")
    with pytest.raises(InputFileError, match="garbage.mp4: cannot open video"):
        VideoSidecarSource(garbage, sidecar)
    doc = json.loads(sidecar.read_text())
    cases = {
        "no_depth": ({k: v for k, v in doc.items() if k != "depth"}, "no depth; the geometric encoder needs metric depth"),
        "no_fps": ({k: v for k, v in doc.items() if k != "fps"}, r"missing fps \(expected the frames.json schema"),
        "bad_pose": ({**doc, "frames": [{"t": 0.0}] + doc["frames"][1:]}, "frame 0 needs t .s., position .m. and quaternion"),
        "bad_scale": ({**doc, "depth": {**doc["depth"], "scale": -1}}, "depth.scale: must be a positive number"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(content))
        with pytest.raises(InputFileError, match=message):
            VideoSidecarSource(video, path)
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(InputFileError, match="broken.json: not valid JSON"):
        VideoSidecarSource(video, tmp_path / "broken.json")


def test_open_source_dispatches_on_the_input(render_dir, render_data, tmp_path):
    render = open_source(render_dir, target_fps=2.0)
    assert isinstance(render, RenderFolderSource) and render.stride == 2
    scan = write_rgbd_folder(render_data, tmp_path / "scan", numbers=list(range(0, 40, 4)), count=10)
    rgbd = open_source(scan, target_fps=3.0)  # files at 30 / 4 = 7.5 frames/s
    assert isinstance(rgbd, RGBDFolderSource) and rgbd.stride == 3 and len(rgbd) == 4
    video = open_source(render_dir / "rgb.mp4", stride=5, rgb=False)
    assert isinstance(video, VideoSidecarSource) and video.sidecar.name == "frames.json" and len(video) == 4
    lone = tmp_path / "lone" / "walk.mp4"
    lone.parent.mkdir()
    shutil.copy(render_dir / "rgb.mp4", lone)
    alone = open_source(lone, stride=4, hfov_deg=70.0, width=32)  # no sidecar: colour only
    assert isinstance(alone, RGBVideoSource) and len(alone) == 5 and alone.intrinsics.width == 32
    shutil.copy(render_dir / "frames.json", lone.with_suffix(".json"))
    shutil.copy(render_dir / "depth.npz", lone.parent / "depth.npz")
    assert len(open_source(lone)) == 20
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(InputFileError, match="notes.txt: not a frame source; give a render folder"):
        open_source(tmp_path / "notes.txt")
    with pytest.raises(InputFileError, match="no such file or folder"):
        open_source(tmp_path / "missing.mp4")
    with pytest.raises(ValidationError, match="only a video file takes a sidecar"):
        open_source(scan, sidecar=render_dir / "frames.json")


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])  # .mkv declares no frame count: the frames are counted
def test_rgb_video_is_colour_only_with_intrinsics_from_the_field_of_view(render_data, tmp_path, suffix):
    video = _mkv(render_data, tmp_path / f"walk{suffix}", 20)
    source = RGBVideoSource(video, hfov_deg=90.0)
    assert isinstance(source, FrameSource) and len(source) == 20 and source.fps == pytest.approx(FPS)
    frames = list(source)
    assert [f.index for f in frames] == list(range(20)) and frames[3].t == pytest.approx(3 / FPS)
    assert all(f.rgb.shape == (48, 64, 3) and f.depth is None and f.pose is None and f.instances is None for f in frames)
    assert source.intrinsics.fx == pytest.approx(32.0)  # half the width over tan(45°)
    np.testing.assert_allclose(frames[5].rgb.astype(float), render_data[2][5].astype(float), atol=40)  # lossy codec
    small = RGBVideoSource(video, stride=3, width=32)
    shrunk = list(small)
    assert len(small) == len(shrunk) == 7 and [f.index for f in shrunk] == list(range(0, 20, 3))
    assert shrunk[0].rgb.shape == (24, 32, 3) and small.intrinsics.fx == pytest.approx(16 / np.tan(np.radians(30)))


def test_rgb_video_bad_inputs_are_clear_errors(tmp_path):
    with pytest.raises(InputFileError, match="no such video file"):
        RGBVideoSource(tmp_path / "absent.mp4")
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    with pytest.raises(InputFileError, match="broken.mp4: cannot open video"):
        RGBVideoSource(tmp_path / "broken.mp4")
    with pytest.raises(ValidationError, match="hfov"):
        RGBVideoSource(tmp_path / "broken.mp4", hfov_deg=200)
