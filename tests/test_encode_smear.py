"""Predicted depth's smear: measured between frames, and taken out of box extents. Ground truth
comes from how each case is built (Monte Carlo clouds, hand-worked covariances, frames with a
known depth error)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.encode.boxfit import fit_box
from spatialcode.encode.smear import DepthConsistency, SmearConfig, deblurred_extent, smear_covariance
from spatialcode.geometry.camera import Intrinsics
from spatialcode.scene import CameraPose


def blurred_extent(length: float, sigma: float, trim: float, rng: np.random.Generator, n: int = 400_000) -> float:
    """The trimmed extent of a uniform extent blurred by N(0, σ²), by sampling."""
    values = rng.uniform(-length / 2, length / 2, n) + rng.normal(0.0, sigma, n)
    return float(np.quantile(values, 1 - trim) - np.quantile(values, trim))


@pytest.mark.parametrize(("length", "sigma", "trim"), [(1.0, 0.05, 0.05), (0.4, 0.06, 0.05), (0.8, 0.03, 0.01),
                                                         (0.15, 0.04, 0.01)])
def test_a_blurred_extent_comes_back_to_what_the_trim_gives_unblurred(length, sigma, trim):
    rng = np.random.default_rng(3)
    observed = blurred_extent(length, sigma, trim, rng)
    assert observed > length * (1 - 2 * trim)  # the blur made it larger
    assert deblurred_extent(observed, sigma, trim) == pytest.approx(length * (1 - 2 * trim), abs=0.01)


def test_an_object_thinner_than_the_blur_comes_out_thin():
    rng = np.random.default_rng(4)
    observed = blurred_extent(0.03, 0.06, 0.05, rng)  # a television 3 cm deep, seen 20 cm deep
    assert observed > 0.18
    assert deblurred_extent(observed, 0.06, 0.05) < 0.05


def test_what_the_correction_leaves_alone():
    assert deblurred_extent(0.7, 0.0, 0.05) == 0.7     # no blur
    assert deblurred_extent(0.7, 0.05, 0.0) == 0.7     # the extreme points: no quantile to invert
    assert deblurred_extent(1e3, 1e-3, 0.05) == 1e3    # a blur far below the extent
    assert deblurred_extent(0.1, 0.05, 0.05) == 0.0    # less than the blur alone makes
    with pytest.raises(ValueError, match="below 0.5"):
        deblurred_extent(0.5, 0.05, 0.5)


def test_the_smear_covariance_lies_along_the_rays():
    one = smear_covariance(np.zeros(3), [np.array([3.0, 0.0, 0.0])], 0.03)
    assert one == pytest.approx(np.diag([0.09**2, 0.0, 0.0]))
    # ranges 3 and 4 m: each frame weighs range^-(p + 2), its share of the fused points
    cameras = [np.array([4.0, 1.0, 0.0]), np.array([1.0, 5.0, 0.0])]
    two = smear_covariance(np.array([1.0, 1.0, 0.0]), cameras, 0.03)  # p = 0: weights 1/9, 1/16
    assert two == pytest.approx(np.diag([0.09**2 / 9, 0.12**2 / 16, 0.0]) / (1 / 9 + 1 / 16))
    near = smear_covariance(np.array([1.0, 1.0, 0.0]), cameras, 0.03, weight_power=4.0)  # weights 3^-6, 4^-6
    assert near == pytest.approx(np.diag([0.09**2 * 3.0**-6, 0.12**2 * 4.0**-6, 0.0]) / (3.0**-6 + 4.0**-6))
    assert near[0, 0] > 3 * near[1, 1]  # the nearer view sets the blur
    looking_down = smear_covariance(np.zeros(3), [np.array([0.0, 3.0, 4.0])], 0.02)  # range 5 m, ray (0, .6, .8)
    assert looking_down[2, 2] == pytest.approx((0.02 * 5 * 0.8) ** 2)
    assert smear_covariance(np.zeros(3), [], 0.03) is None


def television() -> tuple[np.ndarray, np.ndarray]:
    """A wall television 1.0 × 0.03 × 0.6 m fused from frames whose depth spread blurred it by
    σ = 6 cm along x (the rays): its points (m) and that blur's covariance (m²)."""
    rng = np.random.default_rng(5)
    n = 60_000
    points = np.column_stack([rng.uniform(-0.015, 0.015, n) + rng.normal(0, 0.06, n), rng.uniform(-0.5, 0.5, n),
                              rng.uniform(1.0, 1.6, n)])
    return points, np.diag([0.06**2, 0.0, 0.0])


def test_fit_box_takes_the_smear_out_of_a_television():
    """A wall television 1.0 × 0.03 × 0.6 m, fused from frames whose depth spread blurred it by
    σ = 6 cm along x (the rays): the box comes back thin and keeps its width and height."""
    points, smear = television()
    plain = fit_box(points, trim=0.05, height_trim=0.01)
    fixed = fit_box(points, trim=0.05, height_trim=0.01, smear=smear)
    depth = lambda box: min(box.size[:2])  # noqa: E731 - the box's thin side, whichever axis the yaw made it
    assert depth(plain) > 0.15
    assert depth(fixed) < 0.04
    assert max(fixed.size[:2]) == pytest.approx(max(plain.size[:2]), abs=0.005)
    assert fixed.size[2] == pytest.approx(0.6 * 0.98, abs=0.01)
    assert fixed.center == pytest.approx(plain.center, abs=0.01)


