"""Room outlines for procedural scenes: rectangular or L-shaped rooms, optionally two rooms joined
by an opening through their shared wall, with their walls (metres, z up, counter-clockwise).

All outlines are axis-aligned; the generator may rotate the finished scene afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely
from shapely.geometry.polygon import orient

from spatialcode.synth.draw import Draw

if TYPE_CHECKING:
    from spatialcode.synth.scene_config import SceneGenConfig

ROOM_AREAS: dict[str, tuple[float, float]] = {
    "bathroom": (4.0, 9.0),
    "bedroom": (9.0, 20.0),
    "living room": (15.0, 35.0),
    "kitchen": (7.0, 18.0),
    "office": (9.0, 25.0),
}
"""Floor area range (m²) per room kind, before ``SceneGenConfig.area_scale``."""

MIN_SIDE: dict[str, float] = {"bathroom": 1.6, "bedroom": 2.6, "living room": 3.0, "kitchen": 2.2, "office": 2.6}
"""Shortest wall (m) of a room of each kind (and of each arm of an L-shaped one)."""

SECOND_ROOM: dict[str, tuple[str, ...]] = {
    "bedroom": ("bathroom", "office"),
    "living room": ("kitchen", "office"),
    "kitchen": ("living room",),
    "office": ("office", "living room"),
    "bathroom": ("bedroom",),
}
"""Kinds of room that may be joined to a room of each kind."""

MAX_ASPECT = 2.0
WALL_THICKNESS = (0.1, 0.2)
OPENING_WIDTH = (0.8, 1.4)
OPENING_MARGIN = 0.3  # m of wall kept on each side of the opening
PASSAGE_APPROACH = 0.8  # m kept free on each side of the opening
NOTCH_FRACTION = (0.3, 0.5)  # notch side / bounding-box side of an L-shaped room
ARM_FRACTION = 0.75  # narrowest arm of an L / MIN_SIDE

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Wall:
    """A straight wall from ``start`` to ``end`` (m); the room lies to its left (the outline is
    counter-clockwise). ``exterior`` is False for the wall shared with a joined room."""

    start: Point
    end: Point
    exterior: bool = True

    @property
    def length(self) -> float:
        """Length, m."""
        return math.dist(self.start, self.end)

    @property
    def direction(self) -> Point:
        """Unit vector from start to end."""
        n = self.length
        return ((self.end[0] - self.start[0]) / n, (self.end[1] - self.start[1]) / n)

    @property
    def normal(self) -> Point:
        """Unit normal pointing into the room."""
        dx, dy = self.direction
        return (-dy, dx)

    @property
    def yaw(self) -> float:
        """Heading (rad) of an object with its back to this wall: along :attr:`normal`."""
        nx, ny = self.normal
        return math.atan2(ny, nx)

    def point(self, t: float) -> Point:
        """The point ``t`` metres from ``start`` along the wall."""
        dx, dy = self.direction
        return (self.start[0] + t * dx, self.start[1] + t * dy)


@dataclass(frozen=True)
class SubRoom:
    """One room of a floor plan: ``kind``, counter-clockwise ``polygon`` (a rectangle or an L),
    ``rectangles`` whose union is the polygon, ``walls`` and, for an L, the ``notch`` rectangle
    cut from its bounding box."""

    kind: str
    polygon: tuple[Point, ...]
    rectangles: tuple[Rect, ...]
    walls: tuple[Wall, ...]
    notch: Rect | None = None

    @property
    def bounds(self) -> Rect:
        """Bounding rectangle (x0, y0, x1, y1), m."""
        xs, ys = [p[0] for p in self.polygon], [p[1] for p in self.polygon]
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def area(self) -> float:
        """Floor area, m²."""
        x0, y0, x1, y1 = self.bounds
        area = (x1 - x0) * (y1 - y0)
        if self.notch is not None:
            nx0, ny0, nx1, ny1 = self.notch
            area -= (nx1 - nx0) * (ny1 - ny0)
        return area

    @property
    def center(self) -> Point:
        """Centroid of the floor, m."""
        return centroid(self.polygon)


@dataclass(frozen=True)
class FloorPlan:
    """The floor of a scene: the counter-clockwise outline ``polygon`` (m), its ``rooms``, the
    ceiling ``height`` (m), the ``passage`` through the wall between two joined rooms (a
    rectangle, or ``None``) and ``passage_zone``, the area around it kept free of furniture."""

    polygon: tuple[Point, ...]
    rooms: tuple[SubRoom, ...]
    height: float
    passage: Rect | None = None
    passage_zone: Rect | None = None

    @property
    def rectangles(self) -> tuple[Rect, ...]:
        """Rectangles whose union is :attr:`polygon` (the rooms' and the passage)."""
        rects = [r for room in self.rooms for r in room.rectangles]
        return tuple(rects + ([self.passage] if self.passage else []))

    @property
    def area(self) -> float:
        """Floor area, m²."""
        return sum(room.area for room in self.rooms) + (_rect_area(self.passage) if self.passage else 0.0)


def centroid(polygon: Sequence[Point]) -> Point:
    """Area centroid (m) of a simple polygon (shoelace formula, either winding)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(polygon, [*polygon[1:], polygon[0]]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (3 * a), cy / (3 * a)


def _rect_area(r: Rect) -> float:
    return (r[2] - r[0]) * (r[3] - r[1])


def _cm(value: float) -> float:
    return round(value, 2)


def _rect_sides(draw: Draw, kind: str, scale: float, notch_area_fraction: float = 0.0) -> tuple[float, float]:
    """Sample (long, short) sides (m) of a room of ``kind`` whose area after removing
    ``notch_area_fraction`` of it lies in the kind's range times ``scale``."""
    lo, hi = ROOM_AREAS[kind]
    area = draw.uniform(lo, hi) * scale / (1.0 - notch_area_fraction)
    long_side = math.sqrt(area * draw.uniform(1.0, MAX_ASPECT))
    short_side = area / long_side
    min_side = MIN_SIDE[kind] * min(1.0, math.sqrt(scale))
    if short_side < min_side:
        short_side = min_side
        long_side = max(area / short_side, short_side)
    return _cm(long_side), _cm(short_side)


def _polygon_with_notch(width: float, depth: float, corner: int, notch: Point) -> tuple[Point, ...]:
    """Counter-clockwise outline of the box [0, width] × [0, depth] with a ``notch`` (x size,
    y size) cut from bounding-box corner ``corner`` (0 = (0, 0), then counter-clockwise)."""
    box = [(0.0, 0.0), (width, 0.0), (width, depth), (0.0, depth)]
    out: list[Point] = []
    for k, (cx, cy) in enumerate(box):
        if k != corner:
            out.append((cx, cy))
            continue
        px, py = box[k - 1]
        nx_, ny_ = box[(k + 1) % 4]
        in_dir = (math.copysign(1.0, cx - px) if cx != px else 0.0, math.copysign(1.0, cy - py) if cy != py else 0.0)
        out_dir = (math.copysign(1.0, nx_ - cx) if nx_ != cx else 0.0, math.copysign(1.0, ny_ - cy) if ny_ != cy else 0.0)
        len_in = notch[1] if in_dir[0] == 0.0 else notch[0]
        len_out = notch[1] if out_dir[0] == 0.0 else notch[0]
        a = (cx - in_dir[0] * len_in, cy - in_dir[1] * len_in)
        out += [a, (a[0] + out_dir[0] * len_out, a[1] + out_dir[1] * len_out), (cx + out_dir[0] * len_out, cy + out_dir[1] * len_out)]
    return tuple(out)


@dataclass(frozen=True)
class _Shape:
    """A room in its own frame before joining: box [0, width] × [0, depth], optional notch."""

    kind: str
    width: float
    depth: float
    corner: int | None = None
    notch: Point | None = None

    def polygon(self) -> tuple[Point, ...]:
        if self.corner is None or self.notch is None:
            return ((0.0, 0.0), (self.width, 0.0), (self.width, self.depth), (0.0, self.depth))
        return _polygon_with_notch(self.width, self.depth, self.corner, self.notch)

    def notch_rect(self) -> Rect | None:
        if self.corner is None or self.notch is None:
            return None
        cx, cy = ((0.0, 0.0), (self.width, 0.0), (self.width, self.depth), (0.0, self.depth))[self.corner]
        nw, nd = self.notch
        x0 = cx - nw if cx > 0 else 0.0
        y0 = cy - nd if cy > 0 else 0.0
        return (x0, y0, x0 + nw, y0 + nd)

    def rectangles(self) -> tuple[Rect, ...]:
        notch = self.notch_rect()
        if notch is None:
            return ((0.0, 0.0, self.width, self.depth),)
        nx0, ny0, nx1, ny1 = notch
        rows = (0.0, ny0) if ny0 > 0 else (ny1, self.depth)  # full-width part beside the notch
        cols = (0.0, nx0) if nx0 > 0 else (nx1, self.width)  # full-depth part beside the notch
        return ((0.0, rows[0], self.width, rows[1]), (cols[0], 0.0, cols[1], self.depth))

    def full_sides(self) -> tuple[int, ...]:
        """Sides (0 bottom, 1 right, 2 top, 3 left) not touched by the notch."""
        if self.corner is None:
            return (0, 1, 2, 3)
        return tuple(s for s in range(4) if s not in (self.corner, (self.corner - 1) % 4))


def _sample_shape(draw: Draw, kind: str, config: SceneGenConfig, allow_l: bool) -> _Shape:
    min_side = MIN_SIDE[kind] * min(1.0, math.sqrt(config.area_scale))
    if allow_l and draw.chance(config.l_shape_probability):
        fx, fy = draw.uniform(*NOTCH_FRACTION), draw.uniform(*NOTCH_FRACTION)
        long_side, short_side = _rect_sides(draw, kind, config.area_scale, fx * fy)
        width, depth = (long_side, short_side) if draw.chance(0.5) else (short_side, long_side)
        arm = ARM_FRACTION * min_side  # narrowest arm of the L
        notch = (_cm(min(fx * width, width - arm)), _cm(min(fy * depth, depth - arm)))
        corner = draw.integer(0, 3)
        area = width * depth - notch[0] * notch[1]
        if notch[0] >= 0.2 * width and notch[1] >= 0.2 * depth and area <= ROOM_AREAS[kind][1] * config.area_scale:
            return _Shape(kind, width, depth, corner, notch)
    long_side, short_side = _rect_sides(draw, kind, config.area_scale)
    width, depth = (long_side, short_side) if draw.chance(0.5) else (short_side, long_side)
    return _Shape(kind, width, depth)


def _side_frame(shape: _Shape, side: int):
    """Map (along, outward) coordinates of ``side`` of ``shape``'s box to (x, y)."""
    w, d = shape.width, shape.depth
    return {
        0: lambda a, o: (a, -o),
        1: lambda a, o: (w + o, a),
        2: lambda a, o: (a, d + o),
        3: lambda a, o: (-o, a),
    }[side]


def _frame_rect(to_xy, a0: float, a1: float, o0: float, o1: float) -> Rect:
    (xa, ya), (xb, yb) = to_xy(a0, o0), to_xy(a1, o1)
    return (min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))


