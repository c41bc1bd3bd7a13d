"""Do the tool reasoner's prompts generalise? The worked examples of ``llm-tools`` were written
and iterated on the LLM baseline's sample of VSI-Bench dev questions (the *writing* part:
``benchmarks/results/llm_baseline_sample.json``, 320 questions over 101 scenes). This script
draws a *held-out* part — the same design (32 questions of each question type, seed 0) from the
dev questions outside the writing part — and answers both parts with each
prompt version over the oracle code (the annotations), so that a prompt is judged on questions
nobody looked at while writing it.

Usage (from the repository root; runs resume where they stopped):
    .venv/bin/python benchmarks/tool_prompts.py sample
    .venv/bin/python benchmarks/tool_prompts.py run --config llm-tools --part held-out --model runs/models/MODEL.gguf
    .venv/bin/python benchmarks/tool_prompts.py report

Configurations: ``llm-tools`` (every worked example in every prompt) and ``llm-tools-task`` (the
worked examples of the question's own task, :class:`~spatialcode.reason.llm_tools.ToolLLMConfig`
``examples="task"``). Answers: ``benchmarks/results/tool_prompts/<config>-<part>.jsonl`` (kept with the
results); the writing part's ``llm-tools`` answers are the LLM baseline's
(``benchmarks/results/llm_tools_protocols/llm-tools.jsonl``). ``report`` writes
``benchmarks/results/tool_prompts.md`` / ``.json``: accuracy per task, the share of the exact
solver's score on the six box tasks, and paired differences.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from llm_baseline import DATA, SAMPLE, TASK_ROWS, sample_questions

from spatialcode.bench import aggregate, load_questions, read_predictions, score_predictions
from spatialcode.bench.evaluate import evaluate
from spatialcode.core.config import apply_values, build_config
from spatialcode.formats.codes_dir import CodeSet
from spatialcode.formats.vsibench_meta import iter_meta_info_dir
from spatialcode.reason.registry import ReasonerConfig, make_reasoner
from spatialcode.tasks import VSI_TASKS
from spatialcode.tasks.paired import paired_difference

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ANSWERS = RESULTS / "tool_prompts"
HELD_OUT = RESULTS / "tool_prompts_held_out.json"
#: Configuration → reasoner settings.
CONFIGS = {
    "solver": {"name": "solver"},
    "llm-tools": {"name": "llm-tools", "tools.protocol": "programs", "tools.examples": "all"},
    "llm-tools-task": {"name": "llm-tools", "tools.protocol": "programs", "tools.examples": "task"},
}
#: Answers kept from earlier runs: (config, part) → file.
EARLIER = {("llm-tools", "writing"): RESULTS / "llm_tools_protocols" / "llm-tools.jsonl"}
#: The six tasks the oracle code's boxes answer (route planning and appearance order need more).
BOX_TASKS = ("object_counting", "object_abs_distance", "object_size_estimation", "room_size_estimation",
             "object_rel_distance", "object_rel_direction")


def draw_held_out(per_type: int = 32, seed: int = 0) -> dict:
    """``per_type`` questions of each type from the dev questions outside the writing sample (the
    writing sample's 101 scenes hold most of the dev half's relative-direction and appearance
    questions, so the split is by question: the held-out questions were never read or answered
    while the prompts were written; the examples name no scene)."""
    writing = {q.id for q in sample_questions()}
    by_type = defaultdict(list)
    for q in load_questions(DATA / "questions.jsonl"):
        if q.id not in writing:
            by_type[q.question_type].append(q.id)
    rng = random.Random(seed)
    ids = {task: sorted(rng.sample(by_type[task], min(per_type, len(by_type[task])))) for task in VSI_TASKS}
    return {"per_type": per_type, "seed": seed, "writing_sample": SAMPLE.name, "ids": ids,
            "questions": sum(len(v) for v in ids.values())}


def part_questions(part: str) -> list:
    """The questions of ``writing`` or ``held-out``, in question-file order."""
    if part == "writing":
        return sample_questions()
    if not HELD_OUT.is_file():
        sys.exit(f"no {HELD_OUT}: run `benchmarks/tool_prompts.py sample` first")
    wanted = {i for ids in json.loads(HELD_OUT.read_text())["ids"].values() for i in ids}
    return [q for q in load_questions(DATA / "questions.jsonl") if q.id in wanted]


def answers_path(config: str, part: str) -> Path:
    """Where a configuration's answers on a part are (kept earlier ones first)."""
    return EARLIER.get((config, part), ANSWERS / f"{config}-{part}.jsonl")


