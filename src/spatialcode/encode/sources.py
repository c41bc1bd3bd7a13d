"""Frame sources for real captures, and :func:`open_source`, which picks the source for a path.

- :class:`RGBDFolderSource`: the RGB-D export layout of ScanNet (and ARKitScenes exports converted
  to it): ``color/<n>.jpg|png``, ``depth/<n>.png`` (16-bit), ``pose/<n>.txt`` (4×4
  camera-to-world), ``intrinsic/intrinsic_depth.txt`` (or ``intrinsic_color.txt``).
- :class:`VideoSidecarSource`: a video file plus a JSON sidecar of the renderer's ``frames.json``
  schema (intrinsics, per-frame poses, and a depth ``.npz`` beside it).
- :class:`RGBVideoSource`: an ordinary RGB video (colour only; intrinsics from an assumed field
  of view).
- :func:`open_source`: a render folder, an RGB-D folder or a video file → its frame source.

All of them stream (one frame in memory at a time) and follow the conventions of
:mod:`spatialcode.encode.frames`: depth is z-depth in metres (0 = no measurement), poses are
camera-to-world in the OpenCV camera frame (+z forward, +x right, +y down), and rgb has the size
of depth (colour is resized, bilinear, when the capture's sizes differ).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.validation import positive_number
from spatialcode.encode.frames import Frame, FrameSource, RenderFolderSource, sample_stride
from spatialcode.formats import VIDEO_SUFFIXES
from spatialcode.formats.frames_json import frame_entry_pose, read_frames_document
from spatialcode.formats.npz_stream import NpzStreamReader
from spatialcode.formats.video import hfov_from_tags, open_video, probe_video, sample_frames
from spatialcode.geometry.camera import Intrinsics
from spatialcode.scene import CameraPose

#: File suffixes of the colour images of an RGB-D folder.
COLOR_SUFFIXES = (".jpg", ".jpeg", ".png")
#: Pillow modes of a 16-bit (or 32-bit integer) single-channel depth PNG.
_DEPTH_MODES = ("I;16", "I;16L", "I;16B", "I")
_ACCEPTED_INPUTS = ("a render folder (with frames.json), an RGB-D folder (color/, depth/, pose/, intrinsic/) or a video "
                    f"file ({'/'.join(VIDEO_SUFFIXES)}), with a JSON sidecar of depth and poses or colour only")
_END = object()  # end of a video's frames


def _load_image(path: Path) -> Image.Image:
    """The decoded image at ``path``, or :class:`InputFileError` naming it."""
    try:
        image = Image.open(path)
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise InputFileError(f"{path}: cannot read the image ({err})") from None
    return image


def _image_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels of the image at ``path``, read from its header."""
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise InputFileError(f"{path}: cannot read the image ({err})") from None


