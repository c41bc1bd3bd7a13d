"""spatialcode: explicit 3D spatial code of a scene, and spatial reasoning over it.

The Python API mirrors the command line::

    import spatialcode
    code = spatialcode.SpatialCode.load("scene.json")
    spatialcode.answer(code, "How many chair(s) are in this room?").prediction
    codes = spatialcode.convert_vsibench_meta("meta_info/", "codes/")   # spatialcode convert vsibench-meta
    spatialcode.evaluate(...)                                            # spatialcode eval
"""

import importlib
from typing import Any

from spatialcode.core.version import __version__

#: The API names and the module each lives in, imported on first use: ``import spatialcode``
#: (or ``import spatialcode.geometry``) loads nothing more than it needs.
_EXPORTS = {
    "Box3D": "spatialcode.geometry.box",
    "Solver": "spatialcode.reason.solver",
    "SolverConfig": "spatialcode.reason.solver",
    "SpatialCode": "spatialcode.scene",
    "SpatialObject": "spatialcode.scene",
    "answer": "spatialcode.reason.solver",
    "convert_vsibench_meta": "spatialcode.formats.vsibench_meta",
    "evaluate": "spatialcode.bench.evaluate",
    "parse_question": "spatialcode.questions.vsibench",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    """The API name ``name``, imported from its module on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'spatialcode' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
