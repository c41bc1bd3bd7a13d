"""Recognisable object shapes and the room shell, as triangle meshes for ray casting.

Every object becomes a few primitives (boxes, elliptic cylinders, ellipsoids) built in its
*shape frame* and scaled to its box, so the shapes stay inside the box by construction:

- the shape frame is the box frame with its axes permuted/flipped (which maps the box onto
  itself) so that the shape's "up" is the box axis nearest to world +z and its "front" is the
  box's local +x whenever +x is not that up axis (real annotations often have tilted boxes or
  a vertical x or y axis);
- a primitive is given by its axis-aligned bounds ``lo``/``hi`` in the shape frame (metres,
  origin at the box centre); cylinders and ellipsoids are inscribed in those bounds.

Colours and textures are data (:data:`CATEGORY_STYLES`, :data:`ROLE_COLORS`): a per-category
base colour, jittered per instance from a hash of ``(object id, label)``; unknown labels get a
stable colour derived from the label and a plain box shape.

:func:`build_scene_geometry` joins all objects and the room shell (floor, walls extruded from
the floor polygon, ceiling) into one triangle soup with per-triangle colour, texture and owner,
ready for :class:`open3d.t.geometry.RaycastingScene`.
"""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely

from spatialcode.core.errors import SpatialCodeError
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.polygon import box_footprint
from spatialcode.scene import SpatialCode, SpatialObject

# --------------------------------------------------------------------------------------------
# Data: colours, textures, category names
# --------------------------------------------------------------------------------------------

#: Per-category look: ``main`` and ``accent`` colours (hex sRGB) and the procedural textures of
#: those two roles (names of :data:`TEXTURE_NAMES`).
CATEGORY_STYLES: dict[str, dict[str, str]] = {
    "chair": {"main": "#8b5a2b", "accent": "#4a5a78", "texture": "grain", "accent_texture": "fabric"},
    "stool": {"main": "#9c6b3c", "accent": "#6b4a2b", "texture": "grain", "accent_texture": "grain"},
    "table": {"main": "#a0703c", "accent": "#5c3d1e", "texture": "grain", "accent_texture": "grain"},
    "bed": {"main": "#6e4b32", "accent": "#5577aa", "texture": "grain", "accent_texture": "fabric"},
    "sofa": {"main": "#7a8c99", "accent": "#5e6e7a", "texture": "fabric", "accent_texture": "fabric"},
    "tv": {"main": "#1e1e22", "accent": "#101014", "texture": "plain", "accent_texture": "plain"},
    "monitor": {"main": "#2b2b30", "accent": "#4a4a50", "texture": "plain", "accent_texture": "plain"},
    "cabinet": {"main": "#c8b89a", "accent": "#b0a080", "texture": "grain", "accent_texture": "grain"},
    "nightstand": {"main": "#8a6240", "accent": "#765234", "texture": "grain", "accent_texture": "grain"},
    "refrigerator": {"main": "#e4e6e8", "accent": "#cfd2d6", "texture": "noise", "accent_texture": "noise"},
    "bookshelf": {"main": "#7b5233", "accent": "#6a4429", "texture": "grain", "accent_texture": "grain"},
    "toilet": {"main": "#f4f4f2", "accent": "#e6e6e3", "texture": "plain", "accent_texture": "plain"},
    "lamp": {"main": "#3a3a3a", "accent": "#f3e3bd", "texture": "plain", "accent_texture": "fabric"},
    "plant": {"main": "#3f7f3a", "accent": "#b5653a", "texture": "leaves", "accent_texture": "noise"},
    "door": {"main": "#b08a5a", "accent": "#f0ece4", "texture": "grain", "accent_texture": "plain"},
    "window": {"main": "#eeeeea", "accent": "#a8c8dc", "texture": "plain", "accent_texture": "plain"},
    "picture": {"main": "#3b2a1a", "accent": "#c0704a", "texture": "grain", "accent_texture": "noise"},
    "mirror": {"main": "#5a4a3a", "accent": "#c8d4dc", "texture": "grain", "accent_texture": "plain"},
    "whiteboard": {"main": "#b0b4b8", "accent": "#fafafa", "texture": "plain", "accent_texture": "plain"},
    "pillow": {"main": "#e8e0d0", "accent": "#d8cdb8", "texture": "fabric", "accent_texture": "fabric"},
    "bin": {"main": "#5a6470", "accent": "#3a4048", "texture": "stripes", "accent_texture": "plain"},
    "tub": {"main": "#f2f2f0", "accent": "#dcdcdc", "texture": "plain", "accent_texture": "plain"},
    "ceiling light": {"main": "#fff8e8", "accent": "#d8d8d8", "texture": "plain", "accent_texture": "plain"},
    "appliance": {"main": "#d8dadc", "accent": "#2a2c30", "texture": "noise", "accent_texture": "plain"},
    "washer": {"main": "#eceeef", "accent": "#3a4450", "texture": "noise", "accent_texture": "plain"},
    "keyboard": {"main": "#26262a", "accent": "#3c3c42", "texture": "keys", "accent_texture": "plain"},
    "laptop": {"main": "#a4a8ac", "accent": "#14161a", "texture": "plain", "accent_texture": "plain"},
    "computer tower": {"main": "#202024", "accent": "#3a3a40", "texture": "plain", "accent_texture": "stripes"},
    "counter": {"main": "#d0c8b8", "accent": "#6a6a6a", "texture": "grain", "accent_texture": "noise"},
    "radiator": {"main": "#ecece8", "accent": "#d4d4d0", "texture": "stripes", "accent_texture": "plain"},
    "desk": {"main": "#b08050", "accent": "#6a4a2a", "texture": "grain", "accent_texture": "grain"},
}

