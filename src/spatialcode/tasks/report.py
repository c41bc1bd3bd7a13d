"""Render a :class:`~spatialcode.tasks.scoring.ScoreTable` as a markdown table and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from spatialcode.tasks import EXTENSION_TASKS, REL_DIRECTION, REL_DIRECTION_TASKS, SCORED_TASKS
from spatialcode.tasks.scoring import ScoreTable, SubsetScores

#: File name stem used when ``write_report`` is given a directory.
REPORT_STEM = "results"

_EXPLANATION = (
    "Scores ×100, official lmms-eval protocol: accuracy for multiple choice, mean relative accuracy "
    "for numbers; object_rel_direction = unweighted mean of its easy / medium / hard subtasks (shown "
    "for reference, ↳); overall = mean of the 8 scored tasks. Debiased = questions with pruned == false. "
    "Missing = no prediction or an error row, scored 0."
)


def _score(subset: SubsetScores, task: str | None) -> str:
    value = subset.overall if task is None else subset.scores.get(task)
    return "—" if value is None else f"{value:.1f}"


def _count(counts: dict[str, int], task: str | None) -> str:
    if task is None:  # the overall row: the questions of VSI-Bench's tasks
        return str(sum(n for name, n in counts.items() if name != REL_DIRECTION and name not in EXTENSION_TASKS))
    return str(counts.get(task, 0))


def _row(table: ScoreTable, task: str | None, label: str) -> str:
    cells = [label, _count(table.full.counts, task), _score(table.full, task)]
    cells += [_score(subset, task) for subset in table.by_dataset.values()]
    cells += [_score(table.debiased, task), _count(table.debiased.counts, task)]
    cells += [_count(counts, task) for counts in (table.cannot_answer, table.fallback, table.missing)]
    return "| " + " | ".join(cells) + " |"


def _absent_notes(table: ScoreTable) -> list[str]:
    subsets = {"all": table.full, "debiased": table.debiased, **table.by_dataset}
    return [
        f"{name}: no questions for {', '.join(subset.absent)} — left out of its overall, not counted as 0."
        for name, subset in subsets.items()
        if subset.absent
    ]


def to_markdown(table: ScoreTable, title: str = "VSI-Bench results", notes: Sequence[str] = ()) -> str:
    """Return the table as markdown: one row per scored task (relative-direction subtasks
    indented below theirs), an overall row, and a row per extension task present; columns all / each dataset / debiased, counts of
    questions, cannot-answer, fallback and missing rows. ``notes`` are added as bullets."""
    header = ["task", "n", "all", *table.by_dataset, "debiased", "n debiased", "cannot answer", "fallback", "missing"]
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    lines.append(_row(table, None, "**overall**"))
    for task in SCORED_TASKS:
        lines.append(_row(table, task, task))
        if task == REL_DIRECTION:
            lines += [_row(table, sub, f"↳ {sub}") for sub in REL_DIRECTION_TASKS]
    extensions = [task for task in EXTENSION_TASKS if task in table.full.counts]
    lines += [_row(table, task, f"*{task}* (extension)") for task in extensions]
    extension_note = ["Extension tasks (not VSI-Bench) are shown in italics and left out of the overall row."] if extensions else []
    bullets = [_EXPLANATION, *extension_note, *_absent_notes(table), *notes]
    lines += ["", *(f"- {bullet}" for bullet in bullets), ""]
    return "\n".join(lines)


def to_json(table: ScoreTable, notes: Sequence[str] = ()) -> str:
    """Return the table as indented JSON (scores ×100, full precision), with ``notes``."""
    return json.dumps({**table.to_dict(), "notes": list(notes)}, indent=2, ensure_ascii=False) + "\n"


def report_paths(out_dir_or_prefix: str | Path) -> tuple[Path, Path]:
    """Return the ``(.md, .json)`` paths for a directory (``results.md`` / ``results.json``
    inside it) or a path prefix (``runs/qwen`` → ``runs/qwen.md``; a given ``.md`` / ``.json``
    ending is dropped first). A directory is one that exists or is written with a trailing
    slash."""
    text = str(out_dir_or_prefix)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", "\\")):
        return path / f"{REPORT_STEM}.md", path / f"{REPORT_STEM}.json"
    for ending in (".md", ".json"):
        if text.endswith(ending):
            text = text[: -len(ending)]
    return Path(text + ".md"), Path(text + ".json")


def write_report(
    table: ScoreTable, out_dir_or_prefix: str | Path, title: str = "VSI-Bench results", notes: Sequence[str] = ()
) -> tuple[Path, Path]:
    """Write the markdown and JSON renderings; return their paths (see :func:`report_paths`).

    Missing parent directories are created."""
    md_path, json_path = report_paths(out_dir_or_prefix)
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(to_markdown(table, title=title, notes=notes), encoding="utf-8")
    json_path.write_text(to_json(table, notes=notes), encoding="utf-8")
    return md_path, json_path