def test_fit_box_leaves_the_smear_in_the_sides_it_is_told_are_unblurred():
    """The same television, its thin side marked unblurred (single views bound it): that side
    keeps the blurred cloud's extent, the other side and the height are as with the correction."""
    points, smear = television()
    plain = fit_box(points, trim=0.05, height_trim=0.01)
    fixed = fit_box(points, trim=0.05, height_trim=0.01, smear=smear)
    thin = int(np.argmin(plain.size[:2]))  # the box axis the yaw put along the rays
    kept = fit_box(points, trim=0.05, height_trim=0.01, smear=smear, unblurred_sides=(thin == 0, thin == 1, False))
    assert kept.size[thin] == pytest.approx(plain.size[thin]) and kept.size[thin] > 0.15
    assert kept.size[1 - thin] == pytest.approx(fixed.size[1 - thin]) and kept.size[2] == pytest.approx(fixed.size[2])


def test_fit_box_takes_the_vertical_smear_out_of_a_chair_standing_on_the_floor():
    """A 0.8 m tall object on the floor at z = 0, its points blurred by 5 cm vertically: the
    top comes down, the bottom stays on the floor."""
    rng = np.random.default_rng(6)
    n = 60_000
    points = np.column_stack([rng.uniform(0, 0.5, n), rng.uniform(0, 0.5, n), rng.uniform(0, 0.8, n) + rng.normal(0, 0.05, n)])
    plain = fit_box(points, floor_z=0.0, floor_snap=0.15, trim=0.05, height_trim=0.01)
    fixed = fit_box(points, floor_z=0.0, floor_snap=0.15, trim=0.05, height_trim=0.01, smear=np.diag([0.0, 0.0, 0.05**2]))
    top = lambda box: box.center[2] + box.size[2] / 2  # noqa: E731
    assert top(plain) > 0.825
    assert top(fixed) == pytest.approx(0.8 - 0.008, abs=0.008)
    assert fixed.center[2] - fixed.size[2] / 2 == pytest.approx(0.0)
    # a height single views bound is not corrected
    kept = fit_box(points, floor_z=0.0, floor_snap=0.15, trim=0.05, height_trim=0.01, smear=np.diag([0.0, 0.0, 0.05**2]),
                   unblurred_sides=(False, False, True))
    assert top(kept) == pytest.approx(top(plain))


INTRINSICS = Intrinsics(fx=100.0, fy=100.0, cx=40.0, cy=30.0, width=80, height=60)


def wall_depth(camera_y: float, wall_y: float = 3.0) -> np.ndarray:
    """Depth (m) of a camera at (0, camera_y, 0) looking along +y at the wall y = ``wall_y``
    (fronto-parallel: the same depth at every pixel)."""
    return np.full((INTRINSICS.height, INTRINSICS.width), wall_y - camera_y, dtype=np.float32)


def looking_along_y(y: float) -> CameraPose:
    """A camera at (0, y, 0) looking along +y, image x along +x, image y down (−z)."""
    rotation = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # columns: the camera's axes
    return CameraPose.from_matrix(np.block([[rotation, np.array([[0.0], [y], [0.0]])],
                                            [np.zeros((1, 3)), np.ones((1, 1))]]), 0.0)


def test_the_depth_spread_is_measured_between_frames():
    """The camera walks 2 cm a frame towards the wall, so a point's depth differs between two
    frames 2 s apart by 40 cm: exact depth gives no spread only if each pair is projected right,
    and a per-pixel error of 3 % (log) in every frame is measured as 3 %."""
    for error, expected in ((0.0, 0.0), (0.03, 0.03)):
        rng = np.random.default_rng(7)
        consistency = DepthConsistency(SmearConfig(enabled=True, block=1))
        for index in range(60):
            y = 0.02 * index
            depth = wall_depth(y) * np.exp(rng.normal(0.0, error, (INTRINSICS.height, INTRINSICS.width)))
            consistency.add(depth.astype(np.float32), INTRINSICS, looking_along_y(y), index / 10)
        assert consistency.pairs >= 5
        assert consistency.spread == pytest.approx(expected, abs=0.003)


def test_a_whole_frame_nearer_is_spread_too():
    """Every other second the whole frame comes out 4 % nearer: frames a second apart differ by
    that shift, which smears a fused object as much as a warp would (block medians, as default)."""
    consistency = DepthConsistency(SmearConfig(enabled=True, lag=1.0))
    for index in range(48):
        scale = 0.96 if (index // 8) % 2 else 1.0
        consistency.add(wall_depth(0.0) * scale, INTRINSICS, looking_along_y(0.0), index / 8)
    assert consistency.pairs >= 5
    assert consistency.spread == pytest.approx(1.4826 * math.log(1 / 0.96) / math.sqrt(2), rel=0.02)


def test_no_spread_before_a_pair_and_bad_settings_are_refused():
    consistency = DepthConsistency()
    consistency.add(wall_depth(0.0), INTRINSICS, looking_along_y(0.0), 0.0)
    assert consistency.pairs == 0 and consistency.spread == 0.0
    for change in ({"lag": 0.0}, {"every": 0}, {"block": 1.5}, {"max_log_ratio": -1.0}):
        with pytest.raises(ValidationError, match=f"^{next(iter(change))}: "):
            replace(SmearConfig(), **change)


def test_a_pair_that_agrees_exactly_counts_as_a_measurement_of_no_spread():
    consistency = DepthConsistency(SmearConfig(enabled=True, lag=1.0, every=1))
    for index in range(3):  # a still camera, exact depth: frame 2 is measured against frame 0
        consistency.add(wall_depth(0.0), INTRINSICS, looking_along_y(0.0), index * 0.5)
    assert consistency.pairs == 1 and consistency.spread < 1e-9
