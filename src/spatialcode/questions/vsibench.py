"""Parse VSI-Bench question wording (all 10 templates) into typed queries.

One more template belongs to the project's extension task ``object_perspective_direction``
(not VSI-Bench): "From the {anchor}'s point of view (facing where it faces), is the {target} to
its left or right?" and its quadrant form "... to its front-left, front-right, back-left, or
back-right?".

``parse_question(text, options, question_type)`` never raises on unknown wording: it returns an
:class:`UnrecognisedQuery`. A ``question_type`` hint, when given, must agree with the template the
text matches. Besides the exact VSI-Bench wording, light variants are accepted (plural nouns
instead of ``(s)``, "farthest" for relative distance, other units for sizes and distances).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from spatialcode import tasks
from spatialcode.questions.query import (
    AbsDistanceQuery,
    AppearanceOrderQuery,
    CountQuery,
    ObjectSizeQuery,
    Option,
    PerspectiveDirectionQuery,
    Query,
    RelDirectionQuery,
    RelDistanceQuery,
    RoomSizeQuery,
    RoutePlanQuery,
    RouteStep,
    UnrecognisedQuery,
)

_OPTION = re.compile(r"^\s*\(?([A-Za-z])[.):]\s*(.*)$", re.S)
_UNITS = {
    "meters": "m", "meter": "m", "metres": "m", "metre": "m", "m": "m",
    "centimeters": "cm", "centimeter": "cm", "centimetres": "cm", "centimetre": "cm", "cm": "cm",
    "millimeters": "mm", "millimeter": "mm", "mm": "mm",
    "feet": "ft", "foot": "ft", "inches": "in", "inch": "in",
}
_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))


def normalise_phrase(text: str) -> str:
    """Lower-case, single-space, strip surrounding punctuation/quotes and a leading article."""
    text = " ".join(text.lower().split()).strip(" .,;:!?'\"")
    return re.sub(r"^(the|a|an)\s+", "", text)


def parse_options(options: Sequence[str] | None) -> tuple[Option, ...]:
    """Parse ``["A. left", "B. right"]`` (also ``"(A) left"``, ``"A) left"`` or bare texts,
    lettered in order) into :class:`Option` values."""
    if not options:
        return ()
    parsed = []
    for i, raw in enumerate(options):
        match = _OPTION.match(str(raw))
        if match:
            parsed.append(Option(match.group(1).upper(), match.group(2).strip()))
        else:
            parsed.append(Option(chr(ord("A") + i), str(raw).strip()))
    return tuple(parsed)


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(normalise_phrase(part) for part in re.split(r",\s*|\s+and\s+", text) if part.strip())


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I | re.S)


_COUNT = _compile(r"^how many (?P<c>.+?)(?:\(s\)|(?<=s)) (?:are|is) (?:there )?in (?:this|the) (?:room|scene|space)\??$")
_ABS = _compile(
    r"^(?:measuring from the closest point of each object, )?what is the (?:closest |minimum )?distance between"
    rf" the (?>(?P<a>.+?) and the )(?P<b>.+?) \((?:in )?(?P<unit>{_UNIT_WORDS})\)\??$"
)
_SIZE = _compile(
    r"^what is the length of the longest dimension \(length, width, or height\) of the (?P<c>.+?),"
    rf" measured in (?P<unit>{_UNIT_WORDS})\??$"
)
_ROOM = _compile(r"^what is the size of this room \(in square meters\)\?(?:\s*if multiple rooms are shown, estimate the size of the combined space\.)?$")
_REL_DIST = _compile(
    r"^(?:measuring from the closest point of each object, )?which of these objects \((?P<list>[^)]*)\)"
    r" is (?:the )?(?P<rel>closest|nearest|farthest|furthest) (?:to|from) the (?P<t>.+?)\??$"
)
_STANDING = r"^if i am standing by the (?>(?P<s>.+?) and facing the )(?>(?P<f>.+?), is the )(?P<q>.+?) to "
_REL_DIR_HARD = _compile(_STANDING + r"my front-left, front-right, back-left, or back-right\?(?:\s*the directions refer to .*)?$")
_REL_DIR_MEDIUM = _compile(
    _STANDING + r"my left, right, or back\?(?:\s*an object is to my back if i would have to turn at least"
    r" (?P<deg>\d+(?:\.\d+)?) degrees in order to face it\.?)?$"
)
_REL_DIR_EASY = _compile(_STANDING + r"the left or the right of the (?P<r>.+?)\?$")
_APPEARANCE = _compile(r"^what will be the first-time appearance order of the following categories in the video: (?P<list>.+?)\??$")
_ROUTE = _compile(
    r"^you are a robot beginning (?:at|by|near|next to) the (?>(?P<start>.+?),? (?:and )?"
    r"(?:facing (?:the |towards the )?|with your back to the ))(?>(?P<face>.+?)\."
    r" you want to navigate to the )(?>(?P<goal>.+?)\. you will perform the following actions)"
    r"(?: \(note:.*?\))?:\s*(?P<steps>1\..*?)\s*(?:you have reached the final destination\.?)?$"
)
_PERSPECTIVE = _compile(
    r"^from the (?>(?P<a>.+?)['’]s? (?:point of view|perspective)(?: \((?:facing|looking) where it (?:faces|looks)\))?,"
    r" is the )(?P<t>.+?) to (?:its|the) (?P<kind>left or (?:to its )?right|front-left, front-right, back-left,? or back-right)\??$"
)
_ROUTE_STEP_SPLIT = re.compile(r"(?:^|\s)\d+\.\s+")
_FORWARD = _compile(r"^go (?:forward|straight|ahead)(?: until| to| towards)? (?:you reach )?(?:the )?(?P<x>.+?)\.?$")


def _count(m: re.Match[str], _: tuple[Option, ...]) -> Query:
    return CountQuery(normalise_phrase(m["c"]))


def _abs(m: re.Match[str], _: tuple[Option, ...]) -> Query:
    return AbsDistanceQuery(normalise_phrase(m["a"]), normalise_phrase(m["b"]), _UNITS[m["unit"].lower()])


def _size(m: re.Match[str], _: tuple[Option, ...]) -> Query:
    return ObjectSizeQuery(normalise_phrase(m["c"]), _UNITS[m["unit"].lower()])


def _room(m: re.Match[str], _: tuple[Option, ...]) -> Query:
    return RoomSizeQuery()


def _rel_dist(m: re.Match[str], options: tuple[Option, ...]) -> Query:
    return RelDistanceQuery(
        target=normalise_phrase(m["t"]),
        candidates=_split_list(m["list"]),
        farthest=m["rel"].lower() in ("farthest", "furthest"),
        options=options,
    )


def _rel_dir(level: str, task: str) -> Callable[[re.Match[str], tuple[Option, ...]], Query]:
    def build(m: re.Match[str], options: tuple[Option, ...]) -> Query:
        degrees = m.groupdict().get("deg")
        return RelDirectionQuery(
            standing=normalise_phrase(m["s"]),
            facing=normalise_phrase(m["f"]),
            querying=normalise_phrase(m["q"]),
            level=level,  # type: ignore[arg-type]
            back_threshold_deg=float(degrees) if degrees else 135.0,
            options=options,
            task=task,
        )

    return build


def _appearance(m: re.Match[str], options: tuple[Option, ...]) -> Query:
    return AppearanceOrderQuery(_split_list(m["list"]), options=options)


def _perspective(m: re.Match[str], options: tuple[Option, ...]) -> Query:
    return PerspectiveDirectionQuery(
        anchor=normalise_phrase(m["a"]),
        target=normalise_phrase(m["t"]),
        level="quadrant" if "front-left" in m["kind"].lower() else "left-right",
        options=options,
    )


def _route(m: re.Match[str], options: tuple[Option, ...]) -> Query:
    steps = []
    for raw in _ROUTE_STEP_SPLIT.split(m["steps"]):
        raw = raw.strip()
        if not raw:
            continue
        if "please fill in" in raw.lower():
            steps.append(RouteStep("turn"))
            continue
        forward = _FORWARD.match(raw)
        if forward is None:
            return UnrecognisedQuery(m.string, f"unrecognised route step {raw!r}", tasks.ROUTE_PLANNING, options)
        steps.append(RouteStep("forward", normalise_phrase(forward["x"])))
    return RoutePlanQuery(
        start=normalise_phrase(m["start"]),
        facing=normalise_phrase(m["face"]),
        facing_away="with your back to" in m.group(0).lower(),
        goal=normalise_phrase(m["goal"]),
        steps=tuple(steps),
        options=options,
    )


_TEMPLATES: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str], tuple[Option, ...]], Query]], ...] = (
    (tasks.COUNTING, _COUNT, _count),
    (tasks.ABS_DISTANCE, _ABS, _abs),
    (tasks.OBJECT_SIZE, _SIZE, _size),
    (tasks.ROOM_SIZE, _ROOM, _room),
    (tasks.REL_DISTANCE, _REL_DIST, _rel_dist),
    (tasks.REL_DIRECTION_HARD, _REL_DIR_HARD, _rel_dir("hard", tasks.REL_DIRECTION_HARD)),
    (tasks.REL_DIRECTION_MEDIUM, _REL_DIR_MEDIUM, _rel_dir("medium", tasks.REL_DIRECTION_MEDIUM)),
    (tasks.REL_DIRECTION_EASY, _REL_DIR_EASY, _rel_dir("easy", tasks.REL_DIRECTION_EASY)),
    (tasks.APPEARANCE_ORDER, _APPEARANCE, _appearance),
    (tasks.ROUTE_PLANNING, _ROUTE, _route),
    (tasks.PERSPECTIVE_DIRECTION, _PERSPECTIVE, _perspective),
)


def parse_question(
    text: str, options: Sequence[str] | None = None, question_type: str | None = None
) -> Query:
    """Parse a VSI-Bench question into a typed query.

    ``options`` are the multiple-choice options as written (``"A. left"``); ``question_type``
    (optional) is the VSI-Bench task name, checked against the matched template. Returns an
    :class:`UnrecognisedQuery` (never raises) when no template matches.
    """
    parsed_options = parse_options(options)
    clean = " ".join(str(text).split())
    for task, pattern, build in _TEMPLATES:
        match = pattern.match(clean)
        if match is None:
            continue
        if question_type is not None and question_type != task:
            return UnrecognisedQuery(
                clean, f"unrecognised question: wording is a {task} question, not {question_type}", question_type, parsed_options
            )
        query = build(match, parsed_options)
        if tasks.is_multiple_choice(task) and not parsed_options and not isinstance(query, UnrecognisedQuery):
            return UnrecognisedQuery(clean, f"unrecognised question: {task} needs its options", task, parsed_options)
        return query
    return UnrecognisedQuery(clean, "unrecognised question", question_type, parsed_options)
