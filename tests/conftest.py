"""Shared fixtures: the embedded base's spec, a tiny random F32 llama built from it, seeded random adapters, a tiny hypernetwork bundle."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pytest
from tiny import tiny_base

from engine.core.adapter import LoraAdapter
from engine.core.base import BaseSpec, load_base

RANK = 8
DEFAULT_SCALE = 2 * RANK ** 1.5 / 8  # Doc-to-LoRA's 2 r^1.5, damped so deltas are visible but not overwhelming


@pytest.fixture(scope="session")
def embedded_spec() -> BaseSpec:
    """The embedded SmolLM2-135M base (sha256-checked)."""
    return load_base()


@pytest.fixture(scope="session")
def tiny_spec(tmp_path_factory: pytest.TempPathFactory, embedded_spec: BaseSpec) -> BaseSpec:
    """A 2-layer random F32 llama (d_model 64, d_ff 128) with the embedded base's tokenizer."""
    return tiny_base(tmp_path_factory.mktemp("tiny"), embedded_spec.path)


def random_adapter(spec: BaseSpec, rank: int = RANK, seed: int = 0, scale: float = DEFAULT_SCALE,
                   b_std: float = 0.02, meta: dict[str, str] | None = None) -> LoraAdapter:
    """A seeded random adapter: A ~ N(0, 1/sqrt(d_ff)) (std), B ~ N(0, b_std)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(0.0, spec.d_ff ** -0.5, (spec.n_layer, rank, spec.d_ff)).astype(np.float32)  # (L, R, d_ff)
    B = rng.normal(0.0, b_std, (spec.n_layer, spec.d_model, rank)).astype(np.float32)  # (L, d_model, R)
    return LoraAdapter(A=A, B=B, scale=scale, meta=dict(meta or {}))


@pytest.fixture(scope="session")
def make_adapter() -> Callable[..., LoraAdapter]:
    """``make_adapter(spec, rank=8, seed=0, scale=..., b_std=0.02, meta=None)`` -> a seeded random LoraAdapter."""
    return random_adapter


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_spec: BaseSpec):
    """A runtime bundle (weight-free ONNX graph + fp16 safetensors) of a seeded random hypernetwork for the tiny base.

    ``head_b`` and ``bias_b`` are small random (not zero as at init), so its adapters are non-zero.
    Returns (bundle dir, the float32 torch Hypernet it was exported from).
    """
    import torch

    from engine.nn.hypernet import Hypernet, HypernetConfig
    from export.onnx_export import export_bundle

    torch.manual_seed(0)
    cfg = HypernetConfig(n_layer=tiny_spec.n_layer, d_model=tiny_spec.d_model, d_ff=tiny_spec.d_ff, rank=4,
                         bias_rank=2, latent_dim=32, n_latents=4, n_blocks=1, n_heads=2, chunk_tokens=64,
                         skip_head=2, skip_tail=1)
    hypernet = Hypernet(cfg).eval()
    from engine.nn.model import load_llama

    with torch.no_grad():
        hypernet.calibrate(load_llama(tiny_spec)(torch.randint(0, tiny_spec.vocab_size, (2, 24)), all_layers=True))
        hypernet.head_b.weight.normal_(0.0, 0.05)
        hypernet.bias_b.normal_(0.0, 0.02)
    out = tmp_path_factory.mktemp("tiny_bundle")
    export_bundle(tiny_spec, hypernet, out)
    return out, hypernet
