"""Training the reasoning LLM for real on the CPU, and what it changes: base vs SFT vs GRPO with
the accuracy-only reward vs GRPO with the spatial rubric reward (and with the rubric gated on a
correct answer), with the embedded Qwen2.5-Coder-0.5B-Instruct.

Usage (from the repository root; every section resumes where it stopped):
    .venv/bin/python benchmarks/rl_train.py data                 # runs/synth: 300 scenes, train 0.9 / test 0.1
    .venv/bin/python benchmarks/rl_train.py train --run sft      # configs/sft_cpu.yaml (also grpo-accuracy, grpo-rubric,
                                                                 # grpo-rubric-gated; sft-noisy, grpo-noisy on noisy codes)
    .venv/bin/python benchmarks/rl_train.py export --run sft     # merged model → runs/models/<run>-q8_0.gguf (also base)
    .venv/bin/python benchmarks/rl_train.py eval --run sft --set vsi    # or --set synth
    .venv/bin/python benchmarks/rl_train.py report
    .venv/bin/python benchmarks/rl_train.py all                  # all of it, in order

Training runs the configs in ``configs/`` (``--set KEY=VALUE`` overrides pass through).
Evaluation uses llama.cpp on a GGUF file of each model: the trained LoRA merged into the base
(dequantised from the Q4_K_M file), converted to Q8_0 by llama.cpp's own converter
(``convert_hf_to_gguf.py``, taken from the llama-cpp-python source distribution into
``runs/tools``); ``base`` goes through the same path, so that quantisation does not differ
between the models compared. Each model answers, as the ``llm`` reasoner with the compact table
of the question's objects and thinking first (greedy, replies capped at 256 tokens, the
GRPO runs' completion length): the LLM baseline's stratified VSI-Bench dev sample
(``benchmarks/results/llm_baseline_sample.json``, oracle code; ``--set vsi``) and 20 held-out
synthetic test questions of each task (``--set synth``). ``report`` writes
``benchmarks/results/rl_train.md`` / ``.json`` (accuracy per task, the rubric items of the
replies, paired differences of the models compared by the targets with bootstrap intervals,
seconds per step, peak memory) and ``benchmarks/results/rl_train_curves.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import time
from collections import defaultdict
from pathlib import Path

from llm_baseline import DATA, TASK_ROWS, sample_questions  # the same VSI-Bench sample and table rows

from spatialcode.bench import aggregate, code_version, load_questions, read_predictions, score_predictions
from spatialcode.bench.evaluate import evaluate
from spatialcode.core.config import apply_values, build_config
from spatialcode.formats.codes_dir import CodeSet
from spatialcode.formats.vsibench_meta import iter_meta_info_dir
from spatialcode.reason.registry import ReasonerConfig, make_reasoner
from spatialcode.scene import SpatialCode
from spatialcode.tasks import REL_DIRECTION, REL_DIRECTION_TASKS, ROUTE_PLANNING, VSI_TASKS, scored_task

ROOT = Path(__file__).resolve().parents[1]
SYNTH = ROOT / "runs" / "synth"
TRAIN = ROOT / "runs" / "train"
MODELS = ROOT / "runs" / "models"
TOOLS = ROOT / "runs" / "tools"
RESULTS = ROOT / "benchmarks" / "results"
#: Each model's answers, one JSONL row per question, kept with the results (a fresh machine resumes
#: from them and ``report`` recomputes every score from them).
EVAL = RESULTS / "rl_eval"
BASE_GGUF = MODELS / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
LLAMA_CPP = "llama-cpp-python==0.3.36"
#: Training run → its config file.
RUNS = {"sft": "configs/sft_cpu.yaml", "grpo-accuracy": "configs/grpo_accuracy_cpu.yaml",
        "grpo-rubric": "configs/grpo_rubric_cpu.yaml", "grpo-rubric-gated": "configs/grpo_rubric_gated_cpu.yaml",
        "sft-noisy": "configs/sft_noisy_cpu.yaml", "grpo-noisy": "configs/grpo_noisy_cpu.yaml"}
MODEL_NAMES = ("base", *RUNS)
#: The evaluation sets of each model: the gated rubric run (tried after the rubric run lost route
#: planning to accuracy-only) is compared on the VSI sample only; the runs on noisy codes (issue
#: 24) are compared on real encoder output by ``benchmarks/real_codes.py llm``.
EVAL_SETS = {name: ("vsi", "synth") for name in MODEL_NAMES} | {"grpo-rubric-gated": ("vsi",), "sft-noisy": (),
                                                               "grpo-noisy": ()}
#: What ``all`` does, in order: what the targets compare (rubric vs accuracy-only on VSI) comes first;
#: each run is trained only while one of its evaluations is missing, and every finished answer is kept,
#: so that a stopped session loses at most the question in progress.
PLAN = (("train", "sft"), ("train", "grpo-accuracy"), ("eval", "grpo-accuracy", "vsi"), ("train", "grpo-rubric"),
        ("eval", "grpo-rubric", "vsi"), ("train", "grpo-rubric-gated"), ("eval", "grpo-rubric-gated", "vsi"),
        ("eval", "sft", "vsi"), ("eval", "grpo-accuracy", "synth"), ("eval", "grpo-rubric", "synth"),
        ("eval", "sft", "synth"), ("eval", "base", "synth"), ("eval", "base", "vsi"))
SYNTH_PER_TASK = 20
#: Model pairs whose difference ``report`` tests (paired bootstrap over the questions both answered).
PAIRED = (("grpo-rubric", "grpo-accuracy"), ("grpo-rubric-gated", "grpo-accuracy"), ("grpo-rubric", "base"),
          ("grpo-rubric-gated", "base"), ("grpo-accuracy", "base"), ("sft", "base"), ("grpo-accuracy", "sft"),
          ("grpo-rubric", "sft"))
#: Asked first in an evaluation: the tasks on which rubric and accuracy-only training are compared.
FIRST_TASKS = {ROUTE_PLANNING, *REL_DIRECTION_TASKS}
#: The scopes of each paired comparison: all questions, then the tasks the rubric targets.
PAIRED_SCOPES = ("overall", ROUTE_PLANNING, REL_DIRECTION)
#: Reply length cap when evaluating (tokens): the GRPO runs' completion length.
EVAL_MAX_TOKENS = 256


def make_data() -> None:
    """The synthetic dataset (skipped when it exists)."""
    if (SYNTH / "data" / "train.jsonl").is_file():
        print(f"{SYNTH} exists", file=sys.stderr)
        return
    subprocess.run([sys.executable, "-m", "spatialcode", "generate", "--scenes", "300", "--walkthrough", "--splits",
                    "train=0.9,test=0.1", "--workers", "2", "--seed", "0", "--out", str(SYNTH)], check=True, cwd=ROOT)


def train(run: str, overrides: list[str]) -> None:
    """Train (or resume) one run with its config; a finished run (``final/`` saved) is left as it is."""
    if (TRAIN / run / "final").is_dir():
        print(f"{TRAIN / run} is finished", file=sys.stderr)
        return
    from spatialcode.core.config import load_config
    from spatialcode.rl.grpo import GRPORunConfig, run_grpo
    from spatialcode.rl.sft import SFTRunConfig, run_sft

    if run.startswith("sft"):
        run_sft(load_config(SFTRunConfig, ROOT / RUNS[run], overrides))
    else:
        run_grpo(load_config(GRPORunConfig, ROOT / RUNS[run], overrides))


def gguf_path(name: str) -> Path:
    """The Q8_0 GGUF file of a model."""
    return MODELS / f"{name}-q8_0.gguf"


def export(name: str) -> Path:
    """The model ``name`` (``base`` or a finished run) as a Q8_0 GGUF file (skipped when it exists)."""
    out = gguf_path(name)
    if out.is_file():
        return out
    folder = MODELS / f"{name}-hf"
    if not (folder / "config.json").is_file():
        if name == "base":
            from spatialcode.reason.backends.transformers_local import load_causal_lm

            tokenizer, model = load_causal_lm(str(BASE_GGUF))
            model.save_pretrained(str(folder))
            tokenizer.save_pretrained(str(folder))
        else:
            from spatialcode.rl.export import export_merged

            export_merged(TRAIN / name, folder)
    converter = _llama_cpp_converter()
    subprocess.run([sys.executable, str(converter / "convert_hf_to_gguf.py"), str(folder), "--outtype", "q8_0",
                    "--outfile", str(out)], check=True,
                   env={**os.environ, "PYTHONPATH": f"{converter / 'gguf-py'}:{converter}"})
    return out


def _llama_cpp_converter() -> Path:
    """llama.cpp's source folder with its HF → GGUF converter, from the llama-cpp-python source
    distribution (downloaded once from the package registry)."""
    version = LLAMA_CPP.split("==")[1]
    folder = TOOLS / f"llama_cpp_python-{version}" / "vendor" / "llama.cpp"
    if (folder / "convert_hf_to_gguf.py").is_file():
        return folder
    TOOLS.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", LLAMA_CPP, "--no-deps", "--no-binary", ":all:", "-d",
                    str(TOOLS)], check=True)
    with tarfile.open(TOOLS / f"llama_cpp_python-{version}.tar.gz") as archive:
        prefix = f"llama_cpp_python-{version}/vendor/llama.cpp/"
        wanted = [m for m in archive.getmembers() if m.name.startswith(prefix) and (
            m.name == prefix + "convert_hf_to_gguf.py" or m.name.startswith((prefix + "gguf-py/", prefix + "conversion/")))]
        archive.extractall(TOOLS, members=wanted, filter="data")
    return folder


def eval_questions(which: str) -> tuple[list, CodeSet]:
    """The questions and codes of an evaluation set: ``vsi`` (the LLM baseline's sample, oracle
    code) or ``synth`` (held-out synthetic test questions, ``SYNTH_PER_TASK`` of each task)."""
    if which == "vsi":
        return sample_questions(), CodeSet(iter_meta_info_dir(DATA / "meta_info"))
    test_scenes = {json.loads(line)["scene_name"] for line in (SYNTH / "data" / "test.jsonl").open()}
    by_task = defaultdict(list)
    for question in load_questions(SYNTH / "questions.jsonl"):
        if question.scene_name in test_scenes and question.question_type in VSI_TASKS:
            by_task[question.question_type].append(question)
    rng = random.Random(0)
    chosen = {q.id for items in by_task.values() for q in rng.sample(items, min(SYNTH_PER_TASK, len(items)))}
    questions = [q for items in by_task.values() for q in items if q.id in chosen]
    return questions, CodeSet(SpatialCode.load(SYNTH / "scenes" / f"{scene}.json") for scene in sorted(test_scenes))


def evaluated(name: str, which: str) -> bool:
    """Whether model ``name`` has answered every question of set ``which``."""
    path = EVAL / name / f"{which}.jsonl"
    return path.is_file() and {q.id for q in eval_questions(which)[0]} <= set(read_predictions(path))


def needs_training(run: str) -> bool:
    """Whether a run's model is still needed: by one of its evaluations, or by a run that starts from it."""
    later = [r for r in RUNS if r.startswith("grpo") and run == "sft" and not r.endswith("noisy")]  # GRPO starts from SFT
    return any(not evaluated(run, which) for which in EVAL_SETS[run]) or any(needs_training(r) for r in later)


