"""The ``frames.json`` document: the per-frame camera of an RGB-D video (a render folder's own
``frames.json``, or the JSON sidecar of a video).

Top level: ``format`` (:data:`FRAMES_FORMAT`), the image ``width`` / ``height`` (pixels), the
pinhole ``intrinsics`` ``{fx, fy, cx, cy}`` (pixels), ``fps`` (frames/s) and the ``frames`` list;
each frame entry has its time ``t`` (s), the camera ``position`` (m) and ``quaternion``
(x, y, z, w) of the camera-to-world rotation (OpenCV camera frame, the
:class:`~spatialcode.scene.CameraPose` convention; both null = unknown pose) and optionally the
``labels`` ``{"<instance id>": label}`` of the instances in its mask. Pixel (u, v) looks along
``((u - cx) / fx, (v - cy) / fy, 1)`` (:mod:`spatialcode.geometry.camera`). The renderer
(:mod:`spatialcode.synth.render`) writes it; the encoder's frame sources read it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.json_input import read_json_file
from spatialcode.core.validation import optional_number, positive_number
from spatialcode.geometry.camera import Intrinsics
from spatialcode.scene import CameraPose

#: The ``format`` the renderer writes.
FRAMES_FORMAT = "spatialcode-rgbd/1"
#: Top-level fields every ``frames.json``-schema document has.
_FRAMES_DOCUMENT_KEYS = ("width", "height", "intrinsics", "fps", "frames")


def image_fields(intrinsics: Intrinsics) -> dict[str, Any]:
    """The ``width``, ``height`` (pixels) and ``intrinsics`` fields of a document or a frame
    entry for images of a camera with ``intrinsics``."""
    return {"width": intrinsics.width, "height": intrinsics.height, "intrinsics": intrinsics.to_dict()}


def read_frames_document(path: Path) -> tuple[dict[str, Any], Intrinsics]:
    """Read a ``frames.json``-schema document and return it with the pinhole intrinsics (pixels)
    of its images; raises :class:`InputFileError` naming ``path`` when it cannot be read, lacks a
    top-level field, or has a bad ``fps`` (frames/s), ``frames`` list or intrinsics."""
    doc = read_json_file(path, "frames.json-schema document")
    missing = [key for key in _FRAMES_DOCUMENT_KEYS if not isinstance(doc, dict) or key not in doc]
    if missing:
        raise InputFileError(f"{path}: missing {', '.join(missing)} (expected the frames.json schema: "
                             f"{', '.join(_FRAMES_DOCUMENT_KEYS)})")
    if not isinstance(doc["frames"], list):
        raise InputFileError(f"{path}: frames must be a list of per-frame entries")
    try:
        positive_number(doc["fps"], "fps")
        intrinsics = Intrinsics(**doc["intrinsics"], width=doc["width"], height=doc["height"])
    except ValidationError as err:
        raise InputFileError(f"{path}: {err}") from None
    except TypeError as err:
        raise InputFileError(f"{path}: bad intrinsics ({err})") from None
    return doc, intrinsics


def frame_entry_pose(path: Path, index: int, entry: Any) -> tuple[float, CameraPose | None]:
    """Time (s) and camera-to-world pose of frame entry ``index`` of the frames.json-schema
    document at ``path`` (``None`` when its position and quaternion are both null); raises
    :class:`InputFileError` naming the file and the frame."""
    if not isinstance(entry, dict) or not {"t", "position", "quaternion"} <= entry.keys():
        raise InputFileError(f"{path}: frame {index} needs t (s), position (m) and quaternion (x, y, z, w); "
                             "null position and quaternion mean an unknown pose")
    try:
        t = optional_number(entry["t"], "t", minimum=0.0)
        if t is None:
            raise ValidationError("t", "missing")
        if entry["position"] is None and entry["quaternion"] is None:
            return t, None
        return t, CameraPose(t=t, position=entry["position"], quaternion=entry["quaternion"])
    except ValidationError as err:
        raise InputFileError(f"{path}: frame {index}: {err}") from None


def frame_entry_labels(path: Path, index: int, entry: dict[str, Any]) -> dict[int, str]:
    """The ``labels`` of frame entry ``index`` (``{"<instance id>": label}``, optional) of the
    document at ``path`` as ``{id: label}``; raises :class:`InputFileError` naming the frame."""
    labels = entry.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) and k.lstrip("-").isdigit() for k, v in labels.items()):
        raise InputFileError(f"{path}: frame {index}: labels must map instance ids to labels, like {{\"3\": \"chair\"}}")
    return {int(k): v for k, v in labels.items()}
