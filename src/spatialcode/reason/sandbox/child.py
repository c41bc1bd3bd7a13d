"""The sandbox's child process: runs one checked program, isolated, and talks to the parent only
through newline-delimited JSON on its standard input and output.

This file is run by path (``python -I -S -B child.py SECCOMP_DIR``) in a fresh interpreter with
an empty environment and no inherited descriptors but its two pipes; it imports only the standard
library and ``pyseccomp`` (from ``SECCOMP_DIR``), never spatialcode. In order, it:

1. reads its one setup message: the program, the scene's objects as plain dicts, the names of the
   builtins, ``math`` functions and tools to offer, and the limits;
2. limits itself (``resource``): address space, CPU time, no file may be written (size 0), no new
   processes, no new descriptors, no core dumps;
3. compiles the program, then installs a seccomp filter (:func:`install_syscall_filter`): from then
   on the only system calls that succeed read fd 0, write fd 1, manage non-executable memory and
   exit — an escape from the Python level can neither open a file, nor exec, nor fork, nor connect;
4. runs the program with the tools as plain functions that ask the parent over the pipe
   (``{"call": name, "args": [...], "kwargs": {...}}`` → ``{"result": ...}`` or ``{"error": ...}``);
5. sends ``{"done": {"output", "answer", "error"}}`` and exits.

The parent (:mod:`spatialcode.reason.sandbox.runner`) treats everything this process sends as
untrusted: an escaped program controls it.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import types
from typing import Any

#: Largest message the child sends (bytes, one JSON line); the parent accepts no more.
MAX_MESSAGE_BYTES = 256 * 1024
#: Largest message the child accepts from the parent (bytes: the setup holds the scene).
MAX_SETUP_BYTES = 16 * 1024 * 1024
#: Characters of printed output kept.
MAX_OUTPUT_CHARS = 4000
#: Characters of the JSON of the program's ``answer``.
MAX_ANSWER_CHARS = 2000
#: Characters of an error message.
MAX_ERROR_CHARS = 300

def encode_message(message: Any) -> bytes:
    """One protocol line: ``message`` as ASCII JSON (no raw newlines inside) and ``\\n``."""
    return json.dumps(message, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode() + b"\n"


def decode_message(line: bytes) -> dict[str, Any]:
    """The JSON object of one protocol line; :class:`ValueError` for anything else (bad JSON, too
    deep, not an object)."""
    try:
        message = json.loads(line)
    except (RecursionError, UnicodeDecodeError) as err:
        raise ValueError(f"unreadable message: {type(err).__name__}") from None
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message


def one_line(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ToolError(Exception):
    """A tool call the parent could not answer (its message is what the program sees)."""


class _Pipe:
    """The child's end of the protocol: blocking reads of fd 0, writes to fd 1."""

    def __init__(self) -> None:
        self.pending = b""

    def send(self, message: Any) -> None:
        self.send_line(encode_message(message))

    def send_line(self, data: bytes) -> None:
        while data:
            data = data[os.write(1, data):]

    def receive(self) -> dict[str, Any]:
        while b"\n" not in self.pending:
            chunk = os.read(0, 65536)
            if not chunk or len(self.pending) > MAX_SETUP_BYTES:
                os._exit(3)  # the parent went away or misbehaves
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return decode_message(line)


