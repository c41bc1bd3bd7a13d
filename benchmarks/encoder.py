"""The geometric encoder on held-out procedural scenes: accuracy against the ground truth, with
and without faults, revisits, and speed per stage.

Usage:
    .venv/bin/python benchmarks/encoder.py accuracy [--scenes 10] [--faults none] [--inject none] [--poses given|estimate|refine]
    .venv/bin/python benchmarks/encoder.py curves [--scenes 4] [--poses given] [--only FAULT]
    .venv/bin/python benchmarks/encoder.py refine [--scenes 5]
    .venv/bin/python benchmarks/encoder.py revisit [--scenes 10]
    .venv/bin/python benchmarks/encoder.py speed [--scenes 3] [--stream-frames 10000]
    .venv/bin/python benchmarks/encoder.py report

Scenes are the test split of seed 0 (``scene_seed("test", i, 0)``), rendered once at 640×480
(default settings, the fault preset or NAME=VALUE settings given) into
``runs/encoder_renders/<faults>/<seed>`` and reused. Each is encoded with the ground-truth
masks and the poses in ``frames.json`` (which drift when the pose_drift fault is on) and compared
with ``scene.json`` by :func:`~spatialcode.encode.compare.compare_codes` (objects the video never
shows are left out and counted; matched = 3D IoU ≥ 0.5 one-to-one per label; counts per
category; centre, yaw mod 90° and first_seen errors; room floor area error).

``--faults`` renders with the faults (``realistic``, or NAME=VALUE settings); ``--inject`` applies
them at encode time to the clean render instead (:class:`~spatialcode.encode.FaultySource`,
no grazing-angle dropout); ``--poses estimate`` replaces the reported poses by RGB-D odometry
on the (faulty) depth, anchored at the first pose (:class:`~spatialcode.encode.EstimatedPoseSource`);
``--poses refine`` refines the reported (drifting) poses against the map of the earlier frames
(:class:`~spatialcode.encode.MapAlignedPoseSource`).

``refine``: the reported (drifting) poses of the ``realistic`` renders refined against the map
(:class:`~spatialcode.encode.MapAlignedPoseSource`): trajectory error before and after, against
the true camera path, and the refinement's speed.

``revisit``: each render's frames fed twice in a row (the tour repeated): the counts must not
change. ``speed``: frames/s of :meth:`Encoder.update` per scene with the split per stage
(perception = reading the given masks), and a 10,000-frame stream (the first render read from
disk over and over) with its encoding time and peak memory every 1,000 frames.

``curves``: degradation per fault — each fault alone at increasing strength, injected into the
clean renders of the first ``--scenes`` scenes — plotted to ``benchmarks/results/encoder_curve_<fault>.png``
(``encoder_curve_<fault>_refined-poses.png`` with ``--poses refine``; ``--only`` one fault).

Results go to ``benchmarks/results/encoder_<section>_<faults>.json`` and the summary table to
``benchmarks/results/encoder.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from spatialcode.bench import code_version
from spatialcode.core.config import apply_overrides, build_config
from spatialcode.encode import POSE_MODES, FaultySource, MapAlignedPoseSource, pose_source, trajectory_errors
from spatialcode.encode.compare import compare_codes, summarise_comparisons
from spatialcode.encode.encoder import Encoder, encode
from spatialcode.encode.frames import RenderFolderSource
from spatialcode.scene import SpatialCode
from spatialcode.synth import FaultConfig, RenderConfig, generate_scene, render_scene
from spatialcode.synth.dataset import scene_seed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
RENDERS = ROOT / "runs" / "encoder_renders"


def fault_config(faults: str) -> FaultConfig:
    """A preset name, or comma-separated NAME=VALUE settings."""
    if faults in ("none", "realistic", "monocular"):
        return FaultConfig.preset(faults)
    return build_config(FaultConfig, apply_overrides({}, faults.split(",")))


def setting_name(faults: str, inject: str, poses: str) -> str:
    """File-name part of an accuracy setting."""
    name = faults.replace("=", "-").replace(",", "+")
    if inject != "none":
        name += "_inject-" + inject.replace("=", "-").replace(",", "+")
    return name + {"given": "", "estimate": "_estimated-poses", "refine": "_refined-poses"}[poses]


def rendered(index: int, faults: str) -> Path:
    """The render folder of held-out scene ``index`` with ``faults`` (rendered when missing)."""
    seed = scene_seed("test", index, 0)
    out = RENDERS / faults.replace("=", "-").replace(",", "+") / str(seed)
    if not (out / "scene.json").is_file():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            render_scene(generate_scene(seed), out, RenderConfig(faults=fault_config(faults)), progress=False)
    return out


def encode_render(folder: Path, inject: str = "none", poses: str = "given") -> tuple[SpatialCode, dict]:
    """Encode one render with ground-truth masks, ``inject``-ed faults and the ``poses`` mode
    (:data:`~spatialcode.encode.POSE_MODES`); the code and the timing row."""
    source = RenderFolderSource(folder, rgb=False)
    if inject != "none":
        source = FaultySource(source, fault_config(inject), seed=int(folder.name))
    source = pose_source(source, poses)
    start = time.perf_counter()
    code, times = encode(source)
    return code, {"frames": times.frames, "seconds": time.perf_counter() - start, "ms_per_frame": times.per_frame_ms()}


def bench_accuracy(scenes: int, faults: str, inject: str = "none", poses: str = "given") -> dict:
    rows = []
    for i in range(scenes):
        folder = rendered(i, faults)
        truth = SpatialCode.load(folder / "scene.json")
        code, timing = encode_render(folder, inject, poses)
        row = {**compare_codes(truth, code), **timing}
        rows.append(row)
        print(f"scene {i}: {row['matched']}/{row['objects']} matched, counts {sum(row['counts_exact'].values())}/"
              f"{len(row['counts_exact'])}, room {row['room_rel_error']}", file=sys.stderr)
    return {"faults": faults, "inject": inject, "poses": poses, "summary": summarise_comparisons(rows), "scenes": rows}


#: Fault strengths of the degradation curves (each fault alone; 0 = clean).
CURVES = {
    "depth_noise": [0.0, 0.0025, 0.005, 0.01, 0.02],
    "pose_drift": [0.0, 0.01, 0.02, 0.05, 0.1],
    "missed_detection": [0.0, 0.1, 0.2, 0.4, 0.6],
    "mask_erosion": [0, 1, 2, 4, 6],
    "label_confusion": [0.0, 0.05, 0.1, 0.2, 0.4],
}


def bench_curves(scenes: int, poses: str = "given", only: str | None = None) -> dict:
    """Accuracy per fault strength (see :data:`CURVES`; ``only`` one fault), encoded with the
    ``poses`` mode; the pose-drift curve turns ``pose_drift_deg = 20 × pose_drift`` degrees/√s
    with it (the ``realistic`` preset's ratio)."""
    curves: dict[str, list[dict]] = {}
    truths = [SpatialCode.load(rendered(i, "none") / "scene.json") for i in range(scenes)]
    suffix = setting_name("none", "none", poses)[len("none"):]

    def rows_for(settings: str) -> list[dict]:
        return [compare_codes(truth, encode_render(rendered(i, "none"), settings, poses)[0])
                for i, truth in enumerate(truths)]

    clean = rows_for("none")
    for fault, levels in CURVES.items():
        if only is not None and fault != only:
            continue
        for level in levels:
            settings = f"{fault}={level}" + (f",pose_drift_deg={20 * level}" if fault == "pose_drift" else "")
            rows = rows_for(settings) if level else clean
            curves.setdefault(fault, []).append({"level": level, **summarise_comparisons(rows)})
            print(f"{settings}: {curves[fault][-1]['matched_iou50']:.3f} matched, "
                  f"{curves[fault][-1]['counts_exact']:.3f} counts", file=sys.stderr)
        plot_curve(fault, curves[fault], suffix)
        # after each fault: a partial run keeps its curves
        _save("curves" + suffix, {"scenes": scenes, "poses": poses, "curves": curves})
    return {"scenes": scenes, "poses": poses, "curves": curves}


def plot_curve(fault: str, points: list[dict], suffix: str = "") -> None:
    """PNG of matched (IoU ≥ 0.5), counts exact and median centre error against the strength
    (file name ``encoder_curve_<fault><suffix>.png``; the suffix names the poses mode)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    x = [p["level"] for p in points]
    figure = Figure(figsize=(5.5, 3.6))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(x, [100 * p["matched_iou50"] for p in points], "o-", label="matched IoU≥0.5 (%)")
    axes.plot(x, [100 * p["counts_exact"] for p in points], "s-", label="counts exact (%)")
    axes.set_ylim(0, 100)
    axes.set_xlabel(fault)
    axes.set_ylabel("%")
    right = axes.twinx()
    centre = [100 * p["median_centre_error_m"] if p["median_centre_error_m"] is not None else float("nan")
              for p in points]  # no matched object: no point
    right.plot(x, centre, "^--", color="tab:red", label="median centre error (cm, matched objects)")
    right.set_ylabel("cm")
    right.set_ylim(bottom=0)
    lines = axes.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    axes.legend(lines[0] + more[0], lines[1] + more[1], loc="lower left", fontsize=8)
    poses = f", {suffix.strip('_').replace('-', ' ')}" if suffix else ""
    axes.set_title(f"Geometric encoder vs {fault} ({points[0]['scenes']} held-out scenes{poses})", fontsize=9)
    figure.tight_layout()
    figure.savefig(RESULTS / f"encoder_curve_{fault}{suffix}.png", dpi=110)


def bench_refine(scenes: int) -> dict:
    """Pose refinement on the realistic renders (reported poses drifting 1 cm/√s, 0.2°/√s):
    trajectory error of the reported and of the refined poses against the truth (no alignment:
    both start at the true first pose), the refinement's own speed (a pass with refinement minus
    a pass that only reads the frames) and what it accepted."""
    rows = []
    for i in range(scenes):
        folder = rendered(i, "realistic")
        truth = list(SpatialCode.load(folder / "scene.json").camera)
        start = time.perf_counter()
        reported_poses = [frame.pose for frame in RenderFolderSource(folder, rgb=False)]
        reading = time.perf_counter() - start
        refined = MapAlignedPoseSource(RenderFolderSource(folder, rgb=False))
        start = time.perf_counter()
        poses = [frame.pose for frame in refined]
        seconds = time.perf_counter() - start - reading
        reported = trajectory_errors(reported_poses, truth, align=False)
        after = trajectory_errors(poses, truth, align=False)
        rows.append({"seed": int(folder.name), "frames": len(poses), "frames_per_s": len(poses) / seconds,
                     "reported": reported.to_dict(), "refined": after.to_dict(), "report": asdict(refined.report)})
        print(f"{folder.name}: ATE {100 * reported.ate_rmse:.1f} → {100 * after.ate_rmse:.1f} cm, max "
              f"{100 * reported.max_error:.1f} → {100 * after.max_error:.1f} cm, rotation "
              f"{reported.mean_rotation_deg:.2f} → {after.mean_rotation_deg:.2f}°, {rows[-1]['frames_per_s']:.0f} frames/s",
              file=sys.stderr)
    return {"scenes": rows}


def bench_revisit(scenes: int) -> dict:
    """Encode each render's frames twice in a row (the tour repeated): counts must not change."""
    rows = []
    for i in range(scenes):
        folder = rendered(i, "none")
        frames = list(RenderFolderSource(folder, rgb=False))
        duration = frames[-1].t + 1.0 / 10.0
        encoder = Encoder()
        for frame in frames:
            encoder.update(frame)
        once = Counter(o.label for o in encoder.code().objects)
        for frame in frames:
            frame.t += duration
            frame.index += len(frames)
            encoder.update(frame)
        twice = Counter(o.label for o in encoder.code().objects)
        rows.append({"scene": str(folder.name), "once": dict(once), "twice": dict(twice), "same": once == twice})
        print(f"scene {i}: same counts {once == twice}", file=sys.stderr)
    return {"scenes": rows, "same_counts": sum(r["same"] for r in rows) / len(rows)}


