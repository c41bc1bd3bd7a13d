"""The floor plane and the room outline from the points that belong to no object.

The floor is found by RANSAC plane fitting (Open3D's ``segment_plane``): the planes of the
background cloud are extracted largest first, and the floor is the lowest one whose normal is
within ``max_tilt_deg`` of the up direction. The outline is a 2D occupancy grid on the floor:
cells where floor was seen, plus the footprints of objects standing on it (furniture hides the
floor beneath it), closed, hole-filled, largest connected region; its polygon and area give the
:class:`~spatialcode.scene.Room`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage

from spatialcode.geometry.box import Box3D
from spatialcode.geometry.polygon import box_footprint
from spatialcode.scene import Room


@dataclass(frozen=True)
class Plane:
    """A plane ``normal · p + offset = 0`` (unit normal, offset in metres) and its inlier count."""

    normal: tuple[float, float, float]
    offset: float
    inliers: int

    def height(self, points: np.ndarray) -> np.ndarray:
        """Signed distance (N,), metres, of points (N, 3) above the plane."""
        return np.asarray(points) @ np.asarray(self.normal) + self.offset


def find_floor(points: np.ndarray, up: tuple[float, float, float] = (0.0, 0.0, 1.0), distance: float = 0.02,
               max_tilt_deg: float = 10.0, planes: int = 8, min_inliers: int = 50, seed: int = 0,
               max_points: int = 50_000, settle_band: float = 0.15) -> Plane | None:
    """The floor plane among the background points (N, 3), metres, with its normal pointing
    ``up``; ``None`` when no large enough near-horizontal plane exists. The planes are searched
    among at most ``max_points`` of the points, drawn at random (``seed``): RANSAC on more finds
    the same planes, slower (a room's background reaches millions of points).

    With ``settle_band`` > 0 the floor is level (its normal ``up``), at the height where the
    lowest plane's inliers lie settled into the middle of the floor's points
    (:func:`settle_height`). Depth whose error varies from frame to frame, and poses that drift,
    make the floor's points a slab some 10–30 cm thick, which RANSAC's thin threshold cuts into
    several planes, a few degrees off level; the lowest of them lies under the floor (13–28 cm
    on encoded dev layouts under ``--faults monocular``). A thin floor, as a depth sensor sees
    it, stays where it is. With 0, the floor is the lowest plane as RANSAC found it."""
    import open3d as o3d

    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(points) > max_points:
        points = points[np.random.default_rng(seed).choice(len(points), max_points, replace=False)]
    up_vec = np.asarray(up, dtype=np.float64) / np.linalg.norm(up)
    o3d.utility.random.seed(seed)
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points))
    candidates: list[tuple[Plane, float]] = []  # and the median height of its inliers along up
    for _ in range(planes):
        if len(cloud.points) < min_inliers:
            break
        model, inliers = cloud.segment_plane(distance_threshold=distance, ransac_n=3, num_iterations=200)
        if len(inliers) < min_inliers:
            break
        normal, offset = np.asarray(model[:3]), float(model[3])
        scale = np.linalg.norm(normal)
        normal, offset = normal / scale, offset / scale
        if normal @ up_vec < 0:
            normal, offset = -normal, -offset
        if normal @ up_vec >= math.cos(math.radians(max_tilt_deg)):
            height = float(np.median(np.asarray(cloud.points)[inliers] @ up_vec))
            candidates.append((Plane(tuple(normal.tolist()), offset, len(inliers)), height))
        cloud = cloud.select_by_index(inliers, invert=True)
    if not candidates:
        return None
    if settle_band <= 0:  # lowest along up: the plane's point nearest the origin projected on up is -offset * normal
        return min((plane for plane, _ in candidates), key=lambda plane: -plane.offset * float(np.asarray(plane.normal) @ up_vec))
    lowest, start = min(candidates, key=lambda candidate: candidate[1])
    return Plane(tuple(up_vec.tolist()), -settle_height(points @ up_vec, start, settle_band), lowest.inliers)


def settle_height(heights: np.ndarray, start: float, band: float, max_steps: int = 50) -> float:
    """From ``start`` (m), the median of the ``heights`` (N,), m, within ``band`` m of it, again
    from there until it moves less than 0.1 mm: a mean shift into the middle of the slab of
    heights ``start`` lies in (``start`` when none is within the band)."""
    height = start
    for _ in range(max_steps):
        near = heights[np.abs(heights - height) <= band]
        if not len(near):
            break
        moved = float(np.median(near))
        if abs(moved - height) < 1e-4:
            return moved
        height = moved
    return height


def room_outline(floor_points: np.ndarray, footprints: list[Box3D], cell: float = 0.1, closing: int = 2) -> Room | None:
    """The room (polygon, area m²) from floor points (N, 3 or 2; x, y used), metres, and the
    boxes of objects standing on the floor; ``None`` when nothing was seen."""
    xy = np.asarray(floor_points, dtype=np.float64).reshape(len(floor_points), -1)[:, :2]
    shapes = [box_footprint(box) for box in footprints]
    corners = [xy] + [np.asarray(s.exterior.coords) for s in shapes]
    everything = np.vstack([c for c in corners if len(c)]) if any(len(c) for c in corners) else np.empty((0, 2))
    if not len(everything):
        return None
    origin = everything.min(axis=0) - (closing + 1) * cell
    shape = tuple((np.ceil((everything.max(axis=0) - origin) / cell).astype(int) + closing + 2)[::-1])  # rows = y
    grid = np.zeros(shape, dtype=bool)
    cells = np.floor((xy - origin) / cell).astype(int)
    grid[cells[:, 1], cells[:, 0]] = True
    for footprint in shapes:  # cells whose centre lies in an object's footprint
        lo = np.floor((np.asarray(footprint.bounds[:2]) - origin) / cell).astype(int)
        hi = np.ceil((np.asarray(footprint.bounds[2:]) - origin) / cell).astype(int)
        cx, cy = np.meshgrid(np.arange(lo[0], hi[0]), np.arange(lo[1], hi[1]))
        inside = shapely.contains_xy(footprint, origin[0] + (cx + 0.5) * cell, origin[1] + (cy + 0.5) * cell)
        grid[cy[inside], cx[inside]] = True
    grid = ndimage.binary_fill_holes(ndimage.binary_closing(grid, iterations=closing))
    labels, count = ndimage.label(grid)
    if count == 0:
        return None
    largest = 1 + int(np.argmax(ndimage.sum_labels(grid, labels, index=range(1, count + 1))))
    rows, cols = np.nonzero(labels == largest)
    squares = shapely.box(origin[0] + cols * cell, origin[1] + rows * cell,
                          origin[0] + (cols + 1) * cell, origin[1] + (rows + 1) * cell)
    region = shapely.union_all(squares).simplify(cell / 2)
    if region.geom_type != "Polygon" or region.is_empty:
        return Room(area=float(len(rows) * cell * cell))
    polygon = shapely.geometry.polygon.orient(shapely.Polygon(region.exterior), 1.0)
    return Room(polygon=tuple(map(tuple, np.asarray(polygon.exterior.coords)[:-1].tolist())), area=float(polygon.area))