@dataclass(frozen=True)
class _Joint:
    """Second room and the passage, in the first room's frame."""

    kind: str
    rect: Rect
    passage: Rect
    zone: Rect
    side: int


def _sample_joint(draw: Draw, first: _Shape, kind: str, config: SceneGenConfig) -> _Joint | None:
    side = draw.choice(first.full_sides())
    along_length = first.width if side in (0, 2) else first.depth
    long_side, short_side = _rect_sides(draw, kind, config.area_scale)
    along, out = (long_side, short_side) if draw.chance(0.5) else (short_side, long_side)
    opening = _cm(min(draw.uniform(*OPENING_WIDTH), min(along_length, along) - 2 * OPENING_MARGIN))
    if opening < OPENING_WIDTH[0] - 0.1:
        return None
    need = opening + 2 * OPENING_MARGIN
    start = _cm(draw.uniform(need - along, along_length - need))
    lo, hi = max(0.0, start), min(along_length, start + along)
    centre = _cm(draw.uniform(lo + OPENING_MARGIN + opening / 2, hi - OPENING_MARGIN - opening / 2))
    thickness = _cm(draw.uniform(*WALL_THICKNESS))
    to_xy = _side_frame(first, side)
    half = opening / 2
    return _Joint(
        kind=kind,
        rect=_frame_rect(to_xy, start, start + along, thickness, thickness + out),
        passage=_frame_rect(to_xy, centre - half, centre + half, 0.0, thickness),
        zone=_frame_rect(to_xy, centre - half, centre + half, -PASSAGE_APPROACH, thickness + PASSAGE_APPROACH),
        side=side,
    )


