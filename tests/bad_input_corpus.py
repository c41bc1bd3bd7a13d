"""The bad-input corpus: inputs a new user (or a hostile file) hands the command line, and what
the command must do with them — refuse with one ``error: ...`` line and a non-zero exit code,
never a traceback, never a side effect outside the places it was told to write.

A case prepares its bad files in an empty folder and returns the command line to run there;
:func:`run_case` runs it as a user would (a subprocess, bounded in time) and :func:`verdict`
says what went wrong, if anything. The cases themselves live in ``tests/bad_inputs_*.py``
modules (``CASES`` lists); ``tests/test_bad_inputs.py`` runs every one of them and
``benchmarks/bad_inputs.py`` counts them by command for BENCHMARKS.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: How long one case may take (s): a command that hangs on bad input fails its case.
CASE_TIMEOUT = 120.0


@dataclass(frozen=True)
class BadInput:
    """One bad input: the ``command`` it exercises (``ask``, ``convert``, ``eval``…), a short
    ``name`` saying what is wrong, ``prepare(folder) -> argv`` that writes the bad files into an
    empty ``folder`` and returns the arguments after ``spatialcode``, ``expect``: a fragment the
    error line must contain (case-insensitive), and ``must_not_exist``: paths (relative to the
    folder's parent, so that escapes out of the folder are caught) that must not exist afterwards."""

    command: str
    name: str
    prepare: Callable[[Path], list[str]]
    expect: str
    must_not_exist: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """``command: name``, the case's test id."""
        return f"{self.command}: {self.name}"


@dataclass(frozen=True)
class CaseResult:
    """What the command did: exit ``code`` (``None`` when it timed out), ``stderr``, wall
    ``seconds`` and the forbidden paths that appeared (``escaped``)."""

    code: int | None
    stderr: str
    seconds: float
    escaped: tuple[str, ...]


def run_case(case: BadInput, folder: Path) -> CaseResult:
    """Run ``case`` in ``folder`` (created empty; its parent must be a scratch folder too)."""
    folder.mkdir(parents=True, exist_ok=True)
    argv = case.prepare(folder)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "spatialcode", *argv], cwd=folder, env=env, capture_output=True,
                              text=True, errors="replace", timeout=CASE_TIMEOUT)
        code, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired as err:
        code, stderr = None, (err.stderr or b"").decode(errors="replace") if isinstance(err.stderr, bytes) else (err.stderr or "")
    escaped = tuple(p for p in case.must_not_exist if (folder.parent / p).exists())
    return CaseResult(code, stderr, time.monotonic() - start, escaped)


def verdict(case: BadInput, result: CaseResult) -> str | None:
    """Why ``result`` is not the one clear error ``case`` asks for, or ``None`` when it is."""
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("spatialcode: ")]
    if result.code is None:
        return f"timed out after {CASE_TIMEOUT:g} s"
    if result.escaped:
        return f"wrote outside its folder: {', '.join(result.escaped)}"
    if "Traceback" in result.stderr:
        return "traceback:\n" + result.stderr[-2000:]
    if result.code == 0:
        return "exit code 0 (the bad input was accepted)"
    errors = [line for line in lines if line.startswith("error: ")]
    if len(errors) != 1:
        return f"expected one 'error: ...' line, got:\n{result.stderr[-2000:]}"
    if case.expect.lower() not in errors[0].lower():
        return f"the error does not say {case.expect!r}: {errors[0]}"
    return None
