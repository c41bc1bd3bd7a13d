"""What the web app does, as plain functions of plain values (no Gradio here): list the scenes
on offer, open one (or an uploaded scene file or video), and answer a question about it. Each
returns a :class:`View` — what the page shows — or, for bad input, a view whose ``error`` is one
line saying what is wrong and what to do.

Pictures are written into ``workdir`` under names made from their content, so that sessions
never overwrite each other's files.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from spatialcode.app.config import ServeConfig
from spatialcode.core.errors import SpatialCodeError
from spatialcode.core.json_input import parse_json, read_file_bytes
from spatialcode.formats import VIDEO_SUFFIXES
from spatialcode.reason.answer import Answer
from spatialcode.reason.cited import cited_object_ids
from spatialcode.scene import SpatialCode
from spatialcode.viz.birdseye import draw_birdseye
from spatialcode.viz.glb import scene_glb

_LOG = logging.getLogger(__name__)
#: Held while a scene is read ahead (:func:`start_read_ahead`).
_READ_AHEAD_SLOT = threading.Lock()
#: The demo scene shipped with the package, always on offer (first).
DEMO_SCENE = "demo: living room"
#: At most this many scenes of the scenes folder are offered (the first by name).
MAX_SCENES = 500
#: The longest question (characters) and the most options taken.
MAX_QUESTION_CHARS = 2000
MAX_OPTIONS = 26
#: Columns of the object table.
OBJECT_COLUMNS = ("id", "label", "centre x, y, z (m)", "size (m)", "yaw (°)", "first seen (s)", "used")


@dataclass(frozen=True)
class SceneEntry:
    """A scene on offer: its scene file and the video shown beside it (``None``: none)."""

    scene: Path
    video: Path | None = None


@dataclass(frozen=True)
class View:
    """What the page shows: the code, its 3D model (``.glb``) and bird's-eye map (``.png``), the
    video beside them, the object table, the answer (Markdown) and a one-line status; or
    ``error`` (one line) and nothing else."""

    code: SpatialCode | None = None
    model: Path | None = None
    map: Path | None = None
    video: Path | None = None
    objects: list[list[str]] = field(default_factory=list)
    answer: str = ""
    status: str = ""
    error: str | None = None


def demo_scene_path() -> Path:
    """The demo scene shipped with the package (``spatialcode/data/demo_scene.json``)."""
    return Path(str(resources.files("spatialcode") / "data" / "demo_scene.json"))


def scene_catalog(scenes_dir: Path | None) -> dict[str, SceneEntry]:
    """The scenes on offer by the name the page lists: the demo scene, then from ``scenes_dir``
    each ``NAME.json`` file (as ``NAME.json``) and each sub-folder ``NAME`` holding a
    ``scene.json`` (as ``NAME/``, with its ``video.mp4`` when there), at most :data:`MAX_SCENES`,
    by name. Entries that lead outside the folder (symbolic links) are left out. The page sends
    back a name, never a path: only names of this catalog are opened."""
    catalog = {DEMO_SCENE: SceneEntry(demo_scene_path())}
    if scenes_dir is None:
        return catalog
    root = scenes_dir.resolve()
    if not root.is_dir():
        raise SpatialCodeError(f"{scenes_dir}: not a folder of scenes (give --scenes a folder of scene JSON files)")
    found: dict[str, SceneEntry] = {}
    for entry in sorted(root.iterdir()):
        if len(found) >= MAX_SCENES:
            break
        scene = entry / "scene.json" if entry.is_dir() else entry
        if scene.suffix != ".json" or not scene.is_file() or not scene.resolve().is_relative_to(root):
            continue
        video = entry / "video.mp4"
        shown = video if entry.is_dir() and video.is_file() and video.resolve().is_relative_to(root) else None
        found[f"{entry.name}/" if entry.is_dir() else entry.name] = SceneEntry(scene, shown)
    return catalog | found


def object_rows(code: SpatialCode, used: Sequence[int] = ()) -> list[list[str]]:
    """The object table of ``code`` (:data:`OBJECT_COLUMNS`): one row of text an object, in the
    code's order, ``used`` marking the ids an answer used (metres, degrees, seconds)."""
    rows = []
    for obj in code.objects:
        c, s = obj.box.center, obj.box.size
        rows.append([str(obj.id), obj.label, f"{c[0]:.2f}, {c[1]:.2f}, {c[2]:.2f}", f"{s[0]:.2f} × {s[1]:.2f} × {s[2]:.2f}",
                     f"{math.degrees(obj.box.yaw):.0f}", "-" if obj.first_seen is None else f"{obj.first_seen:.1f}",
                     "✓" if obj.id in used else ""])
    return rows


