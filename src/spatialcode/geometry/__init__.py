"""Geometry in metres (z up, yaw counter-clockwise from +x): oriented boxes, exact box–box
distance, IoU, floor-plane polygons and point tests, and the pinhole camera model (intrinsics,
projection, pixel rays). Imports only :mod:`spatialcode.core`, numpy and scipy; each name is
imported on first use (scipy.spatial, which the IoU needs, takes 0.4 s to import)."""

from spatialcode.core.lazy import lazy_exports

_EXPORTS = {
    "Box3D": "box",
    **dict.fromkeys(("Intrinsics", "camera_forward", "pixel_rays", "project_points", "world_to_camera",
                     "yaw_pitch_rotation"), "camera"),
    **dict.fromkeys(("box_distance", "boxes_intersect", "closest_points", "point_box_distance"), "distance"),
    **dict.fromkeys(("box_iou_3d", "box_iou_bev", "box_volume_intersection"), "iou"),
    **dict.fromkeys(("intersection_vertices", "points_in_box"), "points"),
    **dict.fromkeys(("box_footprint", "polygon_area", "vertical_axis"), "polygon"),
    **dict.fromkeys(("euler_to_matrix", "matrix_to_euler", "wrap_angle", "yaw_to_matrix"), "rotation"),
}
__getattr__, __dir__ = lazy_exports(__name__, {name: f"{__name__}.{module}" for name, module in _EXPORTS.items()})

__all__ = [
    "Box3D",
    "Intrinsics",
    "box_distance",
    "box_footprint",
    "box_iou_3d",
    "box_iou_bev",
    "box_volume_intersection",
    "boxes_intersect",
    "camera_forward",
    "closest_points",
    "euler_to_matrix",
    "intersection_vertices",
    "matrix_to_euler",
    "pixel_rays",
    "point_box_distance",
    "points_in_box",
    "polygon_area",
    "project_points",
    "vertical_axis",
    "world_to_camera",
    "wrap_angle",
    "yaw_pitch_rotation",
    "yaw_to_matrix",
]
