"""What the SFT and GRPO runs share: the model and LoRA settings, the run folder (its saved
config, checkpoints to resume from, the per-step metrics log) and the policy model loaded
from a path.

A run folder holds ``config.yaml`` (the settings it ran with), ``checkpoint-<step>/`` (the
trainer's, for resuming after an interruption), ``metrics.jsonl`` (one line per logged step:
loss, learning rate, rewards, lengths, seconds per step, peak memory) and, at the end,
``final/`` (the LoRA adapter, or the whole model without LoRA, with its tokenizer).
"""

from __future__ import annotations

import json
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spatialcode.errors import ValidationError
from spatialcode.validation import check_whole_number

#: The projection layers of Qwen2/Llama-style blocks that LoRA adapts by default.
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class ModelSettings:
    """The policy: ``path`` (a model directory, a cached hub id, or a ``.gguf`` file that
    transformers dequantises), ``init_adapter`` (a LoRA adapter folder merged into it first,
    e.g. the SFT run's ``final/``), weights ``dtype`` and CPU ``threads`` (``None``: torch's
    default)."""

    path: str
    init_adapter: str | None = None
    dtype: str = "float32"
    threads: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path.strip():
            raise ValidationError("model.path", "missing: a model directory, hub id or .gguf file "
                                  "(e.g. the one ../shared/tools/fetch_small_llm.sh prints)")
        check_whole_number(self.threads, "model.threads", optional=True)


@dataclass(frozen=True)
class LoRASettings:
    """LoRA (peft): rank ``r``, scale ``alpha``, ``dropout`` and the adapted ``target_modules``."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGETS

    def __post_init__(self) -> None:
        check_whole_number(self.r, "lora.r")
        check_whole_number(self.alpha, "lora.alpha")
        if not 0.0 <= self.dropout < 1.0:
            raise ValidationError("lora.dropout", f"expected a number in [0, 1), got {self.dropout}")
        if not self.target_modules:
            raise ValidationError("lora.target_modules", "expected at least one module name")

    def build(self) -> Any:
        """The ``peft.LoraConfig`` for a causal LM."""
        from peft import LoraConfig

        return LoraConfig(r=self.r, lora_alpha=self.alpha, lora_dropout=self.dropout,
                          target_modules=list(self.target_modules), task_type="CAUSAL_LM")


def bf16_enabled(requested: bool | None) -> bool:
    """Whether to train in bfloat16: as ``requested``, or (``None``) when a GPU that supports
    it is present; CPU runs train in float32."""
    import torch

    available = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if requested and not available:
        raise ValidationError("bf16", "bfloat16 training needs a GPU that supports it; leave bf16 unset on the CPU")
    return available if requested is None else bool(requested)


def missing_for(bf16: bool | None, use_vllm: bool = False) -> list[str]:
    """What this machine lacks for a run asking for ``bf16`` and ``use_vllm`` (one line each;
    empty when it can run)."""
    import importlib.util

    import torch

    missing = []
    if (bf16 or use_vllm) and not torch.cuda.is_available():
        missing.append("no CUDA GPU here: bf16 and vLLM generation need one (run the recipe on a GPU machine)")
    if use_vllm and importlib.util.find_spec("vllm") is None:
        missing.append("vLLM is not installed: pip install vllm (on the GPU machine)")
    return missing


def load_policy(settings: ModelSettings) -> tuple[Any, Any]:
    """The tokenizer and model to train (``init_adapter`` merged in when given)."""
    import torch

    from spatialcode.reason.backends.transformers_local import load_causal_lm

    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    tokenizer, model = load_causal_lm(settings.path, settings.dtype)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if settings.init_adapter is not None:
        from peft import PeftModel

        if not (Path(settings.init_adapter) / "adapter_config.json").is_file():
            raise ValidationError("model.init_adapter", f"no LoRA adapter at {settings.init_adapter} "
                                  "(expected adapter_config.json, e.g. an SFT run's final/ folder)")
        model = PeftModel.from_pretrained(model, settings.init_adapter).merge_and_unload()
    return tokenizer, model


def last_checkpoint(output_dir: str | Path) -> str | None:
    """The newest ``checkpoint-<step>`` folder of a run, to resume from; ``None`` when none."""
    folder = Path(output_dir)
    steps = [(int(p.name.split("-")[1]), p) for p in folder.glob("checkpoint-*") if p.name.split("-")[1].isdigit()]
    return str(max(steps)[1]) if steps else None


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def metrics_callback(path: str | Path) -> Any:
    """A ``transformers.TrainerCallback`` appending each log (step, seconds since the previous
    log, peak memory in MiB, and what the trainer logged) as one JSON line to ``path`` (from
    the main process only)."""
    from transformers import TrainerCallback

    class MetricsLog(TrainerCallback):
        def __init__(self) -> None:
            self.path, self.last = Path(path), time.perf_counter()

        def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
            if not state.is_world_process_zero:  # one log for a multi-process (accelerate) run
                return
            now = time.perf_counter()
            row = {"step": state.global_step, "seconds": round(now - self.last, 3),
                   "peak_memory_mb": round(peak_memory_mb(), 1), **(logs or {})}
            self.last = now
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(json.dumps(row) + "\n")

    return MetricsLog()


def save_run_config(output_dir: str | Path, config: Any) -> None:
    """Write the run's settings to ``<output_dir>/config.yaml``."""
    import yaml

    from spatialcode.rl.run_config import config_dict

    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config_dict(config), sort_keys=False), encoding="utf-8")
