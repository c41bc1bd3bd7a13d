"""Pictures of a spatial code: a bird's-eye map (:func:`draw_birdseye`) and 3D boxes drawn over
camera frames (:func:`draw_box_overlay`, :func:`write_overlay_png`, :func:`write_overlay_video`)
with the pinhole camera of :mod:`spatialcode.geometry.camera`. Object colours come from
:func:`label_color`, the same in every picture."""

from spatialcode.viz.birdseye import draw_birdseye, label_color
from spatialcode.viz.overlay import (
    box_wireframe,
    draw_box_overlay,
    write_overlay_png,
    write_overlay_video,
)

__all__ = [
    "box_wireframe",
    "draw_birdseye",
    "draw_box_overlay",
    "label_color",
    "write_overlay_png",
    "write_overlay_video",
]