def run_eval(name: str, which: str) -> None:
    """Answer an evaluation set with one model (resumable)."""
    model = export(name)
    reasoner, described = make_reasoner(build_config(ReasonerConfig, apply_values({}, {
        "name": "llm", "model.path": str(model), "model.cache": str(ROOT / "runs" / "rl_eval_cache.sqlite"),
        "llm.prompt.serialisation": "table", "llm.prompt.objects": "question",
        "llm.sampling.max_tokens": EVAL_MAX_TOKENS})))
    questions, codes = eval_questions(which)
    # the tasks the targets compare first, so that a run stopped part-way has them
    questions = sorted(questions, key=lambda q: q.question_type not in FIRST_TASKS)
    (EVAL / name).mkdir(parents=True, exist_ok=True)
    result = evaluate(questions, codes, reasoner, EVAL / name / f"{which}.jsonl", {**described, "model_name": name})
    print(f"{name} on {which}: {result.summary.attempted} answered now, {result.summary.already_done} before",
          file=sys.stderr)


def report(stamp: dict) -> str:
    """Accuracy per task of each model on each set, and the training costs; written to
    ``benchmarks/results/rl_train.{md,json}`` with the curves PNG."""
    doc: dict = {"sets": {}, "training": {}, **stamp}
    for which in ("vsi", "synth"):
        questions = codes = None
        answers = {}
        for name in MODEL_NAMES:
            path = EVAL / name / f"{which}.jsonl"
            if not path.is_file():
                continue
            if questions is None:
                questions, codes = eval_questions(which)
            predictions = answers[name] = read_predictions(path)
            asked = [q for q in questions if q.id in predictions]
            table = aggregate(score_predictions(asked, predictions)).to_dict()["full"]
            complete = len(asked) == len(questions)  # a part-way run has no overall: its tasks differ
            doc["sets"].setdefault(which, {})[name] = {"answered": len(asked), "of": len(questions),
                                                      "overall": table.get("overall") if complete else None,
                                                      "scores": table["scores"],
                                                      "reply_rubric": reply_rubric(asked, predictions, codes)}
        if questions is not None:
            doc.setdefault("paired", {})[which] = paired_comparisons(questions, answers)
    from spatialcode.rl.curves import plot_curves, read_metrics

    for run in RUNS:
        if (TRAIN / run / "metrics.jsonl").is_file():
            steps = [r for r in read_metrics(TRAIN / run) if "loss" in r]
            doc["training"][run] = {
                "steps": steps[-1]["step"] if steps else 0,
                "seconds_per_step": statistics.median(r["seconds"] for r in steps) if steps else None,
                "peak_memory_mb": max((r["peak_memory_mb"] for r in steps), default=None),
                "final_reward": statistics.fmean(r["reward"] for r in steps[-10:]) if steps and "reward" in steps[0] else None,
            }
    finished = [TRAIN / run for run in RUNS if (TRAIN / run / "metrics.jsonl").is_file()]
    if len(finished) == len(RUNS):  # the curves of one machine's runs side by side, else the last full set stays
        plot_curves(finished, RESULTS / "rl_train_curves.png")
    _carry_earlier_results(doc)
    (RESULTS / "rl_train.json").write_text(json.dumps(doc, indent=1) + "\n")
    text = _markdown(doc)
    (RESULTS / "rl_train.md").write_text(text)
    return text


