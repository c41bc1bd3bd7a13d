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
"""

from __future__ import annotations

import collections
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from spatialcode.bench import aggregate, load_questions, read_predictions, score_predictions, to_markdown
from spatialcode.bench.evaluate import evaluate
from spatialcode.encode.compare import compare_codes, summarise_comparisons
from spatialcode.formats.box_lists import SIZE_ORDERS, box_list_code, read_box_lists
from spatialcode.formats.codes_dir import CodesDir, write_codes
from spatialcode.formats.vsibench_meta import convert_vsibench_meta, iter_meta_info_dir
from spatialcode.geometry.box import Box3D
from spatialcode.reason.registry import ReasonerConfig, make_reasoner
from spatialcode.reason.solver import SolverConfig
from spatialcode.scene import SpatialCode
from spatialcode.tasks.paired import paired_difference

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
QUESTIONS = DATA / "vsibench-dev" / "questions.jsonl"
AUTHORS = DATA / "spatialcode-authors-dev" / "encoder_codes_scannet.json"
RUNS = ROOT / "runs" / "real_codes"
RESULTS = ROOT / "benchmarks" / "results"
#: The solver at the start of the issue: today's with each robustness setting added since off.
START_SOLVER = {"room_from_objects": False}
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


if __name__ == "__main__":
    readings() if sys.argv[1:] == ["readings"] else main()
