"""The web app (``spatialcode serve``): a page where a person picks or uploads a scene or a video,
sees its spatial code in 3D and from above, asks a question and sees the answer with the objects
its derivation used highlighted. :mod:`.handlers` holds what the page does as plain functions
(tested without a browser), :mod:`.page` lays the page out with Gradio (imported only there, when
the page is built), :mod:`.config` its settings. May import every part below the command line
(the video path goes through :mod:`spatialcode.encode`'s cache). Its names are imported on first
use."""

from spatialcode.core.lazy import lazy_exports

_EXPORTS = {
    "ServeConfig": "spatialcode.app.config",
    "build_page": "spatialcode.app.page",
    "serve_page": "spatialcode.app.page",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
