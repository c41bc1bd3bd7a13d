"""The parts shapes are made of: boxes, elliptic cylinders and ellipsoids, each inscribed in
axis-aligned bounds of its shape frame (metres, origin at the box centre), and their triangle
meshes (unit meshes scaled to the bounds, so every vertex stays inside them)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