def paired_comparisons(questions: list, answers: dict[str, dict]) -> dict[str, dict]:
    """Each ``PAIRED`` comparison on one set's ``questions``, from each model's ``answers`` (rows
    by question id): per ``PAIRED_SCOPES`` scope a difference of scores with its 95 % paired
    bootstrap interval, and ``same_answer``, the share (%) of the questions both answered on which
    they give the same answer (how far training moved one model's answers from the other's;
    ``None`` when none is shared). Pairs of which a model has no answers here are left out."""
    from spatialcode.tasks.paired import paired_difference

    out = {}
    for a, b in PAIRED:
        if a in answers and b in answers:
            both = answers[a].keys() & answers[b].keys()
            same = sum(answers[a][i].get("prediction") == answers[b][i].get("prediction") for i in both)
            out[f"{a} − {b}"] = {
                **{scope: paired_difference(questions, answers[a], answers[b], task=None if scope == "overall" else scope)
                   for scope in PAIRED_SCOPES},
                "same_answer": 100.0 * same / len(both) if both else None}
    return out


def reply_rubric(questions: list, predictions: dict, codes: CodeSet) -> dict[str, dict[str, float]]:
    """The rubric items (:func:`spatialcode.rl.rubric.rubric_breakdown`, on the question's full
    code) of a model's evaluation replies, averaged over the replies where each applies, per
    scored task: what the reasoning states, not only whether the answer is right."""
    from spatialcode.rl.rubric import rubric_breakdown

    items: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for question in questions:
        reply = predictions[question.id].get("reply")
        if not reply:
            continue
        row = {"question": question.question, "options": list(question.options or ()),
               "question_type": question.question_type, "ground_truth": question.ground_truth,
               "code": codes.get(question.dataset, question.scene_name).to_json()}
        task = scored_task(question.question_type)
        for item, score in rubric_breakdown(reply, row).items():
            if score is not None:
                items[task][item].append(score)
    return {task: {item: statistics.fmean(scores) for item, scores in by_item.items()} for task, by_item in items.items()}


