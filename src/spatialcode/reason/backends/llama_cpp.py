"""GGUF models on the CPU through llama.cpp (llama-cpp-python, the ``llamacpp`` extra: it
compiles for several minutes when installed). The chat template is the one stored in the GGUF
file; ``n_ctx`` bounds prompt plus reply. Prompts already read are kept on disk
(:mod:`~spatialcode.reason.backends.llama_states`), so a later process asking about the same
scene reads only the new question; :meth:`LlamaCppBackend.read_ahead` reads a scene's prompt
before any question about it is asked (the web app, when a scene is opened)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spatialcode.core.cache_dir import cache_root
from spatialcode.core.cpus import usable_cpus
from spatialcode.core.errors import SpatialCodeError
from spatialcode.core.validation import check_whole_number, positive_number
from spatialcode.reason.backends.base import Completion, Sampling, existing_gguf
from spatialcode.reason.backends.llama_states import STATES_FOLDER, PromptStates, common_prefix, model_folder
from spatialcode.reason.prompt import Prompt


@dataclass(frozen=True)
class LlamaCppConfig:
    """The ``model`` (.gguf file), context length ``n_ctx`` (tokens) and CPU ``threads``
    (``None``: every CPU this process may use, :func:`llama_threads`; llama-cpp-python's own
    default, half of them, leaves a 2-core machine generating on one). ``repack``: let llama.cpp repack the weights for the CPU's
    matrix units (its "extra buffer types"); the environment variable
    ``SPATIALCODE_LLAMA_REPACK=0`` turns it off, for llama.cpp builds that crash with it (seen:
    Q8_0 files on a CPU with AMX, llama-cpp-python 0.3.36).

    ``keep_prompts``: keep llama.cpp's state after a prompt of which at least ``min_new_tokens``
    tokens were read afresh, at most ``max_states`` files and ``max_states_mb`` MB per model, in
    ``states_dir`` (default: the ``llama-states`` folder of the cache folder,
    :func:`~spatialcode.core.cache_dir.cache_root`), and start each prompt from the kept state
    sharing its longest beginning."""

    model: str
    n_ctx: int = 8192
    threads: int | None = None
    repack: bool = field(default_factory=lambda: os.environ.get("SPATIALCODE_LLAMA_REPACK", "1") != "0")
    keep_prompts: bool = True
    states_dir: str | None = None
    max_states: int = 8
    max_states_mb: float = 512.0
    min_new_tokens: int = 64

    def __post_init__(self) -> None:
        check_whole_number(self.n_ctx, "n_ctx", minimum=256)
        check_whole_number(self.threads, "threads", optional=True)
        check_whole_number(self.max_states, "max_states")
        check_whole_number(self.min_new_tokens, "min_new_tokens", minimum=1)
        positive_number(self.max_states_mb, "max_states_mb")


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
        self.states: PromptStates | None = None
        if config.keep_prompts:
            import llama_cpp

            root = Path(config.states_dir) if config.states_dir else cache_root() / STATES_FOLDER
            folder = model_folder(root, path, config.n_ctx, llama_cpp.__version__)
            self.states = PromptStates(folder, self.llm.n_vocab(), config.n_ctx, config.max_states,
                                       int(config.max_states_mb * 2**20))
        self._live_text = ""  # the prompt the context holds now
        self._lock = threading.Lock()  # one llama.cpp context: one prompt at a time

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[Completion]:
        """One completion per prompt, in order."""
        with self._lock:
            return [self._complete_one(prompt, sampling) for prompt in prompts]

    def read_ahead(self, prompt: Prompt) -> Completion:
        """Read ``prompt`` — the beginning later prompts share, e.g.
        :func:`~spatialcode.reason.prompt.scene_prompt` — into the context, keeping its state as
        an answered prompt's is kept, so that a later prompt starting with it (in this process or
        another) reads only the rest. Its one generated token is thrown away."""
        with self._lock:
            return self._complete_one(prompt, Sampling(max_tokens=1))

    def _complete_one(self, prompt: Prompt, sampling: Sampling) -> Completion:
        start = time.perf_counter()
        text = "".join(f"{message['role']}\n{message['content']}\n" for message in prompt.messages())
        self._start_from_kept(text)
        before = self.llm.input_ids[:self.llm.n_tokens].copy()
        try:
            response = self.llm.create_chat_completion(
                messages=prompt.messages(), temperature=sampling.temperature, top_p=sampling.top_p,
                max_tokens=sampling.max_tokens, stop=list(sampling.stop) or None, seed=sampling.seed)
        except ValueError as err:  # e.g. the prompt does not fit n_ctx
            self._live_text = ""
            return Completion("", seconds=time.perf_counter() - start, error=f"ValueError: {err}")
        self._live_text = text
        usage = response.get("usage") or {}
        prompt_tokens = usage.get("prompt_tokens") or 0
        reused = min(_shared_tokens(before, self.llm.input_ids[:prompt_tokens]), max(prompt_tokens - 1, 0))
        if self.states is not None and prompt_tokens - reused >= self.config.min_new_tokens:
            self.states.save(text, self.llm.input_ids[:self.llm.n_tokens], self._context_bytes())
        reply = response["choices"][0]["message"].get("content") or ""
        return Completion(reply, usage.get("prompt_tokens"), usage.get("completion_tokens"),
                          time.perf_counter() - start, reused_prompt_tokens=reused)

    def _start_from_kept(self, text: str) -> None:
        """Load the kept state sharing the longest beginning with the prompt ``text`` when it
        shares more than the live context does."""
        best = self.states.best(text) if self.states is not None else None
        if best is None or best[1] <= common_prefix(self._live_text, text):
            return
        kept = self.states.load(best[0])
        if kept is None:
            return
        from llama_cpp import llama_cpp as native

        size = len(kept.data)
        if native.llama_state_set_data(self.llm.ctx, (ctypes.c_uint8 * size).from_buffer_copy(kept.data), size) != size:
            best[0].unlink(missing_ok=True)  # llama.cpp refused the state: start from nothing
            self.llm.reset()
            self._live_text = ""
            return
        self.llm.input_ids[:kept.tokens.size] = kept.tokens
        self.llm.n_tokens = int(kept.tokens.size)
        # Llama.load_state without its copy of every logit row (0.6 s here): the restored logits
        # are not the prompt's, so llama.cpp must read the prompt's last token again before sampling.
        self.llm._requires_eval = True
        self._live_text = text[:best[1]]

    def _context_bytes(self) -> bytes:
        """llama.cpp's serialised context (its KV cache and last logits)."""
        from llama_cpp import llama_cpp as native

        size = native.llama_state_get_size(self.llm.ctx)
        buffer = (ctypes.c_uint8 * size)()
        written = native.llama_state_get_data(self.llm.ctx, buffer, size)
        return bytes(buffer)[:written]


def _shared_tokens(a: np.ndarray, b: np.ndarray) -> int:
    """How many tokens the arrays ``a`` and ``b`` share from their start."""
    n = min(a.size, b.size)
    differ = np.flatnonzero(a[:n] != b[:n])
    return int(differ[0]) if differ.size else n


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
