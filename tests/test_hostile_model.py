"""End to end, a hostile model: ``spatialcode eval --reasoner llm-tools`` against a local
OpenAI-compatible server whose every reply is an attack — the escape corpus as programs, forged
and oversized tool calls, floods. Nothing escapes, every question gets a row, and the run stays
bounded in time and in output size."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures import fake_openai_server, small_scene
from tests.sandbox_escapes import ESCAPES

QUESTIONS = (
    ("object_counting", "How many dining chair(s) are in this room?", None),
    ("object_abs_distance", "Measuring from the closest point of each object, what is the distance between the sofa and "
                            "the laptop (in meters)?", None),
    ("object_size_estimation", "What is the length of the longest dimension (length, width, or height) of the sofa, "
                               "measured in centimeters?", None),
    ("object_rel_direction_easy", "If I am standing by the sofa and facing the laptop, is the dining chair to the left or "
                                  "the right of the laptop?", ["A. left", "B. right"]),
)
#: Questions asked; the replies cycle through the attacks, several per question.
N_QUESTIONS = 32
#: Largest predictions file accepted for the whole run (bytes).
MAX_OUTPUT_BYTES = 1_000_000


def program_replies(marker: Path) -> list[str]:
    """Replies that each carry one attack of the escape corpus as a program (the CPU-bound ones
    first, so that every one of them runs within the run), then oversized and odd replies."""
    slow = [e for e in ESCAPES if e.kind == "resources"]
    replies = [f"<program>{e.program(str(marker))}</program>" for e in [*slow, *(e for e in ESCAPES if e not in slow)]]
    return [*replies, "<answer>" + "9" * 10_000_000 + "</answer>", "x" * 5_000_000,
            "<program>print('\\x00\\udcff' * 100000)</program>", "<program>print(1)</program>\udcff",
            "<answer>\u202e1.5 m</answer>"]


def call_replies(marker: Path) -> list[str]:
    """Replies that each carry one hostile structured call."""
    return [f"<tool_call>{call}</tool_call>" for call in (
        '{"name": "__import__", "arguments": {"name": "os"}}',
        json.dumps({"name": "size", "arguments": {"x": f"{marker}"}}),
        '{"name": "distance", "arguments": {"a": {"__class__": 1}, "b": [[["x"]]]}}',
        "[" * 100_000, '{"name": "count", "arguments": {"label": "' + "chair " * 100_000 + '"}}',
        '{"name": "nearest", "arguments": {"target": "sofa", "candidates": ' + json.dumps(["laptop"] * 10_000) + "}}",
    )] + ["<answer>" + "1" * 10_000_000 + "</answer>"]


def hostile_bench(root: Path) -> tuple[Path, Path]:
    """A codes folder with one scene and :data:`N_QUESTIONS` questions about it."""
    small_scene().save(root / "codes" / "test" / "hostile.json")
    rows = []
    for i in range(N_QUESTIONS):
        task, question, options = QUESTIONS[i % len(QUESTIONS)]
        rows.append({"id": i + 1, "dataset": "test", "scene_name": "hostile", "question_type": task, "question": question,
                     "options": options, "ground_truth": "A" if options else "1"})
    questions = root / "questions.jsonl"
    questions.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return questions, root / "codes"


@dataclass(frozen=True)
class HostileRun:
    """How ``eval`` fared against the hostile server: exit ``code``, ``stderr``, wall ``seconds``,
    the predictions ``rows``, the predictions file's ``size`` (bytes) and whether the marker
    appeared (``escaped``)."""

    code: int
    stderr: str
    seconds: float
    rows: list[dict]
    size: int
    escaped: bool


def run_hostile_eval(root: Path, protocol: str, tool_timeout: float | None = None) -> HostileRun:
    """``spatialcode eval --reasoner llm-tools --tool-protocol PROTOCOL`` in ``root`` against a
    fake server replying with :func:`program_replies` or :func:`call_replies`."""
    marker = root / "ESCAPED"
    replies = root / "replies.json"
    replies.write_text(json.dumps(program_replies(marker) if protocol == "programs" else call_replies(marker)))
    questions, codes = hostile_bench(root)
    predictions = root / "predictions.jsonl"
    timeout = ["--tool-timeout", str(tool_timeout)] if tool_timeout else []
    start = time.monotonic()
    with fake_openai_server("--replies", str(replies)) as url:
        done = subprocess.run(
            [sys.executable, "-m", "spatialcode", "eval", "--questions", str(questions), "--codes", str(codes),
             "--reasoner", "llm-tools", "--tool-protocol", protocol, *timeout, "--model", url,
             "--predictions", str(predictions), "--no-progress"],
            capture_output=True, text=True, timeout=1800, cwd=root)
    seconds = time.monotonic() - start
    rows = [json.loads(line) for line in predictions.read_text().splitlines()] if predictions.is_file() else []
    return HostileRun(done.returncode, done.stderr, seconds, rows, predictions.stat().st_size if rows else 0,
                      marker.exists())


@pytest.mark.parametrize("protocol", ["programs", "calls"])
def test_a_hostile_model_is_contained_end_to_end(protocol, tmp_path):
    run = run_hostile_eval(tmp_path, protocol, tool_timeout=1)
    assert run.code == 0, run.stderr[-3000:]
    assert not [row["error"] for row in run.rows if "error" in row]  # every attack answered as a result, none raised
    assert not run.escaped, "a hostile program escaped"
    assert sorted(row["id"] for row in run.rows) == list(range(1, N_QUESTIONS + 1))  # every question has a row
    assert run.size < MAX_OUTPUT_BYTES, run.size
    assert run.seconds < 300
    calls = [call for row in run.rows for call in row.get("tool_calls", [])]
    assert calls and not any(call["ok"] for call in calls if "import" in call.get("program", call.get("call", "")))
    assert all(len(row.get("reply", "")) <= 256 * 8 for row in run.rows)  # replies cut to what max_tokens allows
