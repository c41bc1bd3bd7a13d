"""The learned spatial encoder trained on synthetic renders, from RGB only (with the renders'
camera poses), against the truth and against the geometric encoder fed exact masks and depth,
on held-out synthetic scenes.

Usage (from the repository root; every section resumes where it stopped):
    .venv/bin/python benchmarks/learned_encoder.py data [--train 150 --val 10 --test 20]   # → runs/renders/{train,val,test}
    .venv/bin/python benchmarks/learned_encoder.py train [--set max_steps=4000]    # configs/encoder_cpu.yaml
    .venv/bin/python benchmarks/learned_encoder.py tune                            # → runs/train/encoder/inference.yaml
    .venv/bin/python benchmarks/learned_encoder.py eval                            # → runs/learned_eval
    .venv/bin/python benchmarks/learned_encoder.py report                          # → benchmarks/results/learned_encoder.*

``data`` renders scenes of the synthetic dataset (``runs/synth``: its train and test splits, made
by ``benchmarks/rl_train.py data``), the training ones at the network's 128 × 96 and the held-out
ones at 256 × 192, each walk compressed to at most 240 frames. The validation scenes (on which
``tune`` picks the inference settings) are the last ones of the train split, which the training
renders (its first ones) never reach; the test scenes are only ever evaluated.
``tune`` runs the trained network once over each validation render and picks the inference
settings (detection threshold, how detections merge into objects: ``TUNE_GRID``) with the best
VSI-style QA score of the exact solver on those scenes (ties: the better AP@0.25), writing them
beside the model (``inference.yaml``, which the encoder reads) and the grid's scores to
``benchmarks/results/learned_encoder_tuning.{json,md}``.
``eval`` encodes each held-out render three ways — the learned encoder (colour + poses), the
geometric encoder with the render's exact masks and depth, and the truth (``scene.json``) —
and reports 3D detection AP at IoU 0.25 and 0.5 per category (truth: the objects the walk
shows), the depth head's AbsRel on the held-out clips, the VSI-style QA score of the exact solver
on each code (questions generated from what each render shows, answers verified on the truth),
the facing of each code's objects (the heading error per category of the objects with a front,
and the perspective questions answered from each code, as ``benchmarks/facing.py`` scores them)
and the learned encoder's time per frame. A learned code older than the model is encoded again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the facing benchmark's scoring (imported where used)

ROOT = Path(__file__).resolve().parents[1]
SYNTH = ROOT / "runs" / "synth"
RENDERS = ROOT / "runs" / "renders"
RUN = ROOT / "runs" / "train" / "encoder"
EVAL = ROOT / "runs" / "learned_eval"
RESULTS = ROOT / "benchmarks" / "results"
CONFIG = ROOT / "configs" / "encoder_cpu.yaml"
#: The inference settings ``tune`` tries (every combination) on the validation renders (merge IoU
#: fixed: from 0.05 to 0.3 it moved the validation QA score by at most 0.2 points in the first tuning).
TUNE_GRID = {"threshold": (0.3, 0.4, 0.5, 0.6, 0.7), "merge_iou": (0.1,), "merge_distance": (0.0, 0.5, 1.0, 1.5, 2.0),
             "merge_labels": (False, True), "min_detections": (1, 2, 3, 4, 6)}
#: The training loss and its terms, as logged per step (plotted into learned_encoder_curves.png).
LOSS_TERMS = ("loss", "classes", "centre", "size", "heading", "residual", "front", "tokens", "depth")


def split_scenes(split: str) -> list[str]:
    """The scene names of a split of the synthetic dataset, sorted."""
    path = SYNTH / "data" / f"{split}.jsonl"
    if not path.is_file():
        sys.exit(f"error: {path} is missing; make the synthetic dataset first (benchmarks/rl_train.py data)")
    return sorted({json.loads(line)["scene_name"] for line in path.open()})


def make_renders(train: int, val: int, test: int) -> None:
    """Render the first ``train`` scenes of the train split, its last ``val`` ones and the first
    ``test`` of the test split (skipping finished ones)."""
    from spatialcode.scene import SpatialCode
    from spatialcode.synth.camera_path import PathConfig
    from spatialcode.synth.render import RenderConfig, render_scene

    # training renders at the clip size the network reads (4× fewer pixels to ray-cast); the held-out
    # ones at 256 × 192, so that the geometric encoder on exact masks is not starved of pixels
    sizes = {"train": (128, 96), "val": (256, 192), "test": (256, 192)}
    training = split_scenes("train")
    if train + val > len(training):
        sys.exit(f"error: the train split has {len(training)} scenes, fewer than --train {train} + --val {val}")
    scenes = {"test": split_scenes("test")[:test], "val": training[len(training) - val:], "train": training[:train]}
    for split, names in scenes.items():
        config = RenderConfig(path=PathConfig(width=sizes[split][0], height=sizes[split][1], max_frames=240))
        for name in names:
            out = RENDERS / split / name
            if (out / "scene.json").is_file():
                continue
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # compressed walks turn faster than a person would
                render_scene(SpatialCode.load(SYNTH / "scenes" / f"{name}.json"), out, config, progress=False)
            print(f"{split}/{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)


def train(overrides: list[str]) -> None:
    """Train (or resume) the encoder on the training renders."""
    from spatialcode.core.config import load_config
    from spatialcode.encode.learned.train import EncoderTrainConfig, run_encoder_training

    config = load_config(EncoderTrainConfig, CONFIG, [f"renders={RENDERS / 'train'}", f"output_dir={RUN}", *overrides])
    print(run_encoder_training(config), file=sys.stderr)


def shown_truth(folder: Path):
    """The true code of a render, with only the objects its walk shows (``has_front`` from the
    facing table where the scene, made before objects had it, leaves it unsaid)."""
    from dataclasses import replace

    from spatialcode.scene import Source, SpatialCode
    from spatialcode.tasks import facing

    full = SpatialCode.load(folder / "scene.json")
    shown = tuple(o if o.has_front is not None else replace(o, has_front=facing.has_front(o.label))
                  for o in full.objects if o.first_seen is not None)
    return SpatialCode(objects=shown, room=full.room, camera=full.camera,
                       source=Source(dataset="synthetic", scene_name=folder.name))


def facing_figures(truth: list, found: list) -> dict:
    """The facing of the ``found`` codes (paired with the ``truth`` codes in order), as
    ``benchmarks/facing.py`` summarises it: heading errors (degrees) per category of the true
    objects with a front (:func:`~spatialcode.encode.compare.compare_codes`), and the perspective
    questions of each true code answered from its found code."""
    import facing as facing_bench

    from spatialcode.encode.compare import compare_codes

    rows = [{"facing_errors": compare_codes(t, c)["facing_errors"], "questions": facing_bench.perspective(t, c, seed)}
            for seed, (t, c) in enumerate(zip(truth, found, strict=True))]
    return facing_bench.summarise(rows)


def qa_scores(questions: list, found: list, truth: list, path: Path) -> dict:
    """The exact solver's score table (``overall`` and ``scores`` per task) on ``questions`` about
    the true codes, answered from the ``found`` codes (paired with ``truth`` in order; each code
    keeps its own room: the learned encoder predicts none, so the solver answers room size from the
    convex hull of its objects' footprints)."""
    from spatialcode.bench.evaluate import evaluate
    from spatialcode.formats.codes_dir import CodeSet
    from spatialcode.reason.solver import Solver, SolverConfig
    from spatialcode.scene import SpatialCode

    path.unlink(missing_ok=True)
    coded = [SpatialCode(objects=c.objects, room=c.room, camera=c.camera, source=t.source) for c, t in zip(found, truth)]
    return evaluate(questions, CodeSet(coded), Solver(SolverConfig()), path, {}, progress=False).table.to_dict()["full"]


def tune(stamp: dict) -> str:
    """Pick the inference settings on the validation renders (see the module docstring)."""
    import itertools
    import tempfile
    from dataclasses import asdict

    import yaml

    from spatialcode.encode import RenderFolderSource
    from spatialcode.encode.learned.infer import INFERENCE_FILE, LearnedEncoder, LearnedInferenceConfig
    from spatialcode.encode.learned.metrics import detection_ap
    from spatialcode.synth.questions import generate_questions

    val = RENDERS / "val"
    folders = sorted(p for p in val.iterdir() if (p / "scene.json").is_file()) if val.is_dir() else []
    if not folders:
        sys.exit(f"error: no validation renders in {val}; render them first (data --val 10)")
    lowest = min(TUNE_GRID["threshold"])
    encoder = LearnedEncoder(RUN / "final.pt", LearnedInferenceConfig(threshold=lowest))
    found = [encoder.detect(RenderFolderSource(folder)) for folder in folders]
    truth = [shown_truth(folder) for folder in folders]
    questions = [q for code in truth for q in generate_questions(code, seed=0)]
    default = {k: v for k, v in asdict(LearnedInferenceConfig()).items() if k in TUNE_GRID}
    grid = [dict(zip(TUNE_GRID, values)) for values in itertools.product(*TUNE_GRID.values())]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for settings in grid + ([default] if default not in grid else []):  # the defaults are scored too
            encoder.config = LearnedInferenceConfig(**settings)
            codes = [encoder.assemble(f, t.source) for f, t in zip(found, truth)]
            table = qa_scores(questions, codes, truth, Path(scratch) / "qa.jsonl")
            rows.append({"config": settings,
                         "qa": table["overall"], "ap25": statistics.fmean(detection_ap(codes, truth, 0.25).values()),
                         "objects_per_scene": statistics.fmean(len(c.objects) for c in codes)})
    rows.sort(key=lambda r: (-r["qa"], -r["ap25"]))
    best = rows[0]["config"]
    (RUN / INFERENCE_FILE).write_text(f"# chosen by benchmarks/learned_encoder.py tune on {len(folders)} validation renders, "
                                      f"{stamp['date']}\n" + yaml.safe_dump(best, sort_keys=False))
    default_row = next(r for r in rows if r["config"] == default)
    true_objects = statistics.fmean(len(t.objects) for t in truth)
    doc = {**stamp, "scenes": [f.name for f in folders], "questions": len(questions), "true_objects_per_scene": true_objects,
           "grid": TUNE_GRID, "chosen": best, "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "learned_encoder_tuning.json").write_text(json.dumps(doc, indent=1) + "\n")
    lines = [f"# Inference settings of the learned encoder on {len(folders)} validation scenes", "",
             f"{len(questions)} questions; {true_objects:.1f} true objects per scene. The best 10 of {len(rows)} "
             "settings, and the defaults:", "",
             "| threshold | merge IoU | merge distance (m) | merge labels | min detections | QA | AP@0.25 | objects per scene |",
             "|---:|---:|---:|---|---:|---:|---:|---:|"]
    for row in [*rows[:10], default_row]:
        c = row["config"]
        lines.append(f"| {c['threshold']} | {c['merge_iou']} | {c['merge_distance']} | {c['merge_labels']} | "
                     f"{c['min_detections']} | {row['qa']:.1f} | {100 * row['ap25']:.1f} | {row['objects_per_scene']:.1f} |")
    text = "\n".join(lines) + "\n"
    (RESULTS / "learned_encoder_tuning.md").write_text(text)
    return text


def evaluate_encoders() -> None:
    """Encode each held-out render with the learned and the geometric encoder (skipping done ones;
    learned codes made with other inference settings are redone)."""
    from dataclasses import asdict

    from spatialcode.encode import GroundTruthPerception, RenderFolderSource
    from spatialcode.encode.encoder import encode
    from spatialcode.encode.learned.infer import LearnedEncoder
    from spatialcode.scene import Source, SpatialCode

    learned = LearnedEncoder(RUN / "final.pt")  # with the settings tune chose, if it ran
    trained = (RUN / "final.pt").stat().st_mtime
    for folder in sorted((RENDERS / "test").iterdir()):
        out = EVAL / folder.name
        done = out / "learned.json"
        if (done.is_file() and done.stat().st_mtime > trained
                and SpatialCode.load(done).provenance.config == asdict(learned.config)):
            continue
        out.mkdir(parents=True, exist_ok=True)
        scene = Source(dataset="synthetic", scene_name=folder.name)
        started = time.perf_counter()
        code = learned.encode(RenderFolderSource(folder), scene)
        seconds = time.perf_counter() - started
        if not (out / "geometric.json").is_file():
            geometric, _ = encode(RenderFolderSource(folder, rgb=False), GroundTruthPerception(), scene=scene)
            geometric.save(out / "geometric.json")
        (out / "timing.json").write_text(json.dumps({"frames": len(code.camera), "seconds": seconds}))
        code.save(out / "learned.json")
        print(f"{folder.name}: {len(code.objects)} learned objects", file=sys.stderr)


def report(stamp: dict) -> str:
    """AP, depth error, QA and speed; written to benchmarks/results/learned_encoder.{json,md}."""
    import numpy as np
    import torch

    from spatialcode.encode.learned.data import render_clips
    from spatialcode.encode.learned.infer import LearnedEncoder
    from spatialcode.encode.learned.metrics import depth_abs_rel, detection_ap
    from spatialcode.encode.learned.train import batch_tensors
    from spatialcode.rl.curves import plot_curves, read_metrics
    from spatialcode.scene import SpatialCode
    from spatialcode.synth.questions import generate_questions
    from spatialcode.tasks import SCORED_TASKS

    names = sorted(p.name for p in EVAL.iterdir() if (p / "learned.json").is_file())
    truth = [shown_truth(RENDERS / "test" / name) for name in names]
    codes = {kind: [SpatialCode.load(EVAL / n / f"{kind}.json") for n in names] for kind in ("learned", "geometric")}
    doc: dict = {"scenes": len(names), **stamp, "inference": dict(codes["learned"][0].provenance.config), "ap": {}}
    for kind, found in codes.items():
        for iou in (0.25, 0.5):
            per_category = detection_ap(found, truth, iou)
            doc["ap"][f"{kind}@{iou}"] = {"mean": statistics.fmean(per_category.values()), "per_category": per_category}
    encoder = LearnedEncoder(RUN / "final.pt")
    errors = []
    for name in names:
        for clip in render_clips(RENDERS / "test" / name, encoder.clip, encoder.vocabulary):
            images, rays, _, depth = batch_tensors([clip])
            with torch.inference_mode():
                predicted = encoder.net(images, rays)["depth"]
            errors.append(depth_abs_rel(predicted.numpy(), depth.numpy()))
    doc["depth_abs_rel"] = float(np.nanmean(errors))
    timing = [json.loads((EVAL / n / "timing.json").read_text()) for n in names]
    doc["learned_ms_per_frame"] = 1000 * sum(t["seconds"] for t in timing) / sum(t["frames"] for t in timing)
    # questions about what each render shows (its own first_seen), answers verified on the truth
    questions = [q for code in truth for q in generate_questions(code, seed=0)]
    doc["qa"] = {}
    for kind, found in (("oracle", truth), *codes.items()):
        table = qa_scores(questions, found, truth, EVAL / f"qa_{kind}.jsonl")
        doc["qa"][kind] = {"overall": table.get("overall"), "scores": table["scores"], "questions": len(questions)}
    doc["facing"] = {kind: facing_figures(truth, found) for kind, found in codes.items()}
    steps = read_metrics(RUN)
    doc["training"] = {"steps": len(steps), "seconds_per_step": statistics.median(r["seconds"] for r in steps),
                       "peak_memory_mb": max(r["peak_memory_mb"] for r in steps), "clips": steps[-1]["clips"],
                       "loss_first_last_100": [statistics.fmean(r["loss"] for r in steps[:100]),
                                               statistics.fmean(r["loss"] for r in steps[-100:])]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    plot_curves([RUN], RESULTS / "learned_encoder_curves.png", metrics=LOSS_TERMS, smooth=50)
    (RESULTS / "learned_encoder.json").write_text(json.dumps(doc, indent=1) + "\n")
    lines = [f"# Learned spatial encoder on {len(names)} held-out synthetic scenes", "",
             "| codes | AP@0.25 | AP@0.5 | QA overall |", "|---|---:|---:|---:|"]
    for kind in ("learned", "geometric"):
        lines.append(f"| {kind} | {100 * doc['ap'][f'{kind}@0.25']['mean']:.1f} | {100 * doc['ap'][f'{kind}@0.5']['mean']:.1f} | "
                     f"{doc['qa'][kind]['overall']:.1f} |")
    lines += [f"| oracle (truth) | — | — | {doc['qa']['oracle']['overall']:.1f} |", "",
              f"Depth AbsRel of the learned depth head: {doc['depth_abs_rel']:.3f}; learned encoder "
              f"{doc['learned_ms_per_frame']:.1f} ms per frame. Training: {doc['training']['steps']} steps on "
              f"{doc['training']['clips']} clips, {doc['training']['seconds_per_step']:.2f} s per step (median), peak "
              f"{doc['training']['peak_memory_mb']:.0f} MiB, loss {doc['training']['loss_first_last_100'][0]:.2f} → "
              f"{doc['training']['loss_first_last_100'][1]:.2f} (mean of the first / last 100 steps). Inference "
              "settings: " + ", ".join(f"{k} {v}" for k, v in doc["inference"].items() if v is not None) + ".", "",
              "| category | learned AP@0.25 | learned AP@0.5 | geometric AP@0.25 | geometric AP@0.5 |",
              "|---|---:|---:|---:|---:|"]
    columns = [doc["ap"][key]["per_category"] for key in ("learned@0.25", "learned@0.5", "geometric@0.25", "geometric@0.5")]
    lines += [f"| {label} | " + " | ".join(f"{100 * column[label]:.1f}" for column in columns) + " |"
              for label in sorted(columns[0])]
    lines += ["", f"QA per task ({len(questions)} questions; the exact solver on each code):", "",
              "| task | oracle | learned | geometric |", "|---|---:|---:|---:|"]
    for task in SCORED_TASKS:
        cells = [doc["qa"][kind]["scores"].get(task) for kind in ("oracle", "learned", "geometric")]
        lines.append(f"| {task} | " + " | ".join("—" if v is None else f"{v:.1f}" for v in cells) + " |")
    lines += ["", *facing_table(doc["facing"])]
    text = "\n".join(lines) + "\n"
    (RESULTS / "learned_encoder.md").write_text(text)
    return text


def facing_table(figures: dict) -> list[str]:
    """Markdown lines of the :func:`facing_figures` of each kind of code: heading errors per
    category (objects with a front; ``benchmarks/facing.py``'s table) and the perspective
    questions answered from the code."""
    import facing as facing_bench

    lines = ["Perspective questions (about objects with a front) answered from each code:", "",
             "| codes | questions | from the code | cannot answer | from the truth code |", "|---|---:|---:|---:|---:|"]
    for kind, summary in figures.items():
        p = summary["perspective"]
        lines.append(f"| {kind} | {p['questions']} | {100 * p['encoded_accuracy']:.1f} % | {p['cannot_answer']} | "
                     f"{100 * p['truth_code_accuracy']:.1f} % |")
    for kind, summary in figures.items():
        lines += ["", f"Facing of the {kind} code's objects with a front (heading error of the box's +x axis):", "",
                  *facing_bench.facing_table(summary["facing"])]
    return lines


def main() -> None:
    from spatialcode.bench import code_version

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="section", required=True)
    d = sub.add_parser("data")
    d.add_argument("--train", type=int, default=150)
    d.add_argument("--val", type=int, default=10)
    d.add_argument("--test", type=int, default=20)
    t = sub.add_parser("train")
    t.add_argument("--set", dest="overrides", action="append", default=[])
    sub.add_parser("tune")
    sub.add_parser("eval")
    sub.add_parser("report")
    args = parser.parse_args()
    stamp = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv), "code_version": code_version()}
    if args.section == "data":
        make_renders(args.train, args.val, args.test)
    elif args.section == "train":
        train(args.overrides)
    elif args.section == "tune":
        print(tune(stamp))
    elif args.section == "eval":
        evaluate_encoders()
    else:
        print(report(stamp))


if __name__ == "__main__":
    main()
