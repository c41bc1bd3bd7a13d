"""The LLM-reasoning baseline on a fixed, stratified sample of VSI-Bench dev questions, over the
oracle code (the annotations): the solver, the LLM reading each serialisation of the code, and
the LLM calling tools.

Usage:
    .venv/bin/python benchmarks/llm_baseline.py sample [--per-type 32] [--seed 0]
    .venv/bin/python benchmarks/llm_baseline.py run --config llm-table --model runs/models/MODEL.gguf [--limit N]
    .venv/bin/python benchmarks/llm_baseline.py tokens --model runs/models/MODEL.gguf
    .venv/bin/python benchmarks/llm_baseline.py speed --model runs/models/MODEL.gguf   # on a quiet machine
    .venv/bin/python benchmarks/llm_baseline.py report
    .venv/bin/python benchmarks/llm_baseline.py all --model runs/models/MODEL.gguf   # every config, tokens, report

``sample`` draws ``--per-type`` questions of each of VSI-Bench's 10 question types (all of a
type that has fewer) with a fixed seed from ``../shared/data/vsibench-dev`` and writes their ids
to ``benchmarks/results/llm_baseline_sample.json`` (the sample is part of the benchmark).
``run`` answers the sample with one configuration — ``solver``; ``llm-table``, ``llm-json``,
``llm-python`` (the LLM reading the code in that serialisation, only the objects the question
names); ``llm-table-all`` (every object); ``llm-tools`` (programs in the sandbox) and
``llm-tools-calls`` (structured function calls) — appending to
``runs/llm_baseline/<config>.jsonl`` (resumable: re-running skips answered questions; replies are
also cached in ``runs/llm_baseline/cache.sqlite``). ``tokens`` counts the prompt tokens per object
of each serialisation over the sample's scenes with the model's tokenizer. ``speed`` measures
prompt and generation tokens per second (:func:`measure_speed`). ``report`` writes
``benchmarks/results/llm_baseline.md`` / ``.json``: accuracy per task for every configuration run
so far, parse failures, tokens, seconds per question and generated tokens per second.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from spatialcode.bench import aggregate, code_version, load_questions, read_predictions, score_predictions
from spatialcode.bench.evaluate import evaluate
from spatialcode.core.config import apply_values, build_config
from spatialcode.formats.codes_dir import CodeSet
from spatialcode.formats.vsibench_meta import iter_meta_info_dir
from spatialcode.reason.prompt import Prompt
from spatialcode.reason.registry import ReasonerConfig, make_reasoner
from spatialcode.reason.serialise import SERIALISATIONS, serialise_objects
from spatialcode.tasks import VSI_TASKS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "vsibench-dev"
RUNS = ROOT / "runs" / "llm_baseline"
RESULTS = ROOT / "benchmarks" / "results"
SAMPLE = RESULTS / "llm_baseline_sample.json"
#: A short unrelated prompt asked between measurements, so that llama.cpp cannot reuse the
#: measured prompt's cached prefix.
SYSTEM_PRIMER = "You are a helpful assistant."
#: The rows of the score tables: the overall score, then the tasks as VSI-Bench reports them.
TASK_ROWS = ("overall", "object_counting", "object_abs_distance", "object_size_estimation", "room_size_estimation",
             "object_rel_distance", "object_rel_direction", "route_planning", "obj_appearance_order")
#: Configuration name → (reasoner, settings).
CONFIGS = {
    "solver": {"name": "solver"},
    **{f"llm-{style}": {"name": "llm", "llm.prompt.serialisation": style, "llm.prompt.objects": "question"}
       for style in SERIALISATIONS},
    "llm-table-all": {"name": "llm", "llm.prompt.serialisation": "table", "llm.prompt.objects": "all"},
    "llm-tools": {"name": "llm-tools", "tools.protocol": "programs"},
    "llm-tools-calls": {"name": "llm-tools", "tools.protocol": "calls"},
}
#: Predictions kept from earlier code, reported beside the configurations: ``llm-tools-before`` is
#: ``run --config llm-tools`` at git 8242614 (the sandbox before issue 22), its predictions file
#: copied to ``runs/llm_baseline/llm-tools-before.jsonl``.
EARLIER = ("llm-tools-before",)
#: Paired comparisons of the tool protocols and sandboxes: (a, b) → a minus b.
TOOL_PAIRS = (("llm-tools", "llm-tools-before"), ("llm-tools-calls", "llm-tools"))


def draw_sample(per_type: int, seed: int) -> dict:
    """``per_type`` question ids of each VSI-Bench question type (fixed ``seed``)."""
    by_type = defaultdict(list)
    for question in load_questions(DATA / "questions.jsonl"):
        by_type[question.question_type].append(question.id)
    rng = random.Random(seed)
    ids = {task: sorted(rng.sample(by_type[task], min(per_type, len(by_type[task])))) for task in VSI_TASKS}
    return {"per_type": per_type, "seed": seed, "ids": ids, "questions": sum(len(v) for v in ids.values())}


def sample_questions() -> list:
    """The sampled questions, in question-file order."""
    if not SAMPLE.is_file():
        sys.exit(f"no sample at {SAMPLE}: run `benchmarks/llm_baseline.py sample` first")
    wanted = {i for ids in json.loads(SAMPLE.read_text())["ids"].values() for i in ids}
    return [q for q in load_questions(DATA / "questions.jsonl") if q.id in wanted]


def run(config: str, model: str | None, limit: int | None) -> None:
    """Answer the sample with ``config`` (see the module docstring)."""
    settings = CONFIGS[config]
    if settings["name"] != "solver":
        settings = {**settings, "model.path": model, "model.cache": str(RUNS / "cache.sqlite")}
    reasoner, described = make_reasoner(build_config(ReasonerConfig, apply_values({}, settings)))
    questions = sample_questions()[:limit]
    codes = CodeSet(iter_meta_info_dir(DATA / "meta_info"))
    RUNS.mkdir(parents=True, exist_ok=True)
    result = evaluate(questions, codes, reasoner, RUNS / f"{config}.jsonl", {**described, "config": config})
    print(f"{config}: {result.summary.attempted} answered now, {result.summary.already_done} before, "
          f"{result.summary.errors} errors", file=sys.stderr)


def count_tokens(model: str) -> dict:
    """Prompt tokens per object of each serialisation, over the sample's scenes (all objects)."""
    tokenize = _tokenizer(model)
    scenes = {(q.dataset, q.scene_name) for q in sample_questions()}
    codes = [c for c in iter_meta_info_dir(DATA / "meta_info") if (c.source.dataset, c.source.scene_name) in scenes]
    objects = sum(len(c.objects) for c in codes)
    per_style = {style: sum(tokenize(serialise_objects(c, style)) for c in codes) for style in SERIALISATIONS}
    return {"scenes": len(codes), "objects": objects,
            "tokens_per_object": {style: total / objects for style, total in per_style.items()},
            "share_of_json": {style: total / per_style["json"] for style, total in per_style.items()}}


