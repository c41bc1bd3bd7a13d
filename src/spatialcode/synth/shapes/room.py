"""The room a scene is rendered and walked in: its floor polygon (the scene's own, or the objects'
bounding rectangle grown by a margin), floor and ceiling heights, and its shell (floor, walls
extruded from the polygon, ceiling) as triangles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from spatialcode.core.errors import SpatialCodeError
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.polygon import box_footprint
from spatialcode.scene import SpatialCode
from spatialcode.synth.shapes.soup import TriangleSoup


@dataclass(frozen=True)
class RoomLayout:
    """The room to render and walk in: floor ``footprint`` (shapely polygon, metres),
    ``floor_z`` and ``ceiling_z`` (m), and whether the footprint was ``invented`` (the scene
    had no floor polygon)."""

    footprint: shapely.Polygon
    floor_z: float
    ceiling_z: float
    invented: bool


def object_footprint(box: Box3D) -> shapely.Polygon:
    """Floor-plane footprint of a box (a tiny square around the centre when degenerate)."""
    poly = box_footprint(box)
    if poly.is_empty or poly.area < 1e-8:
        return shapely.Point(box.center[0], box.center[1]).buffer(0.01, quad_segs=2)
    return poly


#: Widest room (m, along x or y) :func:`room_layout` accepts: the camera planner grids the floor
#: every few centimetres, so a kilometre-wide room from a broken file would exhaust memory.
MAX_ROOM_SPAN = 100.0


def room_layout(code: SpatialCode, margin: float = 1.0, default_height: float = 2.7) -> RoomLayout:
    """Return the room of ``code``: its floor polygon if given, else the bounding rectangle of
    the objects' footprints grown by ``margin`` metres (at most :data:`MAX_ROOM_SPAN` across). The floor is at z = 0 for a given polygon
    (lower if objects reach below it) and at the lowest object bottom otherwise; the ceiling is
    ``room.height`` (else ``default_height``) above the floor, raised to clear every object."""
    if not code.objects:
        raise SpatialCodeError("scene has no objects: nothing to render")
    bottoms = [float(o.box.corners[:, 2].min()) for o in code.objects]
    tops = [float(o.box.corners[:, 2].max()) for o in code.objects]
    room = code.room
    if room is not None and room.polygon is not None:
        footprint = shapely.Polygon(room.polygon)
        if not footprint.is_valid or footprint.area <= 0:
            raise SpatialCodeError(f"room.polygon is not a simple polygon ({shapely.is_valid_reason(footprint)})")
        floor_z, invented = min(0.0, min(bottoms)), False
    else:
        union = shapely.union_all([object_footprint(o.box) for o in code.objects])
        x0, y0, x1, y1 = union.bounds
        footprint = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        floor_z, invented = min(bottoms), True
    x0, y0, x1, y1 = footprint.bounds
    if max(x1 - x0, y1 - y0) > MAX_ROOM_SPAN:
        raise SpatialCodeError(f"the room spans {max(x1 - x0, y1 - y0):.0f} m: the renderer walks rooms up to "
                               f"{MAX_ROOM_SPAN:g} m across (check the room polygon and the object boxes)")
    height = room.height if room is not None and room.height else default_height
    ceiling_z = max(floor_z + height, max(tops) + 0.05)
    return RoomLayout(footprint=footprint, floor_z=floor_z, ceiling_z=ceiling_z, invented=invented)


def _polygon_triangles(polygon: shapely.Polygon) -> np.ndarray:
    """Triangulate a simple polygon: (F, 3, 2) triangle corners (constrained Delaunay)."""
    tris = shapely.constrained_delaunay_triangles(polygon)
    coords = [np.asarray(t.exterior.coords)[:3] for t in shapely.get_parts(tris)]
    return np.array(coords, dtype=float).reshape(-1, 3, 2)


def room_shell(layout: RoomLayout, colors: dict[str, Sequence[float]]) -> TriangleSoup:
    """Floor, walls and ceiling of the room as triangles; ``colors`` maps ``floor``, ``wall``
    and ``ceiling`` to RGB 0–1."""
    soups = []
    identity = np.eye(3)
    tri2d = _polygon_triangles(layout.footprint)
    for name, z, texture in (("floor", layout.floor_z, "tiles"), ("ceiling", layout.ceiling_z, "plain")):
        verts = np.concatenate([tri2d.reshape(-1, 2), np.full((tri2d.size // 2, 1), z)], axis=1)
        tris = np.arange(len(verts)).reshape(-1, 3)
        soups.append(TriangleSoup.single(verts, tris, colors[name], texture, identity, np.zeros(3)))
    ring = np.asarray(layout.footprint.exterior.coords)[:-1]
    walls = []
    for (x0, y0), (x1, y1) in zip(ring, np.roll(ring, -1, axis=0)):
        quad = np.array([[x0, y0, layout.floor_z], [x1, y1, layout.floor_z],
                         [x1, y1, layout.ceiling_z], [x0, y0, layout.ceiling_z]])
        walls.append(quad)
    wall_verts = np.concatenate(walls)
    base = np.arange(len(walls))[:, None] * 4
    wall_tris = np.concatenate([base + [0, 1, 2], base + [0, 2, 3]])
    soups.append(TriangleSoup.single(wall_verts, wall_tris, colors["wall"], "noise", identity, np.zeros(3)))
    return TriangleSoup.concat(soups)


#: Colours (RGB 0–1) of the room shell's floor, walls and ceiling unless a caller gives others.
DEFAULT_ROOM_COLORS = {"floor": (0.62, 0.52, 0.42), "wall": (0.86, 0.84, 0.80), "ceiling": (0.95, 0.95, 0.94)}
