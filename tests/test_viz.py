"""Pictures: bird's-eye map, box overlays on frames and overlay videos."""

from __future__ import annotations

import math

import av
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image
from scipy.spatial.transform import Rotation

from spatialcode.demo import demo_scene
from spatialcode.formats.video import pick_codec
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.camera import Intrinsics
from spatialcode.scene import CameraPose, Room, Source, SpatialCode, SpatialObject
from spatialcode.viz import (
    draw_birdseye,
    draw_box_overlay,
    label_color,
    write_overlay_png,
    write_overlay_video,
)
from spatialcode.viz.birdseye import FILL_ALPHA, FLOOR_COLOR


def _obj(i: int, label: str, center, size=(1.0, 1.0, 1.0), rotation=(0.0, 0.0, 0.0), first_seen=None) -> SpatialObject:
    return SpatialObject(id=i, label=label, box=Box3D(center, size, rotation), first_seen=first_seen)


def _pose_looking_along_x(position=(0.0, 0.0, 0.0), t: float = 0.0) -> CameraPose:
    """Camera at ``position`` looking along world +x: right = world −y, down = world −z."""
    columns = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]]).T
    return CameraPose(t=t, position=position, quaternion=tuple(Rotation.from_matrix(columns).as_quat()))


def _png(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _pixel(fig, xy, height: int) -> tuple[int, int]:
    """(row, column) in the saved PNG of the world point ``xy`` on the map."""
    x, y = fig.axes[0].transData.transform(xy)
    return round(float(height - y)), round(float(x))


# -- bird's-eye map ------------------------------------------------------------------------
def test_label_color_is_stable_and_normalised():
    assert label_color("Trash  Bin") == label_color("trash bin")
    assert all(0.0 <= c <= 1.0 for c in label_color("sofa"))
    labels = ["sofa", "tv", "chair", "table", "door", "window", "lamp", "plant", "bed", "sink"]
    assert len({label_color(label) for label in labels}) >= 5  # a hash, not one colour


def test_birdseye_png_size_and_object_colours(tmp_path):
    sofa = _obj(0, "sofa", (1.7, 1.3, 0.4), size=(2.0, 0.9, 0.8))  # samples off the 1 m grid
    tv = _obj(1, "tv", (3.8, 2.7, 1.0), size=(0.6, 1.2, 0.7), rotation=(0.0, 0.0, math.pi))
    assert label_color("sofa") != label_color("tv")
    code = SpatialCode(objects=(sofa, tv), room=Room(polygon=((0, 0), (5, 0), (5, 4), (0, 4))))
    path = tmp_path / "map" / "birdseye.png"
    fig = draw_birdseye(code, path, show_labels=False, dpi=100, figsize=(6.0, 5.0))
    pixels = _png(path)
    assert path.stat().st_size > 5_000
    assert pixels.shape == (500, 600, 3)
    floor = np.asarray(to_rgb(FLOOR_COLOR))
    for obj in (sofa, tv):
        # a point between the centre and the back face (the facing arrow runs to the front)
        back = obj.box.center_array - obj.box.rotation_matrix[:, 0] * obj.box.size[0] / 4.0
        row, col = _pixel(fig, back[:2], pixels.shape[0])
        patch = pixels[row - 1 : row + 2, col - 1 : col + 2].reshape(-1, 3)
        expected = 255 * (FILL_ALPHA * np.asarray(label_color(obj.label)) + (1 - FILL_ALPHA) * floor)
        assert np.abs(np.median(patch, axis=0) - expected).max() <= 3, obj.label
    row, col = _pixel(fig, (0.3, 3.6), pixels.shape[0])  # empty floor
    assert np.abs(pixels[row, col] - 255 * floor).max() <= 3


def test_birdseye_empty_scene(tmp_path):
    for code in (SpatialCode(), SpatialCode(room=Room(area=12.0))):
        path = tmp_path / "empty.png"
        fig = draw_birdseye(code, path, dpi=50)
        assert path.stat().st_size > 0
        assert _png(path).shape[:2] == tuple(round(v * 50) for v in fig.get_size_inches()[::-1])


def test_birdseye_without_polygon_with_tilted_boxes_and_camera(tmp_path):
    code = SpatialCode(
        objects=(
            _obj(0, "chair", (0.0, 0.0, 0.4), rotation=(1.75, 0.05, 2.0), first_seen=1.0),
            _obj(1, "table", (1.5, 0.5, 0.4), size=(1.2, 0.8, 0.75), first_seen=0.5),
            _obj(2, "lamp", (3.0, 2.0, 0.8), size=(0.3, 0.3, 1.6), rotation=(0.0, math.pi / 2, 0.0)),
        ),
        room=Room(area=20.0),
        camera=tuple(_pose_looking_along_x((0.2 * k, -1.0, 1.4), t=float(k)) for k in range(12)),
        source=Source(dataset="test", scene_name="tilted"),
    )
    path = tmp_path / "tilted.png"
    fig = draw_birdseye(code, path, highlight=[1], number_by_appearance=True)
    assert path.stat().st_size > 5_000
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("room outline unknown" in t for t in texts)
    assert {"chair #0", "table #1", "lamp #2", "1", "2"} <= set(texts)


def test_birdseye_demo_scene(tmp_path):
    path = tmp_path / "demo.png"
    fig = draw_birdseye(demo_scene(), path, number_by_appearance=True)
    assert fig.axes[0].get_legend() is not None  # the camera trajectory is drawn
    assert _png(path).shape[1] == round(fig.get_size_inches()[0] * fig.dpi)


# -- overlays --------------------------------------------------------------------------------
_K = Intrinsics.from_hfov(160, 120, 70.0)


def _changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.argwhere(np.any(before != after, axis=2))  # (row, column) of drawn pixels


def test_overlay_box_ahead_draws_centre_and_box_behind_draws_nothing():
    blank = np.zeros((120, 160, 3), np.uint8)
    pose = _pose_looking_along_x()
    ahead = SpatialCode(objects=(_obj(0, "sofa", (4.0, 0.0, 0.0)),))
    drawn = draw_box_overlay(blank, ahead, _K, pose, labels=False)
    assert not blank.any()  # the input is left as it was
    changed = _changed(blank, drawn)
    assert len(changed) > 50
    rows, cols = changed[:, 0], changed[:, 1]
    assert 30 < rows.min() and rows.max() < 90 and 50 < cols.min() and cols.max() < 110
    colour = np.round(255 * np.asarray(label_color("sofa")))
    assert np.all(drawn[rows, cols] == colour)
    behind = SpatialCode(objects=(_obj(0, "sofa", (-4.0, 0.0, 0.0)),))
    assert np.array_equal(draw_box_overlay(blank, behind, _K, pose), blank)


def test_overlay_box_crossing_the_camera_is_cut_at_the_near_plane():
    blank = np.zeros((120, 160, 3), np.uint8)
    # spans x = -2 … 3 at y = +1 (1 m to the camera's left): without the cut, the part behind
    # the camera would be mirrored into the right half of the image
    code = SpatialCode(objects=(_obj(0, "shelf", (0.5, 1.0, 0.0), size=(5.0, 0.2, 0.2)),))
    changed = _changed(blank, draw_box_overlay(blank, code, _K, _pose_looking_along_x(), labels=False))
    assert len(changed) > 0
    assert changed[:, 1].max() < 80


def test_overlay_labels_and_png(tmp_path):
    frame = np.full((120, 160, 3), 90, np.uint8)
    code = SpatialCode(objects=(_obj(0, "sofa", (4.0, 0.0, 0.0)),))
    pose = _pose_looking_along_x()
    with_label = draw_box_overlay(frame, code, _K, pose)
    assert len(_changed(draw_box_overlay(frame, code, _K, pose, labels=False), with_label)) > 20
    path = write_overlay_png(frame, code, _K, pose, tmp_path / "frame.png")
    assert np.array_equal(_png(path), with_label)
    with pytest.raises(ValueError, match="intrinsics"):
        draw_box_overlay(np.zeros((10, 10, 3), np.uint8), code, _K, pose)


@pytest.mark.parametrize("size", [(120, 160), (49, 65)])
def test_overlay_video_frame_count(tmp_path, size):
    height, width = size
    intrinsics = Intrinsics.from_hfov(width, height, 70.0)
    code = SpatialCode(objects=(_obj(0, "sofa", (4.0, 0.0, 0.0)), _obj(1, "tv", (5.0, 1.0, 0.5))))
    poses = [_pose_looking_along_x((0.1 * k, 0.0, 0.0), t=k / 10) for k in range(7)]
    frames = (np.full((height, width, 3), 20 * k, np.uint8) for k in range(7))
    path = write_overlay_video(frames, code, intrinsics, poses, tmp_path / "overlay.mp4", fps=10)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = list(container.decode(stream))
        assert stream.codec_context.name == ("h264" if pick_codec() == "libx264" else "mpeg4")
    assert len(decoded) == 7
    assert (decoded[0].height, decoded[0].width) == (height + height % 2, width + width % 2)


def test_overlay_video_rejects_mismatched_poses(tmp_path):
    frames = [np.zeros((48, 64, 3), np.uint8)] * 3
    intrinsics = Intrinsics.from_hfov(64, 48)
    path = tmp_path / "bad.mp4"
    with pytest.raises(ValueError, match="poses"):
        write_overlay_video(frames, SpatialCode(), intrinsics, [_pose_looking_along_x()] * 2, path, fps=5)
    assert not path.exists()
    with pytest.raises(ValueError, match="no frames"):
        write_overlay_video([], SpatialCode(), intrinsics, [], path, fps=5)


@pytest.mark.parametrize("name", ["map.txt", "map", "map.png.gz"])
def test_pictures_with_a_suffix_no_writer_supports_are_refused_before_drawing(tmp_path, name):
    from spatialcode.core.errors import SpatialCodeError

    with pytest.raises(SpatialCodeError, match="cannot write a picture"):
        draw_birdseye(demo_scene(), tmp_path / name)
    assert not list(tmp_path.iterdir())
