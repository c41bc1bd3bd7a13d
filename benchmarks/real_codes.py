"""Reasoning over real, imperfect spatial codes (issue 24): each reasoner's VSI-Bench scores on
the dev half of the boxes the Spatial Code authors' encoder produced (ScanNet scenes), beside
the same questions over the benchmark's annotations, with paired bootstrap intervals against the
solver at the start of the issue.

    python benchmarks/real_codes.py            # convert, answer (resumable), write the tables

Configurations (each a codes folder under ``runs/real_codes/`` and a predictions file):

- ``authors-start``: the authors' boxes read as the issue found them (sizes x, y, z; list order
  ignored); the solver of the issue's start on them (today's solver with every robustness
  setting added since switched off, :data:`START_SOLVER`) is the baseline every other row is
  compared with, question by question;
- ``authors``: the same boxes read as released (``--size-order whl --order appearance``: the
  vertical extent second, list position as first-appearance rank);
- ``oracle`` / ``oracle-ranked``: the annotations of the same scenes, without and with the
  first-appearance ranks (``convert vsibench-meta --first-seen-rank``).

Results: ``benchmarks/results/real_codes.md`` and ``.json``.

    python benchmarks/real_codes.py readings   # which size reading matches the annotations

``readings`` registers each scene's authors' boxes to its annotations (their coordinates differ
by a shift and, at most, a small turn: a vote over label-matched box pairs, rotation in 1° steps
within ±20°, translation in 25 cm cells, refined by the median of the pairs within 40 cm) and
compares the boxes with :func:`~spatialcode.encode.compare.compare_codes` under each reading of
the three sizes: ``benchmarks/results/real_codes_readings.json``.

    python benchmarks/real_codes.py studies    # the estimators tried, adopted or not

``studies`` measures, on the same questions (``benchmarks/results/real_codes_studies.json``):
how a room's floor area compares with the hull of its objects' footprints (synthetic scenes, dev
annotations, authors' boxes) and what the room-size estimate scores with the hull as it is, with
the dev half's own median ratio (in-sample and leave-one-scene-out); counting with same-label
boxes merged when their shared volume is at least a share of the smaller box's; object sizes
blended with the synthetic catalogue's typical longest side; and that typical side as the answer
to size questions whose object has no box.

    python benchmarks/real_codes.py noise      # the code-level noise model fitted to the authors' boxes

``noise`` registers each scene's authors' boxes to its annotations (with the first-appearance
ranks as ``first_seen``), fits :class:`~spatialcode.synth.code_faults.CodeFaultConfig` on them
(:func:`~spatialcode.synth.code_fault_fit.fit_code_faults`), writes the preset
``src/spatialcode/data/code_faults/authors-scannet.json`` (the statistics of the fit in its
``fit`` header) and compares, by the same matching, the real boxes' statistics with those of the
annotations passed through the preset (five seeds), on all 45 scenes and fitted on the even half
(sorted names) / checked on the odd half; and the solver on the same questions over the authors'
boxes, the annotations and the annotations through the preset (three seeds):
``benchmarks/results/real_codes_noise.md`` and ``.json``.

    python benchmarks/real_codes.py synthetic  # the solver's estimators on noisy synthetic codes
    python benchmarks/real_codes.py llm [--threads N]   # the language models on real codes

``synthetic`` answers the synthetic test scenes' questions (``runs/synth``, from
``benchmarks/rl_train.py data``) over their codes through the noise model, with the solver of the
start and today's. ``llm`` answers a sample of the real-codes questions (:data:`LLM_PER_TYPE` of
each type) with each language model of :data:`LLM_ROWS` whose file exists (the trained ones are
``benchmarks/rl_train.py export``'s), beside the two solvers, paired against both:
``benchmarks/results/real_codes_llm.md`` and ``.json``, answers in ``real_codes_llm/``.
"""

from __future__ import annotations

