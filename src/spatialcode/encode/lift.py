"""Lift pixels with metric depth into world points.

Pixel (u, v) (column, row) with z-depth d (metres) is the camera point
``d · ((u - cx) / fx, (v - cy) / fy, 1)`` (OpenCV frame) and the world point ``R · p + position``
with the camera-to-world pose. :class:`PixelGrid` caches the per-pixel ray factors of one camera
and samples every ``stride``-th pixel in both directions.
"""

from __future__ import annotations

import numpy as np

from spatialcode.geometry.camera import Intrinsics
from spatialcode.scene import CameraPose


class PixelGrid:
    """The sampled pixels of a camera: every ``stride``-th row and column, with their ray
    factors ``(u - cx) / fx`` and ``(v - cy) / fy``."""

    def __init__(self, intrinsics: Intrinsics, stride: int = 1) -> None:
        self.intrinsics, self.stride = intrinsics, stride
        u = np.arange(0, intrinsics.width, stride, dtype=np.float64)
        v = np.arange(0, intrinsics.height, stride, dtype=np.float64)
        self.ray_x = ((u - intrinsics.cx) / intrinsics.fx)[None, :]
        self.ray_y = ((v - intrinsics.cy) / intrinsics.fy)[:, None]

    def sample(self, image: np.ndarray) -> np.ndarray:
        """The sampled pixels of an (H, W, ...) image."""
        return image[:: self.stride, :: self.stride]

    def points(self, rows: np.ndarray, cols: np.ndarray, sampled_depth: np.ndarray, pose: CameraPose) -> np.ndarray:
        """World points (N, 3), metres, of sampled pixels (``rows``, ``cols`` index the sampled
        grid) with their depth in ``sampled_depth`` (the sampled depth image, metres)."""
        z = sampled_depth[rows, cols].astype(np.float64)
        camera = np.stack([self.ray_x[0, cols] * z, self.ray_y[rows, 0] * z, z], axis=1)
        return camera @ pose.rotation_matrix().T + np.asarray(pose.position)

    def lift(self, depth: np.ndarray, select: np.ndarray, pose: CameraPose) -> np.ndarray:
        """World points (N, 3), metres, of the selected sampled pixels with valid depth.

        ``depth`` (H, W) metres (full image; 0 = invalid); ``select`` a bool mask of the *sampled*
        grid (``sample(mask)``)."""
        d = self.sample(depth)
        rows, cols = np.nonzero(select & (d > 0))
        return self.points(rows, cols, d, pose)


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
