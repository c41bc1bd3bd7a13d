"""A spatial code as a 3D model: a binary glTF (``.glb``) of the room floor and the oriented
boxes, written with numpy alone, for any glTF viewer (the web app's ``gr.Model3D``, Blender, a
browser's model viewer).

Each object is a node named ``label#id`` holding a box in :func:`label_color` (unlit: the colour as
it is, whatever the viewer's lights), its
edges as lines and, for an object with a front (``has_front`` not false), a flat wedge on its
top pointing along its box +x axis (where it faces). With ``highlight`` the objects named are
solid with black edges and the others faint grey, as on the bird's-eye map. glTF is y up: a point ``(x, y, z)`` of the
code (z up, metres) is ``(x, z, -y)`` in the file.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spatialcode.geometry.box import Box3D
from spatialcode.scene import SpatialCode, SpatialObject
from spatialcode.viz.birdseye import label_color

#: Opacity of an object's faces: normal, highlighted, and not highlighted while others are.
FACE_ALPHA = (0.7, 0.95, 0.12)
FLOOR_RGBA = (0.93, 0.91, 0.86, 1.0)
#: Colour of the objects not highlighted while others are.
FADED_RGB = (0.7, 0.7, 0.7)
_TRIANGLES, _LINES = 4, 1
_FLOAT, _UINT32 = 5126, 5125
# the 4 corners of each face of the unit cube (corner index = 4·x + 2·y + z with 0 = minus side)
_FACES = ((0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3))
_EDGES = ((0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7))


@dataclass(frozen=True)
class _Part:
    """One primitive: positions (N, 3) in the code's frame, vertex indices, mode and material."""

    positions: np.ndarray
    indices: np.ndarray
    mode: int
    material: int


def _to_gltf(points: np.ndarray) -> np.ndarray:
    """Code frame (z up) → glTF frame (y up): ``(x, y, z) → (x, z, -y)``."""
    return np.stack([points[:, 0], points[:, 2], -points[:, 1]], axis=1).astype(np.float32)


def _solid(corners: np.ndarray, faces: Iterable[Iterable[int]], material: int,
           inside: np.ndarray | None = None) -> _Part:
    """Flat faces (quads or triangles over ``corners``) wound counter-clockwise seen from the side
    away from ``inside`` (default: the corners' mean, the inside of a convex solid)."""
    centre = corners.mean(axis=0) if inside is None else inside
    positions, indices = [], []
    for face in faces:
        ring = corners[list(face)]
        normal = np.cross(ring[1] - ring[0], ring[2] - ring[0])
        if np.dot(normal, ring.mean(axis=0) - centre) < 0:
            ring = ring[::-1]
        start = len(positions)
        positions.extend(ring)
        indices.extend(start + k for j in range(1, len(ring) - 1) for k in (0, j, j + 1))
    return _Part(np.asarray(positions), np.asarray(indices, dtype=np.uint32), _TRIANGLES, material)


def _facing_wedge(box: Box3D) -> np.ndarray:
    """The 6 corners (tip, two back corners, at the top face and 2 cm above it) of a flat wedge
    on the top of ``box`` pointing along its +x axis, in the code's frame."""
    half = box.size_array / 2.0
    lift = min(0.02, half[2])
    outline = np.array([[half[0], 0.0], [-half[0] * 0.2, half[1] * 0.4], [-half[0] * 0.2, -half[1] * 0.4]])
    local = np.array([[x, y, z] for z in (half[2], half[2] + lift) for x, y in outline])
    return local @ box.rotation_matrix.T + box.center_array


def _object_parts(obj: SpatialObject, face: int, edge: int) -> list[_Part]:
    corners = obj.box.corners
    parts = [_solid(corners, _FACES, face),
             _Part(corners, np.asarray(_EDGES, dtype=np.uint32).ravel(), _LINES, edge)]
    if obj.has_front is not False and obj.box.size[0] > 0 and obj.box.size[1] > 0:
        parts.append(_solid(_facing_wedge(obj.box), ((0, 1, 2), (3, 4, 5), (0, 1, 4, 3), (1, 2, 5, 4), (2, 0, 3, 5)),
                            edge))
    return parts


