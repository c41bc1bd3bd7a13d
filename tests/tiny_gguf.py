"""A tiny llama-architecture GGUF file, written with the ``gguf`` package, whose greedy replies are
known in advance: llama.cpp loads it like any GGUF model and the tests check what it generates.

Tokens: the 256 bytes (GPT-2 byte-level text: one token per byte), the ChatML markers
``<|im_start|>`` and ``<|im_end|>`` (end of generation), and ``~~``, the one merge (llama.cpp
needs at least one; the tests' prompts have no ``~``). The chat template is ChatML.

The weights are random except for what fixes the next token: the token embeddings are orthonormal
rows and the attention and feed-forward blocks are scaled down to almost nothing, so the hidden
state at the last position is (nearly) the embedding of the last token; the output matrix maps
each token's embedding to the logit of the token :func:`next_token` names — ``"\\n"`` (the end of
ChatML's generation prompt) → ``"O"`` → ``"K"`` → ``<|im_end|>``, everything else → ``"x"``. A chat
prompt is therefore answered ``"OK"``; a prompt without the generation prompt would not be."""

from __future__ import annotations

from pathlib import Path

import numpy as np

IM_START, IM_END = 256, 257  # token ids of the ChatML markers
CHATML = ("{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
_EMBED, _HEADS, _FF = 320, 4, 32  # the width holds 259 orthonormal embeddings


def byte_level_vocabulary() -> list[str]:
    """GPT-2's printable stand-in for each byte 0…255, in byte order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def next_token(token: int) -> int:
    """The token the model predicts after ``token`` (see the module docstring)."""
    chain = {ord("\n"): ord("O"), ord("O"): ord("K"), ord("K"): IM_END}
    return chain.get(token, ord("x"))


def write_tiny_gguf(path: Path, seed: int = 0) -> Path:
    """Write the model to ``path`` (about 2.5 MB, float32) and return ``path``."""
    import gguf

    rng = np.random.default_rng(seed)
    tokens = [*byte_level_vocabulary(), "<|im_start|>", "<|im_end|>", "~~"]
    vocab = len(tokens)
    embeddings = np.linalg.qr(rng.normal(size=(_EMBED, _EMBED)))[0][:vocab].astype(np.float32)  # orthonormal rows
    output = np.zeros((vocab, _EMBED), np.float32)
    for token in range(vocab):
        output[next_token(token)] += embeddings[token]

    def small(*shape: int) -> np.ndarray:
        return (0.01 * rng.normal(size=shape)).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(512)
    writer.add_embedding_length(_EMBED)
    writer.add_block_count(1)
    writer.add_feed_forward_length(_FF)
    writer.add_head_count(_HEADS)
    writer.add_head_count_kv(_HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([gguf.TokenType.NORMAL] * 256 + [gguf.TokenType.CONTROL] * 2 + [gguf.TokenType.NORMAL])
    writer.add_token_merges(["~ ~"])
    writer.add_bos_token_id(IM_START)
    writer.add_eos_token_id(IM_END)
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML)
    ones = np.ones(_EMBED, np.float32)
    tensors = {"token_embd.weight": embeddings, "output_norm.weight": ones, "output.weight": output,
               "blk.0.attn_norm.weight": ones, "blk.0.ffn_norm.weight": ones,
               **{f"blk.0.attn_{name}.weight": small(_EMBED, _EMBED) for name in ("q", "k", "v", "output")},
               "blk.0.ffn_gate.weight": small(_FF, _EMBED), "blk.0.ffn_up.weight": small(_FF, _EMBED),
               "blk.0.ffn_down.weight": small(_EMBED, _FF)}
    for name, tensor in tensors.items():
        writer.add_tensor(name, tensor)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
