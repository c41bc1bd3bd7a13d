"""Predicted depth's smear of fused objects: measured from the video, and taken out of box extents.

A depth model's output is smooth within a frame but not consistent between frames: the same
surface comes out a few per cent nearer or farther from one second to the next. Fused over many
frames, an object's cloud is then the object blurred along each frame's ray, by a spread that
grows with the range, and its box comes out too large by that blur — a television 3 cm deep
boxed 20 cm deep, a chair's top 10–15 cm too high.

:class:`DepthConsistency` measures the spread from the frames themselves: every ``every``-th
frame's depth (block medians) is lifted with its pose and projected into the frame ``lag``
seconds later; where both saw the same surface (log ratio within ``max_log_ratio``), the log
ratios' robust spread about 0 (1.4826 × their median magnitude: a shift of the whole frame smears
as much as a warp within it) over √2, as both frames err, is one frame's relative spread ``s``.
The median over all such pairs is the video's.

Along a box axis ``a`` the track's frames blur its points by σ_a² = Σ_f w_f (s · r_f)² (a · u_f)² /
Σ_f w_f, with r_f and u_f the range and the unit ray from the camera to the object, and w_f a
frame's share of the fused cloud: its pixels on the object fall as 1/r_f² and the fusion weighs
each point by (1/r_f)^p (``EncoderConfig.depth_weight_power``), so w_f = r_f^-(p + 2) and the
near views, which the cloud is made of, set the blur.

A box's extent along an axis is a trimmed quantile range; :func:`deblurred_extent` inverts the
trimmed extent of a uniform extent L blurred by N(0, σ²) for L (an object thinner than the blur
comes out as thin as the encoder allows). A side or height that single views of the whole
object bound is not inverted (:meth:`spatialcode.encode.tracks.Track.box`): one frame's points
are free of the blur, so the views' bound has taken it out already.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

from spatialcode.core.errors import ValidationError
from spatialcode.encode.lift import block_intrinsics, block_median
from spatialcode.geometry.camera import Intrinsics, PixelGrid, Pose, project_points

MIN_PAIR_POINTS = 200  # a frame pair with fewer common surface points gives no measurement


@dataclass(frozen=True)
class SmearConfig:
    """Settings of the smear correction (``encoder.smear.*``): ``enabled`` (``None``: off, on for predicted
    depth in the encode pipeline), frames ``lag`` seconds apart compared every ``every`` frames,
    their depths as medians of ``block`` × ``block`` pixels within ``max_depth`` (m), surfaces
    matched within ``max_log_ratio``."""

    enabled: bool | None = None
    lag: float = 2.0             # compare a frame with the one this many seconds later (s)
    every: int = 5               # ... for every n-th frame
    block: int = 4               # depth as block medians of this many pixels a side
    max_depth: float = 6.0       # ignore depth beyond this (m)
    max_log_ratio: float = 0.15  # the same surface: depths within this log ratio

    def __post_init__(self) -> None:
        for name in ("lag", "max_depth", "max_log_ratio"):
            if not getattr(self, name) > 0:
                raise ValidationError(name, f"must be > 0, got {getattr(self, name)}")
        for name in ("every", "block"):
            if int(getattr(self, name)) != getattr(self, name) or getattr(self, name) < 1:
                raise ValidationError(name, f"must be a whole number >= 1, got {getattr(self, name)}")


class DepthConsistency:
    """The relative spread of depth between frames ``config.lag`` seconds apart (module docstring),
    fed frame by frame with :meth:`add`; keeps the block medians of the last ``lag`` seconds of
    measured frames."""

    def __init__(self, config: SmearConfig | None = None) -> None:
        self.config = config or SmearConfig()
        self._waiting: deque[tuple[float, np.ndarray, Pose, Intrinsics]] = deque()
        self._spreads: list[float] = []
        self._frames = 0
        self._grid: PixelGrid | None = None

    def add(self, depth: np.ndarray, intrinsics: Intrinsics, pose: Pose, t: float) -> None:
        """Add a frame: depth (H, W; m), its camera and its time (s)."""
        config = self.config
        measured = self._frames % config.every == 0
        self._frames += 1
        due = bool(self._waiting) and t - self._waiting[0][0] >= config.lag
        if not (measured or due):
            return
        blocks = block_intrinsics(intrinsics, config.block)
        medians = block_median(np.asarray(depth, dtype=np.float32), config.block)
        medians[medians > config.max_depth] = 0.0
        while self._waiting and t - self._waiting[0][0] >= config.lag:
            _, earlier, earlier_pose, earlier_blocks = self._waiting.popleft()
            spread = self._pair_spread(earlier, earlier_pose, medians, pose, blocks) if earlier_blocks == blocks else None
            if spread is not None:  # 0 is a measurement too
                self._spreads.append(spread)
        if measured:
            self._waiting.append((t, medians, pose, blocks))

    def _pair_spread(self, earlier: np.ndarray, earlier_pose: Pose, later: np.ndarray, pose: Pose,
                     blocks: Intrinsics) -> float | None:
        """One frame's relative depth spread from a pair of block-median depths, or ``None`` when
        they share fewer than :data:`MIN_PAIR_POINTS` surface points."""
        if self._grid is None or self._grid.intrinsics != blocks:
            self._grid = PixelGrid(blocks)
        rows, cols = np.nonzero(earlier > 0)
        points = self._grid.points(rows, cols, earlier, earlier_pose)
        uv, depth = project_points(points, blocks, pose)
        with np.errstate(invalid="ignore"):  # the four block centres around each projection
            corner = np.floor(uv).astype(np.int64)
            inside = (depth > 0.1) & (corner[:, 0] >= 0) & (corner[:, 0] < later.shape[1] - 1)
            inside &= (corner[:, 1] >= 0) & (corner[:, 1] < later.shape[0] - 1)
        (u, v), depth, corner = uv[inside].T, depth[inside], corner[inside]
        fu, fv = u - corner[:, 0], v - corner[:, 1]
        col, row = corner[:, 0], corner[:, 1]
        around = np.stack([later[row, col], later[row, col + 1], later[row + 1, col], later[row + 1, col + 1]])
        weights = np.stack([(1 - fu) * (1 - fv), fu * (1 - fv), (1 - fu) * fv, fu * fv])
        valid = (around > 0).all(axis=0)
        seen = (around * weights).sum(axis=0)[valid]  # bilinear: block medians stand at their blocks' centres
        ratios = np.log(seen / depth[valid])
        ratios = ratios[np.abs(ratios) < self.config.max_log_ratio]
        if len(ratios) < MIN_PAIR_POINTS:
            return None
        return float(1.4826 * np.median(np.abs(ratios)) / math.sqrt(2.0))

    @property
    def pairs(self) -> int:
        """The frame pairs measured so far."""
        return len(self._spreads)

    @property
    def spread(self) -> float:
        """One frame's relative depth spread (the median over the measured pairs; 0 before any)."""
        return float(np.median(self._spreads)) if self._spreads else 0.0


