"""The web app's page, laid out with Gradio: the scene picker and upload, the question, the
answer and a status line on the left; the 3D model (``gr.Model3D`` of a ``.glb``) beside the
video, the bird's-eye map and the object table on the right. What each control does is a
function of :mod:`spatialcode.app.handlers`; this module only wires them to the page and turns
a :class:`~spatialcode.app.handlers.View` into the components' values. A language-model reasoner
reads an opened scene ahead, while the question is typed
(:func:`~spatialcode.app.handlers.start_read_ahead`). Gradio is imported when the page is built
(``spatialcode`` without the ``app`` extra still imports).

Elements a test or a script looks for carry ids: ``scene``, ``upload``, ``question``,
``options``, ``ask``, ``status``, ``answer``, ``model3d``, ``map``, ``video``, ``objects``.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spatialcode.app import handlers
from spatialcode.app.config import ServeConfig
from spatialcode.app.handlers import View
from spatialcode.reason.registry import make_reasoner

if TYPE_CHECKING:
    import gradio as gr

_LOG = logging.getLogger(__name__)
#: System fonts only: the page loads nothing from outside the server (no web fonts).
_FONTS = ("ui-sans-serif", "system-ui", "sans-serif")
_MONO_FONTS = ("ui-monospace", "monospace")
_INTRO = ("### spatialcode — ask a room\n"
          "Pick a scene (or upload a scene `.json` file or a video of a room), then ask a spatial question. "
          "The answer comes with its derivation, and the objects it used are highlighted in the 3D view, the map "
          "and the table.")
_EXAMPLE = "How many chair(s) are in this room?"


def import_gradio() -> Any:
    """The ``gradio`` module, with its usage analytics off (set before it is imported); one
    line naming the extra to install when it is missing."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        import gradio
    except ImportError:
        from spatialcode.core.errors import SpatialCodeError

        raise SpatialCodeError("the web app needs Gradio: pip install 'spatialcode[app]'") from None
    return gradio


def launch_settings(config: ServeConfig, videos: list[Path]) -> dict[str, Any]:
    """The keyword arguments of ``Blocks.launch`` for ``config``: its host and port, no share
    link, uploads bounded by the larger of the two limits (each kind is checked again by its
    handler), the scene folder's videos servable, no monitoring endpoint, system fonts."""
    gr = import_gradio()
    return {
        "server_name": config.host,
        "server_port": config.port,
        "share": False,
        "max_file_size": max(config.max_scene_bytes, config.max_video_bytes),
        "allowed_paths": [str(video.resolve()) for video in videos],
        "enable_monitoring": False,
        "show_error": False,
        "footer_links": ["api", "gradio"],
        "theme": gr.themes.Default(font=_FONTS, font_mono=_MONO_FONTS),
    }


def serve_page(config: ServeConfig, workdir: Path, block: bool = True,
               announce: Callable[[str], None] | None = None) -> gr.Blocks:
    """Build the page (:func:`build_page`) and serve it as ``config`` says, telling ``announce``
    its address once it listens; then wait until stopped (``block``, Ctrl-C), or return with the
    server running in a background thread (``block=False``: stop it with ``page.close()``)."""
    catalog = handlers.scene_catalog(config.scenes)
    page = build_page(config, workdir, catalog)
    videos = [entry.video for entry in catalog.values() if entry.video is not None]
    page.launch(**launch_settings(config, videos), prevent_thread_lock=True, quiet=True)
    if announce is not None:
        announce(page.local_url)
    if block:
        page.block_thread()
    return page


