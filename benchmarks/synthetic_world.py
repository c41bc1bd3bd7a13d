"""Synthetic world: dataset generation speed and answer agreement, render speed and exactness,
and rendering every VSI-Bench dev scene.

Usage:
    .venv/bin/python benchmarks/synthetic_world.py generate [--scenes 1000]
    .venv/bin/python benchmarks/synthetic_world.py render [--scenes 5]
    .venv/bin/python benchmarks/synthetic_world.py dev [--data ../shared/data/vsibench-dev] [--width 320 --height 240]
    .venv/bin/python benchmarks/synthetic_world.py report

``generate``: writes N procedural scenes with their questions (``write_dataset``, train/test
split), timed; then reads the written questions back from disk, parses each one with the
VSI-Bench parser and answers it with the solver from the stored scene, scoring with the official
metric (the agreement must be 100 %).

``render``: renders held-out procedural scenes (test-split seeds) at 640×480 with the default
settings, timing the render loop and the whole call, and lifts every 10th frame's depth with its
pose to count the object pixels that land inside their ground-truth box (1 cm tolerance).

``dev``: converts the VSI-Bench dev annotations, renders every scene (resumable: one JSON line
per scene in ``runs/dev_renders/results.jsonl``; rendered files are deleted unless ``--keep``),
and records failures and never-seen objects with the reason.

``report``: gathers the three into ``benchmarks/results/synthetic_world.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

from spatialcode.bench import code_version, load_questions, score_question
from spatialcode.formats.vsibench_meta import iter_meta_info_dir
from spatialcode.geometry.points import points_in_box
from spatialcode.questions.vsibench import parse_question
from spatialcode.reason.solver import Solver
from spatialcode.scene import SpatialCode
from spatialcode.synth import RenderConfig, backproject, generate_scene, load_frames, render_scene
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.dataset import scene_seed, write_dataset
from spatialcode.synth.render import unseen_reason

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEV_RUNS = ROOT / "runs" / "dev_renders"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _save(name: str, doc: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"synthetic_world_{name}.json"
    doc = {**doc, "date": time.strftime("%Y-%m-%d"), "code_version": code_version(), "command": " ".join(sys.argv)}
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


# ------------------------------------------------------------------------------------------------
def bench_generate(scenes: int, seed: int) -> dict:
    """Time ``write_dataset`` for ``scenes`` scenes, then check every written question."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ds"
        start = time.perf_counter()
        summary = write_dataset(out, scenes, seed, {"train": 0.9, "test": 0.1})
        seconds = time.perf_counter() - start

        questions = load_questions(out / "questions.jsonl")
        codes = {p.stem: SpatialCode.load(p) for p in (out / "scenes").glob("*.json")}
        solver = Solver()
        parse_failures, disagreements = [], []
        check_start = time.perf_counter()
        for q in questions:
            try:
                parse_question(q.question, q.options, q.question_type)
            except Exception as err:  # noqa: BLE001 - recorded and reported
                parse_failures.append({"id": q.id, "error": str(err)})
                continue
            answer = solver.answer_question(codes[q.scene_name], q.question, q.options, q.question_type)
            if score_question(q, answer.prediction) != 1.0:
                disagreements.append({"id": q.id, "task": q.question_type, "prediction": answer.prediction,
                                      "ground_truth": q.ground_truth})
        check_seconds = time.perf_counter() - check_start
    return {
        "scenes": summary.scenes,
        "questions": summary.questions,
        "per_task": summary.per_task,
        "failed_scenes": summary.failed_scenes,
        "seconds": seconds,
        "scenes_per_second": sum(summary.scenes.values()) / seconds,
        "checked_questions": len(questions),
        "parse_failures": parse_failures,
        "solver_disagreements": disagreements,
        "agreement": 1.0 - (len(parse_failures) + len(disagreements)) / max(len(questions), 1),
        "check_seconds": check_seconds,
    }


# ------------------------------------------------------------------------------------------------
def lift_check(out_dir: Path, code: SpatialCode, every: int = 10, tolerance: float = 0.01) -> dict:
    """Lift every ``every``-th frame's depth with its pose; count object pixels inside their box."""
    doc, depth, masks = load_frames(out_dir)
    boxes = {o.id: o.box for o in code.objects}
    inside = total = 0
    for frame, d, m in list(zip(doc["frames"], depth, masks))[::every]:
        points = backproject(d, frame)
        for obj_id in np.unique(m[m >= 0]):
            sel = (m == obj_id) & (d > 0)
            inside += int(points_in_box(boxes[int(obj_id)], points[sel], tolerance=tolerance).sum())
            total += int(sel.sum())
    return {"pixels": total, "inside": inside, "fraction": inside / total if total else None}


