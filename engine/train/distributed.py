"""DDP plumbing of the training loop: process-group setup and the collectives every rank must call together.

Under ``torchrun`` (even with one process) :func:`setup_distributed` starts torch.distributed (nccl on GPU, gloo on
CPU); the helpers average metrics, agree on stopping, share the L1 term and fingerprint the parameters.
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist

from engine.nn.hypernet import Hypernet


def setup_distributed() -> tuple[int, int, torch.device, bool]:
    """(rank, world, device, ddp); under torchrun (even with one process) initialises torch.distributed
    (nccl on GPU, gloo on CPU) so the DDP path is the one that runs."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    ddp = world > 1 or "LOCAL_RANK" in os.environ  # torchrun sets LOCAL_RANK
    cuda = torch.cuda.is_available()
    if ddp:
        dist.init_process_group("nccl" if cuda else "gloo")
    if cuda:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        return rank, world, torch.device("cuda", local), ddp
    return rank, world, torch.device("cpu"), ddp


def mean_over_ranks(row: dict, device: torch.device) -> dict:
    """Each numeric metric of ``row`` averaged over the DDP ranks (a collective: every rank must call it)."""
    keys = sorted(row)
    values = torch.tensor([float(row[k]) for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(values)
    return dict(zip(keys, (values / dist.get_world_size()).tolist()))


def param_checksum(module: torch.nn.Module) -> torch.Tensor:
    """A float64 fingerprint of all parameters (equal across DDP ranks when they stay in sync)."""
    return torch.stack([p.detach().double().pow(2).sum() + p.detach().double().sum() for p in module.parameters()]).sum()


def any_rank(flag: bool, device: torch.device, ddp: bool) -> bool:
    """True when ``flag`` is true on any rank (a collective under DDP: every rank must call it)."""
    if not ddp:
        return flag
    t = torch.tensor([float(flag)], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def l1_share(n_chunks: int, device: torch.device) -> float:
    """This rank's chunks * ranks / all ranks' chunks (a collective: every rank must call it)."""
    total = torch.tensor([float(n_chunks)], dtype=torch.float64, device=device)
    dist.all_reduce(total)
    return n_chunks * dist.get_world_size() / float(total)


class DDPView(torch.nn.Module):
    """Calls go through the DDP wrapper; config and bias block come from the wrapped module."""

    def __init__(self, ddp: torch.nn.Module, inner: Hypernet):
        super().__init__()
        self.ddp, self.cfg, self.inner = ddp, inner.cfg, inner

    def forward(self, hidden, mask, emb=None, copy_targets=None):
        return self.ddp(hidden, mask, emb, copy_targets)

    def bias_lora(self):
        return self.inner.bias_lora()

    def copy_embeddings(self, embed, ids):
        return self.inner.copy_embeddings(embed, ids)