import collections
import json
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from spatialcode.bench import aggregate, load_questions, read_predictions, score_predictions, to_markdown
from spatialcode.bench.evaluate import evaluate
from spatialcode.encode.compare import compare_codes, summarise_comparisons
from spatialcode.formats.box_lists import SIZE_ORDERS, box_list_code, read_box_lists
from spatialcode.formats.codes_dir import CodesDir, write_codes
from spatialcode.formats.vsibench_meta import convert_vsibench_meta, iter_meta_info_dir
from spatialcode.geometry.box import Box3D
from spatialcode.reason.fragments import overlap_groups
from spatialcode.reason.registry import ReasonerConfig, make_reasoner
from spatialcode.reason.solver import SolverConfig
from spatialcode.scene import SpatialCode
from spatialcode.tasks.paired import paired_difference
from spatialcode.tasks.typical_sizes import typical_longest_sides

if TYPE_CHECKING:
    from spatialcode.synth.code_faults import CodeFaultConfig

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
QUESTIONS = DATA / "vsibench-dev" / "questions.jsonl"
AUTHORS = DATA / "spatialcode-authors-dev" / "encoder_codes_scannet.json"
RUNS = ROOT / "runs" / "real_codes"
RESULTS = ROOT / "benchmarks" / "results"
#: The solver at the start of the issue: today's with each robustness setting added since off.
START_SOLVER = {"room_from_objects": False, "estimate_missing": False}
BASELINE_CODES = "authors-start"
BASELINE = "solver at the start on authors-start"
#: configuration → how its codes folder is made.
CONFIGS = {
    "authors-start": lambda out: write_codes(read_box_lists(AUTHORS, "scannet"), out),
    "authors": lambda out: write_codes(read_box_lists(AUTHORS, "scannet", size_order="whl", order="appearance"), out),
    "oracle": lambda out: convert_vsibench_meta(DATA / "vsibench-dev" / "meta_info", out),
    "oracle-ranked": lambda out: convert_vsibench_meta(DATA / "vsibench-dev" / "meta_info", out,
                                                       DATA / "vsibench-dev" / "first_seen_rank.json"),
}


def scannet_questions() -> list:
    """The dev questions of the ScanNet scenes the authors' file covers."""
    scenes = set(json.loads(AUTHORS.read_text()))
    return [q for q in load_questions(QUESTIONS) if q.dataset == "scannet" and q.scene_name in scenes]


def answer(config: str, questions: list, solver: dict) -> Path:
    """The solver's predictions (with the ``solver`` settings) for the codes of ``config``
    (made once), answered afresh: the solver takes about a second."""
    codes = RUNS / "codes" / config
    if not codes.is_dir():
        CONFIGS[config](codes)
    name = "start" if solver == START_SOLVER else "now"
    predictions = RUNS / f"solver-{name}-{config}.jsonl"
    predictions.unlink(missing_ok=True)
    reasoner, described = make_reasoner(ReasonerConfig(solver=SolverConfig(**solver)))
    evaluate(questions, CodesDir(codes), reasoner, predictions, {**described, "codes": config}, progress=False)
    return predictions


def main() -> None:
    """Answer every configuration and write the tables."""
    if not AUTHORS.is_file():
        sys.exit(f"no {AUTHORS}: this benchmark needs the dev half of the authors' boxes beside the repository")
    questions = scannet_questions()
    RUNS.mkdir(parents=True, exist_ok=True)
    rows = {f"solver on {config}": read_predictions(answer(config, questions, {})) for config in CONFIGS}
    rows[BASELINE] = read_predictions(answer(BASELINE_CODES, questions, START_SOLVER))
    rows = {BASELINE: rows.pop(BASELINE), **rows}
    tables = {name: aggregate(score_predictions(questions, predicted)) for name, predicted in rows.items()}
    pairs = {name: paired_difference(questions, predicted, rows[BASELINE]) for name, predicted in rows.items()
             if name != BASELINE}
    doc = {"questions": len(questions), "scenes": len({q.scene_name for q in questions}),
           "tables": {name: table.to_dict() for name, table in tables.items()}, "versus_start": pairs}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "real_codes.json").write_text(json.dumps(doc, indent=1))
    lines = [f"# Reasoning over real codes — {len(questions)} dev questions of {doc['scenes']} ScanNet scenes", ""]
    for name, table in tables.items():
        lines += [to_markdown(table, title=name), ""]
    lines += [f"| minus the {BASELINE} | overall (points) | 95 % paired bootstrap | questions |", "|---|---:|---:|---:|"]
    for name, pair in pairs.items():
        if pair is not None:
            lines.append(f"| {name} | {pair['difference']:+.1f} | [{pair['ci95'][0]:+.1f}, {pair['ci95'][1]:+.1f}] "
                         f"| {pair['questions']} |")
    (RESULTS / "real_codes.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / 'real_codes.md'}", file=sys.stderr)


