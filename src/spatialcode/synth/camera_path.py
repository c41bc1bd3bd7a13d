"""Plan a walkthrough camera path that stays in the room, keeps clear of objects and sees
every object.

The camera walks at eye height through the free floor space (the room shrunk by the clearance,
minus every object footprint that reaches below eye height + clearance, grown by the clearance;
while furniture splits that space into separate parts, e.g. at a narrow passage into a second
room, the clearance is lowered step by step down to ``min_clearance``).
Viewpoints are chosen on a grid of free positions by ray casting from each one to points on every
object's surface (a greedy cover: few stops that each see many objects large enough). The tour
visits the stops and a few patrol places spread over the room (farthest-point sampling) in
nearest-neighbour order along shortest free paths; at every stop the camera turns to face its
objects and holds, at patrol places it looks across the room. Turns are eased (cosine) and
rate-limited; walking is at constant speed, looking along the walking direction turned up to 50°
towards the middle of the room, pitched slightly down. The planned path is then rendered at low resolution; objects still below the mask
threshold get a dedicated stop.

The camera is the pinhole model of :mod:`spatialcode.geometry.camera`
(:meth:`~spatialcode.geometry.camera.Intrinsics.from_hfov` of the configured image size and
horizontal field of view); poses are :class:`~spatialcode.scene.CameraPose` (camera-to-world,
OpenCV camera frame: +z forward, +x right, +y down).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from spatialcode.core.cpus import usable_cpus
from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.validation import check_field_types
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.camera import Intrinsics, pixel_rays
from spatialcode.scene import CameraPose, Provenance, SpatialCode
from spatialcode.synth.shapes import (
    RoomLayout,
    SceneGeometry,
    build_scene_geometry,
    object_footprint,
    room_layout,
)

_BUFFER_SLACK = 0.005  # m: buffers are polygons inscribed in the true offset; grow them a little
_MAX_PITCH = math.radians(60.0)
_SIGNIFICANT_AREA = 0.5  # m²: a free-space part this large is a place the camera should reach


def _clearances(clearance: float, least: float, step: float = 0.05) -> list[float]:
    """``clearance`` then smaller ones down to ``least`` (m), ``step`` apart: tried in turn while
    furniture splits the free space into separate parts (a narrow passage between rooms)."""
    out = [clearance]
    while out[-1] - step >= least - 1e-9:
        out.append(round(out[-1] - step, 6))
    return out


@dataclass(frozen=True)
class PathConfig:
    """Settings of :func:`plan_camera_path` (metres, seconds, degrees, pixels)."""

    fps: float = 10.0
    eye_height: float = 1.5          # above the floor
    clearance: float = 0.3           # min horizontal distance to walls and obstacle footprints
    min_clearance: float = 0.15      # ... lowered down to this while furniture splits the free space
    walk_speed: float = 0.5          # m/s
    turn_rate_deg: float = 60.0      # max angular speed, deg/s
    hold_seconds: float = 0.6        # dwell while facing a target
    walk_pitch_deg: float = -15.0    # camera pitch while walking (negative = down)
    width: int = 640                 # the camera: image size (pixels) and horizontal field of view (deg),
                                     # rendered and used for the visibility checks
    height: int = 480
    hfov_deg: float = 65.0
    mask_threshold: int = 200        # pixels an object needs in one frame to count as seen
    max_seconds: float | None = 180.0
    max_frames: int | None = None
    room_margin: float = 1.0         # invented room: bounding rectangle of objects + this
    room_height: float = 2.7         # when the scene does not give one
    grid_step: float = 0.15          # free-space grid spacing
    verify_rounds: int = 2           # low-resolution render-and-patch rounds

    def __post_init__(self) -> None:
        check_field_types(self)
        for name in ("fps", "eye_height", "walk_speed", "turn_rate_deg", "grid_step", "room_height"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")
        for name in ("clearance", "min_clearance", "hold_seconds", "room_margin"):
            if getattr(self, name) < 0:
                raise ValidationError(name, f"must be >= 0, got {getattr(self, name)}")
        for name in ("width", "height", "mask_threshold"):
            if getattr(self, name) < 1:
                raise ValidationError(name, f"must be >= 1 pixel, got {getattr(self, name)}")
        if self.verify_rounds < 0:
            raise ValidationError("verify_rounds", f"must be >= 0, got {self.verify_rounds}")
        if not 1.0 <= self.hfov_deg <= 170.0:
            raise ValidationError("hfov_deg", f"must be in [1, 170] degrees, got {self.hfov_deg}")
        if self.max_frames is not None and self.max_frames < 1:
            raise ValidationError("max_frames", f"must be >= 1, got {self.max_frames}")
        if self.max_seconds is not None and self.max_seconds <= 0:
            raise ValidationError("max_seconds", f"must be > 0, got {self.max_seconds}")

    @property
    def intrinsics(self) -> Intrinsics:
        """The camera: ``width`` × ``height`` pixels with the horizontal field of view ``hfov_deg``."""
        return Intrinsics.from_hfov(self.width, self.height, self.hfov_deg)


# --------------------------------------------------------------------------------------------
# Aiming
# --------------------------------------------------------------------------------------------


def _aim(eye: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """Yaw and pitch (rad) of the direction from ``eye`` to ``target`` (pitch clamped)."""
    d = np.asarray(target, dtype=float) - eye
    yaw = math.atan2(d[1], d[0])
    pitch = math.atan2(d[2], math.hypot(d[0], d[1]))
    return yaw, max(-_MAX_PITCH, min(_MAX_PITCH, pitch))


def _wrap(angle: float) -> float:
    return math.remainder(angle, 2.0 * math.pi)


# --------------------------------------------------------------------------------------------
# Free space
# --------------------------------------------------------------------------------------------


@dataclass
class FreeSpace:
    """Where the camera may be: ``region`` (shapely polygon, the largest free component),
    grid ``nodes`` (N, 2) and the walking ``graph`` (sparse, metres)."""

    region: shapely.Geometry
    nodes: np.ndarray
    graph: object
    eye_z: float
    obstacles: list[int]  # indices of the objects that block walking


def obstacle_indices(code: SpatialCode, layout: RoomLayout, eye_z: float, clearance: float) -> list[int]:
    """Indices of the objects whose vertical extent reaches below ``eye_z + clearance`` (the
    camera must keep ``clearance`` from their footprints; higher objects are overhead)."""
    return [k for k, o in enumerate(code.objects) if float(o.box.corners[:, 2].min()) < eye_z + clearance]


def free_space(code: SpatialCode, layout: RoomLayout, config: PathConfig) -> FreeSpace:
    """Return the free walking space at eye height; raises :class:`SpatialCodeError` when there
    is none."""
    eye_z = min(layout.floor_z + config.eye_height, layout.ceiling_z - 0.1)
    for clearance in _clearances(config.clearance, config.min_clearance):
        obstacles = obstacle_indices(code, layout, eye_z, clearance)
        reach = clearance + _BUFFER_SLACK
        region = layout.footprint.buffer(-reach)
        if obstacles:
            blocked = shapely.union_all([object_footprint(code.objects[k].box).buffer(reach) for k in obstacles])
            region = region.difference(blocked)
        parts = [p for p in shapely.get_parts(region) if isinstance(p, shapely.Polygon) and p.area > 0]
        if sum(p.area >= _SIGNIFICANT_AREA for p in parts) <= 1:  # one walkable space: done
            break
    if not parts:
        raise SpatialCodeError(
            f"no free camera position: every point of the room is within {config.clearance:g} m of a wall or an object"
        )
    region = max(parts, key=lambda p: p.area)
    shapely.prepare(region)
    x0, y0, x1, y1 = region.bounds
    step = config.grid_step
    xs = np.arange(x0 + step / 2, x1, step)
    ys = np.arange(y0 + step / 2, y1, step)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    inside = shapely.contains_xy(region, gx, gy)
    ij = np.argwhere(inside)
    nodes = np.column_stack([gx[inside], gy[inside]])
    if len(nodes) == 0:
        point = region.representative_point()
        nodes = np.array([[point.x, point.y]])
        ij = np.zeros((1, 2), dtype=int)
    index = -np.ones(gx.shape if gx.size else (1, 1), dtype=np.int64)
    index[ij[:, 0], ij[:, 1]] = np.arange(len(nodes))
    rows, cols = [], []
    for di, dj in ((1, 0), (0, 1), (1, 1), (1, -1)):
        ni, nj = ij[:, 0] + di, ij[:, 1] + dj
        ok = (ni >= 0) & (ni < index.shape[0]) & (nj >= 0) & (nj < index.shape[1])
        src = np.flatnonzero(ok)
        dst = index[ni[ok], nj[ok]]
        keep = dst >= 0
        rows.append(src[keep])
        cols.append(dst[keep])
    rows_a, cols_a = np.concatenate(rows), np.concatenate(cols)
    if len(rows_a):
        lines = shapely.linestrings(np.stack([nodes[rows_a], nodes[cols_a]], axis=1))
        ok = shapely.covers(region, lines)
        rows_a, cols_a = rows_a[ok], cols_a[ok]
    weights = np.linalg.norm(nodes[rows_a] - nodes[cols_a], axis=1)
    n = len(nodes)
    graph = coo_matrix((np.concatenate([weights, weights]),
                        (np.concatenate([rows_a, cols_a]), np.concatenate([cols_a, rows_a]))), shape=(n, n)).tocsr()
    return FreeSpace(region=region, nodes=nodes, graph=graph, eye_z=eye_z, obstacles=obstacles)


def _pull_string(points: np.ndarray, region: shapely.Geometry) -> np.ndarray:
    """Shorten a polyline inside ``region``: from each kept vertex jump to the farthest later
    vertex that is in straight sight within the region."""
    if len(points) <= 2:
        return points
    kept = [0]
    i = 0
    while i < len(points) - 1:
        candidates = np.arange(len(points) - 1, i, -1)
        lines = shapely.linestrings(np.stack([np.repeat(points[i:i + 1], len(candidates), 0), points[candidates]], axis=1))
        ok = shapely.covers(region, lines)
        j = int(candidates[np.argmax(ok)]) if ok.any() else i + 1
        kept.append(j)
        i = j
    return points[kept]


# --------------------------------------------------------------------------------------------
# Visibility
# --------------------------------------------------------------------------------------------


def ray_threads() -> int:
    """Threads for ray casting: the CPUs this process may use (Open3D's automatic choice is
    several times slower on small machines)."""
    return usable_cpus()


def _cast(geometry: SceneGeometry, rays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cast (..., 6) rays; return the hit ray parameter and the hit object index (shapes.ROOM for the
    room shell, -2 for no hit)."""
    import open3d as o3d

    result = geometry.raycasting_scene.cast_rays(
        o3d.core.Tensor.from_numpy(np.ascontiguousarray(rays, dtype=np.float32)), nthreads=ray_threads()
    )
    t_hit = result["t_hit"].numpy()
    prim = result["primitive_ids"].numpy()
    hit = np.isfinite(t_hit)
    owner = np.full(prim.shape, -2, dtype=np.int32)
    owner[hit] = geometry.tri_object[prim[hit]]
    return t_hit, owner


