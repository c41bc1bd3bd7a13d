"""Real layouts through the whole pipeline: every VSI-Bench dev scene (converted annotations) is
rendered, encoded back into a spatial code, and the dev questions are answered by the solver from
the encoded code; the score is compared with the score of the oracle code (the annotations).

Usage:
    .venv/bin/python benchmarks/encoder_dev_qa.py run [--variants clean,faulty,refined] [--every N] [--shard I/K]
        [--limit N] [--data ../shared/data/vsibench-dev]
    .venv/bin/python benchmarks/encoder_dev_qa.py score
    .venv/bin/python benchmarks/encoder_dev_qa.py diagnose [--variants monocular-robust] [--codes KEPT_DIR]
    .venv/bin/python benchmarks/encoder_dev_qa.py prior

``run`` (resumable; one JSON line per scene and run in ``runs/encoder_dev/results.jsonl``, a
failed scene is recorded and the run goes on): renders each scene at 320×240 (default camera
path at a handheld phone's height drawn for the scene, :func:`~spatialcode.synth.handheld.handheld_camera_height`;
first_seen threshold scaled to the image) into ``runs/encoder_dev/renders/<dataset>/<scene>``,
then encodes it with the ground-truth masks — *clean* (exact depth, masks, poses), *faulty* (the
``realistic`` fault preset injected at encode time by :class:`~spatialcode.encode.FaultySource`:
depth noise and dropout, mask erosion, 10 % missed detections, 5 % label confusion, 0.2°/√s and
1 cm/√s pose drift), *refined* (the same faults, the drifting poses refined against the map of
the earlier frames: ``--poses refine``, :class:`~spatialcode.encode.MapAlignedPoseSource`) and,
when asked for with ``--variants``, *estimated* (slow: RGB-D odometry; the same faults, poses
estimated from the noisy depth and anchored at the first: ``--poses estimate``), *monocular*
(the ``monocular`` preset injected: depth scale and warp, mask bleed, false positives, misses,
label confusion, pose drift), *monocular-robust* (the same frames, the encoder with the defences
the encode pipeline turns on for predicted depth: depth-edge trimming, multi-view consistency,
label consistency, smear and per-view extents, the voxels each track's own frames saw through
carved off, the metric scale calibrated from the cameras' height
and the furniture; and the drifting poses refined against the map, then their tilt levelled by the
floor), *monocular-uncalibrated* (the same without the scale calibration) — into
``runs/encoder_dev/codes/<variant>/<dataset>/<scene>.json``; a variant whose code is there
already is not encoded again; then scores.

``--every N`` takes every N-th scene of the sorted list (a subset spread over the three
datasets); ``--shard I/K`` runs the scenes not done yet whose position among them is I modulo K,
so K processes started together share the work (they append to the same results file).

``diagnose`` (a variant with the ``monocular`` preset): where its codes go wrong — each encoded
object paired to the nearest truth box of the scene (within ``NEAR`` m: the same label, the first
one a match and the next ones duplicates, another label on a truth object; else far), the
longest side of each truth object's nearest same-label encoded box against the truth with the
scale error left in the code removed (the depth scale factor the preset injected, known from the
scene's seed, over the correction a calibrated variant applied), and the solver's share of the
oracle score when each code is rescaled by that factor (how much the global scale error left
costs), and the share the annotations themselves score once scaled by it (perfect boxes at the
code's scale: what a code can reach without a better scale), and the
codes' cameras against the renders' true poses (tilt, height, position across the floor), and
where the boxes sit along the direction from the cameras (``placement_errors``: centre, nearest
and farthest face);
``benchmarks/results/encoder_dev_diagnose_<variant>.{json,md}`` (with ``--codes``, codes kept in
another folder, ``..._<variant>_<folder>.{json,md}``).

``prior``: the scale calibration re-applied to the *monocular-uncalibrated* codes with the
camera-height prior shifted (``PRIORS``): how much size and absolute distance rest on it;
``benchmarks/results/encoder_dev_calibration_prior.{json,md}``.

``score``: answers the dev questions of the issue's five tasks (counting, object size, absolute
distance, relative distance, relative direction) with the solver from each variant's codes (the
scenes it has done) and from the oracle code on the same questions, official scoring; writes
``benchmarks/results/encoder_dev_qa.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import traceback
import warnings
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from spatialcode.bench import aggregate, code_version, load_questions, score_predictions
from spatialcode.encode import FaultySource, RenderFolderSource, pose_source
from spatialcode.encode.calibration import ScaleCalibrationConfig, estimate_scale
from spatialcode.encode.encoder import EncoderConfig, encode
from spatialcode.encode.pipeline import monocular_defences
from spatialcode.encode.poses import FloorLevelConfig
from spatialcode.formats.vsibench_meta import iter_meta_info_dir
from spatialcode.geometry.distance import box_distance
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode
from spatialcode.synth import FaultConfig, RenderConfig, render_scene
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.faults import depth_scale_factor
from spatialcode.synth.handheld import handheld_camera_height

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "runs" / "encoder_dev"
RESULTS = ROOT / "benchmarks" / "results"
TASKS = ("object_counting", "object_size_estimation", "object_abs_distance", "object_rel_distance",
         "object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard")
WIDTH, HEIGHT = 320, 240
#: 320×240 lifted at every pixel has the point density of 640×480 at the default stride 2.
ENCODER = EncoderConfig(pixel_stride=1)
#: The same with what the encode pipeline turns on for predicted depth (masks trimmed at their own
#: depth edges, detections confirmed by the other views, tracks of scattered labels dropped, the
#: metric scale calibrated) and, for *monocular-uncalibrated*, the same without the calibration.
MONOCULAR_ENCODER = monocular_defences(ENCODER, predicted=True)
UNCALIBRATED_ENCODER = replace(MONOCULAR_ENCODER, calibration=ScaleCalibrationConfig(enabled=False))
#: Encodings of each scene: (fault preset injected or None, poses mode, encoder settings).
VARIANTS = {"clean": (None, "given", ENCODER), "faulty": ("realistic", "given", ENCODER),
            "refined": ("realistic", "refine", ENCODER), "estimated": ("realistic", "estimate", ENCODER),
            "monocular": ("monocular", "given", ENCODER), "monocular-robust": ("monocular", "refine", MONOCULAR_ENCODER),
            "monocular-uncalibrated": ("monocular", "refine", UNCALIBRATED_ENCODER)}
#: The variants that also level the poses' tilt by the floor, as the encode pipeline does for predicted depth.
LEVELLED = ("monocular-robust", "monocular-uncalibrated")
DEFAULT_VARIANTS = ("clean", "faulty", "refined")


def scene_key(code: SpatialCode) -> str:
    return f"{code.source.dataset}/{code.source.scene_name}"


def encode_scene(code: SpatialCode, variants: tuple[str, ...] = DEFAULT_VARIANTS) -> dict:
    """Render one dev scene (cached), encode the ``variants`` whose code is missing, save their
    codes; the row."""
    key = scene_key(code)
    render_dir = RUNS / "renders" / key
    row: dict = {"scene": key, "objects": len(code.objects)}
    start = time.perf_counter()
    seed = zlib.crc32(key.encode())
    if not (render_dir / "scene.json").is_file():
        threshold = max(1, round(200 * WIDTH * HEIGHT / (640 * 480)))
        path = PathConfig(width=WIDTH, height=HEIGHT, mask_threshold=threshold, eye_height=handheld_camera_height(seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            render_scene(code, render_dir, RenderConfig(path=path), progress=False)
    row["render_seconds"] = time.perf_counter() - start
    for variant in variants:
        out = RUNS / "codes" / variant / f"{key}.json"
        if out.is_file():
            continue
        faults, poses, settings = VARIANTS[variant]
        source = RenderFolderSource(render_dir, rgb=False)
        if faults is not None:
            source = FaultySource(source, FaultConfig.preset(faults), seed)
        source = pose_source(source, poses, level=FloorLevelConfig(enabled=variant in LEVELLED))
        start = time.perf_counter()
        encoded, times = encode(source, None, settings, scene=code.source)
        out.parent.mkdir(parents=True, exist_ok=True)
        encoded.save(out)
        row[variant] = {"objects": len(encoded.objects), "frames": times.frames,
                        "seconds": time.perf_counter() - start}
    return row


def run(data: Path, limit: int | None, every: int = 1, shard: tuple[int, int] = (0, 1),
        variants: tuple[str, ...] = DEFAULT_VARIANTS) -> None:
    """Encode the ``variants`` of the dev scenes not done yet (every ``every``-th, those of
    ``shard`` = (I, K); appending to ``results.jsonl``)."""
    RUNS.mkdir(parents=True, exist_ok=True)
    results = RUNS / "results.jsonl"
    codes = sorted(iter_meta_info_dir(data / "meta_info"), key=scene_key)[::every]
    done = {scene_key(c) for c in codes
            if all((RUNS / "codes" / variant / f"{scene_key(c)}.json").is_file() for variant in variants)}
    todo = [c for c in codes if scene_key(c) not in done]
    todo = [c for i, c in enumerate(todo) if i % shard[1] == shard[0]][:limit]
    for i, code in enumerate(todo):
        try:
            row = {**encode_scene(code, variants), "ok": True}
        except Exception as err:  # noqa: BLE001 - a failed scene is recorded and the run goes on
            row = {"scene": scene_key(code), "ok": False, "error": f"{type(err).__name__}: {err}",
                   "traceback": traceback.format_exc(limit=3)}
        with results.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"[{i + 1}/{len(todo)}; {len(done)} of {len(codes)} done before] {row['scene']}: "
              + (f"{row['objects']} objects → " + ", ".join(f"{v} {row[v]['objects']}" for v in variants if v in row)
                 if row["ok"] else row["error"]), file=sys.stderr)


def solver_scores(codes: dict[str, SpatialCode], asked: list) -> dict:
    """The official score table (dict form) of the solver answering ``asked`` from ``codes``
    (keyed ``dataset/scene``)."""
    solver = Solver()
    predictions = {q.id: solver.answer_question(codes[f"{q.dataset}/{q.scene_name}"], q.question, q.options,
                                                q.question_type).to_record() for q in asked}
    return aggregate(score_predictions(asked, predictions)).to_dict()


def _variant_codes(variant: str, codes_dir: Path | None = None) -> dict[str, SpatialCode]:
    return {f"{path.parent.name}/{path.stem}": SpatialCode.load(path)
            for path in sorted((codes_dir or RUNS / "codes" / variant).glob("*/*.json"))}


def true_poses(key: str) -> dict:
    """The rendered scene ``key``'s true camera poses by time (s, rounded to the millisecond)."""
    return {round(t, 3): pose for (t, pose), _ in RenderFolderSource(RUNS / "renders" / key, rgb=False).entries}


