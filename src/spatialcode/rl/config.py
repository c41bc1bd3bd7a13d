"""Settings of the spatial rubric reward: a weight per item, the tolerances of the checks, and
whether rubric credit needs a correct answer. Plain fields, so a YAML mapping loads with
:func:`spatialcode.core.config.build_config` (the ``reward`` group of a training run's settings)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from spatialcode.core.errors import ValidationError

#: The reward's items: format and accuracy, then the rubric items.
ITEMS = ("format", "accuracy", "grounding", "perspective", "quantities", "consistency")
RUBRIC_ITEMS = ITEMS[2:]


@dataclass(frozen=True)
class RewardConfig:
    """Weights (≥ 0, not all 0) of the items, combined as a weighted mean over the items that
    apply to a row (an item that does not apply drops out and the others are renormalised).

    Tolerances: ``length_tolerance_m`` (m) or ``relative_tolerance`` (fraction of the true
    value), whichever is larger, for lengths and coordinates (areas: the relative one only);
    ``angle_tolerance_deg`` (degrees) for angles; ``consistency_tolerance`` (fraction) between
    the reasoning's last number and a numeric answer. ``gate_rubric_on_correct``: rubric items
    are multiplied by the accuracy (multiple choice: credit only for the right option; numbers:
    scaled by the mean relative accuracy).
    """

    format_weight: float = 0.1
    accuracy_weight: float = 0.5
    grounding_weight: float = 0.1
    perspective_weight: float = 0.1
    quantities_weight: float = 0.1
    consistency_weight: float = 0.1
    length_tolerance_m: float = 0.05
    relative_tolerance: float = 0.05
    angle_tolerance_deg: float = 5.0
    consistency_tolerance: float = 0.01
    gate_rubric_on_correct: bool = False

    def __post_init__(self) -> None:
        limits = {f"{item}_weight": (0.0, math.inf) for item in ITEMS}
        limits.update(length_tolerance_m=(0.0, math.inf), relative_tolerance=(0.0, 1.0), angle_tolerance_deg=(0.0, 180.0),
                      consistency_tolerance=(0.0, 1.0))
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or not low <= value <= high:
                wanted = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]"
                raise ValidationError(name, f"expected a finite number {wanted}, got {value!r}")
            object.__setattr__(self, name, float(value))
        if sum(self.weights.values()) <= 0:
            raise ValidationError("weights", "at least one weight must be > 0")
        if not isinstance(self.gate_rubric_on_correct, bool):
            raise ValidationError("gate_rubric_on_correct", f"expected true or false, got {self.gate_rubric_on_correct!r}")

    @property
    def weights(self) -> dict[str, float]:
        """Item → weight."""
        return {item: getattr(self, f"{item}_weight") for item in ITEMS}