#: Colours of the roles shared by all categories (hex sRGB); ``main``/``accent`` come from the
#: category style.
ROLE_COLORS: dict[str, str] = {
    "screen": "#0d1118",
    "glass": "#a8c8dc",
    "light": "#fff4d6",
    "metal": "#9aa0a6",
    "dark": "#2a2a2e",
    "white": "#f2f2f0",
    "mattress": "#ecebe4",
    "pillow": "#f6f3ec",
    "foliage": "#3f7f3a",
    "pot": "#b5653a",
    "book": "#7a3b3b",
}

#: Texture of each shared role.
ROLE_TEXTURES: dict[str, str] = {
    "screen": "plain", "glass": "plain", "light": "plain", "metal": "noise", "dark": "plain",
    "white": "plain", "mattress": "fabric", "pillow": "fabric", "foliage": "leaves", "pot": "noise",
    "book": "stripes",
}

#: Other names of the shape categories (lower case); a label also matches by its last word
#: ("office chair" → chair) and by a trailing plural ``s``.
CATEGORY_ALIASES: dict[str, str] = {
    "couch": "sofa", "armchair": "sofa", "loveseat": "sofa",
    "desk": "desk", "dining table": "table", "coffee table": "table", "side table": "table",
    "end table": "table", "kitchen table": "table",
    "television": "tv", "tv screen": "tv", "computer monitor": "monitor", "screen": "monitor",
    "display": "monitor",
    "fridge": "refrigerator", "mini fridge": "refrigerator",
    "bookcase": "bookshelf", "shelf": "bookshelf", "shelves": "bookshelf", "shoe rack": "bookshelf",
    "closet": "cabinet", "wardrobe": "cabinet", "dresser": "cabinet", "drawer": "cabinet",
    "kitchen cabinet": "cabinet", "file cabinet": "cabinet", "cupboard": "cabinet",
    "night stand": "nightstand", "bedside table": "nightstand",
    "floor lamp": "lamp", "table lamp": "lamp", "standing lamp": "lamp", "desk lamp": "lamp",
    "potted plant": "plant", "flower": "plant", "flowers": "plant",
    "doorframe": "door", "door frame": "door", "doorway": "door",
    "painting": "picture", "poster": "picture", "drawing": "picture", "hanging picture": "picture",
    "photo": "picture", "frame": "picture",
    "white board": "whiteboard", "board": "whiteboard", "electronic white board": "whiteboard",
    "cushion": "pillow",
    "trash bin": "bin", "trash can": "bin", "trashcan": "bin", "garbage bin": "bin",
    "garbage can": "bin", "waste bin": "bin", "wastebasket": "bin", "recycling bin": "bin",
    "bucket": "bin", "basket": "bin",
    "bathtub": "tub", "bath tub": "tub", "bathtube": "tub", "sink": "tub",
    "light": "ceiling light", "ceiling lamp": "ceiling light",
    "microwave": "appliance", "oven": "appliance", "stove": "appliance", "dishwasher": "appliance",
    "printer": "appliance", "fireplace": "appliance", "piano": "appliance",
    "washing machine": "washer", "dryer": "washer",
    "computer keyboard": "keyboard",
    "pc": "computer tower", "computer case": "computer tower",
    "kitchen counter": "counter", "countertop": "counter",
    "heater": "radiator",
}

TEXTURE_NAMES = ("plain", "grain", "fabric", "noise", "stripes", "checker", "tiles", "leaves", "keys")
_TEXTURE_SIZE = 64
#: Texels per metre of each texture (its pattern repeats every 64 texels).
TEXTURE_DENSITY = {
    "plain": 64.0, "grain": 96.0, "fabric": 320.0, "noise": 48.0, "stripes": 160.0, "checker": 64.0,
    "tiles": 64.0, "leaves": 160.0, "keys": 400.0,
}
#: Strength of each texture's modulation of the colour (0 = none).
TEXTURE_AMPLITUDE = {
    "plain": 0.0, "grain": 0.14, "fabric": 0.16, "noise": 0.1, "stripes": 0.18, "checker": 0.25,
    "tiles": 0.3, "leaves": 0.45, "keys": 0.5,
}

#: Object index of room triangles (floor, walls, ceiling) in :attr:`SceneGeometry.tri_object`.
ROOM = -1


# --------------------------------------------------------------------------------------------
# Primitives
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Primitive:
    """One part of a shape: ``kind`` ("box", "cylinder" or "ellipsoid") inscribed in the
    axis-aligned bounds ``lo``..``hi`` (metres, shape frame), coloured by ``role``; a
    cylinder's ``axis`` (0, 1, 2) is its long axis."""

    kind: str
    lo: tuple[float, float, float]
    hi: tuple[float, float, float]
    role: str = "main"
    axis: int = 2
    color: tuple[float, float, float] | None = None  # overrides the role's colour (0–1 RGB)


_BOX_FACES = np.array(
    [[0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6], [0, 1, 5], [0, 5, 4],
     [2, 6, 7], [2, 7, 3], [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5]],
    dtype=np.int64,
)
_BOX_CORNERS = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], dtype=float)
_CYLINDER_SEGMENTS = 16
_SPHERE_RINGS, _SPHERE_SEGMENTS = 8, 16


