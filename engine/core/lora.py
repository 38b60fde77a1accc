"""LoRA math as pure functions that work on numpy arrays and torch tensors alike.

Conventions (peft's): for a linear layer ``y = x W^T`` with ``W: (out, in)``,
a rank-r adapter is ``A: (r, in)`` and ``B: (out, r)`` and its delta is
``dW = scale * B @ A``, so ``y = x W^T + scale * (x A^T) B^T``.

Lorafy's ``scale`` is applied *directly* (Doc-to-LoRA uses ``2 * r**1.5``).
llama.cpp instead multiplies by ``user_scale * alpha / rank``; the one place
that converts between the two is :func:`llama_cpp_alpha`.

Chunked documents: each chunk yields its own (A, B); concatenating them along
the rank dimension gives exactly the sum of their deltas (see
:func:`concat_ranks`), because ``[B1 B2] @ [A1; A2] = B1 A1 + B2 A2``.

No torch import here: the inference path uses these functions with numpy.
"""
from __future__ import annotations

from typing import Any, Sequence

Array = Any  # numpy.ndarray or torch.Tensor


def delta_weight(A: Array, B: Array, scale: float) -> Array:
    """Weight delta of one adapter. A: (..., r, in), B: (..., out, r) -> (..., out, in).

    >>> import numpy as np
    >>> delta_weight(np.ones((1, 2)), np.ones((3, 1)), 0.5).shape
    (3, 2)
    """
    return scale * (B @ A)


def apply_lora(x: Array, A: Array, B: Array, scale: float) -> Array:
    """The adapter's contribution to a linear layer's output, one adapter per example.

    x: (N, T, in); A: (N, r, in); B: (N, out, r) -> (N, T, out).
    Equals ``x @ delta_weight(A, B, scale).swapaxes(-1, -2)`` without forming dW.
    """
    return scale * ((x @ A.swapaxes(-1, -2)) @ B.swapaxes(-1, -2))


def concat_ranks(As: Sequence[Array], Bs: Sequence[Array], cat: Any) -> tuple[Array, Array]:
    """Concatenate several adapters of one layer along the rank dimension.

    ``cat`` is ``numpy.concatenate`` or ``torch.cat`` (both take ``axis``/``dim``
    positionally). A_i: (..., r_i, in), B_i: (..., out, r_i) -> A: (..., sum r, in),
    B: (..., out, sum r). Each adapter must carry the same ``scale``.
    """
    if len(As) != len(Bs) or not As:
        raise ValueError(f"need the same, non-zero number of A and B blocks, got {len(As)} and {len(Bs)}")
    return cat(list(As), -2), cat(list(Bs), -1)


def llama_cpp_alpha(scale: float, rank: int) -> float:
    """The ``adapter.lora.alpha`` that makes llama.cpp apply Lorafy's ``scale``.

    llama.cpp computes ``user_scale * alpha / rank`` (rank = total rank in the
    file); with ``user_scale = 1`` this returns the alpha giving ``scale``.

    >>> llama_cpp_alpha(45.25, 16)
    724.0
    """
    if rank <= 0:
        raise ValueError(f"rank must be positive, got {rank}")
    return float(scale) * rank


def scale_from_llama_cpp_alpha(alpha: float, rank: int) -> float:
    """Inverse of :func:`llama_cpp_alpha` (used when reading a GGUF adapter)."""
    if rank <= 0:
        raise ValueError(f"rank must be positive, got {rank}")
    return float(alpha) / rank