def _carry_earlier_results(doc: dict) -> None:
    """Keep what the last report had and this machine cannot recompute — scores of (model, set)
    pairs whose answers are not here (answers were not kept with the results before 2026-12-02
    evening), training figures of runs not trained here — marked with the commit and date that
    measured them, until a run re-measures them."""
    path = RESULTS / "rl_train.json"
    if not path.is_file():
        return
    previous = json.loads(path.read_text())
    measured = f"{previous['code_version']['git_commit']} {previous['date']}"
    for which, models in previous.get("sets", {}).items():
        for name, entry in models.items():
            doc["sets"].setdefault(which, {}).setdefault(name, {"measured_by": measured, **entry})
    for run, entry in previous.get("training", {}).items():
        doc["training"].setdefault(run, {"measured_by": measured, **entry})


def _markdown(doc: dict) -> str:
    lines = ["# Training the reasoning LLM (Qwen2.5-Coder-0.5B, CPU)", ""]
    for which, models in doc["sets"].items():
        lines += [f"## {'VSI-Bench dev sample (oracle code)' if which == 'vsi' else 'held-out synthetic questions'}", "",
                  "| task | " + " | ".join(f"{n} (measured {m['measured_by']})" if "measured_by" in m else n
                                            for n, m in models.items()) + " |", "|---|" + "---:|" * len(models)]
        for task in TASK_ROWS:
            cells = [m.get("overall") if task == "overall" else m["scores"].get(task) for m in models.values()]
            lines.append(f"| {task} | " + " | ".join("—" if v is None else f"{v:.1f}" for v in cells) + " |")
        lines.append("| questions answered | " + " | ".join(f"{m['answered']} of {m.get('of', m['answered'])}"
                                                          for m in models.values()) + " |")
        lines += ["", *_reply_rubric_table(models), "", *_paired_table(doc.get("paired", {}).get(which, {})), ""]
    if doc["training"]:
        lines += ["| run | steps | s / step (median) | peak memory (MiB) | mean reward, last 10 steps |", "|---|---:|---:|---:|---:|"]
        for run, t in doc["training"].items():
            reward = "—" if t["final_reward"] is None else f"{t['final_reward']:.3f}"
            label = f"{run} (measured {t['measured_by']})" if "measured_by" in t else run
            lines.append(f"| {label} | {t['steps']} | {t['seconds_per_step']:.1f} | {t['peak_memory_mb']:.0f} | {reward} |")
    return "\n".join(lines) + "\n"