def camera_errors(codes: dict[str, SpatialCode], factors: dict[str, float]) -> dict:
    """Median and 90th percentile, over every frame of the ``codes``' cameras, of their errors
    against the renders' true poses with each scene's scale error ``factors`` removed: tilt
    (degrees between where the two put the world's up), height (m) and position across the floor (m)."""
    tilt, height, across = [], [], []
    for key, code in codes.items():
        truth = true_poses(key)
        for camera in code.camera:
            true = truth.get(round(camera.t, 3))
            if true is None:
                continue
            ups = [Rotation.from_quat(pose.quaternion).inv().apply((0.0, 0.0, 1.0)) for pose in (camera, true)]
            tilt.append(math.degrees(math.acos(float(np.clip(ups[0] @ ups[1], -1.0, 1.0)))))
            offset = np.asarray(camera.position) / factors[key] - np.asarray(true.position)
            height.append(abs(float(offset[2])))
            across.append(float(np.hypot(offset[0], offset[1])))
    return {"frames": len(tilt), **{name: {"median": float(np.median(values)), "q90": float(np.quantile(values, 0.9))}
                                    for name, values in (("tilt_deg", tilt), ("height_m", height), ("across_m", across))}}


#: ``placement_errors``: an encoded box whose centre is farther (m) from its truth object's is not counted.
PLACED = 0.6