def measure_speed(model: str, questions: int = 20) -> dict:
    """Prompt and generation speed of ``model`` on the first ``questions`` of the sample (the
    ``llm-table`` prompts, no cache): each prompt once with a 1-token reply (prompt tokens / s),
    then with the full reply (generated tokens / s over the time beyond the prompt's)."""
    from spatialcode.reason.backends.base import Sampling
    from spatialcode.reason.llm import make_backend
    from spatialcode.reason.prompt import PromptConfig, build_prompt

    backend = make_backend(model)
    codes = CodeSet(iter_meta_info_dir(DATA / "meta_info"))
    config = PromptConfig(serialisation="table", objects="question")
    prompt_tokens = prompt_seconds = generated = generation_seconds = 0.0
    for q in sample_questions()[:questions]:
        prompt = build_prompt(codes.get(q.dataset, q.scene_name), q.question, q.options, q.question_type, config)
        backend.complete([Prompt(SYSTEM_PRIMER, "ok")], Sampling(max_tokens=1))  # a different prefix: no reuse
        first = backend.complete([prompt], Sampling(max_tokens=1))[0]
        backend.complete([Prompt(SYSTEM_PRIMER, "ok")], Sampling(max_tokens=1))
        full = backend.complete([prompt], Sampling(max_tokens=512))[0]
        prompt_tokens += first.prompt_tokens
        prompt_seconds += first.seconds
        generated += full.completion_tokens
        generation_seconds += full.seconds - first.seconds
    return {"questions": questions, "prompt_tokens_per_s": prompt_tokens / prompt_seconds,
            "generated_tokens_per_s": generated / generation_seconds,
            "seconds_per_question": (prompt_seconds + generation_seconds) / questions,
            "mean_prompt_tokens": prompt_tokens / questions, "mean_generated_tokens": generated / questions}


