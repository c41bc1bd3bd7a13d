"""The solver's geometry as tools a language model can call: ``distance(a, b)``,
``direction(standing, facing, target)``, ``nearest(target, candidates)``, ``size(x)``,
``count(label)``, ``area()``, ``first_seen(x)`` and ``objects()``.

An object is named either as one instance (``"sofa_1"``, the names the prompt's serialisations
use) or as a category (``"sofa"``, any of its instances: distances take the closest pair, the
others the first-seen instance, as the solver does). Results are plain numbers, strings and dicts
(metres, square metres, degrees, seconds). A name that matches nothing raises :class:`ToolError`,
whose message is what the model is shown.

Over an imperfect code (a real encoder's: no room, missed objects) the tools estimate where the
solver does (:mod:`spatialcode.reason.estimates`): ``area()`` without a room is the hull of the
objects' footprints; ``size(x)`` of a category the code has no box for is the category's typical
longest side; ``distance(a, b)`` with one (or both) of them without a box is the typical distance
to the code's other objects; ``nearest`` picks among the candidates that have boxes. A name that
is neither an object of the code nor a category the estimate knows still raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spatialcode.core.errors import one_line
from spatialcode.questions.labels import CodeLabels
from spatialcode.reason.directions import bearing_deg, left_or_right, left_right_or_back, quadrant
from spatialcode.reason.estimates import estimated_floor_area, instance_distance, typical_distance, typical_size
from spatialcode.reason.serialise import object_names
from spatialcode.scene import SpatialCode, SpatialObject

#: The tools, as the prompt describes them.
TOOL_SIGNATURES = {
    "distance": "distance(a, b) -> metres between the closest points of the two objects' boxes",
    "direction": "direction(standing, facing, target) -> {'bearing_deg', 'side', 'side_or_back', 'quadrant'} "
                 "of target for an observer at standing facing facing (bearing counter-clockwise from forward)",
    "nearest": "nearest(target, candidates) -> the one of the candidates (a list of names) closest to target",
    "size": "size(x) -> the longest side of x's box, metres",
    "count": "count(label) -> how many instances of label the scene has",
    "area": "area() -> the room's floor area, square metres (None when unknown)",
    "first_seen": "first_seen(x) -> seconds into the video when x first appears (None when unknown)",
    "objects": "objects() -> the names of all objects, in first-appearance order",
}


#: Longest object name a tool accepts (characters), most names in a list argument, most arguments.
MAX_NAME_CHARS, MAX_NAMES, MAX_ARGUMENTS = 200, 64, 4


class ToolError(Exception):
    """A tool call that cannot be answered (the message says why)."""


class SpatialTools:
    """The tools over one code (see the module docstring); :meth:`functions` maps their names
    to the callables."""

    def __init__(self, code: SpatialCode) -> None:
        self.code = code
        self.names = dict(zip(object_names(code.objects), code.objects))
        self._labels = CodeLabels(code)

    def functions(self) -> dict[str, Callable[..., Any]]:
        """Tool name → callable."""
        return {name: getattr(self, name) for name in TOOL_SIGNATURES}

    def boxes(self, ref: str) -> list[SpatialObject]:
        """The objects ``ref`` names: one instance by its name, or every instance of a category;
        empty when the code has none."""
        key = "_".join(str(ref).lower().split())
        if key in self.names:
            return [self.names[key]]
        return self._labels.objects(str(ref))

    def instances(self, ref: str) -> list[SpatialObject]:
        """:meth:`boxes`, raising :class:`ToolError` when there are none."""
        found = self.boxes(ref)
        if not found:
            raise ToolError(f"no object {ref!r} in the scene")
        return found

    def distance(self, a: str, b: str) -> float:
        """Closest-point distance (m) between ``a`` and ``b`` (the closest pair of instances);
        estimated when the code has no box for one or both of them (see the module docstring)."""
        first, second = self.boxes(a), self.boxes(b)
        if not first or not second:
            estimate = typical_distance(self.code, first or second)
            if estimate is None:
                raise ToolError(f"no object {a if not first else b!r} in the scene, and too few objects to estimate")
            return round(estimate[0], 3)
        best = instance_distance(first, second)
        if best is None:
            raise ToolError(f"{a!r} and {b!r} are the same object")
        return round(best[0], 3)

    def direction(self, standing: str, facing: str, target: str) -> dict[str, Any]:
        """Where ``target`` is for an observer at ``standing``'s centre facing ``facing``'s
        centre (floor plane; first-seen instances)."""
        observer, ahead, there = (self.instances(ref)[0].box.center_array for ref in (standing, facing, target))
        try:
            bearing = bearing_deg(observer, ahead, there)
        except ValueError:
            raise ToolError("the objects coincide in the floor plane") from None
        return {"bearing_deg": round(bearing, 1), "side": left_or_right(bearing),
                "side_or_back": left_right_or_back(bearing), "quadrant": quadrant(bearing)}

    def nearest(self, target: str, candidates: list[str]) -> str:
        """The candidate whose boxes come closest to ``target``'s (closest points; the first
        listed on a tie)."""
        if isinstance(candidates, str) or not isinstance(candidates, (list, tuple)) or not candidates:
            raise ToolError("nearest(target, candidates) wants a list of object names as candidates")
        targets = self.instances(target)
        boxed = [(candidate, found) for candidate in candidates if (found := self.boxes(candidate))]
        measured = [(candidate, pair[0]) for candidate, found in boxed if (pair := instance_distance(targets, found))]
        if not measured:
            raise ToolError(f"no candidate of {candidates!r} in the scene"[:300])
        return min(measured, key=lambda item: item[1])[0]

    def size(self, x: str) -> float:
        """Longest side (m) of ``x``'s box (first-seen instance); the category's typical longest
        side when the code has no box for ``x``."""
        found = self.boxes(x)
        if found:
            return round(found[0].box.longest_side, 3)
        typical = typical_size(str(x))
        if typical is None:
            raise ToolError(f"no object {x!r} in the scene")
        return round(typical[0], 3)

    def count(self, label: str) -> int:
        """Instances of ``label`` (the source's declared count when it has one)."""
        resolved = self._labels.label(str(label))
        return 0 if resolved is None else self.code.count(resolved)

    def area(self) -> float | None:
        """The room's floor area (m²); without a room, the hull of the objects' footprints; else ``None``."""
        value = self.code.room.floor_area() if self.code.room is not None else None
        value = estimated_floor_area(self.code) if value is None else value
        return None if value is None else round(value, 2)

    def first_seen(self, x: str) -> float | None:
        """The earliest ``first_seen`` (s) among ``x``'s instances, or ``None``."""
        times = [o.first_seen for o in self.instances(x) if o.first_seen is not None]
        return min(times) if times else None

    def objects(self) -> list[str]:
        """All object names, in first-appearance order."""
        return list(self.names)


def checked_call(tools: SpatialTools, name: Any, args: Any, kwargs: Any) -> dict[str, Any]:
    """Call the tool ``name`` on untrusted arguments: ``{"result": ...}`` (a JSON value) or
    ``{"error": "..."}`` (one line). Only the tools of :data:`TOOL_SIGNATURES`, with at most
    :data:`MAX_ARGUMENTS` arguments, each an object name (a string of at most
    :data:`MAX_NAME_CHARS` characters) or a list of at most :data:`MAX_NAMES` of them."""
    if not isinstance(name, str) or name not in TOOL_SIGNATURES:
        return {"error": f"no tool {str(name)[:40]!r}; the tools are {', '.join(TOOL_SIGNATURES)}"}
    if not isinstance(args, list) or not isinstance(kwargs, dict) or len(args) + len(kwargs) > MAX_ARGUMENTS:
        return {"error": f"{name}(): too many arguments"}
    if not all(_is_name_or_names(value) for value in [*args, *kwargs.values()]):
        return {"error": f"{name}() takes object names (strings) or lists of them"}
    try:
        return {"result": tools.functions()[name](*args, **kwargs)}
    except ToolError as err:
        return {"error": one_line(str(err), 300)}
    except TypeError:  # wrong number or names of arguments (the message would count ``self``)
        return {"error": f"wrong arguments: call it as {TOOL_SIGNATURES[name].split(' -> ')[0]}"}


def _is_name_or_names(value: Any) -> bool:
    """Whether ``value`` is a short string or a short list of short strings."""
    if isinstance(value, str):
        return len(value) <= MAX_NAME_CHARS
    return isinstance(value, list) and len(value) <= MAX_NAMES and all(
        isinstance(v, str) and len(v) <= MAX_NAME_CHARS for v in value)