def bench_speed(scenes: int, repeat_to: int) -> dict:
    """A ``repeat_to``-frame stream first (the first render read from disk again and again, so
    the process holds one frame at a time: its peak memory is the encoder's), then per-stage
    speed on whole renders held in memory (decoding excluded)."""
    source = RenderFolderSource(rendered(0, "none"), rgb=False)
    encoder = Encoder()
    marks = []
    stream_s = 0.0
    n = 0
    while n < repeat_to:
        for frame in source:
            if n == repeat_to:
                break
            frame.t, frame.index = n / 10.0, n
            start = time.perf_counter()
            encoder.update(frame)
            stream_s += time.perf_counter() - start
            n += 1
            if n % 1000 == 0:
                marks.append({"frames": n, "seconds": stream_s,
                              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0})
                print(f"stream: {n} frames, {stream_s:.0f} s, {marks[-1]['peak_rss_mb']:.0f} MB", file=sys.stderr)
    start = time.perf_counter()
    objects = len(encoder.code().objects)
    stream = {"stream_frames": repeat_to, "stream_fps": repeat_to / stream_s, "stream_marks": marks,
              "stream_code_seconds": time.perf_counter() - start, "stream_objects": objects,
              "stream_ms_per_frame": encoder.times.per_frame_ms()}
    rows = []
    for i in range(scenes):
        frames = list(RenderFolderSource(rendered(i, "none"), rgb=False))
        encoder = Encoder()
        start = time.perf_counter()
        for frame in frames:
            encoder.update(frame)
        update_s = time.perf_counter() - start
        start = time.perf_counter()
        encoder.code()
        code_s = time.perf_counter() - start
        rows.append({"frames": len(frames), "fps_update": len(frames) / update_s, "code_seconds": code_s,
                     "ms_per_frame": encoder.times.per_frame_ms()})
        print(f"scene {i}: {rows[-1]['fps_update']:.1f} frames/s, code() {code_s:.2f} s", file=sys.stderr)
    fps = sum(r["frames"] for r in rows) / sum(r["frames"] / r["fps_update"] for r in rows)
    return {"scenes": rows, "fps_update": fps, **stream}


