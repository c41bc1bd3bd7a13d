"""Sparse voxel clouds: points fused into a fixed grid, so memory grows with the surface seen,
not with the number of frames.

A voxel is addressed by one int64 key packing its three integer grid coordinates (21 bits
each, signed: ±1,048,575 voxels, i.e. ±21 km at 2 cm). A :class:`VoxelCloud` keeps, per occupied
voxel, the total weight of the points that fell in it (their number, unless points are weighted),
their weighted coordinate sum and its *hits* — how many additions (for an object's cloud: how
many detections) put points in it —, sorted by key. Added points
are first reduced to their own voxels and buffered; the buffer is merged into the sorted arrays
when it grows past ``flush_points`` voxels or when the cloud is read, so that adding a frame's
points costs in proportion to those points, not to the cloud.
"""

from __future__ import annotations

import numpy as np

_BITS = 21
_OFFSET = 1 << (_BITS - 1)
_MASK = (1 << _BITS) - 1


def column_bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) per column of an (N, D) array, N ≥ 1 — column by column, which is far faster
    in numpy than ``min(axis=0)`` for a handful of columns."""
    columns = np.asarray(points).T
    return np.array([c.min() for c in columns]), np.array([c.max() for c in columns])


def voxel_keys(points: np.ndarray, size: float) -> np.ndarray:
    """The int64 key (N,) of the voxel of edge ``size`` (m) holding each point (N, 3), metres."""
    cells = np.floor(np.asarray(points, dtype=np.float64) / size).astype(np.int64) + _OFFSET
    return (cells[:, 0] << (2 * _BITS)) | (cells[:, 1] << _BITS) | cells[:, 2]


def key_cells(keys: np.ndarray) -> np.ndarray:
    """Integer grid coordinates (N, 3) of voxel keys (N,)."""
    keys = np.asarray(keys, dtype=np.int64)
    return np.stack([(keys >> (2 * _BITS)) & _MASK, (keys >> _BITS) & _MASK, keys & _MASK], axis=1) - _OFFSET


def key_centres(keys: np.ndarray, size: float) -> np.ndarray:
    """Centres (N, 3), metres, of the voxels of edge ``size`` with the given keys."""
    return (key_cells(keys) + 0.5) * size


def sorted_overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Number of keys of sorted unique array ``a`` also in sorted unique array ``b``."""
    if len(a) == 0 or len(b) == 0:
        return 0
    index = np.searchsorted(b, a)
    index[index == len(b)] = 0
    return int(np.count_nonzero(b[index] == a))


def _reduce(keys: np.ndarray, weights: np.ndarray, sums: np.ndarray,
            hits: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sum ``weights`` (N,), ``sums`` (N, 3) and ``hits`` (N,) over equal ``keys``; returns them
    sorted by key (``hits`` ``None``: 1 per key — one addition)."""
    unique, inverse = np.unique(keys, return_inverse=True)
    total = np.bincount(inverse, weights=weights, minlength=len(unique))
    summed = np.stack([np.bincount(inverse, weights=sums[:, i], minlength=len(unique)) for i in range(3)], axis=1)
    counted = np.ones(len(unique)) if hits is None else np.bincount(inverse, weights=hits, minlength=len(unique))
    return unique, total, summed, counted


class VoxelCloud:
    """Points fused into voxels of edge ``size`` metres: sorted ``keys`` (K,), per-voxel total
    point ``weights`` (K,), weighted coordinate ``sums`` (K, 3) and ``hits`` (K,)."""

    def __init__(self, size: float, flush_points: int = 200_000) -> None:
        self.size = float(size)
        self.flush_points = flush_points
        self._keys = np.empty(0, dtype=np.int64)
        self._weights = np.empty(0, dtype=np.float64)
        self._sums = np.empty((0, 3), dtype=np.float64)
        self._hits = np.empty(0, dtype=np.float64)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending_size = 0

    @property
    def keys(self) -> np.ndarray:
        """Sorted unique keys (K,) of the occupied voxels."""
        self._flush()
        return self._keys

    @property
    def weights(self) -> np.ndarray:
        """Total point weight per voxel (K,): the number of points when they are unweighted."""
        self._flush()
        return self._weights

    @property
    def sums(self) -> np.ndarray:
        """Coordinate sums per voxel (K, 3), metres."""
        self._flush()
        return self._sums

    @property
    def hits(self) -> np.ndarray:
        """Per voxel (K,): how many additions put points in it (summed over merged clouds)."""
        self._flush()
        return self._hits

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, points: np.ndarray, weights: np.ndarray | None = None, hits: np.ndarray | None = None) -> np.ndarray:
        """Fuse points (N, 3), metres, each with weight 1 or its entry of ``weights`` (N,) — one
        hit for every voxel they fall in, or the sum of their ``hits`` (N,; points carried over
        from another cloud) —; return the sorted unique keys they fell in."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
        keys, total, sums, counted = _reduce(voxel_keys(points, self.size), w, points * w[:, None],
                                             None if hits is None else np.asarray(hits, dtype=np.float64).reshape(-1))
        self._pending.append((keys, total, sums, counted))
        self._pending_size += len(keys)
        if self._pending_size >= self.flush_points:
            self._flush()
        return keys

    def absorb(self, other: VoxelCloud) -> None:
        """Merge another cloud of the same voxel size into this one."""
        if other.size != self.size:
            raise ValueError(f"voxel sizes differ: {self.size} vs {other.size}")
        self._pending.append((other.keys, other.weights, other.sums, other.hits))
        self._pending_size += len(other.keys)

    def _flush(self) -> None:
        if not self._pending:
            return
        parts = [(self._keys, self._weights, self._sums, self._hits), *self._pending]
        self._keys, self._weights, self._sums, self._hits = _reduce(*(np.concatenate(column) for column in zip(*parts)))
        self._pending, self._pending_size = [], 0

    def points(self, min_weight: float = 0.0, min_hits: float = 0.0) -> np.ndarray:
        """Weighted mean point (N, 3), metres, of every voxel whose total weight is at least
        ``min_weight`` (and above 0) and that at least ``min_hits`` additions reached."""
        keep = (self.weights >= min_weight) & (self.weights > 0) & (self.hits >= min_hits)
        return self.sums[keep] / self.weights[keep, None]

    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(min corner, max corner) of the occupied voxels, metres; ``None`` when empty."""
        if not len(self.keys):
            return None
        lo, hi = column_bounds(key_cells(self.keys))
        return lo * self.size, (hi + 1) * self.size