def _box_solid_angle(box: Box3D, eyes: np.ndarray) -> np.ndarray:
    """Solid angle proxy (sr) of a box seen from each of ``eyes`` (n, 3): the box's projected
    face areas divided by the squared distance."""
    d = box.center_array - eyes
    dist2 = np.maximum(np.einsum("ij,ij->i", d, d), 1e-6)
    view = d / np.sqrt(dist2)[:, None]
    sx, sy, sz = box.size
    areas = np.array([sy * sz, sx * sz, sx * sy])
    return (np.abs(view @ box.rotation_matrix) @ areas) / dist2


@dataclass
class _Views:
    candidates: np.ndarray   # (C,) node indices
    visible: np.ndarray      # (C, O) fraction of surface samples in sight
    expected: np.ndarray     # (C, O) expected mask pixels when facing the object
    aims: np.ndarray         # (C, O, 3) point to look at


def _evaluate_views(code: SpatialCode, geometry: SceneGeometry, free: FreeSpace, config: PathConfig,
                    candidates: np.ndarray) -> _Views:
    samples = geometry.object_surface_samples(24)
    n_obj = len(code.objects)
    eyes = np.column_stack([free.nodes[candidates], np.full(len(candidates), free.eye_z)])
    fx = config.intrinsics.fx
    visible = np.zeros((len(candidates), n_obj))
    expected = np.zeros((len(candidates), n_obj))
    aims = np.zeros((len(candidates), n_obj, 3))
    image_px = config.width * config.height
    for k, pts in enumerate(samples):
        if len(pts) == 0:
            continue
        dirs = pts[None, :, :] - eyes[:, None, :]
        rays = np.concatenate([np.broadcast_to(eyes[:, None, :], dirs.shape), dirs], axis=-1)
        _, owner = _cast(geometry, rays)
        seen = owner == k
        # the aim direction must be reachable with the pitch limit
        horiz = np.hypot(dirs[..., 0], dirs[..., 1])
        pitch = np.abs(np.arctan2(dirs[..., 2], horiz))
        seen &= pitch <= _MAX_PITCH + math.radians(15.0)
        visible[:, k] = seen.mean(axis=1)
        count = seen.sum(axis=1, keepdims=True)
        mean_seen = (pts[None] * seen[..., None]).sum(axis=1) / np.maximum(count, 1)
        aims[:, k] = np.where(count > 0, mean_seen, code.objects[k].box.center_array)
        # pixels when facing it: silhouette × a fill factor × the share of it in sight
        px = _box_solid_angle(code.objects[k].box, eyes) * fx * fx * 0.6 * np.minimum(1.0, 2.0 * visible[:, k])
        expected[:, k] = np.minimum(px, image_px)
    return _Views(candidates=candidates, visible=visible, expected=expected, aims=aims)