def _cylinder_unit(segments: int = _CYLINDER_SEGMENTS) -> tuple[np.ndarray, np.ndarray]:
    """Unit cylinder inscribed in [0, 1]³ along z: vertices (2n + 2, 3), triangles."""
    angle = np.arange(segments) * 2.0 * np.pi / segments
    ring = np.stack([0.5 + 0.5 * np.cos(angle), 0.5 + 0.5 * np.sin(angle)], axis=1)
    verts = np.concatenate([
        np.column_stack([ring, np.zeros(segments)]),
        np.column_stack([ring, np.ones(segments)]),
        [[0.5, 0.5, 0.0], [0.5, 0.5, 1.0]],
    ])
    i = np.arange(segments)
    j = (i + 1) % segments
    bottom, top = 2 * segments, 2 * segments + 1
    tris = np.concatenate([
        np.stack([i, j, segments + j], axis=1),
        np.stack([i, segments + j, segments + i], axis=1),
        np.stack([np.full(segments, bottom), j, i], axis=1),
        np.stack([np.full(segments, top), segments + i, segments + j], axis=1),
    ])
    return verts, tris


def _ellipsoid_unit(rings: int = _SPHERE_RINGS, segments: int = _SPHERE_SEGMENTS) -> tuple[np.ndarray, np.ndarray]:
    """Unit ellipsoid inscribed in [0, 1]³: vertices on the surface, triangles."""
    polar = np.arange(1, rings) * np.pi / rings
    azimuth = np.arange(segments) * 2.0 * np.pi / segments
    p, a = np.meshgrid(polar, azimuth, indexing="ij")
    ring_verts = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), np.cos(p)], axis=-1).reshape(-1, 3)
    verts = np.concatenate([[[0.0, 0.0, 1.0]], ring_verts, [[0.0, 0.0, -1.0]]]) * 0.5 + 0.5
    top, bottom = 0, len(verts) - 1
    tris = []
    for s in range(segments):
        t = (s + 1) % segments
        tris.append([top, 1 + s, 1 + t])
        last = 1 + (rings - 2) * segments
        tris.append([bottom, last + t, last + s])
    for r in range(rings - 2):
        base, nxt = 1 + r * segments, 1 + (r + 1) * segments
        for s in range(segments):
            t = (s + 1) % segments
            tris.append([base + s, nxt + s, nxt + t])
            tris.append([base + s, nxt + t, base + t])
    return verts, np.array(tris, dtype=np.int64)


_UNIT_MESHES: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "box": (_BOX_CORNERS, _BOX_FACES),
    "cylinder": _cylinder_unit(),
    "ellipsoid": _ellipsoid_unit(),
}