def placement_errors(codes: dict[str, SpatialCode], factors: dict[str, float], oracle: dict[str, SpatialCode]) -> dict:
    """Where the ``codes``' boxes sit against the truth's along the floor-plane direction from the
    middle of the camera path to each truth object (+: away from the cameras), scale error
    ``factors`` removed, each code carried onto the truth's frame by the rigid motion that best
    fits its camera path to the true one (Kabsch, floor plane): the median offset (m) of the box
    centre, of its nearest face and of its farthest face, over the truth objects whose nearest
    same-label encoded box (by centre) is within ``PLACED`` m and at least 0.3 m from that middle."""
    centre, near, far = [], [], []
    for key, code in codes.items():
        truth = true_poses(key)
        pairs = [(np.asarray(c.position[:2]) / factors[key], np.asarray(truth[round(c.t, 3)].position[:2]))
                 for c in code.camera if round(c.t, 3) in truth]
        if len(pairs) < 3:
            continue
        ours, true = (np.array(side) for side in zip(*pairs))
        ours_mid, true_mid = ours.mean(axis=0), true.mean(axis=0)
        u, _, vt = np.linalg.svd((ours - ours_mid).T @ (true - true_mid))
        rotation = vt.T @ np.diag([1.0, np.sign(np.linalg.det(vt.T @ u.T))]) @ u.T

        def onto_truth(points, factor=factors[key], ours_mid=ours_mid, rotation=rotation, true_mid=true_mid):
            return (np.asarray(points)[..., :2] / factor - ours_mid) @ rotation.T + true_mid

        for obj in oracle[key].objects:
            true_centre = np.asarray(obj.box.center[:2])
            toward = true_centre - true_mid
            mates = [(onto_truth(o.box.center), o) for o in code.objects if o.label == obj.label]
            if np.linalg.norm(toward) < 0.3 or not mates:
                continue
            toward /= np.linalg.norm(toward)
            ours_centre, mate = min(mates, key=lambda pair: float(np.linalg.norm(pair[0] - true_centre)))
            if np.linalg.norm(ours_centre - true_centre) > PLACED:
                continue
            ours_along, true_along = onto_truth(mate.box.corners) @ toward, np.asarray(obj.box.corners)[:, :2] @ toward
            centre.append(float((ours_centre - true_centre) @ toward))
            near.append(float(ours_along.min() - true_along.min()))
            far.append(float(ours_along.max() - true_along.max()))
    return {"n": len(centre), **{name: float(np.median(values)) if values else None
                                 for name, values in (("centre_m", centre), ("near_face_m", near), ("far_face_m", far))}}


