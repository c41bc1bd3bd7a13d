"""Fitting :class:`~spatialcode.synth.code_faults.CodeFaultConfig` to real encoder output, and
the statistics the fit and its check share.

The fit lives here, beside the noise model, rather than in ``encode/`` or a benchmark: it needs
only a box matcher built from geometry-level pieces (centre distances and scipy's Hungarian
assignment), and the model, its estimator and the statistics that check one against the other
must use the *same* matching — one module keeps them from drifting apart, and the command line
and the benchmark both reach it without an upward import.

Matching (:func:`match_objects`) of an encoded code to its true code, both in one frame (register
them first), by centre distance, not IoU: a real encoder's boxes are loose, so their IoU with the
truth is often below any useful threshold while the centre is still close:

1. per label, one-to-one by the Hungarian assignment on centre distance, pairs within
   :data:`MATCH_GATE` m → *matched*;
2. an unmatched encoded box within :data:`DUPLICATE_GATE` m of a true box of its label that is
   already matched → *duplicate*;
3. the remaining encoded boxes and the unmatched true boxes of other labels, one-to-one within
   :data:`CONFUSION_GATE` m → *label confusion* (true label → reported label);
4. true boxes left → *missed*; encoded boxes left → *extra*.

Sizes are compared as (longer horizontal side, shorter horizontal side, vertical side), each
box read upright by :func:`~spatialcode.synth.code_faults.upright_sides`: annotation boxes list
their axes in any order, and an encoder's x axis need not be the annotation's, so the sorted
horizontal sides are the comparable ones. Yaw errors are taken modulo 90° (a box's yaw is defined
modulo its symmetry), signed in [-45°, 45°].
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from spatialcode.core.errors import SpatialCodeError
from spatialcode.scene import SpatialCode, SpatialObject
from spatialcode.synth.code_faults import CategoryFaults, CodeFaultConfig, upright_sides

#: Largest centre distance (m) of a same-label match.
MATCH_GATE = 1.0
#: Largest centre distance (m) of a duplicate from its matched true box.
DUPLICATE_GATE = 0.5
#: Largest centre distance (m) of a label confusion.
CONFUSION_GATE = 0.5
#: Fewest true (for the miss rate) or matched (for the rest) objects of a category that get
#: their own values in the fit; fewer fall back to the global ones.
MIN_CATEGORY_OBJECTS = 5
#: IQR of a standard normal: σ = IQR / this.
_IQR_PER_SIGMA = 1.3489795

Pair = tuple[SpatialObject, SpatialObject]


@dataclass(frozen=True)
class Matching:
    """One scene's matching (see the module docstring): (true, encoded) pairs for ``matched``,
    ``duplicates`` and ``confusions``; the ``missed`` true and ``extra`` encoded objects."""

    matched: tuple[Pair, ...]
    duplicates: tuple[Pair, ...]
    confusions: tuple[Pair, ...]
    missed: tuple[SpatialObject, ...]
    extra: tuple[SpatialObject, ...]


def _distance(a: SpatialObject, b: SpatialObject) -> float:
    return float(np.linalg.norm(a.box.center_array - b.box.center_array))


def _assign(truth: Sequence[SpatialObject], encoded: Sequence[SpatialObject], gate: float) -> list[Pair]:
    """One-to-one (true, encoded) pairs of least total centre distance, each within ``gate`` m."""
    if not truth or not encoded:
        return []
    cost = np.array([[_distance(t, e) for e in encoded] for t in truth])
    rows, cols = linear_sum_assignment(np.where(cost <= gate, cost, 1e6))
    return [(truth[i], encoded[j]) for i, j in zip(rows, cols) if cost[i, j] <= gate]


def match_objects(encoded: SpatialCode, truth: SpatialCode) -> Matching:
    """The matching of ``encoded`` to ``truth`` (same frame; see the module docstring)."""
    matched: list[Pair] = []
    for label in sorted({o.label for o in truth.objects}):
        matched += _assign(truth.objects_with_label(label), encoded.objects_with_label(label), MATCH_GATE)
    used = {id(e) for _, e in matched}
    found = {id(t) for t, _ in matched}
    duplicates = []
    for obj in encoded.objects:
        near = [t for t, _ in matched if t.label == obj.label and _distance(t, obj) <= DUPLICATE_GATE]
        if id(obj) not in used and near:
            duplicates.append((min(near, key=lambda t: _distance(t, obj)), obj))
            used.add(id(obj))
    rest = [e for e in encoded.objects if id(e) not in used]
    unfound = [t for t in truth.objects if id(t) not in found]
    cost = [[_distance(t, e) if t.label != e.label else math.inf for e in rest] for t in unfound]
    confusions = []
    if unfound and rest:
        costs = np.array(cost)
        rows, cols = linear_sum_assignment(np.where(costs <= CONFUSION_GATE, costs, 1e6))
        confusions = [(unfound[i], rest[j]) for i, j in zip(rows, cols) if costs[i, j] <= CONFUSION_GATE]
    paired = {id(t) for t, _ in confusions} | {id(e) for _, e in confusions}
    return Matching(tuple(matched), tuple(duplicates), tuple(confusions),
                    tuple(t for t in unfound if id(t) not in paired), tuple(e for e in rest if id(e) not in paired))


def size_log_ratios(true: SpatialObject, encoded: SpatialObject) -> tuple[float, float, float]:
    """Natural logs of encoded/true for the longer horizontal, shorter horizontal and vertical
    sides."""
    a, b = (sorted(upright_sides(o.box)[:2], reverse=True) + [upright_sides(o.box)[2]] for o in (encoded, true))
    return tuple(math.log(x / y) for x, y in zip(a, b))  # type: ignore[return-value]


def yaw_error_deg(true: SpatialObject, encoded: SpatialObject) -> float:
    """Encoded minus true yaw of the first horizontal axes modulo 90°, degrees in [-45, 45)."""
    turn = math.degrees(upright_sides(encoded.box)[3] - upright_sides(true.box)[3])
    return (turn + 45.0) % 90.0 - 45.0


def _spread(values: Sequence[float]) -> dict[str, Any]:
    """Median and interquartile range of ``values`` (``None`` when there are none)."""
    if not len(values):
        return {"median": None, "iqr": None}
    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    return {"median": float(q2), "iqr": [float(q1), float(q3)]}


def fault_statistics(pairs: Sequence[tuple[SpatialCode, SpatialCode]]) -> dict[str, Any]:
    """The statistics of (encoded, true) code pairs by :func:`match_objects`: counts, rates
    (missed per true object, extras per scene, duplicates per matched object, confusions per
    detected true object), centre error (m), size ratio encoded/true (long horizontal, short
    horizontal, vertical), absolute yaw error modulo 90° (degrees), the share of scenes with a
    room, and the counts per true category."""
    matchings = [match_objects(encoded, truth) for encoded, truth in pairs]
    matched = [p for m in matchings for p in m.matched]
    counts = {kind: sum(len(getattr(m, kind)) for m in matchings)
              for kind in ("matched", "duplicates", "confusions", "missed", "extra")}
    true_objects = sum(len(truth.objects) for _, truth in pairs)
    ratios = np.exp(np.array([size_log_ratios(t, e) for t, e in matched])) if matched else np.zeros((0, 3))
    per_category: dict[str, Counter] = defaultdict(Counter)
    for m in matchings:
        for kind in ("matched", "duplicates", "confusions"):
            for t, _ in getattr(m, kind):
                per_category[t.label][kind] += 1
        for t in m.missed:
            per_category[t.label]["missed"] += 1
    return {
        "scenes": len(pairs), "true_objects": true_objects,
        "encoded_objects": sum(len(encoded.objects) for encoded, _ in pairs), **counts,
        "miss_rate": counts["missed"] / max(true_objects, 1),
        "extra_per_scene": counts["extra"] / max(len(pairs), 1),
        "duplicate_rate": counts["duplicates"] / max(counts["matched"], 1),
        "confusion_rate": counts["confusions"] / max(counts["matched"] + counts["confusions"], 1),
        "centre_error_m": _spread([_distance(t, e) for t, e in matched]),
        "size_ratio": {side: _spread(ratios[:, k]) for k, side in enumerate(("long", "short", "vertical"))},
        "yaw_error_deg": _spread([abs(yaw_error_deg(t, e)) for t, e in matched]),
        "room_present": sum(encoded.room is not None for encoded, _ in pairs) / max(len(pairs), 1),
        "per_category": {label: dict(c) for label, c in sorted(per_category.items())},
    }


def _sigma(values: Sequence[float]) -> float:
    """A robust standard deviation: the interquartile range / 1.349 (0 for no values)."""
    if not len(values):
        return 0.0
    q1, q3 = np.percentile(values, [25, 75])
    return float(q3 - q1) / _IQR_PER_SIGMA


def _geometry(pairs: Sequence[Pair]) -> dict[str, Any]:
    """Centre σ (m; x and y pooled, z), log size-ratio medians and σ of matched pairs."""
    moves = np.array([e.box.center_array - t.box.center_array for t, e in pairs])
    logs = np.array([size_log_ratios(t, e) for t, e in pairs])
    return {"centre_sigma_xy": _sigma(moves[:, :2].ravel()), "centre_sigma_z": _sigma(moves[:, 2]),
            "log_size_mean": tuple(float(v) for v in np.median(logs, axis=0)),
            "log_size_sigma": tuple(_sigma(logs[:, k]) for k in range(3))}


def fit_code_faults(pairs: Sequence[tuple[SpatialCode, SpatialCode]], name: str = "custom") -> CodeFaultConfig:
    """The :class:`CodeFaultConfig` that reproduces the (encoded, true) code pairs (registered,
    one frame each) as :func:`match_objects` sees them: rates from the counts, centre σ and log
    size ratios robustly (median, interquartile range / 1.349), yaw σ from the signed errors
    modulo 90°, the duplicates' shift from their median distance (a Rayleigh median is 1.1774 σ),
    the extras' labels and median sides, the confusion table per true label; a category with at
    least :data:`MIN_CATEGORY_OBJECTS` true (miss rate) or matched (the rest) objects gets its own
    values."""
    matchings = [match_objects(encoded, truth) for encoded, truth in pairs]
    matched = [p for m in matchings for p in m.matched]
    if not matched:
        raise SpatialCodeError("no matched objects to fit (are the codes registered to one frame?)")
    duplicates = [p for m in matchings for p in m.duplicates]
    confusions = [p for m in matchings for p in m.confusions]
    extras = [e for m in matchings for e in m.extra]
    truths = [t for _, truth in pairs for t in truth.objects]
    detected = Counter(t.label for t, _ in matched + confusions)
    confusion: dict[str, dict[str, float]] = defaultdict(dict)
    for (true_label, reported), n in sorted(Counter((t.label, e.label) for t, e in confusions).items()):
        confusion[true_label][reported] = n / detected[true_label]
    sides: dict[str, list] = defaultdict(list)
    for e in extras:
        a, b, h, _ = upright_sides(e.box)
        sides[e.label].append((max(a, b), min(a, b), h))
    categories = {}
    for label, n in sorted(Counter(t.label for t in truths).items()):
        own = [p for p in matched if p[0].label == label]
        values: dict[str, Any] = {}
        if n >= MIN_CATEGORY_OBJECTS:
            values["miss"] = sum(t.label == label for m in matchings for t in m.missed) / n
        if len(own) >= MIN_CATEGORY_OBJECTS:
            values["duplicate"] = sum(t.label == label for t, _ in duplicates) / len(own)
            values.update(_geometry(own))
        if values:
            categories[label] = CategoryFaults(**values)
    shift = float(np.median([_distance(t, e) for t, e in duplicates])) / 1.1774 if duplicates else 0.0
    return CodeFaultConfig(
        name=name, miss=sum(len(m.missed) for m in matchings) / len(truths),
        duplicate=len(duplicates) / len(matched), duplicate_shift=shift,
        extra_per_scene=len(extras) / len(pairs), extra_labels=dict(sorted(Counter(e.label for e in extras).items())),
        extra_sizes={k: tuple(float(x) for x in np.median(v, axis=0)) for k, v in sorted(sides.items())},
        drop_room=sum(encoded.room is None for encoded, truth in pairs if truth.room is not None)
        / max(sum(truth.room is not None for _, truth in pairs), 1),
        yaw_sigma_deg=_sigma([yaw_error_deg(t, e) for t, e in matched]),
        confusion=dict(confusion), categories=categories, **_geometry(matched))
