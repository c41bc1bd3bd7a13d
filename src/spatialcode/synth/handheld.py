"""Who films the room: the height at which a person holds a phone.

A walkthrough rendered at one fixed eye height gives every video the same camera height above the
floor, a constant no real video has (and one a scale calibration could read the answer from). A
handheld video's camera is at its filmer's eye height less the distance the phone is held below
the eyes. :func:`handheld_camera_height` draws both:

- the eye height of a standing adult from one of eight groups picked with equal chance — men and
  women of Hong Kong, Britain (aged 19–65), the US (aged 19–65) and Japan — each a normal
  distribution with the group's mean and standard deviation in Pheasant's anthropometric tables
  (*Bodyspace*, "eye height": e.g. British men 1630 ± 69 mm, Hong Kong women 1425 ± 57 mm);
  pooled, 1.54 m with a standard deviation of 0.11 m;
- the phone held ``HOLD_BELOW_EYES`` below the eyes, uniform (an assumption, not a measured
  figure: a phone filmed through its screen is held in front of the face or lower).

The camera heights come out 1.29 ± 0.14 m (5th–95th percentile 1.07–1.53 m; the standard deviation
of their log is 0.108).
"""

from __future__ import annotations

import numpy as np

#: Standing eye height (m) of adults: (mean, standard deviation) by group, from Pheasant's tables.
EYE_HEIGHTS: tuple[tuple[float, float], ...] = (
    (1.555, 0.052), (1.425, 0.057),  # Hong Kong men, women
    (1.630, 0.069), (1.505, 0.061),  # British men, women
    (1.710, 0.070), (1.525, 0.063),  # US men, women
    (1.540, 0.057), (1.425, 0.047),  # Japanese men, women
)
#: How far (m) below the eyes the phone is held while filming: the range of a uniform draw.
HOLD_BELOW_EYES: tuple[float, float] = (0.1, 0.4)


def handheld_camera_height(seed: int) -> float:
    """The height (m above the floor) of a phone filming a room, drawn for ``seed`` (a person and
    their hold; module docstring)."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x4A4E])
    mean, sd = EYE_HEIGHTS[int(rng.integers(len(EYE_HEIGHTS)))]
    return float(rng.normal(mean, sd) - rng.uniform(*HOLD_BELOW_EYES))
