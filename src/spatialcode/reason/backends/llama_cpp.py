"""GGUF models on the CPU through llama.cpp (llama-cpp-python, the ``llamacpp`` extra: it
compiles for several minutes when installed). The chat template is the one stored in the GGUF
file; ``n_ctx`` bounds prompt plus reply."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from spatialcode.errors import SpatialCodeError
from spatialcode.reason.backends.base import Completion, Sampling, existing_gguf
from spatialcode.reason.prompt import Prompt
from spatialcode.validation import check_whole_number


@dataclass(frozen=True)
class LlamaCppConfig:
    """The ``model`` (.gguf file), context length ``n_ctx`` (tokens) and CPU ``threads``
    (``None``: llama.cpp's default)."""

    model: str
    n_ctx: int = 8192
    threads: int | None = None

    def __post_init__(self) -> None:
        check_whole_number(self.n_ctx, "n_ctx", minimum=256)
        check_whole_number(self.threads, "threads", optional=True)


class LlamaCppBackend:
    """Completions from a GGUF model through llama.cpp."""

    def __init__(self, config: LlamaCppConfig) -> None:
        path = existing_gguf(config.model)
        try:
            from llama_cpp import Llama
        except ImportError:
            raise SpatialCodeError("llama.cpp is not installed: pip install -e '.[llamacpp]' (compiles for a few "
                                   "minutes), or use the transformers backend") from None
        self.config, self.model = config, str(path)
        self.llm = Llama(model_path=str(path), n_ctx=config.n_ctx, n_threads=config.threads, verbose=False)

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[Completion]:
        """One completion per prompt, in order."""
        return [self._complete_one(prompt, sampling) for prompt in prompts]

    def _complete_one(self, prompt: Prompt, sampling: Sampling) -> Completion:
        start = time.perf_counter()
        try:
            response = self.llm.create_chat_completion(
                messages=prompt.messages(), temperature=sampling.temperature, top_p=sampling.top_p,
                max_tokens=sampling.max_tokens, stop=list(sampling.stop) or None, seed=sampling.seed)
        except ValueError as err:  # e.g. the prompt does not fit n_ctx
            return Completion("", seconds=time.perf_counter() - start, error=f"ValueError: {err}")
        usage = response.get("usage") or {}
        text = response["choices"][0]["message"].get("content") or ""
        return Completion(text, usage.get("prompt_tokens"), usage.get("completion_tokens"), time.perf_counter() - start)
