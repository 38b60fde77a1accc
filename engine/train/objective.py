"""The training objective on one batch (context distillation + answer CE + L1) and the held-out evaluation.

:func:`compute_loss` trains the base *with the adapter and only the question* to match the base *with the document
in the prompt* (top-k KL on the answer tokens) and to produce the gold answer (cross-entropy); :func:`evaluate`
reports teacher-forced answer accuracy and CE for adapter, shuffled adapter, in-context (alone and with the adapter)
and base.
"""
from __future__ import annotations

import random
from dataclasses import replace

import torch

from engine.core.prompts import PromptFormat, Tokenize
from engine.data.records import Record
from engine.nn.d2l import chunk_adapters, document_lora, make_lora
from engine.nn.hypernet import Hypernet
from engine.nn.model import Llama, LoraBatch
from engine.train.batches import Batch, BatchConfig, build_batch, length_groups
from engine.train.config import TrainConfig
from engine.train.losses import cross_entropy, hierarchical_mean, topk_kl

EVAL_BATCH_SEED = 1234  # held-out batches are built (questions picked) the same way at every evaluation


def compute_loss(base: Llama, hypernet: Hypernet, batch: Batch, cfg: TrainConfig,
                 l1_share: float = 1.0) -> tuple[torch.Tensor, dict]:
    """The training objective on one batch -> (loss, metrics).

    ``l1_share`` rescales the L1 mean over this batch's chunks so that, under DDP (gradients averaged over
    ranks), it is the mean over the global batch's chunks: ``chunks here * ranks / global chunks``.
    """
    pointing = (cfg.copy_pointer_weight > 0 or cfg.copy_gate_weight > 0) and batch.copy_targets is not None
    chunk_A, chunk_B, copy_sup = chunk_adapters(base, hypernet, batch.chunk_ids, batch.chunk_mask,
                                               copy_targets=batch.copy_targets if pointing else None)
    lora = document_lora(hypernet, chunk_A, chunk_B, batch.n_chunks)
    rows = LoraBatch(lora.A[batch.doc_of_q], lora.B[batch.doc_of_q], lora.scale)
    s_logits = row_logits(base, batch.student_ids, batch.student_lens, rows, batch.s_rows, batch.s_cols,
                          cfg.length_groups)  # (P, V)
    ce = cross_entropy(s_logits, batch.targets)
    per_tok = cfg.ce_weight * ce * batch.ce_mask
    kl = torch.zeros_like(ce)
    if cfg.kl_weight > 0 and bool(batch.kl_mask.any()):
        with torch.no_grad():
            t_logits = row_logits(base, batch.teacher_ids, batch.teacher_lens, None, batch.t_rows, batch.t_cols,
                                  cfg.length_groups)
        kl = topk_kl(t_logits, s_logits, cfg.kl_topk) * batch.kl_mask
        per_tok = per_tok + cfg.kl_weight * kl
    Q, N = batch.student_ids.shape[0], len(batch.n_chunks)
    task = hierarchical_mean(per_tok, batch.q_of_pos, batch.doc_of_q, Q, N)
    l1 = l1_penalty(chunk_A, chunk_B, None if cfg.l1_copy else hypernet.cfg.rank)
    loss = task + cfg.l1_weight * l1_share * l1
    acc = (s_logits.argmax(-1) == batch.targets).float().mean()
    metrics = {"loss": loss.item(), "task": task.item(), "ce": ce.mean().item(), "kl": kl.mean().item(), "l1": l1.item(),
               "tok_acc": acc.item()}
    if pointing:  # mean over this batch's copy targets (under DDP each rank's mean; the gradients are averaged)
        nll = copy_sup[:, 0].sum() / batch.copy_targets.sum().clamp_min(1)
        gate = copy_sup[:, 1].mean()  # per chunk
        loss = loss + cfg.copy_pointer_weight * nll + cfg.copy_gate_weight * gate
        metrics.update(loss=loss.item(), pointer_nll=nll.item())
        if hypernet.cfg.copy_gate:
            metrics["gate_bce"] = gate.item()
    return loss, metrics


