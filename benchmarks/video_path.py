"""Speed and memory of the video path (issue 25): ``spatialcode encode VIDEO`` on one minute of
30 frames/s 1080p video, per preset and stage, on this machine's CPU; and the cached ``ask``.

The video is the demo scene's walkthrough rendered at 480 × 270, 10 frames/s, shown back and forth
to last a minute, each frame enlarged to 1920 × 1080 and written three times (30 frames/s) with
libx264: a real codec's cost, and real texture for the feature odometry. It is made once in
``runs/bench_videos``. The models are the presets' architectures with random weights
(``arch_models.py``; time and memory do not depend on the values), placed in a Hugging Face cache
of their own under the pinned hub ids and revisions, so the real resolution path runs. Random
weights find random objects: the detector is held to 10 boxes a key frame (threshold 0, at most
10) so that the back end's work does not vary with them; the depth is random too, so the poses'
time is that of feature matching on a random surface.

Each preset runs in its own process (its peak memory is its own) with 2 torch threads; the
``quality`` preset (made for a GPU) runs on a 2-second excerpt and is scaled to the minute.

Usage:
    .venv/bin/python benchmarks/video_path.py [--presets fast quality] [--threads 2]
Writes benchmarks/results/video_path.{json,md}. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from arch_models import build

from spatialcode.bench import code_version

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
VIDEOS = ROOT / "runs" / "bench_videos"
HUB = ROOT / "runs" / "bench_hub"
#: The stand-in (``arch_models``) of each pinned model.
STAND_INS = {"depth-anything/Depth-Anything-V2-Metric-Indoor-Small-hf": "depth", "google/owlvit-base-patch32": "owlvit",
             "google/owlv2-base-patch16-ensemble": "detector", "facebook/sam2-hiera-tiny-hf": "tracker"}
#: Seconds of video each preset encodes (the result is scaled to a minute).
EXCERPT = {"fast": 60.0, "quality": 2.0}
QUESTION = "How many chair(s) are in this room?"


def make_video(seconds: float) -> Path:
    """The benchmark video of ``seconds`` seconds (see the module docstring), made once."""
    import cv2

    from spatialcode.demo import demo_scene
    from spatialcode.formats.video import VideoWriter, read_video

    out = VIDEOS / f"walk_1080p30_{seconds:g}s.mp4"
    if out.is_file():
        return out
    render = VIDEOS / "render"
    if not (render / "rgb.mp4").is_file():
        VIDEOS.mkdir(parents=True, exist_ok=True)
        demo_scene().save(VIDEOS / "demo.json")
        subprocess.run([sys.executable, "-m", "spatialcode", "render", str(VIDEOS / "demo.json"), "--out", str(render),
                        "--width", "480", "--height", "270", "--fps", "10", "--no-progress"], check=True)
    frames = list(read_video(render / "rgb.mp4"))
    loop = frames + frames[-2:0:-1]  # back and forth: no jump
    wanted = int(round(seconds * 10))
    with VideoWriter(out, 1920, 1080, fps=30, crf=23, threads=2) as writer:
        for i in range(wanted):
            big = cv2.resize(loop[i % len(loop)], (1920, 1080), interpolation=cv2.INTER_LINEAR)
            for _ in range(3):
                writer.write(big)
    return out


def excerpt(video: Path, seconds: float) -> Path:
    """The first ``seconds`` of ``video`` (re-encoded), made once."""
    from spatialcode.formats.video import VideoWriter, read_video

    out = video.with_name(f"{video.stem}_first{seconds:g}s.mp4")
    if not out.is_file():
        with VideoWriter(out, 1920, 1080, fps=30, crf=23, threads=2) as writer:
            for i, frame in enumerate(read_video(video)):
                if i >= seconds * 30:
                    break
                writer.write(frame)
    return out


def place_models() -> Path:
    """A Hugging Face cache holding each stand-in under its pinned hub id and revision."""
    from spatialcode.encode.pretrained.models import PINNED_MODELS

    for model in PINNED_MODELS:
        snapshot = HUB / f"models--{model.repo_id.replace('/', '--')}" / "snapshots" / model.revision
        if not snapshot.exists():
            snapshot.parent.mkdir(parents=True, exist_ok=True)
            snapshot.symlink_to(Path(build(STAND_INS[model.repo_id])).resolve(), target_is_directory=True)
    return HUB


def encode_once(preset: str, video: Path, threads: int) -> dict:
    """One encoding of ``video`` with ``preset`` in this process: wall seconds, frames, seconds by
    stage, peak memory."""
    import torch

    import spatialcode.encode.pretrained as pretrained
    from spatialcode.encode.pipeline import EncodePipelineConfig, encode_input
    from spatialcode.encode.poses import FeatureOdometryConfig
    from spatialcode.formats.video import probe_video

    torch.set_num_threads(threads)
    pretrained.DetectorConfig = functools.partial(pretrained.DetectorConfig, threshold=0.0, max_detections=10)
    started = time.perf_counter()
    # random depth: the camera cannot really be followed, so the lost-camera check is off
    result = encode_input(EncodePipelineConfig(video, preset=preset, device="cpu", download_models=False, hfov_deg=65.0,
                                               features=FeatureOdometryConfig(max_lost_share=1.0)))
    wall = time.perf_counter() - started
    return {"preset": preset, "video_seconds": probe_video(video).duration_s, "wall_seconds": wall,
            "frames": result.frames, "objects": len(result.code.objects),
            "stage_seconds": {k: v * result.frames / 1000.0 for k, v in result.ms_per_frame.items()},
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "settings": dict(result.code.provenance.config)}


def cached_ask(video: Path, cache: Path) -> dict:
    """Wall seconds of ``spatialcode ask VIDEO`` twice (the second from the cache), as a user runs it."""
    env = {**os.environ, "HF_HUB_CACHE": str(HUB), "HF_HUB_OFFLINE": "1", "SPATIALCODE_CACHE_DIR": str(cache)}
    seconds = []
    for _ in range(2):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "spatialcode", "ask", str(video), QUESTION, "--hfov", "65",
                               "--encode-set", "features.max_lost_share=1"],
                              capture_output=True, text=True, env=env)
        seconds.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise RuntimeError(done.stderr[-2000:])
    return {"first_seconds": seconds[0], "cached_seconds": seconds[1], "clip_seconds": 2.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["fast", "quality"], choices=sorted(EXCERPT))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", help=argparse.SUPPRESS)  # preset:video, in this process
    args = parser.parse_args()
    if args.only:
        preset, _, video = args.only.partition(":")
        print(json.dumps(encode_once(preset, Path(video), args.threads)))
        return
    video = make_video(60.0)
    place_models()
    env = {**os.environ, "HF_HUB_CACHE": str(HUB), "HF_HUB_OFFLINE": "1"}
    rows = []
    for preset in args.presets:
        clip = video if EXCERPT[preset] >= 60 else excerpt(video, EXCERPT[preset])
        done = subprocess.run([sys.executable, __file__, "--only", f"{preset}:{clip}", "--threads", str(args.threads)],
                              capture_output=True, text=True, env=env)
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print({k: v for k, v in rows[-1].items() if k != "settings"}, file=sys.stderr)
    ask = cached_ask(excerpt(video, 2.0), VIDEOS / f"ask-cache-{time.strftime('%Y%m%d-%H%M%S')}")
    doc = {"rows": rows, "ask": ask, "date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv),
           "load_average": os.getloadavg(), "threads": args.threads, "code_version": code_version()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "video_path.json").write_text(json.dumps(doc, indent=1) + "\n")
    stages = ["decode", "depth", "poses", "detection", "segmentation", "tracking", "lift", "associate", "background"]
    lines = ["| preset | video encoded | frames | s / min of video | " + " | ".join(stages) + " | peak memory (GB) |",
             "|---|---:|---:|---:|" + "---:|" * len(stages) + "---:|"]
    for row in rows:
        scale = 60.0 / row["video_seconds"]
        per = row["stage_seconds"]
        cells = [f"{per[s] * scale:.0f}" if s in per else "–" for s in stages]
        lines.append(f"| {row['preset']} | {row['video_seconds']:.0f} s | {row['frames']} | "
                     f"**{row['wall_seconds'] * scale:.0f}** | " + " | ".join(cells) + f" | {row['peak_rss_mb'] / 1024:.2f} |")
    lines += ["", f"`ask VIDEO` on a {ask['clip_seconds']:g}-s clip: first call (encodes) {ask['first_seconds']:.1f} s, "
              f"second call (cached) **{ask['cached_seconds']:.2f} s**.",
              f"Load average at the end: {', '.join(f'{x:.2f}' for x in doc['load_average'])}."]
    (RESULTS / "video_path.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