def _asked(data: Path, codes: dict[str, SpatialCode]) -> list:
    return [q for q in load_questions(data / "questions.jsonl")
            if q.question_type in TASKS and f"{q.dataset}/{q.scene_name}" in codes]


def score(data: Path) -> dict:
    """Solver scores per task of each variant's encoded codes (the scenes it has done so far)
    and of the oracle code on the same scenes."""
    oracle = {scene_key(c): c for c in iter_meta_info_dir(data / "meta_info")}
    variants = {}
    for variant in VARIANTS:
        codes = _variant_codes(variant)
        if not codes:
            continue
        asked = _asked(data, codes)
        variants[variant] = {"scenes": len(codes), "questions": len(asked), "encoded": solver_scores(codes, asked),
                             "oracle": solver_scores(oracle, asked)}
    return {"variants": variants}


#: ``diagnose``: an encoded object this near (m, box to box) to a truth object is on it.
NEAR = 0.3


def scale_left(code: SpatialCode, injected: float) -> float:
    """The scale error left in ``code``: the ``injected`` depth scale factor over the correction
    its calibration applied (1 without calibration)."""
    measured = code.provenance.config.get("calibration_measured") or {}
    return injected / measured.get("scale_correction", 1.0)


def diagnose(data: Path, variant: str, codes_dir: Path | None = None) -> dict:
    """See the module docstring (``diagnose``); ``codes_dir``: codes kept elsewhere (default the variant's)."""
    faults = VARIANTS[variant][0]
    if faults != "monocular":
        raise SystemExit(f"error: diagnose needs a variant with the monocular preset, not {variant!r}")
    preset = FaultConfig.preset(faults)
    oracle = {scene_key(c): c for c in iter_meta_info_dir(data / "meta_info")}
    codes = _variant_codes(variant, codes_dir)
    factors = {key: scale_left(code, depth_scale_factor(preset, zlib.crc32(key.encode()))) for key, code in codes.items()}
    objects = Counter()
    size_logs = []
    for key, code in codes.items():
        truth = oracle[key].objects
        objects["truth"] += len(truth)
        used: set[int] = set()
        for obj in code.objects:
            gap, index = min((box_distance(obj.box, t.box), i) for i, t in enumerate(truth))
            same = [i for i, t in enumerate(truth) if t.label == obj.label and box_distance(obj.box, t.box) <= NEAR]
            if gap > NEAR:
                objects["far"] += 1
            elif same and not used.issuperset(same):
                used.add(min(i for i in same if i not in used))
                objects["matched"] += 1
            else:
                objects["duplicate" if same else "other_label"] += 1
        objects["missed"] += len(truth) - len(used)
        for t in truth:
            mates = [o for o in code.objects if o.label == t.label]
            if mates:
                mate = min(mates, key=lambda o: float(np.linalg.norm(np.subtract(o.box.center, t.box.center))))
                size_logs.append(math.log(max(mate.box.size) / factors[key] / max(t.box.size)))
    asked = _asked(data, codes)
    reference = solver_scores(oracle, asked)["full"]["scores"]
    rescaled = {key: code.scaled(1.0 / factors[key]) for key, code in codes.items()}
    truth_scaled = {key: oracle[key].scaled(factors[key]) for key in codes}
    shares = {}
    for name, table in (("encoded", solver_scores(codes, asked)), ("true_scale", solver_scores(rescaled, asked)),
                        ("truth_at_code_scale", solver_scores(truth_scaled, asked))):
        shares[name] = {task: 100 * value / reference[task] for task, value in table["full"]["scores"].items()
                        if reference.get(task)}
    logs = np.asarray(size_logs)
    return {"variant": variant, "codes": str(codes_dir or RUNS / "codes" / variant), "scenes": len(codes),
            "objects": dict(objects), "near_m": NEAR, "camera": camera_errors(codes, factors),
            "placement": placement_errors(codes, factors, oracle),
            "size_log_ratio": {"n": len(logs), "median": float(np.median(logs)), "q25": float(np.quantile(logs, 0.25)),
                               "q75": float(np.quantile(logs, 0.75)),
                               "within_10_percent": float(np.mean(np.abs(np.exp(logs) - 1) < 0.1))},
            "share_of_oracle": shares}


