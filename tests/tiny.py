"""Build a tiny random llama GGUF (F32) for tests and benchmarks, with the embedded base's tokenizer (no torch).

The tokenizer and chat template are copied from a real GGUF so llama.cpp,
the runtime and the CLI treat the tiny model exactly like a real base.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.core.base import BaseSpec
from engine.core.gguf_weights import name_map, permute_qk

TOKENIZER_KEYS = (
    "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
    "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id", "tokenizer.ggml.add_bos_token",
    "tokenizer.ggml.add_space_prefix", "tokenizer.chat_template",
)


@dataclass(frozen=True)
class TinyConfig:
    """Shape of the random model; vocab comes from the tokenizer source."""

    n_layer: int = 2
    d_model: int = 64
    d_ff: int = 128
    n_head: int = 4
    n_kv_head: int = 2
    context_length: int = 2048
    rope_theta: float = 10000.0
    seed: int = 0
    std: float = 0.05

    def __post_init__(self) -> None:
        if self.d_model % self.n_head or self.n_head % self.n_kv_head:
            raise ValueError("d_model, n_head and n_kv_head must divide")


def random_weights(cfg: TinyConfig, vocab: int) -> dict[str, np.ndarray]:
    """Random float32 weights in Lorafy names and HF layout (seeded)."""
    rng = np.random.default_rng(cfg.seed)
    hd = cfg.d_model // cfg.n_head
    shapes = {"tok_emb.weight": (vocab, cfg.d_model), "norm.weight": (cfg.d_model,)}
    for i in range(cfg.n_layer):
        shapes.update({
            f"layers.{i}.attn_norm.weight": (cfg.d_model,), f"layers.{i}.ffn_norm.weight": (cfg.d_model,),
            f"layers.{i}.wq.weight": (cfg.n_head * hd, cfg.d_model), f"layers.{i}.wk.weight": (cfg.n_kv_head * hd, cfg.d_model),
            f"layers.{i}.wv.weight": (cfg.n_kv_head * hd, cfg.d_model), f"layers.{i}.wo.weight": (cfg.d_model, cfg.n_head * hd),
            f"layers.{i}.w_gate.weight": (cfg.d_ff, cfg.d_model), f"layers.{i}.w_up.weight": (cfg.d_ff, cfg.d_model),
            f"layers.{i}.w_down.weight": (cfg.d_model, cfg.d_ff),
        })
    out = {}
    for name, shape in shapes.items():
        if name.endswith("norm.weight"):
            out[name] = (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:
            out[name] = (cfg.std * rng.standard_normal(shape)).astype(np.float32)
    return out


def _copy_tokenizer(writer, source: Path) -> int:
    from gguf import GGUFReader, GGUFValueType

    reader = GGUFReader(source)
    vocab = 0
    for key in TOKENIZER_KEYS:
        field = reader.fields.get(key)
        if field is None:
            continue
        value = field.contents()
        vtype = field.types[0]
        if vtype == GGUFValueType.ARRAY:
            writer.add_array(key, value)
            if key == "tokenizer.ggml.tokens":
                vocab = len(value)
        else:
            writer.add_key_value(key, value, vtype)
    return vocab


def write_tiny_gguf(path: Path, tokenizer_source: Path, cfg: TinyConfig = TinyConfig()) -> Path:
    """Write a random F32 llama GGUF to ``path`` (atomically) and return the path."""
    from gguf import GGUFWriter

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    writer = GGUFWriter(str(tmp), "llama")
    writer.add_name("lorafy-tiny-random")
    writer.add_block_count(cfg.n_layer)
    writer.add_context_length(cfg.context_length)
    writer.add_embedding_length(cfg.d_model)
    writer.add_feed_forward_length(cfg.d_ff)
    writer.add_head_count(cfg.n_head)
    writer.add_head_count_kv(cfg.n_kv_head)
    writer.add_rope_freq_base(cfg.rope_theta)
    writer.add_rope_dimension_count(cfg.d_model // cfg.n_head)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(0)  # all F32
    vocab = _copy_tokenizer(writer, Path(tokenizer_source))
    writer.add_vocab_size(vocab)
    to_gguf = {v: k for k, v in name_map(cfg.n_layer).items()}
    for name, w in random_weights(cfg, vocab).items():
        if name.endswith("wq.weight"):
            w = permute_qk(w, cfg.n_head)
        elif name.endswith("wk.weight"):
            w = permute_qk(w, cfg.n_kv_head)
        writer.add_tensor(to_gguf[name], w)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def tiny_base(dir: Path, tokenizer_source: Path, cfg: TinyConfig = TinyConfig()) -> BaseSpec:
    """Write the tiny model into ``dir`` (if absent) and return its spec."""
    from engine.core.base import load_base

    path = Path(dir) / f"tiny-{cfg.n_layer}x{cfg.d_model}-s{cfg.seed}.gguf"
    if not path.exists():
        write_tiny_gguf(path, tokenizer_source, cfg)
    return load_base(path)