def bench_render(scenes: int, seed: int) -> dict:
    """Render ``scenes`` held-out procedural scenes at 640×480 and check them."""
    rows = []
    config = RenderConfig()
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(scenes):
            s = scene_seed("test", index, seed)
            code = generate_scene(s)
            out = Path(tmp) / f"scene{index}"
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = render_scene(code, out, config, progress=False)
            wall = time.perf_counter() - start
            lift = lift_check(out, result.code)
            rows.append({
                "scene_seed": s, "objects": len(code.objects), "frames": result.frame_count,
                "loop_seconds": result.seconds, "loop_fps": result.frames_per_second,
                "planning_seconds": result.planning_seconds, "wall_seconds": wall,
                "wall_fps": result.frame_count / wall, "unseen": result.unseen,
                "warnings": [str(w.message) for w in caught], "lift": lift,
                "mb_on_disk": sum(p.stat().st_size for p in out.iterdir()) / 1e6,
            })
            print(f"scene {index}: {result.frame_count} frames, {result.frames_per_second:.1f} fps loop, "
                  f"{rows[-1]['wall_fps']:.1f} fps wall, lift {lift['fraction']:.5f}", file=sys.stderr)
            shutil.rmtree(out)
    frames = sum(r["frames"] for r in rows)
    inside = sum(r["lift"]["inside"] for r in rows)
    pixels = sum(r["lift"]["pixels"] for r in rows)
    return {
        "config": config.to_dict(),
        "scenes": rows,
        "frames": frames,
        "loop_fps": frames / sum(r["loop_seconds"] for r in rows),
        "wall_fps": frames / sum(r["wall_seconds"] for r in rows),
        "lift_fraction": inside / pixels,
        "objects": sum(r["objects"] for r in rows),
        "unseen_objects": sum(len(r["unseen"]) for r in rows),
        "peak_rss_mb": _peak_rss_mb(),
    }


# ------------------------------------------------------------------------------------------------
def bench_dev(data: Path, width: int, height: int, keep: bool, limit: int | None) -> dict:
    """Render every dev scene (resumable), return the summary of all rows so far."""
    DEV_RUNS.mkdir(parents=True, exist_ok=True)
    results = DEV_RUNS / "results.jsonl"
    done = {}
    if results.exists():
        for line in results.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                done[row["scene"]] = row
    threshold = max(1, round(200 * width * height / (640 * 480)))
    config = RenderConfig(path=PathConfig(width=width, height=height, mask_threshold=threshold))
    codes = sorted(iter_meta_info_dir(data / "meta_info"), key=lambda c: (c.source.dataset, c.source.scene_name))
    todo = [c for c in codes if f"{c.source.dataset}/{c.source.scene_name}" not in done]
    if limit is not None:
        todo = todo[:limit]
    for i, code in enumerate(todo):
        key = f"{code.source.dataset}/{code.source.scene_name}"
        out = DEV_RUNS / code.source.dataset / code.source.scene_name
        start = time.perf_counter()
        row: dict = {"scene": key, "objects": len(code.objects)}
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = render_scene(code, out, config, progress=False)
            row.update(
                ok=True, frames=result.frame_count, loop_fps=result.frames_per_second,
                planning_seconds=result.planning_seconds, wall_seconds=time.perf_counter() - start,
                unseen=[{"id": k, "reason": unseen_reason(code, k, result.max_pixels[k], threshold)} for k in result.unseen],
                warnings=[str(w.message) for w in caught],
            )
        except Exception as err:  # noqa: BLE001 - a failed scene is recorded and the run goes on
            row.update(ok=False, error=f"{type(err).__name__}: {err}", traceback=traceback.format_exc(limit=3),
                       wall_seconds=time.perf_counter() - start)
        if not keep:
            shutil.rmtree(out, ignore_errors=True)
        with results.open("a") as f:
            f.write(json.dumps(row) + "\n")
        done[key] = row
        print(f"[{len(done)}/{len(codes)}] {key}: {'ok' if row['ok'] else row['error']}", file=sys.stderr)
    return summarise_dev(done, len(codes), config)


def summarise_dev(rows: dict, total: int, config: RenderConfig) -> dict:
    """Summary of the dev render rows."""
    ok = [r for r in rows.values() if r["ok"]]
    failed = [{"scene": r["scene"], "error": r["error"]} for r in rows.values() if not r["ok"]]
    unseen = [{"scene": r["scene"], **u} for r in ok for u in r["unseen"]]
    return {
        "config": {"width": config.path.width, "height": config.path.height, "mask_threshold": config.path.mask_threshold},
        "scenes_total": total, "scenes_done": len(rows), "scenes_ok": len(ok), "failed": failed,
        "objects": sum(r["objects"] for r in ok),
        "unseen_objects": unseen,
        "frames": sum(r["frames"] for r in ok),
        "loop_fps": sum(r["frames"] for r in ok) / max(sum(r["frames"] / r["loop_fps"] for r in ok), 1e-9),
        "wall_seconds": sum(r["wall_seconds"] for r in rows.values()),
    }