def _paired_table(pairs: dict) -> list[str]:
    """Markdown rows: each compared pair's difference (points) with its 95 % paired bootstrap
    interval, and the share of questions on which the two give the same answer."""
    if not pairs:
        return []
    lines = ["Differences in points, 95 % paired bootstrap interval in brackets (questions resampled within each task):",
             "", "| models | " + " | ".join(PAIRED_SCOPES) + " | same answer |",
             "|---|" + "---|" * len(PAIRED_SCOPES) + "---:|"]
    for pair, comparison in pairs.items():
        cells = ["—" if d is None else f"{d['difference']:+.1f} [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}]"
                 for d in (comparison[scope] for scope in PAIRED_SCOPES)]
        share = comparison["same_answer"]
        lines.append(f"| {pair} | " + " | ".join(cells) + (" | — |" if share is None else f" | {share:.0f} % |"))
    return lines


def _reply_rubric_table(models: dict) -> list[str]:
    """Markdown rows: each model's mean rubric items on its replies, per task."""
    models = {n: m["reply_rubric"] for n, m in models.items() if m.get("reply_rubric")}
    if not models:
        return []
    lines = ["Rubric items of the replies (mean over the replies where each applies; grounding / perspective / "
             "quantities / consistency, — = does not apply):", "",
             "| task | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    for task in TASK_ROWS:
        if task == "overall":
            continue
        cells = [" / ".join("—" if by_task.get(task, {}).get(item) is None else f"{by_task[task][item]:.2f}"
                            for item in ("grounding", "perspective", "quantities", "consistency"))
                 for by_task in models.values()]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="section", required=True)
    sub.add_parser("data")
    t = sub.add_parser("train")
    t.add_argument("--run", choices=tuple(RUNS), required=True)
    t.add_argument("--set", dest="overrides", action="append", default=[])
    x = sub.add_parser("export")
    x.add_argument("--run", choices=MODEL_NAMES, required=True)
    e = sub.add_parser("eval")
    e.add_argument("--run", choices=MODEL_NAMES, required=True)
    e.add_argument("--set", dest="which", choices=("vsi", "synth"), required=True)
    sub.add_parser("report")
    sub.add_parser("all")
    args = parser.parse_args()
    stamp = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv), "code_version": code_version()}
    if args.section == "data":
        make_data()
    elif args.section == "train":
        train(args.run, args.overrides)
    elif args.section == "export":
        print(export(args.run))
    elif args.section == "eval":
        run_eval(args.run, args.which)
    elif args.section == "all":
        make_data()
        for action, name, *which in PLAN:
            if action == "train" and needs_training(name):
                train(name, [])
            elif action == "eval" and not evaluated(name, which[0]):
                run_eval(name, which[0])
        print(report(stamp))
    else:
        print(report(stamp))


if __name__ == "__main__":
    main()