def _tokenizer(model: str):
    """A function text → token count with ``model``'s tokenizer (llama.cpp's when installed for a
    GGUF file, else transformers')."""
    import importlib.util

    if model.lower().endswith(".gguf") and importlib.util.find_spec("llama_cpp") is not None:
        from llama_cpp import Llama

        vocab = Llama(model_path=model, vocab_only=True, verbose=False)
        return lambda text: len(vocab.tokenize(text.encode(), add_bos=False))
    from transformers import AutoTokenizer

    path = Path(model)
    tokenizer = (AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name) if path.suffix == ".gguf"
                 else AutoTokenizer.from_pretrained(model))
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def report() -> dict:
    """Scores and costs of every configuration run so far."""
    questions = sample_questions()
    doc = {"questions": len(questions), "configs": {}}
    for config in (*CONFIGS, *EARLIER):
        path = RUNS / f"{config}.jsonl"
        if not path.is_file():
            continue
        predictions = read_predictions(path)
        asked = [q for q in questions if q.id in predictions]
        table = aggregate(score_predictions(asked, predictions)).to_dict()
        rows = [predictions[q.id] for q in asked]
        answered = [r for r in rows if "error" not in r]
        latency = [r["latency_s"] for r in answered if "latency_s" in r]
        generated = sum(r.get("completion_tokens") or 0 for r in answered)
        doc["configs"][config] = {
            "answered": len(answered), "errors": len(rows) - len(answered), "table": table,
            "unparseable": sum(r.get("parse") in ("unparseable", "refused") for r in answered),
            "untagged": sum(r.get("parse") == "untagged" for r in answered),
            "mean_prompt_tokens": statistics.fmean(r["prompt_tokens"] for r in answered) if latency else None,
            "seconds_per_question": statistics.fmean(latency) if latency else statistics.fmean(
                r["seconds"] for r in answered) if answered else None,
            "generated_tokens_per_s": generated / sum(latency) if latency and sum(latency) else None,
            "tool_rounds": statistics.fmean(r.get("rounds", 0) for r in answered) if config.startswith("llm-tools") and answered else None,
        }
    doc["versus_json"] = {style: paired_difference(questions, f"llm-{style}", "llm-json")
                          for style in SERIALISATIONS if style != "json"}
    doc["tool_pairs"] = {f"{a} − {b}": paired_difference(questions, a, b) for a, b in TOOL_PAIRS}
    return doc


def paired_difference(questions: list, a: str, b: str) -> dict | None:
    """Overall score of configuration ``a`` minus ``b`` on the questions both answered, with a
    95 % paired bootstrap interval (:func:`spatialcode.tasks.paired.paired_difference`)."""
    from spatialcode.tasks.paired import paired_difference as difference

    paths = [RUNS / f"{config}.jsonl" for config in (a, b)]
    if not all(path.is_file() for path in paths):
        return None
    return difference(questions, *(read_predictions(path) for path in paths))


