"""Procedural scenes: determinism, exact geometry (inside the room, no interpenetration, resting
on floor or supports), furniture arrangement, room outlines, config errors, JSON round trip."""

from __future__ import annotations

import math
from collections import Counter

import pytest
import shapely

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.geometry import box_distance, box_footprint, polygon_area
from spatialcode.scene import SpatialCode
from spatialcode.synth import (
    ROOM_KINDS,
    SceneGenConfig,
    category,
    generate_scene,
    plan_floor,
)
from spatialcode.synth.draw import Draw
from spatialcode.synth.rooms import ROOM_AREAS

TOL = 1e-7
SEEDS = range(50)
# More L-shaped and joined rooms than the default, so both are well covered.
MIXED = SceneGenConfig(l_shape_probability=0.4, two_rooms_probability=0.4)


@pytest.fixture(scope="module")
def scenes() -> list[SpatialCode]:
    return [generate_scene(seed, MIXED) for seed in SEEDS]


def _bottom(obj) -> float:
    return obj.box.center[2] - obj.box.size[2] / 2


def _top(obj) -> float:
    return obj.box.center[2] + obj.box.size[2] / 2


def _support(obj, objects):
    """The object ``obj`` rests on: its top at ``obj``'s bottom, its footprint covering ``obj``'s."""
    footprint = box_footprint(obj.box)
    for other in objects:
        if other is not obj and abs(_top(other) - _bottom(obj)) < 1e-9 and box_footprint(other.box).buffer(1e-6).covers(footprint):
            return other
    return None


def _on_wall(obj, polygon: shapely.Polygon) -> bool:
    """Whether the box's back face lies on the room outline and its front points inside."""
    yaw, (cx, cy, _), depth = obj.box.yaw, obj.box.center, obj.box.size[0]
    back = shapely.Point(cx - math.cos(yaw) * depth / 2, cy - math.sin(yaw) * depth / 2)
    step = min(0.02, depth / 2) - depth / 2  # just in front of the back face
    ahead = shapely.Point(cx + math.cos(yaw) * step, cy + math.sin(yaw) * step)
    return polygon.exterior.distance(back) < 1e-6 and polygon.contains(ahead)


def _bearing_deg(seat, target) -> float:
    yaw = seat.box.yaw
    dx, dy = target.box.center[0] - seat.box.center[0], target.box.center[1] - seat.box.center[1]
    return math.degrees(abs(math.atan2(math.cos(yaw) * dy - math.sin(yaw) * dx, math.cos(yaw) * dx + math.sin(yaw) * dy)))


# -- determinism and metadata -----------------------------------------------------------------
def test_same_seed_same_json_and_seeds_differ():
    assert generate_scene(7).to_json() == generate_scene(7).to_json()
    assert generate_scene(7, MIXED, "office").to_json() == generate_scene(7, MIXED, "office").to_json()
    assert generate_scene(7).to_json() != generate_scene(8).to_json()


def test_ids_source_and_provenance(scenes):
    for seed, code in zip(SEEDS, scenes):
        assert [o.id for o in code.objects] == list(range(len(code.objects)))
        assert all(o.first_seen is None for o in code.objects)
        assert code.source.dataset == "synthetic" and code.source.scene_name == f"synth_{seed:06d}"
        config = code.provenance.config
        assert code.provenance.producer == "spatialcode.synth.generate"
        assert config["seed"] == seed and config["min_clearance"] == MIXED.min_clearance
        assert config["rooms"][0] in ROOM_KINDS and code.provenance.config_hash


def test_json_round_trip(scenes):
    for code in scenes[:10]:
        text = code.to_json()
        assert SpatialCode.from_json(text).to_json() == text


# -- exact geometry -------------------------------------------------------------------------------
def test_every_object_inside_the_room(scenes):
    for code in scenes:
        room = shapely.Polygon(code.room.polygon)
        assert room.is_valid and room.exterior.is_ccw
        assert code.room.area == pytest.approx(room.area)
        inside = room.buffer(1e-6)
        for obj in code.objects:
            assert inside.covers(box_footprint(obj.box)), (code.source.scene_name, obj.label)
            assert _bottom(obj) >= -1e-9 and _top(obj) <= code.room.height + 1e-9


def test_no_two_objects_interpenetrate(scenes):
    clearance = MIXED.min_clearance
    pairs = 0
    for code in scenes:
        objects = code.objects
        for i, a in enumerate(objects):
            for b in objects[i + 1:]:
                if math.dist(a.box.center, b.box.center) > a.box.bounding_radius + b.box.bounding_radius + clearance:
                    continue
                if _support(a, [b]) is not None or _support(b, [a]) is not None:
                    continue
                pairs += 1
                assert box_distance(a.box, b.box) >= clearance - TOL, (code.source.scene_name, a.label, b.label)
    assert pairs > 500  # the check is not vacuous: many near pairs were measured


