"""Small validators shared by the data model; each raises ValidationError naming the field."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from spatialcode.errors import ValidationError

#: Largest coordinate or length (m) a scene may hold: 10 km. Anything larger is a broken file
#: (1e308 m sides overflow the geometry), not a room.
MAX_METRES = 1e4


def _is_number(value: Any) -> bool:
    """Whether ``value`` is a real number (numpy's included; not a bool, not a numeric string)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def json_object(value: Any, field: str) -> Mapping[str, Any]:
    """Return ``value`` if it is a mapping (a JSON object), else raise naming ``field``."""
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"expected a JSON object, got {type(value).__name__}")
    return value


def json_list(value: Any, field: str) -> Sequence[Any]:
    """Return ``value`` if it is a list or tuple (a JSON array), else raise naming ``field``."""
    if not isinstance(value, (list, tuple)):
        raise ValidationError(field, f"expected a list, got {type(value).__name__}")
    return value


def finite_vector(values: Sequence[float], length: int, field: str, limit: float | None = None) -> tuple[float, ...]:
    """Return ``values`` as a tuple of ``length`` finite floats, each within ±``limit`` when
    given, or raise naming ``field``; strings and booleans are not numbers."""
    try:
        items = list(values)
    except TypeError:
        raise ValidationError(field, f"expected {length} numbers, got {values!r}") from None
    if not all(_is_number(v) for v in items):
        raise ValidationError(field, f"expected {length} numbers, got {items!r}"[:200])
    vector = tuple(float(v) for v in items)
    if len(vector) != length:
        raise ValidationError(field, f"expected {length} numbers, got {len(vector)}")
    if not all(math.isfinite(v) for v in vector):
        raise ValidationError(field, f"must be finite numbers, got {list(vector)}")
    if limit is not None and max(abs(v) for v in vector) > limit:
        raise ValidationError(field, f"must be within ±{limit:g}, got {list(vector)}")
    return vector


def optional_number(value: Any, field: str, *, minimum: float | None = None,
                    maximum: float | None = None, text: bool = False) -> float | None:
    """Return ``value`` as a finite float in [``minimum``, ``maximum``] (``None`` stays
    ``None``), or raise naming ``field``. Booleans are not numbers; nor are strings, unless
    ``text`` (settings typed as text, such as YAML's ``1e-4``, which it reads as a string)."""
    if value is None:
        return None
    if not (_is_number(value) or text and isinstance(value, str)):
        raise ValidationError(field, f"expected a number, got {value!r}"[:200])
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(field, f"expected a number, got {value!r}"[:200]) from None
    if not math.isfinite(number):
        raise ValidationError(field, f"must be finite, got {value!r}")
    if minimum is not None and number < minimum:
        raise ValidationError(field, f"must be >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ValidationError(field, f"must be <= {maximum:g}, got {number}")
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
