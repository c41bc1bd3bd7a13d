"""The spatial code: one validated, JSON round-trippable description of a scene.

Units: metres and seconds. World frame: right-handed, z up, floor near z = 0 when known.
``SpatialCode`` is the only thing that passes between stages (encode → reason → evaluate).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from spatialcode.core.errors import InputFileError, ValidationError
from spatialcode.core.json_input import parse_json, read_json_file
from spatialcode.core.validation import MAX_METRES, finite_vector, json_list, json_object, optional_count, optional_number
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.camera import yaw_pitch_rotation
from spatialcode.geometry.polygon import polygon_area

SCHEMA_VERSION = 1


def _prefixed(prefix: str, error: ValidationError) -> ValidationError:
    return ValidationError(f"{prefix}.{error.field}", error.problem)


@dataclass(frozen=True)
class SpatialObject:
    """One object: ``label`` (category), oriented ``box`` — whose local +x axis is the object's
    front, the way it faces (a sofa's seat side, a tv's screen, a chair's seat front), so its
    yaw is its facing direction — ``first_seen`` (s since the video
    start, optional), ``confidence`` in [0, 1] (optional), ``observations`` = number of frames
    or detections that support it (optional), ``has_front`` = whether the object has a front
    (optional: ``None`` when the code does not say — annotations whose box axes carry no front;
    ``False`` for symmetric objects such as tables, bins and plants, whose yaw then means
    nothing) and ``facing_confidence`` in [0, 1] = how sure the encoder is of that front
    (optional, only for objects with a front)."""

    id: int
    label: str
    box: Box3D
    first_seen: float | None = None
    confidence: float | None = None
    observations: int | None = None
    has_front: bool | None = None
    facing_confidence: float | None = None

    def __post_init__(self) -> None:
        if self.id is None:
            raise ValidationError("id", "missing")
        optional_count(self.id, "id")
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValidationError("label", f"expected a non-empty string, got {self.label!r}")
        object.__setattr__(self, "label", " ".join(self.label.split()))
        if not isinstance(self.box, Box3D):
            raise ValidationError("box", f"expected a Box3D, got {type(self.box).__name__}")
        object.__setattr__(self, "first_seen", optional_number(self.first_seen, "first_seen", minimum=0.0))
        conf = optional_number(self.confidence, "confidence", minimum=0.0)
        if conf is not None and conf > 1.0:
            raise ValidationError("confidence", f"must be in [0, 1], got {conf}")
        object.__setattr__(self, "confidence", conf)
        optional_count(self.observations, "observations")
        if self.has_front is not None and not isinstance(self.has_front, bool):
            raise ValidationError("has_front", f"expected true, false or null, got {self.has_front!r}")
        facing = optional_number(self.facing_confidence, "facing_confidence", minimum=0.0)
        if facing is not None and facing > 1.0:
            raise ValidationError("facing_confidence", f"must be in [0, 1], got {facing}")
        if facing is not None and self.has_front is not True:
            raise ValidationError("facing_confidence", "given for an object without a front (has_front is not true)")
        object.__setattr__(self, "facing_confidence", facing)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: ``{"id", "label", "bbox_3d", ...optional fields}``."""
        out: dict[str, Any] = {"id": self.id, "label": self.label, "bbox_3d": self.box.to_bbox_3d()}
        for key in ("first_seen", "confidence", "observations", "has_front", "facing_confidence"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpatialObject:
        """Build an object from its JSON form (see :meth:`to_dict`)."""
        if not isinstance(data, Mapping):
            raise ValidationError("object", f"expected a JSON object, got {type(data).__name__}")
        for key in ("id", "label", "bbox_3d"):
            if key not in data:
                raise ValidationError(key, "missing")
        return cls(
            id=data["id"],
            label=data["label"],
            box=Box3D.from_bbox_3d(data["bbox_3d"]),
            first_seen=data.get("first_seen"),
            confidence=data.get("confidence"),
            observations=data.get("observations"),
            has_front=data.get("has_front"),
            facing_confidence=data.get("facing_confidence"),
        )


@dataclass(frozen=True)
class Room:
    """The room: floor ``polygon`` (list of (x, y), metres, optional), floor ``area`` (m²,
    optional; authoritative when given, else the polygon's area), ``center`` (m, optional),
    ceiling ``height`` above the floor (m, optional)."""

    polygon: tuple[tuple[float, float], ...] | None = None
    area: float | None = None
    center: tuple[float, float, float] | None = None
    height: float | None = None

    def __post_init__(self) -> None:
        if self.polygon is not None:
            points = []
            for i, point in enumerate(json_list(self.polygon, "polygon")):
                points.append(finite_vector(point, 2, f"polygon[{i}]", MAX_METRES))
            if len(points) < 3:
                raise ValidationError("polygon", f"needs at least 3 points, got {len(points)}")
            object.__setattr__(self, "polygon", tuple(points))
        object.__setattr__(self, "area", optional_number(self.area, "area", minimum=0.0, maximum=MAX_METRES**2))
        object.__setattr__(self, "height", optional_number(self.height, "height", minimum=0.0, maximum=MAX_METRES))
        if self.center is not None:
            object.__setattr__(self, "center", finite_vector(self.center, 3, "center", MAX_METRES))

    def floor_area(self) -> float | None:
        """Floor area in m²: ``area`` if given, else the polygon's area, else ``None``."""
        if self.area is not None:
            return self.area
        if self.polygon is not None:
            return polygon_area(self.polygon)
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (only the fields that are set)."""
        out: dict[str, Any] = {}
        if self.polygon is not None:
            out["polygon"] = [list(p) for p in self.polygon]
        if self.area is not None:
            out["area"] = self.area
        if self.center is not None:
            out["center"] = list(self.center)
        if self.height is not None:
            out["height"] = self.height
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Room:
        """Build a room from its JSON form."""
        if not isinstance(data, Mapping):
            raise ValidationError("room", f"expected a JSON object, got {type(data).__name__}")
        return cls(polygon=data.get("polygon"), area=data.get("area"), center=data.get("center"), height=data.get("height"))


@dataclass(frozen=True)
class CameraPose:
    """Camera pose at time ``t`` (s): ``position`` (m) and ``quaternion`` (x, y, z, w) of the
    camera-to-world rotation (camera looks along its +z, x right, y down: the OpenCV frame)."""

    t: float
    position: tuple[float, float, float]
    quaternion: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        t = optional_number(self.t, "t", minimum=0.0)
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "position", finite_vector(self.position, 3, "position", MAX_METRES))
        quat = finite_vector(self.quaternion, 4, "quaternion")
        norm = math.sqrt(sum(v * v for v in quat))
        if norm < 1e-9:
            raise ValidationError("quaternion", "must not be zero")
        if abs(norm - 1.0) > 1e-9:  # keep already-unit quaternions bit-exact for JSON round trips
            quat = tuple(v / norm for v in quat)
        object.__setattr__(self, "quaternion", quat)

    def rotation_matrix(self) -> np.ndarray:
        """The 3×3 camera-to-world rotation: its columns are the camera's x (right), y (down)
        and z (forward) axes in world coordinates."""
        from scipy.spatial.transform import Rotation  # here: importing scipy.spatial takes 0.4 s

        return Rotation.from_quat(self.quaternion).as_matrix()  # scipy quaternions are (x, y, z, w)

    def matrix(self) -> np.ndarray:
        """The 4×4 homogeneous camera-to-world transform (metres)."""
        out = np.eye(4)
        out[:3, :3] = self.rotation_matrix()
        out[:3, 3] = self.position
        return out

    @classmethod
    def from_matrix(cls, matrix: np.ndarray, t: float) -> CameraPose:
        """The pose at time ``t`` (s) of a 4×4 homogeneous camera-to-world transform (metres):
        the inverse of :meth:`matrix`."""
        from scipy.spatial.transform import Rotation

        matrix = np.asarray(matrix, dtype=float)
        return cls(t=t, position=tuple(float(v) for v in matrix[:3, 3]),
                   quaternion=tuple(float(q) for q in Rotation.from_matrix(matrix[:3, :3]).as_quat()))

    @classmethod
    def from_yaw_pitch(cls, t: float, position: Sequence[float], yaw: float, pitch: float) -> CameraPose:
        """The pose at time ``t`` (s) of a level camera at ``position`` (m) looking along heading
        ``yaw`` (radians, counter-clockwise from +x) tilted up by ``pitch`` (radians; negative
        looks down): :func:`~spatialcode.geometry.camera.yaw_pitch_rotation`."""
        from scipy.spatial.transform import Rotation

        quaternion = Rotation.from_matrix(yaw_pitch_rotation(yaw, pitch)).as_quat()
        return cls(t=float(t), position=tuple(float(v) for v in position), quaternion=tuple(float(q) for q in quaternion))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form ``{"t", "position", "quaternion"}``."""
        return {"t": self.t, "position": list(self.position), "quaternion": list(self.quaternion)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CameraPose:
        """Build a pose from its JSON form."""
        json_object(data, "pose")
        for key in ("t", "position", "quaternion"):
            if key not in data:
                raise ValidationError(key, "missing")
        return cls(t=data["t"], position=data["position"], quaternion=data["quaternion"])


@dataclass(frozen=True)
class Source:
    """Where the scene comes from: ``dataset``, ``scene_name``, video ``fps`` and ``frame_count``."""

    dataset: str | None = None
    scene_name: str | None = None
    fps: float | None = None
    frame_count: int | None = None

    def __post_init__(self) -> None:
        for name in ("dataset", "scene_name"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValidationError(name, f"expected a string, got {value!r}"[:200])
        fps = optional_number(self.fps, "fps", minimum=0.0)
        if fps is not None and fps == 0:
            raise ValidationError("fps", "must be > 0")
        object.__setattr__(self, "fps", fps)
        optional_count(self.frame_count, "frame_count")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (only the fields that are set)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Provenance:
    """What produced the code: ``producer`` (e.g. ``"vsibench-meta"``), package ``version``,
    ``config`` (the producing stage's settings) and ``config_hash`` (sha256 prefix of it)."""

    producer: str = "unknown"
    version: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    config_hash: str | None = None

    def __post_init__(self) -> None:
        for name in ("producer", "version", "config_hash"):
            value = getattr(self, name)
            if not isinstance(value, str) and (value is not None or name == "producer"):
                raise ValidationError(name, f"expected a string, got {value!r}"[:200])
        json_object(self.config, "config")

    @classmethod
    def from_config(cls, producer: str, config: Mapping[str, Any], version: str | None = None) -> Provenance:
        """Provenance of a stage run with ``config`` (JSON-serialisable); ``config_hash`` is the
        first 12 hex digits of the sha256 of its canonical JSON."""
        import hashlib

        canonical = json.dumps(dict(config), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:12]
        return cls(producer=producer, version=version, config=dict(config), config_hash=digest)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        out: dict[str, Any] = {"producer": self.producer}
        if self.version is not None:
            out["version"] = self.version
        if self.config:
            out["config"] = dict(self.config)
        if self.config_hash is not None:
            out["config_hash"] = self.config_hash
        return out


def _first_seen_key(obj: SpatialObject) -> tuple[int, float]:
    return (0, obj.first_seen) if obj.first_seen is not None else (1, 0.0)


@dataclass(frozen=True)
class SpatialCode:
    """A scene as explicit 3D code.

    ``objects`` are kept in first-appearance order (objects without ``first_seen`` after the
    others, in their given order); ids are unique. ``object_counts`` holds counts declared by
    the source (e.g. an annotation's authoritative instance counts, which may include objects
    that have no box); when absent, counts come from the boxes.
    """

    objects: tuple[SpatialObject, ...] = ()
    room: Room | None = None
    camera: tuple[CameraPose, ...] | None = None
    source: Source = field(default_factory=Source)
    provenance: Provenance = field(default_factory=Provenance)
    object_counts: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        objects = tuple(self.objects)
        for i, obj in enumerate(objects):
            if not isinstance(obj, SpatialObject):
                raise ValidationError(f"objects[{i}]", f"expected a SpatialObject, got {type(obj).__name__}")
        ids = [o.id for o in objects]
        if len(set(ids)) != len(ids):
            dup = next(i for i, c in Counter(ids).items() if c > 1)
            raise ValidationError("objects", f"duplicate object id {dup}")
        object.__setattr__(self, "objects", tuple(sorted(objects, key=_first_seen_key)))
        if self.camera is not None:
            camera = tuple(self.camera)
            times = [p.t for p in camera]
            if any(b < a for a, b in zip(times, times[1:])):
                raise ValidationError("camera", "poses must be in time order")
            object.__setattr__(self, "camera", camera)
        if self.object_counts is not None:
            counts: dict[str, int] = {}
            for label, count in json_object(self.object_counts, "object_counts").items():
                optional_count(count, f"object_counts.{label}")
                counts[" ".join(str(label).split())] = count
            object.__setattr__(self, "object_counts", counts)

    # -- queries ---------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        """Distinct labels, in first-appearance order."""
        return list(dict.fromkeys(o.label for o in self.objects))

    def objects_with_label(self, label: str) -> list[SpatialObject]:
        """All objects whose label equals ``label`` (case- and space-insensitive)."""
        key = " ".join(label.lower().split())
        return [o for o in self.objects if o.label.lower() == key]

    def count(self, label: str) -> int:
        """Number of instances of ``label``: the declared count if the source gave one, else
        the number of boxes with that label."""
        key = " ".join(label.lower().split())
        if self.object_counts is not None:
            for name, count in self.object_counts.items():
                if name.lower() == key:
                    return count
        return len(self.objects_with_label(label))

    def with_objects(self, objects: Iterable[SpatialObject]) -> SpatialCode:
        """Return a copy with ``objects`` replaced."""
        return replace(self, objects=tuple(objects))

    def scaled(self, factor: float) -> SpatialCode:
        """Return a copy with every length multiplied by ``factor`` (> 0) about the world origin:
        box centres and sides, the room (polygon, centre and height; area by ``factor``²) and
        the camera positions; yaws, times and rotations unchanged."""
        if not math.isfinite(factor) or factor <= 0:
            raise ValidationError("factor", f"must be a finite number > 0, got {factor}")

        def box(b: Box3D) -> Box3D:
            return Box3D(tuple(factor * v for v in b.center), tuple(factor * v for v in b.size), b.rotation)

        room = self.room
        if room is not None:
            room = Room(polygon=None if room.polygon is None else tuple((factor * x, factor * y) for x, y in room.polygon),
                        area=None if room.area is None else factor * factor * room.area,
                        center=None if room.center is None else tuple(factor * v for v in room.center),
                        height=None if room.height is None else factor * room.height)
        camera = None if self.camera is None else tuple(
            replace(p, position=tuple(factor * v for v in p.position)) for p in self.camera)
        return replace(self, objects=tuple(replace(o, box=box(o.box)) for o in self.objects), room=room, camera=camera)

    # -- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the scene (schema version :data:`SCHEMA_VERSION`)."""
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "source": self.source.to_dict(),
            "objects": [o.to_dict() for o in self.objects],
        }
        if self.object_counts is not None:
            out["object_counts"] = dict(self.object_counts)
        if self.room is not None:
            out["room"] = self.room.to_dict()
        if self.camera is not None:
            out["camera"] = [p.to_dict() for p in self.camera]
        out["provenance"] = self.provenance.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpatialCode:
        """Build a scene from its JSON form; raises :class:`ValidationError` naming the field."""
        if not isinstance(data, Mapping):
            raise ValidationError("scene", f"expected a JSON object, got {type(data).__name__}")
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise ValidationError("schema_version", f"unsupported version {version!r} (this build reads {SCHEMA_VERSION})")
        raw_objects = json_list(data.get("objects", []), "objects")
        objects = []
        for i, raw in enumerate(raw_objects):
            try:
                objects.append(SpatialObject.from_dict(raw))
            except ValidationError as err:
                raise _prefixed(f"objects[{i}]", err) from None
        try:
            room = Room.from_dict(data["room"]) if data.get("room") is not None else None
        except ValidationError as err:
            raise _prefixed("room", err) from None
        camera = None
        if data.get("camera") is not None:
            camera_list = []
            for i, raw in enumerate(json_list(data["camera"], "camera")):
                try:
                    camera_list.append(CameraPose.from_dict(raw))
                except ValidationError as err:
                    raise _prefixed(f"camera[{i}]", err) from None
            camera = tuple(camera_list)
        source_fields = json_object(data.get("source") or {}, "source")
        provenance_fields = json_object(data.get("provenance") or {}, "provenance")
        try:
            source = Source(**source_fields)
        except TypeError as err:
            raise ValidationError("source", str(err)) from None
        except ValidationError as err:
            raise _prefixed("source", err) from None
        try:
            provenance = Provenance(**provenance_fields)
        except TypeError as err:
            raise ValidationError("provenance", str(err)) from None
        except ValidationError as err:
            raise _prefixed("provenance", err) from None
        return cls(
            objects=tuple(objects),
            room=room,
            camera=camera,
            source=source,
            provenance=provenance,
            object_counts=data.get("object_counts"),
        )

    def to_json(self) -> str:
        """Return the scene as JSON text: one line per top-level field and per object/pose."""
        lines = []
        for key, value in self.to_dict().items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                items = ",\n".join(f"  {json.dumps(item)}" for item in value)
                lines.append(f' "{key}": [\n{items}\n ]')
            else:
                lines.append(f' "{key}": {json.dumps(value)}')
        return "{\n" + ",\n".join(lines) + "\n}\n"

    @classmethod
    def from_json(cls, text: str) -> SpatialCode:
        """Parse a scene from JSON text; raises :class:`InputFileError` when it is not JSON (or
        is nested too deeply) and :class:`ValidationError` naming the field when it is not a scene."""
        return cls.from_dict(parse_json(text))

    def save(self, path: str | Path) -> None:
        """Write the scene as JSON to ``path`` (parent folders are created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> SpatialCode:
        """Read a scene JSON file (at most :data:`~spatialcode.core.json_input.MAX_JSON_BYTES` bytes);
        errors name the file and the offending field."""
        path = Path(path)
        data = read_json_file(path, "scene file")
        try:
            return cls.from_dict(data)
        except ValidationError as err:
            raise InputFileError(f"{path}: {err}") from None
