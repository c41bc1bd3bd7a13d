"""The embedded demo: generate a scene, render its video, ask VSI-style questions, answer them
from the spatial code, score them, and write everything into one folder.

``run_demo(DemoConfig())`` needs no data and no weights. Its stages:

1. a procedural scene (:func:`~spatialcode.synth.generate_scene`, ground-truth boxes);
2. an RGB-D walkthrough of it (:func:`~spatialcode.synth.render_scene`): ``rgb.mp4``,
   ``depth.npz``, ``masks.npz``, ``frames.json`` and ``scene.json`` (the code with first_seen
   and the camera path);
3. VSI-Bench-style questions about it (:func:`~spatialcode.questions.generate.generate_questions`);
4. answers from the spatial code by the exact solver, scored with VSI-Bench's official metrics
   (:func:`~spatialcode.evaluate.evaluate`);
5. pictures (``birdseye.png``, ``overlay.mp4``) and a short ``report.md`` / ``report.json``.

The solver reads the ground-truth code here, so the score checks the pipeline end to end (it is
100 % unless something is broken); the encoder (video → code) replaces the ground truth later.

:func:`demo_scene` is a separate, hand-made 9-object living room used in the docs and tests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from spatialcode.bench import ScoreTable, VSIQuestion, read_predictions, to_markdown
from spatialcode.bench.questions import QuestionId
from spatialcode.errors import ValidationError
from spatialcode.scene import SpatialCode
from spatialcode.synth.categories import ROOM_KINDS
from spatialcode.synth.render import RenderConfig, RenderOutput

#: The demo's render settings: VGA at 10 fps, at most 60 s of video.
DEMO_RENDER = RenderConfig(max_frames=600)

#: The files a demo folder holds, with what each is.
DEMO_FILES: dict[str, str] = {
    "rgb.mp4": "the rendered walkthrough video",
    "depth.npz": "metric depth per frame (uint16 millimetres)",
    "masks.npz": "instance masks per frame (object ids, -1 = room)",
    "frames.json": "intrinsics, camera pose and labels per frame",
    "scene.json": "the ground-truth spatial code (with first_seen and the camera path)",
    "birdseye.png": "map of the room, the objects and the camera path",
    "overlay.mp4": "the video with the 3D boxes drawn over it",
    "questions.jsonl": "the generated questions (VSI-Bench schema)",
    "predictions.jsonl": "the solver's answers with their derivations",
    "report.md": "scores and timings (also report.json)",
}


@dataclass(frozen=True)
class DemoConfig:
    """Settings of :func:`run_demo`: scene ``seed`` and room ``kind`` (``None``: drawn from the
    seed), the output folder ``out``, the ``render`` settings, the ``question_seed`` and whether
    to write the box ``overlay`` video."""

    seed: int = 0
    kind: str | None = "living room"
    out: Path = Path("spatialcode-demo")
    render: RenderConfig = field(default_factory=lambda: DEMO_RENDER)
    question_seed: int = 0
    overlay: bool = True

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in ROOM_KINDS:
            raise ValidationError("kind", f"unknown room kind {self.kind!r}; use one of {', '.join(ROOM_KINDS)}")


@dataclass
class DemoResult:
    """What :func:`run_demo` produced: the folder, the rendered ground-truth ``code``, the
    ``render`` output, the ``questions``, the solver's prediction ``records`` (by question id,
    with derivations), the scored ``rows`` (one per question), the score ``table`` and the
    wall-clock ``seconds`` per stage."""

    out_dir: Path
    code: SpatialCode
    render: RenderOutput
    questions: list[VSIQuestion]
    records: dict[QuestionId, dict[str, Any]]
    rows: list[dict[str, Any]]
    table: ScoreTable
    seconds: dict[str, float]


def demo_scene() -> SpatialCode:
    """Return the hand-made example scene (a 5 m × 4 m living room with 9 objects)."""
    text = resources.files("spatialcode").joinpath("data/demo_scene.json").read_text()
    return SpatialCode.from_json(text)


def _report(result: DemoResult, config: DemoConfig) -> tuple[str, dict]:
    """The ``report.md`` text and ``report.json`` document of a finished demo."""
    code, render = result.code, result.render
    area = code.room.floor_area() if code.room else None
    counts: dict[str, int] = {}
    for q in result.questions:
        counts[q.question_type] = counts.get(q.question_type, 0) + 1
    doc = {
        "scene": {"name": code.source.scene_name, "seed": config.seed, "kind": config.kind,
                  "objects": len(code.objects), "floor_area_m2": area},
        "render": {"frames": render.frame_count, "fps": render.fps, "width": config.render.width,
                   "height": config.render.height, "frames_per_second": render.frames_per_second,
                   "unseen_objects": render.unseen, "codec": render.codec},
        "questions": counts,
        "scores": result.table.to_dict(),
        "seconds": result.seconds,
    }
    lines = [
        f"# spatialcode demo — {code.source.scene_name}",
        "",
        f"Scene: seed {config.seed}, {config.kind or 'any room kind'}, {len(code.objects)} objects"
        + (f", floor area {area:.1f} m²." if area is not None else "."),
        f"Video: {render.frame_count} frames at {render.fps:g} fps, {config.render.width}×{config.render.height} "
        f"({render.frames_per_second:.1f} frames/s rendered); {len(code.objects) - len(render.unseen)}/"
        f"{len(code.objects)} objects seen.",
        f"Questions: {len(result.questions)} ("
        + ", ".join(f"{task} {n}" for task, n in sorted(counts.items())) + ").",
        "",
        "The exact solver answers from the ground-truth spatial code, so these scores check the",
        "pipeline (questions → parser → solver → official scoring); 100 is expected.",
        "",
        to_markdown(result.table, title="Scores (VSI-Bench metrics)"),
        "",
        "Seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()) + ".",
        "",
        "Files:",
        *(f"- `{name}`: {what}" for name, what in DEMO_FILES.items()),
        "",
    ]
    return "\n".join(lines), doc


def run_demo(config: DemoConfig | None = None, progress: bool = True,
             on_stage: Callable[[str], None] | None = None) -> DemoResult:
    """Run the demo (see the module docstring) into ``config.out`` and return a
    :class:`DemoResult`. ``on_stage`` is called with a short description as each stage starts;
    ``progress`` shows the render's progress bar. Files from an earlier demo in the same folder
    are replaced."""
    from spatialcode.evaluate import evaluate
    from spatialcode.formats.codes_dir import CodeSet
    from spatialcode.questions.generate import generate_questions
    from spatialcode.reason.solver import Solver
    from spatialcode.synth.generate import generate_scene
    from spatialcode.synth.render import render_scene, write_render_overlay
    from spatialcode.viz import draw_birdseye

    config = config or DemoConfig()
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    announce = on_stage or (lambda _text: None)

    def stage(name: str, text: str) -> None:
        announce(text)
        seconds[name] = time.perf_counter()

    def done(name: str) -> None:
        seconds[name] = time.perf_counter() - seconds[name]

    stage("generate", "generating a procedural scene")
    truth = generate_scene(config.seed, kind=config.kind)
    done("generate")

    stage("render", f"rendering its walkthrough video ({config.render.width}×{config.render.height})")
    render = render_scene(truth, out, config.render, progress=progress)
    code = render.code
    done("render")

    stage("questions", "generating VSI-style questions")
    questions = generate_questions(code, config.question_seed)
    (out / "questions.jsonl").write_text("".join(json.dumps(q.to_record()) + "\n" for q in questions))
    done("questions")

    stage("answer", f"answering {len(questions)} questions from the spatial code and scoring them")
    predictions = out / "predictions.jsonl"
    predictions.unlink(missing_ok=True)
    Path(f"{predictions}.runs.jsonl").unlink(missing_ok=True)
    evaluation = evaluate(questions, CodeSet([code]), Solver(), predictions,
                          {"reasoner": "solver", "demo_seed": config.seed}, progress=False)
    done("answer")

    stage("pictures", "drawing the bird's-eye map" + (" and the box overlay video" if config.overlay else ""))
    draw_birdseye(code, out / "birdseye.png", title=code.source.scene_name, number_by_appearance=True)
    if config.overlay:
        write_render_overlay(out)
    done("pictures")

    result = DemoResult(out_dir=out, code=code, render=render, questions=questions,
                        records=read_predictions(predictions), rows=evaluation.rows, table=evaluation.table,
                        seconds=seconds)
    text, doc = _report(result, config)
    (out / "report.md").write_text(text, encoding="utf-8")
    (out / "report.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return result
