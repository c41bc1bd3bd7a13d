"""Masks for detections without a segmentation model (the ``fast`` preset): a detector's box
holds the object and whatever lies behind it; the object is the nearest surface in the box that
fills a fair share of it, so the mask keeps the box's pixels at that depth."""

from __future__ import annotations

import numpy as np

#: How a detection without a segmenter becomes a mask: ``box`` (every pixel of the box) or
#: ``depth-box`` (the box's pixels on the nearest surface that fills it, :func:`depth_box_mask`;
#: needs the frame's depth).
BOX_MASKS = ("box", "depth-box")


def depth_box_mask(xyxy: tuple[float, float, float, float], depth: np.ndarray, band: float = 0.15,
                   min_share: float = 0.1) -> np.ndarray:
    """The (H, W) bool mask of the object in the pixel box ``xyxy`` (left, top, right, bottom) of
    the depth image ``depth`` (metres, 0 = none): the box's pixels within ±``band`` (a fraction)
    of the nearest depth around which at least ``min_share`` of the box's measured pixels lie and
    at least half as many as around the box's most common depth; the whole box when it has too
    few measured pixels (fewer than 20)."""
    height, width = depth.shape
    left, top, right, bottom = xyxy
    cols = (np.arange(width) + 0.5 >= left) & (np.arange(width) + 0.5 <= right)
    rows = (np.arange(height) + 0.5 >= top) & (np.arange(height) + 0.5 <= bottom)
    box = rows[:, None] & cols[None, :]
    values = depth[box]
    values = np.sort(values[np.isfinite(values) & (values > 0)])
    if len(values) < 20:
        return box
    # the share of the box's measured pixels within ±band of each candidate depth (the 2nd … 98th
    # percentiles), counted on the sorted values
    centres = np.quantile(values, np.linspace(0.02, 0.98, 49))
    shares = (np.searchsorted(values, centres * (1 + band), side="right")
              - np.searchsorted(values, centres * (1 - band), side="left")) / len(values)
    enough = np.flatnonzero(shares >= max(min_share, 0.5 * shares.max()))
    centre = float(centres[enough[0]])
    near = values[(values >= centre * (1 - band)) & (values <= centre * (1 + band))]
    centre = float(np.median(near))  # re-centred on the surface's own pixels
    return box & (depth >= centre * (1 - band)) & (depth <= centre * (1 + band))
