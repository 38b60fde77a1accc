"""Doc-to-LoRA meta-training by context distillation: resumable, time-boxed, DDP-ready (``python -m engine.train``).

One step: sample documents (fictional facts + needle in a haystack), split each
into a random number of chunks, let the hypernetwork write an adapter per
document, and train it so that the base *with the adapter and only the
question* matches the base *with the document in the prompt* (top-k KL on the
answer tokens) and produces the gold answer (cross-entropy).

This module is the loop (batches per step, optimizer, schedule, evaluation, checkpoints, warm start) and its
command line. The run's config is :mod:`engine.train.config`, the data mixture :mod:`engine.train.mixture`, the
objective and held-out evaluation :mod:`engine.train.objective`, the DDP collectives :mod:`engine.train.distributed`.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import random
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch
import torch.distributed as dist

from engine.core.base import BaseSpec, load_base
from engine.core.prompts import PromptFormat, Tokenize, wrapper_ids
from engine.nn.d2l import encode
from engine.nn.hypernet import Hypernet, HypernetConfig, count_parameters
from engine.nn.model import load_llama
from engine.nn.word_start import gguf_tokens, word_start_table
from engine.train.batches import Batch, BatchConfig, build_batch
from engine.train.checkpoint import (CheckpointError, load_hypernet, load_training, read_config, save_hypernet,
                                     save_training)
from engine.train.config import TrainConfig, parse_overrides
from engine.train.distributed import DDPView, any_rank, l1_share, mean_over_ranks, param_checksum, setup_distributed
from engine.train.mixture import load_realtext, sample_records, val_realtext
from engine.train.objective import compute_loss, evaluate

log = logging.getLogger(__name__)


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup, then cosine decay to 10% over ``cfg.steps``."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


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


def batch_loader(data: StepBatches, workers: int) -> torch.utils.data.DataLoader:
    """Build batches in ``workers`` processes ahead of the GPU (0 = in this process)."""
    return torch.utils.data.DataLoader(data, batch_size=None, shuffle=False, num_workers=workers,
                                       prefetch_factor=4 if workers else None, collate_fn=lambda b: b,
                                       persistent_workers=False)


def batch_config(cfg: TrainConfig, spec: BaseSpec) -> BatchConfig:
    """How the run's records become batches: chunks as long as the hypernetwork reads, padded with the base's EOS."""
    chunk = cfg.hypernet.get("chunk_tokens", HypernetConfig.chunk_tokens)
    return BatchConfig(**{"chunk_tokens": chunk, "pad_id": spec.eos_id, **cfg.batch})


def hf_tokenizer(spec: BaseSpec) -> Tokenize:
    """Tokenizer built by transformers from the GGUF (same ids as llama.cpp; see tests)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(spec.path.parent), gguf_file=spec.path.name)
    return lambda text: tok(text, add_special_tokens=False)["input_ids"]


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
    bcfg = batch_config(cfg, spec)
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
                loss, last = compute_loss(base, DDPView(model, hypernet), batch, cfg, share)
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
