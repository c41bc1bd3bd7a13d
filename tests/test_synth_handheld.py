"""The height of a handheld phone: drawn as the anthropometric tables and the hold say."""

from __future__ import annotations

import numpy as np
import pytest

from spatialcode.synth.handheld import handheld_camera_height

#: Pheasant's standing eye heights (mm): (mean, sd) of Hong Kong, British, US and Japanese men and women.
TABLE_MM = ((1555, 52), (1425, 57), (1630, 69), (1505, 61), (1710, 70), (1525, 63), (1540, 57), (1425, 47))


def test_heights_follow_the_tables_less_the_hold():
    """Hand-worked from the table: mean 1539 mm − 250 mm (hold 100–400 mm); variance = between the
    groups' means + the mean within-group variance + (300 mm)²/12."""
    means = np.array([m for m, _ in TABLE_MM]) / 1000
    sds = np.array([s for _, s in TABLE_MM]) / 1000
    expected_mean = means.mean() - 0.25
    expected_sd = np.sqrt(means.var() + (sds**2).mean() + 0.3**2 / 12)
    heights = np.array([handheld_camera_height(seed) for seed in range(4000)])
    assert heights.mean() == pytest.approx(expected_mean, abs=0.01)  # 1.289 m
    assert heights.std() == pytest.approx(expected_sd, abs=0.01)  # 0.139 m
    assert 0.9 < heights.min() and heights.max() < 1.75


def test_a_seed_is_one_person_and_seeds_differ():
    assert handheld_camera_height(7) == handheld_camera_height(7)
    assert len({round(handheld_camera_height(seed), 6) for seed in range(20)}) == 20
    assert 0.9 < handheld_camera_height(-3) < 1.75  # any whole number is a seed