def registration(code: SpatialCode, truth: SpatialCode) -> tuple[float, np.ndarray, float] | None:
    """The turn (rad) about z, the (x, y) shift and the z shift (m) taking ``code`` onto
    ``truth``: the vote of the module docstring; ``None`` when no label is shared."""
    pairs = [(o.box.center, t.box.center) for o in code.objects for t in truth.objects if o.label == t.label]
    if not pairs:
        return None
    ours, theirs = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    best = None
    for degrees in range(-20, 21):
        turn = math.radians(degrees)
        rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
        shifts = theirs[:, :2] - ours[:, :2] @ rotation.T
        cell, votes = collections.Counter(map(tuple, np.round(shifts / 0.25).astype(int))).most_common(1)[0]
        if best is None or votes > best[0]:
            near = np.linalg.norm(shifts - np.array(cell) * 0.25, axis=1) < 0.4
            best = (votes, turn, np.median(shifts[near], axis=0), float(np.median(theirs[near, 2] - ours[near, 2])))
    return best[1:]


def moved(code: SpatialCode, turn: float, shift: np.ndarray, lift: float) -> SpatialCode:
    """``code`` turned by ``turn`` (rad) about z, then shifted by ``shift`` (x, y) and ``lift`` (z)."""
    c, s = math.cos(turn), math.sin(turn)
    objects = []
    for obj in code.objects:
        x, y, z = obj.box.center
        roll, pitch, yaw = obj.box.rotation
        box = Box3D((c * x - s * y + shift[0], s * x + c * y + shift[1], z + lift), obj.box.size, (roll, pitch, yaw + turn))
        objects.append(replace(obj, box=box))
    return replace(code, objects=tuple(objects))


def readings() -> None:
    """Compare the readings of the sizes on the registered boxes (see the module docstring)."""
    truth = {c.source.scene_name: c for c in iter_meta_info_dir(DATA / "vsibench-dev" / "meta_info")
             if c.source.dataset == "scannet"}
    lists = json.loads(AUTHORS.read_text())
    readings = {"xyz": (0, 1, 2), "whl (width along x)": SIZE_ORDERS["whl"], "whl (length along x)": (2, 0, 1)}
    doc = {}
    for name, order in readings.items():
        rows = []
        for scene, entries in lists.items():
            boxes = [{**e, "bbox_3d": [*e["bbox_3d"][:3], *(e["bbox_3d"][3 + k] for k in order), *e["bbox_3d"][6:]]}
                     for e in entries]
            code = box_list_code(scene, boxes, "scannet")
            found = registration(code, truth[scene])
            if found is not None:
                rows.append(compare_codes(truth[scene], moved(code, *found)))
        doc[name] = summarise_comparisons(rows)
        print(name, {k: doc[name][k] for k in ("objects", "matched_iou50", "matched_iou25", "median_centre_error_m")},
              file=sys.stderr)
    (RESULTS / "real_codes_readings.json").write_text(json.dumps(doc, indent=1))


def hull_ratios(codes: dict, areas: dict) -> dict[str, float]:
    """Floor area / footprint hull area per scene (scenes with a hull)."""
    from spatialcode.geometry.polygon import footprint_hull_area

    hulls = {s: footprint_hull_area([o.box for o in codes[s].objects]) for s in areas}
    return {s: areas[s] / hulls[s] for s in areas if hulls[s] > 0}


