"""LoRA math: per-example application, chunk concatenation, and the llama.cpp scale conversion."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.core.lora import apply_lora, concat_ranks, delta_weight, llama_cpp_alpha, scale_from_llama_cpp_alpha


def test_apply_equals_delta_weight_numpy_and_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 16))
    A = rng.standard_normal((3, 4, 16))
    B = rng.standard_normal((3, 8, 4))
    want = np.stack([x[i] @ delta_weight(A[i], B[i], 2.5).T for i in range(3)])
    np.testing.assert_allclose(apply_lora(x, A, B, 2.5), want, rtol=1e-10)
    got_t = apply_lora(torch.from_numpy(x), torch.from_numpy(A), torch.from_numpy(B), 2.5)
    np.testing.assert_allclose(got_t.numpy(), want, rtol=1e-10)


def test_concatenated_chunks_equal_summed_deltas():
    rng = np.random.default_rng(1)
    As = [rng.standard_normal((r, 12)) for r in (2, 3, 4)]
    Bs = [rng.standard_normal((6, r)) for r in (2, 3, 4)]
    A, B = concat_ranks(As, Bs, np.concatenate)
    assert A.shape == (9, 12) and B.shape == (6, 9)
    summed = sum(delta_weight(a, b, 1.7) for a, b in zip(As, Bs))
    np.testing.assert_allclose(delta_weight(A, B, 1.7), summed, rtol=1e-10)


def test_llama_cpp_alpha_round_trip_and_meaning():
    scale, rank = 2 * 8 ** 1.5, 24
    alpha = llama_cpp_alpha(scale, rank)
    assert alpha / rank == pytest.approx(scale)  # what llama.cpp multiplies by
    assert scale_from_llama_cpp_alpha(alpha, rank) == pytest.approx(scale)
    with pytest.raises(ValueError):
        llama_cpp_alpha(1.0, 0)
