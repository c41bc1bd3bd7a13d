"""The LLM that calls tools: the conversation it holds with the sandbox, and its records."""

from __future__ import annotations

import json
import math

import pytest

from spatialcode.core.errors import ValidationError
from spatialcode.questions.vsibench import parse_question
from spatialcode.reason.backends import Completion
from spatialcode.reason.extract import extract_answer
from spatialcode.reason.llm_tools import TOOL_EXAMPLES, ToolLLMConfig, ToolLLMReasoner, build_tool_prompt
from spatialcode.reason.sandbox import SandboxLimits, run_program
from spatialcode.reason.tool_protocols import CallProtocol, ProgramProtocol, tool_schemas
from spatialcode.reason.tools import TOOL_SIGNATURES, SpatialTools, checked_call
from spatialcode.scene import Box3D, Room, SpatialCode, SpatialObject
from tests.fixtures import matches_snapshot, small_scene

DISTANCE = "Measuring from the closest point of each object, what is the distance between the sofa and the dining chair (in meters)?"


class _Scripted:
    """Replies with the scripted texts in turn; keeps every prompt it was given."""

    model = "scripted"

    def __init__(self, *replies: str) -> None:
        self.replies, self.prompts = list(replies), []

    def complete(self, prompts, sampling):
        self.prompts += prompts
        assert "</program>" in sampling.stop or "</tool_call>" in sampling.stop
        return [Completion(self.replies.pop(0), prompt_tokens=50, completion_tokens=10, seconds=0.5)]


def test_a_program_runs_and_its_output_comes_back():
    backend = _Scripted("I will measure it.\n<program>print(distance('sofa', 'dining chair'))", "<answer>1.55 m</answer>")
    answer = ToolLLMReasoner(backend, ToolLLMConfig(limits=SandboxLimits(timeout=2))).answer_question(
        small_scene(), DISTANCE, None, "object_abs_distance")
    assert answer.prediction == "1.55" and answer.answered
    second = backend.prompts[1].messages()
    assert second[-2] == {"role": "assistant", "content": "I will measure it.\n<program>print(distance('sofa', 'dining chair'))</program>"}
    assert second[-1] == {"role": "user", "content": "<output>1.55</output>"}
    assert answer.extra["tool_calls"] == [{"program": "print(distance('sofa', 'dining chair'))", "output": "1.55\n", "ok": True}]
    assert answer.extra["prompt_tokens"] == 100 and answer.extra["completion_tokens"] == 20 and answer.extra["latency_s"] == 1.0


def test_refused_programs_report_their_error_and_rounds_are_capped():
    backend = _Scripted("<program>import os</program>", "<program>```python\nprint(size('piano'))\n```</program>",
                        "<program>print(1)</program>")
    answer = ToolLLMReasoner(backend, ToolLLMConfig(max_rounds=2)).answer_question(small_scene(), DISTANCE)
    outputs = [call["output"] for call in answer.extra["tool_calls"]]
    assert outputs == ["imports are not allowed (line 1)", "ToolError: no object 'piano' in the scene"]
    assert answer.extra["tool_calls"][1]["program"] == "print(size('piano'))"  # markdown fences dropped
    assert len(backend.prompts) == 3 and answer.prediction == "" and answer.extra["parse"] == "unparseable"


def test_a_direct_answer_is_sent_back_once_for_a_program():
    question = ("If I am standing by the sofa and facing the laptop, is the dining chair to my left or right?",
                ["A. left", "B. right"], "object_rel_direction_easy")
    backend = _Scripted("<answer>A</answer>", "<program>print(direction('sofa', 'laptop', 'dining chair')['side'])",
                        "<answer>right</answer>")
    answer = ToolLLMReasoner(backend).answer_question(small_scene(), *question)
    assert backend.prompts[1].messages()[-2:] == [{"role": "assistant", "content": "<answer>A</answer>"},
                                                   {"role": "user", "content": ProgramProtocol().reminder}]
    assert answer.prediction == "B" and answer.extra["reminded"] and answer.extra["rounds"] == 1
    # reminded once only, and not at all when programs are optional
    backend = _Scripted("<answer>A</answer>", "<answer>B</answer>")
    answer = ToolLLMReasoner(backend).answer_question(small_scene(), *question)
    assert answer.prediction == "B" and len(backend.prompts) == 2 and answer.extra["rounds"] == 0
    backend = _Scripted("<answer>B</answer>")
    answer = ToolLLMReasoner(backend, ToolLLMConfig(require_tool_use=False)).answer_question(small_scene(), *question)
    assert answer.prediction == "B" and len(backend.prompts) == 1 and not answer.extra["reminded"]


