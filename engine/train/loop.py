"""Doc-to-LoRA meta-training by context distillation: resumable, time-boxed, DDP-ready (``python -m engine.train``).

One step: sample documents (fictional facts + needle in a haystack), split each
into a random number of chunks, let the hypernetwork write an adapter per
document, and train it so that the base *with the adapter and only the
question* matches the base *with the document in the prompt* (top-k KL on the
answer tokens) and produces the gold answer (cross-entropy).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Sequence

import torch
import torch.distributed as dist

from engine.core.base import BaseSpec, load_base
from engine.core.prompts import PromptFormat, Tokenize, wrapper_ids
from engine.data.facts import FactsConfig, make_document
from engine.data.narrative import NarrativeConfig, make_narrative
from engine.data.needle import NeedleConfig, make_needle
from engine.data.realtext import read_records_xz
from engine.data.records import Record
from engine.data.skills import SkillsConfig, make_skill
from engine.nn.d2l import chunk_adapters, document_lora, encode, make_lora
from engine.nn.hypernet import Hypernet, HypernetConfig, count_parameters
from engine.nn.model import Llama, LoraBatch, load_llama
from engine.nn.word_start import gguf_tokens, word_start_table
from engine.train.batches import Batch, BatchConfig, build_batch
from engine.train.checkpoint import (CheckpointError, load_hypernet, load_training, read_config, save_hypernet,
                                     save_training)
from engine.train.losses import cross_entropy, hierarchical_mean, topk_kl

log = logging.getLogger(__name__)
EVAL_BATCH_SEED = 1234  # held-out batches are built (questions picked) the same way at every evaluation


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run needs; read from a JSON file at the CLI edge."""

    out_dir: str
    base_path: str | None = None  # None = the embedded base
    steps: int = 4000  # length of the LR schedule (runs resume until they reach it)
    max_minutes: float = 8.0  # stop (and checkpoint) after this much wall time
    batch_docs: int = 32  # the global batch: under DDP each of the N ranks builds batch_docs / N of it
    lr: float = 3e-4
    warmup: int = 100
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    adam_betas: tuple[float, float] = (0.9, 0.95)  # AdamW's (beta1, beta2)
    needle_frac: float = 0.2
    needle_prose_frac: float = 0.5
    needle_tokens: tuple[int, int] = (32, 256)
    needle_name_frac: float = 0.0  # share of needles that hide a name instead of a number (engine.data.needle)
    skill_frac: float = 0.0  # share of skill records (an instruction as the document; T2L through the same hypernet)
    narrative_frac: float = 0.0  # share of the facts draws written as narrative prose (engine.data.narrative)
    realtext_frac: float = 0.0  # share of real documents with pattern questions (engine.data.realtext)
    realtext_path: str = ""  # xz JSONL of the training split's realtext records (needed when realtext_frac > 0)
    realtext_val_path: str = ""  # xz JSONL of the validation split's realtext records (realtext_* eval metrics)
    ce_weight: float = 1.0
    kl_weight: float = 1.0
    kl_topk: int = 16
    l1_weight: float = 0.1
    l1_copy: bool = True  # the L1 penalty also covers the copy slots' A and B (HypernetConfig.copy_rank)
    copy_pointer_weight: float = 0.0  # weight of the copy slots' pointer loss (engine.nn.hypernet.copy_pointer_nll)
    copy_gate_weight: float = 0.0  # weight of the copy gate's cross-entropy (engine.nn.hypernet.copy_supervision)
    seed: int = 0
    val_seed: int = 99  # the held-out sets: facts from val_seed, needles val_seed - 1, skills val_seed - 2
    log_every: int = 20
    eval_every: int = 250
    eval_docs: int = 48
    ckpt_every: int = 500
    bf16: bool = True
    workers: int = 0  # data-building processes (the GPU run uses several; CPU tests use 0)
    init_from: str | None = None  # a checkpoint or bundle whose weights start a fresh run (warm start)
    hypernet: dict = field(default_factory=dict)  # HypernetConfig overrides
    batch: dict = field(default_factory=dict)  # BatchConfig overrides
    facts: dict = field(default_factory=dict)  # FactsConfig overrides
    skills: dict = field(default_factory=dict)  # SkillsConfig overrides
    narrative: dict = field(default_factory=dict)  # NarrativeConfig overrides

    def __post_init__(self) -> None:
        if self.steps <= 0 or self.batch_docs <= 0 or self.max_minutes <= 0:
            raise ValueError("steps, batch_docs and max_minutes must be positive")
        if not (0 <= self.needle_frac and 0 <= self.skill_frac and self.needle_frac + self.skill_frac <= 1):
            raise ValueError("needle_frac and skill_frac must be >= 0 and sum to at most 1")
        if not 0 <= self.narrative_frac <= 1:
            raise ValueError(f"narrative_frac must be in [0, 1], got {self.narrative_frac}")
        if not (0 <= self.realtext_frac and self.needle_frac + self.skill_frac + self.realtext_frac <= 1):
            raise ValueError("realtext_frac must be >= 0 and needle_frac + skill_frac + realtext_frac at most 1")
        if self.realtext_frac > 0 and not self.realtext_path:
            raise ValueError("realtext_frac > 0 needs realtext_path: build it with python -m engine.data.realtext make")

    @classmethod
    def from_json(cls, path: Path, **overrides) -> "TrainConfig":
        raw = json.loads(Path(path).read_text())
        raw.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("needle_tokens", "adam_betas"):
            if key in raw:
                raw[key] = tuple(raw[key])
        return cls(**raw)


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup, then cosine decay to 10% over ``cfg.steps``."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def sample_records(cfg: TrainConfig, rng: random.Random, n: int, split: str, count_tokens,
                   realtext: Sequence[Record] = ()) -> list[Record]:
    """A mixture of fact documents, needle haystacks, skills and (``realtext_frac``) real documents drawn from
    ``realtext``, the pre-made records of ``split`` (:func:`load_realtext`)."""
    facts_cfg, skills_cfg = FactsConfig(**cfg.facts), SkillsConfig(**{"noop_frac": 0.0, **cfg.skills})
    out = []
    for _ in range(n):
        u = rng.random()
        if u < cfg.needle_frac:
            ncfg = NeedleConfig(n_tokens=rng.randint(*cfg.needle_tokens), prose=rng.random() < cfg.needle_prose_frac)
            if cfg.needle_name_frac > 0 and rng.random() < cfg.needle_name_frac:  # no draw at 0: old streams stay
                ncfg = replace(ncfg, value="name")
            out.append(make_needle(ncfg, rng, count_tokens=count_tokens, split=split))
        elif u < cfg.needle_frac + cfg.skill_frac:
            out.append(make_skill(skills_cfg, rng, split))
        elif cfg.realtext_frac > 0 and u < cfg.needle_frac + cfg.skill_frac + cfg.realtext_frac:  # at 0: old streams
            if not realtext:
                raise ValueError("realtext_frac > 0 but no realtext records were given (TrainConfig.realtext_path)")
            out.append(realtext[rng.randrange(len(realtext))])
        elif cfg.narrative_frac > 0 and rng.random() < cfg.narrative_frac:  # no draw at 0: old streams stay
            out.append(make_narrative(NarrativeConfig(**cfg.narrative), rng, split, count_tokens=count_tokens))
        else:
            out.append(make_document(facts_cfg, rng, split, count_tokens=count_tokens))
    return out


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
    h_s = base(batch.student_ids, lora=rows)  # (Q, Ts, d)
    s_logits = base.logits(h_s[batch.s_rows, batch.s_cols])  # (P, V)
    ce = cross_entropy(s_logits, batch.targets)
    per_tok = cfg.ce_weight * ce * batch.ce_mask
    kl = torch.zeros_like(ce)
    if cfg.kl_weight > 0 and bool(batch.kl_mask.any()):
        with torch.no_grad():
            h_t = base(batch.teacher_ids)
            t_logits = base.logits(h_t[batch.t_rows, batch.t_cols])
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
    scores like ``adapter``, the adapters carry no document content (only format).
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


