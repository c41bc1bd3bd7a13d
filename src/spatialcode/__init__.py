"""spatialcode: explicit 3D spatial code of a scene, and spatial reasoning over it.

The Python API mirrors the command line::

    import spatialcode
    code = spatialcode.SpatialCode.load("scene.json")
    spatialcode.answer(code, "How many chair(s) are in this room?").prediction
    codes = spatialcode.convert_vsibench_meta("meta_info/", "codes/")   # spatialcode convert vsibench-meta
    spatialcode.evaluate(...)                                            # spatialcode eval
"""

__version__ = "0.1.0"

from spatialcode.bench.evaluate import evaluate  # noqa: E402
from spatialcode.formats.vsibench_meta import convert_vsibench_meta  # noqa: E402
from spatialcode.geometry.box import Box3D  # noqa: E402
from spatialcode.questions.vsibench import parse_question  # noqa: E402
from spatialcode.reason.solver import Solver, SolverConfig, answer  # noqa: E402
from spatialcode.scene import SpatialCode, SpatialObject  # noqa: E402

__all__ = [
    "Box3D",
    "Solver",
    "SolverConfig",
    "SpatialCode",
    "SpatialObject",
    "__version__",
    "answer",
    "convert_vsibench_meta",
    "evaluate",
    "parse_question",
]