def _walls(polygon: Sequence[Point], interior_line: tuple[int, float] | None) -> tuple[Wall, ...]:
    """Walls of a counter-clockwise polygon; those on the line ``axis = value`` are interior."""
    walls = []
    for k, start in enumerate(polygon):
        end = polygon[(k + 1) % len(polygon)]
        interior = False
        if interior_line is not None:
            axis, value = interior_line
            interior = abs(start[axis] - value) < 1e-6 and abs(end[axis] - value) < 1e-6
        walls.append(Wall(start, end, exterior=not interior))
    return tuple(walls)


def _canonical_ring(polygon: shapely.Polygon) -> tuple[Point, ...]:
    """Counter-clockwise exterior without repeated or collinear vertices, starting at its
    lowest-leftmost vertex."""
    ring = list(orient(polygon.simplify(0.0), 1.0).exterior.coords)[:-1]
    start = min(range(len(ring)), key=lambda i: (ring[i][1], ring[i][0]))
    return tuple((float(x), float(y)) for x, y in ring[start:] + ring[:start])


def plan_floor(draw: Draw, kind: str, config: SceneGenConfig) -> FloorPlan:
    """Sample the floor plan of a scene whose (first) room is of ``kind``: its outline (bounding
    box corner at the origin), rooms, walls and ceiling height, all in metres."""
    first = _sample_shape(draw, kind, config, allow_l=True)
    height = _cm(draw.uniform(*config.room_height))
    joint = None
    partners = [k for k in SECOND_ROOM[kind] if k in config.room_kinds]
    if partners and draw.chance(config.two_rooms_probability):
        joint = _sample_joint(draw, first, draw.choice(partners), config)
    first_rects = first.rectangles()
    parts = [shapely.Polygon(first.polygon())]
    if joint is not None:
        parts += [shapely.box(*joint.passage), shapely.box(*joint.rect)]
    outline = shapely.union_all(parts)
    x0, y0 = outline.bounds[:2]

    def shift_point(p: Point) -> Point:
        return (round(p[0] - x0, 6), round(p[1] - y0, 6))

    def shift_rect(r: Rect) -> Rect:
        return (*shift_point(r[:2]), *shift_point(r[2:]))

    first_line = None
    rooms = []
    if joint is not None:
        axis = 1 if joint.side in (0, 2) else 0
        value = (0.0, first.width, first.depth, 0.0)[joint.side]
        first_line = (axis, value - (y0 if axis else x0))
        near = {0: joint.rect[3], 1: joint.rect[0], 2: joint.rect[1], 3: joint.rect[2]}[joint.side]
        second_polygon = tuple(shift_point(p) for p in ((joint.rect[0], joint.rect[1]), (joint.rect[2], joint.rect[1]),
                                                          (joint.rect[2], joint.rect[3]), (joint.rect[0], joint.rect[3])))
        rooms.append(SubRoom(joint.kind, second_polygon, (shift_rect(joint.rect),),
                             _walls(second_polygon, (axis, near - (y0 if axis else x0)))))
    first_polygon = tuple(shift_point(p) for p in first.polygon())
    notch = first.notch_rect()
    rooms.insert(0, SubRoom(kind, first_polygon, tuple(shift_rect(r) for r in first_rects),
                            _walls(first_polygon, first_line), shift_rect(notch) if notch else None))
    polygon = tuple(shift_point(p) for p in _canonical_ring(outline))
    return FloorPlan(
        polygon=polygon,
        rooms=tuple(rooms),
        height=height,
        passage=shift_rect(joint.passage) if joint else None,
        passage_zone=shift_rect(joint.zone) if joint else None,
    )