def smear_covariance(centre: np.ndarray, cameras: Iterable[np.ndarray], spread: float,
                     weight_power: float = 0.0) -> np.ndarray | None:
    """The 3 × 3 covariance (m²) by which frames seen from ``cameras`` (positions, m) blur a point
    at ``centre`` (m): the mean over them of (``spread`` · range)² u uᵀ, u the unit ray, each frame
    weighted by range^-(``weight_power`` + 2) (its share of the fused points, module docstring);
    ``None`` without a camera away from the centre."""
    rays = np.asarray(list(cameras), dtype=float).reshape(-1, 3) - np.asarray(centre, dtype=float)
    ranges = np.linalg.norm(rays, axis=1)
    rays, ranges = rays[ranges > 1e-6], ranges[ranges > 1e-6]
    if not len(rays):
        return None
    units = rays / ranges[:, None]
    weights = ranges ** -(weight_power + 2.0)
    return (spread**2) * np.einsum("n,ni,nj->ij", weights * ranges**2, units, units) / weights.sum()


def _trimmed_extent(length: float, trim: float) -> float:
    """The ``trim``–(1 − ``trim``) quantile range of a uniform extent ``length`` (in units of σ)
    blurred by N(0, 1)."""
    if length < 1e-9:
        return 2.0 * float(norm.ppf(1.0 - trim))

    def antiderivative(z: float) -> float:  # of the standard normal CDF
        return z * norm.cdf(z) + norm.pdf(z)

    upper = brentq(lambda x: (antiderivative(x) - antiderivative(x - length)) / length - (1.0 - trim),
                   length / 2, length + 40.0)
    return 2.0 * upper - length


@lru_cache(maxsize=16)
def _extent_table(trim: float) -> tuple[np.ndarray, np.ndarray]:
    """Blur-free lengths and their blurred trimmed extents (both in units of σ), increasing."""
    lengths = np.concatenate([[0.0], np.geomspace(1e-3, 1e4, 400)])
    return lengths, np.array([_trimmed_extent(float(length), trim) for length in lengths])


def deblurred_extent(extent: float, sigma: float, trim: float) -> float:
    """The extent (m) a box side would have had without the blur: ``extent`` (m), the
    ``trim``–(1 − ``trim``) quantile range of the blurred points, is inverted for a uniform length L
    blurred by N(0, ``sigma``²) and L · (1 − 2 ``trim``) returned — what the same trim gives without
    blur. 0 when the extent is no more than the blur alone makes. ``extent`` itself for ``sigma``
    ≤ 0, for ``trim`` 0 (the extreme points of a blur have no set place) and for an extent over
    10⁴ σ (a blur that small changes nothing)."""
    if sigma <= 0 or trim <= 0:
        return extent
    if trim >= 0.5:
        raise ValueError(f"trim must be below 0.5, got {trim}")
    lengths, extents = _extent_table(round(float(trim), 6))
    scaled = extent / sigma
    if scaled <= extents[0]:
        return 0.0
    if scaled >= extents[-1]:
        return extent
    return float(sigma * np.interp(scaled, extents, lengths) * (1.0 - 2.0 * trim))
