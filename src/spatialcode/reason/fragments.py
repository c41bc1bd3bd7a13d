"""Fragments and duplicates: an encoder may report one object as several same-label boxes that
overlap or nest. :func:`one_box_per_object` keeps one box per group of boxes linked by a shared
volume of at least a given share of the smaller box's (the one with the highest confidence, else
the largest). The solver applies it at question time when ``SolverConfig.merge_overlapping`` is
set; it is off by default: on the real encoder output measured so far (BENCHMARKS.md, issue 24)
boxes under-count rather than duplicate, and merging lowered counting."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from spatialcode.geometry.iou import box_volume_intersection
from spatialcode.scene import SpatialObject


def overlap_groups(objects: Sequence[SpatialObject], share: float) -> list[list[SpatialObject]]:
    """``objects`` grouped (transitively) when two of them share at least ``share`` of the
    smaller one's volume, groups in the order of their first member."""
    parent = list(range(len(objects)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in itertools.combinations(range(len(objects)), 2):
        a, b = objects[i].box, objects[j].box
        smaller = min(a.volume, b.volume)
        if smaller > 0 and box_volume_intersection(a, b) / smaller >= share:
            parent[root(j)] = root(i)
    groups: dict[int, list[SpatialObject]] = {}
    for i, obj in enumerate(objects):
        groups.setdefault(root(i), []).append(obj)
    return list(groups.values())


def one_box_per_object(objects: Sequence[SpatialObject], share: float) -> list[SpatialObject]:
    """One box per :func:`overlap_groups` group of ``objects``: the most confident (boxes without
    a confidence count as 0), then the largest by volume (m³); in the order of the groups."""
    return [max(group, key=lambda o: (o.confidence or 0.0, o.box.volume)) for group in overlap_groups(objects, share)]
