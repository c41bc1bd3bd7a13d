"""The escape corpus: programs a hostile (or merely odd) model might write, each of which, if it
got out of the sandbox, would leave a file at ``{marker}`` (or show what it must not see).

Two sets:

- :data:`ESCAPES` — whole attacks against the whole sandbox, by class: frames reached through
  generators, coroutines, async generators and tracebacks; ``match`` class patterns; format
  strings; ``object`` subclass walks; the tools' internals; builtins by string; and resource
  bombs. They must be refused or stopped, and leave no marker.
- :data:`OS_PAYLOADS` — what an attacker does *after* a Python-level escape, run with the syntax
  check switched off (``os`` reached by an ``object`` subclass walk, :data:`REACH_OS`): the child
  process's isolation alone must hold (no file written, no process started, no connection made,
  no secret read, nothing the parent unpickles or waits on forever). A payload whose dangerous
  call has no file to show for it prints ``ESCAPE-OK`` when that call succeeds.

``tests/test_reason_sandbox.py`` runs both; ``benchmarks/sandbox_security.py`` counts them.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Escape:
    """A hostile program: its ``kind`` (the class of attack), a ``name``, and its ``source`` with
    ``{marker}`` where the proof-of-escape file's path goes."""

    kind: str
    name: str
    source: str

    @property
    def id(self) -> str:
        """``kind: name``, the test id."""
        return f"{self.kind}: {self.name}"

    def program(self, marker: str) -> str:
        """The source with the marker's path filled in."""
        return self.source.replace("{marker}", marker)


#: From ``os``'s module globals (reached somehow), the attack: a shell command that writes the marker.
_SHELL = "['system']('touch {marker}')"
#: Reaches ``os``'s module globals from nothing, by walking ``object``'s subclasses.
REACH_OS = ("g = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]"
            ".__init__.__globals__\n")