def _candidate_nodes(free: FreeSpace, spacing: float, limit: int = 400) -> np.ndarray:
    """A spread subset of the grid nodes (about one per ``spacing`` metres)."""
    nodes = free.nodes
    if len(nodes) <= 30:
        return np.arange(len(nodes))
    while True:
        cells = np.floor(nodes / spacing).astype(np.int64)
        _, first = np.unique(cells, axis=0, return_index=True)
        if len(first) <= limit:
            return np.sort(first)
        spacing *= 1.3


def _select_stops(views: _Views, threshold: float, wanted: Sequence[int]) -> dict[int, list[int]]:
    """Greedy cover: candidate index → objects to face there (each wanted, visible object once)."""
    good = views.expected >= 2.0 * threshold
    uncovered = {k for k in wanted if views.visible[:, k].max() > 0}
    stops: dict[int, list[int]] = {}
    while True:
        coverable = [k for k in uncovered if good[:, k].any()]
        if not coverable:
            break
        counts = good[:, coverable].sum(axis=1)
        score = counts * 1e9 + views.expected[:, coverable].sum(axis=1)
        c = int(np.argmax(score))
        got = [k for k in coverable if good[c, k]]
        stops.setdefault(c, []).extend(got)
        uncovered -= set(got)
    for k in sorted(uncovered):  # never "good": take the best view there is
        c = int(np.argmax(views.expected[:, k]))
        stops.setdefault(c, []).append(k)
    return stops


