"""Prompts that ask a language model a spatial question about a spatial code.

A prompt is a system message — the task and the conventions the code follows (metres, z up, yaw
counter-clockwise from +x, an object's front along its box's +x axis, size = longest side,
distance = closest points of the boxes) — and a user message: the room's floor area and declared
instance counts when the code has them, the objects in the chosen serialisation
(:mod:`spatialcode.reason.serialise`), the question with its options, and the answer format:
reasoning inside ``<think>…</think>`` and the final answer alone inside ``<answer>…</answer>``
(an option letter, or a number in the unit the question asks for).

``objects="question"`` lists only the objects whose labels the question or its options name
(all objects when it names none): on a CPU the prompt's length dominates the time per question.
With every object listed (the default), :func:`scene_prompt` is the beginning all the prompts
about a scene share, which a model can read before the question is asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from spatialcode import tasks
from spatialcode.core.errors import ValidationError
from spatialcode.questions.labels import CodeLabels
from spatialcode.questions.query import AbsDistanceQuery, ObjectSizeQuery, RoomSizeQuery
from spatialcode.questions.vsibench import parse_options, parse_question
from spatialcode.reason.estimates import estimated_floor_area, typical_distance, typical_size
from spatialcode.reason.serialise import LAYOUTS, SERIALISATIONS, number, serialise_objects
from spatialcode.scene import SpatialCode, SpatialObject

OBJECT_SCOPES = ("all", "question")

SYSTEM = (
    "You answer questions about an indoor scene from its spatial code: every object seen in a video of the "
    "scene, with its label and 3D box.\n"
    "Conventions: coordinates are in metres; z points up; yaw is the rotation about z, counter-clockwise from "
    "+x; an object's front is the +x axis of its box. The size of an object is the longest side of its box. "
    "The distance between two objects is the distance between the closest points of their boxes. Directions "
    "(left, right, front, back) are judged on the floor plane (x, y), seen by an observer standing at one "
    "object and facing another. first_seen is when the object first appears in the video (s)."
)


@dataclass(frozen=True)
class PromptConfig:
    """How prompts are written: the ``serialisation`` of the objects (one of
    :data:`~spatialcode.reason.serialise.SERIALISATIONS`), which ``objects`` are listed (one of
    :data:`OBJECT_SCOPES`), ``decimals`` of the metre values, whether the model is asked to
    ``think`` before answering, and whether a numeric question about what the code lacks (no room;
    no box for an object the question names) states that and the solver's ``estimates`` for it
    (:func:`estimate_notes`)."""

    serialisation: str = "table"
    objects: str = "all"
    decimals: int = 2
    think: bool = True
    estimates: bool = True

    def __post_init__(self) -> None:
        if self.serialisation not in SERIALISATIONS:
            raise ValidationError("serialisation", f"expected one of {', '.join(SERIALISATIONS)}, "
                                  f"got {self.serialisation!r}")
        if self.objects not in OBJECT_SCOPES:
            raise ValidationError("objects", f"expected one of {', '.join(OBJECT_SCOPES)}, got {self.objects!r}")
        if isinstance(self.decimals, bool) or int(self.decimals) != self.decimals or not 0 <= self.decimals <= 4:
            raise ValidationError("decimals", f"must be a whole number in [0, 4], got {self.decimals}")


@dataclass(frozen=True)
class Prompt:
    """A prompt as ``system`` and ``user`` text, worked examples before the question (``shots``:
    (role, content) turns of example conversations) and the later turns of the conversation
    (``history``: (role, content) pairs, e.g. the model's program and the tool output)."""

    system: str
    user: str
    history: tuple[tuple[str, str], ...] = ()
    shots: tuple[tuple[str, str], ...] = ()

    def messages(self) -> list[dict[str, str]]:
        """The prompt as chat messages (``role`` / ``content``)."""
        return [{"role": "system", "content": self.system},
                *({"role": role, "content": content} for role, content in self.shots),
                {"role": "user", "content": self.user},
                *({"role": role, "content": content} for role, content in self.history)]

    def then(self, role: str, content: str) -> Prompt:
        """This prompt with one more turn."""
        return replace(self, history=(*self.history, (role, content)))


def build_prompt(code: SpatialCode, question: str, options: Sequence[str] | None = None,
                 question_type: str | None = None, config: PromptConfig | None = None) -> Prompt:
    """The prompt asking ``question`` (with its multiple-choice ``options``) about ``code``."""
    config = config or PromptConfig()
    listed = mentioned_objects(code, question, options) if config.objects == "question" else list(code.objects)
    parts = _scene_parts(code, listed, config)
    if config.estimates:
        parts += estimate_notes(code, question, question_type)
    parts += question_parts(question, options)
    parts.append(answer_format(question, options, question_type, config.think))
    return Prompt(SYSTEM, "\n\n".join(parts))


def scene_prompt(code: SpatialCode, config: PromptConfig | None = None) -> Prompt | None:
    """The beginning that the prompt of every question about ``code`` shares — the system message
    and the user message up to the question (floor area, instance counts, the objects) — for a
    model to read before a question is asked; ``None`` when the objects listed depend on the
    question (``objects="question"``)."""
    config = config or PromptConfig()
    if config.objects != "all":
        return None
    return Prompt(SYSTEM, "\n\n".join(_scene_parts(code, list(code.objects), config)) + "\n\n")


def _scene_parts(code: SpatialCode, listed: Sequence[SpatialObject], config: PromptConfig) -> list[str]:
    """The user message's paragraphs about the scene: floor area, instance counts of the
    ``listed`` objects' labels, the ``listed`` objects."""
    parts = []
    if code.room is not None and code.room.floor_area() is not None:
        parts.append(f"Room floor area: {number(code.room.floor_area(), 1)} m².")
    if code.object_counts:
        labels = {o.label for o in listed}
        counts = [f"{label} {n}" for label, n in code.object_counts.items() if label in labels]
        if counts:
            parts.append("Instance counts (including objects without a box): " + ", ".join(counts) + ".")
    parts.append(f"Objects ({len(listed)} of {len(code.objects)}, in the order they first appear). "
                 f"{LAYOUTS[config.serialisation]}")
    parts.append(serialise_objects(code, config.serialisation, listed, config.decimals) if listed else "(none)")
    return parts


def estimate_notes(code: SpatialCode, question: str, question_type: str | None = None) -> list[str]:
    """For a numeric question about what ``code`` lacks — a room size without a room, the size of
    or a distance to an object without a box — one paragraph saying so, with the estimate the
    solver would use (:mod:`spatialcode.reason.estimates`; m, m²); nothing otherwise."""
    query = parse_question(question, None, question_type)
    if isinstance(query, RoomSizeQuery):
        if code.room is not None and code.room.floor_area() is not None:
            return []
        area = estimated_floor_area(code)
        return ["The code has no room." + ("" if area is None else
                f" The objects' footprints span {number(area, 1)} m² (their convex hull: an estimate of the floor area).")]
    labels = CodeLabels(code)
    missing = [p for p in _named(query) if not labels.objects(p)]
    if not missing:
        return []
    note = (f"The code has no box for the {' or the '.join(missing)} (the encoder may have missed "
            f"{'it' if len(missing) == 1 else 'them'}).")
    if isinstance(query, ObjectSizeQuery) and (typical := typical_size(query.category)) is not None:
        note += f" A typical {typical[1]}'s longest side is {number(typical[0], 2)} m (an estimate)."
    elif isinstance(query, AbsDistanceQuery):
        known = labels.objects(query.first) or labels.objects(query.second)
        if (distance := typical_distance(code, known)) is not None:
            note += f" An estimate of the distance: the {distance[1]}, {number(distance[0], 2)} m."
    return [note]


def _named(query: object) -> list[str]:
    """The object phrases a numeric query names (sizes and distances; none for the others)."""
    if isinstance(query, ObjectSizeQuery):
        return [query.category]
    if isinstance(query, AbsDistanceQuery):
        return [query.first, query.second]
    return []


def question_parts(question: str, options: Sequence[str] | None = None) -> list[str]:
    """The question (whitespace normalised) and, for multiple choice, its lettered options, as
    prompt paragraphs."""
    parts = [f"Question: {' '.join(str(question).split())}"]
    parsed = parse_options(options)
    if parsed:
        parts.append("Options:\n" + "\n".join(f"{o.letter}. {o.text}" for o in parsed))
    return parts


def answer_format(question: str, options: Sequence[str] | None, question_type: str | None, think: bool) -> str:
    """The instruction saying how to answer: an option letter, or a number in the question's unit."""
    if options:
        final = "the letter of one option"
    else:
        unit = answer_unit(question, question_type)
        final = "a single number" + {"m": " in metres", "cm": " in centimetres (the code is in metres: 1 m = 100 cm)",
                                     "m2": " in square metres"}.get(unit, f" in {unit}" if unit else "")
    if think:
        return (f"Think step by step inside <think></think>, then give only the final answer inside "
                f"<answer></answer>: {final}.")
    return f"Give only the final answer inside <answer></answer>: {final}."


def mentioned_objects(code: SpatialCode, question: str, options: Sequence[str] | None = None) -> list[SpatialObject]:
    """The objects whose label the question or its options name (whole words, case-insensitive;
    plural ``s`` allowed); all objects when none is named."""
    text = " ".join([str(question), *(str(o) for o in options or ())]).lower()
    named = {label for label in code.labels
             if re.search(r"(?<![a-z])" + re.escape(label.lower()) + r"(?:e?s)?(?![a-z])", text)}
    return [o for o in code.objects if o.label in named] or list(code.objects)


def answer_unit(question: str, question_type: str | None = None) -> str | None:
    """The unit a numeric answer is asked in: ``"m"`` or ``"cm"`` (or another length unit the
    question names) for distances and sizes, ``"m2"`` for room sizes, ``None`` for counts and
    questions not recognised."""
    query = parse_question(question, None, question_type)
    if isinstance(query, (AbsDistanceQuery, ObjectSizeQuery)):
        return query.unit
    if isinstance(query, RoomSizeQuery) or question_type == tasks.ROOM_SIZE:
        return "m2"
    return None
