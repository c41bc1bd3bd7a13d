"""spatialcode: explicit 3D spatial code of a scene, and spatial reasoning over it.

The Python API mirrors the command line::

    import spatialcode
    code = spatialcode.SpatialCode.load("scene.json")
    spatialcode.answer(code, "How many chair(s) are in this room?").prediction
    codes = spatialcode.convert_vsibench_meta("meta_info/", "codes/")   # spatialcode convert vsibench-meta
    spatialcode.evaluate(...)                                            # spatialcode eval
"""

from spatialcode.core.lazy import lazy_exports
from spatialcode.core.version import __version__

#: The API names and the module each lives in, imported on first use: ``import spatialcode``
#: (or ``import spatialcode.geometry``) loads nothing more than it needs.
_EXPORTS = {
    "Box3D": "spatialcode.geometry.box",
    "EvalConfig": "spatialcode.bench.evaluate",
    "ReasonerConfig": "spatialcode.reason.registry",
    "Solver": "spatialcode.reason.solver",
    "SolverConfig": "spatialcode.reason.solver",
    "SpatialCode": "spatialcode.scene",
    "SpatialObject": "spatialcode.scene",
    "answer": "spatialcode.reason.solver",
    "convert_vsibench_meta": "spatialcode.formats.vsibench_meta",
    "evaluate": "spatialcode.bench.evaluate",
    "load_config": "spatialcode.core.config",
    "parse_question": "spatialcode.questions.vsibench",
    "run_eval": "spatialcode.bench.evaluate",
}

__all__ = ["__version__", *sorted(_EXPORTS)]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