def primitive_mesh(primitive: Primitive) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(vertices (V, 3), triangles (F, 3))`` of a primitive in its shape frame, metres.

    Every vertex lies within the primitive's bounds, hence so does the whole (convex) mesh.
    """
    unit, tris = _UNIT_MESHES[primitive.kind]
    if primitive.kind == "cylinder" and primitive.axis != 2:
        order = {0: [2, 0, 1], 1: [1, 2, 0]}[primitive.axis]  # unit z → the chosen axis
        unit = unit[:, order]
    lo, hi = np.asarray(primitive.lo, dtype=float), np.asarray(primitive.hi, dtype=float)
    return lo + unit * (hi - lo), tris


# --------------------------------------------------------------------------------------------
# Shape builders (shape frame: x front, y left, z up; size (d, w, h); origin at the centre)
# --------------------------------------------------------------------------------------------


class _Frame:
    """Coordinates helper for one box: ``x(a, b)`` maps fractions of the depth [0, 1] (back to
    front) to metres, likewise ``y`` (right to left) and ``z`` (bottom to top)."""

    def __init__(self, size: Sequence[float]) -> None:
        self.d, self.w, self.h = (float(s) for s in size)
        self.parts: list[Primitive] = []

    def x(self, f: float) -> float:
        return (f - 0.5) * self.d

    def y(self, f: float) -> float:
        return (f - 0.5) * self.w

    def z(self, f: float) -> float:
        return (f - 0.5) * self.h

    def add(self, kind: str, fx: tuple[float, float], fy: tuple[float, float], fz: tuple[float, float],
            role: str = "main", axis: int = 2, color: tuple[float, float, float] | None = None) -> None:
        """Add a primitive spanning the given fractions of the box along x, y and z."""
        lo = (self.x(max(0.0, fx[0])), self.y(max(0.0, fy[0])), self.z(max(0.0, fz[0])))
        hi = (self.x(min(1.0, fx[1])), self.y(min(1.0, fy[1])), self.z(min(1.0, fz[1])))
        lo, hi = tuple(min(a, b) for a, b in zip(lo, hi)), tuple(max(a, b) for a, b in zip(lo, hi))
        self.parts.append(Primitive(kind, lo, hi, role, axis, color))  # type: ignore[arg-type]

    def box(self, fx, fy, fz, role: str = "main", color=None) -> None:
        self.add("box", fx, fy, fz, role, color=color)

    # fractions of each side for an absolute length (metres), capped at ``cap`` of the side
    def fd(self, metres: float, cap: float = 0.25) -> float:
        return min(cap, metres / self.d) if self.d > 0 else cap

    def fw(self, metres: float, cap: float = 0.25) -> float:
        return min(cap, metres / self.w) if self.w > 0 else cap

    def fh(self, metres: float, cap: float = 0.25) -> float:
        return min(cap, metres / self.h) if self.h > 0 else cap


def _legs(f: _Frame, top: float, thick: float = 0.045, inset: float = 0.0, role: str = "main") -> None:
    """Four legs at the corners from the floor to height fraction ``top``."""
    tx, ty = f.fd(thick), f.fw(thick)
    ix, iy = f.fd(inset, 0.2), f.fw(inset, 0.2)
    for x0 in (ix, 1.0 - ix - tx):
        for y0 in (iy, 1.0 - iy - ty):
            f.box((x0, x0 + tx), (y0, y0 + ty), (0.0, top), role)


def _chair(f: _Frame, _: int) -> None:
    seat, seat_t, back_t = 0.48, f.fh(0.05, 0.08), f.fd(0.06, 0.2)
    _legs(f, seat)
    f.box((0.0, 1.0), (0.0, 1.0), (seat, seat + seat_t), "accent")
    f.box((0.0, back_t), (0.0, 1.0), (seat + seat_t, 1.0), "accent")
    f.box((0.0, back_t), (0.06, 0.12), (seat + seat_t, 1.0))  # back posts
    f.box((0.0, back_t), (0.88, 0.94), (seat + seat_t, 1.0))


def _stool(f: _Frame, _: int) -> None:
    seat_t = f.fh(0.05, 0.15)
    _legs(f, 1.0 - seat_t, inset=0.02)
    f.add("cylinder", (0.0, 1.0), (0.0, 1.0), (1.0 - seat_t, 1.0), "accent")


def _table(f: _Frame, _: int) -> None:
    top_t = f.fh(0.045, 0.15)
    f.box((0.0, 1.0), (0.0, 1.0), (1.0 - top_t, 1.0))
    _legs(f, 1.0 - top_t, thick=0.055, inset=0.03, role="accent")


def _desk(f: _Frame, _: int) -> None:
    top_t = f.fh(0.035, 0.15)
    f.box((0.0, 1.0), (0.0, 1.0), (1.0 - top_t, 1.0))
    _legs(f, 1.0 - top_t, thick=0.05, inset=0.01, role="accent")
    if f.w > 0.9:  # a drawer block on the right
        f.box((0.05, 0.95), (0.02, 0.35), (0.45, 1.0 - top_t), "accent")
        f.box((0.95, 0.97), (0.16, 0.22), (0.8, 0.84), "metal")


def _bed(f: _Frame, seed: int) -> None:
    head = f.fd(0.08, 0.15)
    f.box((0.0, head), (0.0, 1.0), (0.0, 1.0))  # headboard at the back (-x)
    f.box((head, 1.0), (0.0, 1.0), (0.0, 0.3))  # frame
    f.box((head, 0.99), (0.01, 0.99), (0.3, 0.55), "mattress")
    f.box((head + 0.3 * (1 - head), 1.0), (0.0, 1.0), (0.55, 0.58), "accent")  # blanket
    pillows = 2 if f.w > 1.2 else 1
    width = 1.0 / pillows
    for k in range(pillows):
        f.add("ellipsoid", (head + 0.02, head + f.fd(0.4, 0.3)), (k * width + 0.05, (k + 1) * width - 0.05),
              (0.52, 0.7), "pillow")


def _sofa(f: _Frame, _: int) -> None:
    back, arm = f.fd(0.2, 0.3), f.fw(0.18, 0.2)
    f.box((0.0, back), (0.0, 1.0), (0.0, 1.0))  # back rest (-x)
    f.box((back, 1.0), (0.0, arm), (0.0, 0.65))  # arms
    f.box((back, 1.0), (1.0 - arm, 1.0), (0.0, 0.65))
    f.box((back, 1.0), (arm, 1.0 - arm), (0.0, 0.3))  # base
    seats = max(1, min(3, int(f.w / 0.7)))
    span = (1.0 - 2 * arm) / seats
    gap = f.fw(0.01, 0.02)
    for k in range(seats):
        y0 = arm + k * span
        f.box((back, 0.98), (y0 + gap, y0 + span - gap), (0.3, 0.45), "accent")


def _tv(f: _Frame, _: int) -> None:
    skin = f.fd(0.006, 0.2)
    bezel_w, bezel_h = f.fw(0.02, 0.1), f.fh(0.02, 0.1)
    f.box((0.0, 1.0 - skin), (0.0, 1.0), (0.0, 1.0))
    f.box((1.0 - skin, 1.0), (bezel_w, 1.0 - bezel_w), (bezel_h, 1.0 - bezel_h), "screen")


def _monitor(f: _Frame, _: int) -> None:
    panel = f.fd(0.035, 0.4)
    skin = f.fd(0.004, 0.1)
    f.box((1.0 - panel, 1.0 - skin), (0.0, 1.0), (0.28, 1.0))
    f.box((1.0 - skin, 1.0), (0.03, 0.97), (0.31, 0.97), "screen")
    f.box((0.0, 0.9), (0.3, 0.7), (0.0, f.fh(0.015, 0.05)), "accent")  # base plate, to the back of the box
    f.box((0.45 - panel, 0.55 - panel), (0.45, 0.55), (0.0, 0.5), "accent")  # neck


def _doors_front(f: _Frame, body_d: float, count: int, vertical: bool, handle: bool = True,
                 z0: float = 0.0, z1: float = 1.0) -> None:
    """Door or drawer panels on the +x face with gaps between them, plus small handles."""
    door_t, handle_t = f.fd(0.02, 0.06), f.fd(0.025, 0.06) if handle else 0.0
    x0 = body_d
    gap_y, gap_z = f.fw(0.008, 0.03), f.fh(0.008, 0.03)
    for k in range(count):
        if vertical:  # side-by-side doors
            y0, y1 = k / count + gap_y, (k + 1) / count - gap_y
            zz = (z0 + gap_z, z1 - gap_z)
            f.box((x0, x0 + door_t), (y0, y1), zz, "accent")
            if handle:
                hy = y1 - 0.06 if k % 2 == 0 else y0 + 0.03
                f.box((x0 + door_t, x0 + door_t + handle_t), (hy, hy + 0.03),
                      (z0 + 0.4 * (z1 - z0), z0 + 0.6 * (z1 - z0)), "metal")
        else:  # stacked drawers
            za, zb = z0 + k * (z1 - z0) / count + gap_z, z0 + (k + 1) * (z1 - z0) / count - gap_z
            f.box((x0, x0 + door_t), (gap_y, 1.0 - gap_y), (za, zb), "accent")
            if handle:
                f.box((x0 + door_t, x0 + door_t + handle_t), (0.4, 0.6),
                      (za + 0.45 * (zb - za), za + 0.6 * (zb - za)), "metal")


def _front_depth(f: _Frame, handle: bool = True) -> float:
    return 1.0 - f.fd(0.02, 0.06) - (f.fd(0.025, 0.06) if handle else 0.0)


def _cabinet(f: _Frame, _: int) -> None:
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    _doors_front(f, body, 2 if f.w > 0.6 else 1, vertical=True)


def _nightstand(f: _Frame, _: int) -> None:
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    _doors_front(f, body, 2 if f.h > 0.45 else 1, vertical=False, z0=0.05, z1=0.97)


def _refrigerator(f: _Frame, _: int) -> None:
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    door_t, handle_t = f.fd(0.02, 0.06), f.fd(0.025, 0.06)
    gap = f.fh(0.01, 0.03)
    for z0, z1, hz in ((0.0, 0.62 - gap, (0.4, 0.58)), (0.62 + gap, 1.0, (0.66, 0.8))):
        f.box((body, body + door_t), (0.0, 1.0), (z0, z1), "accent")
        f.box((body + door_t, body + door_t + handle_t), (0.08, 0.12), hz, "metal")


def _bookshelf(f: _Frame, seed: int) -> None:
    back, side = f.fd(0.02, 0.1), f.fw(0.025, 0.1)
    board = f.fh(0.025, 0.08)
    f.box((0.0, back), (0.0, 1.0), (0.0, 1.0))
    f.box((back, 1.0), (0.0, side), (0.0, 1.0))
    f.box((back, 1.0), (1.0 - side, 1.0), (0.0, 1.0))
    levels = max(2, min(6, round(f.h / 0.35)))
    rng = np.random.default_rng(seed)
    for k in range(levels + 1):
        z = k / levels * (1.0 - board)
        f.box((back, 1.0), (side, 1.0 - side), (z, z + board), "accent")
        if k == levels:
            break
        y = side
        while True:  # books on this shelf
            bw = f.fw(float(rng.uniform(0.03, 0.07)), 0.2)
            if y + bw > 1.0 - side:
                break
            height = float(rng.uniform(0.55, 0.9)) * (1.0 / levels - board)
            color = colorsys.hsv_to_rgb(float(rng.random()), 0.45 + 0.3 * float(rng.random()), 0.35 + 0.4 * float(rng.random()))
            if rng.random() < 0.85:
                f.box((back, back + float(rng.uniform(0.6, 0.95)) * (1.0 - back)), (y, y + bw),
                      (z + board, z + board + height), "book", color=color)
            y += bw + 0.002


def _toilet(f: _Frame, _: int) -> None:
    f.box((0.0, 0.3), (0.0, 1.0), (0.45, 1.0), "accent")  # tank at the back (-x), the full width
    f.add("cylinder", (0.25, 0.65), (0.3, 0.7), (0.0, 0.35))  # pedestal
    f.add("cylinder", (0.2, 1.0), (0.12, 0.88), (0.3, 0.55))  # bowl
    f.add("cylinder", (0.2, 1.0), (0.1, 0.9), (0.55, 0.6), "accent")  # seat


def _lamp(f: _Frame, _: int) -> None:
    f.add("cylinder", (0.25, 0.75), (0.25, 0.75), (0.0, 0.04), "main")
    f.add("cylinder", (0.47, 0.53), (0.47, 0.53), (0.04, 0.7), "metal")
    f.add("cylinder", (0.0, 1.0), (0.0, 1.0), (0.65, 1.0), "accent")


def _plant(f: _Frame, _: int) -> None:
    f.add("cylinder", (0.2, 0.8), (0.2, 0.8), (0.0, 0.35), "pot")
    f.add("ellipsoid", (0.0, 1.0), (0.0, 1.0), (0.28, 1.0), "foliage")


def _door(f: _Frame, _: int) -> None:
    jamb_y, jamb_z = f.fw(0.06, 0.15), f.fh(0.06, 0.1)
    panel_t = f.fd(0.04, 0.5)
    x0 = 0.5 - panel_t / 2
    f.box((0.0, 1.0), (0.0, jamb_y), (0.0, 1.0), "accent")
    f.box((0.0, 1.0), (1.0 - jamb_y, 1.0), (0.0, 1.0), "accent")
    f.box((0.0, 1.0), (jamb_y, 1.0 - jamb_y), (1.0 - jamb_z, 1.0), "accent")
    f.box((x0, x0 + panel_t), (jamb_y, 1.0 - jamb_y), (0.0, 1.0 - jamb_z))
    knob = f.fd(0.05, (1.0 - panel_t) / 2)
    for xa, xb in ((x0 - knob, x0), (x0 + panel_t, x0 + panel_t + knob)):
        f.box((xa, xb), (jamb_y + 0.05, jamb_y + 0.05 + f.fw(0.04, 0.1)), (0.45, 0.48), "metal")


def _framed(f: _Frame, bar: float, inner_role: str, mullion: bool) -> None:
    """A flat frame (``main``) around an inset pane (``inner_role``)."""
    by, bz = f.fw(bar, 0.2), f.fh(bar, 0.2)
    f.box((0.0, 1.0), (0.0, by), (0.0, 1.0))
    f.box((0.0, 1.0), (1.0 - by, 1.0), (0.0, 1.0))
    f.box((0.0, 1.0), (by, 1.0 - by), (0.0, bz))
    f.box((0.0, 1.0), (by, 1.0 - by), (1.0 - bz, 1.0))
    f.box((0.3, 0.7), (by, 1.0 - by), (bz, 1.0 - bz), inner_role)
    if mullion:
        f.box((0.0, 1.0), (0.5 - by / 4, 0.5 + by / 4), (bz, 1.0 - bz))
        f.box((0.0, 1.0), (by, 1.0 - by), (0.5 - bz / 4, 0.5 + bz / 4))


def _window(f: _Frame, _: int) -> None:
    _framed(f, 0.05, "accent", mullion=True)


def _picture(f: _Frame, _: int) -> None:
    _framed(f, 0.03, "accent", mullion=False)


def _pillow(f: _Frame, _: int) -> None:
    f.add("ellipsoid", (0.0, 1.0), (0.0, 1.0), (0.0, 1.0))


def _bin(f: _Frame, _: int) -> None:
    f.add("cylinder", (0.04, 0.96), (0.04, 0.96), (0.0, 0.94))
    f.add("cylinder", (0.0, 1.0), (0.0, 1.0), (0.94, 1.0), "accent")


def _tub(f: _Frame, _: int) -> None:
    wx, wy = f.fd(0.06, 0.25), f.fw(0.06, 0.25)
    f.box((0.0, 1.0), (0.0, 1.0), (0.0, 0.3))
    f.box((0.0, wx), (0.0, 1.0), (0.3, 1.0))
    f.box((1.0 - wx, 1.0), (0.0, 1.0), (0.3, 1.0))
    f.box((wx, 1.0 - wx), (0.0, wy), (0.3, 1.0))
    f.box((wx, 1.0 - wx), (1.0 - wy, 1.0), (0.3, 1.0))
    f.box((wx, 1.0 - wx), (wy, 1.0 - wy), (0.3, 0.33), "accent")


def _ceiling_light(f: _Frame, _: int) -> None:
    f.add("cylinder", (0.0, 1.0), (0.0, 1.0), (0.0, 0.6), "light")
    f.add("cylinder", (0.05, 0.95), (0.05, 0.95), (0.6, 1.0), "accent")


def _appliance(f: _Frame, _: int) -> None:
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    door_t, handle_t = f.fd(0.02, 0.06), f.fd(0.025, 0.06)
    f.box((body, body + door_t), (0.05, 0.95), (0.08, 0.75), "accent")  # dark glass door
    f.box((body, body + door_t), (0.05, 0.95), (0.82, 0.95), "metal")  # control strip
    f.box((body + door_t, body + door_t + handle_t), (0.15, 0.85), (0.76, 0.8), "metal")


def _washer(f: _Frame, _: int) -> None:
    body = 1.0 - f.fd(0.04, 0.1)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0))
    f.add("cylinder", (body, 1.0), (0.2, 0.8), (0.2, 0.2 + 0.6 * min(1.0, f.w / max(f.h, 1e-9))), "accent", axis=0)
    f.box((body, 1.0), (0.05, 0.95), (0.86, 0.95), "metal")


def _keyboard(f: _Frame, _: int) -> None:
    f.box((0.0, 1.0), (0.0, 1.0), (0.0, 0.6), "accent")
    f.box((0.05, 0.95), (0.03, 0.97), (0.6, 1.0))


def _laptop(f: _Frame, _: int) -> None:
    lid = f.fd(0.012, 0.1)
    base = f.fh(0.02, 0.3) if f.h > 0.08 else 1.0
    f.box((0.0, 1.0), (0.0, 1.0), (0.0, base))
    if base < 1.0:
        f.box((0.0, lid), (0.0, 1.0), (base, 1.0))
        f.box((lid, lid + f.fd(0.003, 0.02)), (0.04, 0.96), (base + 0.04, 0.96), "accent")


def _computer_tower(f: _Frame, _: int) -> None:
    panel = f.fd(0.01, 0.1)
    f.box((0.0, 1.0 - panel), (0.0, 1.0), (0.0, 1.0))
    f.box((1.0 - panel, 1.0), (0.1, 0.9), (0.05, 0.95), "accent")


def _counter(f: _Frame, seed: int) -> None:
    top = f.fh(0.04, 0.1)
    f.box((0.0, 1.0), (0.0, 1.0), (1.0 - top, 1.0), "accent")
    body = _front_depth(f)
    f.box((0.0, body), (0.0, 1.0), (0.0, 1.0 - top))
    _doors_front(f, body, max(1, min(6, int(f.w / 0.5))), vertical=True, z1=1.0 - top)


def _radiator(f: _Frame, _: int) -> None:
    fins = max(2, min(24, int(f.w / 0.06)))
    span = 1.0 / fins
    for k in range(fins):
        f.box((0.0, 1.0), (k * span + 0.1 * span, (k + 1) * span - 0.1 * span), (0.0, 1.0))
    f.box((0.3, 0.7), (0.0, 1.0), (0.1, 0.16), "accent")
    f.box((0.3, 0.7), (0.0, 1.0), (0.84, 0.9), "accent")


def _plain(f: _Frame, _: int) -> None:
    f.box((0.0, 1.0), (0.0, 1.0), (0.0, 1.0))


#: Shape builder of each category; everything else is a plain box.
SHAPE_BUILDERS: dict[str, Callable[[_Frame, int], None]] = {
    "chair": _chair, "stool": _stool, "table": _table, "desk": _desk, "bed": _bed, "sofa": _sofa,
    "tv": _tv, "monitor": _monitor, "cabinet": _cabinet, "nightstand": _nightstand,
    "refrigerator": _refrigerator, "bookshelf": _bookshelf, "toilet": _toilet, "lamp": _lamp,
    "plant": _plant, "door": _door, "window": _window, "picture": _picture, "mirror": _picture,
    "whiteboard": _picture, "pillow": _pillow, "bin": _bin, "tub": _tub,
    "ceiling light": _ceiling_light, "appliance": _appliance, "washer": _washer,
    "keyboard": _keyboard, "laptop": _laptop, "computer tower": _computer_tower,
    "counter": _counter, "radiator": _radiator,
}


def shape_category(label: str) -> str | None:
    """Return the shape category of a label (see :data:`CATEGORY_ALIASES`), or ``None`` when
    the label has no dedicated shape (it renders as a plain box)."""
    name = " ".join(label.lower().replace("_", " ").split())
    candidates = [name]
    if name.endswith("s"):
        candidates.append(name[:-1])
    words = name.split(" ")
    if len(words) > 1:
        candidates += [words[-1], words[-1].removesuffix("s")]
    for cand in candidates:
        if cand in SHAPE_BUILDERS:
            return cand
        if cand in CATEGORY_ALIASES:
            return CATEGORY_ALIASES[cand]
    return None


# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------


def _hex_rgb(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return tuple(int(value[i:i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


def stable_seed(*parts: object) -> int:
    """A 32-bit seed from ``parts`` that is the same in every process (unlike ``hash``)."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little")