#: ``prior``: camera-height priors tried (m): the default 1.28 and a population holding its phone
#: up to 12 cm lower or higher.
PRIORS = (1.16, 1.22, 1.28, 1.34, 1.40)


def prior_shift(data: Path) -> dict:
    """The scale calibration re-applied to the *monocular-uncalibrated* codes with each of
    ``PRIORS`` as the camera-height prior (the camera height each *monocular-robust* code measured,
    the furniture of the uncalibrated code): the median |log scale error| and the solver's share
    of the oracle on size and absolute distance — how much the result rests on the prior."""
    uncalibrated, measured = _variant_codes("monocular-uncalibrated"), _variant_codes("monocular-robust")
    keys = sorted(set(uncalibrated) & set(measured))
    if not keys:
        raise SystemExit("error: prior needs codes of both monocular-uncalibrated and monocular-robust")
    oracle = {scene_key(c): c for c in iter_meta_info_dir(data / "meta_info")}
    asked = _asked(data, {key: uncalibrated[key] for key in keys})
    reference = solver_scores(oracle, asked)["full"]["scores"]
    preset = FaultConfig.preset("monocular")
    rows = []
    for prior in PRIORS:
        config = replace(MONOCULAR_ENCODER.calibration, enabled=True, camera_height_prior=prior)
        codes, errors = {}, []
        for key in keys:
            height = (measured[key].provenance.config.get("calibration_measured") or {}).get("camera_height")
            correction = estimate_scale(uncalibrated[key].objects, config, height).correction
            codes[key] = uncalibrated[key].scaled(1.0 / correction)
            errors.append(abs(math.log(depth_scale_factor(preset, zlib.crc32(key.encode())) / correction)))
        scores = solver_scores(codes, asked)["full"]["scores"]
        rows.append({"prior_m": prior, "median_abs_log_scale_error": float(np.median(errors)),
                     **{task: 100 * scores[task] / reference[task] for task in ("object_size_estimation", "object_abs_distance")}})
    return {"scenes": len(keys), "rows": rows}