def row_logits(base: Llama, ids: torch.Tensor, lens: torch.Tensor | None, lora: LoraBatch | None,
               rows: torch.Tensor, cols: torch.Tensor, max_groups: int = 1) -> torch.Tensor:
    """Logits (P, V) at answer positions (rows, cols) of the right-padded ``ids`` (Q, T), with ``lora`` one adapter
    per row. With ``lens`` (Q,) and ``max_groups`` > 1 the rows run in groups of similar length, each cut to its
    own longest row (:func:`length_groups`): a few rows that read a long text then do not pad every other row to
    their length. Causal attention and right padding make the result the same as one padded run."""
    if lens is None or max_groups <= 1:
        return base.logits(base(ids, lora=lora)[rows, cols])
    groups = length_groups(lens.tolist(), max_groups)
    local = torch.empty_like(lens)  # each row's index inside its group
    group_of = torch.empty_like(lens)
    for g, idx in enumerate(groups):
        local[idx] = torch.arange(len(idx), device=lens.device)
        group_of[idx] = g
    parts, order = [], []
    for g, idx in enumerate(groups):
        sel = (group_of[rows] == g).nonzero().squeeze(1)
        if not len(sel):
            continue
        at = torch.tensor(idx, dtype=torch.long, device=ids.device)
        lb = None if lora is None else LoraBatch(lora.A[at], lora.B[at], lora.scale)
        h = base(ids[at, :int(lens[at].max())], lora=lb)
        parts.append(base.logits(h[local[rows[sel]], cols[sel]]))
        order.append(sel)
    return torch.cat(parts)[torch.argsort(torch.cat(order))]


def l1_penalty(chunk_A: torch.Tensor, chunk_B: torch.Tensor, rank: int | None = None) -> torch.Tensor:
    """Mean |A| + mean |B| over chunks A (C, L, r, d_ff), B (C, L, d, r); ``rank``: only the first ``rank``
    slots count (the latent slots; copy slots come last)."""
    if rank is not None:
        chunk_A, chunk_B = chunk_A[:, :, :rank], chunk_B[..., :rank]
    return chunk_A.float().abs().mean() + chunk_B.float().abs().mean()


def answer_logits(base: Llama, ids: torch.Tensor, lora: LoraBatch | None, rows: torch.Tensor, cols: torch.Tensor,
                  micro: int = 32) -> torch.Tensor:
    """Logits (P, V) at answer positions (rows, cols) of ``ids`` (Q, T), run ``micro`` rows at a time."""
    parts = []
    for i in range(0, ids.shape[0], micro):
        sel = (rows >= i) & (rows < i + micro)
        lb = None if lora is None else LoraBatch(lora.A[i:i + micro], lora.B[i:i + micro], lora.scale)
        h = base(ids[i:i + micro], lora=lb)
        parts.append(base.logits(h[rows[sel] - i, cols[sel]]))
    return torch.cat(parts)


@torch.no_grad()
def evaluate(base: Llama, hypernet: Hypernet, records: list[Record], fmt: PromptFormat, tokenize: Tokenize,
             bcfg: BatchConfig, device: torch.device) -> dict:
    """Teacher-forced answer accuracy and CE for adapter / in-context / base on held-out records.

    ``q_acc`` counts a question as answered when every answer token is the argmax.
    ``shuffled`` asks each question with the adapter of *another* document: if it
    scores like ``adapter``, the adapters carry no document content (only format). ``icl_adapter`` reads the
    document in the prompt with its adapter active (the answer modes that add an adapter to passages).
    """
    natural = replace(bcfg, max_chunks=1, needle_max_chunks=None, questions_per_doc=8,  # the runtime's chunks, no random cuts
                      student_context_frac=0.0)  # the adapter alone answers
    batch = build_batch(records, fmt, tokenize, natural, random.Random(EVAL_BATCH_SEED)).to(device)
    lora, _, _ = make_lora(base, hypernet, batch.chunk_ids, batch.chunk_mask, batch.n_chunks)
    per_row = LoraBatch(lora.A[batch.doc_of_q], lora.B[batch.doc_of_q], lora.scale)
    other = (batch.doc_of_q + 1) % len(batch.n_chunks)
    shuffled = LoraBatch(lora.A[other], lora.B[other], lora.scale)
    views = {"adapter": (batch.student_ids, per_row, batch.s_rows, batch.s_cols),
             "shuffled": (batch.student_ids, shuffled, batch.s_rows, batch.s_cols),
             "icl": (batch.teacher_ids, None, batch.t_rows, batch.t_cols),
             # the document in the prompt *and* the adapter: below icl, the adapter fights the text it was made from
             "icl_adapter": (batch.teacher_ids, per_row, batch.t_rows, batch.t_cols),
             "base": (batch.student_ids, None, batch.s_rows, batch.s_cols)}
    out = {}
    for name, (ids, lb, rows, cols) in views.items():
        logits = answer_logits(base, ids, lb, rows, cols)
        wrong = (logits.argmax(-1) != batch.targets).float()
        q_ok = torch.zeros(ids.shape[0], device=device).index_add_(0, batch.q_of_pos, wrong) == 0
        out[f"{name}_tok_acc"] = 1 - wrong.mean().item()
        out[f"{name}_q_acc"] = q_ok.float().mean().item()
        out[f"{name}_ce"] = cross_entropy(logits, batch.targets).mean().item()
    return out