class StepBatches(torch.utils.data.Dataset):
    """Rank ``rank``'s share of global batch number ``i`` (``cfg.batch_docs`` records over all ``world`` ranks).

    Record ``j`` of step ``s`` is drawn, chunked and questioned from its own generator, seeded by
    (seed, s, j): runs are resumable and reproducible, and the global batch does not depend on the
    number of ranks (one GPU with 32 records and two with 16 each train on the same 32 records).
    """

    def __init__(self, cfg: TrainConfig, fmt: PromptFormat, tokenize: Tokenize, bcfg: BatchConfig,
                 start: int, rank: int, world: int):
        if cfg.batch_docs % world:
            raise ValueError(f"batch_docs {cfg.batch_docs} (the global batch) is not divisible by {world} ranks")
        self.cfg, self.fmt, self.tokenize, self.bcfg = cfg, fmt, tokenize, bcfg
        self.start, self.rank, self.world = start, rank, world
        self.realtext = load_realtext(cfg.realtext_path) if cfg.realtext_frac > 0 else []

    def __len__(self) -> int:
        return max(0, self.cfg.steps - self.start)

    def __getitem__(self, i: int) -> Batch:
        step = self.start + i
        per = self.cfg.batch_docs // self.world
        rngs = [random.Random(f"{self.cfg.seed}:{step}:{j}") for j in range(self.rank * per, (self.rank + 1) * per)]
        count_tokens = lambda s: len(self.tokenize(s))  # noqa: E731
        records = [sample_records(self.cfg, rng, 1, "train", count_tokens, self.realtext)[0] for rng in rngs]
        return build_batch(records, self.fmt, self.tokenize, self.bcfg, rngs, distil=self.cfg.kl_weight > 0,
                           all_teacher_rows=False)


