"""Pose estimation (RGB-D odometry) on held-out procedural scenes: accuracy and speed.

Usage:
    .venv/bin/python benchmarks/pose_estimation.py [--scenes 3] [--max-frames N] [--strides 1,2]
        [--downsamples 1,2] [--render-dir DIR] [--out FILE]

For each held-out scene (``scene_seed("test", i, 0)``) a walkthrough is rendered at 640×480
with the default :class:`RenderConfig` (10 frames/s; rgb.mp4 + millimetre depth, as the encoder
reads them) into a temporary directory (or ``--render-dir``, reused when already rendered).
Poses are then estimated with the default :class:`OdometryConfig`, starting from the true first
pose, at each ``downsample`` (1: 640×480, 2: 320×240) and frame ``stride`` (2: 5 frames/s, twice
the motion per frame), and compared with the true trajectory in ``scene.json``: ATE RMSE and max
position error after a rigid alignment, mean rotation error, RPE over consecutive processed
frames, failures, keyframes, and the estimator's own speed (frames/s; decoding excluded).

``--max-frames`` caps the render: the renderer then *compresses* the whole path into that many
frames (faster turns and jumps between frames), which is a different, harder input.

Writes ``benchmarks/results/pose_estimation.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from spatialcode.bench import code_version
from spatialcode.encode import RenderFolderSource
from spatialcode.encode.poses import OdometryConfig, PoseEstimator, trajectory_errors
from spatialcode.scene import CameraPose, SpatialCode
from spatialcode.synth import RenderConfig, generate_scene, render_scene
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.dataset import scene_seed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def render(index: int, folder: Path, config: RenderConfig) -> dict:
    """Render held-out scene ``index`` into ``folder`` unless it is already there; return its facts."""
    seed = scene_seed("test", index, 0)
    facts: dict = {"scene_seed": seed}
    if not (folder / "scene.json").is_file():
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            render_scene(generate_scene(seed), folder, config, progress=False)
        facts["render_seconds"] = round(time.perf_counter() - start, 1)
        facts["render_warnings"] = [str(w.message) for w in caught]
    return facts


def motion_stats(poses: list[CameraPose]) -> dict:
    """Camera motion between consecutive poses: mean and max step (m), mean and max turn (deg)."""
    positions = np.array([p.position for p in poses])
    rotations = Rotation.from_quat([p.quaternion for p in poses])
    steps = np.linalg.norm(np.diff(positions, axis=0), axis=1)
    turns = np.degrees((rotations[:-1].inv() * rotations[1:]).magnitude())
    return {"step_mean_m": round(float(steps.mean()), 4), "step_max_m": round(float(steps.max()), 4),
            "turn_mean_deg": round(float(turns.mean()), 2), "turn_max_deg": round(float(turns.max()), 2),
            "path_m": round(float(steps.sum()), 2)}


def estimate(folder: Path, truth: list[CameraPose], config: OdometryConfig, stride: int) -> dict:
    """Run the estimator over the render at ``stride``; errors against ``truth`` and speed."""
    truth = truth[::stride]
    estimator = PoseEstimator(config, truth[0])
    poses, seconds = [], 0.0
    for frame in RenderFolderSource(folder, stride=stride):
        start = time.perf_counter()
        poses.append(estimator.update(frame))
        seconds += time.perf_counter() - start
    errors = trajectory_errors(poses, truth)
    unaligned = trajectory_errors(poses, truth, align=False)
    return {
        "frames": len(poses), "stride": stride, "downsample": config.downsample,
        **errors.to_dict(), "ate_rmse_unaligned": unaligned.ate_rmse, "max_error_unaligned": unaligned.max_error,
        "failures": estimator.failures, "keyframes": estimator.keyframe_count,
        "seconds": round(seconds, 2), "frames_per_second": round(len(poses) / seconds, 2),
    }


def markdown(rows: list[dict]) -> str:
    """The result rows as a markdown table."""
    lines = ["| scene | size | stride | frames | ATE RMSE (cm) | max err (cm) | unaligned ATE (cm) | rot err (°) "
             "| RPE (mm / °) | failures | keyframes | frames/s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        size = f"{640 // r['downsample']}×{480 // r['downsample']}"
        lines.append(
            f"| {r['scene']} | {size} | {r['stride']} | {r['frames']} | {100 * r['ate_rmse']:.2f} | "
            f"{100 * r['max_error']:.2f} | {100 * r['ate_rmse_unaligned']:.2f} | {r['mean_rotation_deg']:.2f} | "
            f"{1000 * r['rpe_translation']:.2f} / {r['rpe_rotation_deg']:.3f} | {r['failures']} | {r['keyframes']} | "
            f"{r['frames_per_second']:.1f} |")
    return "\n".join(lines)


def run(args: argparse.Namespace, render_root: Path) -> dict:
    """Render (or reuse) each scene and estimate its poses for every downsample × stride."""
    render_config = RenderConfig(path=PathConfig(max_frames=args.max_frames))
    scenes, rows = [], []
    for index in range(args.scenes):
        folder = render_root / f"scene{index}"
        facts = render(index, folder, render_config)
        truth = SpatialCode.load(folder / "scene.json").camera
        facts.update(scene=index, frames=len(truth), motion=motion_stats(truth))
        scenes.append(facts)
        for downsample in args.downsamples:
            for stride in args.strides:
                row = {"scene": index, **estimate(folder, truth, OdometryConfig(downsample=downsample), stride)}
                rows.append(row)
                print(markdown([row]).splitlines()[-1], flush=True)
    return {"render_config": render_config.to_dict(), "odometry_config": asdict(OdometryConfig()),
            "scenes": scenes, "results": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", type=int, default=3)
    parser.add_argument("--max-frames", type=int, default=None)
    parser.add_argument("--strides", default="1,2", help="comma-separated frame strides")
    parser.add_argument("--downsamples", default="1,2", help="comma-separated downsample factors")
    parser.add_argument("--render-dir", type=Path, default=None, help="keep / reuse renders here")
    parser.add_argument("--out", type=Path, default=RESULTS / "pose_estimation.json", help="JSON result file")
    args = parser.parse_args()
    args.strides = [int(s) for s in args.strides.split(",")]
    args.downsamples = [int(s) for s in args.downsamples.split(",")]
    started = time.perf_counter()
    if args.render_dir is not None:
        doc = run(args, args.render_dir)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            doc = run(args, Path(tmp))
    doc = {"command": " ".join(["python", *sys.argv]), "date": time.strftime("%Y-%m-%d"), "code_version": code_version(),
           "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
           "total_seconds": round(time.perf_counter() - started, 1), **doc}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print()
    print(markdown(doc["results"]))
    print(f"\nwrote {args.out} ({doc['total_seconds']} s)")


if __name__ == "__main__":
    main()
