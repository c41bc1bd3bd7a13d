"""Speed of the box geometry on one core: µs per call of box_distance and box_iou_3d.

Usage:
    .venv/bin/python benchmarks/geometry_speed.py [--pairs 400] [--out benchmarks/results]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from spatialcode.geometry import Box3D, box_distance, box_iou_3d, boxes_intersect, matrix_to_euler

ROOT = Path(__file__).resolve().parents[1]


def random_box(rng: np.random.Generator, upright: bool, spread: float) -> Box3D:
    rotation = (0.0, 0.0, rng.uniform(-math.pi, math.pi)) if upright else matrix_to_euler(
        Rotation.random(random_state=rng).as_matrix()
    )
    return Box3D(tuple(rng.uniform(-spread, spread, 3)), tuple(rng.uniform(0.1, 1.5, 3)), rotation)


def per_call_us(fn, pairs, repeats: int = 5) -> float:
    """Best-of-``repeats`` mean wall time per call, microseconds (box caches warmed first)."""
    for a, b in pairs:
        fn(a, b)
    best = min(_timed(fn, pairs) for _ in range(repeats))
    return 1e6 * best / len(pairs)


def _timed(fn, pairs) -> float:
    start = time.perf_counter()
    for a, b in pairs:
        fn(a, b)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    rng = np.random.default_rng(0)
    results = {}
    for upright in (False, True):
        name = "gravity-aligned" if upright else "random rotation"
        pairs = [(random_box(rng, upright, 3.0), random_box(rng, upright, 3.0)) for _ in range(args.pairs)]
        separated = [p for p in pairs if not boxes_intersect(*p)]
        close = [(random_box(rng, upright, 0.4), random_box(rng, upright, 0.4)) for _ in range(args.pairs)]
        overlapping = [p for p in close if boxes_intersect(*p)]
        results[name] = {
            "box_distance_separated_us": per_call_us(box_distance, separated),
            "box_distance_intersecting_us": per_call_us(box_distance, overlapping),
            "box_iou_3d_overlapping_us": per_call_us(box_iou_3d, overlapping),
            "box_iou_3d_disjoint_us": per_call_us(box_iou_3d, separated),
            "pairs": {"separated": len(separated), "overlapping": len(overlapping)},
        }
    results["command"] = "python benchmarks/geometry_speed.py"
    results["date"] = time.strftime("%Y-%m-%d")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "geometry_speed.json").write_text(json.dumps(results, indent=1))
    for name in ("random rotation", "gravity-aligned"):
        r = results[name]
        print(
            f"| {name} | {r['box_distance_separated_us']:.0f} | {r['box_distance_intersecting_us']:.0f} | "
            f"{r['box_iou_3d_overlapping_us']:.0f} | {r['box_iou_3d_disjoint_us']:.0f} |"
        )


if __name__ == "__main__":
    main()
