"""Training losses of the learned spatial encoder: predicted box slots are matched one-to-one to
the true boxes by the Hungarian algorithm (scipy), as DETR does; matched slots learn the class,
centre, size and yaw of their box, the others "no object"; the token head learns the category
each feature cell sees (the proposals the slots start from, as in two-stage Deformable DETR);
the depth head learns the metric depth where it is known."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class LossWeights:
    """Weights of the loss terms (and of the matching costs): ``classes`` (cross-entropy; the
    "no object" class weighted ``no_object``), ``centre`` (L1, m), ``size`` (L1 of log sizes),
    ``yaw`` (L1 of (cos, sin)), ``tokens`` (cross-entropy of the token head over the cells with
    a known category, "no object" weighted ``no_object``), ``depth`` (L1, m, over pixels with
    known depth)."""

    classes: float = 1.0
    no_object: float = 0.1
    centre: float = 2.0
    size: float = 1.0
    yaw: float = 0.5
    tokens: float = 1.0
    depth: float = 1.0


def match_boxes(logits: torch.Tensor, centres: torch.Tensor, log_sizes: torch.Tensor, labels: torch.Tensor,
                true_centres: torch.Tensor, true_log_sizes: torch.Tensor,
                weights: LossWeights = LossWeights()) -> tuple[np.ndarray, np.ndarray]:
    """The one-to-one assignment (slot indices, box indices) of one clip's predicted slots
    (``logits`` (Q, C + 1), ``centres`` (Q, 3), ``log_sizes`` (Q, 3)) to its true boxes
    (``labels`` (N,), ``true_centres`` (N, 3), ``true_log_sizes`` (N, 3)) minimising
    −p(label) + centre and size L1 costs."""
    from scipy.optimize import linear_sum_assignment

    if len(labels) == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    with torch.no_grad():
        probability = logits.softmax(-1)[:, labels]                                   # (Q, N)
        cost = (-weights.classes * probability + weights.centre * torch.cdist(centres, true_centres, p=1)
                + weights.size * torch.cdist(log_sizes, true_log_sizes, p=1))
    slots, boxes = linear_sum_assignment(cost.cpu().numpy())
    return slots, boxes


def spatial_encoder_loss(outputs: dict[str, torch.Tensor], targets: list[dict[str, torch.Tensor]],
                         true_depth: torch.Tensor | None = None,
                         weights: LossWeights = LossWeights()) -> tuple[torch.Tensor, dict[str, float]]:
    """The total loss of a batch and its terms: ``outputs`` of
    :class:`~spatialcode.encode.learned.SpatialEncoderNet`; ``targets`` per clip ``labels``
    (N,) int, ``centres`` (N, 3) m, ``sizes`` (N, 3) m, ``yaw`` (N,) radians and ``cells``
    (T·H/8·W/8,) the category of each feature cell (the number of categories for none, -1 for
    unknown); ``true_depth`` (B, T, H, W) m with 0 where unknown (``None``: no depth term)."""
    logits = outputs["logits"]
    batch, slots_n, classes_n = logits.shape
    no_object = classes_n - 1
    class_targets = torch.full((batch, slots_n), no_object, dtype=torch.long)
    centre_terms, size_terms, yaw_terms = [], [], []
    for i, target in enumerate(targets):
        true_log_sizes = target["sizes"].clamp(min=1e-3).log()
        slots, boxes = match_boxes(logits[i], outputs["centres"][i], outputs["log_sizes"][i], target["labels"],
                                   target["centres"], true_log_sizes, weights)
        if len(slots) == 0:
            continue
        slots, boxes = torch.as_tensor(slots), torch.as_tensor(boxes)
        class_targets[i, slots] = target["labels"][boxes]
        centre_terms.append((outputs["centres"][i, slots] - target["centres"][boxes]).abs().sum(-1))
        size_terms.append((outputs["log_sizes"][i, slots] - true_log_sizes[boxes]).abs().sum(-1))
        true_yaw = torch.stack([target["yaw"][boxes].cos(), target["yaw"][boxes].sin()], dim=-1)
        yaw_terms.append((outputs["yaw"][i, slots] - true_yaw).abs().sum(-1))
    class_weight = torch.ones(classes_n)
    class_weight[no_object] = weights.no_object
    terms = {"classes": nn.functional.cross_entropy(logits.reshape(-1, classes_n), class_targets.reshape(-1),
                                                    weight=class_weight)}
    zero = logits.sum() * 0.0
    terms["centre"] = torch.cat(centre_terms).mean() if centre_terms else zero
    terms["size"] = torch.cat(size_terms).mean() if size_terms else zero
    terms["yaw"] = torch.cat(yaw_terms).mean() if yaw_terms else zero
    cells = torch.stack([target["cells"] for target in targets])
    terms["tokens"] = (nn.functional.cross_entropy(outputs["token_logits"].reshape(-1, classes_n), cells.reshape(-1),
                                                   weight=class_weight, ignore_index=-1)
                       if (cells >= 0).any() else zero)
    if true_depth is not None:
        known = true_depth > 0
        terms["depth"] = (outputs["depth"] - true_depth).abs()[known].mean() if known.any() else zero
    total = sum(getattr(weights, name) * value for name, value in terms.items())
    return total, {name: float(value.detach()) for name, value in terms.items()}
