"""Recognisable object shapes and the room shell, as triangle meshes for ray casting.

Every object becomes a few primitives (boxes, elliptic cylinders, ellipsoids) drawn in its box's
*shape frame* and scaled to the box, so a shape stays inside its box by construction; unknown
labels get a plain box and a stable colour derived from the label. :func:`build_scene_geometry`
joins all objects and the room shell into one triangle soup with per-triangle colour, texture and
owner. One module a job:

- :mod:`.primitives` — the parts (box, cylinder, ellipsoid) and their meshes;
- :mod:`.sketch` — drawing in fractions of a box; :mod:`.furniture` — the shape of each kind of
  object (:data:`SHAPE_BUILDERS`); :mod:`.drawn_as` — which shape draws a label;
- :mod:`.palette` — colours per shape, role and instance; :mod:`.textures` — the procedural textures;
- :mod:`.soup` — triangles with appearance; :mod:`.objects` — an object's shape placed in the world;
- :mod:`.room` — the room's floor, ceiling and shell; :mod:`.scene_geometry` — the whole scene.

It imports the core, geometry, the data model (:mod:`spatialcode.scene`) and the category
vocabulary (:mod:`spatialcode.tasks.vocabulary`), nothing else of the synthetic world, so the
renderer and the camera planner build on it.
"""

from spatialcode.synth.shapes.drawn_as import shape_category
from spatialcode.synth.shapes.furniture import SHAPE_BUILDERS
from spatialcode.synth.shapes.objects import object_shape
from spatialcode.synth.shapes.palette import instance_palette
from spatialcode.synth.shapes.room import RoomLayout, object_footprint, room_layout
from spatialcode.synth.shapes.scene_geometry import ROOM, SceneGeometry, build_scene_geometry
from spatialcode.synth.shapes.textures import TEXTURE_AMPLITUDES, TEXTURES

__all__ = [
    "ROOM",
    "SHAPE_BUILDERS",
    "TEXTURES",
    "TEXTURE_AMPLITUDES",
    "RoomLayout",
    "SceneGeometry",
    "build_scene_geometry",
    "instance_palette",
    "object_footprint",
    "object_shape",
    "room_layout",
    "shape_category",
]