ESCAPES: tuple[Escape, ...] = (
    # frames, from a generator, a coroutine, an async generator, a traceback
    Escape("frames", "generator expression gi_frame", "g = (x for x in [1])\n"
           "b = g.gi_frame.f_back.f_back.f_builtins['__import__']('os')\nb.system('touch {marker}')"),
    Escape("frames", "generator function gi_frame", "def gen():\n    yield 1\n"
           "f = gen().gi_frame.f_back.f_globals\nf['os'].system('touch {marker}')"),
    Escape("frames", "generator without underscores", "g = (x for x in [1])\n"
           "b = g.gi_frame.f_back.f_back.f_builtins\nb['__im' + 'port__']('os').system('touch {marker}')"),
    Escape("frames", "coroutine cr_frame", "async def c():\n    return 1\n"
           "f = c().cr_frame.f_back.f_globals\nf['os'].system('touch {marker}')"),
    Escape("frames", "async generator ag_frame", "async def a():\n    yield 1\n"
           "f = a().ag_frame.f_back.f_globals\nf['os'].system('touch {marker}')"),
    Escape("frames", "traceback tb_frame", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
           "    f = e.__traceback__.tb_frame.f_back.f_globals\n    f['os'].system('touch {marker}')"),
    Escape("frames", "traceback via with_traceback", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
           "    t = e.with_traceback(None)\n    answer = t"),
    # match class patterns: attribute names hidden as keyword strings
    Escape("match", "subclasses through a class pattern", "class O: pass\n"
           "match tuple.mro()[1]:\n    case O(__subclasses__=s):\n        answer = s()"),
    Escape("match", "mapping and class patterns", "match tuple:\n    case type(mro=m):\n"
           "        [c for c in m()[1].__subclasses__() if c.__name__ == '_wrap_close'][0]"
           ".__init__.__globals__" + _SHELL),
    Escape("match", "traceback frame through a class pattern", "try:\n    1 / 0\nexcept Exception as e:\n"
           "    match e:\n        case Exception(__traceback__=t):\n            answer = t"),
    # format strings read attributes by name
    Escape("format", "str.format attribute read", "answer = '{0.__class__.__base__}'.format(())"),
    Escape("format", "format_map", "answer = '{x.gi_frame}'.format_map({'x': (i for i in [1])})"),
    Escape("format", "f-string attribute", "g = (i for i in [1])\nanswer = f'{g.gi_frame.f_globals}'"),
    Escape("format", "builtin format", "answer = format((), '{0.__class__}')"),
    # walks from object's subclasses to os.system
    Escape("subclasses", "dunder walk", REACH_OS + "g" + _SHELL),
    Escape("subclasses", "mro without underscores", "s = tuple.mro()[1]\nanswer = s"),
    Escape("subclasses", "type() of a value", "t = type(())\nanswer = t.mro()"),
    Escape("subclasses", "getattr with a built string", "o = getattr((), '__cl' + 'ass__')"),
    Escape("subclasses", "vars and globals", "answer = vars()['__builtins__']"),
    # the tools' internals
    Escape("tools", "a tool's bound self", "s = distance.__self__\ns.code.save('{marker}')"),
    Escape("tools", "a tool's closure", "p = distance.__closure__[0].cell_contents\nanswer = p"),
    Escape("tools", "a tool's globals", "distance.__globals__['os'].system('touch {marker}')"),
    Escape("tools", "the print function's closure", "answer = print.__closure__"),
    # builtins reached by string keys
    Escape("builtins", "the builtins dict by name", "__builtins__['open']('{marker}', 'w')"),
    Escape("builtins", "dict key that names a dunder", "answer = scene[0]['__class__']"),
    Escape("builtins", "imports", "import os\nos.system('touch {marker}')"),
    Escape("builtins", "from-import", "from os import system\nsystem('touch {marker}')"),
    Escape("builtins", "exec and eval", "exec(\"open('{marker}', 'w')\")"),
    Escape("builtins", "open", "open('{marker}', 'w').write('x')"),
    Escape("builtins", "compile", "compile('1', 'x', 'eval')"),
    Escape("builtins", "global statement", "def f():\n    global scene\n    scene = 1\nf()"),
    Escape("builtins", "with statement", "with open('{marker}', 'w') as f:\n    pass"),
    Escape("builtins", "decorators", "@print\ndef f():\n    pass"),
    Escape("builtins", "del of a provided name", "del scene"),
    # resource bombs
    Escape("resources", "CPU loop", "while True:\n    pass"),
    Escape("resources", "memory", "x = [0] * (10 ** 10)"),
    Escape("resources", "memory in steps", "x = []\nwhile True:\n    x.append('x' * 10 ** 6)"),
    Escape("resources", "huge integer", "answer = 10 ** 10 ** 10"),
    Escape("resources", "huge integer printed", "print(7 ** 100000)"),
    Escape("resources", "deep unary chain", "answer = " + "-" * 3000 + "1"),
    Escape("resources", "deep parentheses", "answer = " + "(" * 5000 + "1" + ")" * 5000),
    Escape("resources", "deep data structure", "a = []\nfor i in range(200000):\n    a = [a]\nanswer = a"),
    Escape("resources", "deep recursion", "def f(n):\n    return f(n + 1)\nanswer = f(0)"),
    Escape("resources", "print flood", "for i in range(10 ** 7):\n    print('x' * 100)"),
    Escape("resources", "one huge print", "print('x' * 10 ** 8)"),
    Escape("resources", "huge answer", "answer = 'x' * 20_000_000"),
    Escape("resources", "huge answer list", "answer = list(range(10 ** 6))"),
    Escape("resources", "tool call flood", "while True:\n    count('chair')"),
    Escape("resources", "long program", "x = 1\n" * 20000),
    Escape("resources", "huge tool argument", "count('x' * 10 ** 7)"),
)

#: A pickle whose loading would write the marker (``os.system``): the parent must never load
#: what the child sends as a pickle.
def _pickle_bomb(marker: str) -> bytes:
    class _Bomb:
        def __reduce__(self):  # noqa: ANN204 - pickle's protocol
            import os

            return os.system, (f"touch {marker}",)

    return pickle.dumps(_Bomb())


