"""What the per-question time limit stops (``spatialcode.bench.time_limit``): a tool program in the
sandbox (its process killed and reaped) and requests to a language-model server that does not
reply (one prompt and several; ``tests/test_cli.py`` runs it end to end through ``eval``)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from spatialcode.bench.time_limit import QuestionTimeout, time_limit
from spatialcode.reason.backends.base import Sampling
from spatialcode.reason.backends.openai_server import OpenAIServerBackend, ServerConfig
from spatialcode.reason.prompt import Prompt
from spatialcode.reason.sandbox import SandboxLimits, run_program
from tests.fixtures import fake_openai_server, small_scene


def _children() -> str:
    return subprocess.run(["ps", "--ppid", str(os.getpid()), "-o", "pid=,cmd="], capture_output=True, text=True).stdout


def test_a_sandboxed_program_is_stopped_and_leaves_no_process():
    endless = SandboxLimits(timeout=60, cpu_seconds=60)  # the sandbox's own limits would come far later
    start = time.monotonic()
    with pytest.raises(QuestionTimeout), time_limit(1):
        run_program("x = 0\nwhile True:\n    x = x + 1\n", small_scene(), endless)
    assert time.monotonic() - start < 10
    assert "child.py" not in _children()  # the program's process was killed and reaped


@pytest.mark.parametrize("prompts", [1, 3])
def test_a_server_that_does_not_reply_is_left_at_the_limit(prompts):
    with fake_openai_server("--stall", "60") as url:
        backend = OpenAIServerBackend(ServerConfig(url, model="fake", retries=0, timeout=30))
        start = time.monotonic()
        with pytest.raises(QuestionTimeout), time_limit(0.5):
            backend.complete([Prompt("system", f"question {i}") for i in range(prompts)], Sampling())
        # not the server's 60 s nor the client's 30 s: the requests in flight are not waited for
        assert time.monotonic() - start < 10
