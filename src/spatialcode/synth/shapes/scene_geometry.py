"""A whole scene as triangles: every object's shape and the room shell joined into one soup, each
triangle tagged with the object it belongs to, ready for ray casting
(:class:`open3d.t.geometry.RaycastingScene`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from spatialcode.core.errors import SpatialCodeError
from spatialcode.scene import SpatialCode
from spatialcode.synth.shapes.objects import ObjectShape, object_shape
from spatialcode.synth.shapes.room import DEFAULT_ROOM_COLORS, RoomLayout, room_layout, room_shell
from spatialcode.synth.shapes.soup import TriangleSoup

#: Object index of room triangles (floor, walls, ceiling) in :attr:`SceneGeometry.tri_object`.
ROOM = -1


@dataclass
class SceneGeometry:
    """All triangles of a scene: ``soup`` (geometry + appearance), ``tri_object`` (T,) the
    index into ``object_ids`` of each triangle's object (:data:`ROOM` for the room shell),
    ``object_ids``/``labels`` per object index, the ``layout`` and the object ``shapes``."""

    soup: TriangleSoup
    tri_object: np.ndarray
    object_ids: np.ndarray
    labels: list[str]
    layout: RoomLayout
    shapes: list[ObjectShape] = field(default_factory=list)

    @cached_property
    def raycasting_scene(self):
        """An ``open3d.t.geometry.RaycastingScene`` holding every triangle as one geometry
        (so a hit's ``primitive_ids`` index :attr:`tri_object` and the soup directly)."""
        import open3d as o3d

        scene = o3d.t.geometry.RaycastingScene()
        scene.add_triangles(
            o3d.core.Tensor(np.ascontiguousarray(self.soup.vertices, dtype=np.float32)),
            o3d.core.Tensor(np.ascontiguousarray(self.soup.triangles, dtype=np.uint32)),
        )
        return scene

    def object_surface_samples(self, count: int = 32, seed: int = 0) -> list[np.ndarray]:
        """Per object index, up to ``count`` points (k, 3) on its surface (area-weighted random
        points inside its triangles, pulled 1 % towards each triangle's centroid)."""
        rng = np.random.default_rng(seed)
        verts, tris = self.soup.vertices, self.soup.triangles
        out = []
        for k in range(len(self.object_ids)):
            sel = np.flatnonzero(self.tri_object == k)
            a, b, c = (verts[tris[sel, i]] for i in range(3))
            area = np.linalg.norm(np.cross(b - a, c - a), axis=1) / 2.0
            if area.sum() <= 0:
                out.append(((a + b + c) / 3.0)[:count])
                continue
            pick = rng.choice(len(sel), size=count, p=area / area.sum())
            r1, r2 = rng.random(count), rng.random(count)
            flip = r1 + r2 > 1.0
            r1[flip], r2[flip] = 1.0 - r1[flip], 1.0 - r2[flip]
            pts = a[pick] + r1[:, None] * (b[pick] - a[pick]) + r2[:, None] * (c[pick] - a[pick])
            centroid = (a[pick] + b[pick] + c[pick]) / 3.0
            out.append(pts * 0.99 + centroid * 0.01)
        return out


def build_scene_geometry(code: SpatialCode, layout: RoomLayout | None = None,
                         room_colors: dict[str, Sequence[float]] | None = None) -> SceneGeometry:
    """Build every object's shape and the room shell into one :class:`SceneGeometry`."""
    if not code.objects:
        raise SpatialCodeError("scene has no objects: nothing to render")
    layout = layout or room_layout(code)
    shapes = [object_shape(obj) for obj in code.objects]
    soups = [shape.triangles() for shape in shapes]
    shell = room_shell(layout, {**DEFAULT_ROOM_COLORS, **(room_colors or {})})
    owner = np.concatenate([np.full(len(s.triangles), k, dtype=np.int32) for k, s in enumerate(soups)]
                           + [np.full(len(shell.triangles), ROOM, dtype=np.int32)])
    return SceneGeometry(
        soup=TriangleSoup.concat([*soups, shell]),
        tri_object=owner,
        object_ids=np.array([o.id for o in code.objects], dtype=np.int64),
        labels=[o.label for o in code.objects],
        layout=layout,
        shapes=shapes,
    )
