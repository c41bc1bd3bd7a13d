"""End-to-end latency of ``spatialcode ask`` with the embedded LLM: the command run as a user
runs it (a subprocess, start-up included), one question of each kind about a scene, median wall
seconds over ``--runs``; then where the time goes, measured in one process per question: imports,
building the reasoner (loading the model), answering (prompt tokens, how many of them llama.cpp
had kept from an earlier question, generated tokens).

*Cold*: a question about a scene nothing was asked about yet (an empty cache folder, so llama.cpp
reads the whole prompt). *Warm*: another question about the same scene after one was asked (in
another process), so llama.cpp starts from the kept prompt and reads only the new question.

``--read-ahead`` measures the web app's path instead: in one process with an empty cache folder,
the reasoner is built, reads the opened scene ahead (:meth:`~spatialcode.reason.llm.LLMReasoner.read_ahead`,
while the question is typed) and answers the question; the seconds of each (the first question
about a scene, as the app asks it).

``--prompt-rate`` measures what bounds a cold question: how many prompt tokens a second llama.cpp
reads on this machine, reading the scene's shared prompt
(:func:`~spatialcode.reason.prompt.scene_prompt`) afresh each run as ``ask`` runs it, and so the
least seconds a first question about the scene needs before it generates anything.

Usage:
    .venv/bin/python benchmarks/ask_latency.py MODEL.gguf [--runs 3] [--scene SCENE.json] [--set KEY=VALUE ...]
    .venv/bin/python benchmarks/ask_latency.py MODEL.gguf --read-ahead [--runs 3]
    .venv/bin/python benchmarks/ask_latency.py MODEL.gguf --prompt-rate [--runs 3]

``--set`` passes reasoner settings to both (e.g. ``model.threads=2``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(ROOT / ".venv" / "bin" / "spatialcode")
SCENE = ROOT / "src" / "spatialcode" / "data" / "demo_scene.json"
#: The question asked first to make the cache warm (not among the measured ones).
WARM_UP = "How many door(s) are in this room?"
#: One question of each kind about the demo scene.
QUESTIONS = {
    "counting": "How many chair(s) are in this room?",
    "object size": "What is the length of the longest dimension (length, width, or height) of the sofa, measured in "
                   "centimeters?",
    "absolute distance": "Measuring from the closest point of each object, what is the distance between the sofa and "
                         "the tv (in meters)?",
    "relative distance": "Measuring from the closest point of each object, which of these objects (lamp, plant, "
                         "window) is the closest to the sofa?",
    "room size": "What is the size of this room (in square meters)?",
}

#: Run in a fresh interpreter: the seconds of each stage of one question, as JSON.
_STAGES = """
import json, sys, time
start = time.perf_counter()
from spatialcode.core.config import load_config
from spatialcode.reason.registry import ReasonerConfig, make_reasoner
from spatialcode.scene import SpatialCode
imported = time.perf_counter()
model, scene, question, ahead, *overrides = sys.argv[1:]
config = load_config(ReasonerConfig, None, overrides, {"name": "llm", "model.path": model})
reasoner, _ = make_reasoner(config)
code = SpatialCode.load(scene)
built = time.perf_counter()
if ahead == "1":
    reasoner.read_ahead(code)
read = time.perf_counter()
answer = reasoner.answer_question(code, question)
done = time.perf_counter()
print(json.dumps({"import_s": imported - start, "load_s": built - imported, "ahead_s": read - built, "answer_s": done - read,
                  **{key: answer.extra.get(key) for key in ("prompt_tokens", "reused_prompt_tokens", "completion_tokens")},
                  "prediction": answer.prediction}))