def studies() -> None:
    """The measurements of the module docstring's ``studies``."""
    from spatialcode.questions.labels import resolve_label
    from spatialcode.questions.vsibench import parse_question
    from spatialcode.synth.generate import generate_scene
    from spatialcode.tasks.scoring import mean_relative_accuracy

    questions = scannet_questions()
    authors = {c.source.scene_name: c for c in read_box_lists(AUTHORS, "scannet", size_order="whl")}
    truth = {(c.source.dataset, c.source.scene_name): c for c in iter_meta_info_dir(DATA / "vsibench-dev" / "meta_info")}
    synthetic = {seed: generate_scene(seed) for seed in range(300)}
    ratios = {
        "synthetic (300 scenes)": hull_ratios(synthetic, {s: c.room.floor_area() for s, c in synthetic.items()}),
        "dev annotations": hull_ratios(truth, {s: c.room.floor_area() for s, c in truth.items()}),
        "authors' boxes": hull_ratios({s: authors[s] for s in authors},
                                      {s: truth[("scannet", s)].room.floor_area() for s in authors})}
    doc: dict = {"room_over_hull": {name: {"scenes": len(r), "median": float(np.median(list(r.values()))),
                                           "iqr": [float(x) for x in np.percentile(list(r.values()), [25, 75])]}
                                    for name, r in ratios.items()}}
    rooms = [q for q in questions if q.question_type == "room_size_estimation"]
    own = ratios["authors' boxes"]
    hull = {q.scene_name: truth[("scannet", q.scene_name)].room.floor_area() / own[q.scene_name] for q in rooms}

    def room_score(scale) -> float:
        return 100 * float(np.mean([mean_relative_accuracy(round(hull[q.scene_name] * scale(q.scene_name), 1),
                                                           float(q.ground_truth)) for q in rooms]))

    median = float(np.median(list(own.values())))
    doc["room_size_mra"] = {"hull": room_score(lambda s: 1.0), "hull × dev median (in-sample)": room_score(lambda s: median),
                            "hull × dev median (leave one scene out)":
                                room_score(lambda s: float(np.median([r for t, r in own.items() if t != s])))}
    counting = [q for q in questions if q.question_type == "object_counting"]
    all_counting = [q for q in load_questions(QUESTIONS) if q.question_type == "object_counting"]

    def count_score(items: list, share: float | None) -> float:
        scores = []
        for q, code in items:
            label = resolve_label(parse_question(q.question).category, list(code.labels))
            objects = code.objects_with_label(label) if label else []
            n = len(objects) if share is None else len(overlap_groups(objects, share))
            scores.append(mean_relative_accuracy(n, float(q.ground_truth)))
        return 100 * float(np.mean(scores))

    on_authors = [(q, authors[q.scene_name]) for q in counting]
    on_truth = [(q, truth[(q.dataset, q.scene_name)]) for q in all_counting]
    doc["counting_merged"] = {f"share {share}": {"authors": count_score(on_authors, share),
                                                 "annotation boxes": count_score(on_truth, share)}
                              for share in (None, 0.3, 0.5, 0.7)}
    errors = [len(authors[q.scene_name].objects_with_label(
        resolve_label(parse_question(q.question).category, list(authors[q.scene_name].labels)) or "")) -
        float(q.ground_truth) for q in counting]
    doc["authors_count_errors"] = {"under": int(sum(e < 0 for e in errors)), "exact": int(sum(e == 0 for e in errors)),
                                   "over": int(sum(e > 0 for e in errors)), "mean": float(np.mean(errors))}
    typical = typical_longest_sides()
    boxed, unboxed = [], []
    for q in (q for q in questions if q.question_type == "object_size_estimation"):
        category = parse_question(q.question).category
        label = resolve_label(category, list(authors[q.scene_name].labels))
        prior = typical.get(resolve_label(category, tuple(typical)) or "")
        if label:
            box = authors[q.scene_name].objects_with_label(label)[0].box.longest_side
            boxed.append((box * 100, prior * 100 if prior else box * 100, float(q.ground_truth)))
        else:
            unboxed.append((prior * 100 if prior else None, float(q.ground_truth)))
    doc["size_blend_mra"] = {f"box weight {w}": 100 * float(np.mean([
        mean_relative_accuracy(round(w * b + (1 - w) * p), g) for b, p, g in boxed])) for w in (1.0, 0.75, 0.5, 0.25, 0.0)}
    doc["size_box_over_truth"] = {"median": float(np.median([b / g for b, _, g in boxed])),
                                  "iqr": [float(x) for x in np.percentile([b / g for b, _, g in boxed], [25, 75])]}
    scored = [mean_relative_accuracy(round(p), g) if p else 0.0 for p, g in unboxed]
    doc["size_fallback_on_unboxed"] = {"questions": len(unboxed), "with a typical size": sum(p is not None for p, _ in unboxed),
                                       "mra": 100 * float(np.mean(scored)) if scored else None,
                                       "object size points gained": 100 * float(sum(scored)) /
                                       sum(q.question_type == "object_size_estimation" for q in questions)}
    (RESULTS / "real_codes_studies.json").write_text(json.dumps(doc, indent=1))
    print(json.dumps(doc, indent=1))


