"""What a reasoner may assume where an imperfect code is silent — a real encoder's code has no
room and misses objects. Each estimate is fitted on nothing from the benchmark, and whoever uses
one says so (the solver marks its answer ``fallback`` with the reason; the tools' signatures
state it):

* :func:`instance_distance` — the exact measurement the estimates build on: the minimum
  closest-point distance over pairs of distinct instances;
* :func:`estimated_floor_area` — a room's floor area as the convex hull of the objects'
  footprints (in the synthetic world a room measures 1.02 × that hull, median of 300 scenes);
* :func:`typical_size` — an object's longest side as its category's typical one
  (:mod:`spatialcode.tasks.typical_sizes`, from the synthetic world's furniture catalogue);
* :func:`typical_distance` — the distance to an object without a box, assumed placed like the
  code's other objects: the median closest-point distance from the object that has a box to
  every object of another label (with neither boxed, the median over all pairs of objects).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from spatialcode.geometry.distance import box_distance
from spatialcode.geometry.polygon import footprint_hull_area
from spatialcode.questions.labels import resolve_label
from spatialcode.scene import SpatialCode, SpatialObject
from spatialcode.tasks.typical_sizes import typical_longest_sides

#: The fewest objects a room's floor area is estimated from (fewer span too little of it).
ROOM_ESTIMATE_MIN_OBJECTS = 3


def instance_distance(a: Sequence[SpatialObject], b: Sequence[SpatialObject]) -> tuple[float, SpatialObject, SpatialObject] | None:
    """Minimum closest-point distance (m) over the pairs of distinct instances, and the pair;
    ``None`` when there is no such pair. Exact: pairs are visited by a bounding-sphere lower
    bound and the search stops once no pair can be closer."""
    bounded = sorted(
        (
            float(np.linalg.norm(x.box.center_array - y.box.center_array)) - x.box.bounding_radius - y.box.bounding_radius,
            k,
            x,
            y,
        )
        for k, (x, y) in enumerate((x, y) for x in a for y in b if x.id != y.id)
    )
    best: tuple[float, SpatialObject, SpatialObject] | None = None
    for lower, _, x, y in bounded:
        if best is not None and lower >= best[0]:
            break
        d = box_distance(x.box, y.box)
        if best is None or d < best[0]:
            best = (d, x, y)
    return best


def estimated_floor_area(code: SpatialCode) -> float | None:
    """The floor area (m²) of the convex hull of the objects' footprints; ``None`` with fewer
    than :data:`ROOM_ESTIMATE_MIN_OBJECTS` objects."""
    if len(code.objects) < ROOM_ESTIMATE_MIN_OBJECTS:
        return None
    return footprint_hull_area([obj.box for obj in code.objects])


def typical_size(phrase: str) -> tuple[float, str] | None:
    """The typical longest side (m) of the category ``phrase`` names (its plural and other names
    too), and that category; ``None`` for a category the table does not hold."""
    table = typical_longest_sides()
    category = resolve_label(phrase, tuple(table))
    return None if category is None else (table[category], category)


def typical_distance(code: SpatialCode, known: Sequence[SpatialObject]) -> tuple[float, str] | None:
    """Estimated distance (m) from the objects ``known`` (instances of one label; empty when
    neither object has a box) to an object the code has no box for, and how it was made (words
    for a derivation); ``None`` when there is nothing to measure."""
    if known:
        others = [o for o in code.objects if o.label != known[0].label]
        distances = [pair[0] for o in others if (pair := instance_distance(known, [o])) is not None]
        how = f"median closest-point distance from {known[0].label} to the {len(others)} other objects"
    else:
        distances = [box_distance(x.box, y.box) for x, y in itertools.combinations(code.objects, 2)]
        how = f"median closest-point distance over the {len(distances)} pairs of the code's objects"
    return (float(np.median(distances)), how) if distances else None
