"""Pictures of a spatial code: a bird's-eye map (:func:`draw_birdseye`), 3D boxes drawn over
camera frames (:func:`draw_box_overlay`, :func:`write_overlay_png`, :func:`write_overlay_video`)
and the pinhole camera helpers they use (:class:`Intrinsics`, :func:`project_points`).
Object colours come from :func:`label_color`, the same in every picture."""

from spatialcode.viz.birdseye import draw_birdseye, label_color
from spatialcode.viz.camera import (
    Intrinsics,
    camera_forward,
    project_points,
    world_to_camera,
)
from spatialcode.viz.overlay import (
    box_wireframe,
    draw_box_overlay,
    write_overlay_png,
    write_overlay_video,
)

__all__ = [
    "Intrinsics",
    "box_wireframe",
    "camera_forward",
    "draw_birdseye",
    "draw_box_overlay",
    "label_color",
    "project_points",
    "world_to_camera",
    "write_overlay_png",
    "write_overlay_video",
]