def registered_pairs() -> list[tuple[SpatialCode, SpatialCode]]:
    """(authors' boxes registered to the annotations, annotations) of each ScanNet dev scene, by
    sorted scene name; the annotations carry the first-appearance ranks as ``first_seen``."""
    ranks = json.loads((DATA / "vsibench-dev" / "first_seen_rank.json").read_text())["scannet"]
    truth = {c.source.scene_name: c for c in iter_meta_info_dir(DATA / "vsibench-dev" / "meta_info")
             if c.source.dataset == "scannet"}
    authors = {c.source.scene_name: c for c in read_box_lists(AUTHORS, "scannet", size_order="whl", order="appearance")}
    pairs = []
    for scene in sorted(authors):
        ranked = ranked_code(truth[scene], ranks[scene])
        found = registration(authors[scene], ranked)
        pairs.append((moved(authors[scene], *found) if found is not None else authors[scene], ranked))
    return pairs


def ranked_code(code: SpatialCode, ranks: dict[str, list[int]]) -> SpatialCode:
    """``code`` (annotations, boxes of a label in ``object_bbox`` order) with each box's rank as
    its ``first_seen``."""
    seen: collections.Counter = collections.Counter()
    objects = []
    for obj in code.objects:
        objects.append(replace(obj, first_seen=float(ranks[obj.label][seen[obj.label]])))
        seen[obj.label] += 1
    return replace(code, objects=tuple(objects))


def through_preset(pairs: list, config: "CodeFaultConfig", seed: int) -> list[tuple[SpatialCode, SpatialCode]]:
    """(annotations through ``config``, annotations) of each pair, seeded per scene."""
    from spatialcode.synth.code_faults import apply_code_faults, stable_seed

    return [(apply_code_faults(truth, config, stable_seed(seed, truth.source.scene_name)), truth) for _, truth in pairs]


#: Seeds of the model's side of the side-by-side table (statistics; the solver uses the first 3).
NOISE_SEEDS = (0, 1, 2, 3, 4)


def side_by_side(real: dict, model: list[dict]) -> dict:
    """The figures of the real statistics and the model's (the mean over its seeds)."""
    def figures(s: dict) -> dict[str, float]:
        out = {k: s[k] for k in ("miss_rate", "extra_per_scene", "duplicate_rate", "confusion_rate", "room_present")}
        out.update({f"centre error m {k}": v for k, v in zip(("q1", "median", "q3"), _quartiles(s["centre_error_m"]))})
        for side, spread in s["size_ratio"].items():
            out.update({f"size ratio {side} {k}": v for k, v in zip(("q1", "median", "q3"), _quartiles(spread))})
        out.update({f"yaw error deg {k}": v for k, v in zip(("q1", "median", "q3"), _quartiles(s["yaw_error_deg"]))})
        return out

    mine = [figures(s) for s in model]
    return {name: {"real": value, "model": float(np.mean([m[name] for m in mine])),
                   "model_range": [float(min(m[name] for m in mine)), float(max(m[name] for m in mine))]}
            for name, value in figures(real).items()}


def _quartiles(spread: dict) -> tuple[float, float, float]:
    return (spread["iqr"][0], spread["median"], spread["iqr"][1])


