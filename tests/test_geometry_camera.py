"""The pinhole camera model: intrinsics from a field of view, pixel rays, projection, poses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.geometry.camera import (
    Intrinsics,
    camera_forward,
    pixel_rays,
    project_points,
    world_to_camera,
    yaw_pitch_rotation,
)
from spatialcode.scene import CameraPose


def _pose_looking_along_x(position=(0.0, 0.0, 0.0)) -> CameraPose:
    """Camera at ``position`` looking along world +x: right = world −y, down = world −z."""
    return CameraPose.from_yaw_pitch(0.0, position, 0.0, 0.0)


def test_intrinsics_from_hfov_put_the_principal_point_at_the_image_centre():
    """Pixel centres are at integer coordinates: a 640 × 480 image spans -0.5 … 639.5, its centre
    is 319.5; a 90° field of view puts the image edges at ±45°: fx = 320."""
    camera = Intrinsics.from_hfov(640, 480, 90.0)
    assert (camera.fx, camera.fy, camera.cx, camera.cy) == pytest.approx((320.0, 320.0, 319.5, 239.5))
    assert ((-0.5 - camera.cx) / camera.fx, (639.5 - camera.cx) / camera.fx) == pytest.approx((-1.0, 1.0))
    np.testing.assert_allclose(camera.matrix, [[320.0, 0.0, 319.5], [0.0, 320.0, 239.5], [0.0, 0.0, 1.0]])
    assert camera.to_dict() == {"fx": camera.fx, "fy": camera.fy, "cx": 319.5, "cy": 239.5}
    with pytest.raises(ValidationError, match="hfov_deg"):
        Intrinsics.from_hfov(640, 480, 180.0)
    with pytest.raises(ValidationError, match="focal lengths"):
        Intrinsics(0.0, 1.0, 0.0, 0.0, 10, 10)
    with pytest.raises(ValidationError, match="intrinsics.width"):
        Intrinsics(1.0, 1.0, 0.0, 0.0, 0, 10)


def test_pixel_rays_are_symmetric_about_the_optical_axis():
    rays = pixel_rays(Intrinsics.from_hfov(640, 480, 90.0))
    assert rays.shape == (480, 640, 3) and (rays[..., 2] == 1.0).all()
    np.testing.assert_allclose(rays[0, 0], [-319.5 / 320, -239.5 / 320, 1.0])
    np.testing.assert_allclose(rays[..., :2], -rays[::-1, ::-1, :2])  # the far corner mirrors the near one
    odd = pixel_rays(Intrinsics.from_hfov(5, 3, 60.0))
    assert (odd[1, 2, :2] == 0.0).all()  # the middle pixel of an odd image looks straight ahead


def test_camera_convention():
    """Camera-to-world rotation of the OpenCV frame (+z forward, +x right, +y down)."""
    rot = yaw_pitch_rotation(0.0, 0.0)  # looking along world +x
    assert rot[:, 2] == pytest.approx([1, 0, 0], abs=1e-12)  # forward
    assert rot[:, 0] == pytest.approx([0, -1, 0], abs=1e-12)  # right
    assert rot[:, 1] == pytest.approx([0, 0, -1], abs=1e-12)  # down
    pose = CameraPose.from_yaw_pitch(2.5, (1.0, 2.0, 1.5), math.pi / 2, math.radians(-30))  # along +y, looking down
    assert camera_forward(pose) == pytest.approx([0, math.cos(math.radians(30)), -0.5], abs=1e-12)
    assert pose.t == 2.5 and pose.position == (1.0, 2.0, 1.5)
    np.testing.assert_allclose(pose.rotation_matrix(), yaw_pitch_rotation(math.pi / 2, math.radians(-30)), atol=1e-12)


def test_projection_axis_right_and_behind():
    intrinsics = Intrinsics(fx=500.0, fy=500.0, cx=320.0, cy=240.0, width=640, height=480)
    pose = _pose_looking_along_x((1.0, 2.0, 1.5))
    points = np.array([[6.0, 2.0, 1.5], [6.0, 1.0, 1.5], [6.0, 2.0, 2.5], [-3.0, 2.0, 1.5]])
    uv, depth = project_points(points, intrinsics, pose)
    np.testing.assert_allclose(uv[0], (320.0, 240.0))
    np.testing.assert_allclose(depth[:3], 5.0)
    assert uv[1, 0] == pytest.approx(320.0 + 500.0 / 5.0) and uv[1, 1] == pytest.approx(240.0)  # 1 m right
    assert uv[2, 1] == pytest.approx(240.0 - 100.0)  # 1 m up is up in the image
    assert depth[3] < 0 and np.isnan(uv[3]).all()  # behind the camera: flagged
    transform = world_to_camera(pose)
    np.testing.assert_allclose(transform[:3, :3] @ pose.position + transform[:3, 3], 0.0, atol=1e-12)


def test_scaled_intrinsics_keep_the_image_centre_and_the_field_of_view():
    """Worked by hand: a 4 × 2 image centred at (1.5, 0.5) halved is a 2 × 1 image centred at
    (0.5, 0); its pixel 0 covers old pixels 0 and 1, whose centre is old x = 0.5."""
    k = Intrinsics(fx=2.0, fy=2.0, cx=1.5, cy=0.5, width=4, height=2)
    half = k.scaled(0.5, 0.5, 2, 1)
    assert (half.fx, half.fy, half.cx, half.cy, half.width, half.height) == (1.0, 1.0, 0.5, 0.0, 2, 1)
    assert k.scaled(3.0, 3.0, 12, 6).cx == 5.5  # tripled: the centre of 12 pixels
