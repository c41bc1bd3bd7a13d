"""Renderer: object shapes, output files, depth/mask/pose consistency, first_seen, determinism."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings

import numpy as np
import pytest

from spatialcode.core.config import build_config
from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.formats.video import VideoWriter, pick_codec, read_video, video_info
from spatialcode.geometry.box import Box3D
from spatialcode.geometry.camera import Intrinsics, project_points
from spatialcode.geometry.points import points_in_box
from spatialcode.scene import CameraPose, Room, SpatialCode, SpatialObject
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.render import (
    FrameRenderer,
    RenderConfig,
    backproject,
    load_frames,
    render_scene,
)
from spatialcode.synth.shapes import (
    SHAPE_BUILDERS,
    build_scene_geometry,
    instance_palette,
    object_shape,
    room_layout,
    shape_category,
)
from tests.fixtures import tiny_scene

TINY = PathConfig(width=64, height=48, fps=4.0, max_frames=36, mask_threshold=20)


def _render(code: SpatialCode, out, **path_changes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # time compression of the tiny frame budget
        return render_scene(code, out, RenderConfig(path=dataclasses.replace(TINY, **path_changes)), progress=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return _render(tiny_scene(), tmp_path_factory.mktemp("render") / "a")


# -- shapes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted(SHAPE_BUILDERS) + ["crate", "office chair", "some odd thing"])
@pytest.mark.parametrize(
    "size, rotation",
    [((0.6, 0.5, 0.9), (0.0, 0.0, 0.7)), ((2.0, 1.6, 0.4), (0.4, -0.3, 2.0)),
     ((0.3, 1.2, 0.05), (math.pi / 2, 0.0, 0.0)), ((0.5, 0.0, 0.8), (0.0, 0.0, 0.0))],
)
def test_shapes_stay_inside_their_box(label, size, rotation):
    box = Box3D((1.0, -2.0, 0.7), size, rotation)
    shape = object_shape(SpatialObject(4, label, box))
    soup = shape.triangles()
    assert len(soup.triangles) > 0
    assert points_in_box(box, soup.vertices, tolerance=1e-6).all()


def test_shapes_span_their_whole_box():
    """Boxes are tight: every category's shape touches all six faces of its box (within 2 %),
    so that a box fitted to the rendered surfaces can match the ground truth."""
    from spatialcode.synth import CATEGORIES

    for name, cat in CATEGORIES.items():
        for variant in cat.variants:
            size = tuple(sum(r) / 2 for r in (variant.depth, variant.width, variant.height))
            vertices = object_shape(SpatialObject(0, name, Box3D((0, 0, size[2] / 2), size))).triangles().vertices
            span = (vertices.max(axis=0) - vertices.min(axis=0)) / np.array(size)
            assert (span >= 0.98).all(), (name, variant.name, span)


def test_shape_categories_and_colours_are_stable():
    assert shape_category("office chair") == "chair"
    assert shape_category("Trash Can") == "bin"
    assert shape_category("couch") == "sofa"
    assert shape_category("chairs") == "chair"
    assert shape_category("unknown gizmo") is None
    assert instance_palette(1, "chair") == instance_palette(1, "chair")
    assert instance_palette(1, "chair")["main"] != instance_palette(2, "chair")["main"]
    # an unknown label gets the same base style in every instance and process
    assert instance_palette(1, "gizmo")["main"][1] == instance_palette(2, "gizmo")["main"][1]


def test_shape_front_is_local_plus_x():
    """A tv's screen faces its box +x; a chair's back is at its box -x."""
    tv = object_shape(SpatialObject(0, "tv", Box3D((0, 0, 1), (0.1, 1.0, 0.6))))
    screen = next(p for p in tv.primitives if p.role == "screen")
    assert screen.hi[0] == pytest.approx(0.05)
    chair = object_shape(SpatialObject(0, "chair", Box3D((0, 0, 0.45), (0.5, 0.5, 0.9))))
    tallest = max(chair.primitives, key=lambda p: p.hi[2])
    assert tallest.lo[0] == pytest.approx(-0.25)


def test_open3d_mesh_is_tagged_with_the_object_id():
    mesh = object_shape(SpatialObject(42, "lamp", Box3D((0, 0, 0.8), (0.4, 0.4, 1.6)))).to_open3d()
    ids = mesh.triangle.object_id.numpy()
    assert len(ids) == len(mesh.triangle.indices) and set(ids.tolist()) == {42}


# -- output files ---------------------------------------------------------------------------------


def test_files_exist_and_load(rendered):
    for path in (rendered.rgb_path, rendered.depth_path, rendered.masks_path, rendered.frames_path, rendered.scene_path):
        assert path.is_file()
    doc, depth, masks = load_frames(rendered.out_dir)
    n = rendered.frame_count
    assert 2 <= n <= TINY.max_frames
    assert depth.shape == masks.shape == (n, 48, 64)
    assert depth.dtype == np.uint16 and masks.dtype == np.int16
    assert len(doc["frames"]) == n and doc["frame_count"] == n
    frame = doc["frames"][1]
    assert frame["index"] == 1 and frame["t"] == pytest.approx(1 / TINY.fps)
    assert set(frame["intrinsics"]) == {"fx", "fy", "cx", "cy"}
    assert frame["width"] == 64 and frame["height"] == 48
    code = SpatialCode.load(rendered.scene_path)
    assert len(code.camera) == n and code.source.fps == TINY.fps and code.source.frame_count == n
    assert code.source.scene_name == "tiny"
    assert code.provenance.producer == "synth-render"
    assert code.provenance.config["render"]["path"]["width"] == 64
    assert build_config(RenderConfig, code.provenance.config["render"]) == RenderConfig(path=TINY)


def test_video_has_every_frame(rendered):
    info = video_info(rendered.rgb_path)
    assert (info.frames, info.width, info.height) == (rendered.frame_count, 64, 48)
    assert info.fps == pytest.approx(TINY.fps)
    frames = list(read_video(rendered.rgb_path))
    assert len(frames) == rendered.frame_count and frames[0].shape == (48, 64, 3)
    assert np.std(np.stack(frames).astype(float)) > 10  # not a blank video


def test_lifted_mask_pixels_land_in_their_boxes(rendered):
    doc, depth, masks = load_frames(rendered.out_dir)
    boxes = {o.id: o.box for o in rendered.code.objects}
    inside, total = {k: 0 for k in boxes}, {k: 0 for k in boxes}
    for frame, d, m in zip(doc["frames"], depth, masks):
        points = backproject(d, frame)
        for obj_id in np.unique(m[m >= 0]):
            sel = m == obj_id
            inside[int(obj_id)] += int(points_in_box(boxes[int(obj_id)], points[sel], tolerance=0.01).sum())
            total[int(obj_id)] += int(sel.sum())
    for obj_id in boxes:
        assert total[obj_id] > 0, f"object {obj_id} never in a mask"
        assert inside[obj_id] / total[obj_id] >= 0.99, obj_id


def test_masks_and_depth_agree(rendered):
    _, depth, masks = load_frames(rendered.out_dir)
    assert (depth[masks >= 0] > 0).all()
    assert set(np.unique(masks)) <= {-1} | {o.id for o in rendered.code.objects}
    # the room is closed: every pixel hits something
    assert (depth > 0).all()


def test_first_seen_is_the_first_frame_reaching_the_threshold(rendered):
    doc, _, masks = load_frames(rendered.out_dir)
    times = [f["t"] for f in doc["frames"]]
    assert rendered.unseen == []
    for obj in rendered.code.objects:
        counts = (masks == obj.id).reshape(len(masks), -1).sum(axis=1)
        first = int(np.argmax(counts >= TINY.mask_threshold))
        assert counts[first] >= TINY.mask_threshold
        assert obj.first_seen == pytest.approx(times[first])
        assert rendered.max_pixels[obj.id] == counts.max()
        assert rendered.visible_pixels[obj.id] == counts.sum()
    firsts = [o.first_seen for o in rendered.code.objects]
    assert firsts == sorted(firsts)  # objects kept in first-appearance order


def test_frames_json_poses_match_the_camera_trajectory(rendered):
    doc, _, _ = load_frames(rendered.out_dir)
    for frame, pose in zip(doc["frames"], rendered.code.camera):
        assert frame["position"] == pytest.approx(list(pose.position))
        assert frame["quaternion"] == pytest.approx(list(pose.quaternion))
        assert frame["t"] == pytest.approx(pose.t)
    ids = {str(o.id): o.label for o in rendered.code.objects}
    assert doc["labels"] == ids
    for frame, m in zip(doc["frames"], load_frames(rendered.out_dir)[2]):
        assert set(frame["labels"]) == {str(i) for i in np.unique(m[m >= 0])}


def test_render_is_deterministic(rendered, tmp_path):
    again = _render(tiny_scene(), tmp_path / "b")
    _, depth_a, masks_a = load_frames(rendered.out_dir)
    _, depth_b, masks_b = load_frames(again.out_dir)
    assert np.array_equal(depth_a, depth_b) and np.array_equal(masks_a, masks_b)
    assert again.code.to_dict()["objects"] == rendered.code.to_dict()["objects"]


# -- scenes from real annotations and bad input -------------------------------------------------


def test_scene_without_polygon_with_tilted_floating_objects(tmp_path):
    objects = [
        SpatialObject(0, "bed", Box3D((2.0, 1.0, 0.3 - 0.8), (2.0, 1.6, 0.6), (0.02, -0.01, 1.2))),
        SpatialObject(1, "monitor", Box3D((0.0, 2.5, 1.0 - 0.8), (0.25, 0.6, 0.5), (1.5, 0.2, 0.1))),  # box y is up
        SpatialObject(2, "mystery object", Box3D((-0.5, 0.0, 1.8 - 0.8), (0.3, 0.3, 0.3), (0.5, 0.5, 0.5))),
    ]
    code = SpatialCode(objects=tuple(objects), room=Room(area=20.0))
    layout = room_layout(code)
    assert layout.invented and layout.floor_z == pytest.approx(min(o.box.corners[:, 2].min() for o in objects))
    out = _render(code, tmp_path, max_frames=40)
    assert out.frame_count > 0
    doc, depth, masks = load_frames(out.out_dir)
    assert doc["room"]["invented"] is True
    for obj in objects:
        sel = masks == obj.id
        if sel.any():
            pts = np.concatenate([backproject(d, f)[m == obj.id] for f, d, m in zip(doc["frames"], depth, masks)])
            assert points_in_box(obj.box, pts, tolerance=0.01).mean() >= 0.99


@pytest.mark.filterwarnings("ignore:camera path compressed")
def test_overlapping_boxes_render(tmp_path):
    objects = [
        SpatialObject(0, "bed", Box3D((2.0, 1.5, 0.3), (2.0, 1.5, 0.6))),
        SpatialObject(1, "pillow", Box3D((1.3, 1.5, 0.6), (0.4, 0.6, 0.2))),  # sunk into the bed
        SpatialObject(2, "towel", Box3D((2.0, 1.5, 0.1), (0.2, 0.2, 0.1))),  # hidden inside the bed frame
    ]
    code = SpatialCode(objects=tuple(objects), room=Room(polygon=((0, 0), (4, 0), (4, 3), (0, 3))))
    with pytest.warns(UserWarning, match="never reach .* #2 towel lies inside the box of bed #0"):
        out = render_scene(code, tmp_path, RenderConfig(path=TINY), progress=False)
    assert 2 in out.unseen and out.code.objects[-1].first_seen is None
    assert out.code.objects[-1].id == 2


def test_empty_scene_is_a_clear_error(tmp_path):
    with pytest.raises(SpatialCodeError, match="no objects"):
        render_scene(SpatialCode(), tmp_path, RenderConfig(path=TINY), progress=False)


def test_ids_beyond_int16_are_a_clear_error(tmp_path):
    code = SpatialCode(objects=(SpatialObject(40000, "chair", Box3D((1, 1, 0.4), (0.5, 0.5, 0.8))),))
    with pytest.raises(SpatialCodeError, match="int16"):
        render_scene(code, tmp_path, RenderConfig(path=TINY), progress=False)


def test_config_validation():
    with pytest.raises(ValidationError, match="^path.width: must be an even number"):
        RenderConfig(path=PathConfig(width=63))
    with pytest.raises(ValidationError, match="fps"):
        RenderConfig(path=PathConfig(fps=0))
    with pytest.raises(ValidationError, match="^widht: unknown setting"):
        build_config(RenderConfig, {"widht": 64})
    config = RenderConfig(path=PathConfig(width=32, height=24, hfov_deg=70.0), wall_color=(1, 2, 3))
    assert build_config(RenderConfig, json.loads(json.dumps(config.to_dict()))) == config
    assert build_config(RenderConfig, {"path": {"fps": 5}}) == RenderConfig(path=PathConfig(fps=5.0))  # the rest: defaults


def test_a_render_config_in_the_flat_layout_names_the_key_and_its_group():
    """Settings of the camera path belong in the ``path`` group; the flat layout of earlier
    versions is refused with the key named, not taken silently or with a traceback."""
    with pytest.raises(ValidationError, match=r"^height: unknown setting .*; it belongs to a group: path\.height$"):
        build_config(RenderConfig, {"width": 320, "height": 240, "seed": 3})


def test_frame_renderer_depth_is_z_depth():
    """Looking straight at a wall 2 m away: every pixel's depth is 2 m (z-depth, not range)."""
    code = SpatialCode(objects=(SpatialObject(0, "box", Box3D((3.5, 0.5, 0.2), (0.2, 0.2, 0.4))),),
                       room=Room(polygon=((0, -5), (4, -5), (4, 5), (0, 5)), height=10.0))
    geometry = build_scene_geometry(code)
    frame = FrameRenderer(geometry, Intrinsics.from_hfov(32, 24, 90.0)).render(CameraPose.from_yaw_pitch(0.0, (2.0, 3.0, 5.0), 0.0, 0.0))
    assert frame.depth == pytest.approx(np.full((24, 32), 2.0), abs=1e-4)
    assert (frame.mask == -1).all()


