"""Typical sizes of the vocabulary's categories: what a reasoner may assume about an object its
code has no box for.

The table is the synthetic world's furniture catalogue (:mod:`spatialcode.synth.categories`, real
furniture size ranges cross-checked against the benchmark's annotation medians) reduced to one
number per category, the typical longest side: the median over the category's variants of the
largest of the midpoints of its depth, width and height ranges; the smallest longest side (the
least over the variants of the largest low end of their ranges), against which the encoder
checks that a box is not implausibly small for its label; and, for the few categories
whose height varies little (doors, chairs, sofas, toilets, …), their height range, which the
encoder uses to calibrate the scale of monocular depth. It lives here, below the
reasoner, as a generated data file (``spatialcode/data/typical_sizes.json``), because the
catalogue sits above the reasoner in the layout; ``scripts/write_typical_sizes.py`` regenerates
it from the catalogue and a test checks the two agree.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

#: The data file, inside the package.
TYPICAL_SIZES_FILE = "typical_sizes.json"


@functools.cache
def _table() -> dict:
    return json.loads(resources.files("spatialcode").joinpath("data", TYPICAL_SIZES_FILE).read_text(encoding="utf-8"))


def typical_longest_sides() -> Mapping[str, float]:
    """Each catalogued category's typical longest side, metres (category → m)."""
    return MappingProxyType({str(k): float(v) for k, v in _table()["longest_side_m"].items()})


def smallest_longest_sides() -> Mapping[str, float]:
    """Each catalogued category's smallest longest side, metres (category → m): no object of the
    catalogue's variants of it is shorter along its longest side."""
    return MappingProxyType({str(k): float(v) for k, v in _table()["smallest_longest_side_m"].items()})


def reference_heights() -> Mapping[str, tuple[float, float]]:
    """The height range (low, high), metres, of the categories whose height is a scale reference
    (floor-standing, narrow range; :data:`spatialcode.synth.categories.REFERENCE_HEIGHT_CATEGORIES`)."""
    return MappingProxyType({str(k): (float(v[0]), float(v[1])) for k, v in _table()["reference_height_m"].items()})
