"""Training losses of the learned spatial encoder: predicted box slots are matched one-to-one to
the true boxes by the Hungarian algorithm (scipy), as DETR does; matched slots learn the class,
centre, size, heading and whether it has a front, the others "no object"; the token head learns
the category each feature cell sees (the proposals the slots start from, as in two-stage
Deformable DETR); the depth head learns the metric depth where it is known.

The heading (:mod:`spatialcode.encode.learned.heading`) is learned as VoteNet learns it: the
cross-entropy of the bin classes and the smooth-L1 of the normalised residual in the true bin.
For an object without a front the true yaw is one of several equal ones (half a turn apart for
an oblong footprint, a quarter turn for a square one: :func:`~spatialcode.encode.learned.heading.symmetry_turns`),
and which one the truth's box holds is arbitrary, so the bin term is the cross-entropy of the
set of equivalent bins (−log of the probability on any of them) and the residual is learned in
the one of them the network finds most likely (the one inference decodes): a prediction off by
one of those turns costs nothing. Masking the heading of such objects instead would leave their
box orientation — still needed for their box's IoU and footprint — unlearned; the equivalent
bins share the residual (``heading_bins`` is a multiple of 4), so the set costs one term.
Whether the object has a front is a binary cross-entropy against the truth's ``has_front``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from spatialcode.encode.learned.heading import encode_heading, equivalent_bins, symmetry_turns


@dataclass(frozen=True)
class LossWeights:
    """Weights of the loss terms (and of the matching costs): ``classes`` (cross-entropy; the
    "no object" class weighted ``no_object``), ``centre`` (L1, m), ``size`` (L1 of log sizes),
    ``heading`` (cross-entropy of the heading bins), ``residual`` (smooth L1 of the normalised
    heading residual; 1 as in VoteNet), ``front`` (binary cross-entropy of has_front),
    ``tokens`` (cross-entropy of the token head over the cells with a known category, "no
    object" weighted ``no_object``), ``depth`` (L1, m, over pixels with known depth)."""

    classes: float = 1.0
    no_object: float = 0.1
    centre: float = 2.0
    size: float = 1.0
    heading: float = 0.5
    residual: float = 1.0
    front: float = 0.5
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


def heading_loss(logits: torch.Tensor, residuals: torch.Tensor, yaw: torch.Tensor,
                 turns: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The bin and residual loss (each (N,)) of heading ``logits`` and normalised ``residuals``
    (N, K) against true headings ``yaw`` (N,) rad, each one of ``turns`` (N,) equivalent ones
    (1 for an object with a front; see the module docstring)."""
    bins = logits.shape[-1]
    index, residual = encode_heading(yaw, bins)
    allowed = equivalent_bins(index, turns, bins)
    on_allowed = logits.masked_fill(~allowed, float("-inf"))
    bin_terms = logits.logsumexp(-1) - on_allowed.logsumexp(-1)
    chosen = on_allowed.detach().argmax(-1)
    predicted = residuals.gather(-1, chosen[:, None])[:, 0]
    return bin_terms, nn.functional.smooth_l1_loss(predicted, residual, reduction="none")


def spatial_encoder_loss(outputs: dict[str, torch.Tensor], targets: list[dict[str, torch.Tensor]],
                         true_depth: torch.Tensor | None = None,
                         weights: LossWeights = LossWeights()) -> tuple[torch.Tensor, dict[str, float]]:
    """The total loss of a batch and its terms: ``outputs`` of
    :class:`~spatialcode.encode.learned.SpatialEncoderNet`; ``targets`` per clip ``labels``
    (N,) int, ``centres`` (N, 3) m, ``sizes`` (N, 3) m, ``yaw`` (N,) radians (the heading of
    the box's +x axis), ``has_front`` (N,) bool and ``cells``
    (T·H/8·W/8,) the category of each feature cell (the number of categories for none, -1 for
    unknown); ``true_depth`` (B, T, H, W) m with 0 where unknown (``None``: no depth term)."""
    logits = outputs["logits"]
    batch, slots_n, classes_n = logits.shape
    no_object = classes_n - 1
    class_targets = torch.full((batch, slots_n), no_object, dtype=torch.long)
    matched: dict[str, list[torch.Tensor]] = {name: [] for name in ("centre", "size", "heading", "residual", "front")}
    for i, target in enumerate(targets):
        true_log_sizes = target["sizes"].clamp(min=1e-3).log()
        slots, boxes = match_boxes(logits[i], outputs["centres"][i], outputs["log_sizes"][i], target["labels"],
                                   target["centres"], true_log_sizes, weights)
        if len(slots) == 0:
            continue
        slots, boxes = torch.as_tensor(slots), torch.as_tensor(boxes)
        class_targets[i, slots] = target["labels"][boxes]
        matched["centre"].append((outputs["centres"][i, slots] - target["centres"][boxes]).abs().sum(-1))
        matched["size"].append((outputs["log_sizes"][i, slots] - true_log_sizes[boxes]).abs().sum(-1))
        fronted = target["has_front"][boxes]
        bin_terms, residual_terms = heading_loss(outputs["heading_logits"][i, slots],
                                                 outputs["heading_residuals"][i, slots], target["yaw"][boxes],
                                                 symmetry_turns(fronted, target["sizes"][boxes]))
        matched["heading"].append(bin_terms)
        matched["residual"].append(residual_terms)
        matched["front"].append(nn.functional.binary_cross_entropy_with_logits(
            outputs["front_logits"][i, slots], fronted.float(), reduction="none"))
    class_weight = torch.ones(classes_n)
    class_weight[no_object] = weights.no_object
    terms = {"classes": nn.functional.cross_entropy(logits.reshape(-1, classes_n), class_targets.reshape(-1),
                                                    weight=class_weight)}
    zero = logits.sum() * 0.0
    terms |= {name: torch.cat(values).mean() if values else zero for name, values in matched.items()}
    cells = torch.stack([target["cells"] for target in targets])
    terms["tokens"] = (nn.functional.cross_entropy(outputs["token_logits"].reshape(-1, classes_n), cells.reshape(-1),
                                                   weight=class_weight, ignore_index=-1)
                       if (cells >= 0).any() else zero)
    if true_depth is not None:
        known = true_depth > 0
        terms["depth"] = (outputs["depth"] - true_depth).abs()[known].mean() if known.any() else zero
    total = sum(getattr(weights, name) * value for name, value in terms.items())
    return total, {name: float(value.detach()) for name, value in terms.items()}
