"""Triangles with per-triangle appearance (colour, texture and its axes on the surface), the form
the renderer and the camera planner take every surface in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spatialcode.synth.shapes.textures import TEXTURE_DENSITY, TEXTURE_NAMES


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
