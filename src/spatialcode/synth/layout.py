"""Furniture placement for procedural scenes: which objects a room gets and where they go.

Objects are placed one at a time (doors and windows first, then wall and floor furniture, seats,
wall-mounted and ceiling fixtures, and last the objects that rest on others). Each candidate pose
is accepted only when its footprint lies inside its room and its box keeps ``clearance`` metres
from every other box (exact prism distance), except from the support it rests on; doors, fridges
and the like keep a free zone in front of them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from spatialcode.synth.categories import CATEGORIES, Category, Variant
from spatialcode.synth.draw import Draw
from spatialcode.synth.footprint import (
    EPS,
    Prism,
    clear_of,
    disjoint,
    distance,
    rect_inside,
)
from spatialcode.synth.rooms import FloorPlan, SubRoom, Wall

IN_WALL_GAP = 0.2
"""Least distance (m) between two doors or windows."""
CEILING_GAP = 0.05
"""Least distance (m) between the ceiling and the top of anything not hung from it."""
MAX_SUPPORT_TOP = 1.3
"""Highest support top (m) that other objects are put on."""
SEAT_REACH = 0.4
"""A seat this close (m) to a table must face it."""
SEAT_MAX_BEARING = math.radians(60.0)
"""Largest angle between a seat's front and the direction to the centre of a table it faces."""
KEEP_OUT_HEIGHT = 2.1
"""Height (m) of the free zone kept around the opening between two rooms."""
SEAT_PITCH = 0.6
"""Width (m) of one seat along a table side."""


@dataclass(eq=False)
class Placed:
    """A placed box (or a keep-out zone): label, prism, room index and how it was placed."""

    label: str
    prism: Prism
    room: int
    in_wall: bool = False
    wall: tuple[Wall, float] | None = None  # the wall it backs onto and its position along it (m)
    support: Placed | None = None
    keepout: bool = False


def _stochastic_round(draw: Draw, value: float) -> int:
    return math.floor(value + draw.unit())


def _rank(name: str, variant: Variant) -> int:
    """Placement order: in-wall, plain floor/wall, anchored (to another category), seats, hung,
    supported, hung above something."""
    if variant.placement == "in_wall":
        return 0
    if variant.relation == "above":  # after what it hangs above, which may rest on a support
        return 6
    if variant.placement == "on_support":
        return 5
    if variant.placement in ("wall_mounted", "ceiling"):
        return 4
    if variant.relation == "around":
        return 3
    return 2 if set(variant.near) - {name} else 1


def plan_items(draw: Draw, kind: str, density: float, joined: bool) -> list[tuple[tuple, Category]]:
    """Sample how many of each category a room of ``kind`` gets; returns ``(sort key, category)``
    per object, the key giving the placement order. Optional objects (beyond each category's
    minimum) are scaled by ``density``; doors and windows are not. A ``joined`` (second) room
    needs no door of its own."""
    items = []
    for cat in CATEGORIES.values():
        lo, hi = cat.count_range(kind)
        if hi == 0:
            continue
        if joined and cat.name == "door":
            lo = 0
        variants = cat.variants_for(kind)
        count = draw.integer(lo, hi)
        if all(v.placement != "in_wall" for v in variants):
            count = lo + _stochastic_round(draw, (count - lo) * density)
        rank = max(_rank(cat.name, v) for v in variants)
        # doors and windows first, then the room's essentials, each group in dependency order
        key = (min(rank, 1), 0 if lo else 1, rank, -max(v.max_footprint for v in variants), cat.name)
        items += [(key, cat)] * count
    return items


def _size(draw: Draw, variant: Variant, shrink: float) -> tuple[float, float, float]:
    """Sample (depth, width, height), mm-rounded, from the lower ``1 - shrink`` of each range
    (later attempts in a crowded room try smaller pieces)."""
    return tuple(round(lo + (hi - lo) * (1.0 - shrink) * draw.unit(), 3)  # type: ignore[return-value]
                 for lo, hi in (variant.depth, variant.width, variant.height))


def _wall_prism(wall: Wall, t: float, size, z0: float, h: float) -> Prism:
    """A box of ``size`` (depth, width, ·) and height ``h`` with its back on ``wall``, centred
    ``t`` m along it, bottom at ``z0``, facing into the room."""
    d, w, _ = size
    (px, py), (nx, ny) = wall.point(t), wall.normal
    return Prism(px + nx * d / 2, py + ny * d / 2, d / 2, w / 2, wall.yaw, z0, h)


