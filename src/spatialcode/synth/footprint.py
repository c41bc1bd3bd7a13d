"""Fast exact clearance tests for gravity-aligned boxes, used while laying out a scene.

A gravity-aligned box is a prism: a rotated floor rectangle times a height interval, so the
distance between two of them is ``hypot(floor-rectangle distance, height-interval gap)``. The
rectangle distance is exact: 0 when a separating-axis test finds no gap, else the smallest
corner-to-rectangle distance (for disjoint convex polygons it is reached at a corner). Plain
Python floats: a scene needs thousands of these tests and numpy call overhead would dominate.
"""

from __future__ import annotations

import math

from spatialcode.geometry.box import Box3D
from spatialcode.geometry.rotation import wrap_angle

EPS = 1e-9
"""Tolerance (m) for contact and containment tests."""


class Prism:
    """A gravity-aligned box: floor rectangle centred at (``x``, ``y``) with half sizes ``hx``
    (along its front, the box +x axis) and ``hy``, heading ``yaw`` (rad), from height ``z0``
    up by ``height`` to ``z1`` (m)."""

    __slots__ = ("c", "corners", "height", "hx", "hy", "radius", "s", "x", "y", "yaw", "z0", "z1")

    def __init__(self, x: float, y: float, hx: float, hy: float, yaw: float, z0: float, height: float) -> None:
        self.x, self.y, self.hx, self.hy, self.yaw = x, y, hx, hy, yaw
        self.z0, self.z1, self.height = z0, z0 + height, height
        c, s = math.cos(yaw), math.sin(yaw)
        self.c, self.s = c, s
        self.radius = math.hypot(hx, hy)
        ax, ay, bx, by = c * hx, s * hx, -s * hy, c * hy
        self.corners = ((x + ax + bx, y + ay + by), (x - ax + bx, y - ay + by),
                        (x - ax - bx, y - ay - by), (x + ax - bx, y + ay - by))

    def local(self, px: float, py: float) -> tuple[float, float]:
        """World floor point → this prism's frame (front = +x)."""
        dx, dy = px - self.x, py - self.y
        return dx * self.c + dy * self.s, -dx * self.s + dy * self.c

    def world(self, lx: float, ly: float) -> tuple[float, float]:
        """This prism's frame → world floor point."""
        return self.x + lx * self.c - ly * self.s, self.y + lx * self.s + ly * self.c

    def point_gap(self, px: float, py: float) -> float:
        """Floor-plane distance (m) from a point to the rectangle (0 inside)."""
        lx, ly = self.local(px, py)
        return math.hypot(max(abs(lx) - self.hx, 0.0), max(abs(ly) - self.hy, 0.0))

    def to_box(self) -> Box3D:
        """The 9-DoF box (size = (2 hx, 2 hy, height), yaw wrapped into (−π, π])."""
        h = self.height
        return Box3D((self.x, self.y, self.z0 + h / 2.0), (2.0 * self.hx, 2.0 * self.hy, h), (0.0, 0.0, wrap_angle(self.yaw)))


def separation(a: Prism, b: Prism) -> float:
    """Largest separating-axis gap (m) of the two floor rectangles: > 0 when disjoint (a lower
    bound of their distance), ≤ 0 when they overlap (minus the overlap depth)."""
    dx, dy = b.x - a.x, b.y - a.y
    cc = abs(a.c * b.c + a.s * b.s)  # |cos(b.yaw - a.yaw)|
    ss = abs(a.c * b.s - a.s * b.c)  # |sin(b.yaw - a.yaw)|
    return max(
        abs(dx * a.c + dy * a.s) - a.hx - b.hx * cc - b.hy * ss,
        abs(dy * a.c - dx * a.s) - a.hy - b.hx * ss - b.hy * cc,
        abs(dx * b.c + dy * b.s) - b.hx - a.hx * cc - a.hy * ss,
        abs(dy * b.c - dx * b.s) - b.hy - a.hx * ss - a.hy * cc,
    )


def floor_gap(a: Prism, b: Prism) -> float:
    """Exact floor-plane distance (m) between the two rectangles (0 when they overlap or touch)."""
    if separation(a, b) <= 0.0:
        return 0.0
    return min(min(b.point_gap(*p) for p in a.corners), min(a.point_gap(*p) for p in b.corners))


def distance(a: Prism, b: Prism) -> float:
    """Exact distance (m) between the two solid prisms."""
    dz = max(a.z0 - b.z1, b.z0 - a.z1, 0.0)
    return math.hypot(floor_gap(a, b), dz)


def clear_of(a: Prism, b: Prism, clearance: float) -> bool:
    """Whether the prisms are at least ``clearance`` (m, > 0) apart; cheap bounds first."""
    dz = max(a.z0 - b.z1, b.z0 - a.z1)
    if dz >= clearance:
        return True
    if math.hypot(b.x - a.x, b.y - a.y) - a.radius - b.radius >= clearance:
        return True
    return math.hypot(floor_gap(a, b), max(dz, 0.0)) >= clearance


def disjoint(a: Prism, b: Prism) -> bool:
    """Whether the interiors of the prisms are disjoint (touching is allowed)."""
    if max(a.z0 - b.z1, b.z0 - a.z1) >= -EPS:
        return True
    return separation(a, b) >= -EPS


def rect_inside(p: Prism, bounds: tuple[float, float, float, float], holes: tuple[Prism, ...]) -> bool:
    """Whether the floor rectangle lies in the axis-aligned ``bounds`` (x0, y0, x1, y1) and
    outside the interiors of the ``holes`` (e.g. the notch cut from an L-shaped room)."""
    x0, y0, x1, y1 = bounds
    for cx, cy in p.corners:
        if cx < x0 - EPS or cx > x1 + EPS or cy < y0 - EPS or cy > y1 + EPS:
            return False
    return all(separation(p, hole) >= -EPS for hole in holes)
