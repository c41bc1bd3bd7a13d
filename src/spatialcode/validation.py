"""Small validators shared by the data model; each raises ValidationError naming the field."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from spatialcode.errors import ValidationError


def finite_vector(values: Sequence[float], length: int, field: str) -> tuple[float, ...]:
    """Return ``values`` as a tuple of ``length`` finite floats, or raise naming ``field``."""
    try:
        vector = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise ValidationError(field, f"expected {length} numbers, got {values!r}") from None
    if len(vector) != length:
        raise ValidationError(field, f"expected {length} numbers, got {len(vector)}")
    if not all(math.isfinite(v) for v in vector):
        raise ValidationError(field, f"must be finite numbers, got {list(vector)}")
    return vector


def optional_number(value: Any, field: str, *, minimum: float | None = None) -> float | None:
    """Return ``value`` as a finite float (``None`` stays ``None``), or raise naming ``field``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError(field, f"expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValidationError(field, f"must be finite, got {value!r}")
    if minimum is not None and number < minimum:
        raise ValidationError(field, f"must be >= {minimum}, got {number}")
    return number


def optional_count(value: Any, field: str) -> int | None:
    """Return ``value`` if it is ``None`` or a non-negative int, else raise naming ``field``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, f"expected a non-negative integer, got {value!r}")
    return value


def check_whole_number(value: Any, field: str, minimum: int = 1, optional: bool = False) -> None:
    """Raise naming ``field`` unless ``value`` is a whole number (not a bool) ≥ ``minimum``, or
    ``None`` when ``optional``."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < minimum:
        raise ValidationError(field, f"must be a whole number >= {minimum}, got {value!r}")
