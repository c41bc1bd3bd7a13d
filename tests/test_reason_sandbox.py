"""The sandbox that runs a model's program: what it computes, what it refuses, the limits it
holds, and the escape corpus (``tests/sandbox_escapes.py``) against each of its layers."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

import spatialcode.reason.sandbox.runner as runner
from spatialcode.reason.sandbox import SandboxLimits, check_program, run_program
from spatialcode.reason.sandbox.child import MAX_ANSWER_CHARS, MAX_OUTPUT_CHARS
from spatialcode.reason.sandbox.policy import MAX_DEPTH
from tests.fixtures import small_scene
from tests.sandbox_escapes import ESCAPES, OS_PAYLOADS, Escape, containment_problem, os_payload_program

FAST = SandboxLimits(timeout=3.0, cpu_seconds=2, memory_mb=256)
#: How long past its timeout a run may take to come back (s): killing and reaping the child.
SLACK = 1.5


def test_programs_compute_with_tools_scene_and_math():
    result = run_program("d = distance('sofa', 'dining chair')\nprint('d =', d)\n"
                         "tall = [o['name'] for o in scene if o['size'][2] > 0.5]\n"
                         "answer = {'d': d, 'tall': tall, 'deg': round(math.degrees(math.atan2(1, 1)))}", small_scene(), FAST)
    assert result.error is None and result.output == "d = 1.55\n"
    assert result.answer == {"d": 1.55, "tall": ["dining_chair_1", "dining_chair_2", "sofa_1"], "deg": 45}
    assert run_program("answer = direction('sofa', 'laptop', 'dining_chair_2')['side']", small_scene(), FAST).answer == "right"


def test_what_a_tool_program_needs_is_allowed():
    source = ("names = objects()\nnear = nearest('sofa', [n for n in names if n.startswith('dining')])\n"
              "best = min(names[:2], key=lambda n: distance(n, 'sofa'))\n"
              "def tall(o):\n    return o['size'][2] > 0.5\n"
              "rows = sorted(scene, key=lambda o: o['first_seen'] or 0)\n"
              "try:\n    size('piano')\nexcept ToolError as err:\n    missing = True\n"
              "total = 0\nfor o in rows:\n    if tall(o) and not o['label'] in ('lamp',):\n        total += 1\n"
              "label = {o['label']: o['center'] for o in scene}\n"
              "print(f'{near} {best} {total:d} {distance(a=\"sofa\", b=\"laptop\"):.2f}', missing)\n"
              "answer = [count('dining chair'), area(), first_seen('dining chair'), label['sofa'][0], abs(-2) ** 2]")
    assert check_program(source) is None
    result = run_program(source, small_scene(), FAST)
    assert result.error is None, result.error
    assert result.output == "dining_chair_2 laptop_1 3 0.95 True\n"
    assert result.answer == [3, 18.04, 0.5, 1.0, 4]


REFUSED = {
    "import": ("import os\nanswer = os.listdir('/')", "imports are not allowed (line 1)"),
    "from-import": ("from pathlib import Path", "imports are not allowed"),
    "open": ("answer = open('/etc/passwd')", "the name 'open' is not defined"),
    "other builtins": ("answer = bytearray(10)", "the name 'bytearray' is not defined"),
    "dunder name": ("answer = __import__('os')", "the name '__import__' is not allowed"),
    "dunder attribute": ("answer = ().__class__.__bases__[0].__subclasses__()", "the attribute '__subclasses__' is not allowed"),
    "mro": ("answer = tuple.mro()", "the attribute 'mro' is not allowed"),
    "format": ("answer = '{0}'.format(1)", "the attribute 'format' is not allowed"),
    "getattr": ("answer = getattr(math, 'pi')", "the name 'getattr' is not defined"),
    "match": ("match scene:\n    case []:\n        pass", "match statements are not allowed (line 1)"),
    "dunder string": ("answer = scene[0]['__class__']", "strings naming dunder attributes"),
    "syntax": ("answer = (", "SyntaxError"),
    "deep unary chain": ("answer = " + "-" * 3000 + "1", f"nested too deeply (more than {MAX_DEPTH} levels)"),
    "deep nesting within the length": ("answer = " + "-" * 60 + "1", f"nested too deeply (more than {MAX_DEPTH} levels)"),
    "long": ("answer = " + "(" * 5000 + "1" + ")" * 5000, "too long"),
    "many nodes": ("x=1\n" * 800, "too large"),
}


@pytest.mark.parametrize(("source", "error"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_before_running(source, error):
    assert error in check_program(source)
    result = run_program(source, small_scene(), FAST)
    assert result.answer is None and error in result.error


@pytest.mark.parametrize(("source", "error"), [
    ("x = [0] * (10 ** 9)", "MemoryError"),
    ("answer = size('piano')", "ToolError: no object 'piano' in the scene"),
    ("answer = distance('sofa')", "ToolError: wrong arguments: call it as distance(a, b)"),
    ("answer = distance('sofa', {'name': 'laptop'})", "ToolError: distance() takes object names"),
    ("answer = count('x' * 10 ** 6)", "ToolError: count(): arguments too long"),
    ("answer = 1 / 0", "ZeroDivisionError: division by zero"),
    ("def f(n):\n    return f(n + 1)\nanswer = f(0)", "RecursionError"),
    ("answer = 'x' * 5000", f"the answer is too large (5002 characters of JSON; at most {MAX_ANSWER_CHARS})"),
])
def test_failures_come_back_as_one_line(source, error):
    result = run_program(source, small_scene(), FAST)
    assert result.answer is None and error in result.error and "\n" not in result.error


def test_a_non_plain_answer_comes_back_as_its_repr_and_output_is_capped():
    result = run_program("answer = range(3)\nfor i in range(5000):\n    print('x' * 10)", small_scene(), FAST)
    assert result.answer == "range(0, 3)" and len(result.output) == MAX_OUTPUT_CHARS


def test_the_cpu_limit_stops_a_busy_program_before_the_wall_clock_does():
    start = time.monotonic()
    result = run_program("while True:\n    pass", small_scene(), SandboxLimits(timeout=30, cpu_seconds=1))
    assert result.error == "stopped by the sandbox's CPU-time limit (1 s)"
    assert time.monotonic() - start < 5  # the CPU limit, not the 30 s timeout


def test_the_wall_clock_limit_holds_when_the_cpu_limit_is_far():
    start = time.monotonic()
    result = run_program("while True:\n    pass", small_scene(), SandboxLimits(timeout=1, cpu_seconds=30))
    assert result.error == "timed out after 1 s" and time.monotonic() - start < 1 + SLACK


@pytest.mark.parametrize("escape", ESCAPES, ids=[e.id for e in ESCAPES])
def test_the_escape_corpus_is_contained(escape: Escape, tmp_path):
    marker = tmp_path / "ESCAPED"
    start = time.monotonic()
    result = run_program(escape.program(str(marker)), small_scene(), FAST)
    assert containment_problem(result, marker, time.monotonic() - start, FAST.timeout) is None
    if escape.kind != "resources":
        assert result.error is not None and result.answer is None  # refused before it ran
        assert check_program(escape.program(str(marker))) is not None


@pytest.fixture
def listener():
    """A listening TCP socket on 127.0.0.1 (a connection to it proves a network escape)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    yield server
    server.close()


