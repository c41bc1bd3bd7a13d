"""Prompts llama.cpp has read, kept on disk for the next process (reason/backends/llama_states.py),
with the tiny GGUF model of tests/tiny_gguf.py: one token per byte plus the ChatML markers, and a
chat prompt is answered "OK" only when the model really read the prompt's last token."""

from __future__ import annotations

import os

import numpy as np
import pytest

from spatialcode.reason.backends.base import Sampling
from spatialcode.reason.backends.llama_states import PromptStates, common_prefix, model_folder
from spatialcode.reason.prompt import Prompt

SYSTEM = "You answer questions about rooms from their objects."
SCENE = "Objects: sofa_1 at 1 2 0, lamp_1 at 3 1 0.\nQuestion: "


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory) -> str:
    from tests.tiny_gguf import write_tiny_gguf

    return str(write_tiny_gguf(tmp_path_factory.mktemp("tiny-gguf") / "tiny.gguf"))


def backend(model: str, states, **settings):
    """A new llama.cpp backend (a new context, as in another process) keeping states in ``states``."""
    from spatialcode.reason.backends.llama_cpp import LlamaCppBackend, LlamaCppConfig

    settings = {"min_new_tokens": 32, **settings}
    return LlamaCppBackend(LlamaCppConfig(model, n_ctx=256, threads=1, states_dir=str(states), **settings))


def chat_tokens(*parts: str, markers: int) -> int:
    """The token count of ChatML text made of ``parts`` (one token per byte) and ``markers``."""
    return sum(len(part.encode()) for part in parts) + markers


def test_a_later_process_reads_only_the_new_question(tiny_gguf, tmp_path):
    first = backend(tiny_gguf, tmp_path).complete([Prompt(SYSTEM, SCENE + "Where is the sofa?")], Sampling(max_tokens=8))[0]
    assert (first.text, first.reused_prompt_tokens) == ("OK", 0)
    [kept] = list(tmp_path.glob("*/*.npz"))

    later = backend(tiny_gguf, tmp_path).complete([Prompt(SYSTEM, SCENE + "Where is the lamp?")], Sampling(max_tokens=8))[0]
    # shared: <|im_start|>system\n SYSTEM <|im_end|>\n <|im_start|>user\n SCENE "Where is the " (then "lamp" ≠ "sofa")
    shared = chat_tokens("system\n", SYSTEM, "\n", "user\n", SCENE, "Where is the ", markers=3)
    assert (later.text, later.reused_prompt_tokens) == ("OK", shared)
    assert later.prompt_tokens == first.prompt_tokens
    assert list(tmp_path.glob("*/*.npz")) == [kept]  # 18 new tokens < min_new_tokens: nothing more kept


def test_without_kept_prompts_every_process_reads_everything(tiny_gguf, tmp_path):
    backend(tiny_gguf, tmp_path).complete([Prompt(SYSTEM, SCENE + "Where is the sofa?")], Sampling(max_tokens=8))
    later = backend(tiny_gguf, tmp_path, keep_prompts=False).complete(
        [Prompt(SYSTEM, SCENE + "Where is the lamp?")], Sampling(max_tokens=8))[0]
    assert (later.text, later.reused_prompt_tokens) == ("OK", 0)


def test_a_kept_state_of_exactly_the_prompt_is_read_again_before_sampling(tiny_gguf, tmp_path):
    """With max_tokens=1 the generated "O" is never read, so the kept tokens are exactly the prompt.
    A backend that has answered something else since (its last logits are that answer's) must read
    the restored prompt's last token again: sampling from the logits it holds gives no "OK"."""
    prompt = Prompt(SYSTEM, SCENE + "Where is the sofa?")
    assert backend(tiny_gguf, tmp_path).complete([prompt], Sampling(max_tokens=1))[0].text == "O"
    later = backend(tiny_gguf, tmp_path)
    # its last read token is "K", whose logits lead to the end marker: an empty reply if sampled from
    assert later.complete([Prompt("Other rules.", "Other room?")], Sampling(max_tokens=8))[0].text == "OK"
    again = later.complete([prompt], Sampling(max_tokens=8))[0]
    assert (again.text, again.reused_prompt_tokens) == ("OK", again.prompt_tokens - 1)


def test_broken_kept_states_are_deleted_and_the_answer_is_unchanged(tiny_gguf, tmp_path):
    backend(tiny_gguf, tmp_path).complete([Prompt(SYSTEM, SCENE + "Where is the sofa?")], Sampling(max_tokens=8))
    [kept] = list(tmp_path.glob("*/*.npz"))
    with np.load(kept) as archive:
        text, tokens = archive["text"], archive["tokens"]
    np.savez(kept, text=text, tokens=tokens + 10_000, state=np.zeros(8, np.uint8))  # token ids beyond the vocabulary
    (kept.parent / "garbage.npz").write_bytes(b"not an archive")
    later = backend(tiny_gguf, tmp_path).complete([Prompt(SYSTEM, SCENE + "Where is the lamp?")], Sampling(max_tokens=8))[0]
    assert (later.text, later.reused_prompt_tokens) == ("OK", 0)
    assert not (kept.parent / "garbage.npz").exists()
    [rewritten] = list(tmp_path.glob("*/*.npz"))  # the bad state went; the new prompt's state was kept
    with np.load(rewritten) as archive:
        assert "lamp" in str(archive["text"]) and archive["tokens"].max() < 300