def run(config: str, part: str, model: str | None, threads: int | None = None) -> None:
    """Answer a part with one configuration (resumable); ``threads``: the model's CPU threads."""
    settings = CONFIGS[config]
    if settings["name"] != "solver":
        settings = {**settings, "model.path": model, "model.cache": str(ROOT / "runs" / "tool_prompts_cache.sqlite"),
                    "model.threads": threads}
    reasoner, described = make_reasoner(build_config(ReasonerConfig, apply_values({}, settings)))
    ANSWERS.mkdir(parents=True, exist_ok=True)
    result = evaluate(part_questions(part), CodeSet(iter_meta_info_dir(DATA / "meta_info")), reasoner,
                      answers_path(config, part), {**described, "config": config, "part": part})
    print(f"{config} on {part}: {result.summary.attempted} answered now, {result.summary.already_done} before",
          file=sys.stderr)


def report() -> str:
    """Tables per part and configuration, the share of the solver on the box tasks, paired differences."""
    doc: dict = {"parts": {}}
    lines = ["# Tool prompts on the writing part and on the held-out part (oracle code)", ""]
    for part in ("writing", "held-out"):
        questions = part_questions(part)
        answered = {c: read_predictions(answers_path(c, part)) for c in CONFIGS if answers_path(c, part).is_file()}
        tables = {c: aggregate(score_predictions(questions, p)).to_dict()["full"] for c, p in answered.items()}
        solver = tables.get("solver")
        doc["parts"][part] = {c: {"overall": t["overall"], "scores": t["scores"],
                                  "share_of_solver_box_tasks": (sum(t["scores"][k] for k in BOX_TASKS) /
                                                                sum(solver["scores"][k] for k in BOX_TASKS)
                                                                if solver else None)} for c, t in tables.items()}
        if "llm-tools" in answered and "llm-tools-task" in answered:
            doc["parts"][part]["task minus all"] = paired_difference(questions, answered["llm-tools-task"],
                                                                      answered["llm-tools"])
        lines += [f"## {part} ({len(questions)} questions)", "", "| task | " + " | ".join(tables) + " |",
                  "|---|" + "---:|" * len(tables)]
        lines += [f"| {row} | " + " | ".join(f"{(t['overall'] if row == 'overall' else t['scores'].get(row, float('nan'))):.1f}"
                                            for t in tables.values()) + " |" for row in TASK_ROWS]
        lines.append("| share of the solver, six box tasks | " + " | ".join(
            f"{doc['parts'][part][c]['share_of_solver_box_tasks'] * 100:.1f} %" if solver else "" for c in tables) + " |")
        pair = doc["parts"][part].get("task minus all")
        if pair:
            lines += ["", f"llm-tools-task − llm-tools: {pair['difference']:+.1f} [{pair['ci95'][0]:+.1f}, "
                          f"{pair['ci95'][1]:+.1f}] over {pair['questions']} questions"]
        lines.append("")
    (RESULTS / "tool_prompts.json").write_text(json.dumps(doc, indent=1))
    (RESULTS / "tool_prompts.md").write_text("\n".join(lines))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="section", required=True)
    sub.add_parser("sample")
    r = sub.add_parser("run")
    r.add_argument("--config", choices=tuple(CONFIGS), required=True)
    r.add_argument("--part", choices=("writing", "held-out"), required=True)
    r.add_argument("--model", default=None)
    r.add_argument("--threads", type=int, default=None, help="the model's CPU threads (default: llama.cpp's)")
    sub.add_parser("report")
    args = parser.parse_args()
    if args.section == "sample":
        doc = draw_held_out()
        HELD_OUT.write_text(json.dumps(doc, indent=1))
        print(f"wrote {HELD_OUT}: {doc['questions']} questions", file=sys.stderr)
    elif args.section == "run":
        run(args.config, args.part, args.model, args.threads)
    else:
        print(report())


if __name__ == "__main__":
    main()