# --------------------------------------------------------------------------------------------
# Timeline
# --------------------------------------------------------------------------------------------


@dataclass
class _Action:
    kind: str              # "turn", "move", "hold"
    duration: float
    start: tuple[float, float, float, float]  # x, y, yaw, pitch
    end: tuple[float, float, float, float]


@dataclass
class _Timeline:
    config: PathConfig
    x: float
    y: float
    yaw: float
    pitch: float
    actions: list[_Action] = field(default_factory=list)

    def state(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.yaw, self.pitch)

    def turn(self, yaw: float, pitch: float, min_angle: float = math.radians(1.0)) -> None:
        yaw = self.yaw + _wrap(yaw - self.yaw)
        angle = math.hypot(yaw - self.yaw, pitch - self.pitch)
        if angle < min_angle:
            return
        rate = math.radians(self.config.turn_rate_deg)
        duration = max(0.5 * math.pi * angle / rate, 0.2)
        start = self.state()
        self.yaw, self.pitch = yaw, pitch
        self.actions.append(_Action("turn", duration, start, self.state()))

    def move(self, x: float, y: float, yaw: float | None = None) -> None:
        """Walk to (x, y); the heading may drift towards ``yaw`` at up to 80 % of the turn rate."""
        dist = math.hypot(x - self.x, y - self.y)
        if dist < 1e-6:
            return
        duration = dist / self.config.walk_speed
        start = self.state()
        if yaw is not None:
            limit = 0.8 * math.radians(self.config.turn_rate_deg) * duration
            self.yaw += max(-limit, min(limit, _wrap(yaw - self.yaw)))
        self.x, self.y = x, y
        self.actions.append(_Action("move", duration, start, self.state()))

    def hold(self, seconds: float) -> None:
        self.actions.append(_Action("hold", seconds, self.state(), self.state()))

    def sample(self, eye_z: float, max_duration: float | None, max_frames: int | None) -> tuple[list[CameraPose], bool]:
        """Poses at t = i / fps; time is compressed (holds keep ≥ one frame) to fit the limits.
        Returns the poses and whether time was compressed."""
        fps = self.config.fps
        durations = np.array([a.duration for a in self.actions]) if self.actions else np.zeros(0)
        holds = np.array([a.kind == "hold" for a in self.actions], dtype=bool)
        total = float(durations.sum())
        limit = math.inf
        if max_duration is not None:
            limit = max_duration
        if max_frames is not None:
            limit = min(limit, (max_frames - 1) / fps)
        compressed = total > limit
        if compressed:
            def scaled(s: float) -> np.ndarray:
                return np.where(holds, np.maximum(durations * s, 1.0 / fps), durations * s)
            lo, hi = 0.0, 1.0
            for _ in range(60):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if scaled(mid).sum() <= limit else (lo, mid)
            durations = scaled(lo)
            if durations.sum() > limit:  # too many holds for the frame budget: shrink them too
                durations *= limit / durations.sum()
            total = float(durations.sum())
        count = math.floor(total * fps + 1e-9) + 1
        if max_frames is not None:
            count = min(count, max_frames)
        times = np.arange(count) / fps
        ends = np.cumsum(durations)
        starts = ends - durations
        poses = []
        for t in times:
            k = int(np.searchsorted(ends, t, side="right")) if len(ends) else 0
            if k >= len(self.actions):
                state = self.actions[-1].end if self.actions else self.state()
            else:
                action = self.actions[k]
                frac = (t - starts[k]) / action.duration if durations[k] > 0 else 1.0
                frac = min(1.0, max(0.0, frac))
                if action.kind == "turn":
                    frac = 0.5 - 0.5 * math.cos(math.pi * frac)
                a, b = np.array(action.start), np.array(action.end)
                state = tuple(a + (b - a) * frac)
            poses.append(CameraPose.from_yaw_pitch(t, (state[0], state[1], eye_z), state[2], state[3]))
        return poses, compressed