def _floor_part(code: SpatialCode, material: int) -> _Part | None:
    """The room's floor polygon at z = 0 as triangles, or ``None`` without a polygon."""
    if code.room is None or not code.room.polygon or len(code.room.polygon) < 3:
        return None
    import shapely

    triangles = shapely.get_parts(shapely.constrained_delaunay_triangles(shapely.Polygon(code.room.polygon)))
    if not len(triangles):
        return None
    rings = [np.asarray(t.exterior.coords)[:3] for t in triangles]
    corners = np.concatenate([np.column_stack([r, np.zeros(3)]) for r in rings])
    faces = [(3 * k, 3 * k + 1, 3 * k + 2) for k in range(len(rings))]
    return _solid(corners, faces, material, inside=np.array([*corners[:, :2].mean(axis=0), -1.0]))  # facing up


def _material(name: str, rgba: tuple[float, ...]) -> dict:
    material: dict = {"name": name, "doubleSided": True, "extensions": {"KHR_materials_unlit": {}},
                      "pbrMetallicRoughness": {"baseColorFactor": [float(c) for c in rgba], "metallicFactor": 0.0,
                                               "roughnessFactor": 1.0}}
    if rgba[3] < 1.0:
        material["alphaMode"] = "BLEND"
    return material


def scene_glb(code: SpatialCode, highlight: Iterable[int] = ()) -> bytes:
    """The binary glTF 2.0 of ``code`` (module docstring): floor, boxes, edges, facing wedges;
    ``highlight`` = ids of the objects drawn solid while the others are faint."""
    highlight = {int(i) for i in highlight}
    materials = [_material("floor", FLOOR_RGBA)]
    nodes: list[tuple[str, list[_Part]]] = []
    floor = _floor_part(code, 0)
    if floor is not None:
        nodes.append(("floor", [floor]))
    for obj in code.objects:
        if not highlight or obj.id in highlight:
            alpha, color = FACE_ALPHA[1] if highlight else FACE_ALPHA[0], label_color(obj.label)
            edge = (0.0, 0.0, 0.0) if highlight else tuple(c * 0.5 for c in color)
        else:
            alpha, color, edge = FACE_ALPHA[2], FADED_RGB, FADED_RGB
        materials += [_material(f"{obj.label}#{obj.id} faces", (*color, alpha)), _material(f"{obj.label}#{obj.id}", (*edge, 1.0))]
        nodes.append((f"{obj.label}#{obj.id}", _object_parts(obj, len(materials) - 2, len(materials) - 1)))
    return _pack(nodes, materials)


def _pack(nodes: list[tuple[str, list[_Part]]], materials: list[dict]) -> bytes:
    """The GLB container (12-byte header, JSON chunk, binary chunk) of named nodes of parts."""
    binary = bytearray()
    views: list[dict] = []
    accessors: list[dict] = []

    def add(array: np.ndarray, component: int, kind: str, target: int, bounds: bool = False) -> int:
        views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": array.nbytes, "target": target})
        binary.extend(array.tobytes())
        binary.extend(b"\0" * (-len(binary) % 4))
        accessor = {"bufferView": len(views) - 1, "componentType": component, "count": len(array), "type": kind}
        if bounds:
            accessor |= {"min": array.min(axis=0).tolist(), "max": array.max(axis=0).tolist()}
        accessors.append(accessor)
        return len(accessors) - 1

    meshes = []
    for name, parts in nodes:
        primitives = []
        for part in parts:
            position = add(_to_gltf(part.positions), _FLOAT, "VEC3", 34962, bounds=True)
            index = add(part.indices.astype(np.uint32), _UINT32, "SCALAR", 34963)
            primitives.append({"attributes": {"POSITION": position}, "indices": index, "mode": part.mode,
                               "material": part.material})
        meshes.append({"name": name, "primitives": primitives})
    document = {
        "asset": {"version": "2.0", "generator": "spatialcode"},
        "extensionsUsed": ["KHR_materials_unlit"],
        "scene": 0,
        "scenes": [{"nodes": list(range(len(nodes)))}],
        "nodes": [{"name": name, "mesh": k} for k, (name, _) in enumerate(nodes)],
        "meshes": meshes,
        "materials": materials,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return (struct.pack("<4sII", b"glTF", 2, total) + struct.pack("<I4s", len(text), b"JSON") + text
            + struct.pack("<I4s", len(binary), b"BIN\0") + bytes(binary))


def write_scene_glb(code: SpatialCode, path: str | Path, highlight: Iterable[int] = ()) -> Path:
    """Write :func:`scene_glb` of ``code`` to ``path`` (parent folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(scene_glb(code, highlight))
    return path
