"""Time the web app as a person meets it: ``spatialcode serve`` started as a user starts it (a
subprocess: start-up included) until it answers HTTP, then ``--runs`` visits in a fresh headless
Chromium (the browser test's steps, :func:`tests.test_app_browser.ask_in_browser`): page load,
picking the demo scene, and the first answer to "How many chair(s) are in this room?" after
clicking Ask. Prints a markdown table (seconds; the first visit and the median of all).

Usage:
    .venv/bin/python benchmarks/app.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_app_browser import QUESTION, ask_in_browser, free_port  # noqa: E402


def wait_for(url: str, limit: float = 120.0) -> float:
    """Seconds until ``url`` answers HTTP 200 (raises after ``limit`` seconds)."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {limit:.0f} s")


def main() -> None:
    """Start the server, visit it ``--runs`` times, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "spatialcode"), "serve", "--port", str(port)],
                              env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        start_up = wait_for(url)
        visits = []
        for _ in range(args.runs):
            seen = ask_in_browser(url, QUESTION)
            assert seen["answer"].startswith("Answer: 2"), seen["answer"]
            visits.append(seen["timings"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"server start-up (`spatialcode serve` until HTTP 200): {start_up:.1f} s\n")
    print("| step | first visit | median of %d |" % args.runs)
    print("|---|---:|---:|")
    for key, name in (("page_load", "page load (navigation → page usable)"),
                      ("scene", "pick the demo scene → 3D view, map, table"),
                      ("answer", "click Ask → first answer shown")):
        print(f"| {name} | {visits[0][key]:.2f} s | {statistics.median(v[key] for v in visits):.2f} s |")


if __name__ == "__main__":
    main()
