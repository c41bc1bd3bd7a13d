"""Tools over the code (the solver's geometry by object name or category) and the sandbox that
runs a model's program: what it computes, and what it refuses or stops."""

from __future__ import annotations

import pytest

from spatialcode.reason.sandbox import SandboxLimits, check_program, run_program
from spatialcode.reason.tools import TOOL_SIGNATURES, SpatialTools, ToolError
from tests.fixtures import small_scene

FAST = SandboxLimits(timeout=2.0, cpu_seconds=2, memory_mb=256)


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
    with pytest.raises(ToolError, match="no object 'piano'"):
        tools.nearest("sofa", ["laptop", "piano"])


def test_programs_compute_with_tools_scene_and_math():
    result = run_program("d = distance('sofa', 'dining chair')\nprint('d =', d)\n"
                         "tall = [o['name'] for o in scene if o['size'][2] > 0.5]\n"
                         "answer = {'d': d, 'tall': tall, 'deg': round(math.degrees(math.atan2(1, 1)))}", small_scene(), FAST)
    assert result.error is None and result.output == "d = 1.55\n"
    assert result.answer == {"d": 1.55, "tall": ["dining_chair_1", "dining_chair_2", "sofa_1"], "deg": 45}
    assert run_program("answer = direction('sofa', 'laptop', 'dining_chair_2')['side']", small_scene(), FAST).answer == "right"


@pytest.mark.parametrize(("source", "error"), [
    ("import os\nanswer = os.listdir('/')", "imports are not allowed"),
    ("from pathlib import Path", "imports are not allowed"),
    ("answer = open('/etc/passwd').read()", "the name 'open' is not allowed"),
    ("answer = __import__('os')", "the name '__import__' is not allowed"),
    ("answer = ().__class__.__bases__[0].__subclasses__()", "the attribute '__subclasses__' is not allowed"),
    ("answer = getattr(math, 'pi')", "the name 'getattr' is not allowed"),
    ("answer = (", "SyntaxError"),
])
def test_refused_before_running(source, error):
    assert error in check_program(source)
    result = run_program(source, small_scene(), FAST)
    assert result.answer is None and error in result.error


@pytest.mark.parametrize(("source", "error"), [
    ("while True:\n    pass", "timed out after 2 s"),
    ("x = [0] * (10 ** 9)", "MemoryError"),
    ("answer = size('piano')", "ToolError: no object 'piano' in the scene"),
    ("answer = 1 / 0", "ZeroDivisionError: division by zero"),
    ("answer = bytearray(10)", "NameError"),  # builtins outside the small safe set are not there
])
def test_failures_come_back_as_one_line(source, error):
    result = run_program(source, small_scene(), FAST)
    assert result.answer is None and error in result.error and "\n" not in result.error


def test_a_non_plain_answer_comes_back_as_its_repr_and_output_is_capped():
    result = run_program("answer = range(3)\nfor i in range(5000):\n    print('x' * 10)", small_scene(), FAST)
    assert result.answer == "range(0, 3)" and len(result.output) == 4000