def test_objects_rest_on_floor_support_wall_or_ceiling(scenes):
    kinds = Counter()
    for code in scenes:
        room = shapely.Polygon(code.room.polygon)
        for obj in code.objects:
            placements = set(category(obj.label).placements)
            if abs(_bottom(obj)) < 1e-9:
                assert placements & {"floor", "against_wall", "in_wall"}, obj.label
                kinds["floor"] += 1
            elif _support(obj, code.objects) is not None:
                assert "on_support" in placements, obj.label
                kinds["support"] += 1
            elif abs(_top(obj) - code.room.height) < 1e-9:
                assert placements == {"ceiling"}, obj.label
                kinds["ceiling"] += 1
            else:
                assert placements & {"wall_mounted", "in_wall"}, obj.label
                assert _on_wall(obj, room), (code.source.scene_name, obj.label)
                kinds["wall"] += 1
    assert min(kinds.values()) > 20, kinds


def test_supported_objects_sit_on_allowed_supports(scenes):
    seen = 0
    for code in scenes:
        for obj in code.objects:
            cat = category(obj.label)
            if cat.placements != ("on_support",):
                continue
            support = _support(obj, code.objects)
            assert support is not None, obj.label
            assert support.label in {s for v in cat.variants for s in v.supports}, (obj.label, support.label)
            assert abs(_bottom(support)) < 1e-9  # supports stand on the floor
            seen += 1
    assert seen > 50


def test_doors_and_windows_in_walls(scenes):
    for code in scenes:
        room = shapely.Polygon(code.room.polygon)
        openings = [o for o in code.objects if o.label in ("door", "window")]
        assert any(o.label == "door" for o in openings)
        for obj in openings:
            assert _on_wall(obj, room), (code.source.scene_name, obj.label)
            assert 0.05 - 1e-9 <= obj.box.size[0] <= 0.1 + 1e-9
            if obj.label == "door":
                assert abs(_bottom(obj)) < 1e-9 and 1.95 - 1e-9 <= obj.box.size[2] <= 2.1 + 1e-9
            else:
                assert 0.8 - 1e-9 <= _bottom(obj) <= 1.0 + 1e-9
            corners = box_footprint(obj.box)
            assert all(corners.distance(shapely.Point(v)) >= 0.15 - 1e-6 for v in code.room.polygon)
        for i, a in enumerate(openings):
            for b in openings[i + 1:]:
                assert box_distance(a.box, b.box) >= 0.2 - TOL


def test_door_swing_zones_are_free(scenes):
    for code in scenes:
        for door in (o for o in code.objects if o.label == "door"):
            yaw, (cx, cy, _), (depth, width, height) = door.box.yaw, door.box.center, door.box.size
            c, s = math.cos(yaw), math.sin(yaw)
            ahead = depth / 2 + 0.4  # the zone: a door-wide square in front of the door
            zone = shapely.Polygon([(cx + c * ahead + dx * c - dy * s, cy + s * ahead + dx * s + dy * c)
                                    for dx, dy in ((-0.4, -width / 2), (0.4, -width / 2), (0.4, width / 2), (-0.4, width / 2))])
            for obj in code.objects:
                if obj is door or _bottom(obj) >= height:
                    continue
                assert box_footprint(obj.box).intersection(zone).area < 1e-9, (code.source.scene_name, obj.label)


# -- arrangement ----------------------------------------------------------------------------------
def test_seats_at_tables_face_them(scenes):
    at_tables = 0
    for code in scenes:
        tables = [o for o in code.objects if o.label == "table"]
        for seat in (o for o in code.objects if o.label == "chair"):
            near = [t for t in tables if box_distance(seat.box, t.box) <= 0.4]
            if near:
                at_tables += 1
                assert min(_bearing_deg(seat, t) for t in near) < 60.0, code.source.scene_name
    assert at_tables > 30


def test_against_wall_furniture_backs_onto_walls(scenes):
    wall_only = {"bed", "sofa", "toilet", "bathtub", "bookshelf", "counter", "fireplace", "heater"}
    checked = 0
    for code in scenes:
        room = shapely.Polygon(code.room.polygon)
        for obj in (o for o in code.objects if o.label in wall_only):
            assert _on_wall(obj, room), (code.source.scene_name, obj.label)
            checked += 1
    assert checked > 50


def test_some_category_counts_reach_two(scenes):
    repeated = Counter(label for code in scenes for label, n in Counter(o.label for o in code.objects).items() if n >= 2)
    assert repeated["chair"] > 5 and len(repeated) >= 8, repeated


