"""LLM backends: the OpenAI-compatible client against a small local server process (parallel
requests, retries, per-item failures, an unreachable server), the response cache, transformers
with a tiny random model, and llama.cpp with a tiny GGUF file."""

from __future__ import annotations

import socket

import pytest

from spatialcode.core.errors import SpatialCodeError, ValidationError
from spatialcode.reason.backends import CachedBackend, OpenAIServerBackend, ResponseCache, Sampling, ServerConfig
from spatialcode.reason.backends.cache import cache_key, model_identity
from spatialcode.reason.prompt import Prompt
from tests.fixtures import fake_openai_server


def _prompts(n: int) -> list[Prompt]:
    return [Prompt("system text", f"question number {i}") for i in range(n)]


def test_server_answers_in_order_with_usage():
    with fake_openai_server() as url:
        backend = OpenAIServerBackend(ServerConfig(url, "fake", concurrency=3, retries=0))
        backend.check()
        completions = backend.complete(_prompts(7), Sampling(max_tokens=16))
    assert [c.text for c in completions] == [f"<answer>{i}</answer>" for i in range(7)]
    assert all(c.error is None and c.prompt_tokens == 5 and c.completion_tokens == 3 and c.seconds > 0
               for c in completions)


def test_failures_are_retried_then_recorded_per_item():
    with fake_openai_server("--fail", "2", "--status", "503") as url:
        retried = OpenAIServerBackend(ServerConfig(url, "fake", concurrency=1, retries=2))
        assert retried.complete(_prompts(1), Sampling())[0].text == "<answer>0</answer>"
    with fake_openai_server("--fail", "1", "--status", "500") as url:
        once = OpenAIServerBackend(ServerConfig(url, "fake", concurrency=1, retries=0))
        first, second = once.complete(_prompts(2), Sampling())
    assert first.text == "" and first.error is not None and "500" in first.error
    assert second.text == "<answer>1</answer>" and second.error is None


def test_an_unreachable_server_is_one_clear_error():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = OpenAIServerBackend(ServerConfig(f"http://127.0.0.1:{port}/v1", "fake", retries=0, timeout=2))
    with pytest.raises(SpatialCodeError, match=f"cannot reach an OpenAI-compatible server at http://127.0.0.1:{port}/v1"):
        backend.check()


class _Counting:
    """A backend that answers with the user text and counts what it was asked."""

    model = "counting"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def complete(self, prompts, sampling):
        from spatialcode.reason.backends import Completion

        self.asked += [p.user for p in prompts]
        return [Completion(p.user, error="boom" if "fail" in p.user else None) for p in prompts]


def test_cache_answers_repeats_and_keeps_failures_out(tmp_path):
    inner = _Counting()
    cache = ResponseCache(tmp_path / "cache" / "responses.sqlite")
    backend = CachedBackend(inner, cache)
    prompts = [Prompt("s", "a"), Prompt("s", "b"), Prompt("s", "fail")]
    first = backend.complete(prompts, Sampling())
    assert [c.text for c in first] == ["a", "b", "fail"] and not any(c.cached for c in first)
    again = backend.complete([Prompt("s", "b"), Prompt("s", "c"), Prompt("s", "fail")], Sampling())
    assert [c.cached for c in again] == [True, False, False] and inner.asked == ["a", "b", "fail", "c", "fail"]
    assert len(cache) == 3
    # the key depends on the model, the messages and the sampling
    keys = {cache_key("m", Prompt("s", "a"), Sampling()), cache_key("n", Prompt("s", "a"), Sampling()),
            cache_key("m", Prompt("t", "a"), Sampling()), cache_key("m", Prompt("s", "a"), Sampling(temperature=0.7))}
    assert len(keys) == 4
    cache.close()
    reopened = ResponseCache(tmp_path / "cache" / "responses.sqlite")
    assert len(reopened) == 3 and reopened.get(cache_key("counting", Prompt("s", "a"), Sampling())).text == "a"


def test_a_local_model_rewritten_at_the_same_path_is_asked_again(tmp_path):
    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"first weights")
    inner = _Counting()
    inner.model = str(weights)
    cache = ResponseCache(tmp_path / "responses.sqlite")
    assert CachedBackend(inner, cache).complete([Prompt("s", "a")], Sampling())[0].cached is False
    assert CachedBackend(inner, cache).complete([Prompt("s", "a")], Sampling())[0].cached is True
    weights.write_bytes(b"re-trained weights, longer")  # a re-export to the same path
    assert CachedBackend(inner, cache).complete([Prompt("s", "a")], Sampling())[0].cached is False
    assert inner.asked == ["a", "a"]
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"one")
    before = model_identity(str(folder))
    (folder / "model.safetensors").write_bytes(b"other")
    assert model_identity(str(folder)) != before and model_identity("Qwen/Qwen3-4B") == "Qwen/Qwen3-4B"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"base_url": "localhost:8000"}, "base_url"), ({"model": ""}, "model"), ({"concurrency": 0}, "concurrency"),
    ({"retries": -1}, "retries"), ({"timeout": 0}, "timeout"),
])
def test_server_config_validation(kwargs, field):
    with pytest.raises(ValidationError, match=field):
        ServerConfig(**{"base_url": "http://localhost:8000/v1", "model": "m", **kwargs})


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"temperature": -1}, "temperature"), ({"top_p": 0}, "top_p"), ({"max_tokens": 0}, "max_tokens"),
])
def test_sampling_validation(kwargs, field):
    with pytest.raises(ValidationError, match=field):
        Sampling(**kwargs)


