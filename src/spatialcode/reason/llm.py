"""A language model reasoning over the spatial code: the question and the code go into a prompt
(:mod:`~spatialcode.reason.prompt`), a backend answers (:mod:`~spatialcode.reason.backends`),
and the final answer is pulled out of the reply (:mod:`~spatialcode.reason.extract`).

:func:`make_backend` picks the backend from the model argument: an ``http(s)://`` address is an
OpenAI-compatible server; a ``.gguf`` file goes to llama.cpp when llama-cpp-python is installed
(the ``llamacpp`` extra), else to transformers; anything else (a model directory, a hub id) to
transformers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spatialcode.core.errors import SpatialCodeError
from spatialcode.reason.answer import Answer
from spatialcode.reason.backends.base import Backend, Sampling
from spatialcode.reason.extract import extract_answer
from spatialcode.reason.prompt import PromptConfig, answer_unit, build_prompt, scene_prompt
from spatialcode.scene import SpatialCode

#: The command that installs llama.cpp (llama-cpp-python), the fast path for ``.gguf`` files.
LLAMA_CPP_INSTALL = ".venv/bin/pip install llama-cpp-python==0.3.36"


def make_backend(model: str, server_model: str | None = None, cache: str | Path | None = None,
                 threads: int | None = None, keep_prompts: bool = True) -> Backend:
    """The backend for ``model`` (see the module docstring), behind a response cache at
    ``cache`` (an SQLite file) when given; ``server_model`` names the model a server serves
    (default: the first it lists); ``threads`` CPU threads of a local model; ``keep_prompts``:
    llama.cpp keeps the prompts it has read on disk (:mod:`~spatialcode.reason.backends.llama_states`)."""
    backend: Backend
    kind = backend_kind(model)
    if kind == "server":
        from spatialcode.reason.backends.openai_server import OpenAIServerBackend, ServerConfig

        backend = OpenAIServerBackend(ServerConfig(str(model), server_model))
        backend.check()
    elif kind == "llama.cpp":
        from spatialcode.reason.backends.llama_cpp import LlamaCppBackend, LlamaCppConfig

        backend = LlamaCppBackend(LlamaCppConfig(str(model), threads=threads, keep_prompts=keep_prompts))
    else:
        from spatialcode.reason.backends.transformers_local import TransformersBackend, TransformersConfig

        backend = TransformersBackend(TransformersConfig(str(model), threads=threads))
    if cache is not None:
        from spatialcode.reason.backends.cache import CachedBackend, ResponseCache

        backend = CachedBackend(backend, ResponseCache(cache))
    return backend


def _has_llama_cpp() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def backend_kind(model: str) -> str:
    """Which backend :func:`make_backend` gives ``model``: ``"server"`` (an ``http(s)://``
    address), ``"llama.cpp"`` (a ``.gguf`` file, llama-cpp-python installed), ``"transformers-gguf"``
    (a ``.gguf`` file without it: dequantised to float32, the slow fallback) or ``"transformers"``."""
    if str(model).startswith(("http://", "https://")):
        return "server"
    if str(model).lower().endswith(".gguf"):
        return "llama.cpp" if _has_llama_cpp() else "transformers-gguf"
    return "transformers"


def backend_notice(model: str, threads: int | None = None) -> list[str]:
    """The lines to tell a user which backend answers for ``model`` (with ``threads`` CPU
    threads, ``None`` = the backend's default): ``spatialcode: model NAME via llama.cpp (threads
    2)``, plus a warning with the command that installs llama.cpp when a ``.gguf`` file goes
    through the slow transformers fallback."""
    from spatialcode.reason.backends.llama_cpp import llama_threads

    kind = backend_kind(model)
    name = model if kind == "server" else Path(model).name or model
    if kind == "server":
        return [f"spatialcode: model {name} via its OpenAI-compatible server"]
    if kind == "llama.cpp":
        return [f"spatialcode: model {name} via llama.cpp (threads {llama_threads(threads)})"]
    lines = [f"spatialcode: model {name} via transformers ({f'threads {threads}' if threads else 'torch threads'})"]
    if kind == "transformers-gguf":
        lines.append(f"spatialcode: warning: llama-cpp-python is not installed, so {name} is dequantised to float32 and "
                     f"run by transformers: tens of seconds to minutes a question instead of about a second; install "
                     f"the fast path with `{LLAMA_CPP_INSTALL}`")
    return lines


@dataclass(frozen=True)
class LLMConfig:
    """How :class:`LLMReasoner` asks: the prompt settings and the sampling settings."""

    prompt: PromptConfig = field(default_factory=PromptConfig)
    sampling: Sampling = field(default_factory=Sampling)


class LLMReasoner:
    """Answers questions with a language model over the code (see the module docstring)."""

    name = "llm"

    def __init__(self, backend: Backend, config: LLMConfig | None = None) -> None:
        self.backend = backend
        self.config = config or LLMConfig()

    def read_ahead(self, code: SpatialCode) -> bool:
        """Have the backend read the beginning every prompt about ``code`` shares
        (:func:`~spatialcode.reason.prompt.scene_prompt`) before a question is asked, so that
        the first question reads only its own tokens; whether it did (a backend that keeps no
        context, prompts listing only the question's objects, or a prompt the backend could not
        read, e.g. longer than its context: no)."""
        prompt = scene_prompt(code, self.config.prompt)
        reader = getattr(self.backend, "read_ahead", None)
        if prompt is None or reader is None:
            return False
        completion = reader(prompt)
        return completion is not None and completion.error is None

    def answer_question(self, code: SpatialCode, question: str, options: Sequence[str] | None = None,
                        question_type: str | None = None) -> Answer:
        """The model's answer to ``question`` about ``code``; the record carries the reply, its
        parse status, token counts and latency. A backend failure raises (a batch run records it
        as an error row and retries it when resumed)."""
        prompt = build_prompt(code, question, options, question_type, self.config.prompt)
        completion = self.backend.complete([prompt], self.config.sampling)[0]
        if completion.error is not None:
            raise SpatialCodeError(f"the model did not answer: {completion.error}")
        return answer_from_reply(completion.text, question, options, question_type, {
            "prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens,
            "reused_prompt_tokens": completion.reused_prompt_tokens, "latency_s": round(completion.seconds, 3), "cached": completion.cached})


def answer_from_reply(reply: str, question: str, options: Sequence[str] | None, question_type: str | None,
                      record: dict) -> Answer:
    """The :class:`Answer` a model's final ``reply`` gives (extracted in the question's unit),
    recording the reply, its parse status and ``record`` (costs, tool calls)."""
    found = extract_answer(reply, options, answer_unit(question, question_type))
    reason = None if found.parsed else f"model reply {found.status}"
    return Answer(prediction=found.prediction, cannot_answer=reason, value=found.prediction or None,
                  extra={"reply": reply, "parse": found.status, **record})