def load_realtext(path: str) -> list[Record]:
    """The realtext records of one split (an xz JSONL of engine.data.realtext), in file order."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"realtext records {path!r} not found: build them with "
                                "python -m engine.data.corpus build and python -m engine.data.realtext make")
    return read_records_xz(path)


def val_realtext(cfg: TrainConfig) -> list[Record]:
    """``cfg.eval_docs`` validation realtext records (a fixed sample), or none without ``realtext_val_path``."""
    if not cfg.realtext_val_path:
        return []
    records = load_realtext(cfg.realtext_val_path)
    return random.Random(96).sample(records, min(cfg.eval_docs, len(records)))


def batch_loader(data: StepBatches, workers: int) -> torch.utils.data.DataLoader:
    """Build batches in ``workers`` processes ahead of the GPU (0 = in this process)."""
    return torch.utils.data.DataLoader(data, batch_size=None, shuffle=False, num_workers=workers,
                                       prefetch_factor=4 if workers else None, collate_fn=lambda b: b,
                                       persistent_workers=False)


def hf_tokenizer(spec: BaseSpec) -> Tokenize:
    """Tokenizer built by transformers from the GGUF (same ids as llama.cpp; see tests)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(spec.path.parent), gguf_file=spec.path.name)
    return lambda text: tok(text, add_special_tokens=False)["input_ids"]


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


class MetricsLog:
    """Append-only JSONL of metrics (rank 0 only)."""

    def __init__(self, path: Path, enabled: bool):
        self.path, self.enabled = path, enabled

    def write(self, row: dict) -> None:
        if self.enabled:
            with open(self.path, "a") as f:
                f.write(json.dumps(row) + "\n")


