"""Learning curves of training runs as one PNG: each panel one metric of ``metrics.jsonl``
against the step, one line per run (e.g. GRPO with the accuracy-only reward beside GRPO with
the rubric reward)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from spatialcode.core.errors import InputFileError
from spatialcode.formats.json_file import jsonl_records

#: The metrics plotted by default, as logged by the trainers (those a run lacks are skipped).
DEFAULT_METRICS = ("loss", "reward", "items/accuracy", "items/format", "items/grounding", "items/perspective",
                   "items/quantities", "items/consistency", "completions/mean_length", "kl", "mean_token_accuracy")


def read_metrics(run: str | Path) -> list[dict]:
    """The per-step rows of a run folder's ``metrics.jsonl`` in step order, one per step: a run
    resumed from a checkpoint logs again the steps after it, and the later row is kept (the
    trainer's summary rows are left out)."""
    path = Path(run) / "metrics.jsonl"
    if not path.is_file():
        raise InputFileError(f"no metrics at {path}: give a run folder of `spatialcode train sft|grpo|encoder`")
    by_step = {row["step"]: row for _, row in jsonl_records(path, path.read_text(encoding="utf-8"))
               if "train_runtime" not in row and "step" in row}
    return [by_step[step] for step in sorted(by_step)]


def plot_curves(runs: Sequence[str | Path], out: str | Path, metrics: Sequence[str] = DEFAULT_METRICS,
                smooth: int = 5) -> Path:
    """Draw ``metrics`` (those any run logged) against the step for each run, with a moving
    average over ``smooth`` logged steps, into the PNG ``out``; returns ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    logs = {Path(run).name if Path(run).name != "final" else Path(run).parent.name: read_metrics(run) for run in runs}
    shown = [m for m in metrics if any(m in row for rows in logs.values() for row in rows)]
    if not shown:
        raise InputFileError(f"none of the metrics {', '.join(metrics)} is in the runs' logs")
    columns = min(3, len(shown))
    rows_n = -(-len(shown) // columns)
    figure, axes = plt.subplots(rows_n, columns, figsize=(4.5 * columns, 3.2 * rows_n), squeeze=False)
    for axis, metric in zip(axes.flat, shown):
        for name, rows in logs.items():
            points = [(row["step"], row[metric]) for row in rows if metric in row]
            if not points:
                continue
            steps, values = zip(*points)
            window = max(1, min(smooth, len(values)))
            averaged = [sum(values[max(0, i - window + 1):i + 1]) / len(values[max(0, i - window + 1):i + 1])
                        for i in range(len(values))]
            axis.plot(steps, values, alpha=0.25)
            axis.plot(steps, averaged, label=name, color=axis.lines[-1].get_color())
        axis.set_title(metric)
        axis.set_xlabel("step")
    for axis in list(axes.flat)[len(shown):]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize="small")
    figure.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out
