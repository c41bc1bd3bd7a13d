"""Training the reasoning LLM on synthetic questions: training rows (:mod:`.data`), the spatial
rubric reward (:mod:`.rewards`, :mod:`.rubric`: format, accuracy, grounding, perspective,
quantities, consistency), supervised warm start (:mod:`.sft`) and GRPO (:mod:`.grpo`). Its names
are imported on first use (the trainers load torch only when run)."""

from spatialcode.core.lazy import lazy_exports

_EXPORTS = {
    "GRPORunConfig": "spatialcode.rl.grpo",
    "RewardConfig": "spatialcode.rl.config",
    "SFTRunConfig": "spatialcode.rl.sft",
    "SpatialRubricReward": "spatialcode.rl.rewards",
    "run_grpo": "spatialcode.rl.grpo",
    "run_sft": "spatialcode.rl.sft",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
