"""Procedural indoor scenes with exact ground-truth spatial code."""

from spatialcode.synth.categories import (
    CATEGORIES,
    PLACEMENTS,
    ROOM_KINDS,
    Category,
    Variant,
    categories_for_room,
    category,
    confusable_labels,
)
from spatialcode.synth.draw import Draw
from spatialcode.synth.generate import SceneGenConfig, generate_scene
from spatialcode.synth.rooms import FloorPlan, plan_floor

__all__ = [
    "CATEGORIES",
    "PLACEMENTS",
    "ROOM_KINDS",
    "Category",
    "Draw",
    "FloorPlan",
    "SceneGenConfig",
    "Variant",
    "categories_for_room",
    "category",
    "confusable_labels",
    "generate_scene",
    "plan_floor",
]
