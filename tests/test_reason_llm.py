"""The LLM reasoner: prompt → backend → extraction, the records it leaves, backend choice by the
model argument (a local server process, a tiny random transformers model)."""

from __future__ import annotations

import pytest

from spatialcode.core.errors import SpatialCodeError
from spatialcode.reason.backends import Completion, Sampling
from spatialcode.reason.llm import LLMConfig, LLMReasoner, make_backend
from spatialcode.reason.prompt import PromptConfig
from tests.fixtures import fake_openai_server, small_scene


class _Scripted:
    """A backend that replies with the next scripted text (or fails) and keeps the prompts."""

    model = "scripted"

    def __init__(self, *replies: str | None) -> None:
        self.replies, self.prompts = list(replies), []

    def complete(self, prompts, sampling):
        self.prompts += prompts
        reply = self.replies.pop(0)
        return [Completion("", error="HTTP 500") if reply is None else
                Completion(reply, prompt_tokens=100, completion_tokens=7, seconds=0.25)]


def test_answers_carry_the_reply_its_parse_and_costs():
    backend = _Scripted("<think>the sofa is 2.1 m long</think><answer>210 cm</answer>",
                        "<answer>2.1 m</answer>", "<answer>I cannot tell</answer>", "<answer>right</answer>")
    reasoner = LLMReasoner(backend, LLMConfig(PromptConfig(serialisation="python", objects="question")))
    size = "What is the length of the longest dimension (length, width, or height) of the sofa, measured in centimeters?"
    first = reasoner.answer_question(small_scene(), size, None, "object_size_estimation")
    assert first.prediction == "210" and first.answered
    assert first.extra == {"reply": "<think>the sofa is 2.1 m long</think><answer>210 cm</answer>", "parse": "ok",
                           "prompt_tokens": 100, "completion_tokens": 7, "reused_prompt_tokens": None, "latency_s": 0.25,
                           "cached": False}
    assert "sofa_1 = Box(" in backend.prompts[0].user and "laptop" not in backend.prompts[0].user.split("Objects")[1]
    assert reasoner.answer_question(small_scene(), size, None, "object_size_estimation").prediction == "210"  # m → cm
    refused = reasoner.answer_question(small_scene(), size, None, "object_size_estimation")
    assert refused.prediction == "" and refused.cannot_answer == "model reply refused" and not refused.answered
    direction = reasoner.answer_question(small_scene(), "If I am standing by the sofa and facing the laptop, is the dining "
                                         "chair to my left or right?", ["A. left", "B. right"], "object_rel_direction_easy")
    assert direction.prediction == "B" and direction.to_record()["parse"] == "ok"


def test_a_backend_failure_raises_for_the_run_to_record():
    reasoner = LLMReasoner(_Scripted(None))
    with pytest.raises(SpatialCodeError, match="the model did not answer: HTTP 500"):
        reasoner.answer_question(small_scene(), "How many sofa(s) are in this room?")


def test_make_backend_picks_by_the_model_argument(tmp_path):
    from spatialcode.reason.backends import CachedBackend, OpenAIServerBackend, TransformersBackend
    from tests.fixtures import make_tiny_chat_model

    with fake_openai_server() as url:
        server = make_backend(url)
        assert isinstance(server, OpenAIServerBackend) and server.model == "fake"  # the first model it lists
        cached = make_backend(url, server_model="fake", cache=tmp_path / "cache.sqlite")
        assert isinstance(cached, CachedBackend) and cached.model == "fake"
        reasoner = LLMReasoner(cached)
        answer = reasoner.answer_question(small_scene(), "How many sofa(s) are in this room?")
        assert answer.extra["reply"] == "<answer>number.</answer>" and answer.prediction == ""  # the fake echoes
        assert reasoner.answer_question(small_scene(), "How many sofa(s) are in this room?").extra["cached"] is True
    local = make_backend(make_tiny_chat_model(tmp_path / "tiny"), threads=1)
    assert isinstance(local, TransformersBackend)
    reply = local.complete([_prompt()], Sampling(max_tokens=3))[0]
    assert reply.error is None and 1 <= reply.completion_tokens <= 3 and reply.prompt_tokens > 500
    with pytest.raises(SpatialCodeError, match="no GGUF file at"):
        make_backend(str(tmp_path / "missing.gguf"))
    with fake_openai_server("--no-models") as url:
        with pytest.raises(SpatialCodeError, match="lists no model: name the one to use"):
            make_backend(url)
        assert make_backend(url, server_model="fake").model == "fake"  # a server without /models, named


def _prompt():
    from spatialcode.reason.prompt import build_prompt

    return build_prompt(small_scene(), "How many sofa(s) are in this room?")


def test_a_scene_is_read_ahead_only_by_a_backend_that_keeps_its_context(tmp_path):
    """The reasoner hands the backend the scene's shared beginning (through the response cache);
    a backend without read_ahead (a server), or prompts listing only the question's objects, read
    nothing ahead."""
    from spatialcode.reason.backends.cache import CachedBackend, ResponseCache
    from spatialcode.reason.prompt import build_prompt

    class Reading(_Scripted):
        def read_ahead(self, prompt):
            self.read = prompt
            return Completion("O", prompt_tokens=90, completion_tokens=1)

    code = small_scene()
    reading = Reading("<answer>2</answer>")
    reasoner = LLMReasoner(CachedBackend(reading, ResponseCache(tmp_path / "cache.sqlite")))
    assert reasoner.read_ahead(code) is True
    question = "How many dining chair(s) are in this room?"
    assert build_prompt(code, question).user.startswith(reading.read.user) and "sofa_1" in reading.read.user
    assert reasoner.answer_question(code, question).prediction == "2"
    assert LLMReasoner(_Scripted()).read_ahead(code) is False
    only_named = LLMConfig(prompt=PromptConfig(objects="question"))
    assert LLMReasoner(Reading(), only_named).read_ahead(code) is False

    class TooLong(_Scripted):
        def read_ahead(self, prompt):
            return Completion("", error="ValueError: Requested tokens exceed context window")

    assert LLMReasoner(TooLong()).read_ahead(code) is False