def build_page(config: ServeConfig, workdir: Path, catalog: dict[str, handlers.SceneEntry]) -> gr.Blocks:
    """The app's page for ``config`` offering the scenes of ``catalog``; its pictures are
    written into ``workdir``. Raises one line when the reasoner's settings are bad."""
    gr = import_gradio()
    reasoner, _ = make_reasoner(config.reasoner)

    read_ahead = getattr(reasoner, "read_ahead", None)

    def answer_with(code: Any, question: str, options: list[str] | None) -> Any:
        return reasoner.answer_question(code, question, options, None)

    def reading_ahead(view: View) -> View:
        handlers.start_read_ahead(read_ahead, view)
        return view

    with gr.Blocks(title="spatialcode") as page:
        code_state = gr.State(None)
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                gr.Markdown(_INTRO)
                scene = gr.Dropdown(list(catalog), value=None, label="Scene", elem_id="scene")
                upload = gr.File(label=f"…or upload a scene .json (≤ {config.max_scene_mb:g} MB) or a video "
                                       f"(≤ {config.max_video_mb:g} MB)", file_types=[".json", ".mp4", ".mov", ".avi", ".mkv"],
                                 elem_id="upload")
                question = gr.Textbox(label="Question", placeholder=_EXAMPLE, elem_id="question")
                options = gr.Textbox(label="Options (multiple choice, one a line; optional)", lines=3,
                                     placeholder="A. left\nB. right", elem_id="options")
                ask = gr.Button("Ask", variant="primary", elem_id="ask")
                status = gr.Markdown("Pick a scene to start.", elem_id="status")
                answer = gr.Markdown("", elem_id="answer")
            with gr.Column(scale=2):
                with gr.Row():
                    model3d = gr.Model3D(label="3D view (drag to turn, scroll to zoom)", height=420,
                                         clear_color=(1.0, 1.0, 1.0, 1.0), camera_position=(90, 50, None),
                                         elem_id="model3d")
                    video = gr.Video(label="Video", height=420, visible=False, elem_id="video")
                picture = gr.Image(label="From above", type="filepath", height=360, elem_id="map")
                objects = gr.Dataframe(headers=list(handlers.OBJECT_COLUMNS), label="Objects", interactive=False,
                                       elem_id="objects")
        outputs = [code_state, model3d, picture, video, objects, answer, status]
        opened = _page_event(gr, outputs, show_video=True)
        asked = _page_event(gr, outputs, show_video=False)
        scene.input(opened(lambda name: reading_ahead(handlers.open_scene(name, catalog, workdir))), scene, outputs)
        upload.upload(opened(lambda path: reading_ahead(handlers.open_upload(path, config, workdir))), upload, outputs)
        ask_inputs = [code_state, question, options]
        ask.click(asked(lambda code, q, o: handlers.ask_question(code, q, o, answer_with, workdir)), ask_inputs, outputs)
        question.submit(asked(lambda code, q, o: handlers.ask_question(code, q, o, answer_with, workdir)), ask_inputs,
                        outputs)
    return page


def _page_event(gr: Any, outputs: list[Any], show_video: bool) -> Callable[[Callable[..., View]], Callable[..., Any]]:
    """A decorator turning a handler returning a :class:`View` into a Gradio event function
    returning one value per component of ``outputs``: on an error only the status line changes
    (to the error's one line); an unexpected failure is logged with its traceback on the server
    and shown as one line, never as a traceback. ``show_video``: the video is set (shown when
    there is one), else left as it is."""

    def decorate(handler: Callable[..., View]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def event(*args: Any) -> tuple[Any, ...]:
            try:
                view = handler(*args)
            except Exception as err:  # a bug, not bad input: the page still gets one line
                _LOG.exception("the app failed on a request")
                view = View(error=f"error: the app failed on this request ({type(err).__name__}); "
                                  "the server's log has the details")
            skip = gr.skip()
            if view.error is not None:
                return (*([skip] * (len(outputs) - 1)), view.error)
            shown_video = gr.update(value=str(view.video) if view.video else None, visible=view.video is not None)
            return (view.code, str(view.model), str(view.map), shown_video if show_video else skip,
                    view.objects, view.answer, view.status)

        return event

    return decorate