def test_a_box_renders_at_the_pixels_worked_out_by_hand():
    """The principal point: integer pixel coordinates are pixel centres, so a 32 × 24 image with
    a 90° field of view has fx = fy = 16 and its centre at (15.5, 11.5). A camera at height 1.5 m
    looking along +x (image right = world -y, down = world -z) sees the 1.1 m × 0.6 m near face of
    a box 2 m ahead, centred on the optical axis, from u = 15.5 ∓ 16 · 0.55 / 2 = 11.1 to 19.9 and
    v = 11.5 ∓ 16 · 0.3 / 2 = 9.1 to 13.9: the pixel centres in columns 12..19 and rows 10..13,
    symmetric about the image centre. (A principal point at (w/2, h/2) would show columns 12..20
    and rows 10..14.)"""
    code = SpatialCode(objects=(SpatialObject(7, "slab", Box3D((2.2, 0.0, 1.5), (0.4, 1.1, 0.6))),),
                       room=Room(polygon=((-1, -4), (6, -4), (6, 4), (-1, 4)), height=3.0))
    camera = Intrinsics.from_hfov(32, 24, 90.0)
    pose = CameraPose.from_yaw_pitch(0.0, (0.0, 0.0, 1.5), 0.0, 0.0)
    frame = FrameRenderer(build_scene_geometry(code), camera, texture=False).render(pose)
    rows, cols = np.nonzero(frame.mask == 7)
    assert (sorted(set(rows)), sorted(set(cols))) == (list(range(10, 14)), list(range(12, 20)))
    assert len(rows) == 4 * 8 and np.array_equal(frame.mask, frame.mask[:, ::-1])  # a mirror image
    assert frame.depth[frame.mask == 7] == pytest.approx(2.0, abs=1e-5)  # z-depth of the near face
    corners = np.array([[2.0, 0.55, 1.8], [2.0, -0.55, 1.2]])  # the face's top left and bottom right
    uv, depth = project_points(corners, camera, pose)
    np.testing.assert_allclose(uv, [[11.1, 9.1], [19.9, 13.9]], atol=1e-9)  # the model agrees
    np.testing.assert_allclose(depth, 2.0)


