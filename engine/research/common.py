"""Helpers the research scripts share: adapters for whole documents on the torch path."""
from __future__ import annotations

from typing import Sequence

from engine.nn.d2l import make_lora
from engine.nn.model import Llama, LoraBatch
from engine.train.batches import pad


def adapters_for(base: Llama, hypernet, docs: Sequence[list[list[int]]], pad_id: int) -> LoraBatch:
    """One LoraBatch row per document from its wrapped chunks (their adapters concatenated along the rank)."""
    rows = [c for d in docs for c in d]
    ids, mask = pad(rows, pad_id)
    device = base.tok_emb.weight.device
    lora, _, _ = make_lora(base, hypernet, ids.to(device), mask.to(device), [len(d) for d in docs])
    return lora