def markdown(doc: dict) -> str:
    """Per-task accuracy (one column per configuration) and the costs."""
    configs = doc["configs"]
    lines = [f"# LLM baseline on the stratified dev sample ({doc['questions']} questions, oracle code)", "",
             "| task | " + " | ".join(configs) + " |", "|---|" + "---:|" * len(configs)]
    for task in TASK_ROWS:
        cells = []
        for d in configs.values():
            full = d["table"]["full"]
            value = full.get("overall") if task == "overall" else full["scores"].get(task)
            cells.append("—" if value is None else f"{value:.1f}")
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    lines += ["", "| config | answered | errors | unparseable or refused | answer outside the tag | mean prompt tokens "
              "| s / question | generated tokens / s |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, d in configs.items():
        def fmt(value, spec=".1f"):
            return "—" if value is None else format(value, spec)
        lines.append(f"| {name} | {d['answered']} | {d['errors']} | {d['unparseable']} | {d['untagged']} "
                     f"| {fmt(d['mean_prompt_tokens'], '.0f')} "
                     f"| {fmt(d['seconds_per_question'], '.2f')} | {fmt(d['generated_tokens_per_s'])} |")
    compared = {style: d for style, d in doc.get("versus_json", {}).items() if d}
    if compared:
        lines += ["", "| serialisation | overall minus llm-json (points) | 95 % paired bootstrap | questions |",
                  "|---|---:|---:|---:|"]
        for style, d in compared.items():
            lines.append(f"| {style} | {d['difference']:+.1f} | [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}] "
                         f"| {d['questions']} |")
    pairs = {name: d for name, d in doc.get("tool_pairs", {}).items() if d}
    if pairs:
        lines += ["", "| tools: paired difference | overall (points) | 95 % paired bootstrap | questions |", "|---|---:|---:|---:|"]
        for name, d in pairs.items():
            lines.append(f"| {name} | {d['difference']:+.1f} | [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}] | {d['questions']} |")
    return "\n".join(lines) + "\n"


def write_tokens(model: str, stamp: dict) -> dict:
    """Count the tokens per object (:func:`count_tokens`) and save them; the counts."""
    doc = count_tokens(model)
    (RESULTS / "llm_baseline_tokens.json").write_text(json.dumps({**doc, "model": model, **stamp}, indent=1) + "\n")
    return doc


def write_report(stamp: dict) -> str:
    """Save the report (:func:`report`) as JSON and markdown; the markdown."""
    doc = report()
    (RESULTS / "llm_baseline.json").write_text(json.dumps({**doc, **stamp}, indent=1) + "\n")
    text = markdown(doc)
    (RESULTS / "llm_baseline.md").write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="section", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--per-type", type=int, default=32)
    s.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("run")
    r.add_argument("--config", choices=tuple(CONFIGS), required=True)
    r.add_argument("--model", default=None, help="for the llm configurations (default: $SPATIALCODE_MODEL)")
    r.add_argument("--limit", type=int, default=None)
    t = sub.add_parser("tokens")
    t.add_argument("--model", required=True)
    v = sub.add_parser("speed")
    v.add_argument("--model", required=True)
    v.add_argument("--questions", type=int, default=20)
    sub.add_parser("report")
    every = sub.add_parser("all")
    every.add_argument("--model", required=True)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv), "code_version": code_version()}
    if args.section == "sample":
        doc = draw_sample(args.per_type, args.seed)
        SAMPLE.write_text(json.dumps({**doc, **stamp}, indent=1) + "\n")
        print(f"{doc['questions']} questions → {SAMPLE}")
    elif args.section == "run":
        run(args.config, args.model, args.limit)
    elif args.section == "all":
        for config in CONFIGS:
            run(config, args.model, None)
        write_tokens(args.model, stamp)
        print(write_report(stamp))
    elif args.section == "speed":
        doc = {**measure_speed(args.model, args.questions), "model": args.model, **stamp}
        (RESULTS / "llm_baseline_speed.json").write_text(json.dumps(doc, indent=1) + "\n")
        print(json.dumps(doc, indent=1))
    elif args.section == "tokens":
        print(json.dumps(write_tokens(args.model, stamp), indent=1))
    else:
        print(write_report(stamp))


if __name__ == "__main__":
    main()
