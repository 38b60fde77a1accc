"""Read a llama GGUF's tensors as dequantized float32 numpy arrays, in Lorafy's names (no torch).

GGUF stores q/k projections permuted for llama.cpp's interleaved RoPE; Lorafy's
torch model and ONNX graph use the Hugging Face layout (rotate-half RoPE), so
:func:`unpermute_qk` undoes that permutation and :func:`permute_qk` redoes it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from engine.core.base import BaseModelError, BaseSpec

# GGUF tensor name -> Lorafy parameter name; {i} is the layer index.
LAYER_NAMES = {
    "blk.{i}.attn_norm.weight": "layers.{i}.attn_norm.weight",
    "blk.{i}.attn_q.weight": "layers.{i}.wq.weight",
    "blk.{i}.attn_k.weight": "layers.{i}.wk.weight",
    "blk.{i}.attn_v.weight": "layers.{i}.wv.weight",
    "blk.{i}.attn_output.weight": "layers.{i}.wo.weight",
    "blk.{i}.ffn_norm.weight": "layers.{i}.ffn_norm.weight",
    "blk.{i}.ffn_gate.weight": "layers.{i}.w_gate.weight",
    "blk.{i}.ffn_up.weight": "layers.{i}.w_up.weight",
    "blk.{i}.ffn_down.weight": "layers.{i}.w_down.weight",
}
GLOBAL_NAMES = {
    "token_embd.weight": "tok_emb.weight",
    "output_norm.weight": "norm.weight",
    "output.weight": "lm_head.weight",
}


def name_map(n_layer: int) -> dict[str, str]:
    """Every GGUF tensor name of an ``n_layer`` llama mapped to its Lorafy name."""
    out = dict(GLOBAL_NAMES)
    for i in range(n_layer):
        out.update({g.format(i=i): t.format(i=i) for g, t in LAYER_NAMES.items()})
    return out


def unpermute_qk(w: np.ndarray, n_head: int) -> np.ndarray:
    """GGUF (interleaved RoPE) layout -> HF (rotate-half) layout. w: (n_head * head_dim, d_in)."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def permute_qk(w: np.ndarray, n_head: int) -> np.ndarray:
    """HF (rotate-half) layout -> GGUF layout; the inverse of :func:`unpermute_qk`."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def iter_weights(spec: BaseSpec, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, np.ndarray]]:
    """Yield (lorafy_name, float32 array) for every tensor of the base, dequantized, q/k un-permuted."""
    from gguf import GGUFReader
    from gguf.quants import dequantize

    names = name_map(spec.n_layer)
    try:
        reader = GGUFReader(spec.path)
    except Exception as e:
        raise BaseModelError(f"{spec.path}: cannot read tensors ({e})") from e
    for t in reader.tensors:
        name = names.get(t.name)
        if name is None:
            raise BaseModelError(f"{spec.path}: unexpected tensor {t.name!r} for a llama model")
        if name in skip:
            continue
        w = np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        if name.endswith("wq.weight"):
            w = unpermute_qk(w, spec.n_head)
        elif name.endswith("wk.weight"):
            w = unpermute_qk(w, spec.n_kv_head)
        yield name, np.array(w, dtype=np.float32, order="C", copy=True)  # writable, detached from the mmap


def load_weights(spec: BaseSpec, skip: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """All weights of the base as a dict; checks that no expected tensor is missing."""
    weights = dict(iter_weights(spec, skip))
    expected = set(name_map(spec.n_layer).values()) - set(skip)
    if spec.tied_embeddings:
        expected.discard("lm_head.weight")
    missing = sorted(expected - set(weights))
    if missing:
        raise BaseModelError(f"{spec.path}: missing tensors {missing[:5]}{'...' if len(missing) > 5 else ''}")
    return weights
