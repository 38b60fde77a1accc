"""Compact a LoRA adapter to a bounded rank: per layer, a truncated SVD of its summed delta (numpy, no torch).

A taught document's adapter is the concatenation of one block per 512-token
chunk (see :func:`engine.core.lora.concat_ranks`), so its rank grows with the
document: v12 writes rank 8 + 16 per chunk. Its delta per layer,
``scale * B @ A`` (d_model x d_ff), is what llama.cpp adds; this module
replaces ``(A, B, scale)`` by the best rank-k factorisation of that delta
(Eckart-Young), with k chosen per adapter as the smallest rank that keeps
``energy`` of every layer's squared Frobenius norm, capped at ``rank_cap``.
One k serves all layers: llama.cpp reads one ``alpha`` per file and divides it
by each tensor's rank, so one rank keeps the scale conversion in one place.

The SVD never needs the delta itself while R is small: with ``B = Qb Rb`` and
``A^T = Qa Ra`` (thin QR), ``B A = Qb (Rb Ra^T) Qa^T`` and only the R x R core
is decomposed. Once R nears d_model the QRs cost more than forming the delta,
so the delta is decomposed directly.

The result has ``scale = 1`` and the singular values split evenly between the
factors (``B' = U sqrt(S)``, ``A' = sqrt(S) V^T``), which keeps both in the
range of float16 storage.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from engine.core.adapter import LoraAdapter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompactConfig:
    """How far to compact: at most ``rank_cap``, and the least rank keeping ``energy`` of every layer's delta."""

    rank_cap: int = 32
    energy: float = 1.0  # fraction of sum(sigma^2) kept in every layer; 1.0 = the cap (or the input rank, if less)

    def __post_init__(self) -> None:
        if self.rank_cap < 1:
            raise ValueError(f"rank_cap must be at least 1, got {self.rank_cap}")
        if not 0.0 < self.energy <= 1.0:
            raise ValueError(f"energy must be in (0, 1], got {self.energy}")


@dataclass(frozen=True)
class LayerSVD:
    """One layer's delta as ``U @ diag(S) @ Vt``: U (d_model, n), S (n,) descending, Vt (n, d_ff)."""

    U: np.ndarray
    S: np.ndarray
    Vt: np.ndarray


def layer_svd(A: np.ndarray, B: np.ndarray, scale: float) -> LayerSVD:
    """Thin SVD of ``scale * B @ A``. A: (R, d_ff), B: (d_model, R).

    The small-core path runs in float64; the direct path (large R) in the inputs' precision
    (float32 for hypernetwork outputs: twice as fast, and far below f16 storage's rounding).

    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.standard_normal((3, 8)), rng.standard_normal((5, 3))
    >>> s = layer_svd(A, B, 2.0)
    >>> bool(np.allclose((s.U * s.S) @ s.Vt, 2.0 * B @ A))
    True
    """
    r, (d_model, d_ff) = A.shape[0], (B.shape[0], A.shape[1])
    if 2 * r >= min(d_model, d_ff):  # the QRs would cost more than the delta itself
        dtype = np.result_type(A, B, np.float32)
        delta = (dtype.type(scale) * np.asarray(B, dtype=dtype)) @ np.asarray(A, dtype=dtype)  # (d_model, d_ff)
        U, S, Vt = np.linalg.svd(delta, full_matrices=False)  # (d_model, n), (n,), (n, d_ff)
        return LayerSVD(U.astype(np.float64), S.astype(np.float64), Vt.astype(np.float64))
    A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
    Qb, Rb = np.linalg.qr(B)  # (d_model, R), (R, R)
    Qa, Ra = np.linalg.qr(A.T)  # (d_ff, R), (R, R)
    Uc, S, Vct = np.linalg.svd(scale * (Rb @ Ra.T))  # core (R, R)
    return LayerSVD(Qb @ Uc, S, Vct @ Qa.T)


def energy_rank(S: np.ndarray, energy: float) -> int:
    """The least k whose top-k singular values keep ``energy`` of ``sum(S**2)`` (1 for an all-zero S).

    >>> energy_rank(np.array([3.0, 1.0, 0.1]), 0.85), energy_rank(np.array([3.0, 1.0, 0.1]), 1.0)
    (1, 3)
    """
    power = np.asarray(S, dtype=np.float64) ** 2
    total = power.sum()
    if total <= 0.0:
        return 1
    kept = np.cumsum(power) / total
    return int(min(len(S), np.searchsorted(kept, energy * (1 - 1e-12)) + 1))


def choose_rank(svds: list[LayerSVD], cfg: CompactConfig) -> int:
    """One rank for all layers: the largest energy rank of any layer, capped (and at most the input rank)."""
    need = max(energy_rank(s.S, cfg.energy) for s in svds)
    return max(1, min(cfg.rank_cap, need, min(len(s.S) for s in svds)))


def truncate(s: LayerSVD, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The rank-k factors of one layer at scale 1: A' (k, d_ff), B' (d_model, k), sqrt(S) in each."""
    root = np.sqrt(s.S[:k])
    return root[:, None] * s.Vt[:k], s.U[:, :k] * root[None, :]


def kept_energy(svds: list[LayerSVD], k: int) -> float:
    """The smallest fraction of a layer's squared Frobenius norm kept by rank ``k`` (1.0 for all-zero layers)."""
    fracs = [float((s.S[:k] ** 2).sum() / (s.S ** 2).sum()) for s in svds if (s.S ** 2).sum() > 0]
    return min(fracs, default=1.0)


def compact_adapter(adapter: LoraAdapter, cfg: CompactConfig) -> LoraAdapter:
    """``adapter`` as a rank-k adapter (k by :func:`choose_rank`) whose deltas are the best rank-k approximations.

    An adapter already at or below the rank ``cfg`` would pick comes back with the same delta
    (re-factorised at scale 1). ``meta["compact"]`` records the input rank, the rank kept and
    the smallest energy kept over layers.
    """
    svds = [layer_svd(adapter.A[i], adapter.B[i], adapter.scale) for i in range(adapter.n_layer)]
    k = choose_rank(svds, cfg)
    factors = [truncate(s, k) for s in svds]
    A = np.stack([a for a, _ in factors]).astype(np.float32)  # (L, k, d_ff)
    B = np.stack([b for _, b in factors]).astype(np.float32)  # (L, d_model, k)
    kept = kept_energy(svds, k)
    meta = {**adapter.meta, "compact": f"rank {adapter.rank} to {k}, energy {kept:.4f}"}
    logger.debug("compacted adapter from rank %d to %d (min energy kept %.4f)", adapter.rank, k, kept)
    return replace(adapter, A=np.ascontiguousarray(A), B=np.ascontiguousarray(B), scale=1.0, meta=meta)
