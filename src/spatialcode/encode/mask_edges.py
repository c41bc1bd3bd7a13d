"""Masks that spill over an object's border: drop the pixels that lie behind it.

A segmenter's (or a box's) mask often bleeds a few pixels past the object's silhouette onto what
is behind it; lifted with their depth, those pixels land on the wall or floor behind the object
and stretch its box backwards. A pixel of an instance whose depth is well beyond the nearest depth
of the same instance within ``radius`` pixels — by more than ``relative`` of that depth plus
``absolute`` metres — is on the far side of a depth edge of its own object: it is dropped. Inside
an object depth changes smoothly, so only a band of ``radius`` pixels at its self-occluding edges
(a sofa's seat behind its arm) is lost as well.

A mask that reaches the image's edges shows only a part of its object
(:func:`clear_of_image_edges`).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def trim_depth_edges(owner: np.ndarray, depth: np.ndarray, radius: int, relative: float = 0.05,
                     absolute: float = 0.05) -> np.ndarray:
    """``owner`` (H, W) int instance index per pixel (-1: none) with the pixels behind their own
    instance's depth edges set to -1 (module docstring); ``depth`` (H, W) metres, 0 = none;
    ``radius`` pixels (0: unchanged)."""
    if radius <= 0:
        return owner
    out = owner.copy()
    size = 2 * radius + 1
    for k in np.unique(owner[owner >= 0]):
        rows, cols = np.nonzero(owner == k)
        r0, r1 = max(rows.min() - radius, 0), rows.max() + radius + 1
        c0, c1 = max(cols.min() - radius, 0), cols.max() + radius + 1
        mine = (owner[r0:r1, c0:c1] == k) & (depth[r0:r1, c0:c1] > 0)
        z = np.where(mine, depth[r0:r1, c0:c1], np.inf)
        nearest = ndimage.minimum_filter(z, size=size, mode="constant", cval=np.inf)
        behind = mine & (z > nearest * (1.0 + relative) + absolute)
        out[r0:r1, c0:c1][behind] = -1
    return out


def clear_of_image_edges(mask: np.ndarray, margin: int = 2) -> bool:
    """Whether the instance ``mask`` (H, W) bool keeps ``margin`` pixels clear of the image's
    edges: the frame shows the whole object (unless something in front hides a part of it)."""
    m = max(int(margin), 1)
    return not (mask[:m].any() or mask[-m:].any() or mask[:, :m].any() or mask[:, -m:].any())