def _jitter(rgb: tuple[float, float, float], rng: np.random.Generator, amount: float) -> tuple[float, float, float]:
    """Shift hue by ±0.04·amount, scale saturation and brightness by ±15 %/±20 %·amount."""
    h, s, v = colorsys.rgb_to_hsv(*rgb)
    h = (h + amount * 0.04 * float(rng.uniform(-1, 1))) % 1.0
    s = min(1.0, max(0.0, s * (1.0 + amount * 0.15 * float(rng.uniform(-1, 1)))))
    v = min(1.0, max(0.05, v * (1.0 + amount * 0.2 * float(rng.uniform(-1, 1)))))
    return colorsys.hsv_to_rgb(h, s, v)


def category_style(label: str) -> dict[str, str]:
    """Return the style (``main``/``accent`` colours, textures) of a label: its category's
    entry in :data:`CATEGORY_STYLES`, or one derived from a hash of the label."""
    category = shape_category(label)
    if category is not None and category in CATEGORY_STYLES:
        return CATEGORY_STYLES[category]
    key = stable_seed("label", " ".join(label.lower().split()))
    rng = np.random.default_rng(key)
    hue = float(rng.random())
    main = colorsys.hsv_to_rgb(hue, 0.25 + 0.4 * float(rng.random()), 0.4 + 0.45 * float(rng.random()))
    accent = colorsys.hsv_to_rgb((hue + 0.5) % 1.0, 0.3, 0.35)
    textures = ("plain", "noise", "fabric", "stripes", "grain")
    tex = textures[int(rng.integers(len(textures)))]
    to_hex = lambda c: "#" + "".join(f"{round(v * 255):02x}" for v in c)
    return {"main": to_hex(main), "accent": to_hex(accent), "texture": tex, "accent_texture": "plain"}


