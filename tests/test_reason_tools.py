"""Tools over the code: the solver's geometry by object name or category."""

from __future__ import annotations

import pytest

from spatialcode.geometry.box import Box3D
from spatialcode.reason.tools import TOOL_SIGNATURES, SpatialTools, ToolError, checked_call
from spatialcode.scene import SpatialCode, SpatialObject
from tests.fixtures import small_scene


def test_tools_answer_by_instance_name_or_category():
    tools = SpatialTools(small_scene())
    assert tools.objects() == ["dining_chair_1", "laptop_1", "dining_chair_2", "sofa_1"]
    # sofa (x 1.0±0.45 after its 90° turn: x in [0.55, 1.45], y in [0.95, 3.05]); chairs at x = -1.25 ± 0.25
    assert tools.distance("sofa", "dining_chair_2") == pytest.approx(1.55)
    assert tools.distance("dining chair", "sofa") == pytest.approx(1.55)  # the closest pair of instances
    assert tools.distance("dining_chair_1", "dining_chair_2") == pytest.approx(0.45)
    assert tools.size("sofa") == 2.1 and tools.size("laptop_1") == 0.35
    assert tools.count("dining chair") == 3 and tools.count("piano") == 0  # the declared count
    assert tools.area() == 18.04 and tools.first_seen("dining chair") == 0.5 and tools.first_seen("sofa") is None
    # standing at the sofa (1, 2) facing the first chair (-1.25, 0.5): the second chair (-1.25, 1.5) is to the right
    where = tools.direction("sofa", "dining_chair_1", "dining_chair_2")
    assert where["side"] == "right" and where["quadrant"] == "front-right" and 270 < where["bearing_deg"] < 360
    assert tools.nearest("sofa", ["laptop", "dining chair"]) == "laptop"  # laptop 0.95 m, chairs 1.55 m
    assert tools.nearest("dining_chair_1", ["sofa_1", "dining_chair_2"]) == "dining_chair_2"
    assert set(tools.functions()) == set(TOOL_SIGNATURES)


def test_tool_errors_say_what_is_wrong():
    tools = SpatialTools(small_scene())
    with pytest.raises(ToolError, match="no object 'piano'"):
        tools.size("piano")
    with pytest.raises(ToolError, match="same object"):
        tools.distance("sofa_1", "sofa")
    with pytest.raises(ToolError, match="coincide"):
        tools.direction("sofa", "sofa", "laptop")
    with pytest.raises(ToolError, match="a list of object names"):
        tools.nearest("sofa", "laptop")
    assert tools.nearest("sofa", ["laptop", "piano"]) == "laptop"  # the piano has no box: among the others
    with pytest.raises(ToolError, match="no candidate of"):
        tools.nearest("sofa", ["piano", "harp"])
    with pytest.raises(ToolError, match="no object 'harp'"):
        tools.nearest("harp", ["sofa"])


def test_over_an_imperfect_code_the_tools_estimate_as_the_solver_does():
    """Worked by hand: unit cubes along x (table at 0, chair at 3, bed at 5, lamp at 12) and no
    room. The floor is the hull of their footprints, 13 m × 1 m; a door (no box) is the median
    closest-point distance from the table to the others (2, 4, 11 m → 4 m) away and as long as
    the catalogue's typical door (1.95–2.10 m high → 2.025 m); a harp is neither in the code nor
    in the catalogue."""
    code = SpatialCode(objects=tuple(SpatialObject(i, label, Box3D((x, 0.0, 0.5), (1.0, 1.0, 1.0)))
                                     for i, (label, x) in enumerate((("table", 0), ("chair", 3), ("bed", 5), ("lamp", 12)))))
    tools = SpatialTools(code)
    assert tools.area() == 13.0
    assert tools.distance("door", "table") == tools.distance("table", "door") == 4.0
    assert tools.size("door") == 2.025 and tools.size("table") == 1.0
    assert SpatialTools(SpatialCode(objects=code.objects[:2])).area() is None  # two objects span too little
    with pytest.raises(ToolError, match="no object 'harp'"):
        tools.size("harp")
    lone = SpatialTools(SpatialCode(objects=code.objects[:1]))
    with pytest.raises(ToolError, match="too few objects to estimate"):
        lone.distance("door", "table")


def test_tool_calls_on_untrusted_arguments_are_checked_before_they_run():
    tools = SpatialTools(small_scene())
    assert checked_call(tools, "distance", ["sofa", "laptop"], {}) == {"result": 0.949}
    assert checked_call(tools, "nearest", ["sofa"], {"candidates": ["laptop"]}) == \
           {"result": "laptop"}
    for bad in ("functions", "__init__", "instances", None, ["distance"]):
        assert checked_call(tools, bad, [], {})["error"].startswith(f"no tool {str(bad)!r}; the tools are distance, ")
    assert "takes object names" in checked_call(tools, "size", [3], {})["error"]
    assert "takes object names" in checked_call(tools, "size", [["a", ["b"]]], {})["error"]
    assert "takes object names" in checked_call(tools, "size", ["x" * 201], {})["error"]
    assert "too many arguments" in checked_call(tools, "size", ["a"] * 5, {})["error"]
    assert "too many arguments" in checked_call(tools, "size", "abc", {})["error"]


    assert checked_call(tools, "size", [], {"y": "sofa"}) == \
           {"error": "wrong arguments: call it as size(x)"}
    assert checked_call(tools, "size", ["piano"], {}) == {"error": "no object 'piano' in the scene"}
