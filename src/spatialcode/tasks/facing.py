"""Which objects have a front, and how an encoder finds it: one table for the whole project.

An object's front is its box's local +x axis (``DESIGN.md``): where a chair's seat, a sofa's
seat, a tv's screen, a cabinet's doors face. Tables, bins, plants, lamps and the like have no
front. The synthetic world builds every object with its front on +x, the question generator asks
perspective questions only about objects with a front, and the geometric encoder turns a fitted
box (whose yaw is only known modulo 90°) until its +x axis is the front, by the rule of the
object's category:

- ``tall_back`` — the back is the tall part: a chair's or a sofa's back rest, a bed's headboard,
  a toilet's tank. The front is opposite the side where the highest
  points of the object's cloud lie.
- ``screen`` — a flat face that is looked at (tv, monitor, whiteboard): the front is along the
  thin horizontal side, away from the wall behind it, else towards where the camera saw it from.
- ``wall_back`` — furniture that stands with its back to a wall (cabinets, shelves, appliances,
  counters, desks, doors into the room): the front faces away from the nearest wall, else
  towards where the camera saw it from.

It sits at the bottom of the house with the vocabulary: it imports nothing of the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from spatialcode.tasks.vocabulary import normal_name

TALL_BACK = "tall_back"
SCREEN = "screen"
WALL_BACK = "wall_back"
RULES: tuple[str, ...] = (TALL_BACK, SCREEN, WALL_BACK)

#: The names (lower case; a label matches a name when it equals it or ends with it as its last
#: word(s): "office chair" → "chair") of the objects that have a front, by facing rule.
FRONT_RULES: Mapping[str, str] = MappingProxyType({
    **dict.fromkeys(("chair", "armchair", "sofa", "couch", "loveseat", "bed", "toilet", "bench"), TALL_BACK),
    **dict.fromkeys(("tv", "television", "monitor", "computer monitor", "whiteboard", "white board"), SCREEN),
    **dict.fromkeys((
        "refrigerator", "fridge", "stove", "oven", "microwave", "cabinet", "kitchen cabinet", "desk", "dresser",
        "wardrobe", "closet", "bookshelf", "bookcase", "washing machine", "washer", "dryer", "dishwasher",
        "fireplace", "piano", "nightstand", "sink", "tv stand", "printer", "counter", "door",
    ), WALL_BACK),
})


def facing_rule(label: str) -> str | None:
    """The facing rule (one of :data:`RULES`) of the object ``label`` names, or ``None`` when it
    has no front; case, underscores and spacing do not matter, and a label ending with a listed
    name takes its rule ("office chair" → ``tall_back``)."""
    words = normal_name(label).split()
    for k in range(len(words)):
        rule = FRONT_RULES.get(" ".join(words[k:]))
        if rule is not None:
            return rule
    return None


def has_front(label: str) -> bool:
    """Whether objects called ``label`` have a front (see :func:`facing_rule`)."""
    return facing_rule(label) is not None