# --------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------


@dataclass
class CameraPlan:
    """A planned walkthrough: ``poses`` (at ``fps``), the ``layout`` and ``free`` space used,
    the stops (``(x, y)`` and object indices faced there; none at patrol places), ``unseen`` object ids (never reaching the
    mask threshold at the planning resolution), whether time was ``compressed`` to fit, and the
    ``visible_counts`` (frames × objects, in ``code.objects`` order) of pixels showing each object
    at the planning resolution, with the ``count_threshold`` equivalent to the mask threshold."""

    poses: list[CameraPose]
    layout: RoomLayout
    free: FreeSpace
    stops: list[tuple[tuple[float, float], list[int]]]
    unseen: list[int]
    compressed: bool
    visible_counts: np.ndarray
    count_threshold: float

    def first_seen(self, code: SpatialCode) -> dict[int, float]:
        """Object id → time (s) of the first frame in which it reaches the threshold at the
        planning resolution (objects that never do are left out). The full-resolution render
        measures the same thing on full-size masks, so its times can differ by a frame or two."""
        reached = self.visible_counts >= self.count_threshold
        first = np.argmax(reached, axis=0)
        return {obj.id: self.poses[int(first[k])].t for k, obj in enumerate(code.objects) if reached[:, k].any()}


def _tour(order_nodes: list[int], free: FreeSpace, start: int) -> list[int]:
    """Visit order of stop nodes (nearest neighbour from ``start`` then 2-opt, open path)."""
    nodes = [start, *order_nodes]
    dist = dijkstra(free.graph, indices=nodes)[:, nodes]
    dist = np.where(np.isfinite(dist), dist, 1e6)
    remaining = list(range(1, len(nodes)))
    route = [0]
    while remaining:
        nxt = min(remaining, key=lambda j: dist[route[-1], j])
        route.append(nxt)
        remaining.remove(nxt)
    improved = True
    while improved and len(route) > 3:
        improved = False
        for i in range(1, len(route) - 1):
            for j in range(i + 1, len(route)):
                a, b = route[i - 1], route[i]
                c = route[j]
                d = route[j + 1] if j + 1 < len(route) else None
                before = dist[a, b] + (dist[c, d] if d is not None else 0.0)
                after = dist[a, c] + (dist[b, d] if d is not None else 0.0)
                if after < before - 1e-9:
                    route[i:j + 1] = route[i:j + 1][::-1]
                    improved = True
    return [nodes[k] for k in route[1:]]