def train(cfg: TrainConfig, tokenize: Tokenize | None = None) -> dict:
    """Run (or resume) training until ``cfg.steps`` or ``cfg.max_minutes``; returns the last metrics."""
    t_start = time.time()
    rank, world, device, ddp = setup_distributed()
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = load_base(Path(cfg.base_path) if cfg.base_path else None)
    dtype = torch.bfloat16 if (cfg.bf16 and device.type == "cuda") else torch.float32
    base = load_llama(spec, dtype=dtype, device=device)
    tokenize = tokenize or hf_tokenizer(spec)
    fmt = PromptFormat(spec.chat_template)
    pre, suf = wrapper_ids(fmt, tokenize)  # the aggregator reads only the content between them
    word_starts = {"vocab_size": spec.vocab_size} if cfg.hypernet.get("copy_start") else {}
    hcfg = HypernetConfig(n_layer=spec.n_layer, d_model=spec.d_model, d_ff=spec.d_ff,
                          **{"skip_head": len(pre), "skip_tail": len(suf), **word_starts, **cfg.hypernet})
    bcfg = BatchConfig(**{"chunk_tokens": hcfg.chunk_tokens, "pad_id": spec.eos_id, **cfg.batch})
    torch.manual_seed(cfg.seed)
    hypernet = Hypernet(hcfg)
    if hcfg.copy_start:  # a resumed or warm-started run keeps its saved table (the same base: the same table)
        hypernet.set_word_starts(torch.as_tensor(word_start_table(gguf_tokens(spec.path), tokenize)))
    hypernet = hypernet.to(device)
    decay = [p for n, p in hypernet.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in hypernet.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=cfg.lr, betas=cfg.adam_betas)
    ckpt = out / "checkpoint"
    step = 0
    if (ckpt / "config.json").exists():
        step = load_training(ckpt, hypernet, opt, spec.sha256)
    elif cfg.init_from:
        warm_start(hypernet, Path(cfg.init_from), spec.sha256)
    else:  # fresh run: input statistics from the whole first global batch (the same on every rank and world size)
        first = StepBatches(cfg, fmt, tokenize, bcfg, 0, 0, 1)[0].to(device)
        hypernet.calibrate(encode(base, first.chunk_ids), first.chunk_mask)
    model = torch.nn.parallel.DistributedDataParallel(hypernet) if ddp else hypernet
    metrics = MetricsLog(out / "metrics.jsonl", rank == 0)
    count_tokens = lambda s: len(tokenize(s))  # noqa: E731
    # held-out facts always come from the default document shape, whatever curriculum ``cfg.facts`` sets
    solo = replace(cfg, realtext_frac=0.0)  # the held-out sets of one kind each
    val = sample_records(replace(solo, needle_frac=0.0, skill_frac=0.0, narrative_frac=0.0, facts={}),
                         random.Random(cfg.val_seed), cfg.eval_docs, "val", count_tokens)
    val_needle = sample_records(replace(solo, needle_frac=1.0, skill_frac=0.0), random.Random(cfg.val_seed - 1),
                                cfg.eval_docs, "val", count_tokens)
    val_real = val_realtext(cfg)
    val_skill = (sample_records(replace(solo, needle_frac=0.0, skill_frac=1.0, skills={**cfg.skills, "noop_frac": 0.0}),
                                random.Random(cfg.val_seed - 2), cfg.eval_docs, "val", count_tokens)
                 if cfg.skill_frac > 0 else [])
    autocast = (torch.autocast(device_type="cuda", dtype=torch.bfloat16) if dtype == torch.bfloat16
                else contextlib.nullcontext())
    if rank == 0:
        log.info("hypernet %d params; resuming at step %d", count_parameters(hypernet), step)
    last: dict = {}
    best = best_score(out / "best")  # lowest summed held-out adapter CE so far (also over earlier chunks of the run)
    t_log = time.time()
    loader = iter(batch_loader(StepBatches(cfg, fmt, tokenize, bcfg, step, rank, world), cfg.workers))
    # under DDP the ranks stop together: with each rank's own clock one rank can start a step the other never
    # joins, and it waits in the gradient all-reduce (a 2-GPU run hung at its time box this way until killed)
    while step < cfg.steps and not any_rank((time.time() - t_start) / 60 >= cfg.max_minutes, device, ddp):
        batch = next(loader).to(device, non_blocking=True)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg)
        with autocast:
            if ddp:  # through the DDP wrapper so gradients are all-reduced
                share = l1_share(sum(batch.n_chunks), device)
                loss, last = compute_loss(base, _DDPView(model, hypernet), batch, cfg, share)
            else:
                loss, last = compute_loss(base, model, batch, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        last["grad_norm"] = torch.nn.utils.clip_grad_norm_(hypernet.parameters(), cfg.grad_clip).item()
        opt.step()
        step += 1
        if step % cfg.log_every == 0:
            dt = (time.time() - t_log) / cfg.log_every
            t_log = time.time()
            if ddp:  # the global batch's metrics (every rank takes part), as one process would log them
                last = mean_over_ranks(last, device)
            metrics.write({"step": step, "world": world, "lr": lr_at(step, cfg), "sec_per_step": dt,
                           "docs_per_sec": cfg.batch_docs / dt, **last,
                           **({"gpu_peak_gib": torch.cuda.max_memory_allocated(device) / 2**30} if device.type == "cuda" else {})})
            if rank == 0:
                log.info("step %d loss %.4f ce %.4f kl %.4f acc %.3f (%.2fs/step)", step, last["loss"], last["ce"], last["kl"], last["tok_acc"], dt)
        if rank == 0 and (step % cfg.eval_every == 0 or step == cfg.steps):
            with autocast:
                ev = evaluate(base, hypernet, val, fmt, tokenize, bcfg, device)
                ev |= {f"needle_{k}": v for k, v in evaluate(base, hypernet, val_needle, fmt, tokenize, bcfg, device).items()}
                if val_skill:
                    ev |= {f"skill_{k}": v for k, v in evaluate(base, hypernet, val_skill, fmt, tokenize, bcfg, device).items()}
                if val_real:
                    ev |= {f"realtext_{k}": v for k, v in evaluate(base, hypernet, val_real, fmt, tokenize, bcfg, device).items()}
            metrics.write({"step": step, "eval": ev})
            log.info("eval %s", ev)
            score = held_out_score(ev)
            if score < best:
                best = score
                save_hypernet(out / "best", hypernet, spec.sha256, dtype=torch.float16, extra={"step": step, "eval": ev})
        if rank == 0 and step % cfg.ckpt_every == 0:
            save_training(ckpt, hypernet, opt, step, spec.sha256, asdict(cfg))
    if rank == 0:
        save_training(ckpt, hypernet, opt, step, spec.sha256, asdict(cfg))
        save_hypernet(out / "export", hypernet, spec.sha256, dtype=torch.float16, extra={"step": step})
    if ddp:
        check = param_checksum(hypernet).to(device)
        sums = [torch.zeros_like(check) for _ in range(world)]
        dist.all_gather(sums, check)
        metrics.write({"step": step, "ddp_param_checksums": [float(s) for s in sums]})
        dist.barrier()
        dist.destroy_process_group()
    return {"step": step, **last}


def held_out_score(ev: dict) -> float:
    """What "best" means: the summed held-out CE of the adapters over all kinds (lower is better)."""
    return sum(v for k, v in ev.items() if k.endswith("adapter_ce"))


def best_score(dir: Path) -> float:
    """The score of the hypernetwork kept in ``dir`` by an earlier chunk of this run; inf when there is none."""
    try:
        return held_out_score(read_config(dir)["eval"])
    except (CheckpointError, KeyError):
        return math.inf


def warm_start(hypernet: Hypernet, source: Path, base_sha256: str) -> None:
    """Copy the weights of a saved hypernetwork (same base, same config, or the same without copy slots,
    word starts or copy gate) into ``hypernet``; copy parts the source lacks keep their fresh init; the optimizer
    starts fresh."""
    loaded, _ = load_hypernet(source, base_sha256)
    new, old = hypernet.cfg, loaded.cfg
    adds_copy = (replace(old, copy_rank=new.copy_rank, copy_start=new.copy_start, vocab_size=new.vocab_size,
                         copy_gate=new.copy_gate) == new
                 and old.copy_rank in (0, new.copy_rank) and (new.copy_start or not old.copy_start)
                 and (new.copy_gate or not old.copy_gate))
    if old != new and not adds_copy:
        raise CheckpointError(f"{source}: hypernet config {loaded.cfg} differs from the run's {hypernet.cfg}")
    device = next(hypernet.parameters()).device
    missing, _ = hypernet.load_state_dict({k: v.to(device) for k, v in loaded.state_dict().items()}, strict=False)
    if any(not k.startswith("copy_") for k in missing):
        raise CheckpointError(f"{source}: weights missing {missing}")
    log.info("warm start from %s%s", source, " (copy slots fresh)" if missing else "")


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


class _DDPView(torch.nn.Module):
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


def parse_overrides(items: list[str]) -> dict:
    """``["batch_docs=64", "facts={\"max_tokens\": 300}"]`` -> {field: value}; values are JSON (else plain strings)."""
    known = {f.name for f in fields(TrainConfig)}
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or key not in known:
            raise SystemExit(f"--set {item!r}: expected FIELD=VALUE with FIELD one of {sorted(known)}")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="lorafy train", description=__doc__.splitlines()[0])
    p.add_argument("--config", required=True, type=Path, help="JSON file with TrainConfig fields")
    p.add_argument("--out-dir", help="override out_dir")
    p.add_argument("--base", help="override base_path (a llama GGUF)")
    p.add_argument("--max-minutes", type=float, help="override max_minutes")
    p.add_argument("--steps", type=int, help="override steps")
    p.add_argument("--workers", type=int, help="override workers (data-building processes)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                   help="override any config field, e.g. --set batch_docs=64 --set log_every=5 (repeatable)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    flags = dict(out_dir=args.out_dir, base_path=args.base, max_minutes=args.max_minutes, steps=args.steps,
                 workers=args.workers)
    cfg = TrainConfig.from_json(args.config, **{**parse_overrides(args.set), **{k: v for k, v in flags.items() if v is not None}})
    print(json.dumps(train(cfg)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
