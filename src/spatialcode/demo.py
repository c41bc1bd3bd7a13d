"""The embedded demo: generate a scene, render its video, ask VSI-style questions, answer them
from the spatial code, score them, and write everything into one folder.

``run_demo(DemoConfig())`` needs no data and no weights. Its stages:

1. a procedural scene (:func:`~spatialcode.synth.generate_scene`, ground-truth boxes);
2. an RGB-D walkthrough of it (:func:`~spatialcode.synth.render_scene`): ``rgb.mp4``,
   ``depth.npz``, ``masks.npz``, ``frames.json`` and ``scene.json`` (the code with first_seen
   and the camera path);
3. the video encoded back into a spatial code by the geometric encoder
   (:func:`~spatialcode.encode.encoder.encode`, ground-truth masks, depth and poses of the
   render) — ``encoded.json`` — and compared with the truth
   (:func:`~spatialcode.encode.compare.compare_codes`);
4. VSI-Bench-style questions about the scene with answers from the ground truth
   (:func:`~spatialcode.synth.questions.generate_questions`);
5. answers from the *encoded* code by the exact solver, scored with VSI-Bench's official metrics
   (:func:`~spatialcode.bench.evaluate.evaluate`);
6. pictures (``birdseye.png`` of the encoded code, ``overlay.mp4`` with its boxes over the
   video, ``view.rrd``: the encoded code in 3D with the camera and frames, for the Rerun viewer)
   and a short ``report.md`` / ``report.json``.

:func:`demo_scene` is a separate, hand-made 9-object living room used in the docs and tests.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from spatialcode.bench import ScoreTable, VSIQuestion, read_predictions, to_markdown
from spatialcode.core.errors import ValidationError
from spatialcode.encode.compare import compare_codes, summarise_comparisons
from spatialcode.scene import SpatialCode
from spatialcode.synth.camera_path import PathConfig
from spatialcode.synth.categories import ROOM_KINDS
from spatialcode.synth.render import RenderConfig, RenderOutput
from spatialcode.tasks.records import QuestionId

#: The demo's render settings: VGA at 10 fps, at most 60 s of video.
DEMO_RENDER = RenderConfig(path=PathConfig(max_frames=600))

#: The files a demo folder holds, with what each is.
DEMO_FILES: dict[str, str] = {
    "rgb.mp4": "the rendered walkthrough video",
    "depth.npz": "metric depth per frame (uint16 millimetres)",
    "masks.npz": "instance masks per frame (object ids, -1 = room)",
    "frames.json": "intrinsics, camera pose and labels per frame",
    "scene.json": "the ground-truth spatial code (with first_seen and the camera path)",
    "encoded.json": "the spatial code encoded from the video",
    "birdseye.png": "map of the encoded room, objects and camera path",
    "overlay.mp4": "the video with the encoded 3D boxes drawn over it",
    "view.rrd": "the encoded code in 3D with the camera, video frames and a depth cloud (`rerun view.rrd`)",
    "questions.jsonl": "the generated questions (VSI-Bench schema, answers from the ground truth)",
    "predictions.jsonl": "the solver's answers from the encoded code, with their derivations",
    "report.md": "scores and timings (also report.json)",
}


@dataclass(frozen=True)
class DemoConfig:
    """Settings of :func:`run_demo`: scene ``seed`` and room ``kind`` (``None``: drawn from the
    seed), the output folder ``out``, the ``render`` settings, the ``question_seed``, whether
    to write the box ``overlay`` video and the 3D ``view`` (a Rerun recording; skipped, with a
    note, where ``rerun-sdk``, the ``view`` extra, is not installed)."""

    seed: int = 0
    kind: str | None = "living room"
    out: Path = Path("spatialcode-demo")
    render: RenderConfig = field(default_factory=lambda: DEMO_RENDER)
    question_seed: int = 0
    overlay: bool = True
    view: bool = True

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in ROOM_KINDS:
            raise ValidationError("kind", f"unknown room kind {self.kind!r}; use one of {', '.join(ROOM_KINDS)}")


@dataclass
class DemoResult:
    """What :func:`run_demo` produced: the folder, the rendered ground-truth ``code``, the
    ``render`` output, the ``encoded`` code and its ``comparison`` with the truth
    (:func:`~spatialcode.encode.compare.compare_codes`), the ``questions``, the solver's
    prediction ``records`` (by question id, with derivations), the scored ``rows`` (one per
    question), the score ``table`` and the wall-clock ``seconds`` per stage."""

    out_dir: Path
    code: SpatialCode
    render: RenderOutput
    encoded: SpatialCode
    comparison: dict[str, Any]
    questions: list[VSIQuestion]
    records: dict[QuestionId, dict[str, Any]]
    rows: list[dict[str, Any]]
    table: ScoreTable
    seconds: dict[str, float]


def demo_scene() -> SpatialCode:
    """Return the hand-made example scene (a 5 m × 4 m living room with 9 objects)."""
    text = resources.files("spatialcode").joinpath("data/demo_scene.json").read_text()
    return SpatialCode.from_json(text)


def encoding_sentence(result: DemoResult) -> str:
    """One sentence on how close the encoded code is to the truth (objects, IoU ≥ 0.5 share,
    counts, centre error in cm, yaw error in degrees, floor area error in %)."""
    summary = summarise_comparisons([result.comparison])
    room = summary["median_room_rel_error"]
    return (
        f"Encoded from the video (ground-truth masks, depth and poses): {len(result.encoded.objects)} objects "
        f"for {summary['objects']} seen; {100 * summary['matched_iou50']:.0f} % matched at 3D IoU ≥ 0.5, counts "
        f"exact for {100 * summary['counts_exact']:.0f} % of categories, median centre error "
        f"{100 * (summary['median_centre_error_m'] or 0):.1f} cm, median yaw error {summary['median_yaw_error_deg'] or 0:.1f}°"
        + (f", floor area off by {100 * room:.1f} %." if room is not None else ".")
    )


def _report(result: DemoResult, config: DemoConfig) -> tuple[str, dict]:
    """The ``report.md`` text and ``report.json`` document of a finished demo."""
    code, render = result.code, result.render
    area = code.room.floor_area() if code.room else None
    summary = summarise_comparisons([result.comparison])
    counts: dict[str, int] = {}
    for q in result.questions:
        counts[q.question_type] = counts.get(q.question_type, 0) + 1
    doc = {
        "scene": {"name": code.source.scene_name, "seed": config.seed, "kind": config.kind,
                  "objects": len(code.objects), "floor_area_m2": area},
        "render": {"frames": render.frame_count, "fps": render.fps, "width": config.render.path.width,
                   "height": config.render.path.height, "frames_per_second": render.frames_per_second,
                   "unseen_objects": render.unseen, "codec": render.codec},
        "encoded": {"objects": len(result.encoded.objects), **summary},
        "questions": counts,
        "scores": result.table.to_dict(),
        "seconds": result.seconds,
    }
    lines = [
        f"# spatialcode demo — {code.source.scene_name}",
        "",
        f"Scene: seed {config.seed}, {config.kind or 'any room kind'}, {len(code.objects)} objects"
        + (f", floor area {area:.1f} m²." if area is not None else "."),
        f"Video: {render.frame_count} frames at {render.fps:g} fps, {config.render.path.width}×{config.render.path.height} "
        f"({render.frames_per_second:.1f} frames/s rendered); {len(code.objects) - len(render.unseen)}/"
        f"{len(code.objects)} objects seen.",
        encoding_sentence(result),
        f"Questions: {len(result.questions)} ("
        + ", ".join(f"{task} {n}" for task, n in sorted(counts.items())) + "), answers from the ground truth.",
        "",
        "The exact solver answers from the *encoded* code; the ground-truth code would score 100,",
        "so what is missing below is what the encoding lost.",
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
    from spatialcode.bench.evaluate import evaluate
    from spatialcode.encode import RenderFolderSource
    from spatialcode.encode.encoder import encode
    from spatialcode.formats.codes_dir import CodeSet
    from spatialcode.reason.solver import Solver
    from spatialcode.synth.generate import generate_scene
    from spatialcode.synth.questions import generate_questions
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

    stage("render", f"rendering its walkthrough video ({config.render.path.width}×{config.render.path.height})")
    render = render_scene(truth, out, config.render, progress=progress)
    code = render.code
    done("render")

    stage("encode", "encoding the video back into a spatial code")
    encoded, _ = encode(RenderFolderSource(out, rgb=False), progress=progress, scene=code.source)
    encoded.save(out / "encoded.json")
    comparison = compare_codes(code, encoded)
    done("encode")

    stage("questions", "generating VSI-style questions")
    questions = generate_questions(code, config.question_seed)
    (out / "questions.jsonl").write_text("".join(json.dumps(q.to_record()) + "\n" for q in questions))
    done("questions")

    stage("answer", f"answering {len(questions)} questions from the encoded code and scoring them")
    predictions = out / "predictions.jsonl"
    predictions.unlink(missing_ok=True)
    Path(f"{predictions}.runs.jsonl").unlink(missing_ok=True)
    evaluation = evaluate(questions, CodeSet([encoded]), Solver(), predictions,
                          {"reasoner": "solver", "demo_seed": config.seed}, progress=False)
    done("answer")

    view = config.view and importlib.util.find_spec("rerun") is not None
    if config.view and not view:
        announce("skipping the 3D view (view.rrd): rerun-sdk is not installed — pip install -e '.[view]'")
    pictures = ["the bird's-eye map", *(["the box overlay video"] * config.overlay), *(["the 3D view"] * view)]
    stage("pictures", "drawing " + ", ".join(pictures[:-1]) + " and " * (len(pictures) > 1) + pictures[-1])
    draw_birdseye(encoded, out / "birdseye.png", title=f"{code.source.scene_name} (encoded)", number_by_appearance=True)
    if config.overlay:
        write_render_overlay(out, boxes=encoded)
    if view:
        from spatialcode.viz.rerun_view import record_view

        frames = RenderFolderSource(out)
        record_view(encoded, out / "view.rrd", frames, len(frames), name=f"{code.source.scene_name} (encoded)")
    done("pictures")

    result = DemoResult(out_dir=out, code=code, render=render, encoded=encoded, comparison=comparison,
                        questions=questions,
                        records=read_predictions(predictions), rows=evaluation.rows, table=evaluation.table,
                        seconds=seconds)
    text, doc = _report(result, config)
    (out / "report.md").write_text(text, encoding="utf-8")
    (out / "report.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return result