def instance_palette(object_id: int, label: str) -> dict[str, tuple[tuple[float, float, float], str]]:
    """Return ``{role: (rgb 0–1, texture name)}`` for one object: its category style with a
    hue/brightness jitter seeded by ``(object_id, label)``, plus the shared roles."""
    style = category_style(label)
    rng = np.random.default_rng(stable_seed("instance", object_id, " ".join(label.lower().split())))
    out = {role: (_jitter(_hex_rgb(color), rng, 0.5), ROLE_TEXTURES.get(role, "plain"))
           for role, color in ROLE_COLORS.items()}
    out["main"] = (_jitter(_hex_rgb(style["main"]), rng, 1.0), style.get("texture", "plain"))
    out["accent"] = (_jitter(_hex_rgb(style["accent"]), rng, 0.7), style.get("accent_texture", "plain"))
    return out


# --------------------------------------------------------------------------------------------
# Object shapes
# --------------------------------------------------------------------------------------------


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
    frame = _Frame(size)
    seed = stable_seed("shape", obj.id, obj.label)
    SHAPE_BUILDERS.get(category or "", _plain)(frame, seed)
    rng = np.random.default_rng(seed)
    return ObjectShape(
        object_id=obj.id,
        label=obj.label,
        category=category,
        primitives=frame.parts,
        rotation=obj.box.rotation_matrix @ perm,
        center=obj.box.center_array,
        palette=instance_palette(obj.id, obj.label),
        texture_offset=(float(rng.uniform(0, 64)), float(rng.uniform(0, 64))),
    )