# -- rooms ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ROOM_KINDS)
def test_each_room_kind_generates(kind):
    essentials = {"bedroom": "bed", "living room": "sofa", "kitchen": "refrigerator", "office": "table", "bathroom": "toilet"}
    config = SceneGenConfig(two_rooms_probability=0.0, l_shape_probability=0.0)
    for seed in range(6):
        code = generate_scene(seed, config, kind)
        assert code.provenance.config["rooms"] == [kind]
        lo, hi = ROOM_AREAS[kind]
        assert lo * 0.97 <= code.room.area <= hi * 1.03 and 2.4 <= code.room.height <= 3.0
        assert code.count(essentials[kind]) >= 1 and code.count("door") >= 1


def test_l_shape_area_is_the_union_of_its_rectangles():
    config = SceneGenConfig(l_shape_probability=1.0, two_rooms_probability=0.0)
    shapes = 0
    for seed in range(20):
        plan = plan_floor(Draw(seed), "living room", config)
        union = shapely.union_all([shapely.box(*r) for r in plan.rectangles])
        assert polygon_area(plan.polygon) == pytest.approx(union.area)
        assert shapely.Polygon(plan.polygon).symmetric_difference(union).area < 1e-9
        shapes += len(plan.polygon) == 6
    assert shapes >= 15  # most draws are L-shaped (a few fall back to rectangles)


def test_joined_rooms_form_one_simple_outline():
    config = SceneGenConfig(l_shape_probability=0.5, two_rooms_probability=1.0)
    joined = 0
    for seed in range(20):
        plan = plan_floor(Draw(seed), "bedroom", config)
        outline = shapely.Polygon(plan.polygon)
        union = shapely.union_all([shapely.box(*r) for r in plan.rectangles])
        assert outline.is_valid and outline.symmetric_difference(union).area < 1e-9
        assert plan.area == pytest.approx(outline.area)
        if len(plan.rooms) == 2:
            joined += 1
            assert plan.rooms[1].kind in ("bathroom", "office") and plan.passage is not None
            assert not any(w.exterior for w in plan.rooms[1].walls if _touches(w, plan.passage))
    assert joined >= 15


def _touches(wall, rect) -> bool:
    return shapely.LineString([wall.start, wall.end]).distance(shapely.box(*rect)) < 1e-9


def test_random_orientation_keeps_the_layout():
    plain = generate_scene(3, MIXED)
    turned = generate_scene(3, SceneGenConfig(l_shape_probability=0.4, two_rooms_probability=0.4, random_orientation=True))
    assert [o.label for o in plain.objects] == [o.label for o in turned.objects]
    assert turned.room.area == pytest.approx(plain.room.area)
    a, b = plain.objects[0], plain.objects[-1]
    ta, tb = turned.objects[0], turned.objects[-1]
    assert box_distance(ta.box, tb.box) == pytest.approx(box_distance(a.box, b.box), abs=1e-9)


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"room_kinds": ()}, "room_kinds"),
        ({"room_kinds": ("garage",)}, "room_kinds"),
        ({"l_shape_probability": 1.5}, "l_shape_probability"),
        ({"two_rooms_probability": -0.1}, "two_rooms_probability"),
        ({"room_height": (3.0, 2.5)}, "room_height"),
        ({"room_height": (1.8, 2.0)}, "room_height"),
        ({"furniture_density": -1}, "furniture_density"),
        ({"min_clearance": 2.0}, "min_clearance"),
        ({"area_scale": 0.0}, "area_scale"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"on_unplaceable": "ignore"}, "on_unplaceable"),
    ],
)
def test_invalid_config_names_the_field(kwargs, field):
    with pytest.raises(ValidationError) as err:
        SceneGenConfig(**kwargs)
    assert err.value.field == field and "\n" not in str(err.value)


def test_invalid_seed_or_kind():
    with pytest.raises(ValidationError, match="seed"):
        generate_scene(-1)
    with pytest.raises(ValidationError, match="kind.*garage"):
        generate_scene(1, kind="garage")
    assert generate_scene(1, kind="Living_Room").provenance.config["rooms"][0] == "living room"


def test_overfull_rooms_skip_and_record_or_raise():
    crowded = {"area_scale": 0.3, "furniture_density": 4.0, "min_clearance": 0.4, "two_rooms_probability": 0.0}
    code = generate_scene(5, SceneGenConfig(**crowded), "office")
    unplaced = code.provenance.config["unplaced"]
    assert unplaced and all(n > 0 for n in unplaced.values())
    with pytest.raises(SpatialCodeError, match="no free spot .* lower furniture_density") as err:
        generate_scene(5, SceneGenConfig(**crowded, on_unplaceable="raise"), "office")
    assert "\n" not in str(err.value)


def test_density_zero_keeps_only_essentials():
    code = generate_scene(2, SceneGenConfig(furniture_density=0.0, two_rooms_probability=0.0), "bedroom")
    labels = Counter(o.label for o in code.objects)
    assert labels["bed"] == 1 and labels["chair"] == 0 and labels["backpack"] == 0
