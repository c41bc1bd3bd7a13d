"""Hugging Face transformers models: a local model directory, a hub id (only what is cached
when the hub is unreachable), or a GGUF file (transformers dequantises it; the CPU default for
GGUF is llama.cpp when installed). Prompts go through the model's chat template; generation is
greedy at temperature 0, sampled otherwise (seeded)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.reason.backends.base import Completion, Sampling, existing_gguf
from spatialcode.reason.prompt import Prompt

DTYPES = ("float32", "bfloat16", "float16")


@dataclass(frozen=True)
class TransformersConfig:
    """The ``model`` (a directory, a hub id, or a ``.gguf`` file), the CPU ``threads`` torch
    uses (``None``: its default) and the weights' ``dtype`` (one of :data:`DTYPES`)."""

    model: str
    threads: int | None = None
    dtype: str = "float32"

    def __post_init__(self) -> None:
        if not str(self.model).strip():
            raise ValidationError("model", "missing: a model directory, hub id or .gguf file")
        if self.dtype not in DTYPES:
            raise ValidationError("dtype", f"expected one of {', '.join(DTYPES)}, got {self.dtype!r}")
        check_whole_number(self.threads, "threads", optional=True)


def load_causal_lm(model: str, dtype: str = "float32") -> tuple[Any, Any]:
    """The tokenizer and causal LM of ``model`` — a local directory, a hub id already cached,
    or a ``.gguf`` file (dequantised: then an ordinary model that can be trained and saved) —
    with weights in ``dtype`` (one of :data:`DTYPES`); a model that cannot be loaded raises one
    clear :class:`SpatialCodeError`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    if dtype not in DTYPES:
        raise ValidationError("dtype", f"expected one of {', '.join(DTYPES)}, got {dtype!r}")
    hf_logging.disable_progress_bar()
    source, extra = str(model), {}
    if str(model).lower().endswith(".gguf"):
        path = existing_gguf(model)
        source, extra = str(path.parent), {"gguf_file": path.name}
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **extra)
        lm = AutoModelForCausalLM.from_pretrained(source, dtype=getattr(torch, dtype), **extra)
    except (OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise SpatialCodeError(f"cannot load the model {model!r} ({first}): give a local model directory "
                               "or .gguf file, or a hub id already in the cache (the hub is not reachable offline)") from None
    if extra:
        _unmark_dequantised(lm)
    return tokenizer, lm


def _unmark_dequantised(lm: Any) -> None:
    """A GGUF model that transformers dequantised (plain floating-point weights, as without the
    ``kernels`` package) still carries the GGUF quantizer, which forbids training and saving
    it; drop that marker. A model left in GGUF blocks keeps it."""
    if getattr(lm, "hf_quantizer", None) is None or not all(p.is_floating_point() for p in lm.parameters()):
        return
    lm.hf_quantizer = None
    lm.is_quantized = False
    if hasattr(lm.config, "quantization_config"):
        del lm.config.quantization_config


class TransformersBackend:
    """Completions from a transformers causal LM (see the module docstring)."""

    def __init__(self, config: TransformersConfig) -> None:
        import torch

        self.config, self.model = config, str(config.model)
        if config.threads is not None:
            torch.set_num_threads(config.threads)
        self.tokenizer, self.lm = load_causal_lm(config.model, config.dtype)
        self.lm.eval()

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[Completion]:
        """One completion per prompt, in order (one at a time: CPU generation is compute-bound)."""
        return [self._complete_one(prompt, sampling) for prompt in prompts]

    def _complete_one(self, prompt: Prompt, sampling: Sampling) -> Completion:
        import torch

        start = time.perf_counter()
        inputs = self.tokenizer.apply_chat_template(prompt.messages(), add_generation_prompt=True, return_tensors="pt",
                                                    return_dict=True)
        settings: dict = {"max_new_tokens": sampling.max_tokens, "do_sample": sampling.temperature > 0,
                          "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id}
        if sampling.temperature > 0:
            settings.update(temperature=sampling.temperature, top_p=sampling.top_p)
            if sampling.seed is not None:
                torch.manual_seed(sampling.seed)
        with torch.inference_mode():
            output = self.lm.generate(**inputs, **settings)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        new = output[0, prompt_tokens:]
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        for stop in sampling.stop:
            text = text.split(stop)[0]
        return Completion(text, prompt_tokens, int(new.shape[0]), time.perf_counter() - start)