def _tool(pipe: _Pipe, name: str) -> Any:
    """The plain function a program calls as ``name``: asks the parent, returns its JSON result."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            request = encode_message({"call": name, "args": list(args), "kwargs": kwargs})
        except (TypeError, ValueError):
            raise ToolError(f"{name}() takes object names (strings) or lists of them") from None
        if len(request) > MAX_MESSAGE_BYTES // 4:
            raise ToolError(f"{name}(): arguments too long")
        pipe.send_line(request)
        reply = pipe.receive()
        if "error" in reply:
            raise ToolError(str(reply["error"]))
        return reply.get("result")

    call.__name__ = call.__qualname__ = name
    return call


def _printer(printed: list[str]) -> Any:
    """A ``print`` that keeps at most :data:`MAX_OUTPUT_CHARS` characters of output."""
    size = [0]

    def print_(*values: Any, sep: str = " ", end: str = "\n") -> None:
        if size[0] < MAX_OUTPUT_CHARS:
            text = str(sep).join(str(v) for v in values) + str(end)
            printed.append(text[: MAX_OUTPUT_CHARS - size[0]])
            size[0] += len(printed[-1])

    return print_


def limit_resources(memory_mb: int, cpu_seconds: int) -> None:
    """Address space ``memory_mb`` MiB, ``cpu_seconds`` of CPU (then SIGXCPU), no file writes,
    no new processes, no more descriptors than now, no core dumps."""
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def install_syscall_filter(seccomp: Any) -> None:
    """A seccomp filter (``seccomp`` is the libseccomp binding): every system call fails with
    EPERM except reading fd 0, writing fd 1, non-executable memory management, signal returns,
    futexes, clocks and exiting."""
    prot_exec = 0x4
    flt = seccomp.SyscallFilter(seccomp.ERRNO(1))
    flt.add_rule(seccomp.ALLOW, "read", seccomp.Arg(0, seccomp.EQ, 0))
    flt.add_rule(seccomp.ALLOW, "write", seccomp.Arg(0, seccomp.EQ, 1))
    for call in ("mmap", "mprotect"):
        flt.add_rule(seccomp.ALLOW, call, seccomp.Arg(2, seccomp.MASKED_EQ, prot_exec, 0))
    for call in ("munmap", "mremap", "brk", "madvise", "rt_sigreturn", "rt_sigprocmask", "futex", "clock_gettime",
                 "gettimeofday", "getpid", "exit", "exit_group"):
        flt.add_rule(seccomp.ALLOW, call)
    flt.load()


def answer_value(namespace: dict[str, Any]) -> tuple[Any, str | None]:
    """The program's ``answer`` as a JSON value (its ``repr`` when it is not one) and an error when
    it is too large."""
    answer = namespace.get("answer")
    try:
        text = json.dumps(answer, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        try:
            answer = one_line(repr(answer), MAX_ANSWER_CHARS + 1)
        except (ValueError, RecursionError):  # e.g. an integer too long to print, a too deeply nested list
            answer = "<an answer that cannot be printed>"
        text = json.dumps(answer)
    if len(text) > MAX_ANSWER_CHARS:
        return None, f"the answer is too large ({len(text)} characters of JSON; at most {MAX_ANSWER_CHARS})"
    return answer, None


def run(pipe: _Pipe, seccomp: Any) -> None:
    """Steps 1–5 of the module docstring."""
    setup = pipe.receive()
    limit_resources(int(setup["memory_mb"]), int(setup["cpu_seconds"]))
    printed: list[str] = []
    builtins = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)
    namespace: dict[str, Any] = {
        "__builtins__": {**{name: builtins[name] for name in setup["builtins"]}, "print": _printer(printed)},
        "math": types.SimpleNamespace(**{name: getattr(math, name) for name in setup["math"]}),
        "scene": setup["scene"], "ToolError": ToolError,
        **{name: _tool(pipe, name) for name in setup["tools"]}}
    compiled = compile(setup["program"], "<program>", "exec")
    try:
        install_syscall_filter(seccomp)
    except OSError as err:  # a kernel without seccomp, or one that refuses the filter: never run unfiltered
        pipe.send({"done": {"output": "", "answer": None,
                            "error": one_line(f"the sandbox could not install its system-call filter ({err})")}})
        return
    error = None
    try:
        exec(compiled, namespace)  # noqa: S102 - checked by the parent, confined by the limits and the filter
    except ToolError as err:
        error = f"ToolError: {err}"
    except MemoryError:
        error = "MemoryError: the program used more memory than the sandbox allows"
    except RecursionError:
        error = "RecursionError: the program recursed too deeply"
    except BaseException as err:  # noqa: BLE001 - any failure of the program is its result
        error = f"{type(err).__name__}: {err}"
    answer, too_large = answer_value(namespace)
    output = "".join(printed)
    pipe.send({"done": {"output": output, "answer": answer, "error": one_line(too_large or error) if (too_large or error)
                        else None}})


def main() -> None:
    """The entry point when run by path: import ``pyseccomp`` from ``argv[1]``, then :func:`run`."""
    sys.path.insert(0, sys.argv[1])
    import pyseccomp

    pipe = _Pipe()
    try:
        run(pipe, pyseccomp)
    except MemoryError:
        pipe.send({"done": {"output": "", "answer": None, "error": "MemoryError: out of memory"}})
    os._exit(0)


if __name__ == "__main__":
    main()
