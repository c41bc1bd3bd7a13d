"""Reliability and security of the tool-using reasoner: the escape corpus against the sandbox, and
a hostile model end to end.

Usage:
    .venv/bin/python benchmarks/sandbox_security.py corpus     # the escape corpus, by class
    .venv/bin/python benchmarks/sandbox_security.py hostile    # eval against a hostile server, both protocols
    .venv/bin/python benchmarks/sandbox_security.py all        # both, then the report

``corpus`` runs every attack of ``tests/sandbox_escapes.py`` with the sandbox's default limits:
the whole attacks against the whole sandbox (``ESCAPES``), and the post-escape payloads with the
syntax check switched off (``OS_PAYLOADS``: the process isolation alone). An attack is contained
when no proof of escape appears and the run is bounded (:func:`containment_problem`).
``hostile`` runs ``spatialcode eval --reasoner llm-tools`` on 32 questions against a local server
whose every reply is an attack (``tests/test_hostile_model.py``), with the default limits, for each
tool protocol: rows written, wall time, predictions size, escapes. Results go to
``benchmarks/results/sandbox_security.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import spatialcode.reason.sandbox.runner as runner  # noqa: E402
from spatialcode.reason.sandbox import SandboxLimits, run_program  # noqa: E402
from tests.fixtures import small_scene  # noqa: E402
from tests.sandbox_escapes import ESCAPES, OS_PAYLOADS, containment_problem, os_payload_program  # noqa: E402
from tests.test_hostile_model import N_QUESTIONS, run_hostile_eval  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
OUT = RESULTS / "sandbox_security.json"


def run_corpus() -> dict:
    """Every attack with the default limits; per set and class: attacks, contained, refused before
    running, the slowest run (s), and any attack that was not contained."""
    limits = SandboxLimits()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    check = runner.check_program
    doc: dict = {"limits": {"timeout_s": limits.timeout, "cpu_s": limits.cpu_seconds, "memory_mib": limits.memory_mb}}
    try:
        for name, attacks, checked in (("whole sandbox", ESCAPES, True), ("isolation alone (no syntax check)", OS_PAYLOADS, False)):
            runner.check_program = check if checked else (lambda source: None)
            by_kind: dict = defaultdict(lambda: {"attacks": 0, "contained": 0, "refused_before_running": 0, "max_s": 0.0})
            failures = []
            for attack in attacks:
                with tempfile.TemporaryDirectory() as scratch:
                    marker = Path(scratch) / "ESCAPED"
                    source = (attack.program(str(marker)) if checked else
                              os_payload_program(attack, str(marker), listener.getsockname()[1]))
                    start = time.monotonic()
                    result = run_program(source, small_scene(), limits)
                    seconds = time.monotonic() - start
                    problem = containment_problem(result, marker, seconds, limits.timeout)
                try:
                    listener.accept()
                    problem = problem or "connected to the listening socket"
                except BlockingIOError:
                    pass
                row = by_kind[attack.kind]
                row["attacks"] += 1
                row["contained"] += problem is None
                row["refused_before_running"] += checked and check(source) is not None
                row["max_s"] = max(row["max_s"], round(seconds, 2))
                if problem:
                    failures.append({"attack": attack.id, "problem": problem})
                print(f"{name} | {attack.id}: {problem or 'contained'} ({seconds:.2f} s; {result.error})", file=sys.stderr)
            doc[name] = {"by_kind": dict(by_kind), "not_contained": failures}
    finally:
        runner.check_program = check
        listener.close()
    return doc


def run_hostile() -> dict:
    """The end-to-end hostile run for each protocol, default limits."""
    doc = {}
    for protocol in ("programs", "calls"):
        with tempfile.TemporaryDirectory() as scratch:
            run = run_hostile_eval(Path(scratch), protocol)
        calls = [call for row in run.rows for call in row.get("tool_calls", [])]
        doc[protocol] = {"questions": N_QUESTIONS, "rows": len(run.rows), "error_rows": sum("error" in r for r in run.rows),
                         "tool_requests": len(calls), "requests_ok": sum(c["ok"] for c in calls),
                         "seconds": round(run.seconds, 1), "predictions_bytes": run.size, "escaped": run.escaped,
                         "exit_code": run.code}
        print(f"hostile {protocol}: {doc[protocol]}", file=sys.stderr)
    return doc


def markdown(doc: dict) -> str:
    """The corpus table by set and class, and the hostile runs."""
    lines = [f"# Sandbox security ({doc.get('date', '')})", ""]
    corpus = doc.get("corpus")
    if corpus:
        limits = corpus["limits"]
        lines += [f"Default limits: {limits['timeout_s']:g} s wall clock, {limits['cpu_s']} s CPU, {limits['memory_mib']} MiB.",
                  "", "| set | class | attacks | contained | refused before running | slowest (s) |", "|---|---|---:|---:|---:|---:|"]
        for name in ("whole sandbox", "isolation alone (no syntax check)"):
            for kind, row in corpus[name]["by_kind"].items():
                lines.append(f"| {name} | {kind} | {row['attacks']} | {row['contained']} | "
                             f"{row['refused_before_running'] if name == 'whole sandbox' else '—'} | {row['max_s']:.2f} |")
            total = sum(r["attacks"] for r in corpus[name]["by_kind"].values())
            contained = sum(r["contained"] for r in corpus[name]["by_kind"].values())
            lines.append(f"| **{name}** | all | **{total}** | **{contained}** | | |")
            for failure in corpus[name]["not_contained"]:
                lines.append(f"| NOT CONTAINED | {failure['attack']} | | | | {failure['problem']} |")
        lines.append("")
    hostile = doc.get("hostile")
    if hostile:
        lines += ["| hostile model, protocol | questions | rows | error rows | tool requests (ok) | wall (s) | predictions (bytes) | escaped |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
        for protocol, row in hostile.items():
            lines.append(f"| {protocol} | {row['questions']} | {row['rows']} | {row['error_rows']} | {row['tool_requests']} "
                         f"({row['requests_ok']}) | {row['seconds']} | {row['predictions_bytes']:,} | {row['escaped']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("section", choices=["corpus", "hostile", "all"])
    args = parser.parse_args()
    doc = json.loads(OUT.read_text()) if OUT.is_file() else {}
    if args.section in ("corpus", "all"):
        doc["corpus"] = run_corpus()
    if args.section in ("hostile", "all"):
        doc["hostile"] = run_hostile()
    doc["date"] = date.today().isoformat()
    RESULTS.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    OUT.with_suffix(".md").write_text(markdown(doc))
    print(markdown(doc))


if __name__ == "__main__":
    main()
