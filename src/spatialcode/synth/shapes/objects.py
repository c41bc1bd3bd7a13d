"""Each object's shape placed in the world: the shape frame of its box (the box's axes permuted
so that "up" is the axis nearest world +z and "front" is box +x whenever +x is not up — real
annotations often have tilted boxes or a vertical x or y axis), its primitives scaled to the box
and its instance palette, as world-frame triangles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spatialcode.geometry.box import Box3D
from spatialcode.scene import SpatialObject
from spatialcode.synth.shapes.drawn_as import shape_category
from spatialcode.synth.shapes.furniture import draw_shape
from spatialcode.synth.shapes.palette import instance_palette, stable_seed
from spatialcode.synth.shapes.primitives import Primitive, primitive_mesh
from spatialcode.synth.shapes.soup import TriangleSoup


def shape_frame(box: Box3D) -> np.ndarray:
    """Return the 3×3 signed permutation ``P`` whose columns are the shape frame's front, left
    and up axes in box coordinates: up is the box axis nearest world +z (pointing up), front is
    box +x unless +x is that up axis (then box +y)."""
    rot = box.rotation_matrix
    k = int(np.argmax(np.abs(rot[2])))
    up = np.zeros(3)
    up[k] = 1.0 if rot[2, k] >= 0 else -1.0
    front = np.zeros(3)
    front[0 if k != 0 else 1] = 1.0
    return np.column_stack([front, np.cross(up, front), up])


@dataclass
class ObjectShape:
    """The shape of one object: ``primitives`` in the shape frame, placed in the world by
    ``rotation`` (shape frame → world, 3×3) and ``center``; colours from ``palette``."""

    object_id: int
    label: str
    category: str | None
    primitives: list[Primitive]
    rotation: np.ndarray
    center: np.ndarray
    palette: dict[str, tuple[tuple[float, float, float], str]]
    texture_offset: tuple[float, float] = (0.0, 0.0)

    def triangles(self) -> TriangleSoup:
        """Return the world-frame triangles of all primitives with their attributes."""
        soups = []
        for primitive in self.primitives:
            verts, tris = primitive_mesh(primitive)
            color, texture = self.palette.get(primitive.role, self.palette["main"])
            if primitive.color is not None:
                color = primitive.color
            soups.append(TriangleSoup.single(verts, tris, color, texture, self.rotation, self.center,
                                             self.texture_offset))
        return TriangleSoup.concat(soups)

    def to_open3d(self):
        """Return an ``open3d.t.geometry.TriangleMesh`` (world frame) with triangle attributes
        ``colors`` (float32 RGB 0–1) and ``object_id`` (int32)."""
        import open3d as o3d

        soup = self.triangles()
        mesh = o3d.t.geometry.TriangleMesh()
        mesh.vertex.positions = o3d.core.Tensor(soup.vertices.astype(np.float32))
        mesh.triangle.indices = o3d.core.Tensor(soup.triangles.astype(np.int32))
        mesh.triangle.colors = o3d.core.Tensor(soup.color)
        mesh.triangle.object_id = o3d.core.Tensor(np.full(len(soup.triangles), self.object_id, dtype=np.int32))
        return mesh


def object_shape(obj: SpatialObject) -> ObjectShape:
    """Build the recognisable shape of one object, scaled to (and inside) its box."""
    perm = shape_frame(obj.box)
    size = np.abs(perm.T) @ obj.box.size_array
    category = shape_category(obj.label)
    seed = stable_seed("shape", obj.id, obj.label)
    rng = np.random.default_rng(seed)
    return ObjectShape(
        object_id=obj.id,
        label=obj.label,
        category=category,
        primitives=draw_shape(category, size, seed),
        rotation=obj.box.rotation_matrix @ perm,
        center=obj.box.center_array,
        palette=instance_palette(obj.id, obj.label),
        texture_offset=(float(rng.uniform(0, 64)), float(rng.uniform(0, 64))),
    )
