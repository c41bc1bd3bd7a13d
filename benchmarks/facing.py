"""Object facing on held-out procedural scenes: how far the encoded fronts are from the truth,
per category, and the perspective questions answered from the encoded code.

Usage:
    .venv/bin/python benchmarks/facing.py run [--scenes 20] [--faults none|realistic] [--base-seed 1]
    .venv/bin/python benchmarks/facing.py report

Scenes are the test split of base seed 1 (``scene_seed("test", i, 1)``): no other benchmark,
test or training run uses that stream, and the facing rules (``spatialcode.tasks.facing``,
``spatialcode.encode.facing``) were written on hand-built clouds and the demo scene, not on these.
Each is rendered once at 640×480 (default settings, the ``--faults`` preset) into
``runs/facing_renders/<faults>/<seed>`` and reused, then encoded with the ground-truth masks and
the reported poses. Encoded objects are paired with the truth per label by 3D IoU
(:func:`~spatialcode.encode.compare.compare_codes`); for the truth objects with a front paired
at IoU ≥ 0.25 the facing error is the angle between the two boxes' +x axes (0–180°).

Perspective questions (the extension task) are generated from the *truth* code (anchors with a
front only, up to 8 a scene, both the left/right and the quadrant variant) and answered by the
exact solver from the *encoded* code, and from the truth code as a check (100 %).

Results: ``benchmarks/results/facing_<faults>_seed<base seed><tag>.json`` and
``benchmarks/results/facing.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

from spatialcode import tasks
from spatialcode.encode.compare import compare_codes
from spatialcode.encode.encoder import encode
from spatialcode.encode.frames import RenderFolderSource
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode
from spatialcode.synth import FaultConfig, RenderConfig, generate_scene, render_scene
from spatialcode.synth.dataset import scene_seed
from spatialcode.synth.questions import QuestionGenConfig, generate_questions

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
RENDERS = ROOT / "runs" / "facing_renders"
QUESTIONS = QuestionGenConfig(tasks=(tasks.PERSPECTIVE_DIRECTION,), max_per_task={tasks.PERSPECTIVE_DIRECTION: 8})


def rendered(seed: int, faults: str) -> Path:
    """The render folder of scene ``seed`` with the ``faults`` preset (rendered when missing)."""
    out = RENDERS / faults / str(seed)
    if not (out / "scene.json").is_file():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            render_scene(generate_scene(seed), out, RenderConfig(faults=FaultConfig.preset(faults)), progress=False)
    return out


def perspective(truth: SpatialCode, code: SpatialCode, seed: int) -> list[dict]:
    """The perspective questions of ``truth`` answered from ``code`` and from ``truth``."""
    solver, rows = Solver(), []
    for q in generate_questions(truth, seed, QUESTIONS):
        encoded = solver.answer_question(code, q.question, q.options, q.question_type)
        check = solver.answer_question(truth, q.question, q.options, q.question_type)
        rows.append({"question": q.question, "truth": q.ground_truth, "encoded": encoded.prediction,
                     "cannot_answer": encoded.cannot_answer, "truth_code": check.prediction})
    return rows


def run(scenes: int, faults: str, base_seed: int, tag: str = "") -> dict:
    rows = []
    for i in range(scenes):
        seed = scene_seed("test", i, base_seed)
        folder = rendered(seed, faults)
        truth = SpatialCode.load(folder / "scene.json")
        start = time.perf_counter()
        code, _ = encode(RenderFolderSource(folder, rgb=False))
        comparison = compare_codes(truth, code)
        questions = perspective(truth, code, seed)
        rows.append({"seed": seed, "seconds": time.perf_counter() - start, "facing_errors": comparison["facing_errors"],
                     "matched": comparison["matched"], "objects": comparison["objects"], "questions": questions})
        right = sum(q["encoded"] == q["truth"] for q in questions)
        errors = [e for _, e, _ in comparison["facing_errors"]]
        print(f"scene {i} ({seed}): facing median {np.median(errors) if errors else float('nan'):.1f}° over {len(errors)}, "
              f"perspective {right}/{len(questions)}", file=sys.stderr)
    doc = {"faults": faults, "base_seed": base_seed, "scenes": rows, "summary": summarise(rows)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"facing_{faults}_seed{base_seed}{tag}.json").write_text(json.dumps(doc, indent=1) + "\n")
    return doc


def summarise(rows: list[dict]) -> dict:
    """Per category and overall: facing error quantiles and shares; perspective accuracy."""
    by_label: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        for label, error, _ in row["facing_errors"]:
            by_label[label].append(error)
    every = [e for errors in by_label.values() for e in errors]

    def stats(errors: list[float]) -> dict:
        return {"n": len(errors), "median": float(np.median(errors)), "q3": float(np.quantile(errors, 0.75)),
                "within_15": sum(e <= 15 for e in errors) / len(errors), "within_45": sum(e <= 45 for e in errors) / len(errors),
                "flipped": sum(e > 135 for e in errors) / len(errors)}

    questions = [q for row in rows for q in row["questions"]]
    return {
        "facing": {"all": stats(every) if every else None, **{k: stats(v) for k, v in sorted(by_label.items())}},
        "perspective": {
            "questions": len(questions),
            "encoded_accuracy": sum(q["encoded"] == q["truth"] for q in questions) / max(len(questions), 1),
            "cannot_answer": sum(q["cannot_answer"] is not None for q in questions),
            "truth_code_accuracy": sum(q["truth_code"] == q["truth"] for q in questions) / max(len(questions), 1),
        },
    }


def facing_table(facing: dict) -> list[str]:
    """The markdown table of the ``facing`` part of a :func:`summarise`: a row per category
    (all of them first), degrees and shares."""
    lines = ["| category | objects | median error (°) | q3 (°) | ≤ 15° | ≤ 45° | flipped (> 135°) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, s in facing.items():
        if s is None:
            continue
        name = "**all**" if label == "all" else label
        lines.append(f"| {name} | {s['n']} | {s['median']:.1f} | {s['q3']:.1f} | {100 * s['within_15']:.0f} % | "
                     f"{100 * s['within_45']:.0f} % | {100 * s['flipped']:.0f} % |")
    return lines


def report() -> str:
    lines = ["# Object facing on held-out procedural scenes", ""]
    for path in sorted(RESULTS.glob("facing_*.json")):
        doc = json.loads(path.read_text())
        summary = doc["summary"]
        p = summary["perspective"]
        lines += [f"## {path.stem}: faults {doc['faults']} ({len(doc['scenes'])} scenes, base seed {doc['base_seed']})", "",
                  f"Perspective questions from the encoded code: **{100 * p['encoded_accuracy']:.1f} %** of {p['questions']} "
                  f"({p['cannot_answer']} cannot answer); from the truth code {100 * p['truth_code_accuracy']:.1f} %.", "",
                  *facing_table(summary["facing"]), ""]
    text = "\n".join(lines)
    (RESULTS / "facing.md").write_text(text + "\n")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    go = sub.add_parser("run")
    go.add_argument("--scenes", type=int, default=20)
    go.add_argument("--faults", default="none", choices=("none", "realistic", "monocular"))
    go.add_argument("--base-seed", type=int, default=1)
    go.add_argument("--tag", default="", help="appended to the result's file name")
    sub.add_parser("report")
    args = parser.parse_args()
    if args.command == "run":
        run(args.scenes, args.faults, args.base_seed, args.tag)
    print(report())


if __name__ == "__main__":
    main()
