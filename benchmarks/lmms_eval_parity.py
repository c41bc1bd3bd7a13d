"""Our VSI-Bench scoring against lmms-eval 0.7.3's, and the ``spatialcode`` model of lmms-eval
against ``spatialcode eval``, on the dev half of VSI-Bench (``../shared/data/vsibench-dev``).

1. Parity: every dev question gets ``--rounds`` replies of every kind (exact, near, wrong,
   unparseable, letters written several ways, numbers with units, words or text; the parity
   test's :func:`tests.test_lmms_eval_parity.reply_sets`), each scored by lmms-eval's own
   ``vsibench_process_results`` and aggregations and by ``spatialcode.tasks.scoring``: the
   number of replies compared and the largest difference per question, per task and overall
   (×100), and how many replies the earlier first-token reading (lmms-eval ≤ 0.7.2) would score
   differently.
2. The model: the dev questions of ``--scenes`` scenes (those with the most question types first),
   codes converted from the dev annotations, answered by the solver through
   ``lmms-eval --model spatialcode`` (the CLI, offline, on a local copy of VSI-Bench's task) and by
   ``spatialcode eval``: both score tables and the wall time of each command.

Usage:
    .venv/bin/python benchmarks/lmms_eval_parity.py [--rounds 16] [--scenes 5]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spatialcode.formats.vsibench_meta import convert_vsibench_meta  # noqa: E402
from spatialcode.tasks import SCORED_TASKS  # noqa: E402
from spatialcode.tasks.records import load_questions  # noqa: E402
from spatialcode.tasks.scoring import aggregate, score_predictions  # noqa: E402
from tests.fixtures import DEV_DATA  # noqa: E402
from tests.test_lmms_eval_model import TASK, local_task  # noqa: E402
from tests.test_lmms_eval_parity import official_scores, reply_sets  # noqa: E402

NUMERIC = ("object_counting", "object_abs_distance", "object_size_estimation", "room_size_estimation")


def parity(rounds: int) -> dict:
    """Score ``rounds`` reply sets of the dev questions both ways; the largest differences (×100)."""
    questions = load_questions(DEV_DATA / "questions.jsonl")
    worst = {"question": 0.0, "task": 0.0, "overall": 0.0}
    compared = first_token_differs = 0
    start = time.perf_counter()
    for predictions in reply_sets(questions, rounds):
        rows = score_predictions(questions, predictions)
        theirs, tasks, overall = official_scores(questions, predictions)
        worst["question"] = max([worst["question"], *(abs(r["score"] - t) * 100 for r, t in zip(rows, theirs))])
        table = aggregate(rows).full
        worst["task"] = max([worst["task"], *(abs(table.scores[task] - tasks[task] * 100) for task in SCORED_TASKS)])
        worst["overall"] = max(worst["overall"], abs(table.overall - overall * 100))
        old = score_predictions(questions, predictions, numbers="first-token")
        first_token_differs += sum(a["score"] != b["score"] for a, b in zip(rows, old))
        compared += len(questions)
    return {"compared": compared, "questions": len(questions), "worst": worst, "first_token_differs": first_token_differs,
            "seconds": time.perf_counter() - start}


def scene_questions(count: int, out: Path) -> int:
    """Write the dev questions of the ``count`` scenes with the most question types to ``out``."""
    lines = (DEV_DATA / "questions.jsonl").read_text().splitlines()
    types = collections.defaultdict(set)
    for line in lines:
        record = json.loads(line)
        types[(record["dataset"], record["scene_name"])].add(record["question_type"])
    scenes = set(sorted(types, key=lambda scene: (-len(types[scene]), scene))[:count])
    kept = [line for line in lines if (json.loads(line)["dataset"], json.loads(line)["scene_name"]) in scenes]
    out.write_text("\n".join(kept) + "\n")
    return len(kept)


def run(command: list[str], env: dict[str, str]) -> float:
    """Run ``command`` and return its wall time in seconds (its output is shown only when it fails)."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def model_run(scenes: int, work: Path) -> dict:
    """The solver on ``scenes`` scenes' dev questions through lmms-eval and through ``spatialcode eval``."""
    questions = work / "questions.jsonl"
    count = scene_questions(scenes, questions)
    convert_vsibench_meta(DEV_DATA / "meta_info", work / "codes", DEV_DATA / "first_seen_rank.json")
    local_task(work, questions)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    bin_dir = Path(sys.executable).parent
    lmms_seconds = run([str(bin_dir / "lmms-eval"), "--model", "spatialcode", "--model_args", f"codes={work / 'codes'}",
                        "--tasks", TASK, "--include_path", str(work / "tasks"), "--output_path", str(work / "lmms")], env)
    theirs = json.loads(next((work / "lmms").rglob("*_results.json")).read_text())["results"][TASK]
    ours_seconds = run([str(bin_dir / "spatialcode"), "eval", "--questions", str(questions), "--codes", str(work / "codes"),
                        "--reasoner", "solver", "--predictions", str(work / "predictions.jsonl"),
                        "--report", str(work / "report")], env)
    ours = json.loads((work / "report.json").read_text())["full"]
    table = {task: (theirs[f"{task}_{'mra' if task in NUMERIC else 'accuracy'},none"] * 100, ours["scores"][task])
             for task in SCORED_TASKS}
    table["overall"] = (theirs["vsibench_overall,none"] * 100, ours["overall"])
    return {"questions": count, "scenes": scenes, "table": table, "lmms_seconds": lmms_seconds, "ours_seconds": ours_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=16, help="replies per dev question in the parity check")
    parser.add_argument("--scenes", type=int, default=5, help="dev scenes the model answers")
    args = parser.parse_args()
    scores = parity(args.rounds)
    worst = scores["worst"]
    print(f"parity: {scores['compared']:,} replies ({scores['questions']:,} questions × {args.rounds}) in "
          f"{scores['seconds']:.0f} s; largest difference ×100: question {worst['question']:.2g}, task {worst['task']:.2g}, "
          f"overall {worst['overall']:.2g}; {scores['first_token_differs']:,} replies score differently under the "
          "first-token reading (lmms-eval ≤ 0.7.2)\n")
    with tempfile.TemporaryDirectory() as folder:
        result = model_run(args.scenes, Path(folder))
    print(f"model: {result['questions']} questions of {result['scenes']} scenes; lmms-eval --model spatialcode "
          f"{result['lmms_seconds']:.0f} s, spatialcode eval {result['ours_seconds']:.0f} s (wall, imports included)\n")
    print("| task | lmms-eval --model spatialcode | spatialcode eval | difference |\n|---|---:|---:|---:|")
    for task, (theirs, ours) in result["table"].items():
        print(f"| {task} | {theirs:.2f} | {ours:.2f} | {abs(theirs - ours):.1g} |")


if __name__ == "__main__":
    main()
