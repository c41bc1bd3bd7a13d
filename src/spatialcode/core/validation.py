"""Small validators shared by the data model and settings; each raises ValidationError naming the field."""

from __future__ import annotations

import dataclasses
import math
import numbers
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from spatialcode.core.errors import ValidationError

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


def positive_number(value: Any, field: str) -> float:
    """Return ``value`` as a finite float > 0, or raise :class:`ValidationError` naming ``field``."""
    number = optional_number(value, field)
    if number is None or number <= 0:
        raise ValidationError(field, f"must be a positive number, got {value!r}")
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
    if not _is_number(value) or not math.isfinite(value) or int(value) != value or value < minimum:
        raise ValidationError(field, f"must be a whole number >= {minimum}, got {value!r}")


def check_field_types(settings: Any) -> None:
    """Raise :class:`ValidationError` naming the field unless every field of the dataclass
    instance ``settings`` holds a value of its annotated kind: ``int`` (a whole number, not a
    bool), ``float`` (any real number), ``bool``, ``str``, ``X | None`` and ``tuple[X, ...]`` of
    those; fields of other types are left to the dataclass. Call it first in ``__post_init__``
    of settings read from files, so that a string where a number goes gets one clear error."""
    hints = typing.get_type_hints(type(settings))
    for spec in dataclasses.fields(settings):
        if not _of_kind(getattr(settings, spec.name), hints[spec.name]):
            raise ValidationError(spec.name, f"expected {_kind_name(hints[spec.name])}, got "
                                             f"{getattr(settings, spec.name)!r}"[:200])


_SIMPLE_KINDS: dict[Any, Callable[[Any], bool]] = {
    int: lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool),
    float: _is_number,
    bool: lambda v: isinstance(v, bool),
    str: lambda v: isinstance(v, str),
}


def _of_kind(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits the type ``hint`` (unknown kinds always fit)."""
    if hint in _SIMPLE_KINDS:
        return _SIMPLE_KINDS[hint](value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_of_kind(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is tuple and args:
        if not isinstance(value, (tuple, list)):
            return False
        kinds = [args[0]] * len(value) if len(args) == 2 and args[1] is Ellipsis else list(args)
        return len(kinds) == len(value) and all(_of_kind(v, k) for v, k in zip(value, kinds))
    return True


def _kind_name(hint: Any) -> str:
    """How a type ``hint`` reads in an error (``a whole number``, ``a number or None``…)."""
    names = {int: "a whole number", float: "a number", bool: "true or false", str: "a string", type(None): "null"}
    if hint in names:
        return names[hint]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_kind_name(arg) for arg in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        return "a list of " + ", ".join(_kind_name(a) for a in typing.get_args(hint))
    return str(hint)