def _pictures(code: SpatialCode, workdir: Path, highlight: Sequence[int]) -> tuple[Path, Path]:
    """The 3D model and the bird's-eye map of ``code`` with ``highlight`` in ``workdir``, named by content."""
    model = scene_glb(code, highlight)
    key = hashlib.sha256(model).hexdigest()[:20]
    model_path, map_path = workdir / f"scene-{key}.glb", workdir / f"map-{key}.png"
    if not model_path.is_file():
        model_path.write_bytes(model)
    if not map_path.is_file():
        draw_birdseye(code, map_path, title=code.source.scene_name, highlight=highlight, dpi=90)
    return model_path, map_path


def _describe(code: SpatialCode) -> str:
    area = code.room.floor_area() if code.room else None
    room = f", room {area:.1f} m²" if area else ""
    return f"{code.source.scene_name or 'scene'}: {len(code.objects)} objects{room}"


def show_code(code: SpatialCode, workdir: Path, video: Path | None = None, status: str = "") -> View:
    """The view of ``code`` before any question: every object in its colour."""
    model, picture = _pictures(code, workdir, ())
    return View(code, model, picture, video, object_rows(code), status=status or _describe(code))


def open_scene(name: str | None, catalog: dict[str, SceneEntry], workdir: Path) -> View:
    """The view of the catalog's scene ``name`` (a name the page listed)."""
    entry = catalog.get(name or "")
    if entry is None:
        return View(error=f"error: no scene named {name!r} on offer; pick one from the list")
    return _guarded(lambda: show_code(SpatialCode.load(entry.scene), workdir, entry.video))


def open_upload(upload: str | Path | None, config: ServeConfig, workdir: Path) -> View:
    """The view of an uploaded file: a scene JSON file (at most ``config.max_scene_mb``, read by
    the validated loader), or a video (at most ``config.max_video_mb``) encoded as ``ask VIDEO``
    does, through the code cache. Errors name the file as the user called it."""
    if upload is None:
        return View(error="error: no file uploaded; drop a scene .json file or a video")
    path = Path(upload)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _guarded(lambda: _open_scene_file(path, config, workdir), path)
    if suffix in VIDEO_SUFFIXES:
        return _guarded(lambda: _open_video(path, config, workdir), path)
    kinds = ", ".join((".json", *VIDEO_SUFFIXES))
    return View(error=f"error: {path.name}: not a scene or a video (expected one of {kinds})")


def _open_scene_file(path: Path, config: ServeConfig, workdir: Path) -> View:
    """The view of the uploaded scene file ``path`` (at most ``config.max_scene_bytes``)."""
    code = SpatialCode.from_dict(parse_json(read_file_bytes(path, "scene file", config.max_scene_bytes)))
    return show_code(code, workdir, status=f"{path.name}: {_describe(code)}")


def _open_video(path: Path, config: ServeConfig, workdir: Path) -> View:
    from spatialcode.encode.cache import encode_cached
    from spatialcode.encode.pipeline import encode_config

    size = path.stat().st_size
    if size > config.max_video_bytes:
        raise SpatialCodeError(f"a video of {size / 2**20:.0f} MB, larger than the {config.max_video_mb:g} MB limit; "
                               "upload a shorter or smaller video")
    settings = encode_config(path, config.video_settings, preset=config.video_preset, download_models=not config.offline)
    done = encode_cached(settings, cache_dir=config.cache_dir)
    return show_code(done.code, workdir, video=path, status=done.describe())


