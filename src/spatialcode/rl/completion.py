"""A completion's text and shape: ``<think>…reasoning…</think><answer>…</answer>``.

TRL hands a reward either plain strings or, for conversational datasets, chat-message lists
(``[{"role": "assistant", "content": "…"}]``); :func:`completion_text` reads both.

Format score (:func:`format_score`, in [0, 1]), a ladder:

* 1.0 — exactly the shape: optional whitespace, one non-empty ``<think>`` block, optional
  whitespace, one non-empty ``<answer>`` block, then nothing but whitespace or end-of-text
  special tokens (``<|im_end|>``, ``</s>``, …);
* 0.5 — each tag once, in that order, both blocks non-empty, but with other text before
  ``<think>``, between the blocks or after ``</answer>``;
* 0.25 — no such shape, but a closed, non-empty ``<answer>`` block (missing or empty think,
  repeated tags, …);
* 0.0 — no closed, non-empty answer block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from spatialcode.core.errors import ValidationError

_TAGS = ("<think>", "</think>", "<answer>", "</answer>")
_ANSWER_BLOCK = re.compile(r"<answer>(.*?)</answer>", re.I | re.S)
_THINK_BLOCK = re.compile(r"<think>(.*?)(?:</think>|<answer>|$)", re.I | re.S)
_END_TOKENS = re.compile(r"<\|[^|>]*\|>|</s>|<eos>", re.I)


def completion_text(completion: str | Sequence[Mapping[str, Any]]) -> str:
    """The text of one completion: the string itself, or the assistant messages' contents of a
    chat-message list joined by newlines."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and all(isinstance(m, Mapping) for m in completion):
        return "\n".join(_content(m.get("content")) for m in completion if m.get("role", "assistant") == "assistant")
    raise ValidationError("completions", f"expected text or a list of chat messages, got {type(completion).__name__}")


def _content(content: Any) -> str:
    """A message's text: a string, or the ``text`` of its parts (``[{"type": "text", "text": …}]``)."""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(part.get("text", "") for part in content if isinstance(part, Mapping))
    return ""


def reasoning_text(text: str) -> str:
    """The reasoning of a completion: the content of its first ``<think>`` block (up to
    ``</think>``, ``<answer>`` or the end), else everything before its first ``<answer>``."""
    think = _THINK_BLOCK.search(text)
    if think is not None:
        return think.group(1).strip()
    return re.split(r"<answer>", text, maxsplit=1, flags=re.I)[0].strip()


def format_score(text: str) -> float:
    """How well ``text`` has the think-then-answer shape, in [0, 1] (see the module docstring)."""
    lowered = text.lower()
    if [lowered.count(tag) for tag in _TAGS] == [1, 1, 1, 1]:
        starts = [lowered.index(tag) for tag in _TAGS]
        if starts == sorted(starts):
            before, think, between, answer, after = (
                text[a:b] for a, b in zip([0, *(s + len(t) for s, t in zip(starts, _TAGS))], [*starts, len(text)]))
            if think.strip() and answer.strip():
                clean = not before.strip() and not between.strip() and not _END_TOKENS.sub("", after).strip()
                return 1.0 if clean else 0.5
    return 0.25 if any(block.strip() for block in _ANSWER_BLOCK.findall(text)) else 0.0
