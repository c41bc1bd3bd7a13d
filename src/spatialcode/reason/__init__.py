"""Answering questions over a spatial code: the exact solver (:mod:`.solver`), language-model
reasoners reading the code (:mod:`.llm`) or calling its geometry as tools (:mod:`.llm_tools`,
:mod:`.tools`, :mod:`.tool_protocols`, the :mod:`.sandbox`), their model backends
(:mod:`.backends`), and one config tree that builds any of them (:mod:`.registry`). Its names
are imported on first use."""

from spatialcode.core.lazy import lazy_exports

_EXPORTS = {
    "Answer": "spatialcode.reason.answer",
    "LLMConfig": "spatialcode.reason.llm",
    "LLMReasoner": "spatialcode.reason.llm",
    "ModelConfig": "spatialcode.reason.registry",
    "ReasonerConfig": "spatialcode.reason.registry",
    "Solver": "spatialcode.reason.solver",
    "SolverConfig": "spatialcode.reason.solver",
    "ToolLLMConfig": "spatialcode.reason.llm_tools",
    "ToolLLMReasoner": "spatialcode.reason.llm_tools",
    "answer": "spatialcode.reason.solver",
    "make_backend": "spatialcode.reason.llm",
    "make_reasoner": "spatialcode.reason.registry",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