def _save(name: str, doc: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {**doc, "date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv), "code_version": code_version()}
    (RESULTS / f"encoder_{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


def report() -> str:
    """Markdown table of the saved accuracy results (one row per fault setting)."""
    lines = ["# Geometric encoder on held-out procedural scenes", "",
             "| faults (render / injected / poses) | scenes | objects | matched IoU≥0.5 | IoU≥0.25 | counts exact | median centre err | "
             "median yaw err | first_seen ≤0.5 s | median room area err |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for path in sorted(RESULTS.glob("encoder_accuracy_*.json")):
        doc = json.loads(path.read_text())
        s = doc["summary"]
        lines.append(
            f"| {doc['faults']} / {doc.get('inject', 'none')} / {doc.get('poses', 'given')} | {s['scenes']} | {s['objects']} | {100 * s['matched_iou50']:.1f} % | "
            f"{100 * s['matched_iou25']:.1f} % | {100 * s['counts_exact']:.1f} % | "
            f"{100 * (s['median_centre_error_m'] or 0):.1f} cm | {s['median_yaw_error_deg'] or 0:.1f}° | "
            f"{100 * s['first_seen_within_0.5s']:.1f} % | {100 * (s['median_room_rel_error'] or 0):.1f} % |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="section", required=True)
    a = sub.add_parser("accuracy")
    a.add_argument("--scenes", type=int, default=10)
    a.add_argument("--faults", default="none", help="render with: none, realistic, or NAME=VALUE[,NAME=VALUE]")
    a.add_argument("--inject", default="none", help="inject at encode time: none, realistic, or NAME=VALUE[,...]")
    a.add_argument("--poses", choices=POSE_MODES, default="given")
    c = sub.add_parser("curves")
    c.add_argument("--scenes", type=int, default=4)
    c.add_argument("--poses", choices=POSE_MODES, default="given")
    c.add_argument("--only", choices=tuple(CURVES), default=None, help="just this fault's curve")
    f = sub.add_parser("refine")
    f.add_argument("--scenes", type=int, default=5)
    r = sub.add_parser("revisit")
    r.add_argument("--scenes", type=int, default=10)
    s = sub.add_parser("speed")
    s.add_argument("--scenes", type=int, default=3)
    s.add_argument("--stream-frames", type=int, default=10_000)
    sub.add_parser("report")
    args = parser.parse_args()
    if args.section == "accuracy":
        doc = bench_accuracy(args.scenes, args.faults, args.inject, args.poses)
        _save(f"accuracy_{setting_name(args.faults, args.inject, args.poses)}", doc)
        print(json.dumps(doc["summary"], indent=1))
    elif args.section == "curves":
        bench_curves(args.scenes, args.poses, args.only)
    elif args.section == "refine":
        _save("refine", bench_refine(args.scenes))
    elif args.section == "revisit":
        doc = bench_revisit(args.scenes)
        _save("revisit", doc)
        print(f"same counts: {100 * doc['same_counts']:.0f} %")
    elif args.section == "speed":
        doc = bench_speed(args.scenes, args.stream_frames)
        _save("speed", doc)
        print(json.dumps({k: v for k, v in doc.items() if k != "scenes"}, indent=1))
    text = report()
    (RESULTS / "encoder.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