# --------------------------------------------------------------------------------------------
# transformers, with a tiny random model
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    from tests.fixtures import make_tiny_chat_model

    return make_tiny_chat_model(tmp_path_factory.mktemp("tiny-lm"))


def test_transformers_backend_generates_with_counts(tiny_model):
    from spatialcode.reason.backends import TransformersBackend, TransformersConfig

    backend = TransformersBackend(TransformersConfig(tiny_model, threads=1))
    assert backend.model == tiny_model
    prompts = [Prompt("system", "hello"), Prompt("system", "a longer question, 2 m² " * 20)]
    greedy = backend.complete(prompts, Sampling(max_tokens=12))
    again = backend.complete(prompts, Sampling(max_tokens=12))
    assert [c.text for c in greedy] == [c.text for c in again]  # greedy decoding is deterministic
    for prompt, completion in zip(prompts, greedy):
        # byte-level tokenizer without merges: a token per byte, and one per ChatML marker (3 starts, 2 ends)
        chat = f"system\n{prompt.system}\nuser\n{prompt.user}\nassistant\n"
        assert completion.prompt_tokens == len(chat.encode()) + 5
    assert all(1 <= c.completion_tokens <= 12 and c.seconds > 0 and c.error is None for c in greedy)
    sampled = [backend.complete(prompts[:1], Sampling(max_tokens=12, temperature=1.0, seed=seed))[0].text
               for seed in (1, 1, 2)]
    assert sampled[0] == sampled[1] != sampled[2]
    text = greedy[0].text
    first_new = next(i for i in range(1, len(text)) if text.index(text[i]) == i)  # a character not seen before it
    cut = backend.complete(prompts[:1], Sampling(max_tokens=12, stop=(text[first_new],)))[0]
    assert cut.text == text[:first_new]


def test_transformers_missing_model_is_one_clear_error(tmp_path):
    from spatialcode.reason.backends import TransformersBackend, TransformersConfig

    with pytest.raises(SpatialCodeError, match="cannot load the model") as err:
        TransformersBackend(TransformersConfig(str(tmp_path / "nothing-here")))
    assert "\n" not in str(err.value)
    with pytest.raises(SpatialCodeError, match="no GGUF file at"):
        TransformersBackend(TransformersConfig(str(tmp_path / "model.gguf")))
    with pytest.raises(ValidationError, match="dtype"):
        TransformersConfig("m", dtype="int3")


# --------------------------------------------------------------------------------------------
# llama.cpp, with a tiny GGUF file whose greedy replies are known (tests/tiny_gguf.py)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory) -> str:
    from tests.tiny_gguf import write_tiny_gguf

    return str(write_tiny_gguf(tmp_path_factory.mktemp("tiny-gguf") / "tiny.gguf"))


@pytest.mark.parametrize("repack", [True, False])
def test_llama_cpp_backend_answers_the_chat_formatted_prompt(tiny_gguf, repack):
    """The model answers "OK" only after ChatML's generation prompt (its last token "\\n" leads to
    "O", "K", then the end marker), so the reply shows the chat template was applied; the prompt's
    token count is its bytes plus the 5 ChatML markers (3 starts, 2 ends), counted by hand."""
    import llama_cpp  # noqa: F401  (installed in the test set-up: a missing llama.cpp fails here, it is not skipped)

    from spatialcode.reason.backends.llama_cpp import LlamaCppBackend, LlamaCppConfig

    backend = LlamaCppBackend(LlamaCppConfig(tiny_gguf, n_ctx=256, threads=1, repack=repack))
    assert backend.model == tiny_gguf
    prompt = Prompt("You answer.", "Where is the sofa?")
    [reply] = backend.complete([prompt], Sampling(max_tokens=8))
    chat = "system\nYou answer.\nuser\nWhere is the sofa?\nassistant\n"  # 53 bytes, one token each
    assert (reply.text, reply.prompt_tokens, reply.completion_tokens, reply.error) == ("OK", len(chat.encode()) + 5, 2, None)
    assert reply.seconds > 0
    first = backend.complete([prompt], Sampling(max_tokens=1))[0]
    assert (first.text, first.completion_tokens) == ("O", 1)
    assert backend.complete([prompt], Sampling(max_tokens=8, stop=("K",)))[0].text == "O"
    too_long = backend.complete([Prompt("s", "Where is the sofa? " * 20)], Sampling(max_tokens=8))[0]
    assert too_long.text == "" and too_long.error.startswith("ValueError: ") and "context window of 256" in too_long.error
