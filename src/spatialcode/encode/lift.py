"""Depth as the encoder lifts it: how noisy a depth image is (:func:`depth_noise_coefficient`), and
a depth image coarsened to block medians and lifted one point a block (:func:`block_median`,
:func:`block_intrinsics`, :func:`block_points`; pose refinement, floor levelling and the smear
measure read depth so). Pixels are lifted into world points by
:class:`~spatialcode.geometry.camera.PixelGrid`."""

from __future__ import annotations

import numpy as np

from spatialcode.geometry.camera import Intrinsics, PixelGrid
from spatialcode.scene import CameraPose

_IDENTITY = CameraPose.from_matrix(np.eye(4), 0.0)


def depth_noise_coefficient(depth: np.ndarray) -> float | None:
    """Robust estimate of ``a`` in a depth noise model σ = a · z² (1/m) from one depth image
    (H, W), metres, 0 = invalid: the median over pixels whose 3 × 3 neighbourhood is all valid
    of |depth − neighbourhood mean| / depth², scaled to a Gaussian σ (smooth surfaces leave
    only noise in that residual; edges are a minority the median ignores). ``None`` when fewer
    than 100 pixels qualify."""
    from scipy import ndimage

    valid = depth > 0
    full = ndimage.uniform_filter(valid.astype(np.float32), 3, mode="constant") > 0.999
    if np.count_nonzero(full) < 100:
        return None
    mean = ndimage.uniform_filter(np.where(valid, depth, 0.0).astype(np.float32), 3, mode="constant")
    z = depth[full]
    residual = np.abs(z - mean[full]) / (z * z)
    # |d - mean of 9| = |8/9 · n - (sum of the 8 others)/9| has σ · sqrt(8/9); MAD → σ: × 1.4826
    return float(1.4826 * np.median(residual) / np.sqrt(8.0 / 9.0))


def block_median(depth: np.ndarray, block: int) -> np.ndarray:
    """(H // block, W // block) median of the valid (> 0) depths (m) of each block × block pixel
    block of ``depth`` (H, W); 0 where fewer than half are valid."""
    rows, cols = depth.shape[0] // block, depth.shape[1] // block
    blocks = depth[: rows * block, : cols * block].astype(np.float32).reshape(rows, block, cols, block)
    blocks = np.where(blocks > 0, blocks, np.inf).transpose(0, 2, 1, 3).reshape(rows, cols, block * block)
    blocks.sort(axis=2)
    valid = np.isfinite(blocks).sum(axis=2)
    middle = np.take_along_axis(blocks, np.maximum(valid - 1, 0)[..., None] // 2, axis=2)[..., 0]
    return np.where(2 * valid >= block * block, middle, 0.0).astype(np.float32)


def block_points(depth: np.ndarray, grid: PixelGrid, block: int, max_depth: float) -> np.ndarray:
    """The points (N, 3; m, camera frame) of the :func:`block_median` depths of ``depth`` (H, W; m)
    that are valid and within ``max_depth``, each lifted through its block's centre (``grid``: of
    :func:`block_intrinsics`)."""
    medians = block_median(depth, block)
    rows, cols = np.nonzero((medians > 0) & (medians <= max_depth))
    return grid.points(rows, cols, medians, _IDENTITY)


def block_intrinsics(intrinsics: Intrinsics, block: int) -> Intrinsics:
    """The intrinsics of an image of block × block pixel blocks, each pixel at its block's centre."""
    return intrinsics.scaled(1 / block, 1 / block, max(intrinsics.width // block, 1), max(intrinsics.height // block, 1))
