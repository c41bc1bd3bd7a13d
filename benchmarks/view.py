"""Time and size of ``spatialcode view`` (the Rerun .rrd of a scene file and of a render folder)
and of ``spatialcode ask --rrd``, each run as a user runs it (a subprocess: start-up included),
``--runs`` times; prints the median wall time and the .rrd size as a markdown table.

Usage:
    .venv/bin/python benchmarks/view.py RENDER_DIR [--runs 3]

RENDER_DIR: a render folder with scene.json, e.g. the ``demo`` output (``spatialcode demo --out DIR``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(ROOT / ".venv" / "bin" / "spatialcode")


def timed(args: list[str], runs: int) -> float:
    """Median wall seconds of ``spatialcode ARGS`` over ``runs`` runs (each must succeed)."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([CLI, *args], check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main() -> None:
    """Measure the three commands on ``RENDER_DIR`` and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("render_dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scene = args.render_dir / "scene.json"
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        cases = [
            ("view SCENE.json", ["view", str(scene), "--rrd", str(out / "scene.rrd")], out / "scene.rrd"),
            ("view RENDER_DIR", ["view", str(args.render_dir), "--rrd", str(out / "render.rrd")], out / "render.rrd"),
            ("ask SCENE.json QUESTION --rrd", ["ask", str(scene), "How many chair(s) are in this room?", "--rrd",
                                              str(out / "ask.rrd")], out / "ask.rrd"),
        ]
        print(f"| command | wall time (median of {args.runs}) | .rrd size |")
        print("|---|---:|---:|")
        for name, command, rrd in cases:
            seconds = timed(command, args.runs)
            print(f"| `spatialcode {name}` | {seconds:.1f} s | {rrd.stat().st_size / 1e6:.2f} MB |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