def parse_options(text: str | None) -> list[str] | None:
    """The multiple-choice options typed one a line (``A. left``), blank lines skipped; ``None``
    when there are none. Raises one line past :data:`MAX_OPTIONS`."""
    options = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(options) > MAX_OPTIONS:
        raise SpatialCodeError(f"{len(options)} options; give at most {MAX_OPTIONS}, one a line")
    return options or None


def answer_markdown(answer: Answer, code: SpatialCode, used: Sequence[int]) -> str:
    """The answer as Markdown: its headline, the derivation's steps and the objects it used."""
    lines = [f"**Answer: {answer.headline() or '(none)'}**", ""]
    lines += [f"- {step}" for step in answer.derivation]
    names = [f"{obj.label}#{obj.id}" for obj in code.objects if obj.id in used]
    if names:
        lines += ["", f"Highlighted: {', '.join(names)}"]
    return "\n".join(lines)


def ask_question(code: SpatialCode | None, question: str | None, options_text: str | None,
                 answer_with: Callable[[SpatialCode, str, list[str] | None], Answer], workdir: Path) -> View:
    """The view after asking ``question`` (with the options typed in ``options_text``) about
    ``code``: the answer of ``answer_with`` (a reasoner's ``answer_question``) with its
    derivation, and the objects the derivation cites highlighted in the model, map and table."""
    if code is None:
        return View(error="error: no scene open; pick a scene or upload one first")
    question = (question or "").strip()
    if not question:
        return View(error="error: no question; type one, e.g. How many chair(s) are in this room?")
    if len(question) > MAX_QUESTION_CHARS:
        return View(error=f"error: a question of {len(question)} characters; keep it under {MAX_QUESTION_CHARS}")

    def answered() -> View:
        answer = answer_with(code, question, parse_options(options_text))
        used = cited_object_ids(code, answer.derivation)
        model, picture = _pictures(code, workdir, used)
        return View(code, model, picture, None, object_rows(code, used), answer_markdown(answer, code, used),
                    status=f"answered: {answer.headline() or '(none)'}")

    return _guarded(answered)


def start_read_ahead(read_ahead: Callable[[SpatialCode], object] | None, view: View) -> threading.Thread | None:
    """When ``view`` opened a scene and the reasoner can read a scene before it is asked about it
    (``read_ahead``: :meth:`~spatialcode.reason.llm.LLMReasoner.read_ahead`), start that in a
    background thread, so the first question reads only its own tokens; the thread, or ``None``.
    At most one read-ahead runs at a time (scenes opened meanwhile are not read ahead: a queue of
    them would hold up the questions, which wait for the model). A failure there is logged and
    changes nothing else (the question then reads the whole prompt)."""
    if read_ahead is None or view.code is None or not _READ_AHEAD_SLOT.acquire(blocking=False):
        return None

    def run() -> None:
        try:
            read_ahead(view.code)
        except Exception:  # an optimisation only: the question will read the whole prompt
            _LOG.exception("reading the scene ahead failed")
        finally:
            _READ_AHEAD_SLOT.release()

    thread = threading.Thread(target=run, name="read-ahead", daemon=True)
    thread.start()
    return thread


def _guarded(make: Callable[[], View], upload: Path | None = None) -> View:
    """``make()``, or a view of one error line when the input was bad; an ``upload`` is named as
    the user called it (its name, not where the server keeps it)."""
    try:
        return make()
    except (SpatialCodeError, OSError) as err:
        message = " ".join(str(err).split()) if isinstance(err, SpatialCodeError) else \
            f"cannot read it ({err.strerror or err})"
        if upload is None:
            return View(error=f"error: {message}")
        message = message.replace(str(upload), upload.name)
        return View(error=f"error: {message}" if message.startswith(upload.name) else f"error: {upload.name}: {message}")