def _bearing(prism: Prism, x: float, y: float) -> float:
    """Angle (rad, ≥ 0) between the prism's front and the direction to (x, y)."""
    dx, dy = x - prism.x, y - prism.y
    return abs(math.atan2(prism.c * dy - prism.s * dx, prism.c * dx + prism.s * dy))


class Layout:
    """Places objects into a floor plan; ``placed`` holds them (and keep-out zones) in order,
    ``unplaced`` counts objects that found no free spot."""

    def __init__(self, draw: Draw, plan: FloorPlan, clearance: float, max_attempts: int) -> None:
        self.draw, self.plan, self.clearance, self.max_attempts = draw, plan, clearance, max_attempts
        self.placed: list[Placed] = []
        self.unplaced: Counter[str] = Counter()
        self._bounds = [room.bounds for room in plan.rooms]
        self._holes = [self._notch_prism(room) for room in plan.rooms]
        if plan.passage_zone is not None:
            x0, y0, x1, y1 = plan.passage_zone
            zone = Prism((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2, 0.0, 0.0, KEEP_OUT_HEIGHT)
            self.placed.append(Placed("passage", zone, -1, keepout=True))

    @staticmethod
    def _notch_prism(room: SubRoom) -> tuple[Prism, ...]:
        if room.notch is None:
            return ()
        x0, y0, x1, y1 = room.notch
        return (Prism((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2, 0.0, 0.0, 0.0),)

    # -- acceptance -------------------------------------------------------------------------
    def _inside(self, prism: Prism, room: int) -> bool:
        return rect_inside(prism, self._bounds[room], self._holes[room])

    def _fits(self, prism: Prism, room: int, in_wall: bool, support: Placed | None) -> bool:
        if not self._inside(prism, room) or prism.z1 > self.plan.height + EPS:
            return False
        for other in self.placed:
            if other is support:
                continue
            if other.keepout:
                if not disjoint(other.prism, prism):
                    return False
                continue
            gap = max(self.clearance, IN_WALL_GAP) if (in_wall and other.in_wall) else self.clearance
            if not clear_of(other.prism, prism, gap + 1e-6):
                return False
        return True

    def _zone_free(self, zone: Prism, room: int) -> bool:
        return self._inside(zone, room) and all(p.keepout or disjoint(p.prism, zone) for p in self.placed)

    def _seat_faces_tables(self, prism: Prism, tables: tuple[str, ...]) -> bool:
        near = [p.prism for p in self.placed if p.label in tables and distance(p.prism, prism) <= SEAT_REACH]
        return not near or any(_bearing(prism, t.x, t.y) < SEAT_MAX_BEARING for t in near)

    # -- placing one object -------------------------------------------------------------------
    def place(self, cat: Category, room_index: int) -> bool | None:
        """Place one object of ``cat`` in room ``room_index``: True when placed, False when no
        free spot was found (counted in :attr:`unplaced`), None when nothing it needs (a
        support) is in the room."""
        kind = self.plan.rooms[room_index].kind
        variants = cat.variants_for(kind)
        tried = False
        for variant in self.draw.weighted_order(variants, [v.weight for v in variants]):
            candidates = self._candidates(cat, variant, room_index)
            if candidates is None:
                continue
            tried = True
            if self._try(cat, variant, room_index, candidates):
                return True
        if tried:
            self.unplaced[cat.name] += 1
            return False
        return None

    def _try(self, cat: Category, variant: Variant, room: int, candidates: Callable) -> bool:
        in_wall = variant.placement == "in_wall"
        for attempt in range(self.max_attempts):
            found = candidates(attempt, _size(self.draw, variant, 0.7 * attempt / self.max_attempts))
            if found is None:
                continue
            prism, support, spot = found
            if not self._fits(prism, room, in_wall, support):
                continue
            if variant.relation == "around" and not self._seat_faces_tables(prism, variant.near):
                continue
            zone = None
            if variant.keep_clear > 0:
                depth = variant.keep_clear
                zone = Prism(*prism.world(prism.hx + depth / 2, 0.0), depth / 2, prism.hy, prism.yaw, prism.z0, prism.height)
                if not self._zone_free(zone, room):
                    continue
            self.placed.append(Placed(cat.name, prism, room, in_wall=in_wall, wall=spot, support=support))
            if zone is not None:
                self.placed.append(Placed(f"{cat.name} zone", zone, room, keepout=True))
            return True
        return False

    def _anchors(self, names: tuple[str, ...], room: int) -> list[Placed]:
        return [p for p in self.placed if p.room == room and p.label in names and not p.keepout]

    def _candidates(self, cat: Category, variant: Variant, room: int) -> Callable | None:
        """A function (attempt, size) → (prism, support, (wall, position) or None) or None;
        None when the variant cannot be used here (no support in the room)."""
        placement = variant.placement
        if placement == "on_support":
            supports = [p for p in self._anchors(variant.supports, room) if p.support is None and p.prism.z1 <= MAX_SUPPORT_TOP]
            if not supports:
                return None
            return lambda attempt, size: self._on_support(variant, supports, size)
        anchors = self._anchors(variant.near, room) if variant.near else []
        plain = self._plain(variant, room)
        if not anchors:
            return lambda attempt, size: plain(size)
        anchored = {"beside": self._beside, "front": self._in_front, "above": self._above, "around": self._around}[variant.relation]
        switch = (2 * self.max_attempts) // 3

        def candidates(attempt: int, size):
            if attempt < switch:
                return anchored(self.draw.choice(anchors), size, variant)
            return plain(size)

        return candidates

    def _plain(self, variant: Variant, room: int) -> Callable:
        """Unanchored candidates: on the ceiling, free on the floor, or against a wall (also for
        seats with no table, which stand by a wall facing the room)."""
        if variant.placement == "ceiling":
            return lambda size: self._ceiling(room, size)
        if variant.placement == "floor" and variant.relation != "around":
            return lambda size: self._on_floor(room, size, variant)
        return lambda size: self._on_wall(room, size, variant)

    # -- candidate poses ----------------------------------------------------------------------
    def _on_wall(self, room: int, size, variant: Variant):
        _, w, h = size
        margin = 0.15 if variant.placement == "in_wall" else 0.0
        walls = [wl for wl in self.plan.rooms[room].walls if wl.length >= w + 2 * margin and (wl.exterior or not variant.exterior)]
        if not walls:
            return None
        wall = self.draw.weighted_choice(walls, [wl.length for wl in walls])
        lo, hi = margin + w / 2, wall.length - margin - w / 2
        if variant.placement == "against_wall" and self.draw.chance(0.3):
            t = lo if self.draw.chance(0.5) else hi  # into a corner
        else:
            t = self.draw.uniform(lo, hi)
        z0 = 0.0
        if variant.mount is not None:
            z0 = self.draw.uniform(*variant.mount)
            top = self.plan.height - CEILING_GAP
            if variant.placement == "in_wall" and z0 > 0:  # a window: keep a lintel, shorten it
                h = min(h, top - 0.15 - z0)
                if h < 0.4:
                    return None
            z0 = min(z0, top - h)
            if z0 < 0.0:
                return None
        return _wall_prism(wall, t, size, z0, h), None, (wall, t)

    def _ceiling(self, room: int, size):
        d, w, h = size
        x0, y0, x1, y1 = self._bounds[room]
        yaw = self.draw.integer(0, 1) * math.pi / 2
        margin = 0.3 + max(d, w) / 2
        if x1 - x0 < 2 * margin or y1 - y0 < 2 * margin:
            return None
        x, y = self.draw.uniform(x0 + margin, x1 - margin), self.draw.uniform(y0 + margin, y1 - margin)
        top = self.plan.height
        return Prism(x, y, d / 2, w / 2, yaw, top - h, h), None, None

    def _on_floor(self, room: int, size, variant: Variant):
        """Free-standing: near a wall (half the time) or anywhere in the room."""
        d, w, h = size
        x0, y0, x1, y1 = self._bounds[room]
        half = min(d, w) / 2
        if x1 - x0 < 2 * half or y1 - y0 < 2 * half:
            return None
        if self.draw.chance(0.5):
            walls = self.plan.rooms[room].walls
            wall = self.draw.weighted_choice(walls, [wl.length for wl in walls])
            (px, py), (nx, ny) = wall.point(self.draw.uniform(0.0, wall.length)), wall.normal
            off = math.hypot(d, w) / 2 + self.draw.uniform(0.0, 0.5)
            x, y = px + nx * off, py + ny * off
        else:
            x, y = self.draw.uniform(x0 + half, x1 - half), self.draw.uniform(y0 + half, y1 - half)
        if variant.free_yaw:
            yaw = self.draw.uniform(-math.pi, math.pi)
        else:
            yaw = self.draw.integer(0, 3) * math.pi / 2 + self.draw.uniform(-0.05, 0.05)
        return Prism(x, y, d / 2, w / 2, yaw, 0.0, h), None, None

    def _beside(self, anchor: Placed, size, variant: Variant):
        """Next to the anchor (or the anchor's support), same heading, backs aligned (on the
        same wall when the anchor backs onto one)."""
        d, w, h = size
        holder = anchor.support or anchor
        base = holder.prism
        step = (1.0 if self.draw.chance(0.5) else -1.0) * (base.hy + self.clearance + self.draw.uniform(0.01, 0.12) + w / 2)
        if holder.wall is None:
            x, y = base.world(-base.hx + d / 2, step)
            return Prism(x, y, d / 2, w / 2, base.yaw, 0.0, h), None, None
        wall, t = holder.wall
        if not w / 2 <= t + step <= wall.length - w / 2:
            return None
        return _wall_prism(wall, t + step, size, 0.0, h), None, (wall, t + step)

    def _in_front(self, anchor: Placed, size, variant: Variant):
        """In front of the anchor, facing it (a coffee table before a sofa)."""
        d, w, h = size
        base = anchor.prism
        gap = self.clearance + self.draw.uniform(0.25, 0.45)
        x, y = base.world(base.hx + gap + d / 2, self.draw.uniform(-0.15, 0.15) * base.hy)
        return Prism(x, y, d / 2, w / 2, base.yaw + math.pi, 0.0, h), None, None

    def _above(self, anchor: Placed, size, variant: Variant):
        """On the wall above the anchor (or above the anchor's support), same heading."""
        _, w, h = size
        holder = anchor.support or anchor
        if holder.wall is None:
            return None
        wall, t = holder.wall
        t += self.draw.uniform(-1.0, 1.0) * max(holder.prism.hy - w / 2, 0.0)
        z0 = max(self.draw.uniform(*variant.mount), anchor.prism.z1 + self.draw.uniform(0.1, 0.35))
        z0 = min(z0, self.plan.height - CEILING_GAP - h)
        if z0 < anchor.prism.z1 + self.clearance or not w / 2 <= t <= wall.length - w / 2:
            return None
        return _wall_prism(wall, t, size, z0, h), None, (wall, t)

    def _around(self, anchor: Placed, size, variant: Variant):
        """At one side of a table, facing it."""
        d, w, h = size
        table = anchor.prism
        across_x = self.draw.chance(0.5)  # seat on a side facing the table's ±x (else ±y) axis
        sign = 1.0 if self.draw.chance(0.5) else -1.0
        half_normal, half_along = (table.hx, table.hy) if across_x else (table.hy, table.hx)
        seats = max(1, int(2 * half_along / SEAT_PITCH))
        along = -half_along + (self.draw.integer(0, seats - 1) + 0.5) * (2 * half_along / seats)
        along += self.draw.uniform(-0.03, 0.03)
        out = sign * (half_normal + self.clearance + self.draw.uniform(0.02, 0.2) + d / 2)
        lx, ly = (out, along) if across_x else (along, out)
        x, y = table.world(lx, ly)
        outward = table.yaw + (0.0 if across_x else math.pi / 2) + (0.0 if sign > 0 else math.pi)
        yaw = outward + math.pi + self.draw.uniform(-0.17, 0.17)  # facing the table, ±10°
        return Prism(x, y, d / 2, w / 2, yaw, 0.0, h), None, None

    def _on_support(self, variant: Variant, supports: list[Placed], size):
        d, w, h = size
        holder = self.draw.choice(supports)
        base = holder.prism
        turn = self.draw.uniform(-math.pi, math.pi) if variant.free_yaw else 0.0
        c, s = abs(math.cos(turn)), abs(math.sin(turn))
        reach_x = base.hx - (c * d + s * w) / 2 - 0.01
        reach_y = base.hy - (s * d + c * w) / 2 - 0.01
        if reach_x < 0 or reach_y < 0 or base.z1 + h > self.plan.height - CEILING_GAP:
            return None
        lo, hi = {"any": (-reach_x, reach_x), "back": (-reach_x, -0.4 * reach_x), "front": (0.4 * reach_x, reach_x)}[variant.zone]
        x, y = base.world(self.draw.uniform(lo, hi), self.draw.uniform(-reach_y, reach_y))
        return Prism(x, y, d / 2, w / 2, base.yaw + turn, base.z1, h), holder, None