@pytest.mark.parametrize("payload", OS_PAYLOADS, ids=[p.id for p in OS_PAYLOADS])
def test_the_process_isolation_holds_even_without_the_syntax_check(payload, tmp_path, monkeypatch, listener):
    """Defence in depth: with the syntax allow-list switched off, a program reaches ``os`` (by an
    ``object`` subclass walk) — and still writes, runs, connects and reads nothing."""
    monkeypatch.setattr(runner, "check_program", lambda source: None)
    monkeypatch.setenv("SPATIALCODE_TEST_SECRET", "hunter2")
    marker = tmp_path / "ESCAPED"
    start = time.monotonic()
    result = run_program(os_payload_program(payload, str(marker), listener.getsockname()[1]), small_scene(), FAST)
    assert containment_problem(result, marker, time.monotonic() - start, FAST.timeout) is None
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected
    assert "hunter2" not in result.output and "root:" not in result.output  # no secret read
    assert "'bin'" not in result.output  # nothing listed


def test_without_seccomp_programs_are_refused_not_run_unconfined(monkeypatch, tmp_path):
    def unavailable():
        raise runner.IsolationUnavailable("programs run only on Linux (seccomp); this is darwin")

    monkeypatch.setattr(runner, "seccomp_module_dir", unavailable)
    result = run_program("print(1)", small_scene(), FAST)
    assert result.error == "the sandbox cannot isolate programs here: programs run only on Linux (seccomp); this is darwin"
    assert result.output == ""