OS_PAYLOADS: tuple[Escape, ...] = (
    Escape("os", "shell command", "g" + _SHELL),
    Escape("os", "open a file for writing", "g['open']('{marker}', g['O_WRONLY'] | g['O_CREAT'])"),
    Escape("os", "builtin open through sys", "g['sys'].modules['builtins'].open('{marker}', 'w')"),
    Escape("os", "exec a shell", "g['execv']('/bin/sh', ['sh', '-c', 'touch {marker}'])"),
    Escape("os", "fork then write", "pid = g['fork']()\nif pid == 0:\n    g['system']('touch {marker}')"),
    Escape("os", "posix_spawn", "g['posix_spawn']('/bin/touch', ['touch', '{marker}'], {})"),
    Escape("os", "subprocess module", "g['sys'].modules['subprocess'].run(['touch', '{marker}'])"),
    Escape("os", "read a secret file", "fd = g['open']('/etc/passwd', 0)\nprint(g['read'](fd, 1000))"),
    Escape("os", "list the file system", "print(g['listdir']('/'))"),
    Escape("os", "environment", "print(dict(g['environ']))"),
    Escape("os", "open a socket (libc through ctypes)", "c = g['sys'].modules['ctypes'].CDLL(None)\n"
           "if c.socket(2, 1, 0) >= 0:\n    print('ESCAPE-OK')"),
    Escape("os", "connect to the network", "m = g['sys'].modules['builtins'].__import__\nsock = m('socket').socket()\n"
           "sock.connect(('127.0.0.1', {port}))"),
    Escape("os", "load a shared library and call system", "c = g['sys'].modules['ctypes'].CDLL('libc.so.6')\n"
           "c.system(b'touch {marker}')"),
    Escape("os", "executable memory (libc through ctypes)", "ct = g['sys'].modules['ctypes']\nm = ct.CDLL(None).mmap\n"
           "m.restype = ct.c_long\nif m(None, 4096, 7, 0x22, -1, 0) != -1:\n    print('ESCAPE-OK')"),
    Escape("os", "a new session to outlive the kill", "g['setsid']()\ng" + _SHELL),
    # the protocol: what the parent receives is never unpickled, never trusted, never waited on
    Escape("ipc", "a pickle on the result pipe", "g['write'](1, {pickle})\nwhile True:\n    pass"),
    Escape("ipc", "a message too large", "g['write'](1, b'x' * 10 ** 7)"),
    Escape("ipc", "JSON nested too deep", "g['write'](1, b'[' * 300000 + b'\\n')"),
    Escape("ipc", "a forged tool call to an unknown tool",
           "g['write'](1, b'{\"call\": \"__import__\", \"args\": [\"os\"]}\\n')\nprint(g['read'](0, 1000))"),
    Escape("ipc", "a forged tool call with objects as arguments",
           "g['write'](1, b'{\"call\": \"distance\", \"args\": [{\"a\": 1}, [[1]]]}\\n')\nprint(g['read'](0, 1000))"),
    Escape("ipc", "a result whose answer is NaN",
           "g['write'](1, b'{\"done\": {\"output\": \"\", \"answer\": NaN, \"error\": null}}\\n')\nwhile True:\n    pass"),
    Escape("ipc", "a result nested as deep as JSON allows",
           "g['write'](1, b'{\"done\": {\"output\": \"\", \"answer\": ' + b'[' * 990 + b']' * 990 + b'}}\\n')\n"
           "while True:\n    pass"),
    Escape("ipc", "half a message, then silence", "g['write'](1, b'{\"done\": ')\nwhile True:\n    pass"),
    Escape("ipc", "the result pipe closed", "g['close'](1)\nwhile True:\n    pass"),
)


def os_payload_program(payload: Escape, marker: str, port: int) -> str:
    """A payload's whole program: :data:`REACH_OS`, then the payload with the marker, the port of
    a listening socket and the pickle bomb filled in."""
    body = payload.program(marker).replace("{port}", str(port)).replace("{pickle}", repr(_pickle_bomb(marker)))
    return REACH_OS + body


def containment_problem(result: Any, marker: Path, seconds: float, timeout: float, slack: float = 1.5) -> str | None:
    """Why a hostile run's ``result`` (a :class:`~spatialcode.reason.sandbox.ProgramResult`) shows
    an escape or an unbounded run, or ``None``: the marker file or ``ESCAPE-OK`` appeared, it took
    longer than ``timeout`` + ``slack`` seconds, or its output, answer or error is not capped."""
    from spatialcode.reason.sandbox.child import MAX_ANSWER_CHARS, MAX_OUTPUT_CHARS

    if marker.exists() or "ESCAPE-OK" in result.output:
        return "escaped: the proof of escape appeared"
    if seconds > timeout + slack:
        return f"took {seconds:.1f} s (limit {timeout:g} s)"
    if len(result.output) > MAX_OUTPUT_CHARS or len(json.dumps(result.answer)) > MAX_ANSWER_CHARS + 1:
        return "output or answer not capped"
    if result.error is not None and "\n" in result.error:
        return "a multi-line error"
    return None
