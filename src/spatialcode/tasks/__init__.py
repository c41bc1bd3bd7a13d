"""The benchmark's schema, at the bottom of the house: VSI-Bench task names (``question_type``
values) and how each is answered and scored (this module), question records and their files
(:mod:`.records`), the official scoring (:mod:`.scoring`), score reports (:mod:`.report`),
paired comparisons (:mod:`.paired`), the object categories with every other name they go by
(:mod:`.vocabulary`) and their typical sizes (:mod:`.typical_sizes`). It imports only the core and the formats' JSON reader; the harness that
runs a reasoner over questions is :mod:`spatialcode.bench`.

Besides VSI-Bench's 10 question types (:data:`VSI_TASKS`) there are *extension* tasks
(:data:`EXTENSION_TASKS`) that VSI-Bench lacks: ``object_perspective_direction`` (allocentric
perspective taking — "From the sofa's point of view (facing where it faces), is the lamp to its
left or right?"). Extension tasks are valid ``question_type`` values (``check_task`` accepts them,
:data:`MULTIPLE_CHOICE_TASKS` lists the multiple-choice ones, so they load and score like VSI
questions), but they are never among the 8 :data:`SCORED_TASKS` of the benchmark table: the
overall VSI-Bench score is unchanged by them.
"""

from __future__ import annotations

from spatialcode.core.errors import ValidationError

COUNTING = "object_counting"
ABS_DISTANCE = "object_abs_distance"
OBJECT_SIZE = "object_size_estimation"
ROOM_SIZE = "room_size_estimation"
REL_DISTANCE = "object_rel_distance"
REL_DIRECTION_EASY = "object_rel_direction_easy"
REL_DIRECTION_MEDIUM = "object_rel_direction_medium"
REL_DIRECTION_HARD = "object_rel_direction_hard"
ROUTE_PLANNING = "route_planning"
APPEARANCE_ORDER = "obj_appearance_order"
#: Extension (not VSI-Bench): direction of an object from another object's own point of view.
PERSPECTIVE_DIRECTION = "object_perspective_direction"

#: Tasks answered with a number and scored by mean relative accuracy.
NUMERIC_TASKS: tuple[str, ...] = (COUNTING, ABS_DISTANCE, OBJECT_SIZE, ROOM_SIZE)
#: VSI-Bench's multiple-choice tasks.
VSI_MULTIPLE_CHOICE_TASKS: tuple[str, ...] = (
    REL_DISTANCE,
    REL_DIRECTION_EASY,
    REL_DIRECTION_MEDIUM,
    REL_DIRECTION_HARD,
    ROUTE_PLANNING,
    APPEARANCE_ORDER,
)
#: VSI-Bench's 10 question types.
VSI_TASKS: tuple[str, ...] = NUMERIC_TASKS + VSI_MULTIPLE_CHOICE_TASKS
#: Tasks this project adds to VSI-Bench's (all multiple choice; never scored in the VSI table).
EXTENSION_TASKS: tuple[str, ...] = (PERSPECTIVE_DIRECTION,)
#: Tasks answered with an option letter and scored by exact match (VSI-Bench's and the extensions).
MULTIPLE_CHOICE_TASKS: tuple[str, ...] = VSI_MULTIPLE_CHOICE_TASKS + EXTENSION_TASKS
#: Every known ``question_type``: VSI-Bench's 10, then the extensions.
ALL_TASKS: tuple[str, ...] = VSI_TASKS + EXTENSION_TASKS
REL_DIRECTION_TASKS: tuple[str, ...] = (REL_DIRECTION_EASY, REL_DIRECTION_MEDIUM, REL_DIRECTION_HARD)
#: The 8 scored tasks of the VSI-Bench table (relative direction = mean of its 3 subtasks).
REL_DIRECTION = "object_rel_direction"
SCORED_TASKS: tuple[str, ...] = (
    COUNTING, ABS_DISTANCE, OBJECT_SIZE, ROOM_SIZE, REL_DISTANCE, REL_DIRECTION, ROUTE_PLANNING, APPEARANCE_ORDER,
)


def check_task(name: str, field: str = "question_type") -> str:
    """Return ``name`` if it is a known task (VSI-Bench's or an extension), else raise naming ``field``."""
    if name not in ALL_TASKS:
        raise ValidationError(field, f"unknown task {name!r}; expected one of: {', '.join(ALL_TASKS)}")
    return name


def is_extension(task: str) -> bool:
    """True when ``task`` is one of this project's extension tasks (not part of VSI-Bench)."""
    return task in EXTENSION_TASKS


def is_multiple_choice(task: str) -> bool:
    """True when ``task`` is answered with an option letter."""
    return task in MULTIPLE_CHOICE_TASKS


def scored_task(question_type: str) -> str:
    """The row of the score table a question type counts in: relative direction's three levels
    are one task (:data:`REL_DIRECTION`), every other type its own."""
    return REL_DIRECTION if question_type in REL_DIRECTION_TASKS else question_type

__all__ = [
    "ABS_DISTANCE",
    "ALL_TASKS",
    "APPEARANCE_ORDER",
    "COUNTING",
    "EXTENSION_TASKS",
    "MULTIPLE_CHOICE_TASKS",
    "NUMERIC_TASKS",
    "OBJECT_SIZE",
    "PERSPECTIVE_DIRECTION",
    "REL_DIRECTION",
    "REL_DIRECTION_EASY",
    "REL_DIRECTION_HARD",
    "REL_DIRECTION_MEDIUM",
    "REL_DIRECTION_TASKS",
    "REL_DISTANCE",
    "ROOM_SIZE",
    "ROUTE_PLANNING",
    "SCORED_TASKS",
    "VSI_MULTIPLE_CHOICE_TASKS",
    "VSI_TASKS",
    "check_task",
    "is_extension",
    "is_multiple_choice",
    "scored_task",
]