def prior_markdown(doc: dict) -> str:
    """The ``prior`` figures as a table."""
    lines = [f"# The scale calibration with the camera-height prior shifted ({doc['scenes']} dev layouts)", "",
             "| prior (m) | median \\|log scale error\\| | object size / oracle | absolute distance / oracle |",
             "|---:|---:|---:|---:|"]
    lines += [f"| {r['prior_m']:.2f} | {r['median_abs_log_scale_error']:.3f} | {r['object_size_estimation']:.1f} % | "
              f"{r['object_abs_distance']:.1f} % |" for r in doc["rows"]]
    return "\n".join(lines) + "\n"


def diagnose_markdown(doc: dict) -> str:
    """The ``diagnose`` figures as a short report."""
    o, size = doc["objects"], doc["size_log_ratio"]
    lines = [f"# Where the {doc['variant']} codes go wrong ({doc['scenes']} dev layouts)", "",
             f"Objects (within {doc['near_m']} m of a truth box): {o.get('truth', 0)} truth objects, "
             f"{o.get('matched', 0)} matched, {o.get('missed', 0)} missed; extras: {o.get('duplicate', 0)} same-label "
             f"duplicates, {o.get('other_label', 0)} other-label objects on a truth object, {o.get('far', 0)} farther.", "",
             f"Longest side vs the truth, scale error removed (n = {size['n']}): median log ratio "
             f"{size['median']:+.3f} (quartiles {size['q25']:+.3f}, {size['q75']:+.3f}); within 10 %: "
             f"{100 * size['within_10_percent']:.0f} %.", "",
             f"Cameras against the true poses, scale error removed ({doc['camera']['frames']} frames; median / 90th "
             "percentile): tilt " + " / ".join(f"{doc['camera']['tilt_deg'][k]:.2f}°" for k in ("median", "q90")) +
             ", height " + " / ".join(f"{doc['camera']['height_m'][k]:.3f} m" for k in ("median", "q90")) +
             ", across the floor " + " / ".join(f"{doc['camera']['across_m'][k]:.3f} m" for k in ("median", "q90")) + ".",
             "", placement_line(doc["placement"]), "",
             "| task | encoded / oracle | with the true scale / oracle | the truth at the code's scale / oracle |",
             "|---|---:|---:|---:|"]
    shares = doc["share_of_oracle"]
    for task, value in shares["encoded"].items():
        lines.append(f"| {task} | {value:.1f} % | {shares['true_scale'][task]:.1f} % | "
                     f"{shares['truth_at_code_scale'][task]:.1f} % |")
    return "\n".join(lines) + "\n"


def placement_line(placement: dict) -> str:
    """The ``placement_errors`` figures as one sentence."""
    if not placement["n"]:
        return "Boxes against the truth along the direction from the cameras: no object placed."
    return (f"Boxes against the truth along the direction from the middle of the camera path to each object, scale "
            f"error removed (n = {placement['n']}; median, + = away from the cameras): centre "
            f"{100 * placement['centre_m']:+.1f} cm, nearest face {100 * placement['near_face_m']:+.1f} cm, farthest "
            f"face {100 * placement['far_face_m']:+.1f} cm.")


