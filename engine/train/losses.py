"""Training losses as pure functions over chosen answer positions (never full-sequence logits)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def gather_positions(h: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """h: (N, T, d); rows, cols: (P,) -> (P, d) hidden states at the predicting positions."""
    return h[rows, cols]


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """logits: (P, V) float32, targets: (P,) -> per-position negative log-likelihood (P,)."""
    return F.cross_entropy(logits, targets, reduction="none")


def topk_kl(teacher_logits: torch.Tensor, student_logits: torch.Tensor, k: int) -> torch.Tensor:
    """KL(teacher || student) restricted to the teacher's top-k tokens, per position: (P, V), (P, V) -> (P,).

    The teacher's top-k probabilities are renormalised; the student's log-probabilities are
    over the full vocabulary (so mass the student puts elsewhere is penalised).
    """
    t_val, t_idx = teacher_logits.topk(k, dim=-1)  # (P, k)
    t_logp = F.log_softmax(t_val, dim=-1)
    s_logp = F.log_softmax(student_logits, dim=-1).gather(-1, t_idx)  # (P, k)
    return (t_logp.exp() * (t_logp - s_logp)).sum(-1)


def grouped_mean(values: torch.Tensor, group: torch.Tensor, n_groups: int) -> torch.Tensor:
    """Mean of ``values`` (P,) within each group id in ``group`` (P,) -> (n_groups,); empty groups give 0."""
    total = torch.zeros(n_groups, dtype=values.dtype, device=values.device).index_add_(0, group, values)
    count = torch.zeros(n_groups, dtype=values.dtype, device=values.device).index_add_(0, group, torch.ones_like(values))
    return total / count.clamp_min(1)


def hierarchical_mean(per_token: torch.Tensor, question_of_token: torch.Tensor, doc_of_question: torch.Tensor,
                      n_questions: int, n_docs: int) -> torch.Tensor:
    """Average per token, then per question, then per document (D2L's reduction) -> scalar."""
    per_q = grouped_mean(per_token, question_of_token, n_questions)
    per_doc = grouped_mean(per_q, doc_of_question, n_docs)
    return per_doc.mean()
