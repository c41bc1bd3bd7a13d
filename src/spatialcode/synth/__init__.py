"""Synthetic indoor worlds: procedural scenes with exact ground-truth spatial code and an RGB-D
walkthrough renderer with optional realistic faults."""

from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.categories import (
    CATEGORIES,
    PLACEMENTS,
    ROOM_KINDS,
    Category,
    Variant,
    categories_for_room,
    category,
)
from spatialcode.synth.code_faults import CodeFaultConfig, apply_code_faults
from spatialcode.synth.draw import Draw
from spatialcode.synth.faults import FaultConfig
from spatialcode.synth.generate import generate_scene
from spatialcode.synth.render import (
    RenderConfig,
    RenderOutput,
    backproject,
    load_frames,
    render_scene,
)
from spatialcode.synth.rooms import FloorPlan, plan_floor
from spatialcode.synth.scene_config import SceneGenConfig

__all__ = [
    "CATEGORIES",
    "PLACEMENTS",
    "ROOM_KINDS",
    "Category",
    "CodeFaultConfig",
    "Draw",
    "FaultConfig",
    "FloorPlan",
    "PathConfig",
    "RenderConfig",
    "RenderOutput",
    "SceneGenConfig",
    "Variant",
    "apply_code_faults",
    "backproject",
    "categories_for_room",
    "category",
    "generate_scene",
    "load_frames",
    "plan_floor",
    "render_scene",
]
