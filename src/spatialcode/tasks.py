"""VSI-Bench task names (``question_type`` values) and how each is answered and scored."""

from __future__ import annotations

from spatialcode.errors import ValidationError

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

#: Tasks answered with a number and scored by mean relative accuracy.
NUMERIC_TASKS: tuple[str, ...] = (COUNTING, ABS_DISTANCE, OBJECT_SIZE, ROOM_SIZE)
#: Tasks answered with an option letter and scored by exact match.
MULTIPLE_CHOICE_TASKS: tuple[str, ...] = (
    REL_DISTANCE,
    REL_DIRECTION_EASY,
    REL_DIRECTION_MEDIUM,
    REL_DIRECTION_HARD,
    ROUTE_PLANNING,
    APPEARANCE_ORDER,
)
ALL_TASKS: tuple[str, ...] = NUMERIC_TASKS + MULTIPLE_CHOICE_TASKS
REL_DIRECTION_TASKS: tuple[str, ...] = (REL_DIRECTION_EASY, REL_DIRECTION_MEDIUM, REL_DIRECTION_HARD)
#: The 8 scored tasks of the VSI-Bench table (relative direction = mean of its 3 subtasks).
REL_DIRECTION = "object_rel_direction"
SCORED_TASKS: tuple[str, ...] = (
    COUNTING, ABS_DISTANCE, OBJECT_SIZE, ROOM_SIZE, REL_DISTANCE, REL_DIRECTION, ROUTE_PLANNING, APPEARANCE_ORDER,
)


def check_task(name: str, field: str = "question_type") -> str:
    """Return ``name`` if it is a known VSI-Bench task, else raise naming ``field``."""
    if name not in ALL_TASKS:
        raise ValidationError(field, f"unknown task {name!r}; expected one of: {', '.join(ALL_TASKS)}")
    return name


def is_multiple_choice(task: str) -> bool:
    """True when ``task`` is answered with an option letter."""
    return task in MULTIPLE_CHOICE_TASKS
