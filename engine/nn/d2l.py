"""Doc-to-LoRA in torch: chunk token ids -> base activations -> hypernetwork -> per-document LoraBatch."""
from __future__ import annotations

import torch
import torch.nn as nn

from engine.nn.hypernet import Hypernet, combine_chunks
from engine.nn.model import Llama, LoraBatch


def encode(base: Llama, ids: torch.Tensor) -> torch.Tensor:
    """ids: (C, T) right-padded chunks -> residual stream after every layer (C, L, T, d), no grad."""
    with torch.no_grad():
        return base(ids, all_layers=True)


def length_groups(lengths: list[int], max_tokens: int) -> list[list[int]]:
    """Row indices, longest row first, in groups whose padded size (rows x longest row) stays <= max_tokens."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and (len(groups[-1]) + 1) * lengths[groups[-1][0]] <= max_tokens:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def chunk_adapters(base: Llama, hypernet: Hypernet, ids: torch.Tensor, mask: torch.Tensor, group_tokens: int = 32768,
                   copy_targets: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Each chunk's adapter for chunks as rows of ``ids`` (C, T), ``mask`` (C, T) bool -> A (C, L, r, d_ff),
    B (C, L, d, r), and with ``copy_targets`` (C, T) bool the copy slots' supervision per chunk (C, 2) (pointer NLL,
    gate cross-entropy: :func:`engine.nn.hypernet.copy_supervision`; else None).

    Rows run in length groups (``length_groups``), each padded only to its own longest row: many short
    chunks next to a few long ones cost their real tokens, not the batch's longest row.
    """
    dtype = next(hypernet.parameters()).dtype
    lengths = mask.sum(1).tolist()  # rows are right-padded
    groups = length_groups(lengths, group_tokens)
    hidden, masks, embs, tgts = [], [], [], []
    for g in groups:
        rows, width = torch.tensor(g, device=ids.device), lengths[g[0]]
        hidden.append(encode(base, ids[rows, :width]).to(dtype))  # (G, L, width, d)
        masks.append(mask[rows, :width])
        embs.append(hypernet.copy_embeddings(base.tok_emb, ids[rows, :width]))  # what copy slots mix (None without)
        tgts.append(None if copy_targets is None else copy_targets[rows, :width])
    out = hypernet(hidden, masks, embs, None if copy_targets is None else tgts)  # rows in group order
    back = torch.argsort(torch.tensor([i for g in groups for i in g], device=out[0].device))
    A, B = out[0][back], out[1][back]
    return A, B, (out[2][back] if copy_targets is not None else None)


def make_lora(base: Llama, hypernet: Hypernet, ids: torch.Tensor, mask: torch.Tensor,
              n_chunks: list[int], group_tokens: int = 32768) -> tuple[LoraBatch, torch.Tensor, torch.Tensor]:
    """Adapters for a batch of documents whose chunks are rows of ``ids`` (C, T), ``mask`` (C, T) bool.

    Returns (LoraBatch for the N documents, chunk A, chunk B) — the chunk tensors feed the L1 penalty.
    """
    A, B, _ = chunk_adapters(base, hypernet, ids, mask, group_tokens)
    return document_lora(hypernet, A, B, n_chunks), A, B


def document_lora(hypernet: Hypernet, A: torch.Tensor, B: torch.Tensor, n_chunks: list[int]) -> LoraBatch:
    """Chunk adapters A (C, L, r, d_ff), B (C, L, d, r) -> one adapter per document (bias block + its chunks)."""
    return LoraBatch(*combine_chunks(A, B, hypernet.bias_lora(), n_chunks), hypernet.cfg.scale)


class ChunkToLora(nn.Module):
    """What the ONNX graph computes: one chunk's token ids -> that chunk's (A, B) for every layer.

    The bias block and the concatenation of chunks happen outside (numpy), so
    one graph serves any number of chunks.
    """

    def __init__(self, base: Llama, hypernet: Hypernet):
        super().__init__()
        self.base = base
        self.hypernet = hypernet

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """ids: (1, T) int64 -> A: (L, r, d_ff), B: (L, d_model, r), float32."""
        hidden = self.base(ids, all_layers=True)  # (1, L, T, d)
        emb = self.hypernet.copy_embeddings(self.base.tok_emb, ids)
        A, B = self.hypernet(hidden, None, emb)
        return A[0].float(), B[0].float()