def _shortest_path(free: FreeSpace, a: int, b: int) -> np.ndarray:
    if a == b:
        return free.nodes[[a]]
    _, pred = dijkstra(free.graph, indices=a, return_predecessors=True)
    if pred[b] < 0:  # unreachable (should not happen in one component): straight line
        return free.nodes[[a, b]]
    path = [b]
    while path[-1] != a:
        path.append(int(pred[path[-1]]))
    return _pull_string(free.nodes[path[::-1]], free.region)


def _group_targets(eye: np.ndarray, aims: list[np.ndarray], current_yaw: float, config: PathConfig) -> list[tuple[float, float]]:
    """Directions (yaw, pitch) to face at a stop: targets sorted in one sweep from the current
    heading, neighbours within ~half the field of view merged."""
    if not aims:
        return []
    dirs = [_aim(eye, a) for a in aims]
    rel = [(_wrap(y - current_yaw), y, p) for y, p in dirs]
    rel.sort(key=lambda r: r[0])
    # sweep from the end nearest the current heading
    if abs(rel[-1][0]) < abs(rel[0][0]):
        rel = rel[::-1]
    hfov = math.radians(config.hfov_deg)
    vfov = 2 * math.atan(math.tan(hfov / 2) * config.height / config.width)
    groups: list[list[tuple[float, float, float]]] = []
    for item in rel:
        if groups and abs(item[0] - groups[-1][0][0]) < 0.4 * hfov and abs(item[2] - groups[-1][0][2]) < 0.4 * vfov:
            groups[-1].append(item)
        else:
            groups.append([item])
    out = []
    for g in groups:
        mean_rel = float(np.mean([r for r, _, _ in g]))
        out.append((current_yaw + mean_rel, float(np.mean([p for _, _, p in g]))))
    return out


def _patrol_nodes(free: FreeSpace, start: int, count: int) -> list[int]:
    """``count`` grid nodes spread over the free space (farthest-point sampling from ``start``)."""
    nodes = free.nodes
    chosen = [start]
    dist = np.linalg.norm(nodes - nodes[start], axis=1)
    for _ in range(count):
        k = int(np.argmax(dist))
        if dist[k] < 0.5:  # the free space is small: no more distinct places
            break
        chosen.append(k)
        dist = np.minimum(dist, np.linalg.norm(nodes - nodes[k], axis=1))
    return chosen[1:]