def test_the_tool_prompt_lists_names_not_boxes_after_worked_examples():
    prompt = build_tool_prompt(small_scene(), DISTANCE, None, "object_abs_distance")
    messages = prompt.messages()
    matches_snapshot("prompt_tools_distance.txt", "".join(f"[{m['role']}]\n{m['content']}\n\n" for m in messages))
    assert "distance(a, b) -> metres" in prompt.system
    assert [m["role"] for m in messages[:5]] == ["system", "user", "assistant", "user", "assistant"]
    assert len(messages) == 2 + 4 * len(TOOL_EXAMPLES) and messages[-1]["content"] == prompt.user
    assert {"role": "assistant", "content": "<program>print(distance('bed', 'tv'))</program>"} in messages
    assert prompt.user.startswith("Objects: dining_chair_1, dining_chair_2, sofa_1, laptop_1.")  # named ones first
    assert "center" not in prompt.user and prompt.user.endswith("a number with its unit.")
    with pytest.raises(ValidationError, match="max_rounds"):
        ToolLLMConfig(max_rounds=-1)


def test_task_examples_show_only_the_questions_own_task_and_all_when_it_has_none():
    """``examples="task"``: the distance question gets the one distance example (4 turns); a task
    without an example (route planning) or no task gets every example; a typo is refused."""
    def examples_shown(question_type, examples):
        return (len(build_tool_prompt(small_scene(), DISTANCE, None, question_type, None, examples).messages()) - 2) // 4

    assert examples_shown("object_abs_distance", "task") == 1
    prompt = build_tool_prompt(small_scene(), DISTANCE, None, "object_abs_distance", None, "task").messages()
    assert prompt[2] == {"role": "assistant", "content": "<program>print(distance('bed', 'tv'))</program>"}
    assert examples_shown("object_abs_distance", "all") == len(TOOL_EXAMPLES)
    assert examples_shown("route_planning", "task") == examples_shown(None, "task") == len(TOOL_EXAMPLES)
    backend = _Scripted("<answer>2 m</answer>")
    ToolLLMReasoner(backend, ToolLLMConfig(examples="task", require_tool_use=False)).answer_question(
        small_scene(), DISTANCE, None, "object_abs_distance")
    assert len(backend.prompts[0].messages()) == 2 + 4
    with pytest.raises(ValidationError, match="examples"):
        ToolLLMConfig(examples="some")


def test_every_worked_example_runs_and_prints_what_it_shows():
    labels = ("chair", "bed", "tv", "table", "lamp", "desk", "door", "sofa", "window")
    code = SpatialCode(objects=tuple(
        SpatialObject(i, label, Box3D((1.5 * math.cos(i), 1.5 * math.sin(i), 0.4), (0.6, 0.5, 0.8), (0.0, 0.0, 0.0)), None)
        for i, label in enumerate(labels)), room=Room(area=20.0))
    for example in TOOL_EXAMPLES:
        program, shown, options = example.step.program, example.step.output, list(example.options) or None
        assert parse_question(example.question, options, example.question_type).task == example.question_type
        assert {name.rsplit("_", 1)[0] for name in example.names} <= set(labels)
        result = run_program(program, code, SandboxLimits(timeout=5))
        assert result.error is None, (example.question, result.error)
        lines, shown_lines = result.output.strip().splitlines(), shown.splitlines()
        assert len(lines) == len(shown_lines), (program, result.output)  # the same shape of output
        assert [line.split()[0] for line in lines if " " in line and "{" not in line] == \
               [line.split()[0] for line in shown_lines if " " in line and "{" not in line]
        if "quadrant" in program or "side_or_back" in program:
            assert result.output.strip() in {"front-left", "front-right", "back-left", "back-right", "left", "right", "back"}
        assert extract_answer(f"<answer>{example.answer}</answer>", options).status == "ok"
        # the same step as a structured call: a result of the shape shown
        name, arguments = example.step.call
        assert name in program and all(f"'{v}'" in program for v in arguments.values() if isinstance(v, str))
        called = checked_call(SpatialTools(code), name, [], arguments)
        assert type(called["result"]) is type(example.step.result), (name, called)
        if isinstance(example.step.result, dict):
            assert called["result"].keys() == example.step.result.keys()
            shown_result = example.step.result
            assert shown_result["side_or_back"] in (shown_result["side"], "back")  # the example agrees with itself
            assert (shown_result["bearing_deg"] > 0) == (shown_result["side"] == "left")


CALL = '<tool_call>{"name": "distance", "arguments": {"a": "sofa", "b": "dining chair"}}'


