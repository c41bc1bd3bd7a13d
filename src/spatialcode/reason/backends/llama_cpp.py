"""GGUF models on the CPU through llama.cpp (llama-cpp-python, the ``llamacpp`` extra: it
compiles for several minutes when installed). The chat template is the one stored in the GGUF
file; ``n_ctx`` bounds prompt plus reply."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from spatialcode.core.cpus import usable_cpus
from spatialcode.core.errors import SpatialCodeError
from spatialcode.core.validation import check_whole_number
from spatialcode.reason.backends.base import Completion, Sampling, existing_gguf
from spatialcode.reason.prompt import Prompt


@dataclass(frozen=True)
class LlamaCppConfig:
    """The ``model`` (.gguf file), context length ``n_ctx`` (tokens) and CPU ``threads``
    (``None``: every CPU this process may use, :func:`llama_threads`; llama-cpp-python's own
    default, half of them, leaves a 2-core machine generating on one). ``repack``: let llama.cpp repack the weights for the CPU's
    matrix units (its "extra buffer types"); the environment variable
    ``SPATIALCODE_LLAMA_REPACK=0`` turns it off, for llama.cpp builds that crash with it (seen:
    Q8_0 files on a CPU with AMX, llama-cpp-python 0.3.36)."""

    model: str
    n_ctx: int = 8192
    threads: int | None = None
    repack: bool = field(default_factory=lambda: os.environ.get("SPATIALCODE_LLAMA_REPACK", "1") != "0")

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
        with _weights_repacked(config.repack):
            self.llm = Llama(model_path=str(path), n_ctx=config.n_ctx, n_threads=llama_threads(config.threads),
                             verbose=False)

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


def llama_threads(threads: int | None) -> int:
    """The CPU threads llama.cpp generates with: ``threads``, else every CPU this process may use."""
    return threads if threads is not None else usable_cpus()


@contextlib.contextmanager
def _weights_repacked(repack: bool) -> Iterator[None]:
    """While loading: llama.cpp's model defaults with weight repacking on or off (llama-cpp-python
    has no argument for it)."""
    from llama_cpp import llama_cpp as native

    original = native.llama_model_default_params

    def defaults():  # returns llama.cpp's ctypes structure
        params = original()
        params.use_extra_bufts = repack
        return params

    native.llama_model_default_params = defaults
    try:
        yield
    finally:
        native.llama_model_default_params = original