# --------------------------------------------------------------------------------------------
# Triangle soup with per-triangle attributes
# --------------------------------------------------------------------------------------------


@dataclass
class TriangleSoup:
    """Triangles with per-triangle attributes: ``color`` (T, 3) float32 0–1, ``texture`` (T,)
    index into :data:`TEXTURE_NAMES`, texture axes ``tex_u``/``tex_v`` (T, 3) (texels per metre
    along a world direction) and offsets ``tex_offset`` (T, 2) texels."""

    vertices: np.ndarray
    triangles: np.ndarray
    color: np.ndarray
    texture: np.ndarray
    tex_u: np.ndarray
    tex_v: np.ndarray
    tex_offset: np.ndarray

    @classmethod
    def single(cls, verts: np.ndarray, tris: np.ndarray, color: Sequence[float], texture: str,
               rotation: np.ndarray, center: np.ndarray, offset: Sequence[float] = (0.0, 0.0)) -> TriangleSoup:
        """A mesh given in a local frame (placed by ``rotation``/``center``) with one colour
        and texture; each triangle's texture axes are the two local axes across its normal."""
        world = verts @ rotation.T + center
        a, b, c = verts[tris[:, 0]], verts[tris[:, 1]], verts[tris[:, 2]]
        normal = np.abs(np.cross(b - a, c - a))
        dominant = np.argmax(normal, axis=1)
        eye = np.eye(3)
        density = TEXTURE_DENSITY.get(texture, 64.0)
        u_local = eye[(dominant + 1) % 3]
        v_local = eye[(dominant + 2) % 3]
        # keep vertical faces' texture upright: v along local z when z lies in the face
        swap = dominant != 2
        u_local[swap], v_local[swap] = np.where((dominant[swap] == 0)[:, None], eye[1], eye[0]), eye[2]
        n = len(tris)
        return cls(
            vertices=world,
            triangles=np.asarray(tris, dtype=np.int64),
            color=np.tile(np.asarray(color, dtype=np.float32), (n, 1)),
            texture=np.full(n, TEXTURE_NAMES.index(texture), dtype=np.int8),
            tex_u=(u_local @ rotation.T * density).astype(np.float32),
            tex_v=(v_local @ rotation.T * density).astype(np.float32),
            tex_offset=np.tile(np.asarray(offset, dtype=np.float32), (n, 1)),
        )

    @classmethod
    def concat(cls, soups: Sequence[TriangleSoup]) -> TriangleSoup:
        """Join soups into one (triangle indices shifted)."""
        if not soups:
            empty3 = np.zeros((0, 3), dtype=np.float32)
            return cls(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64), empty3, np.zeros(0, np.int8),
                       empty3, empty3, np.zeros((0, 2), dtype=np.float32))
        offsets = np.cumsum([0] + [len(s.vertices) for s in soups[:-1]])
        return cls(
            vertices=np.concatenate([s.vertices for s in soups]),
            triangles=np.concatenate([s.triangles + o for s, o in zip(soups, offsets)]),
            color=np.concatenate([s.color for s in soups]),
            texture=np.concatenate([s.texture for s in soups]),
            tex_u=np.concatenate([s.tex_u for s in soups]),
            tex_v=np.concatenate([s.tex_v for s in soups]),
            tex_offset=np.concatenate([s.tex_offset for s in soups]),
        )


