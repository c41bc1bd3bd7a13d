"""A spatial code logged to a Rerun recording (world frame: metres, z up, as the code's).

Entities: ``world/room/floor`` and ``world/room/walls`` (line strips of the floor polygon and
of the walls up to the room's height), ``world/objects`` (one oriented box per object,
labelled ``"label #id"``, coloured by :func:`~spatialcode.viz.birdseye.label_color`),
``world/objects/facing`` (an arrow from the centre to the front face of each object whose
``has_front`` is true: the box's +x axis), ``world/camera_path`` (the code's camera trajectory)
and ``events/first_seen`` (a text log entry on the ``time`` timeline, seconds, when each object
is first seen). An answer adds ``answer/question`` (the question, answer and derivation),
``world/answer/objects`` (the boxes it used, drawn thick) and ``world/answer/distances``
(closest-point segments labelled in metres), from :mod:`spatialcode.reason.evidence`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import rerun as rr
from scipy.spatial.transform import Rotation

from spatialcode.reason.answer import Answer
from spatialcode.reason.evidence import Evidence
from spatialcode.scene import CameraPose, SpatialCode, SpatialObject
from spatialcode.viz.birdseye import label_color

#: The timeline (seconds) frames and events are logged on.
TIMELINE = "time"
#: Wall height (m) drawn when the code's room has none: above the tallest object, at least this.
DEFAULT_WALL_HEIGHT = 2.5
_ROOM_COLOR = (90, 90, 90)
_PATH_COLOR = (40, 40, 40)
_EVIDENCE_COLOR = (230, 30, 30)


def _rgb255(label: str) -> tuple[int, int, int]:
    """The label's colour as 0–255 RGB."""
    r, g, b = label_color(label)
    return round(r * 255), round(g * 255), round(b * 255)


def object_boxes(objects: Sequence[SpatialObject], radius: float | None = None) -> rr.Boxes3D:
    """The objects' oriented boxes (centre, half sides, rotation) labelled ``"label #id"`` in
    their label colours; ``radius`` (m) of the edges when given."""
    if not objects:
        return rr.Boxes3D(centers=np.empty((0, 3)), half_sizes=np.empty((0, 3)))
    quaternions = Rotation.from_matrix(np.stack([o.box.rotation_matrix for o in objects])).as_quat()
    return rr.Boxes3D(
        centers=[o.box.center for o in objects],
        half_sizes=[o.box.size_array / 2.0 for o in objects],
        quaternions=[rr.Quaternion(xyzw=q) for q in quaternions],
        labels=[f"{o.label} #{o.id}" for o in objects],
        colors=[_rgb255(o.label) for o in objects],
        radii=radius,
    )


def facing_arrows(objects: Sequence[SpatialObject]) -> rr.Arrows3D:
    """Arrows from the centre to the front face (box +x axis, half the box's x side long) of the
    objects whose ``has_front`` is true."""
    fronted = [o for o in objects if o.has_front]
    if not fronted:
        return rr.Arrows3D(origins=np.empty((0, 3)), vectors=np.empty((0, 3)))
    return rr.Arrows3D(
        origins=[o.box.center for o in fronted],
        vectors=[o.box.rotation_matrix[:, 0] * o.box.size[0] / 2.0 for o in fronted],
        colors=[_rgb255(o.label) for o in fronted],
    )


def wall_height(code: SpatialCode) -> float:
    """The height (m) the walls are drawn to: the room's, else :data:`DEFAULT_WALL_HEIGHT` or
    the top of the tallest object when higher."""
    if code.room is not None and code.room.height:
        return float(code.room.height)
    tops = [float(o.box.corners[:, 2].max()) for o in code.objects]
    return max([DEFAULT_WALL_HEIGHT, *tops])


def room_strips(polygon: Sequence[Sequence[float]], height: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """The floor outline (closed ring (N + 1, 3) at z = 0) and the wall strips of a floor
    polygon: the ring at ``height`` (m) and one vertical line per corner."""
    ring = np.asarray(polygon, dtype=float)
    ring = np.vstack([ring, ring[:1]])
    floor = np.column_stack([ring, np.zeros(len(ring))])
    top = floor + (0.0, 0.0, height)
    return floor, [top, *(np.stack([f, t]) for f, t in zip(floor[:-1], top[:-1]))]


def camera_path(poses: Sequence[CameraPose]) -> rr.LineStrips3D:
    """The camera trajectory: one line strip through the poses' positions (m), in time order."""
    return rr.LineStrips3D([np.asarray([pose.position for pose in poses])], colors=[_PATH_COLOR], labels=["camera path"])


def log_scene(rec: rr.RecordingStream, code: SpatialCode) -> None:
    """Log the room, the objects with their facing arrows, the camera path and the first_seen
    events of ``code`` (see the module docstring for the entities)."""
    rec.log("world", rr.ViewCoordinates.RIGHT_HAND_Z_UP, static=True)
    if code.room is not None and code.room.polygon is not None:
        floor, walls = room_strips(code.room.polygon, wall_height(code))
        rec.log("world/room/floor", rr.LineStrips3D([floor], colors=[_ROOM_COLOR], labels=["floor"]), static=True)
        rec.log("world/room/walls", rr.LineStrips3D(walls, colors=[_ROOM_COLOR]), static=True)
    rec.log("world/objects", object_boxes(code.objects), static=True)
    rec.log("world/objects/facing", facing_arrows(code.objects), static=True)
    if code.camera:
        rec.log("world/camera_path", camera_path(code.camera), static=True)
    for obj in sorted((o for o in code.objects if o.first_seen is not None), key=lambda o: o.first_seen):
        rec.set_time(TIMELINE, duration=obj.first_seen)
        rec.log("events/first_seen", rr.TextLog(f"first seen: {obj.label} #{obj.id} at {obj.first_seen:.2f} s"))
    rec.reset_time()


def answer_text(question: str, answer: Answer, options: Sequence[str] | None = None) -> str:
    """The question, its options, the answer (or why there is none) and the derivation as
    Markdown."""
    lines = [f"**Question:** {question}"]
    lines += [f"- {option}" for option in options or ()]
    lines.append(f"**Answer:** {answer.headline()}")
    if answer.derivation:
        lines += ["", "**Derivation:**", *(f"1. {step}" for step in answer.derivation)]
    return "\n".join(lines)


def log_answer(rec: rr.RecordingStream, code: SpatialCode, question: str, answer: Answer, evidence: Evidence,
               options: Sequence[str] | None = None) -> None:
    """Log the question with its answer and derivation, the boxes the answer used (thick, in
    their label colours) and the distances it measured (segments labelled in metres)."""
    rec.log("answer/question", rr.TextDocument(answer_text(question, answer, options), media_type="text/markdown"),
            static=True)
    used = [o for o in code.objects if o.id in set(evidence.objects)]
    rec.log("world/answer/objects", object_boxes(used, radius=0.02), static=True)
    strips = [np.asarray([s.start, s.end]) for s in evidence.segments]
    rec.log("world/answer/distances", rr.LineStrips3D(
        strips, colors=[_EVIDENCE_COLOR] * len(strips), radii=[0.015] * len(strips),
        labels=[f"{s.length:.2f} m" for s in evidence.segments]), static=True)
