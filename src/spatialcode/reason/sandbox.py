"""Run a short program a language model wrote over the spatial code, safely.

The program is plain Python without imports: it sees the tools
(:class:`~spatialcode.reason.tools.SpatialTools`: ``distance``, ``direction``, ``size``,
``count``, ``area``, ``first_seen``, ``objects``), the objects as dicts (``name``, ``label``,
``center``, ``size``, ``yaw_deg``, ``first_seen``) under ``scene``, ``math``, a small set of
builtins and ``print``; it answers by printing or by setting ``answer``. Before it runs, its
syntax tree is checked: imports, names and attributes starting with ``_`` and the builtins that
reach outside (``open``, ``exec``, ``eval``, ``getattr``, …) are refused. It then runs in a
forked child process with CPU-time and address-space limits (``resource``) and a wall-clock
timeout; whatever it cannot do — a refused construct, an exception, a timeout, too much memory —
comes back as a one-line ``error``, never as an exception of the caller.
"""

from __future__ import annotations

import ast
import math
import multiprocessing
import resource
from dataclasses import dataclass
from typing import Any

from spatialcode.reason.serialise import object_names
from spatialcode.reason.tools import SpatialTools, ToolError
from spatialcode.scene import SpatialCode

_SAFE_BUILTINS = ("abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "int", "isinstance", "len",
                  "list", "map", "max", "min", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip")
_REFUSED_CALLS = {"open", "exec", "eval", "compile", "__import__", "input", "globals", "locals", "vars", "getattr",
                  "setattr", "delattr", "breakpoint", "help", "exit", "quit", "memoryview", "type", "object", "super"}
_MAX_OUTPUT = 4000  # characters of printed output kept


@dataclass(frozen=True)
class SandboxLimits:
    """Wall-clock ``timeout`` (s), CPU ``cpu_seconds`` and address-space ``memory_mb`` of the
    child process running a program."""

    timeout: float = 5.0
    cpu_seconds: int = 5
    memory_mb: int = 1024


@dataclass(frozen=True)
class ProgramResult:
    """What a program printed (``output``), the value it left in ``answer`` (its ``repr`` when
    not a plain value; ``None`` when unset) and the ``error`` that stopped it (one line), if any."""

    output: str = ""
    answer: Any = None
    error: str | None = None


def check_program(source: str) -> str | None:
    """Why ``source`` may not run (one line), or ``None`` when it may."""
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as err:
        return f"SyntaxError: {err.msg} (line {err.lineno})"
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return f"imports are not allowed (line {node.lineno})"
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.AsyncFunctionDef, ast.Await, ast.ClassDef)):
            return f"{type(node).__name__} is not allowed (line {node.lineno})"
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in _REFUSED_CALLS):
            return f"the name {node.id!r} is not allowed (line {node.lineno})"
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            return f"the attribute {node.attr!r} is not allowed (line {node.lineno})"
    return None


def run_program(source: str, code: SpatialCode, limits: SandboxLimits | None = None) -> ProgramResult:
    """Run ``source`` over ``code`` in the sandbox (see the module docstring)."""
    limits = limits or SandboxLimits()
    refused = check_program(source)
    if refused is not None:
        return ProgramResult(error=refused)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(source, code, limits, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout):
            return ProgramResult(error=f"timed out after {limits.timeout:g} s")
        return receiver.recv()
    except EOFError:  # the child died without answering: a resource limit
        return ProgramResult(error="stopped by the sandbox's limits (memory or CPU time)")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


def _mapped_bytes() -> int:
    """This process's virtual memory size (bytes; 0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _child(source: str, code: SpatialCode, limits: SandboxLimits, sender: Any) -> None:
    """Run the program under limits in the forked child and send back a :class:`ProgramResult`.
    The address-space limit is ``memory_mb`` on top of what the child already maps (a fork
    shares the parent's mappings: a process that loaded torch maps gigabytes)."""
    memory = _mapped_bytes() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    printed: list[str] = []

    def print_(*values: Any, sep: str = " ", end: str = "\n") -> None:
        printed.append(sep.join(str(v) for v in values) + end)

    tools = SpatialTools(code)
    scene = [{"name": name, "label": o.label, "center": [round(v, 3) for v in o.box.center],
              "size": [round(v, 3) for v in o.box.size], "yaw_deg": round(math.degrees(o.box.yaw), 1),
              "first_seen": o.first_seen} for name, o in zip(object_names(code.objects), code.objects)]
    builtins = {name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
                for name in _SAFE_BUILTINS}
    namespace: dict[str, Any] = {"__builtins__": {**builtins, "print": print_}, "math": math, "scene": scene,
                                 **tools.functions()}
    try:
        exec(compile(source, "<program>", "exec"), namespace)  # noqa: S102 - checked and confined above
        error = None
    except ToolError as err:
        error = f"ToolError: {err}"
    except MemoryError:
        error = "MemoryError: the program used more memory than the sandbox allows"
    except Exception as err:  # noqa: BLE001 - any failure of the program is its result
        error = f"{type(err).__name__}: {' '.join(str(err).split())}"
    answer = namespace.get("answer")
    if not isinstance(answer, (type(None), bool, int, float, str, list, dict, tuple)):
        answer = repr(answer)
    sender.send(ProgramResult("".join(printed)[:_MAX_OUTPUT], answer, error))
    sender.close()
