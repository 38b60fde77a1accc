"""Capacity probe for the hypernetwork: can it fit a fixed handful of documents (``python -m engine.research.probe``)?

A working text path drives the loss with each document's *own* adapter well
below the loss with another document's adapter ("shuffled"); if the two stay
equal, adapters carry no document content and longer training will not help.
Prints one JSON line per evaluation; used to debug meta-training, not shipped.
"""
from __future__ import annotations

import argparse
import json
import random
import time

import torch

from engine.core.base import load_base
from engine.core.prompts import PromptFormat, wrapper_ids
from engine.data.facts import FactsConfig, make_document
from engine.data.needle import NeedleConfig, make_needle
from engine.nn.d2l import encode, make_lora
from engine.nn.hypernet import Hypernet, HypernetConfig
from engine.nn.model import LoraBatch, load_llama
from engine.train.batches import BatchConfig, build_batch
from engine.train.config import TrainConfig
from engine.train.loop import hf_tokenizer
from engine.train.objective import answer_logits, compute_loss
from engine.train.losses import cross_entropy


def probe(args: argparse.Namespace) -> list[dict]:
    torch.manual_seed(args.seed)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    spec = load_base(args.base)
    base = load_llama(spec, dtype=torch.bfloat16 if cuda else torch.float32, device=device)
    tok = hf_tokenizer(spec)
    fmt = PromptFormat(spec.chat_template)
    pre, suf = wrapper_ids(fmt, tok)
    rng = random.Random(args.seed)
    count = lambda s: len(tok(s))  # noqa: E731
    if args.kind == "needle":
        recs = [make_needle(NeedleConfig(n_tokens=args.tokens, prose=False), rng, count_tokens=count, split="train")
                for _ in range(args.docs)]
    else:
        recs = [make_document(FactsConfig(), rng, "train", count_tokens=count) for _ in range(args.docs)]
    bcfg = BatchConfig(chunk_tokens=512, pad_id=spec.eos_id, max_chunks=1, questions_per_doc=args.questions)
    batch = build_batch(recs, fmt, tok, bcfg, random.Random(1), distil=args.kl > 0).to(device)
    overrides = json.loads(args.hypernet)
    skip = {"skip_head": len(pre), "skip_tail": len(suf)} if args.std else {}
    hn = Hypernet(HypernetConfig(n_layer=spec.n_layer, d_model=spec.d_model, d_ff=spec.d_ff, **{**skip, **overrides})).to(device)
    if args.std:
        hn.calibrate(encode(base, batch.chunk_ids), batch.chunk_mask)
    cfg = TrainConfig(out_dir="unused", kl_weight=args.kl, l1_weight=args.l1)
    opt = torch.optim.AdamW(hn.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else torch.autocast("cpu", enabled=False)
    N, rows, t0 = len(recs), [], time.time()
    for step in range(args.steps + 1):
        if step % args.every == 0:
            with torch.no_grad(), autocast:
                lora, _, _ = make_lora(base, hn, batch.chunk_ids, batch.chunk_mask, batch.n_chunks)
                row = {"step": step, "sec": round(time.time() - t0, 1)}
                for name, order in (("own", torch.arange(N)), ("shuffled", torch.roll(torch.arange(N), 1))):
                    order = order.to(device)[batch.doc_of_q]
                    lb = LoraBatch(lora.A[order], lora.B[order], lora.scale)
                    lg = answer_logits(base, batch.student_ids, lb, batch.s_rows, batch.s_cols).float()
                    row[f"{name}_ce"] = round(cross_entropy(lg, batch.targets).mean().item(), 3)
                    row[f"{name}_acc"] = round((lg.argmax(-1) == batch.targets).float().mean().item(), 3)
            print(json.dumps({"variant": args.name, **row}), flush=True)
            rows.append(row)
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, (step + 1) / 20)
        with autocast:
            loss, _ = compute_loss(base, hn, batch, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(hn.parameters(), 1.0)
        opt.step()
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.research.probe", description=__doc__.splitlines()[0])
    p.add_argument("--name", default="probe")
    p.add_argument("--base", default=None)
    p.add_argument("--kind", choices=("needle", "facts"), default="needle")
    p.add_argument("--docs", type=int, default=16)
    p.add_argument("--tokens", type=int, default=40)
    p.add_argument("--questions", type=int, default=2)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--every", type=int, default=50)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--kl", type=float, default=0.0)
    p.add_argument("--l1", type=float, default=0.1)
    p.add_argument("--std", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--hypernet", default="{}", help="JSON HypernetConfig overrides")
    probe(p.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