def _pieces(path: np.ndarray, longest: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The segments of a polyline, each split into pieces of at most ``longest`` metres."""
    out = []
    for a, b in itertools.pairwise(path):
        n = max(1, math.ceil(np.linalg.norm(b - a) / longest - 1e-9))
        if np.linalg.norm(b - a) < 1e-6:
            continue
        cuts = [a + (b - a) * k / n for k in range(n + 1)]
        out.extend(itertools.pairwise(cuts))
    return out


def _gaze(at: np.ndarray, heading: float, middle: np.ndarray, most: float = math.radians(50)) -> float:
    """Where to look while walking: the heading turned towards the room's middle by up to
    ``most`` radians (just the heading when the middle is near)."""
    to_middle = middle[:2] - at[:2]
    if np.linalg.norm(to_middle) < 0.8:
        return heading
    rel = _wrap(math.atan2(to_middle[1], to_middle[0]) - heading)
    return heading + max(-most, min(most, rel))


def _build_timeline(code: SpatialCode, free: FreeSpace, views: _Views, stops: dict[int, list[int]],
                    config: PathConfig) -> tuple[_Timeline, list]:
    """Walk from the start through the patrol places and the stops (tour order); look across the
    room at patrol places and at the assigned objects at stops."""
    nodes = free.nodes
    centroid = np.asarray(free.region.centroid.coords[0])
    start = int(np.argmax(np.linalg.norm(nodes - centroid, axis=1)))
    stop_nodes = {int(views.candidates[c]): c for c in stops}
    patrol = set(_patrol_nodes(free, start, int(np.clip(round(free.region.area / 6.0), 1, 6))))
    order = _tour(sorted(set(stop_nodes) | patrol), free, start)
    centres = np.array([o.box.center for o in code.objects])
    middle = centres.mean(axis=0)
    walk_pitch = math.radians(config.walk_pitch_deg)
    # start by looking across the room (towards the centre of the free space)
    towards = centroid - nodes[start]
    yaw0 = math.atan2(towards[1], towards[0]) if np.linalg.norm(towards) > 1e-6 else 0.0
    line = _Timeline(config, float(nodes[start][0]), float(nodes[start][1]), yaw0, walk_pitch)
    line.hold(config.hold_seconds)
    current = start
    visited = []
    for node in order:
        for a, b in _pieces(_shortest_path(free, current, node), 1.0):
            heading = math.atan2(b[1] - a[1], b[0] - a[0])
            start_yaw = _gaze(a, heading, middle)
            if abs(_wrap(start_yaw - line.yaw)) > math.radians(20) or abs(line.pitch - walk_pitch) > 1e-3:
                line.turn(start_yaw, walk_pitch, min_angle=1e-6)
            line.move(float(b[0]), float(b[1]), _gaze(b, heading, middle))
        current = node
        eye = np.array([nodes[node][0], nodes[node][1], free.eye_z])
        faced = stops.get(stop_nodes[node], []) if node in stop_nodes else []
        aims = [views.aims[stop_nodes[node], k] for k in faced]
        if not aims:  # a patrol place: look across the room at the objects
            far = np.linalg.norm(centres[:, :2] - eye[:2], axis=1)
            aims = [middle if np.linalg.norm(middle[:2] - eye[:2]) > 1.0 else centres[int(np.argmax(far))]]
        for yaw, pitch in _group_targets(eye, aims, line.yaw, config):
            line.turn(yaw, pitch)
            line.hold(config.hold_seconds)
        visited.append(((float(nodes[node][0]), float(nodes[node][1])), faced))
    return line, visited


def visible_pixel_counts(geometry: SceneGeometry, poses: Sequence[CameraPose], intrinsics: Intrinsics,
                         batch: int = 16) -> np.ndarray:
    """Return (len(poses), n_objects) int counts of pixels showing each object per frame of a
    camera with ``intrinsics``."""
    dirs = pixel_rays(intrinsics).astype(np.float32).reshape(-1, 3)
    n_obj = len(geometry.object_ids)
    counts = np.zeros((len(poses), n_obj), dtype=np.int64)
    for b0 in range(0, len(poses), batch):
        chunk = poses[b0:b0 + batch]
        rays = np.empty((len(chunk), dirs.shape[0], 6), dtype=np.float32)
        for i, pose in enumerate(chunk):
            rays[i, :, :3] = pose.position
            rays[i, :, 3:] = dirs @ pose.rotation_matrix().T.astype(np.float32)
        _, owner = _cast(geometry, rays)
        for i in range(len(chunk)):
            o = owner[i]
            counts[b0 + i] = np.bincount(o[o >= 0], minlength=n_obj)[:n_obj]
    return counts


def plan_camera(code: SpatialCode, config: PathConfig | None = None, geometry: SceneGeometry | None = None) -> CameraPlan:
    """Plan the walkthrough of ``code`` (see the module docstring); returns a :class:`CameraPlan`.

    Raises :class:`SpatialCodeError` when the scene has no objects or no free position.
    ``geometry`` (from :func:`~spatialcode.synth.shapes.build_scene_geometry`) is built when
    not given.
    """
    config = config or PathConfig()
    if not code.objects:
        raise SpatialCodeError("scene has no objects: nothing to look at")
    if geometry is None:
        geometry = build_scene_geometry(code, room_layout(code, config.room_margin, config.room_height))
    layout = geometry.layout
    free = free_space(code, layout, config)
    candidates = _candidate_nodes(free, 0.45)
    views = _evaluate_views(code, geometry, free, config, candidates)
    n_obj = len(code.objects)
    stops = _select_stops(views, config.mask_threshold, range(n_obj))

    scale = min(1.0, 160.0 / config.width)
    check_w = max(8, round(config.width * scale))
    check_h = max(6, round(config.height * scale))
    check_threshold = config.mask_threshold * (check_w * check_h) / (config.width * config.height)
    tried: set[tuple[int, int]] = {(c, k) for c, ks in stops.items() for k in ks}
    for round_ in range(config.verify_rounds + 1):
        line, visited = _build_timeline(code, free, views, stops, config)
        poses, compressed = line.sample(free.eye_z, config.max_seconds, config.max_frames)
        counts = visible_pixel_counts(geometry, poses, Intrinsics.from_hfov(check_w, check_h, config.hfov_deg))
        unseen = [k for k in range(n_obj) if counts[:, k].max(initial=0) < check_threshold]
        if not unseen or round_ == config.verify_rounds:
            break
        added = False
        for k in unseen:  # a dedicated stop at the best untried view of each unseen object
            order = np.argsort(-views.expected[:, k])
            for c in order:
                if views.expected[c, k] <= 0:
                    break
                if (int(c), k) not in tried:
                    tried.add((int(c), k))
                    stops.setdefault(int(c), []).append(k)
                    added = True
                    break
        if not added:
            break
    unseen_ids = [code.objects[k].id for k in unseen]
    if compressed:
        warnings.warn(
            f"camera path compressed in time to fit max_seconds={config.max_seconds} / max_frames={config.max_frames}; "
            f"turns are faster than {config.turn_rate_deg:g} deg/s",
            stacklevel=2,
        )
    return CameraPlan(poses=poses, layout=layout, free=free, stops=visited, unseen=unseen_ids, compressed=compressed,
                      visible_counts=counts, count_threshold=check_threshold)


def with_timeline(code: SpatialCode, poses: Sequence[CameraPose], first_seen: dict[int, float], fps: float,
                  provenance: Provenance) -> SpatialCode:
    """``code`` with a camera trajectory: ``first_seen`` (s) per object id (``None`` for ids not
    in it), ``camera`` = the poses, ``source.fps``/``frame_count`` and the given provenance."""
    return replace(
        code,
        objects=tuple(replace(o, first_seen=first_seen.get(o.id)) for o in code.objects),
        camera=tuple(poses),
        source=replace(code.source, fps=fps, frame_count=len(poses)),
        provenance=provenance,
    )


def walkthrough_code(code: SpatialCode, config: PathConfig | None = None) -> SpatialCode:
    """Return ``code`` with the planned walkthrough (camera path, ``first_seen`` per object)
    without rendering a video: the times come from the planner's visibility check at reduced
    resolution (:meth:`CameraPlan.first_seen`), objects never seen keep ``first_seen=None``.
    Fast enough (≈ 0.3–1 s per room) to give whole synthetic datasets appearance times."""
    from spatialcode.core.version import __version__

    config = config or PathConfig()
    plan = plan_camera(code, config)
    provenance = Provenance.from_config(
        "synth-walkthrough", {"path": asdict(config), "input": code.provenance.to_dict()}, __version__
    )
    return with_timeline(code, plan.poses, plan.first_seen(code), config.fps, provenance)


def plan_camera_path(code: SpatialCode, config: PathConfig | None = None, geometry: SceneGeometry | None = None) -> list[CameraPose]:
    """Return the walkthrough poses of ``code`` at ``config.fps`` (t = i / fps seconds); see
    :func:`plan_camera`."""
    return plan_camera(code, config, geometry).poses


__all__ = [
    "CameraPlan",
    "FreeSpace",
    "PathConfig",
    "free_space",
    "plan_camera",
    "plan_camera_path",
    "walkthrough_code",
    "with_timeline",
    "visible_pixel_counts",
]
