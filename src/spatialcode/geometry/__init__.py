"""Geometry in metres (z up, yaw counter-clockwise from +x): oriented boxes, exact box–box
distance, IoU, floor-plane polygons and point tests, and the pinhole camera model (intrinsics,
projection, pixel rays). Imports only :mod:`spatialcode.core`, numpy and scipy."""

from spatialcode.geometry.box import Box3D
from spatialcode.geometry.camera import (
    Intrinsics,
    camera_forward,
    pixel_rays,
    project_points,
    world_to_camera,
    yaw_pitch_rotation,
)
from spatialcode.geometry.distance import (
    box_distance,
    boxes_intersect,
    closest_points,
    point_box_distance,
)
from spatialcode.geometry.iou import box_iou_3d, box_iou_bev, box_volume_intersection
from spatialcode.geometry.points import intersection_vertices, points_in_box
from spatialcode.geometry.polygon import box_footprint, polygon_area, vertical_axis
from spatialcode.geometry.rotation import (
    euler_to_matrix,
    matrix_to_euler,
    wrap_angle,
    yaw_to_matrix,
)

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
