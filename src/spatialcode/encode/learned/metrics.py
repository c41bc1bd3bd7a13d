"""How well encoded boxes match the truth: 3D detection average precision per category (boxes
ranked by confidence, each matched to the best-overlapping unmatched true box of its category
at 3D IoU ≥ the threshold; VOC-style all-point interpolated precision–recall area), and the
absolute relative error of predicted depth."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from spatialcode.geometry.iou import box_iou_3d
from spatialcode.scene import SpatialCode


def detection_ap(predicted: Sequence[SpatialCode], truth: Sequence[SpatialCode], iou: float) -> dict[str, float]:
    """Average precision (0–1) per category of the true codes, over scenes paired in order
    (``predicted[i]`` encodes ``truth[i]``); an object without ``confidence`` ranks as 1. A
    category no true scene has is left out; a category with true boxes and no detections scores 0."""
    ranked: dict[str, list[tuple[float, int, object]]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for scene, (found, real) in enumerate(zip(predicted, truth, strict=True)):
        for obj in real.objects:
            totals[obj.label] += 1
        for obj in found.objects:
            ranked[obj.label].append((1.0 if obj.confidence is None else obj.confidence, scene, obj.box))
    scores = {}
    for label, total in totals.items():
        used: set[tuple[int, int]] = set()
        hits = []
        for _, scene, box in sorted(ranked[label], key=lambda item: -item[0]):
            candidates = [(box_iou_3d(box, obj.box), k) for k, obj in enumerate(truth[scene].objects)
                          if obj.label == label and (scene, k) not in used]
            best = max(candidates, default=(0.0, -1))
            hit = best[0] >= iou
            if hit:
                used.add((scene, best[1]))
            hits.append(hit)
        scores[label] = _area_under_precision_recall(np.array(hits, dtype=bool), total)
    return scores


def _area_under_precision_recall(hits: np.ndarray, total: int) -> float:
    """All-point interpolated AP of a ranked list of hits against ``total`` true boxes."""
    if total == 0 or hits.size == 0:
        return 0.0
    true_positives = np.cumsum(hits)
    recall = np.concatenate([[0.0], true_positives / total])
    precision = np.concatenate([[1.0], true_positives / np.arange(1, hits.size + 1)])
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # the precision envelope
    return float(np.sum((recall[1:] - recall[:-1]) * precision[1:]))


def depth_abs_rel(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Mean of |predicted − truth| / truth over the pixels where the true depth (m) is known (> 0)."""
    known = truth > 0
    if not known.any():
        return float("nan")
    return float(np.mean(np.abs(predicted[known] - truth[known]) / truth[known]))
