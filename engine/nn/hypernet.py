"""The Doc-to-LoRA hypernetwork: per-layer activations of a text -> a rank-r LoRA for every ``down_proj``.

Design (Sakana's D2L, scaled to a 135M base): the frozen base reads a chunk
and exposes its residual stream after every layer; a Perceiver-style
aggregator shared across layers (layers ride in the batch dimension, told
apart by a learned layer embedding) pulls ``n_latents`` latents out of each
layer's tokens with stacked cross-attention blocks; a decoder with ``rank``
queries per layer reads the latents; each of its outputs is L2-normalised and
a linear head turns it into one row of A and one column of B. B's head starts
at zero (LoRA's own init), so a fresh hypernetwork's adapter is exactly zero
while every B entry still gets a gradient. (D2L zeroes a per-layer output scale
instead; measured here, that leaves the text path in a saddle: after 1,029
steps the scale was 7e-4 and swapping documents' adapters changed nothing, the
bias block did all the work.) A learned, text-independent "bias" LoRA is added
once per adapter.

Inputs: the residual streams are standardised per layer and channel with
statistics measured on training text (SmolLM2's streams carry a few huge,
nearly constant channels: after LayerNorm alone, documents' mean features had
cosine 0.94-0.97, after standardisation ~0), and the chat-template tokens around
the content (including the attention-sink first token, norm ~25,000) are not
read by the aggregator.

Copy slots (``copy_rank > 0``): each chunk also gets ``copy_rank`` key-value
slots per layer, a memory in weights. A slot query (a learned query read out of
the latents, like the rank queries) attends over the chunk's tokens, with keys
from each token's and its predecessor's projected activations; with those
weights, B's column mixes the tokens' own input embeddings (SmolLM2 ties them
to its output), times a learned per-layer gain: the value, "write this
token"; and A's row is a linear map of the mixed predecessors' activations
(the key, "when the context looks like what preceded it"). Why: v10 wrote
numbers into weights but no names at all (``engine.research.answer_probe``); a name's
first token must land as one of 49k embedding directions, which the shared,
256-wide, L2-normalised B head does not reach. An earlier try that only added
copied embeddings to the existing slots' B columns went unused (its gains
stayed at their init over 380 steps), hence slots whose A comes from the same
attention. Measured (8 slots, warm start from v10, 400 steps on the same batches
as a control, ``docs/results/ablation_copy``): distillation loss 7% lower, but a
name's first token still no likelier with the own adapter than with another's.

Word starts (``copy_start``): a document writes a name after a space (" Zur"
"ab"), an answer starts with it ("Z" "ur" "ab"), and for SmolLM2 the first tokens
differ for every name (digits do not: " 4417" is " " "4" "4" "1" "7"). Copying
only the document's own token can never start a bare answer with a name, which is
what the facts targets and name needles ask for. With ``copy_start`` each copy
slot's B also mixes the embeddings of the tokens' word-start forms
(:mod:`engine.nn.word_start`, a (vocab,) table kept as a buffer), with its own
per-layer gain.

Pointer supervision (training only, ``copy_targets``): trained end to end, the
slots' attention stayed spread over the chunk and their gains fell towards 0.
:func:`copy_pointer_nll` asks, for every token where one of the document's
answers starts, that some slot put its weight there. Measured in session 8
(``docs/results/copy_pointer``, 2 × H200, warm start from a word-start run, 300
steps on the same batches as a control): the gold name's first token ranks at
median 4 with the document's own adapter vs 17 with another's (control: 12.5 vs
18); on the user path both arms scored 27.6% on held-out facts (names 4 and 3 of
44; v10: 22.9%, 0 names), so the pointer loss is not yet what moves answers.
Without a gate, past the 16 chunks seen in training the chunks' copy slots add
up to noise (a 35.6k-token needle: 0% vs v10's 98%), hence the copy gate below.
v12 (shipped) has copy slots, word starts and the gate.

Copy gate (``copy_gate``): each copy slot's B is scaled by a gate in (0, 1), a
logistic readout of the slot's query and its largest attention score, so that a
chunk with nothing worth copying writes (almost) nothing however many chunks are
summed. Attention sharpness alone does not tell such chunks apart (session 8: the
largest slot weight is 0.52 in a 35.6k needle's own chunk, 0.37-0.61 in filler
chunks), so the gate is learned: in training (``copy_targets``) a binary
cross-entropy asks it to open on chunks where an answer starts and to close on
the others (:func:`copy_supervision`). It starts open (sigmoid(3) = 0.95), so a
warm start keeps what the slots already write. Measured after 800 steps
(``docs/results/copy_gate``): on 35.6k-token needle haystacks the gate averages
0.89-0.91 on the needle's chunk and 0.003-0.005 on filler chunks.

Chunks: a long text is split into chunks; chunk adapters are concatenated
along the rank (their deltas add), see :func:`combine_chunks`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

HYPERNET_SCHEMA_VERSION = 1
COPY_GAIN_INIT = 0.01  # copied B columns start near the size of v10's late-layer B columns (~0.02), not at 0
COPY_A_INIT_STD = 0.005  # copy slots' A rows start at norm ~0.2, like v10's trained A rows
COPY_GATE_INIT = 3.0  # the copy gate starts open (sigmoid 0.95): a warm start keeps what the slots write


@dataclass(frozen=True)
class HypernetConfig:
    """Sizes of the hypernetwork; base dims must match the base model it was trained for."""

    n_layer: int  # base layers
    d_model: int  # base hidden size
    d_ff: int  # base MLP width (down_proj input)
    rank: int = 8
    bias_rank: int = 8
    latent_dim: int = 256
    n_latents: int = 8
    n_blocks: int = 2
    n_heads: int = 4
    mlp_mult: int = 2
    chunk_tokens: int = 512  # longest chunk seen in training; longer texts are split
    skip_head: int = 0  # encoder-input tokens before the content (chat-template prefix) the aggregator ignores
    skip_tail: int = 0  # ... and after it (template suffix)
    copy_rank: int = 0  # key-value copy slots per chunk and layer, on top of ``rank`` (module docstring)
    copy_start: bool = False  # copy slots also write the copied tokens' word-start forms (module docstring)
    vocab_size: int = 0  # the base's vocabulary (needed with copy_start: the word-start table's size)
    copy_gate: bool = False  # a learned gate scales each copy slot's B (module docstring)

    def __post_init__(self) -> None:
        for k in ("n_layer", "d_model", "d_ff", "rank", "latent_dim", "n_latents", "n_blocks", "n_heads", "chunk_tokens"):
            if getattr(self, k) <= 0:
                raise ValueError(f"HypernetConfig.{k} must be positive, got {getattr(self, k)}")
        if min(self.bias_rank, self.skip_head, self.skip_tail, self.copy_rank) < 0:
            raise ValueError("HypernetConfig.bias_rank, skip_head, skip_tail and copy_rank must be >= 0")
        if self.copy_start and not (self.copy_rank > 0 and self.vocab_size > 0):
            raise ValueError("HypernetConfig.copy_start needs copy_rank > 0 and the base's vocab_size")
        if self.copy_gate and not self.copy_rank:
            raise ValueError("HypernetConfig.copy_gate needs copy_rank > 0")
        if self.latent_dim % self.n_heads:
            raise ValueError(f"latent_dim {self.latent_dim} is not divisible by n_heads {self.n_heads}")

    @property
    def chunk_rank(self) -> int:
        """Rank of one chunk's adapter: the latent slots plus the copy slots."""
        return self.rank + self.copy_rank

    @property
    def scale(self) -> float:
        """Lorafy's LoRA scale, applied directly: 2 * r^1.5 (D2L's choice)."""
        return 2.0 * self.rank ** 1.5

    def to_dict(self) -> dict:
        return asdict(self)


