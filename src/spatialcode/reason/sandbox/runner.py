"""The parent's side of the sandbox: start the isolated child, answer its tool calls, and return
what it did as a :class:`ProgramResult` — never raising, never blocking past the time limit.

The child (:mod:`spatialcode.reason.sandbox.child`) is a fresh interpreter run by path with an
empty environment, in a session (process group) of its own, with only two pipes. The parent
reads its messages as size-capped JSON (never pickle), answers tool calls with
:func:`~spatialcode.reason.tools.checked_call` (arguments checked, then trusted code in the parent),
and kills the child's whole process group when the program is done, fails or runs out of time.
"""

from __future__ import annotations

import math
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.reason.sandbox import child
from spatialcode.reason.sandbox.policy import MATH_NAMES, SAFE_BUILTINS, check_program
from spatialcode.reason.serialise import object_names
from spatialcode.reason.tools import TOOL_SIGNATURES, SpatialTools, checked_call
from spatialcode.scene import SpatialCode

#: Most bytes the parent reads from one child, all messages together.
MAX_RECEIVED_BYTES = 1024 * 1024
#: Most tool calls one program may make.
MAX_TOOL_CALLS = 500


@dataclass(frozen=True)
class SandboxLimits:
    """Wall-clock ``timeout`` (s) of the whole run, the child's CPU time ``cpu_seconds`` (s;
    ``None``: the timeout rounded up) and address space ``memory_mb`` (MiB)."""

    timeout: float = 5.0
    cpu_seconds: int | None = None
    memory_mb: int = 512

    def __post_init__(self) -> None:
        if not (isinstance(self.timeout, (int, float)) and 0 < self.timeout <= 600):
            raise ValidationError("timeout", f"must be a number of seconds in (0, 600], got {self.timeout!r}")
        check_whole_number(self.cpu_seconds, "cpu_seconds", optional=True)
        check_whole_number(self.memory_mb, "memory_mb", minimum=64)

    @property
    def cpu_limit(self) -> int:
        """The child's CPU-time limit, seconds: ``cpu_seconds``, else the timeout rounded up."""
        return self.cpu_seconds if self.cpu_seconds is not None else max(1, math.ceil(self.timeout))


@dataclass(frozen=True)
class ProgramResult:
    """What a program printed (``output``, at most :data:`~child.MAX_OUTPUT_CHARS` characters),
    the JSON value it left in ``answer`` (its ``repr`` when not a JSON value; ``None`` when
    unset) and the ``error`` that stopped it (one line), if any."""

    output: str = ""
    answer: Any = None
    error: str | None = None


class IsolationUnavailable(Exception):
    """This system cannot isolate a program (no Linux seccomp)."""


def seccomp_module_dir() -> Path:
    """The folder holding the libseccomp binding the child imports; :class:`IsolationUnavailable`
    where there is none."""
    if not sys.platform.startswith("linux"):
        raise IsolationUnavailable(f"programs run only on Linux (seccomp); this is {sys.platform}")
    try:
        import pyseccomp
    except (ImportError, OSError) as err:  # OSError: the binding is there but libseccomp is not
        raise IsolationUnavailable(f"the seccomp binding is missing ({err}); install libseccomp2 and "
                                   "pyseccomp") from None
    return Path(pyseccomp.__file__).resolve().parent


def run_program(source: str, code: SpatialCode, limits: SandboxLimits | None = None) -> ProgramResult:
    """Run ``source`` over ``code`` in the sandbox: refused constructs, exceptions, limits and
    misbehaviour of the child all come back as the result's one-line ``error``."""
    limits = limits or SandboxLimits()
    refused = check_program(source)
    if refused is not None:
        return ProgramResult(error=refused)
    try:
        seccomp_dir = seccomp_module_dir()
    except IsolationUnavailable as err:
        return ProgramResult(error=f"the sandbox cannot isolate programs here: {err}")
    setup = {"program": source, "scene": scene_dicts(code), "tools": list(TOOL_SIGNATURES), "builtins": SAFE_BUILTINS,
             "math": MATH_NAMES, "memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_limit}
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-B", "-X", "utf8", child.__file__, str(seccomp_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
            start_new_session=True, env={}, cwd="/")
    except OSError as err:  # no processes or memory left on this machine
        return ProgramResult(error=f"the sandbox could not start its process: {err.strerror or err}")
    channel = _Channel(process, time.monotonic() + limits.timeout)
    try:
        return _converse(channel, setup, SpatialTools(code))
    except _Timeout:
        return ProgramResult(error=f"timed out after {limits.timeout:g} s")
    except _ChildGone:
        return ProgramResult(error=_why_it_stopped(process, limits, channel.deadline))
    except _Misbehaved as err:
        return ProgramResult(error=f"the program's process misbehaved: {err}")
    finally:
        channel.close()


