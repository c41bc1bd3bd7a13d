"""How a language model asks for the tools (:mod:`spatialcode.reason.tools`): two protocols.

- ``calls`` (:class:`CallProtocol`) — the field's structured function calls: the tools are listed
  as JSON schemas (OpenAI function-calling style) and the model writes one call as JSON inside
  ``<tool_call>…</tool_call>`` (the Hermes / Qwen chat format); the result comes back inside
  ``<tool_response>…</tool_response>``. Nothing the model writes is executed: the JSON is parsed
  (size-capped), checked against the tools' names and argument types
  (:func:`~spatialcode.reason.tools.checked_call`) and answered by the tools themselves.
- ``programs`` (:class:`ProgramProtocol`) — the model writes a short Python program inside
  ``<program>…</program>``; it runs in the sandbox (:mod:`spatialcode.reason.sandbox`), which
  is a security boundary but still runs code a model wrote; its output comes back inside
  ``<output>…</output>``.

A protocol says how the tools are introduced (``instructions``), how a worked example's step
and result are written, where the model's request is in a reply (``find``), and how it is run.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from spatialcode.core.errors import ValidationError
from spatialcode.reason.sandbox import SandboxLimits, run_program
from spatialcode.reason.tools import TOOL_SIGNATURES, SpatialTools, checked_call
from spatialcode.scene import SpatialCode

#: Longest tool call accepted (characters of JSON).
MAX_CALL_CHARS = 2000


@dataclass(frozen=True)
class ToolStep:
    """One request of a worked example, in both protocols: the ``program`` and what it prints
    (``output``), and the same as a structured ``call`` (tool name, arguments) and its
    ``result`` (the tool's JSON value)."""

    program: str
    output: str
    call: tuple[str, dict[str, Any]]
    result: Any


@dataclass(frozen=True)
class ToolRun:
    """What running a model's request gave: the ``request`` as written, its ``output`` (what a
    program printed or its error; a call's JSON result or error) and whether it ran without
    error (``ok``)."""

    request: str
    output: str
    ok: bool


class ToolProtocol(Protocol):
    """How the model asks for tools (see the module docstring)."""

    name: str
    #: The record key of a request (``program`` or ``call``).
    request_key: str
    instructions: str
    reminder: str
    invitation: str
    stop: tuple[str, ...]

    def find(self, reply: str) -> re.Match | None:
        """The request in ``reply`` (group 1 is its body), or ``None``."""
        ...

    def closed(self, written: str) -> str:
        """``written`` (the reply up to its request) with the request's closing tag."""
        ...

    def example_turns(self, step: ToolStep) -> tuple[str, str]:
        """A worked example's request (assistant turn) and result (user turn)."""
        ...

    def result_turn(self, output: str) -> str:
        """The user turn that shows the model a request's ``output``."""
        ...

    def run(self, request: str, code: SpatialCode, tools: SpatialTools) -> ToolRun:
        """Run the request's body over ``code``."""
        ...


def _tag(name: str) -> re.Pattern:
    """``<name>body</name>``, the closing tag optional (the backend may stop on it)."""
    return re.compile(rf"<{name}>(.*?)(?:</{name}>|$)", re.S | re.I)


_FENCE = re.compile(r"^```(?:python|json)?\s*|\s*```$")
#: A JSON object naming a function inside a markdown fence: ```json {"name": ...} ```.
_FENCED_CALL = re.compile(r"```(?:json)?\s*(\{\s*\"name\".*?\})\s*(?:```|$)", re.S)


@dataclass(frozen=True)
class ProgramProtocol:
    """Programs run in the sandbox under ``limits``."""

    limits: SandboxLimits = SandboxLimits()
    name: str = "programs"
    request_key: str = "program"
    instructions: str = (
        "You can compute with these Python functions (objects are named like sofa_1, or by category like sofa):\n"
        + "\n".join(f"- {signature}" for signature in TOOL_SIGNATURES.values())
        + "\nTo use them, write a short Python program (no imports) inside <program></program> that prints what you "
        "need, and stop: its output comes back inside <output></output>. Then give the final answer inside "
        "<answer></answer>.")
    reminder: str = "Check it with a program first: write it inside <program></program>."
    invitation: str = "Use a program if it helps."
    stop: tuple[str, ...] = ("</program>", "<output>")

    def find(self, reply: str) -> re.Match | None:
        return _tag("program").search(reply)

    def closed(self, written: str) -> str:
        return written if written.lower().endswith("</program>") else written + "</program>"

    def example_turns(self, step: ToolStep) -> tuple[str, str]:
        return f"<program>{step.program}</program>", self.result_turn(step.output)

    def result_turn(self, output: str) -> str:
        return f"<output>{output.strip()}</output>"

    def run(self, request: str, code: SpatialCode, tools: SpatialTools) -> ToolRun:
        source = _FENCE.sub("", request.strip())
        result = run_program(source, code, self.limits)
        output = result.error if result.error is not None else (result.output or repr(result.answer))
        return ToolRun(source, output, result.error is None)


def tool_schemas() -> list[dict[str, Any]]:
    """The tools as OpenAI-style function schemas (names, descriptions, parameters: object names
    as strings, ``candidates`` as a list of them), read off :class:`SpatialTools`' signatures."""
    schemas = []
    for name, signature in TOOL_SIGNATURES.items():
        parameters = inspect.signature(getattr(SpatialTools, name)).parameters
        properties = {p: ({"type": "array", "items": {"type": "string"}} if "list" in str(spec.annotation)
                          else {"type": "string"}) for p, spec in parameters.items() if p != "self"}
        schemas.append({"type": "function", "function": {
            "name": name, "description": signature.split(" -> ", 1)[1],
            "parameters": {"type": "object", "properties": properties, "required": list(properties)}}})
    return schemas


@dataclass(frozen=True)
class CallProtocol:
    """Structured function calls, answered without running anything the model wrote."""

    name: str = "calls"
    request_key: str = "call"
    instructions: str = (
        "You can call functions that compute on the scene (objects are named like sofa_1, or by category like sofa). "
        "Their signatures are inside <tools></tools>:\n<tools>\n"
        + "\n".join(json.dumps(schema) for schema in tool_schemas())
        + "\n</tools>\nTo call one, write a JSON object with the function's name and arguments inside "
        "<tool_call></tool_call>, e.g. <tool_call>{\"name\": \"size\", \"arguments\": {\"x\": \"sofa\"}}</tool_call>, "
        "and stop: its result comes back inside <tool_response></tool_response>. Then give the final answer inside "
        "<answer></answer>.")
    reminder: str = "Check it with a function call first: write it inside <tool_call></tool_call>."
    invitation: str = "Call a function if it helps."
    stop: tuple[str, ...] = ("</tool_call>", "<tool_response>")

    def find(self, reply: str) -> re.Match | None:
        """The ``<tool_call>`` body, else a fenced JSON object that names a function (the form small
        models trained on code write instead)."""
        return _tag("tool_call").search(reply) or _FENCED_CALL.search(reply)

    def closed(self, written: str) -> str:
        tagged = "<tool_call>" in written.lower()
        return written + "</tool_call>" if tagged and not written.lower().endswith("</tool_call>") else written

    def example_turns(self, step: ToolStep) -> tuple[str, str]:
        name, arguments = step.call
        return (f"<tool_call>{json.dumps({'name': name, 'arguments': arguments})}</tool_call>",
                self.result_turn(json.dumps(step.result)))

    def result_turn(self, output: str) -> str:
        return f"<tool_response>{output}</tool_response>"

    def run(self, request: str, code: SpatialCode, tools: SpatialTools) -> ToolRun:
        text = _FENCE.sub("", request.strip())
        call, problem = parse_call(text)
        if problem is not None:
            return ToolRun(text[:MAX_CALL_CHARS], json.dumps({"error": problem}), False)
        reply = checked_call(tools, call["name"], [], call["arguments"])
        return ToolRun(text, json.dumps(reply.get("result", reply)), "error" not in reply)


def parse_call(text: str) -> tuple[dict[str, Any], str | None]:
    """The ``{"name": ..., "arguments": {...}}`` object a model wrote, or why it is not one
    (at most :data:`MAX_CALL_CHARS` characters of JSON)."""
    if len(text) > MAX_CALL_CHARS:
        return {}, f"the call is too long ({len(text)} characters; at most {MAX_CALL_CHARS})"
    try:
        call = json.loads(text)
    except (ValueError, RecursionError):
        return {}, 'not a JSON object: write {"name": "<function>", "arguments": {...}}'
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        return {}, 'a call is a JSON object {"name": "<function>", "arguments": {...}}'
    arguments = call.get("arguments", {})
    if not isinstance(arguments, dict):
        return {}, "arguments must be a JSON object of parameter names to values"
    return {"name": call["name"], "arguments": arguments}, None


#: The protocols by name, as ``--tool-protocol`` accepts them.
TOOL_PROTOCOLS = ("calls", "programs")


def make_protocol(name: str, limits: SandboxLimits | None = None) -> ToolProtocol:
    """The protocol called ``name`` (one of :data:`TOOL_PROTOCOLS`); ``limits`` bound programs."""
    if name == "calls":
        return CallProtocol()
    if name == "programs":
        return ProgramProtocol(limits or SandboxLimits())
    raise ValidationError("protocol", f"expected one of {', '.join(TOOL_PROTOCOLS)}, got {name!r}")