def noise() -> None:
    """Fit the code-level noise model on the registered authors' boxes, write the preset and
    compare the statistics (and, on the same questions, the solver) of real boxes and model."""
    from spatialcode.core.config import config_dict
    from spatialcode.formats.codes_dir import CodeSet
    from spatialcode.synth.code_fault_fit import fault_statistics, fit_code_faults
    from spatialcode.synth.code_faults import PRESET_DIR

    pairs = registered_pairs()
    config = fit_code_faults(pairs, name="authors-scannet")
    real = fault_statistics(pairs)
    model = [fault_statistics(through_preset(pairs, config, seed)) for seed in NOISE_SEEDS]
    fit_half, check_half = pairs[0::2], pairs[1::2]
    half_config = fit_code_faults(fit_half, name="half")
    split = side_by_side(fault_statistics(check_half),
                         [fault_statistics(through_preset(check_half, half_config, seed)) for seed in NOISE_SEEDS])
    PRESET_DIR.mkdir(parents=True, exist_ok=True)
    header = {"about": "code-level perception faults fitted by `python benchmarks/real_codes.py noise` to the Spatial "
                       "Code authors' encoder boxes of the 45 ScanNet scenes of the VSI-Bench dev half, registered to "
                       "and matched with the benchmark's annotations (spatialcode.synth.code_fault_fit)",
              "scenes": len(pairs), "statistics": {k: v for k, v in real.items()}}
    (PRESET_DIR / "authors-scannet.json").write_text(
        json.dumps({"fit": header, "config": {k: v for k, v in config_dict(config).items() if k != "name"}}, indent=1) + "\n")
    questions = scannet_questions()
    reasoner, described = make_reasoner(ReasonerConfig())
    solver = {}
    for name, codes in [("authors' boxes", [encoded for encoded, _ in pairs]), ("annotations (ranked)", [t for _, t in pairs]),
                        *((f"annotations through authors-scannet, seed {seed}", [c for c, _ in through_preset(pairs, config, seed)])
                          for seed in NOISE_SEEDS[:3])]:
        predictions = RUNS / "noise" / f"{name.replace(' ', '_').replace(',', '').replace(chr(39), '')}.jsonl"
        predictions.parent.mkdir(parents=True, exist_ok=True)
        predictions.unlink(missing_ok=True)
        evaluate(questions, CodeSet(codes), reasoner, predictions, {**described, "codes": name}, progress=False)
        solver[name] = aggregate(score_predictions(questions, read_predictions(predictions))).full.to_dict()
    seeded = [table for name, table in solver.items() if name.startswith("annotations through")]
    solver["annotations through authors-scannet, mean of 3 seeds"] = {
        "overall": float(np.mean([t["overall"] for t in seeded])),
        "scores": {task: float(np.mean([t["scores"][task] for t in seeded])) for task in seeded[0]["scores"]}}
    doc = {"scenes": len(pairs), "side_by_side": side_by_side(real, model), "split_check": split,
           "solver": solver, "real": real, "model_seeds": list(NOISE_SEEDS)}
    (RESULTS / "real_codes_noise.json").write_text(json.dumps(doc, indent=1))
    (RESULTS / "real_codes_noise.md").write_text(noise_markdown(doc, len(questions)))
    print(f"wrote {PRESET_DIR / 'authors-scannet.json'} and {RESULTS / 'real_codes_noise.md'}", file=sys.stderr)