# --------------------------------------------------------------------------------------------
# Room
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# The whole scene
# --------------------------------------------------------------------------------------------

DEFAULT_ROOM_COLORS = {"floor": (0.62, 0.52, 0.42), "wall": (0.86, 0.84, 0.80), "ceiling": (0.95, 0.95, 0.94)}


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


def _texture_bank(size: int = _TEXTURE_SIZE, seed: int = 7) -> np.ndarray:
    """(len(TEXTURE_NAMES), size, size) float32 tileable patterns in [0, 1] (0.5 = neutral)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)

    def smooth_noise(cells: int) -> np.ndarray:
        grid = rng.random((cells, cells)).astype(np.float32)
        fx, fy = xx * cells / size, yy * cells / size
        x0, y0 = np.floor(fx).astype(int), np.floor(fy).astype(int)
        tx, ty = fx - x0, fy - y0
        tx, ty = tx * tx * (3 - 2 * tx), ty * ty * (3 - 2 * ty)
        x1, y1 = (x0 + 1) % cells, (y0 + 1) % cells
        top = grid[y0, x0] * (1 - tx) + grid[y0, x1] * tx
        bottom = grid[y1, x0] * (1 - tx) + grid[y1, x1] * tx
        return top * (1 - ty) + bottom * ty

    fine = rng.random((size, size)).astype(np.float32)
    bank = {
        "plain": np.full((size, size), 0.5, np.float32),
        "grain": 0.5 + 0.5 * np.sin(2 * np.pi * (yy / 16.0 + 0.6 * smooth_noise(4))) * 0.8 + 0.1 * (fine - 0.5),
        "fabric": 0.5 + 0.3 * (((xx.astype(int) // 2 + yy.astype(int) // 2) % 2) - 0.5) + 0.4 * (fine - 0.5),
        "noise": 0.6 * smooth_noise(8) + 0.4 * fine * 0.5 + 0.1,
        "stripes": ((xx.astype(int) // 8) % 2).astype(np.float32) * 0.8 + 0.1,
        "checker": (((xx.astype(int) // 16) + (yy.astype(int) // 16)) % 2).astype(np.float32),
        "tiles": np.where((xx.astype(int) % 32 < 1) | (yy.astype(int) % 32 < 1), 0.0, 0.55 + 0.2 * (smooth_noise(4) - 0.5)),
        "leaves": np.clip((smooth_noise(16) - 0.5) * 3 + 0.5, 0, 1),
        "keys": np.where((xx.astype(int) % 4 == 0) | (yy.astype(int) % 4 == 0), 0.0, 0.8),
    }
    return np.stack([np.clip(bank[name], 0, 1).astype(np.float32) for name in TEXTURE_NAMES])


#: The procedural textures, shape (len(TEXTURE_NAMES), 64, 64), values in [0, 1].
TEXTURES = _texture_bank()
#: Modulation strength per texture index.
TEXTURE_AMPLITUDES = np.array([TEXTURE_AMPLITUDE[name] for name in TEXTURE_NAMES], dtype=np.float32)
