"""Depth as the encoder lifts it: how noisy a depth image is (:func:`depth_noise_coefficient`).
Pixels are lifted into world points by :class:`~spatialcode.geometry.camera.PixelGrid`."""

from __future__ import annotations

import numpy as np


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