def scene_dicts(code: SpatialCode) -> list[dict[str, Any]]:
    """The objects as a program sees them in ``scene``: ``name``, ``label``, ``center`` and
    ``size`` (m), ``yaw_deg`` and ``first_seen`` (s)."""
    return [{"name": name, "label": o.label, "center": [round(v, 3) for v in o.box.center],
             "size": [round(v, 3) for v in o.box.size], "yaw_deg": round(math.degrees(o.box.yaw), 1),
             "first_seen": o.first_seen} for name, o in zip(object_names(code.objects), code.objects)]


def _converse(channel: _Channel, setup: dict[str, Any], tools: SpatialTools) -> ProgramResult:
    """Send the setup, answer tool calls until the child says it is done."""
    channel.send(setup)
    for _ in range(MAX_TOOL_CALLS + 1):
        message = channel.receive()
        if "done" in message:
            return _result(message["done"])
        if "call" not in message:
            raise _Misbehaved("an unexpected message")
        channel.send(checked_call(tools, message.get("call"), message.get("args", []), message.get("kwargs", {})))
    raise _Misbehaved(f"more than {MAX_TOOL_CALLS} tool calls")


def _result(done: Any) -> ProgramResult:
    """The child's final message, checked: output a capped string, error a capped line, answer a
    capped JSON value."""
    if not isinstance(done, dict):
        raise _Misbehaved("a malformed result")
    output, error, answer = done.get("output", ""), done.get("error"), done.get("answer")
    if not isinstance(output, str) or not (error is None or isinstance(error, str)):
        raise _Misbehaved("a malformed result")
    try:
        answer_size = len(child.encode_message(answer))
    except (ValueError, RecursionError):  # NaN, or nested too deeply to write back
        raise _Misbehaved("a malformed result") from None
    if answer_size > child.MAX_ANSWER_CHARS + 1:
        answer, error = None, error or f"the answer is too large (at most {child.MAX_ANSWER_CHARS} characters of JSON)"
    return ProgramResult(_valid_text(output[: child.MAX_OUTPUT_CHARS]), answer,
                         None if error is None else _valid_text(child.one_line(error)))


def _valid_text(text: str) -> str:
    """``text`` with what UTF-8 cannot encode (lone surrogates) replaced by ``?``."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _why_it_stopped(process: subprocess.Popen, limits: SandboxLimits, deadline: float) -> str:
    """The one-line error for a child that closed its output without a result (waiting for its
    exit status until ``deadline`` at most)."""
    try:
        status = process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        status = None
    if status in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"stopped by the sandbox's CPU-time limit ({limits.cpu_limit} s)"
    return f"stopped by the sandbox's limits (memory {limits.memory_mb} MiB or CPU time; exit status {status})"


class _Timeout(Exception):
    """The wall-clock limit passed."""


class _ChildGone(Exception):
    """The child closed its output without a result."""


class _Misbehaved(Exception):
    """The child sent something the protocol does not allow."""


class _Channel:
    """Deadline-bound, size-capped JSON lines to and from the child."""

    def __init__(self, process: subprocess.Popen, deadline: float) -> None:
        self.process, self.deadline = process, deadline
        self.received, self.pending = 0, b""
        self.selector = selectors.DefaultSelector()
        assert process.stdin is not None and process.stdout is not None
        self.in_fd, self.out_fd = process.stdin.fileno(), process.stdout.fileno()
        os.set_blocking(self.in_fd, False)
        os.set_blocking(self.out_fd, False)

    def _wait(self, fd: int, event: int) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout
        key = self.selector.register(fd, event)
        try:
            if not self.selector.select(remaining):
                raise _Timeout
        finally:
            self.selector.unregister(key.fd)

    def send(self, message: dict[str, Any]) -> None:
        data = child.encode_message(message)
        while data:
            self._wait(self.in_fd, selectors.EVENT_WRITE)
            try:
                data = data[os.write(self.in_fd, data):]
            except BlockingIOError:
                continue
            except BrokenPipeError:
                raise _ChildGone from None

    def receive(self) -> dict[str, Any]:
        while b"\n" not in self.pending:
            if len(self.pending) > child.MAX_MESSAGE_BYTES:
                raise _Misbehaved(f"a message over {child.MAX_MESSAGE_BYTES} bytes")
            self._wait(self.out_fd, selectors.EVENT_READ)
            try:
                chunk = os.read(self.out_fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                raise _ChildGone
            self.received += len(chunk)
            if self.received > MAX_RECEIVED_BYTES:
                raise _Misbehaved(f"more than {MAX_RECEIVED_BYTES} bytes sent")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        try:
            return child.decode_message(line)
        except ValueError as err:
            raise _Misbehaved(str(err)) from None

    def close(self) -> None:
        """Kill the child's whole process group (before reaping it, so the group's id cannot be
        reused), then reap it and close the pipes."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.selector.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