"""


def ask_seconds(model: str, scene: Path, question: str, overrides: list[str], cache: Path) -> float:
    """Wall seconds of ``spatialcode ask SCENE QUESTION --reasoner llm --model MODEL`` with the
    cache folder ``cache`` (a reply without an answer, exit status 1, counts like any other)."""
    command = [CLI, "ask", str(scene), question, "--reasoner", "llm", "--model", model]
    for override in overrides:
        command += ["--set", override]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "SPATIALCODE_CACHE_DIR": str(cache)})
    if done.returncode not in (0, 1):
        raise RuntimeError(f"spatialcode ask failed: {done.stderr.strip()}")
    return time.perf_counter() - start


def stages(model: str, scene: Path, question: str, overrides: list[str], cache: Path, ahead: bool = False) -> dict:
    """The seconds of each stage of one question, in a fresh interpreter (see :data:`_STAGES`),
    the scene read ahead first when ``ahead``."""
    done = subprocess.run([sys.executable, "-c", _STAGES, model, str(scene), question, "1" if ahead else "0",
                           *overrides], check=True,
                          capture_output=True, text=True, env={**os.environ, "SPATIALCODE_CACHE_DIR": str(cache)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print, per question kind, the cold and warm wall times and the warm stages."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scene", type=Path, default=SCENE)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--read-ahead", action="store_true", help="the web app's path (see the module docstring)")
    parser.add_argument("--prompt-rate", action="store_true", help="llama.cpp's prompt tokens a second (see above)")
    args = parser.parse_args()
    if args.read_ahead:
        read_ahead_table(args)
        return
    if args.prompt_rate:
        prompt_rate_table(args)
        return
    print("| question | cold `ask` (s) | warm `ask` (s) | imports (s) | model load (s) | answer (s) | prompt tokens "
          "(kept) | generated | answer |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    warm_all = []
    for kind, question in QUESTIONS.items():
        cold, warm = [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                cold.append(ask_seconds(args.model, args.scene, question, args.overrides, Path(cache)))
            with tempfile.TemporaryDirectory() as cache:
                ask_seconds(args.model, args.scene, WARM_UP, args.overrides, Path(cache))
                warm.append(ask_seconds(args.model, args.scene, question, args.overrides, Path(cache)))
        with tempfile.TemporaryDirectory() as cache:
            ask_seconds(args.model, args.scene, WARM_UP, args.overrides, Path(cache))
            parts = stages(args.model, args.scene, question, args.overrides, Path(cache))
        warm_all += warm
        print(f"| {kind} | {statistics.median(cold):.2f} | **{statistics.median(warm):.2f}** | {parts['import_s']:.2f} "
              f"| {parts['load_s']:.2f} | {parts['answer_s']:.2f} | {parts['prompt_tokens']} "
              f"({parts['reused_prompt_tokens']}) | {parts['completion_tokens']} | {parts['prediction']} |", flush=True)
    print(f"\nwarm `ask`: median {statistics.median(warm_all):.2f} s, slowest {max(warm_all):.2f} s "
          f"over {len(warm_all)} runs")


def read_ahead_table(args: argparse.Namespace) -> None:
    """Print, per question kind, the median seconds of reading the scene ahead and of the first
    question after it (each run in a fresh process with an empty cache folder)."""
    print("| question | read-ahead (s) | first question after it (s) | prompt tokens (kept) | generated | answer |")
    print("|---|---:|---:|---:|---:|---|")
    answers = []
    for kind, question in QUESTIONS.items():
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                runs.append(stages(args.model, args.scene, question, args.overrides, Path(cache), ahead=True))
        last = runs[-1]
        answers += [run["answer_s"] for run in runs]
        print(f"| {kind} | {statistics.median(r['ahead_s'] for r in runs):.2f} "
              f"| **{statistics.median(r['answer_s'] for r in runs):.2f}** | {last['prompt_tokens']} "
              f"({last['reused_prompt_tokens']}) | {last['completion_tokens']} | {last['prediction']} |", flush=True)
    print(f"\nfirst question after the read-ahead: median {statistics.median(answers):.2f} s, slowest "
          f"{max(answers):.2f} s over {len(answers)} runs")


def prompt_rate_table(args: argparse.Namespace) -> None:
    """Print the median prompt tokens a second llama.cpp reads the scene's shared prompt at, as
    ``ask`` runs it (nothing kept between runs), and the seconds that prompt takes."""
    from spatialcode.reason.backends.llama_cpp import LlamaCppBackend, LlamaCppConfig
    from spatialcode.reason.prompt import scene_prompt
    from spatialcode.scene import SpatialCode

    prompt = scene_prompt(SpatialCode.load(args.scene))
    backend = LlamaCppBackend(LlamaCppConfig(model=args.model, keep_prompts=False))
    runs = []
    for _ in range(args.runs):
        backend.llm.reset()
        runs.append(backend.read_ahead(prompt))
    seconds = statistics.median(run.seconds for run in runs)
    tokens = runs[-1].prompt_tokens
    print("| prompt tokens | read afresh | seconds (median) | prompt tokens a second |")
    print("|---:|---:|---:|---:|")
    print(f"| {tokens} | {tokens - (runs[-1].reused_prompt_tokens or 0)} | {seconds:.2f} | **{tokens / seconds:.1f}** |")


if __name__ == "__main__":
    main()