class SwiGLU(nn.Module):
    def __init__(self, d_in: int, d_hidden: int, d_out: int):
        super().__init__()
        self.gate = nn.Linear(d_in, d_hidden, bias=False)
        self.up = nn.Linear(d_in, d_hidden, bias=False)
        self.down = nn.Linear(d_hidden, d_out, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.silu(self.gate(x)) * self.up(x))


class CrossAttention(nn.Module):
    """Queries attend to a key/value set with an optional padding mask; no positional encoding."""

    def __init__(self, dim: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim, bias=False) for _ in range(4))

    def forward(self, q_in: torch.Tensor, kv_in: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """q_in: (M, Q, D); kv_in: (M, S, D); mask: (M, S) bool, True = real token -> (M, Q, D)."""
        M, Q, D = q_in.shape
        S, H = kv_in.shape[1], self.n_heads
        q = self.q(q_in).view(M, Q, H, D // H).transpose(1, 2)  # (M, H, Q, hd)
        k = self.k(kv_in).view(M, S, H, D // H).transpose(1, 2)  # (M, H, S, hd)
        v = self.v(kv_in).view(M, S, H, D // H).transpose(1, 2)
        bias = None
        if mask is not None:
            bias = torch.zeros(M, 1, 1, S, dtype=q.dtype, device=q.device)
            bias = bias.masked_fill(~mask[:, None, None, :], float("-inf"))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)  # (M, H, Q, hd)
        return self.o(y.transpose(1, 2).reshape(M, Q, D))


class LatentBlock(nn.Module):
    """Latents read the tokens (cross-attention), then think (MLP); pre-norm residual."""

    def __init__(self, cfg: HypernetConfig):
        super().__init__()
        D = cfg.latent_dim
        self.norm_q, self.norm_kv, self.norm_mlp = nn.LayerNorm(D), nn.LayerNorm(D), nn.LayerNorm(D)
        self.attn = CrossAttention(D, cfg.n_heads)
        self.mlp = SwiGLU(D, D * cfg.mlp_mult, D)

    def forward(self, lat: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        lat = lat + self.attn(self.norm_q(lat), self.norm_kv(tokens), mask)
        return lat + self.mlp(self.norm_mlp(lat))


class Hypernet(nn.Module):
    """Per-layer base activations of one chunk -> that chunk's LoRA (A, B) for every layer."""

    def __init__(self, cfg: HypernetConfig):
        super().__init__()
        self.cfg = cfg
        D, L = cfg.latent_dim, cfg.n_layer
        self.register_buffer("in_mean", torch.zeros(L, cfg.d_model))  # set by calibrate()
        self.register_buffer("in_std", torch.ones(L, cfg.d_model))
        self.in_norm = nn.LayerNorm(cfg.d_model)
        self.in_proj = SwiGLU(cfg.d_model, 2 * D, D)
        self.layer_emb = nn.Parameter(torch.randn(L, D) * 0.02)
        self.latents = nn.Parameter(torch.randn(cfg.n_latents, D) * 0.02)
        self.blocks = nn.ModuleList(LatentBlock(cfg) for _ in range(cfg.n_blocks))
        self.rank_queries = nn.Parameter(torch.randn(cfg.rank, D) * 0.02)
        self.dec_norm = nn.LayerNorm(D)
        self.decoder = CrossAttention(D, cfg.n_heads)
        self.head_a = nn.Linear(D, cfg.d_ff, bias=False)
        self.head_b = nn.Linear(D, cfg.d_model, bias=False)
        nn.init.zeros_(self.head_b.weight)  # zero delta at step 0, live gradient (see module docstring)
        self.b_scale = nn.Parameter(torch.ones(L))
        r0 = max(cfg.bias_rank, 1)
        self.bias_a = nn.Parameter(torch.randn(L, r0, cfg.d_ff) / math.sqrt(cfg.d_ff))
        self.bias_b = nn.Parameter(torch.zeros(L, cfg.d_model, r0))
        if cfg.copy_rank:
            self.copy_queries = nn.Parameter(torch.randn(cfg.copy_rank, D) * 0.02)
            self.copy_query = nn.Linear(D, D, bias=False)
            self.copy_key = nn.Linear(2 * D, D, bias=False)  # [token, previous token]
            self.copy_norm = nn.LayerNorm(D)
            self.copy_head_a = nn.Linear(D, cfg.d_ff, bias=False)
            nn.init.normal_(self.copy_head_a.weight, std=COPY_A_INIT_STD)
            self.copy_gain = nn.Parameter(torch.full((L,), COPY_GAIN_INIT))
        if cfg.copy_start:
            self.register_buffer("copy_start_ids", torch.arange(cfg.vocab_size))  # set by set_word_starts()
            self.copy_gain_start = nn.Parameter(torch.full((L,), COPY_GAIN_INIT))
        if cfg.copy_gate:
            self.copy_gate = nn.Linear(D + 1, 1)  # [slot query, its largest attention score] -> gate logit
            nn.init.zeros_(self.copy_gate.weight)
            nn.init.constant_(self.copy_gate.bias, COPY_GATE_INIT)

    @torch.no_grad()
    def set_word_starts(self, table: torch.Tensor) -> None:
        """Install the word-start table (:func:`engine.nn.word_start.word_start_table`) of the base's vocabulary."""
        if not self.cfg.copy_start or table.shape != self.copy_start_ids.shape:
            raise ValueError(f"word-start table of shape {tuple(table.shape)} does not fit this hypernetwork")
        self.copy_start_ids.copy_(table)

    def copy_embeddings(self, embed: nn.Module, ids: torch.Tensor) -> torch.Tensor | None:
        """What the copy slots mix for token ids (N, T): their embeddings (N, T, d), with ``copy_start`` followed
        by their word-starts' embeddings (N, T, 2d); None without copy slots."""
        if not self.cfg.copy_rank:
            return None
        emb = embed(ids)
        if self.cfg.copy_start:
            emb = torch.cat([emb, embed(self.copy_start_ids[ids])], dim=-1)
        return emb

    def content(self, hidden: torch.Tensor, mask: torch.Tensor | None, *per_token: torch.Tensor | None) -> tuple:
        """The content part of encoder inputs (and of per-token tensors (N, T, ...) such as the token embeddings,
        None passes through): drop the template tokens (slice, or mask when rows are padded)."""
        c = self.cfg
        T = hidden.shape[2]
        if mask is None:
            keep = slice(c.skip_head, T - c.skip_tail)
            return hidden[:, :, keep], None, *(None if t is None else t[:, keep] for t in per_token)
        pos = torch.arange(T, device=mask.device)
        length = mask.sum(1, keepdim=True)  # rows are right-padded
        return hidden, mask & (pos >= c.skip_head) & (pos < length - c.skip_tail), *per_token

    @torch.no_grad()
    def calibrate(self, hidden: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        """Set the input statistics (per layer and channel) from residual streams of real text."""
        x, m = self.content(hidden.float(), mask)
        w = torch.ones(x.shape[0], x.shape[2], device=x.device) if m is None else m.float()
        w = w[:, None, :, None]  # (N, 1, T, 1)
        n = w.sum((0, 2))
        mean = (x * w).sum((0, 2)) / n
        var = ((x - mean[None, :, None]) ** 2 * w).sum((0, 2)) / n
        std = var.sqrt()
        self.in_mean.copy_(mean)
        self.in_std.copy_(torch.maximum(std, 0.05 * std.mean(-1, keepdim=True)).clamp_min(1e-3))  # no near-constant channel blows up

    def project(self, hidden: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        """Standardise residual-stream vectors per layer and channel, then project them to the latent width."""
        z = (hidden.float() - mean) / std  # float32: channels sit near large means
        z = z.clamp(-8.0, 8.0)  # rare outliers (tokens unlike the calibration text) stay bounded
        return self.in_proj(self.in_norm(z))

    def forward(self, hidden: torch.Tensor | Sequence[torch.Tensor],
                mask: torch.Tensor | Sequence[torch.Tensor] | None = None,
                emb: torch.Tensor | Sequence[torch.Tensor] | None = None,
                copy_targets: torch.Tensor | Sequence[torch.Tensor] | None = None) -> tuple[torch.Tensor, ...]:
        """hidden: (N, L, T, d_model) residual streams of whole encoder inputs; mask: (N, T) bool, True = real
        token, rows right-padded; emb: (N, T, d_model) the inputs' token embeddings (needed with copy slots)
        -> A: (N, L, r, d_ff), B: (N, L, d_model, r) with r = ``cfg.chunk_rank`` (copy slots last).

        ``copy_targets`` (training only): (N, T) bool, the tokens the copy slots should copy (where answers start);
        then a third output, (N, 2): each row's copy supervision (:func:`copy_supervision`): pointer NLL summed
        over its targets, and the gate's cross-entropy (0 without ``copy_gate``).

        ``hidden``, ``mask``, ``emb`` and ``copy_targets`` may also be lists: groups of rows, each padded to its own
        length, run in one call (one DDP forward) with the results concatenated in list order.
        """
        if isinstance(hidden, (list, tuple)):
            masks = mask if mask is not None else [None] * len(hidden)
            embs = emb if emb is not None else [None] * len(hidden)
            tgts = copy_targets if copy_targets is not None else [None] * len(hidden)
            outs = [self.adapters(h, m, e, t) for h, m, e, t in zip(hidden, masks, embs, tgts, strict=True)]
            return tuple(torch.cat(parts) for parts in zip(*outs))
        return self.adapters(hidden, mask, emb, copy_targets)

    def adapters(self, hidden: torch.Tensor, mask: torch.Tensor | None, emb: torch.Tensor | None = None,
                 copy_targets: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        """forward() for one tensor of rows."""
        c = self.cfg
        if c.copy_rank and emb is None:
            raise ValueError("this hypernetwork copies token embeddings: pass emb (the inputs' token embeddings)")
        if copy_targets is not None and not c.copy_rank:
            raise ValueError("copy_targets need copy slots (copy_rank > 0)")
        hidden, mask, emb, copy_targets = self.content(hidden, mask, emb, copy_targets)
        N, L, T, _ = hidden.shape
        if mask is None:
            x = self.project(hidden, self.in_mean[:, None], self.in_std[:, None])  # (N, L, T, D)
        else:  # only real tokens are projected (padded rows of many short chunks would dominate training memory)
            real = self.project(hidden.transpose(1, 2)[mask], self.in_mean, self.in_std)  # (n_real, L, D)
            x = real.new_zeros(N, T, L, c.latent_dim)
            x[mask] = real
            x = x.transpose(1, 2)  # padding stays 0 and is masked out of the attention below
        x = x.reshape(N * L, T, c.latent_dim)
        m = None if mask is None else mask[:, None, :].expand(N, L, T).reshape(N * L, T)
        lemb = self.layer_emb[None].expand(N, L, c.latent_dim).reshape(N * L, 1, c.latent_dim)
        lat = self.latents[None] + lemb  # (N*L, n_latents, D)
        for block in self.blocks:
            lat = block(lat, x, m)
        out = self.decoder(self.dec_norm(self.rank_queries[None] + lemb), lat)  # (N*L, r, D)
        out = F.normalize(out.float(), dim=-1).to(out.dtype)
        A = self.head_a(out).view(N, L, c.rank, c.d_ff)
        B = self.head_b(out).view(N, L, c.rank, c.d_model).transpose(-1, -2)  # (N, L, d_model, r)
        B = B * self.b_scale.view(1, L, 1, 1).to(B.dtype)
        if c.copy_rank:
            ca, cb, w, gate = self.copy_slots(lat, lemb, x, m, emb)
            A, B = torch.cat([A, ca.to(A.dtype)], dim=2), torch.cat([B, cb.to(B.dtype)], dim=3)
            if copy_targets is not None:
                return A, B, copy_supervision(w.view(N, L, c.copy_rank, T), gate, copy_targets)
        return A, B

    def copy_slots(self, lat: torch.Tensor, lemb: torch.Tensor, x: torch.Tensor, mask: torch.Tensor | None,
                   emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """The copy slots' A (N, L, rc, d_ff), B (N, L, d_model, rc), attention (N*L, rc, T) and gate logits
        (N, L, rc) or None: lat (N*L, n_latents, D) latents, lemb (N*L, 1, D) layer embeddings, x (N*L, T, D)
        projected tokens, mask (N*L, T) or None, emb (N, T, d) or, with ``copy_start``, (N, T, 2d)
        (:meth:`copy_embeddings`)."""
        c = self.cfg
        N, L, T = emb.shape[0], c.n_layer, x.shape[1]
        q = self.decoder(self.dec_norm(self.copy_queries[None] + lemb), lat)  # (N*L, rc, D), read out of the latents
        prev = F.pad(x, (0, 0, 1, 0))[:, :-1]  # each token's predecessor (zeros before the first)
        keys = self.copy_key(torch.cat([x, prev], dim=-1))  # (N*L, T, D)
        scores = self.copy_query(q) @ keys.transpose(1, 2) / math.sqrt(keys.shape[-1])  # (N*L, rc, T)
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        w = scores.float().softmax(-1)
        context = F.normalize(self.copy_norm(w.to(prev.dtype) @ prev).float(), dim=-1)  # (N*L, rc, D)
        A = self.copy_head_a(context.to(x.dtype)).view(N, L, c.copy_rank, c.d_ff)
        mixed = torch.einsum("nlrt,ntd->nldr", w.view(N, L, c.copy_rank, T), emb.float())  # (N, L, d or 2d, rc)
        B = mixed[:, :, :c.d_model] * self.copy_gain.view(1, L, 1, 1).float()
        if c.copy_start:
            B = B + mixed[:, :, c.d_model:] * self.copy_gain_start.view(1, L, 1, 1).float()
        gate = None
        if c.copy_gate:
            feats = torch.cat([q.float(), scores.float().amax(-1, keepdim=True)], dim=-1)  # (N*L, rc, D + 1)
            gate = self.copy_gate(feats.to(q.dtype)).float().view(N, L, c.copy_rank)
            B = B * torch.sigmoid(gate)[:, :, None, :]
        return A, B, w, gate

    def bias_lora(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The text-independent adapter block: A (L, rb, d_ff), B (L, d_model, rb); empty if bias_rank is 0."""
        rb = self.cfg.bias_rank
        return self.bias_a[:, :rb], self.bias_b[:, :, :rb]


def copy_supervision(w: torch.Tensor, gate: torch.Tensor | None, targets: torch.Tensor) -> torch.Tensor:
    """The copy slots' training signals per row: w (N, L, rc, T) attention, gate (N, L, rc) logits or None,
    targets (N, T) bool -> (N, 2): :func:`copy_pointer_nll`, and the gate's binary cross-entropy (mean over
    layers and slots) against "an answer starts in this row" (0 without a gate)."""
    nll = copy_pointer_nll(w, targets)
    if gate is None:
        return torch.stack([nll, torch.zeros_like(nll)], dim=1)
    want = targets.any(-1).float()[:, None, None].expand_as(gate)
    bce = F.binary_cross_entropy_with_logits(gate, want, reduction="none").mean((1, 2))
    return torch.stack([nll, bce], dim=1)


def copy_pointer_nll(w: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Pointer supervision of the copy slots: w (N, L, rc, T) attention, targets (N, T) bool -> (N,).

    For each target token, -log of the largest weight any slot puts on it, averaged over layers and summed over
    the row's targets: every target wants a slot of its own that points at it alone. (Trained end to end only,
    the slots' attention stayed spread over the chunk and their gains fell to ~0: a blurred mix of embeddings
    helps no answer, so nothing pulled the attention towards the one token that would.)
    """
    best = w.float().amax(dim=2).clamp_min(1e-6)  # (N, L, T)
    return -(best.log().mean(1) * targets.float()).sum(-1)


def combine_chunks(chunk_A: torch.Tensor, chunk_B: torch.Tensor, bias: tuple[torch.Tensor, torch.Tensor],
                   n_chunks: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Concatenate each document's chunk adapters (and the bias block) along the rank.

    chunk_A: (C, L, r, d_ff), chunk_B: (C, L, d_model, r) for C chunks in total, the
    chunks of document j being the next ``n_chunks[j]`` rows. Documents with fewer
    chunks are padded with zero-rank blocks (zero delta) so the batch stacks.
    Returns A: (N, L, rb + max_c * r, d_ff), B: (N, L, d_model, rb + max_c * r).
    """
    C, L, r, d_ff = chunk_A.shape
    max_c = max(n_chunks)
    bias_a, bias_b = bias
    As, Bs, start = [], [], 0
    for n in n_chunks:
        a = chunk_A[start:start + n].permute(1, 0, 2, 3).reshape(L, n * r, d_ff)  # (L, n*r, d_ff)
        b = chunk_B[start:start + n].permute(1, 2, 0, 3).reshape(L, -1, n * r)  # (L, d_model, n*r)
        pad = (max_c - n) * r
        a = F.pad(a, (0, 0, 0, pad))
        b = F.pad(b, (0, pad))
        As.append(torch.cat([bias_a.to(a.dtype), a], dim=1))
        Bs.append(torch.cat([bias_b.to(b.dtype), b], dim=2))
        start += n
    return torch.stack(As), torch.stack(Bs)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
