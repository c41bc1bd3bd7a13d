"""Any OpenAI-compatible chat server — vLLM, SGLang, llama.cpp's server, Ollama, or OpenAI
itself — through the official ``openai`` client: requests in parallel (``concurrency``
threads), the client's retries with exponential backoff on connection errors, timeouts, 429 and
5xx (``retries``), a ``timeout`` per request. A request that still fails becomes a completion
with its ``error`` set (a batch records it and goes on); a server that cannot be reached at all
is one clear error before any work starts (:meth:`OpenAIServerBackend.check`)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.core.validation import check_whole_number
from spatialcode.reason.backends.base import Completion, Sampling
from spatialcode.reason.prompt import Prompt


@dataclass(frozen=True)
class ServerConfig:
    """Where the server is (``base_url``, e.g. ``http://localhost:8000/v1``), the ``model`` name
    it serves (``None``: the first it lists, found by :meth:`OpenAIServerBackend.check`), the API key (default: ``$OPENAI_API_KEY``, else a placeholder local servers
    accept), parallel requests, retries and the per-request timeout (s)."""

    base_url: str
    model: str | None = None
    api_key: str | None = None
    concurrency: int = 4
    retries: int = 3
    timeout: float = 120.0

    def __post_init__(self) -> None:
        if not str(self.base_url).startswith(("http://", "https://")):
            raise ValidationError("base_url", f"expected an http(s):// address, got {self.base_url!r}")
        if self.model is not None and not self.model:
            raise ValidationError("model", "empty: the name the server serves the model under, or None for the first")
        check_whole_number(self.concurrency, "concurrency")
        check_whole_number(self.retries, "retries", minimum=0)
        if not self.timeout > 0:
            raise ValidationError("timeout", f"must be > 0, got {self.timeout}")

#: Characters of a reply kept per token asked for: a server that ignores ``max_tokens`` cannot
#: make a prediction row, or the next turn's prompt, larger than this.
MAX_CHARS_PER_TOKEN = 8


class OpenAIServerBackend:
    """Completions from an OpenAI-compatible server (see the module docstring)."""

    def __init__(self, config: ServerConfig) -> None:
        from openai import OpenAI

        self.config = config
        self.model = config.model or ""
        self.client = OpenAI(base_url=config.base_url, api_key=config.api_key or os.environ.get("OPENAI_API_KEY") or "none",
                             timeout=config.timeout, max_retries=config.retries)

    def check(self) -> list[str]:
        """The names of the models the server lists (empty when it has no /models), after one
        clear :class:`SpatialCodeError` when it cannot be reached or refuses the key; with no
        ``model`` configured, the first listed becomes :attr:`model` (none listed: an error)."""
        import openai

        served: list[str] = []
        try:
            served = [m.id for m in self.client.with_options(max_retries=0, timeout=min(self.config.timeout, 10.0))
                      .models.list().data]
        except openai.APIConnectionError:
            raise SpatialCodeError(f"cannot reach an OpenAI-compatible server at {self.config.base_url}: start it "
                                   "(e.g. vllm serve MODEL, llama-server -m FILE.gguf) or give its address") from None
        except openai.APIStatusError as err:
            if err.status_code in (401, 403):
                raise SpatialCodeError(f"the server at {self.config.base_url} refused the API key "
                                       f"(HTTP {err.status_code}): set OPENAI_API_KEY") from None
            # some servers have no /models: reachable is enough
        if not self.model:
            if not served:
                raise SpatialCodeError(f"the server at {self.config.base_url} lists no model: name the one to use "
                                       "(ServerConfig.model; server_model when a reasoner or backend is made)")
            self.model = served[0]
        return served

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling) -> list[Completion]:
        """One completion per prompt, in order; up to ``concurrency`` requests at a time. A single
        prompt is sent from the calling thread, so that a time limit there
        (:mod:`spatialcode.bench.time_limit`) stops its request; an interrupted call does not wait
        for the requests still in flight."""
        if len(prompts) <= 1:
            return [self._complete_one(prompt, sampling) for prompt in prompts]
        pool = ThreadPoolExecutor(max_workers=min(self.config.concurrency, len(prompts)))
        try:
            return list(pool.map(lambda prompt: self._complete_one(prompt, sampling), prompts))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _complete_one(self, prompt: Prompt, sampling: Sampling) -> Completion:
        import openai

        start = time.perf_counter()
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=prompt.messages(), temperature=sampling.temperature, top_p=sampling.top_p,
                max_tokens=sampling.max_tokens, seed=sampling.seed, stop=list(sampling.stop) or None)
        except openai.OpenAIError as err:
            return Completion("", seconds=time.perf_counter() - start, error=f"{type(err).__name__}: {err}")
        usage = response.usage
        text = (response.choices[0].message.content if response.choices else "") or ""
        text = text[: sampling.max_tokens * MAX_CHARS_PER_TOKEN].encode("utf-8", "replace").decode("utf-8")  # no lone surrogates
        return Completion(text, usage.prompt_tokens if usage else None,
                          usage.completion_tokens if usage else None,
                          time.perf_counter() - start)