def markdown(doc: dict) -> str:
    """Per-task table: each variant's score and its share of the oracle code's score on the same
    questions."""
    variants = doc["variants"]
    lines = ["# Encoded VSI-Bench dev scenes: solver QA vs the oracle code", "",
             "Scenes / questions: " + ", ".join(f"{v} {d['scenes']} / {d['questions']}" for v, d in variants.items()),
             "", "| task | " + " | ".join(f"{v} (oracle) | {v} / oracle" for v in variants) + " |",
             "|---|" + "---:|---:|" * len(variants)]
    for task in (*TASKS[:4], "object_rel_direction"):
        cells = []
        for d in variants.values():
            value, oracle = _task_score(d["encoded"], task), _task_score(d["oracle"], task)
            if value is None or oracle is None:
                cells += ["—", "—"]
                continue
            cells += [f"{value[0]:.1f} ({oracle[0]:.1f}, n={oracle[1]})",
                      f"{100 * value[0] / oracle[0]:.1f} %" if oracle[0] else "—"]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _task_score(table: dict, task: str) -> tuple[float, int] | None:
    """(score ×100, n) of ``task`` in an aggregated score table's dict form."""
    value = table["full"]["scores"].get(task)
    return None if value is None else (value, table["full"]["counts"].get(task, 0))


def _shard(text: str) -> tuple[int, int]:
    """``"I/K"`` → (I, K) with 0 ≤ I < K; anything else is an argparse error (one line)."""
    index, sep, count = text.partition("/")
    if not (sep and index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise argparse.ArgumentTypeError(f"expected I/K with 0 <= I < K (e.g. 0/2), got {text!r}")
    return int(index), int(count)


def _variants(text: str) -> tuple[str, ...]:
    """``"clean,faulty"`` → the variant names; an unknown one is an argparse error (one line)."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in VARIANTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown variant(s) {', '.join(unknown) or '(none given)'}; "
                                         f"expected some of {', '.join(VARIANTS)}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("section", choices=("run", "score", "diagnose", "prior"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "vsibench-dev")
    parser.add_argument("--limit", type=int, default=None, help="at most this many new scenes")
    parser.add_argument("--every", type=int, default=1, help="every N-th scene of the sorted list")
    parser.add_argument("--shard", default="0/1", type=_shard, help="I/K: the scenes not done yet at positions I modulo K")
    parser.add_argument("--variants", default=",".join(DEFAULT_VARIANTS), type=_variants,
                        help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--codes", type=Path, default=None,
                        help="diagnose: the variant's codes kept in this folder (<dataset>/<scene>.json)")
    args = parser.parse_args()
    if args.section == "diagnose":
        RESULTS.mkdir(parents=True, exist_ok=True)
        for variant in args.variants:
            doc = {**diagnose(args.data, variant, args.codes), "date": time.strftime("%Y-%m-%d"),
                   "command": " ".join(sys.argv), "code_version": code_version()}
            name = variant if args.codes is None else f"{variant}_{args.codes.name}"
            (RESULTS / f"encoder_dev_diagnose_{name}.json").write_text(json.dumps(doc, indent=1) + "\n")
            text = diagnose_markdown(doc)
            (RESULTS / f"encoder_dev_diagnose_{name}.md").write_text(text)
            print(text)
        return
    if args.section == "prior":
        RESULTS.mkdir(parents=True, exist_ok=True)
        doc = {**prior_shift(args.data), "date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv),
               "code_version": code_version()}
        (RESULTS / "encoder_dev_calibration_prior.json").write_text(json.dumps(doc, indent=1) + "\n")
        text = prior_markdown(doc)
        (RESULTS / "encoder_dev_calibration_prior.md").write_text(text)
        print(text)
        return
    if args.section == "run":
        run(args.data, args.limit, args.every, args.shard, args.variants)
    doc = {**score(args.data), "date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv),
           "code_version": code_version()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "encoder_dev_qa.json").write_text(json.dumps(doc, indent=1) + "\n")
    text = markdown(doc)
    (RESULTS / "encoder_dev_qa.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