def noise_markdown(doc: dict, questions: int) -> str:
    """The tables of :func:`noise`."""
    lines = [f"# Code-level noise model `authors-scannet` — {doc['scenes']} ScanNet dev scenes", "",
             "Real: the authors' encoder boxes registered to the annotations. Model: the annotations through the "
             f"fitted preset (mean and range over seeds {doc['model_seeds']}). Same matching "
             "(spatialcode.synth.code_fault_fit) on both sides.", "",
             "| statistic | real | model | model range | split check: real (odd half) | model fitted on the even half |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, row in doc["side_by_side"].items():
        half = doc["split_check"][name]
        lines.append(f"| {name} | {row['real']:.3f} | {row['model']:.3f} | {row['model_range'][0]:.3f}–"
                     f"{row['model_range'][1]:.3f} | {half['real']:.3f} | {half['model']:.3f} |")
    tasks = sorted({t for table in doc["solver"].values() for t in table["scores"]})
    lines += ["", f"Solver (exact, default settings) on the {questions} dev questions of these scenes:", "",
              "| codes | overall | " + " | ".join(tasks) + " |", "|---|---:|" + "---:|" * len(tasks)]
    for name, table in doc["solver"].items():
        lines.append(f"| {name} | {table['overall']:.1f} | " + " | ".join(
            f"{table['scores'].get(t, float('nan')):.1f}" for t in tasks) + " |")
    return "\n".join(lines) + "\n"


#: The synthetic dataset ``benchmarks/rl_train.py data`` writes (its test scenes check the estimators).
SYNTH = ROOT / "runs" / "synth"


def synthetic() -> None:
    """The robust solver's estimators away from ScanNet: the synthetic test scenes' questions
    (never trained or tuned on) over their codes passed through the ``authors-scannet`` noise
    model (seeded per scene), answered by the solver of the start and today's; clean codes for
    reference. Writes ``real_codes_synthetic.md`` / ``.json``."""
    from spatialcode.formats.codes_dir import CodeSet
    from spatialcode.synth.code_faults import CodeFaultConfig, apply_code_faults, stable_seed

    test = {json.loads(line)["scene_name"] for line in (SYNTH / "data" / "test.jsonl").open()}
    questions = [q for q in load_questions(SYNTH / "questions.jsonl") if q.scene_name in test]
    clean = [SpatialCode.load(SYNTH / "scenes" / f"{scene}.json") for scene in sorted(test)]
    faults = CodeFaultConfig.preset("authors-scannet")
    noisy = [apply_code_faults(code, faults, stable_seed(0, code.source.scene_name)) for code in clean]
    rows = {}
    for name, codes, solver in (("start solver, noisy codes", noisy, START_SOLVER), ("solver, noisy codes", noisy, {}),
                                ("solver, clean codes", clean, {})):
        predictions = RUNS / "synthetic" / f"{name.replace(' ', '_').replace(',', '')}.jsonl"
        predictions.parent.mkdir(parents=True, exist_ok=True)
        predictions.unlink(missing_ok=True)
        reasoner, described = make_reasoner(ReasonerConfig(solver=SolverConfig(**solver)))
        evaluate(questions, CodeSet(codes), reasoner, predictions, described, progress=False)
        rows[name] = read_predictions(predictions)
    tables = {name: aggregate(score_predictions(questions, predicted)) for name, predicted in rows.items()}
    pair = paired_difference(questions, rows["solver, noisy codes"], rows["start solver, noisy codes"])
    doc = {"questions": len(questions), "scenes": len(test), "tables": {n: t.to_dict() for n, t in tables.items()},
           "now_minus_start_on_noisy": pair}
    (RESULTS / "real_codes_synthetic.json").write_text(json.dumps(doc, indent=1))
    lines = [f"# The solver's estimators on {len(questions)} synthetic test questions ({len(test)} scenes) through "
             "the authors-scannet noise model", ""]
    lines += [to_markdown(table, title=name) + "\n" for name, table in tables.items()]
    lines.append(f"today's − start solver on the noisy codes: {pair['difference']:+.1f} [{pair['ci95'][0]:+.1f}, "
                 f"{pair['ci95'][1]:+.1f}] over {pair['questions']} questions")
    (RESULTS / "real_codes_synthetic.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


#: Questions of each question type in the language models' sample of the real-codes questions
#: (nested: a larger number keeps these and adds more, so the answers so far are reused).
LLM_PER_TYPE = 10
#: Where the language models' answers are kept (with the results: ``llm`` rescoring needs no model).
LLM_ANSWERS = RESULTS / "real_codes_llm"
#: The language-model reasoners of ``llm``: name → (model file, reasoner settings). The trained
#: models are the Q8_0 files ``benchmarks/rl_train.py export`` writes; every row uses the settings
#: of that script's evaluation (the table of the question's objects, thinking first, greedy, 256
#: tokens); ``llm-tools`` is the LLM baseline's tool reasoner with the embedded Q4_K_M model.
LLM_ROWS = {
    **{f"llm {name}": (f"runs/models/{name}-q8_0.gguf", {
        "name": "llm", "llm.prompt.serialisation": "table", "llm.prompt.objects": "question",
        "llm.sampling.max_tokens": 256}) for name in ("sft-noisy", "base", "sft", "grpo-noisy")},
    "llm-tools base": ("runs/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", {"name": "llm-tools", "tools.protocol": "programs"}),
}


def llm_sample() -> list:
    """The first ``LLM_PER_TYPE`` questions of each question type of :func:`scannet_questions`
    in an order shuffled once per type (seed 0), in question-file order. Nothing was written or
    tuned on these questions."""
    import random

    questions = scannet_questions()
    by_type = collections.defaultdict(list)
    for q in questions:
        by_type[q.question_type].append(q.id)
    chosen = set()
    for task in sorted(by_type):
        ids = sorted(by_type[task])
        random.Random(f"{task}:0").shuffle(ids)
        chosen.update(ids[:LLM_PER_TYPE])
    return [q for q in questions if q.id in chosen]


def llm(threads: int | None = None, answer_questions: bool = True) -> None:
    """The language-model reasoners on the sample of the real-codes questions over the authors'
    boxes (``authors``), beside the solvers on the same questions: answers each row whose model
    file exists (resumable; ``threads``: the model's CPU threads; none with ``answer_questions``
    off), then writes ``real_codes_llm.md`` / ``.json`` from every row's answers so far (a row
    answered in part is scored on its answered questions, and marked so)."""
    from spatialcode.core.config import apply_values, build_config

    questions = llm_sample()
    codes = RUNS / "codes" / "authors"
    if not codes.is_dir():
        CONFIGS["authors"](codes)
    LLM_ANSWERS.mkdir(parents=True, exist_ok=True)
    for name, (model, settings) in LLM_ROWS.items():
        out = LLM_ANSWERS / f"{name.replace(' ', '-')}.jsonl"
        if not answer_questions or not (ROOT / model).is_file():
            print(f"{name}: not answered now", file=sys.stderr)
            continue
        reasoner, described = make_reasoner(build_config(ReasonerConfig, apply_values({}, {
            **settings, "model.path": str(ROOT / model), "model.cache": str(RUNS / "llm_cache.sqlite"),
            "model.threads": threads})))
        evaluate(questions, CodesDir(codes), reasoner, out, {**described, "row": name, "codes": "authors"})
    rows = {BASELINE: read_predictions(answer(BASELINE_CODES, questions, START_SOLVER)),
            "solver on authors": read_predictions(answer("authors", questions, {}))}
    rows |= {name: answers for name in LLM_ROWS
             if (path := LLM_ANSWERS / f"{name.replace(' ', '-')}.jsonl").is_file() and (answers := read_predictions(path))}
    answered = {name: sum(q.id in predicted for q in questions) for name, predicted in rows.items()}
    tables = {name: aggregate(score_predictions([q for q in questions if q.id in predicted], predicted))
              for name, predicted in rows.items()}
    versus = {base: {name: paired_difference(questions, predicted, rows[base]) for name, predicted in rows.items()
                     if name != base} for base in (BASELINE, "solver on authors", "llm base") if base in rows}
    doc = {"questions": len(questions), "per_type": LLM_PER_TYPE, "answered": answered, "ids": sorted(q.id for q in questions),
           "tables": {name: table.to_dict() for name, table in tables.items()}, "paired": versus}
    (RESULTS / "real_codes_llm.json").write_text(json.dumps(doc, indent=1))
    lines = [f"# Language models over real codes — {len(questions)} of the dev questions on the authors' boxes", ""]
    for name, table in tables.items():
        part = "" if answered[name] == len(questions) else f" (answered so far: {answered[name]} of {len(questions)})"
        lines += [to_markdown(table, title=name + part), ""]
    for base, pairs in versus.items():
        lines += [f"| minus the {base} | overall (points) | 95 % paired bootstrap | questions |", "|---|---:|---:|---:|"]
        lines += [f"| {name} | {pair['difference']:+.1f} | [{pair['ci95'][0]:+.1f}, {pair['ci95'][1]:+.1f}] | "
                  f"{pair['questions']} |" for name, pair in pairs.items() if pair is not None]
        lines.append("")
    (RESULTS / "real_codes_llm.md").write_text("\n".join(lines))
    print(f"wrote {RESULTS / 'real_codes_llm.md'}", file=sys.stderr)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("section", nargs="?", default="tables",
                        choices=("tables", "readings", "studies", "noise", "synthetic", "llm"))
    parser.add_argument("--threads", type=int, default=None, help="llm: the models' CPU threads (default: llama.cpp's)")
    parser.add_argument("--tables-only", action="store_true", help="llm: write the tables from the answers so far")
    args = parser.parse_args()
    if args.section == "llm":
        llm(args.threads, answer_questions=not args.tables_only)
    else:
        {"tables": main, "readings": readings, "studies": studies, "noise": noise, "synthetic": synthetic}[args.section]()