def test_a_sandbox_that_cannot_start_its_process_says_so(monkeypatch):
    def no_fork(*args, **kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(runner.subprocess, "Popen", no_fork)
    result = run_program("print(1)", small_scene(), FAST)
    assert result.error == "the sandbox could not start its process: Resource temporarily unavailable"


def _isolated(body: str, marker) -> str:
    """Run ``body`` in a fresh interpreter after importing the child's module and the seccomp
    binding (what is printed comes back)."""
    import subprocess
    import sys

    import spatialcode.reason.sandbox.child as child_module

    prelude = (f"import os, socket, sys\nsys.path.insert(0, {str(runner.seccomp_module_dir())!r})\nimport pyseccomp\n"
               f"sys.path.insert(0, {str(Path(child_module.__file__).parent)!r})\nimport child\nMARKER = {str(marker)!r}\n")
    done = subprocess.run([sys.executable, "-I", "-c", prelude + body], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


ATTEMPTS = ("def attempt(name, call):\n    try:\n        call()\n        print(name, 'allowed')\n"
            "    except OSError as err:\n        print(name, err.errno)\n")


def test_the_system_call_filter_alone_refuses_files_processes_signals_and_sockets(tmp_path):
    """Layer 2 on its own (no resource limits, no syntax check): after the filter, only the pipes."""
    out = _isolated(ATTEMPTS + "child.install_syscall_filter(pyseccomp)\n"
                    "attempt('open', lambda: os.open(MARKER, os.O_CREAT | os.O_WRONLY))\n"
                    "attempt('fork', os.fork)\nattempt('exec', lambda: os.execv('/bin/true', ['true']))\n"
                    "attempt('socket', socket.socket)\nattempt('kill', lambda: os.kill(os.getpid(), 0))\n"
                    "attempt('stderr', lambda: os.write(2, b'x'))\nattempt('listdir', lambda: os.listdir('/'))\n",
                    tmp_path / "ESCAPED")
    assert out.split("\n")[:-1] == [f"{name} 1" for name in ("open", "fork", "exec", "socket", "kill", "stderr", "listdir")]
    assert not (tmp_path / "ESCAPED").exists()


def test_the_resource_limits_alone_bound_memory_and_descriptors(tmp_path):
    """The child's resource limits on their own (no filter): memory and new descriptors."""
    out = _isolated(ATTEMPTS + "child.limit_resources(memory_mb=256, cpu_seconds=5)\n"
                    "try:\n    bytearray(512 * 1024 * 1024)\n    print('memory allowed')\nexcept MemoryError:\n"
                    "    print('memory refused')\nattempt('open', lambda: os.open(MARKER, os.O_CREAT | os.O_WRONLY))\n",
                    tmp_path / "ESCAPED")
    assert out.split("\n")[:-1] == ["memory refused", "open 24"]  # EMFILE: no descriptor left
    assert not (tmp_path / "ESCAPED").exists()


def test_a_kernel_that_refuses_the_filter_runs_nothing(monkeypatch, tmp_path):
    """A seccomp binding whose filter cannot be loaded: the program is not run at all."""
    (tmp_path / "pyseccomp.py").write_text(
        "import errno\nERRNO = lambda e: e\nALLOW = EQ = MASKED_EQ = 0\nArg = lambda *a: a\n"
        "class SyscallFilter:\n    def __init__(self, action):\n        pass\n"
        "    def add_rule(self, *a):\n        pass\n"
        "    def load(self):\n        raise OSError(errno.EINVAL, 'Invalid argument')\n")
    monkeypatch.setattr(runner, "seccomp_module_dir", lambda: tmp_path)
    result = run_program("print('ran')\nanswer = 1", small_scene(), FAST)
    assert result.error == "the sandbox could not install its system-call filter ([Errno 22] Invalid argument)"
    assert result.output == "" and result.answer is None  # nothing ran: it would have printed and answered