def test_a_structured_call_is_answered_without_running_anything_the_model_wrote():
    backend = _Scripted("Measuring.\n" + CALL, "<answer>1.55 m</answer>")
    reasoner = ToolLLMReasoner(backend, ToolLLMConfig(protocol="calls"))
    answer = reasoner.answer_question(small_scene(), DISTANCE, None, "object_abs_distance")
    assert answer.prediction == "1.55" and answer.extra["rounds"] == 1
    second = backend.prompts[1].messages()
    assert second[-2] == {"role": "assistant", "content": "Measuring.\n" + CALL + "</tool_call>"}
    assert second[-1] == {"role": "user", "content": "<tool_response>1.55</tool_response>"}
    assert answer.extra["tool_calls"] == [{"call": CALL.removeprefix("<tool_call>"), "output": "1.55", "ok": True}]
    assert "<tool_call>" in backend.prompts[0].system and '"name": "nearest"' in backend.prompts[0].system


def test_a_fenced_json_call_is_taken_as_a_call_but_other_json_is_not():
    fenced = '```json\n{"name": "size", "arguments": {"x": "sofa"}}\n```'
    backend = _Scripted(fenced, "<answer>2.1 m</answer>")
    answer = ToolLLMReasoner(backend, ToolLLMConfig(protocol="calls")).answer_question(small_scene(), DISTANCE)
    assert answer.extra["tool_calls"] == [{"call": '{"name": "size", "arguments": {"x": "sofa"}}', "output": "2.1", "ok": True}]
    assert backend.prompts[1].messages()[-2:] == [{"role": "assistant", "content": fenced},  # no closing tag added
                                                   {"role": "user", "content": "<tool_response>2.1</tool_response>"}]
    backend = _Scripted('```json\n{"distance": 1.5}\n```', "<answer>1.5 m</answer>")
    answer = ToolLLMReasoner(backend, ToolLLMConfig(protocol="calls")).answer_question(small_scene(), DISTANCE)
    assert answer.extra["tool_calls"] == [] and answer.extra["reminded"]


BAD_CALLS = [
    ('{"name": "distance", "arguments": {"a": "sofa"', "not a JSON object"),
    ('["distance", "sofa"]', "a call is a JSON object"),
    ('{"name": "open", "arguments": {"file": "/etc/passwd"}}', "no tool 'open'"),
    ('{"name": "__import__", "arguments": {"name": "os"}}', "no tool '__import__'"),
    ('{"name": "size", "arguments": ["sofa"]}', "arguments must be a JSON object"),
    ('{"name": "size", "arguments": {"x": {"y": 1}}}', "size() takes object names"),
    ('{"name": "size", "arguments": {"y": "sofa"}}', "wrong arguments: call it as size(x)"),
    ('{"name": "size", "arguments": {"x": "' + "a" * 3000 + '"}}', "the call is too long"),
    ("[" * 990 + "]" * 990, "not a JSON object"),  # too deep for the JSON parser
    ('{"name": "size", "arguments": {"x": "piano"}}', "no object 'piano' in the scene"),
]


@pytest.mark.parametrize(("call", "error"), BAD_CALLS, ids=[f"{i}: {error}" for i, (_, error) in enumerate(BAD_CALLS)])
def test_a_bad_call_comes_back_as_an_error_the_model_can_read(call, error):
    backend = _Scripted(f"<tool_call>{call}", "<answer>1 m</answer>")
    answer = ToolLLMReasoner(backend, ToolLLMConfig(protocol="calls")).answer_question(small_scene(), DISTANCE)
    (record,) = answer.extra["tool_calls"]
    assert not record["ok"] and error in json.loads(record["output"])["error"]
    assert backend.prompts[1].messages()[-1]["content"] == f"<tool_response>{record['output']}</tool_response>"
    assert len(record["output"]) < 400


def test_the_calls_prompt_lists_the_tools_as_schemas_and_shows_calls():
    prompt = build_tool_prompt(small_scene(), DISTANCE, None, "object_abs_distance", CallProtocol())
    messages = prompt.messages()
    matches_snapshot("prompt_tools_calls_distance.txt", "".join(f"[{m['role']}]\n{m['content']}\n\n" for m in messages))
    assert {"role": "assistant", "content": '<tool_call>{"name": "distance", "arguments": {"a": "bed", "b": "tv"}}</tool_call>'} \
        in messages
    assert {"role": "user", "content": "<tool_response>1.734</tool_response>"} in messages
    schemas = {s["function"]["name"]: s["function"]["parameters"] for s in tool_schemas()}
    assert schemas["distance"] == {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                                   "required": ["a", "b"]}
    assert schemas["nearest"]["properties"]["candidates"] == {"type": "array", "items": {"type": "string"}}
    assert schemas["area"]["properties"] == {} and set(schemas) == set(TOOL_SIGNATURES)
    with pytest.raises(ValidationError, match="protocol"):
        ToolLLMConfig(protocol="python")
