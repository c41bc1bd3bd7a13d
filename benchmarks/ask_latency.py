"""End-to-end latency of ``spatialcode ask`` with the embedded LLM: the command run as a user
runs it (a subprocess, start-up included) ``--runs`` times, median wall seconds; then where the
time goes, measured in one process: imports, building the reasoner (loading the model), and
answering (prompt and generated tokens).

Usage:
    .venv/bin/python benchmarks/ask_latency.py MODEL.gguf [--runs 3] [--scene SCENE.json] [--question Q]
                                                [--set KEY=VALUE ...]

``--set`` passes reasoner settings to both (e.g. ``model.threads=2``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(ROOT / ".venv" / "bin" / "spatialcode")
SCENE = ROOT / "src" / "spatialcode" / "data" / "demo_scene.json"
QUESTION = "How many chair(s) are in this room?"

#: Run in a fresh interpreter: the seconds of each stage of one question, as JSON.
_STAGES = """
import json, sys, time
start = time.perf_counter()
from spatialcode.core.config import load_config
from spatialcode.reason.registry import ReasonerConfig, make_reasoner
from spatialcode.scene import SpatialCode
imported = time.perf_counter()
model, scene, question, *overrides = sys.argv[1:]
config = load_config(ReasonerConfig, None, overrides, {"name": "llm", "model.path": model})
reasoner, _ = make_reasoner(config)
built = time.perf_counter()
answer = reasoner.answer_question(SpatialCode.load(scene), question)
done = time.perf_counter()
print(json.dumps({"import_s": imported - start, "load_s": built - imported, "answer_s": done - built,
                  "prompt_tokens": answer.extra.get("prompt_tokens"),
                  "completion_tokens": answer.extra.get("completion_tokens"), "prediction": answer.prediction}))
"""


def wall_seconds(model: str, scene: Path, question: str, overrides: list[str], runs: int) -> list[float]:
    """Wall seconds of ``spatialcode ask SCENE QUESTION --reasoner llm --model MODEL`` per run."""
    command = [CLI, "ask", str(scene), question, "--reasoner", "llm", "--model", model]
    for override in overrides:
        command += ["--set", override]
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def stages(model: str, scene: Path, question: str, overrides: list[str]) -> dict:
    """The seconds of each stage of one question, in a fresh interpreter (see :data:`_STAGES`)."""
    done = subprocess.run([sys.executable, "-c", _STAGES, model, str(scene), question, *overrides], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print the wall times and the stages."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scene", type=Path, default=SCENE)
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    seconds = wall_seconds(args.model, args.scene, args.question, args.overrides, args.runs)
    print(f"ask wall time: median {statistics.median(seconds):.2f} s over {args.runs} runs "
          f"({', '.join(f'{s:.2f}' for s in seconds)})")
    parts = stages(args.model, args.scene, args.question, args.overrides)
    print(f"stages: imports {parts['import_s']:.2f} s, model load {parts['load_s']:.2f} s, answer "
          f"{parts['answer_s']:.2f} s ({parts['prompt_tokens']} prompt + {parts['completion_tokens']} generated "
          f"tokens), prediction {parts['prediction']!r}")


if __name__ == "__main__":
    main()