# -- writers -------------------------------------------------------------------------------------


def test_video_writer_round_trip(tmp_path):
    assert pick_codec() in ("libx264", "mpeg4")
    frames = [np.full((32, 48, 3), (40 * i, 100, 200 - 40 * i), dtype=np.uint8) for i in range(5)]
    with VideoWriter(tmp_path / "v.mp4", 48, 32, 5.0) as writer:
        for f in frames:
            writer.write(f)
    back = list(read_video(tmp_path / "v.mp4"))
    assert len(back) == 5
    for a, b in zip(frames, back):
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 6
    with pytest.raises(SpatialCodeError, match="even"):
        VideoWriter(tmp_path / "w.mp4", 33, 32, 5.0)


@pytest.mark.parametrize(("settings", "message"), [
    ({"path": {"fps": "fast"}}, "^path.fps: expected a number, got 'fast'"),
    ({"path": {"width": True}}, "^path.width: expected a whole number"),
    ({"path": {"max_frames": 2.5}}, "^path.max_frames: expected a whole number or null"),
    ({"path": 5}, "^path: expected a group of settings"),
    ({"wall_color": 5}, "^wall_color: expected a list of"),
    ({"faults": {"speed": 3}}, r"^faults\.speed: unknown setting"),
    ({"faults": {"depth_noise": "high"}}, r"^faults\.depth_noise: expected a number"),
])
def test_render_settings_of_the_wrong_kind_are_named(settings, message):
    with pytest.raises(ValidationError, match=message):
        build_config(RenderConfig, settings)


def test_room_wider_than_the_planner_takes_is_refused():
    code = SpatialCode(objects=(SpatialObject(0, "chair", Box3D((1, 1, 0.4), (0.5, 0.5, 0.8))),),
                       room=Room(polygon=((0, 0), (500, 0), (500, 3), (0, 3))))
    with pytest.raises(SpatialCodeError, match="the room spans 500 m"):
        room_layout(code)
