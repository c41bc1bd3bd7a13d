"""The 3D view of a spatial code in the Rerun viewer: :func:`record_view` logs a code
(:mod:`.rerun_scene`), optionally the frames it was seen in (:mod:`.rerun_frames`) and a question
with its answer and evidence, to an ``.rrd`` recording or a spawned viewer.

An ``.rrd`` file is written under a temporary name and renamed when complete, so a failed run
leaves no half-written recording. Sizes are bounded by :class:`ViewConfig`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import rerun as rr

from spatialcode.core.errors import InputFileError, SpatialCodeError
from spatialcode.reason.answer import Answer
from spatialcode.reason.evidence import answer_evidence
from spatialcode.scene import SpatialCode
from spatialcode.viz.rerun_frames import CameraFrame, FramePicks, log_frames
from spatialcode.viz.rerun_scene import camera_path, log_answer, log_scene
from spatialcode.viz.view_config import ViewConfig

#: The application id recordings are filed under in the viewer.
APPLICATION_ID = "spatialcode"
#: How long, seconds, to wait for a spawned viewer to take the data before giving up.
SPAWN_FLUSH_SECONDS = 30.0


@dataclass(frozen=True)
class AskedQuestion:
    """A question put to a code (with its multiple-choice ``options``) and the ``answer`` given."""

    question: str
    answer: Answer
    options: tuple[str, ...] = ()
    question_type: str | None = None


@dataclass(frozen=True)
class ViewSummary:
    """What a view holds: ``objects`` boxes, camera ``poses``, colour ``images``, cloud
    ``points``, the boxes and distances of the answer's ``evidence`` (0, 0 without a question)."""

    objects: int
    poses: int
    images: int
    points: int
    evidence: tuple[int, int] = (0, 0)


@contextlib.contextmanager
def _recording(out: Path | None) -> Iterator[rr.RecordingStream]:
    """A fresh recording streaming to ``out`` (written as ``out.part`` and renamed when the
    block ends without error), or to a spawned viewer when ``out`` is ``None``."""
    rec = rr.RecordingStream(APPLICATION_ID, recording_id=uuid.uuid4())
    if out is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise SpatialCodeError("no display to open the Rerun viewer on: write a recording with --rrd FILE.rrd and "
                                   "open it where there is a screen (rerun FILE.rrd)")
        rec.spawn()
        yield rec
        rec.flush(timeout_sec=SPAWN_FLUSH_SECONDS)
        return
    part = out.with_name(out.name + ".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    rec.save(part)
    try:
        yield rec
        rec.flush()
    except BaseException:
        rec.disconnect()
        part.unlink(missing_ok=True)
        raise
    rec.disconnect()
    os.replace(part, out)


def rrd_path(path: str | Path) -> Path:
    """``path`` as a :class:`Path` if it names an ``.rrd`` file, else :class:`~spatialcode.core.errors.SpatialCodeError`
    saying so (call it before the work, so that a wrong name costs nothing)."""
    path = Path(path)
    if path.suffix.lower() != ".rrd":
        raise SpatialCodeError(f"{path}: a Rerun recording is written to an .rrd file; name it like view.rrd")
    return path


def record_view(code: SpatialCode, out: str | Path | None, frames: Iterable[CameraFrame] | None = None,
                frame_count: int = 0, asked: AskedQuestion | None = None, config: ViewConfig | None = None,
                name: str | None = None) -> ViewSummary:
    """Log ``code`` — and the ``frames`` (``frame_count`` of them) it was seen in, and the
    ``asked`` question with the evidence of its answer (:func:`~spatialcode.reason.evidence.answer_evidence`)
    — to the ``.rrd`` file ``out``, or to a spawned Rerun viewer when ``out`` is ``None``; the
    recording is named ``name`` (default: the code's scene name). Raises
    :class:`~spatialcode.core.errors.InputFileError` when frames are given but none has a pose."""
    config = config or ViewConfig()
    target = None if out is None else rrd_path(out)
    with _recording(target) as rec:
        rec.send_recording_name(name or code.source.scene_name or "scene")
        log_scene(rec, code)
        logged = None
        if frames is not None:
            picks = FramePicks.spread(frame_count, config.max_images, config.cloud_frames)
            logged = log_frames(rec, frames, picks, jpeg_quality=config.jpeg_quality, cloud_stride=config.cloud_stride,
                                max_points=config.max_points)
            if not logged.poses:
                raise InputFileError("no frame has a camera pose: the view needs each frame's pose to place the "
                                     "camera and the depth cloud")
            if not code.camera:
                rec.log("world/camera_path", camera_path(logged.poses), static=True)
        evidence = (0, 0)
        if asked is not None:
            found = answer_evidence(code, asked.question, asked.answer, asked.options or None, asked.question_type)
            log_answer(rec, code, asked.question, asked.answer, found, asked.options)
            evidence = (len(found.objects), len(found.segments))
    return ViewSummary(objects=len(code.objects), poses=len(logged.poses) if logged else len(code.camera or ()),
                       images=logged.images if logged else 0, points=logged.points if logged else 0, evidence=evidence)


__all__ = ["AskedQuestion", "ViewConfig", "ViewSummary", "record_view", "rrd_path"]
