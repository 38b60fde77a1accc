"""The base llama model in torch, small and explicit, with per-example LoRA on ``down_proj``.

Weights use the Hugging Face layout (rotate-half RoPE), loaded from the same
GGUF llama.cpp runs (dequantized). Adapters are an explicit ``forward``
argument, never a patched method: ``model(ids, lora=LoraBatch(...))``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from engine.core.base import BaseSpec
from engine.core.lora import apply_lora


@dataclass(frozen=True)
class LlamaConfig:
    """Shape of a llama model (read from a GGUF by :meth:`from_spec`, or chosen for tests)."""

    vocab_size: int
    n_layer: int
    d_model: int
    d_ff: int
    n_head: int
    n_kv_head: int
    rope_theta: float = 10000.0
    rms_eps: float = 1e-5
    tied_embeddings: bool = True

    def __post_init__(self) -> None:
        if self.d_model % self.n_head or self.n_head % self.n_kv_head:
            raise ValueError(f"d_model {self.d_model} / n_head {self.n_head} / n_kv_head {self.n_kv_head} do not divide")
        if (self.d_model // self.n_head) % 2:
            raise ValueError("head_dim must be even for RoPE")

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head

    @classmethod
    def from_spec(cls, spec: BaseSpec) -> "LlamaConfig":
        return cls(vocab_size=spec.vocab_size, n_layer=spec.n_layer, d_model=spec.d_model, d_ff=spec.d_ff,
                   n_head=spec.n_head, n_kv_head=spec.n_kv_head, rope_theta=spec.rope_theta,
                   rms_eps=spec.rms_eps, tied_embeddings=spec.tied_embeddings)


@dataclass(frozen=True)
class LoraBatch:
    """One down_proj adapter per example. A: (N, L, R, d_ff), B: (N, L, d_model, R); delta = scale * B @ A."""

    A: torch.Tensor
    B: torch.Tensor
    scale: float


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (xf * self.weight.float()).to(x.dtype)


def rope_tables(T: int, head_dim: int, theta: float, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """cos, sin of shape (T, head_dim) for rotate-half RoPE, in float32."""
    inv = 1.0 / theta ** (torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim)
    freqs = torch.outer(torch.arange(T, device=device, dtype=torch.float32), inv)  # (T, hd/2)
    emb = torch.cat([freqs, freqs], dim=-1)  # (T, hd)
    return emb.cos(), emb.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: (N, H, T, hd); rotate-half RoPE computed in float32."""
    xf = x.float()
    x1, x2 = xf.chunk(2, dim=-1)
    rot = torch.cat([-x2, x1], dim=-1)
    return (xf * cos + rot * sin).to(x.dtype)


class Block(nn.Module):
    """One llama decoder layer: attention then SwiGLU MLP, both pre-norm residual."""

    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.cfg = cfg
        hd, kv = cfg.head_dim, cfg.n_kv_head * cfg.head_dim
        self.attn_norm = RMSNorm(cfg.d_model, cfg.rms_eps)
        self.wq = nn.Linear(cfg.d_model, cfg.n_head * hd, bias=False)
        self.wk = nn.Linear(cfg.d_model, kv, bias=False)
        self.wv = nn.Linear(cfg.d_model, kv, bias=False)
        self.wo = nn.Linear(cfg.n_head * hd, cfg.d_model, bias=False)
        self.ffn_norm = RMSNorm(cfg.d_model, cfg.rms_eps)
        self.w_gate = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.w_up = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.w_down = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def attention(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        N, T, _ = x.shape
        c = self.cfg
        q = self.wq(x).view(N, T, c.n_head, c.head_dim).transpose(1, 2)  # (N, H, T, hd)
        k = self.wk(x).view(N, T, c.n_kv_head, c.head_dim).transpose(1, 2)  # (N, Hkv, T, hd)
        v = self.wv(x).view(N, T, c.n_kv_head, c.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        rep = c.n_head // c.n_kv_head
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (N, H, T, hd)
        return self.wo(y.transpose(1, 2).reshape(N, T, c.n_head * c.head_dim))

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
                lora: tuple[torch.Tensor, torch.Tensor, float] | None = None) -> torch.Tensor:
        x = x + self.attention(self.attn_norm(x), cos, sin)
        h = self.ffn_norm(x)
        g = F.silu(self.w_gate(h)) * self.w_up(h)  # (N, T, d_ff)
        out = self.w_down(g)
        if lora is not None:
            A, B, scale = lora
            out = out + apply_lora(g, A.to(g.dtype), B.to(g.dtype), scale)
        return x + out


class Llama(nn.Module):
    """A llama decoder. ``forward`` returns hidden states; :meth:`logits` maps chosen positions to vocab."""

    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.norm = RMSNorm(cfg.d_model, cfg.rms_eps)
        self.lm_head = None if cfg.tied_embeddings else nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)

    def forward(self, ids: torch.Tensor, lora: LoraBatch | None = None,
                all_layers: bool = False) -> torch.Tensor:
        """ids: (N, T) -> final normed hidden (N, T, d), or with ``all_layers`` the
        residual stream after every layer, stacked: (N, L, T, d) (un-normed)."""
        N, T = ids.shape
        x = self.tok_emb(ids)  # (N, T, d)
        cos, sin = rope_tables(T, self.cfg.head_dim, self.cfg.rope_theta, ids.device)
        outs = []
        for i, layer in enumerate(self.layers):
            adapter = None if lora is None else (lora.A[:, i], lora.B[:, i], lora.scale)
            x = layer(x, cos, sin, adapter)
            if all_layers:
                outs.append(x)
        return torch.stack(outs, dim=1) if all_layers else self.norm(x)

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        """h: (..., d) normed hidden -> (..., vocab) logits in float32."""
        w = self.tok_emb.weight if self.lm_head is None else self.lm_head.weight
        return (h @ w.t().to(h.dtype)).float()


def load_llama(spec: BaseSpec, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> Llama:
    """Build the torch model of a GGUF base with its dequantized weights (frozen, eval mode)."""
    from engine.core.gguf_weights import load_weights

    cfg = LlamaConfig.from_spec(spec)
    with torch.device("meta"):
        model = Llama(cfg)
    state = {k: torch.from_numpy(v) for k, v in load_weights(spec).items()}
    model.load_state_dict(state, strict=True, assign=True)
    model = model.to(device=device, dtype=dtype).eval()
    model.requires_grad_(False)
    return model
