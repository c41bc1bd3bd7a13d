"""How close an encoded spatial code is to the ground truth: object matching by 3D IoU, counts,
centre / yaw / first_seen errors and room area (used by the demo and the encoder benchmarks).

- Only the ground-truth objects the video shows count (``first_seen`` set, when the truth has
  first_seen at all).
- Objects are matched one-to-one per label by 3D IoU (Hungarian, scipy); *matched* = IoU ≥ 0.5.
- Counts are exact per category when the numbers of truth and encoded objects agree.
- Centre error (m) and yaw error modulo 90° (a box's yaw is defined modulo its symmetry) are
  taken over the matched objects; first_seen error (s) over all paired objects.
- Facing: for the truth objects with a front (``has_front``) paired at IoU ≥ 0.25, the heading
  error of the encoded box's +x axis against the truth's, over the full circle (0–180°).
- Room: relative error of the floor area.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from spatialcode.geometry.iou import box_iou_3d
from spatialcode.scene import SpatialCode


def yaw_error_deg(a: float, b: float) -> float:
    """|a - b| modulo 90°, in degrees (0–45)."""
    d = math.degrees(a - b) % 90.0
    return min(d, 90.0 - d)


def compare_codes(truth: SpatialCode, code: SpatialCode) -> dict[str, Any]:
    """Per-scene comparison of an encoded ``code`` with the ``truth`` (see the module docstring):
    per-object IoUs, counts per label, centre errors (m), yaw errors (degrees), first_seen errors
    (s) and the room area error (fraction)."""
    matches = []
    timed = any(o.first_seen is not None for o in truth.objects)
    visible = [o for o in truth.objects if o.first_seen is not None or not timed]
    labels = sorted({o.label for o in visible} | {o.label for o in code.objects})
    counts_exact = {}
    for label in labels:
        ts = [o for o in visible if o.label == label]
        es = [o for o in code.objects if o.label == label]
        counts_exact[label] = len(ts) == len(es)
        if not ts or not es:
            matches += [(t, None, 0.0) for t in ts]
            continue
        iou = np.array([[box_iou_3d(t.box, e.box) for e in es] for t in ts])
        rows, cols = linear_sum_assignment(-iou)
        paired = dict(zip(rows.tolist(), cols.tolist()))
        matches += [(t, es[paired[i]] if i in paired else None, iou[i, paired[i]] if i in paired else 0.0)
                    for i, t in enumerate(ts)]
    good = [(t, e, v) for t, e, v in matches if e is not None and v >= 0.5]
    first_seen = [abs(e.first_seen - t.first_seen) for t, e, _ in matches
                  if e is not None and t.first_seen is not None and e.first_seen is not None]
    truth_area = truth.room.floor_area() if truth.room else None
    area = code.room.floor_area() if code.room else None
    return {
        "scene": truth.source.scene_name,
        "objects": len(visible),
        "never_in_video": len(truth.objects) - len(visible),
        "encoded": len(code.objects),
        "matched": len(good),
        "ious": [float(v) for _, _, v in matches],
        "per_object": [[t.label, float(v)] for t, _, v in matches],
        "counts_exact": counts_exact,
        "centre_errors": [float(np.linalg.norm(np.subtract(t.box.center, e.box.center))) for t, e, _ in good],
        "yaw_errors": [yaw_error_deg(t.box.yaw, e.box.yaw) for t, e, _ in good],
        "first_seen_errors": first_seen,
        "facing_errors": [[t.label, heading_error_deg(t.box.yaw, e.box.yaw), e.facing_confidence]
                          for t, e, v in matches if e is not None and v >= 0.25 and t.has_front],
        "room_area": area,
        "truth_room_area": truth_area,
        "room_rel_error": abs(area - truth_area) / truth_area if area and truth_area else None,
    }


def heading_error_deg(a: float, b: float) -> float:
    """|a - b| on the circle, in degrees (0–180): how far apart two facings (yaws, radians) are."""
    d = math.degrees(a - b) % 360.0
    return min(d, 360.0 - d)


def summarise_comparisons(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Pooled figures over the :func:`compare_codes` rows of several scenes (shares 0–1, metres,
    degrees)."""
    ious = [v for r in rows for v in r["ious"]]
    counts = [ok for r in rows for ok in r["counts_exact"].values()]
    centre = [v for r in rows for v in r["centre_errors"]]
    yaw = [v for r in rows for v in r["yaw_errors"]]
    first = [v for r in rows for v in r["first_seen_errors"]]
    room = [r["room_rel_error"] for r in rows if r["room_rel_error"] is not None]
    weak = Counter(label for r in rows for label, v in r["per_object"] if v < 0.5)
    facing = [row[1] for r in rows for row in r.get("facing_errors", [])]
    return {
        "scenes": len(rows),
        "objects": len(ious),
        "never_in_video": sum(r.get("never_in_video", 0) for r in rows),
        "matched_iou50": sum(v >= 0.5 for v in ious) / max(len(ious), 1),
        "matched_iou25": sum(v >= 0.25 for v in ious) / max(len(ious), 1),
        "counts_exact": sum(counts) / max(len(counts), 1),
        "median_centre_error_m": float(np.median(centre)) if centre else None,
        "median_yaw_error_deg": float(np.median(yaw)) if yaw else None,
        "first_seen_within_0.5s": sum(v <= 0.5 for v in first) / max(len(first), 1),
        "median_facing_error_deg": float(np.median(facing)) if facing else None,
        "facing_within_45deg": sum(v <= 45 for v in facing) / len(facing) if facing else None,
        "facing_objects": len(facing),
        "median_room_rel_error": float(np.median(room)) if room else None,
        "rooms_found": len(room),
        "below_iou50_by_label": dict(weak.most_common()),
    }
