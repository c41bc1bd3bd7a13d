"""The bad-input corpus by command: every case of every ``tests/bad_inputs_*.py`` module run as a
user would (a subprocess), counted as one-line errors, tracebacks or other failures, with the
seconds per case.

Usage:
    .venv/bin/python benchmarks/bad_inputs.py [--workers 2] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bad_input_corpus import BadInput, CaseResult, run_case, verdict  # noqa: E402
from tests.test_bad_inputs import all_cases  # noqa: E402


def run_all(cases: list[BadInput], workers: int) -> list[tuple[BadInput, CaseResult, str | None]]:
    """Run every case in its own scratch folder (``workers`` at a time); each with its result and
    its :func:`verdict` (``None`` = the one clear error the case asks for)."""
    with tempfile.TemporaryDirectory() as scratch:
        def one(index: int) -> tuple[BadInput, CaseResult, str | None]:
            case = cases[index]
            result = run_case(case, Path(scratch) / f"{index:03d}" / "case")
            return case, result, verdict(case, result)
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, range(len(cases))))


def kind(problem: str | None) -> str:
    """``one_line`` (passed), ``traceback`` or ``other`` (any other failure)."""
    if problem is None:
        return "one_line"
    return "traceback" if problem.startswith("traceback") else "other"


def summarise(runs: list[tuple[BadInput, CaseResult, str | None]]) -> dict:
    """Per command and in total: cases, one-line errors, tracebacks, other failures, and mean and
    max seconds per case; plus the failing cases with their problem."""
    rows: dict[str, dict] = defaultdict(lambda: {"cases": 0, "one_line": 0, "traceback": 0, "other": 0, "seconds": []})
    for case, result, problem in runs:
        for key in (case.command, "total"):
            rows[key]["cases"] += 1
            rows[key][kind(problem)] += 1
            rows[key]["seconds"].append(result.seconds)
    table = {}
    for command in sorted(k for k in rows if k != "total") + ["total"]:
        row = rows[command]
        seconds = row.pop("seconds")
        table[command] = {**row, "mean_s": sum(seconds) / len(seconds), "max_s": max(seconds)}
    failures = [{"case": case.id, "problem": problem[:500]} for case, _, problem in runs if problem is not None]
    return {"by_command": table, "failures": failures}


def to_markdown(summary: dict, workers: int) -> str:
    """The summary as a markdown table."""
    lines = ["# Bad-input corpus", "",
             f"Every case of `tests/bad_inputs_*.py` run as `python -m spatialcode.cli ...` ({workers} at a time); "
             "a case passes with exactly one `error: ...` line, a non-zero exit code, no traceback and nothing "
             "written outside its folder. Seconds are wall time per case, Python start-up included.", "",
             "| command | cases | one-line errors | tracebacks | other failures | mean s | max s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for command, row in summary["by_command"].items():
        name = f"**{command}**" if command == "total" else f"`{command}`"
        lines.append(f"| {name} | {row['cases']} | {row['one_line']} | {row['traceback']} | {row['other']} | "
                     f"{row['mean_s']:.2f} | {row['max_s']:.2f} |")
    if summary["failures"]:
        lines += ["", "Failing cases:", ""] + [f"- {f['case']}: {f['problem'].splitlines()[0]}" for f in summary["failures"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Cases run at once.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    summary = summarise(run_all(all_cases(), args.workers))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bad_inputs.json").write_text(json.dumps({"workers": args.workers, **summary}, indent=1) + "\n")
    markdown = to_markdown(summary, args.workers)
    (args.out / "bad_inputs.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