# ------------------------------------------------------------------------------------------------
def report() -> str:
    """Markdown summary of the saved results."""
    def load(name: str) -> dict | None:
        path = RESULTS / f"synthetic_world_{name}.json"
        return json.loads(path.read_text()) if path.exists() else None

    lines = ["# Synthetic world", ""]
    gen = load("generate")
    if gen:
        lines += [
            f"## Dataset generation ({gen['date']}: `{gen['command']}`)", "",
            f"- {sum(gen['scenes'].values())} scenes ({gen['scenes']}) and {sum(gen['questions'].values())} questions "
            f"in {gen['seconds']:.1f} s ({gen['scenes_per_second']:.0f} scenes/s); {len(gen['failed_scenes'])} scenes failed.",
            f"- Questions per task: {gen['per_task']}",
            f"- Read back, parsed with the VSI-Bench parser and answered by the solver: {gen['checked_questions']} "
            f"questions, {len(gen['parse_failures'])} parse failures, {len(gen['solver_disagreements'])} disagreements "
            f"→ agreement {100 * gen['agreement']:.2f} % ({gen['check_seconds']:.1f} s).", "",
        ]
    ren = load("render")
    if ren:
        lines += [
            f"## Rendering procedural scenes ({ren['date']}: `{ren['command']}`)", "",
            f"- {len(ren['scenes'])} held-out scenes, {ren['frames']} frames at "
            f"{ren['config']['path']['width']}×{ren['config']['path']['height']}: **{ren['loop_fps']:.1f} frames/s** render loop "
            f"(RGB + depth + masks, encoding and compression included), {ren['wall_fps']:.1f} frames/s for the whole "
            f"call (camera planning and scene building included); peak RSS {ren['peak_rss_mb']:.0f} MB.",
            f"- Depth lifted with the pose lands **{100 * ren['lift_fraction']:.3f} %** of object pixels inside their "
            f"ground-truth box (every 10th frame, 1 cm tolerance).",
            f"- Objects never reaching the first_seen threshold: {ren['unseen_objects']} of {ren['objects']}.", "",
            "| seed | objects | frames | loop fps | wall fps | planning s | lift % | MB on disk |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            *(f"| {r['scene_seed']} | {r['objects']} | {r['frames']} | {r['loop_fps']:.1f} | {r['wall_fps']:.1f} | "
              f"{r['planning_seconds']:.2f} | {100 * r['lift']['fraction']:.3f} | {r['mb_on_disk']:.0f} |" for r in ren["scenes"]),
            "",
        ]
    dev = load("dev")
    if dev:
        lines += [
            f"## Rendering every VSI-Bench dev scene ({dev['date']}: `{dev['command']}`)", "",
            f"- {dev['scenes_ok']}/{dev['scenes_total']} scenes rendered ({dev['scenes_done']} attempted) at "
            f"{dev['config']['width']}×{dev['config']['height']}, first_seen threshold {dev['config']['mask_threshold']} px; "
            f"{dev['frames']} frames at {dev['loop_fps']:.1f} frames/s; {dev['wall_seconds'] / 60:.0f} min in all.",
            f"- Failures: {len(dev['failed']) or 'none'}" + "".join(f"\n  - {f['scene']}: {f['error']}" for f in dev["failed"]),
            f"- Objects never seen: {len(dev['unseen_objects'])} of {dev['objects']}"
            + "".join(f"\n  - {u['scene']} #{u['id']}: {u['reason']}" for u in dev["unseen_objects"]),
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="section", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--scenes", type=int, default=1000)
    g.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("render")
    r.add_argument("--scenes", type=int, default=5)
    r.add_argument("--seed", type=int, default=0)
    d = sub.add_parser("dev")
    d.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "vsibench-dev")
    d.add_argument("--width", type=int, default=320)
    d.add_argument("--height", type=int, default=240)
    d.add_argument("--keep", action="store_true", help="keep the rendered files under runs/dev_renders")
    d.add_argument("--limit", type=int, default=None, help="render at most this many new scenes")
    sub.add_parser("report")
    args = parser.parse_args()
    if args.section == "generate":
        print(_save("generate", bench_generate(args.scenes, args.seed)))
    elif args.section == "render":
        print(_save("render", bench_render(args.scenes, args.seed)))
    elif args.section == "dev":
        print(_save("dev", bench_dev(args.data, args.width, args.height, args.keep, args.limit)))
    text = report()
    (RESULTS / "synthetic_world.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