def test_a_state_llama_cpp_refuses_is_replaced_and_the_prompt_read_whole(tiny_gguf, tmp_path):
    """Valid tokens but context bytes llama.cpp cannot read (zeros): it refuses them, the backend
    starts from nothing, answers as usual and keeps the state of this reading instead."""
    prompt = Prompt(SYSTEM, SCENE + "Where is the sofa?")
    backend(tiny_gguf, tmp_path).complete([prompt], Sampling(max_tokens=8))
    [kept] = list(tmp_path.glob("*/*.npz"))
    with np.load(kept) as archive:
        text, tokens, size = archive["text"], archive["tokens"], archive["state"].size
    np.savez(kept, text=text, tokens=tokens, state=np.zeros(size // 2, np.uint8))
    again = backend(tiny_gguf, tmp_path).complete([prompt], Sampling(max_tokens=8))[0]
    assert (again.text, again.reused_prompt_tokens) == ("OK", 0)
    with np.load(kept) as archive:
        assert archive["state"].size == size  # a readable state again


def test_the_state_sharing_the_longest_beginning_is_chosen_and_the_oldest_forgotten(tmp_path):
    states = PromptStates(tmp_path, n_vocab=300, n_ctx=64, max_states=2)
    ab = states.save("room A: sofa", np.arange(5), b"\x01")
    ac = states.save("room A: table", np.arange(6), b"\x02")
    assert states.best("room A: sofa, lamp") == (ab, len("room A: sofa"))
    assert states.best("room A: tv") == (ac, len("room A: t"))
    assert states.best("kitchen") is None
    os.utime(ab, ns=(1, 1))  # ab is now the least recently used
    states.save("room B", np.arange(3), b"\x03")
    assert not ab.exists() and ac.exists()
    loaded = states.load(ac)
    assert loaded.tokens.tolist() == list(range(6)) and loaded.data == b"\x02"
    assert states.load(states.save("too long", np.arange(65), b"\x04")) is None  # more tokens than the context


def test_the_states_folder_keeps_to_its_byte_budget_but_always_keeps_the_newest(tmp_path):
    states = PromptStates(tmp_path, n_vocab=300, n_ctx=64, max_states=8, max_bytes=5000)
    first = states.save("a", np.arange(5), bytes(3000))
    os.utime(first, ns=(1, 1))
    second = states.save("b", np.arange(5), bytes(3000))  # the two files exceed 5000 bytes: the older goes
    assert not first.exists() and second.exists()
    assert states.save("c", np.arange(5), bytes(9000)).exists()  # the newest stays, even over the budget
    assert not second.exists()


def test_common_prefix_by_hand():
    assert [common_prefix(a, b) for a, b in [("abc", "abd"), ("", "x"), ("abc", "abc"), ("ab", "abc"), ("x", "y")]] \
        == [2, 0, 3, 2, 0]


def test_states_of_another_model_file_or_context_are_kept_apart(tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"1")
    first = model_folder(tmp_path, model, 256, "0.3.36")
    assert model_folder(tmp_path, model, 512, "0.3.36") != first
    assert model_folder(tmp_path, model, 256, "0.3.37") != first
    model.write_bytes(b"22")  # another file under the same name
    assert model_folder(tmp_path, model, 256, "0.3.36") != first


@pytest.mark.parametrize("same_process", [True, False])
def test_a_scene_read_ahead_leaves_the_first_question_only_its_own_tokens(tiny_gguf, tmp_path, same_process):
    """The web app reads an opened scene's prompt before the question is typed: the first question,
    in that backend or in another process, reads only what follows the scene, and is answered."""
    scene = "Objects: sofa_1 at 1 2 0, lamp_1 at 3 1 0.\n\n"
    ahead = backend(tiny_gguf, tmp_path)
    assert ahead.read_ahead(Prompt(SYSTEM, scene)).error is None
    assert len(list(tmp_path.glob("*/*.npz"))) == 1
    asking = ahead if same_process else backend(tiny_gguf, tmp_path)
    first = asking.complete([Prompt(SYSTEM, scene + "Question: Where is the sofa?")], Sampling(max_tokens=8))[0]
    # shared: <|im_start|>system\n SYSTEM <|im_end|>\n <|im_start|>user\n and the scene's text
    assert (first.text, first.reused_prompt_tokens) == ("OK", chat_tokens("system\n", SYSTEM, "\n", "user\n", scene,
                                                                           markers=3))
