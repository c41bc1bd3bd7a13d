"""Speed and memory of RGB-only perception on the CPU: each pretrained provider at the size of
the checkpoint it stands for, per 640 × 480 frame.

The hub is unreachable here, so each model is built from its published architecture with random
weights (seeded): inference time and memory depend on the architecture and the input size, not
on the weights' values. Stand-ins: Depth Anything V2 Small (metric), OWLv2 base patch16 (960 px
inputs, the 41 VSI-Bench categories as queries), SAM ViT-B (1024 px inputs, 10 box prompts per
frame), SAM 2.1 Hiera-tiny video (1024 px inputs, following 10 objects prompted on the warm-up
frame). Each provider runs in its own process (its peak memory is its own) with ``--threads``
torch threads; the first frame (warm-up) is not timed.

Usage:
    .venv/bin/python benchmarks/rgb_perception_speed.py [--frames 5] [--threads 2]
Writes benchmarks/results/rgb_perception_speed.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from arch_models import build

from spatialcode.bench import code_version

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PROVIDERS = ("depth", "detector", "segmenter", "tracker")
STANDS_FOR = {"depth": "Depth Anything V2 Small, metric (518 px)",
              "detector": "OWLv2 base patch16 ensemble (960 px)", "segmenter": "SAM ViT-B (1024 px), 10 boxes",
              "tracker": "SAM 2.1 Hiera-tiny video (1024 px), 10 objects"}


def measure(provider: str, frames: int, threads: int) -> dict:
    """Seconds per frame (median of ``frames`` after one warm-up) and peak memory of one provider."""
    from spatialcode.encode.pretrained import (
        Box2D,
        BoxPromptSegmenter,
        DepthModelConfig,
        DetectorConfig,
        MonocularDepth,
        OpenVocabularyDetector,
        SegmenterConfig,
        VideoObjectTracker,
        VideoTrackerConfig,
    )

    path = build(provider)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (480, 640, 3), dtype=np.uint8) for _ in range(frames + 1)]
    boxes = [Box2D((40.0 + 50 * i, 60.0, 120.0 + 50 * i, 300.0), "chair", 0.9) for i in range(10)]
    if provider == "depth":
        model = MonocularDepth(DepthModelConfig(path, threads=threads))
        run = model.predict
    elif provider == "detector":
        model = OpenVocabularyDetector(DetectorConfig(path, threads=threads))
        run = model.detect
    elif provider == "segmenter":
        model = BoxPromptSegmenter(SegmenterConfig(path, threads=threads))
        def run(image):
            return model.segment(image, boxes)
    else:
        model = VideoObjectTracker(VideoTrackerConfig(path, threads=threads))
        model.add(boxes)  # prompted on the warm-up frame, followed through the timed ones
        run = model.track
    parameters = sum(p.numel() for p in model.model.parameters())
    seconds = []
    for i, image in enumerate(images):
        start = time.perf_counter()
        run(image)
        if i:
            seconds.append(time.perf_counter() - start)
    return {"provider": provider, "stands_for": STANDS_FOR[provider], "parameters_m": parameters / 1e6,
            "seconds_per_frame": statistics.median(seconds), "frames": frames, "threads": threads,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", choices=PROVIDERS, help=argparse.SUPPRESS)  # one provider, in this process
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.only, args.frames, args.threads)))
        return
    rows = []
    for provider in PROVIDERS:
        out = subprocess.run([sys.executable, __file__, "--only", provider, "--frames", str(args.frames), "--threads",
                              str(args.threads)], capture_output=True, text=True, check=True,
                             env={"HF_HUB_OFFLINE": "1", **os.environ})
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], file=sys.stderr)
    doc = {"rows": rows, "date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv), "code_version": code_version()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rgb_perception_speed.json").write_text(json.dumps(doc, indent=1) + "\n")
    lines = ["| provider | stands for | parameters (M) | s / frame (640×480) | peak memory (MB) |", "|---|---|---:|---:|---:|"]
    lines += [f"| {r['provider']} | {r['stands_for']} | {r['parameters_m']:.1f} | {r['seconds_per_frame']:.2f} | "
              f"{r['peak_rss_mb']:.0f} |" for r in rows]
    (RESULTS / "rgb_perception_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
