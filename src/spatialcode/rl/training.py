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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatialcode.core.errors import ValidationError
from spatialcode.core.validation import check_whole_number, optional_number
from spatialcode.rl.data import TrainingDataConfig

#: The projection layers of Qwen2/Llama-style blocks that LoRA adapts by default.
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class ModelConfig:
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
            raise ValidationError("model.path", "missing: give a model folder, a Hugging Face hub id or a GGUF model file")
        check_whole_number(self.threads, "model.threads", optional=True)


@dataclass(frozen=True)
class LoRAConfig:
    """LoRA (peft): rank ``r``, scale ``alpha``, ``dropout`` and the adapted ``target_modules``."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGETS

    def __post_init__(self) -> None:
        check_whole_number(self.r, "lora.r")
        check_whole_number(self.alpha, "lora.alpha")
        object.__setattr__(self, "dropout", optional_number(self.dropout, "lora.dropout", text=True))
        if self.dropout is None or not 0.0 <= self.dropout < 1.0:
            raise ValidationError("lora.dropout", f"expected a number in [0, 1), got {self.dropout}")
        if not self.target_modules:
            raise ValidationError("lora.target_modules", "expected at least one module name")

    def build(self) -> Any:
        """The ``peft.LoraConfig`` for a causal LM."""
        from peft import LoraConfig

        return LoraConfig(r=self.r, lora_alpha=self.alpha, lora_dropout=self.dropout,
                          target_modules=list(self.target_modules), task_type="CAUSAL_LM")


@dataclass(frozen=True)
class TrainingRunConfig:
    """What every training run sets: the ``model``, the ``data``, ``lora`` (``None``: full
    fine-tuning), the ``output_dir``, the optimisation (``learning_rate``, ``max_steps``,
    ``gradient_accumulation_steps``), checkpoints every ``save_steps`` steps, metrics every
    ``logging_steps`` steps, the ``seed`` and ``bf16`` (``None``: on a GPU that supports it)."""

    model: ModelConfig
    data: TrainingDataConfig = field(default_factory=TrainingDataConfig)
    lora: LoRAConfig | None = field(default_factory=LoRAConfig)
    output_dir: str = "runs/train/run"
    learning_rate: float = 2e-5
    max_steps: int = 50
    gradient_accumulation_steps: int = 1
    logging_steps: int = 1
    save_steps: int = 10
    seed: int = 0
    bf16: bool | None = None

    def __post_init__(self) -> None:
        # a number, also when YAML read "2e-4" as text (YAML 1.1 wants "2.0e-4")
        object.__setattr__(self, "learning_rate", optional_number(self.learning_rate, "learning_rate", text=True))
        if self.learning_rate is None or not self.learning_rate > 0:
            raise ValidationError("learning_rate", f"must be > 0, got {self.learning_rate}")
        for name in ("max_steps", "gradient_accumulation_steps", "logging_steps", "save_steps"):
            check_whole_number(getattr(self, name), name)
        check_whole_number(self.seed, "seed", minimum=0)

    def common_args(self) -> dict[str, Any]:
        """The ``transformers.TrainingArguments`` settings every run shares."""
        import torch

        return dict(output_dir=self.output_dir, learning_rate=self.learning_rate, max_steps=self.max_steps,
                    gradient_accumulation_steps=self.gradient_accumulation_steps, logging_steps=self.logging_steps,
                    save_steps=self.save_steps, save_total_limit=2, seed=self.seed, report_to="none",
                    disable_tqdm=True, bf16=bf16_enabled(self.bf16), use_cpu=not torch.cuda.is_available())


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


#: CPU flags of native bf16 matrix products (x86: AVX512-BF16, AMX).
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def slow_dtype_note(dtype: str, cpuinfo: str | None = None) -> str | None:
    """A one-line warning when ``dtype`` is ``bfloat16`` and training runs on a CPU without native
    bf16 (no CUDA GPU; none of :data:`BF16_CPU_FLAGS` in ``cpuinfo``, read from
    ``/proc/cpuinfo`` when not given): there torch emulates bf16 matrix products, many times
    slower than float32 (measured: no step in 10 min against 90 s/step in float32 on a 2-core AMD
    EPYC without AVX-512). ``None`` otherwise, and where the CPU cannot be read."""
    if dtype != "bfloat16":
        return None
    import torch

    if torch.cuda.is_available():
        return None
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    flags = {flag for line in cpuinfo.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[-1].split()}
    if not flags or flags & set(BF16_CPU_FLAGS):
        return None
    return ("model.dtype=bfloat16 on a CPU without native bf16 (no avx512_bf16 or amx_bf16): torch emulates it, many "
            "times slower than float32 here; give --set model.dtype=float32")


def load_policy(settings: ModelConfig) -> tuple[Any, Any]:
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


def train_and_save(trainer: Any, tokenizer: Any, output_dir: str | Path) -> Path:
    """Run ``trainer`` (resuming from the newest checkpoint in ``output_dir``) and save its
    adapter (or model) and the tokenizer to ``<output_dir>/final``; returns that folder."""
    trainer.train(resume_from_checkpoint=last_checkpoint(output_dir))
    final = Path(output_dir) / "final"
    trainer.save_model(str(final))
    tokenizer.save_pretrained(str(final))
    return final


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

    from spatialcode.core.config import config_dict

    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config_dict(config), sort_keys=False), encoding="utf-8")