def _rgb_array(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """``image`` as an (H, W, 3) uint8 RGB array of ``size`` = (W, H) pixels (bilinear resize when
    its size differs)."""
    image = image.convert("RGB")
    if image.size != size:
        image = image.resize(size, Image.Resampling.BILINEAR)
    return np.array(image)


def _read_depth(path: Path, size: tuple[int, int], depth_scale: float) -> np.ndarray:
    """The depth PNG at ``path`` as (H, W) float32 metres (``depth_scale`` units per metre)."""
    image = _load_image(path)
    if image.mode not in _DEPTH_MODES:
        raise InputFileError(f"{path}: expected a 16-bit single-channel depth PNG, got Pillow mode {image.mode!r}")
    if image.size != size:
        raise InputFileError(f"{path}: depth image is {image.size[0]}x{image.size[1]} pixels, the first one {size[0]}x{size[1]}")
    return np.asarray(image).astype(np.float32) / np.float32(depth_scale)


def _read_matrix(path: Path, shapes: tuple[tuple[int, int], ...]) -> np.ndarray:
    """The whitespace-separated matrix in the text file at ``path``; its shape must be in ``shapes``."""
    try:
        matrix = np.loadtxt(path, ndmin=2)
    except (OSError, ValueError) as err:
        raise InputFileError(f"{path}: cannot read a matrix ({err})") from None
    if matrix.shape not in shapes:
        wanted = " or ".join(f"{rows}x{cols}" for rows, cols in shapes)
        raise InputFileError(f"{path}: expected a {wanted} matrix, got {matrix.shape[0]}x{matrix.shape[1]}")
    return matrix


def _read_pose(path: Path, t: float) -> CameraPose | None:
    """The camera-to-world pose at time ``t`` (s) from the 4×4 matrix (metres) at ``path``;
    ``None`` when the matrix holds inf or nan (pose unknown)."""
    matrix = _read_matrix(path, ((4, 4),))
    if not np.isfinite(matrix).all():
        return None
    rotation = matrix[:3, :3]
    if (not np.allclose(matrix[3], (0.0, 0.0, 0.0, 1.0), atol=1e-6) or np.linalg.det(rotation) <= 0
            or not np.allclose(rotation.T @ rotation, np.eye(3), atol=1e-2)):
        raise InputFileError(f"{path}: not a rigid camera-to-world transform [R t; 0 0 0 1] with R a rotation")
    return CameraPose.from_matrix(matrix, t)


def _numbered_files(folder: Path, suffixes: tuple[str, ...]) -> dict[int, Path]:
    """The files of ``folder`` with one of ``suffixes``, by their frame number (the integer name)."""
    if not folder.is_dir():
        raise InputFileError(f"{folder}: folder is missing; an RGB-D folder needs color/, depth/, pose/ and intrinsic/")
    files: dict[int, Path] = {}
    for path in folder.iterdir():
        if path.name.startswith(".") or path.suffix.lower() not in suffixes:
            continue
        if not (path.stem.isascii() and path.stem.isdigit()):
            raise InputFileError(f"{path}: frame files must be named <n>{path.suffix} with n the frame number")
        number = int(path.stem)
        if number in files:
            raise InputFileError(f"{path}: frame {number} appears twice (also {files[number].name})")
        files[number] = path
    if not files:
        raise InputFileError(f"{folder}: no {'/'.join(suffixes)} frame files")
    return files


def _matched_numbers(folder: Path, color: dict[int, Path], depth: dict[int, Path], pose: dict[int, Path]) -> list[int]:
    """The sorted frame numbers, which color/, depth/ and pose/ must all have."""
    every, common = color.keys() | depth.keys() | pose.keys(), color.keys() & depth.keys() & pose.keys()
    if every != common:
        raise InputFileError(
            f"{folder}: color/ has {len(color)} frames, depth/ {len(depth)} and pose/ {len(pose)}; they must match "
            f"one to one (frame {min(every - common)} is not in all three)"
        )
    return sorted(common)


def _depth_intrinsics(folder: Path, depth_size: tuple[int, int], color_size: tuple[int, int]) -> Intrinsics:
    """Pinhole intrinsics (pixels) of the depth images (``depth_size`` = (W, H)): from
    ``intrinsic/intrinsic_depth.txt``, else ``intrinsic/intrinsic_color.txt`` scaled from
    ``color_size`` to ``depth_size``."""
    depth_k, color_k = folder / "intrinsic" / "intrinsic_depth.txt", folder / "intrinsic" / "intrinsic_color.txt"
    path, of_size = (depth_k, depth_size) if depth_k.is_file() else (color_k, color_size)
    if not path.is_file():
        raise InputFileError(f"{folder}: no intrinsic/intrinsic_depth.txt or intrinsic/intrinsic_color.txt "
                             "(the 3x3 or 4x4 camera matrix K)")
    k = _read_matrix(path, ((3, 3), (4, 4)))
    sx, sy = depth_size[0] / of_size[0], depth_size[1] / of_size[1]
    try:
        return Intrinsics(k[0, 0], k[1, 1], k[0, 2], k[1, 2], *of_size).scaled(sx, sy, *depth_size)
    except ValidationError as err:
        raise InputFileError(f"{path}: {err}") from None


class RGBDFolderSource:
    """The frames of an RGB-D export folder in the ScanNet layout: ``color/<n>.jpg|png``,
    ``depth/<n>.png`` (16-bit, ``depth_scale`` units per metre, 0 = no measurement),
    ``pose/<n>.txt`` (4×4 camera-to-world matrix in metres, OpenCV camera frame; inf/nan =
    unknown → ``pose=None``) and ``intrinsic/intrinsic_depth.txt`` (3×3 or 4×4 K of the depth
    images; else ``intrinsic_color.txt``, scaled to the depth size).

    Frames come in the order of the integer ``n``, which is also :attr:`Frame.index`; ``t = n /
    fps`` seconds (``fps``: the capture rate, 30 for ScanNet). The colour image is resized
    (bilinear) to the depth size, so rgb and depth share the depth intrinsics (this assumes both
    cover the same field of view, as registered exports do). Every ``stride``-th file is yielded;
    ``rgb=False`` skips reading colour.
    """

    def __init__(self, folder: str | Path, stride: int = 1, depth_scale: float = 1000.0, fps: float = 30.0,
                 rgb: bool = True) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise InputFileError(f"{self.folder}: no such folder")
        self.fps = positive_number(fps, "fps")
        self.depth_scale = positive_number(depth_scale, "depth_scale")
        self.stride = sample_stride(self.fps, stride)
        self.with_rgb = rgb
        color = _numbered_files(self.folder / "color", COLOR_SUFFIXES)
        depth = _numbered_files(self.folder / "depth", (".png",))
        pose = _numbered_files(self.folder / "pose", (".txt",))
        self.files = [(n, color[n], depth[n], pose[n]) for n in _matched_numbers(self.folder, color, depth, pose)]
        _, first_color, first_depth, _ = self.files[0]
        self.intrinsics = _depth_intrinsics(self.folder, _image_size(first_depth), _image_size(first_color))

    @property
    def files_fps(self) -> float:
        """Frames per second of the files in the folder: ``fps`` over the median step between
        consecutive frame numbers (3.0 for a 30 fps scan exported every 10th frame)."""
        steps = np.diff([n for n, *_ in self.files])
        return self.fps / float(np.median(steps)) if len(steps) else self.fps

    def __len__(self) -> int:
        return (len(self.files) + self.stride - 1) // self.stride

    def __iter__(self) -> Iterator[Frame]:
        size = (self.intrinsics.width, self.intrinsics.height)
        for n, color, depth, pose in self.files[::self.stride]:
            t = n / self.fps
            yield Frame(
                index=n, t=t, rgb=_rgb_array(_load_image(color), size) if self.with_rgb else None,
                depth=_read_depth(depth, size, self.depth_scale), intrinsics=self.intrinsics, pose=_read_pose(pose, t),
            )


def _depth_file(sidecar: Path, doc: dict[str, Any]) -> tuple[Path, str, float]:
    """The sidecar's depth ``.npz`` (path relative to the sidecar), its array key, and its scale
    (metres per stored unit)."""
    depth = doc.get("depth")
    if not isinstance(depth, dict):
        raise InputFileError(f"{sidecar}: no depth; the geometric encoder needs metric depth per frame (an RGB-only path "
                             'comes later): add "depth": {"file": ..., "key": ..., "scale": metres per unit}')
    if not {"file", "key", "scale"} <= depth.keys():
        raise InputFileError(f'{sidecar}: "depth" needs file (an .npz beside the sidecar), key and scale (metres per unit)')
    try:
        scale = positive_number(depth["scale"], "depth.scale")
    except ValidationError as err:
        raise InputFileError(f"{sidecar}: {err}") from None
    return sidecar.parent / str(depth["file"]), str(depth["key"]), scale


def _video_stream_frames(path: Path) -> int | None:
    """The frame count the container of the video at ``path`` declares (``None`` when it does not)."""
    with open_video(path) as container:
        if not container.streams.video:
            raise InputFileError(f"{path}: no video stream in the file")
        return container.streams.video[0].frames or None


def _video_frames(path: Path, size: tuple[int, int], decode: bool) -> Iterator[np.ndarray | None]:
    """Each frame of the video at ``path`` in order: with ``decode`` an (H, W, 3) uint8 RGB array of
    ``size`` = (W, H), else ``None`` (the packets are read, not decoded: a cheap count)."""
    with open_video(path) as container:
        try:
            if decode:
                for frame in container.decode(video=0):
                    yield _rgb_array(frame.to_image(), size)
            else:
                for packet in container.demux(video=0):
                    if packet.size:
                        yield None
        except av.error.FFmpegError as err:
            raise InputFileError(f"{path}: cannot decode the video ({err})") from None


class VideoSidecarSource:
    """The frames of a video file (read with PyAV) with a JSON ``sidecar`` of the renderer's
    ``frames.json`` schema: top-level ``width``/``height``/``intrinsics`` (pixels, of the depth
    images), ``fps`` (frames/s), ``"depth": {"file", "key", "scale"}`` (an ``.npz`` relative to the
    sidecar holding an (N, H, W) array, ``scale`` metres per unit; 0 and non-finite values = no
    measurement) and
    ``"frames": [{t (s), position (m), quaternion (x, y, z, w)}, ...]`` (camera-to-world, OpenCV
    camera frame; null position and quaternion = unknown pose).

    The video, the depth array and the sidecar must have the same number of frames: checked from
    the container's metadata when it declares a count, and always while iterating (a mismatch
    raises :class:`InputFileError` naming the three counts). Video frames are resized (bilinear)
    to the depth size when they differ. Every ``stride``-th frame is yielded; ``rgb=False`` skips
    decoding (the video is still read to count its frames).
    """

    def __init__(self, video: str | Path, sidecar: str | Path, stride: int = 1, rgb: bool = True) -> None:
        self.video, self.sidecar = Path(video), Path(sidecar)
        for path, what in ((self.video, "video file"), (self.sidecar, "sidecar")):
            if not path.is_file():
                raise InputFileError(f"{path}: no such {what}")
        self.doc, self.intrinsics = read_frames_document(self.sidecar)
        self.fps = float(self.doc["fps"])
        self.stride = sample_stride(self.fps, stride)
        self.with_rgb = rgb
        self.depth_path, self.depth_key, self.depth_scale = _depth_file(self.sidecar, self.doc)
        self.entries = [frame_entry_pose(self.sidecar, i, entry) for i, entry in enumerate(self.doc["frames"])]
        self._check_files()

    def _check_files(self) -> None:
        """Check the depth array's frame size and the depth and (declared) video frame counts."""
        with NpzStreamReader(self.depth_path, self.depth_key) as depth:
            depth_count, frame_shape = len(depth), depth.shape[1:]
        size = (self.intrinsics.height, self.intrinsics.width)
        if frame_shape != size:
            raise InputFileError(f"{self.depth_path}: depth frames have shape {frame_shape}, the sidecar says "
                                 f"{size[1]}x{size[0]} pixels")
        video_count = _video_stream_frames(self.video)
        if depth_count != len(self.entries) or video_count not in (None, len(self.entries)):
            raise self._count_mismatch(str(video_count) if video_count is not None else "an undeclared number of", depth_count)

    def _count_mismatch(self, video_count: str, depth_count: int) -> InputFileError:
        """The error for disagreeing frame counts (``video_count`` as text: it may be a bound)."""
        return InputFileError(
            f"{self.video}: the video has {video_count} frames, {self.depth_path.name} {depth_count} depth frames and "
            f"{self.sidecar.name} {len(self.entries)} entries; they must agree (one of each per frame)"
        )

    def __len__(self) -> int:
        return (len(self.entries) + self.stride - 1) // self.stride

    def __iter__(self) -> Iterator[Frame]:
        size = (self.intrinsics.width, self.intrinsics.height)
        with NpzStreamReader(self.depth_path, self.depth_key) as depth, \
                closing(_video_frames(self.video, size, self.with_rgb)) as video:
            for i, (t, pose) in enumerate(self.entries):
                rgb = next(video, _END)
                if rgb is _END:
                    raise self._count_mismatch(f"only {i}", len(depth))
                if i % self.stride:
                    depth.skip(1)
                    continue
                metres = depth.read().astype(np.float32) * np.float32(self.depth_scale)
                metres[~np.isfinite(metres)] = 0.0
                yield Frame(index=i, t=t, rgb=rgb, depth=metres, intrinsics=self.intrinsics, pose=pose)
            if next(video, _END) is not _END:
                raise self._count_mismatch(f"more than {len(self.entries)}", len(depth))


#: The horizontal field of view (degrees) assumed for a colour-only video whose file names no focal
#: length: ScanNet's and ARKitScenes' cameras film at about 60°, phones' main cameras 64–75°.
ASSUMED_HFOV_DEG = 60.0


class RGBVideoSource:
    """An ordinary RGB video: the frames of the file ``video`` (PyAV) with colour only — no
    depth, poses or masks, to be predicted (:class:`~spatialcode.encode.pretrained.PredictedDepthSource`,
    :class:`~spatialcode.encode.EstimatedPoseSource` with feature odometry) — every ``stride``-th
    (by timestamp: ``stride`` frame intervals apart, so variable frame rates keep their pace),
    upright as a viewer sees them (the container's display rotation applied: portrait phone
    videos), resized (bilinear) to ``width`` pixels wide when given and narrower than the video
    (aspect ratio kept, height even; never enlarged). The intrinsics come from the horizontal field of view ``hfov_deg`` (degrees) when
    given, else from a 35 mm-equivalent focal length in the file's metadata, else from
    :data:`ASSUMED_HFOV_DEG`; ``hfov_source`` says which (``given``, ``metadata``, ``assumed``).
    ``stage_seconds["decode"]``: the seconds spent reading and converting frames so far;
    ``brightness``: each frame's mean grey level (0–255) in the last pass."""

    def __init__(self, video: str | Path, hfov_deg: float | None = None, stride: int = 1, width: int | None = None) -> None:
        self.video = Path(video)
        if not self.video.is_file():
            raise InputFileError(f"{self.video}: no such video file")
        if hfov_deg is not None and not 10.0 <= hfov_deg <= 170.0:
            raise ValidationError("hfov_deg", f"expected a horizontal field of view in degrees (10–170), got {hfov_deg}")
        if width is not None and width < 16:
            raise ValidationError("width", f"must be at least 16 pixels, got {width}")
        self.probe = probe_video(self.video)
        self.fps = self.probe.fps
        native = (self.probe.width, self.probe.height)
        size = native if width is None or width >= native[0] else (width, max(2, round(native[1] * width / native[0] / 2) * 2))
        from_tags = hfov_from_tags(self.probe.tags, *native)
        self.hfov_deg, self.hfov_source = ((hfov_deg, "given") if hfov_deg is not None else
                                           (from_tags, "metadata") if from_tags is not None else (ASSUMED_HFOV_DEG, "assumed"))
        self.intrinsics = Intrinsics.from_hfov(size[0], size[1], self.hfov_deg)
        self.stride = sample_stride(self.fps, stride)
        self._count = self.probe.frames
        if self._count is None:
            self._count = sum(1 for _ in _video_frames(self.video, size, decode=False))
        self.stage_seconds = {"decode": 0.0}
        self.brightness: list[float] = []  # mean grey level (0–255) of each frame read so far

    def __len__(self) -> int:
        return (self._count + self.stride - 1) // self.stride

    def __iter__(self) -> Iterator[Frame]:
        size = (self.intrinsics.width, self.intrinsics.height)
        started = time.perf_counter()
        self.brightness = []
        for index, t, rgb in sample_frames(self.video, self.stride / self.fps, size, self.probe.rotation):
            self.brightness.append(float(rgb[::4, ::4].mean()))
            self.stage_seconds["decode"] += time.perf_counter() - started
            yield Frame(index=index, t=t, rgb=rgb, depth=None, intrinsics=self.intrinsics)
            started = time.perf_counter()


def _find_sidecar(video: Path) -> Path | None:
    """The sidecar of ``video``: ``<stem>.json`` beside it, else ``frames.json`` beside it, else ``None``."""
    for candidate in (video.with_suffix(".json"), video.parent / "frames.json"):
        if candidate.is_file():
            return candidate
    return None


def is_colour_only_video(path: str | Path, sidecar: str | Path | None = None) -> bool:
    """Whether ``path`` is a video file without a sidecar (given, or found beside it): colour only,
    read by :class:`RGBVideoSource`."""
    path = Path(path)
    return (sidecar is None and path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES
            and _find_sidecar(path) is None)


def _source_factory(path: Path, sidecar: str | Path | None, rgb: bool, hfov_deg: float | None,
                    width: int | None) -> Callable[[int], FrameSource]:
    """A function ``stride → frame source`` for ``path`` (see :func:`open_source`)."""
    is_video = path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES
    if sidecar is not None and not is_video:
        raise ValidationError("sidecar", f"only a video file takes a sidecar, not {path}")
    if is_video:
        sidecar_path = Path(sidecar) if sidecar is not None else _find_sidecar(path)
        if sidecar_path is None:
            return lambda stride: RGBVideoSource(path, hfov_deg, stride=stride, width=width)
        return lambda stride: VideoSidecarSource(path, sidecar_path, stride=stride, rgb=rgb)
    if path.is_dir() and (path / "frames.json").is_file():
        return lambda stride: RenderFolderSource(path, stride=stride, rgb=rgb)
    if path.is_dir() and (path / "color").is_dir() and (path / "depth").is_dir():
        return lambda stride: RGBDFolderSource(path, stride=stride, rgb=rgb)
    problem = "not a frame source" if path.exists() else "no such file or folder"
    raise InputFileError(f"{path}: {problem}; give {_ACCEPTED_INPUTS}")


def open_source(path: str | Path, sidecar: str | Path | None = None, stride: int | None = None,
                target_fps: float | None = None, rgb: bool = True, hfov_deg: float | None = None,
                width: int | None = None) -> FrameSource:
    """The frame source for ``path``: a folder with ``frames.json`` → :class:`RenderFolderSource`;
    a folder with ``color/`` and ``depth/`` → :class:`RGBDFolderSource`; a video file
    (.mp4/.mov/.avi/.mkv) → :class:`VideoSidecarSource` with ``sidecar`` (default
    ``<video stem>.json``, else ``frames.json``, beside the video), or without a sidecar
    :class:`RGBVideoSource` (colour only; intrinsics from ``hfov_deg`` degrees or the file's metadata, resized to
    ``width`` pixels wide when given). Every ``stride``-th frame is yielded, or the stride that
    brings the frames down to at most ``target_fps`` frames/s (for an RGB-D folder, the rate of
    its files); ``rgb=False`` skips colour where there is depth. Anything else raises
    :class:`InputFileError` listing the accepted inputs."""
    make = _source_factory(Path(path), sidecar, rgb, hfov_deg, width)
    source = make(1)
    rate = source.files_fps if isinstance(source, RGBDFolderSource) else source.fps
    chosen = sample_stride(rate, stride, target_fps)
    return source if chosen == 1 else make(chosen)
