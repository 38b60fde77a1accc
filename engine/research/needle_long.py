"""Needle in a haystack at long lengths on the torch path (``python -m engine.research.needle_long``): adapter vs in-context.

The user's path (ONNX + llama.cpp, ``lorafy eval``) is measured on CPU up to
4k tokens; this runs the same hypernetwork and base in torch (a GPU makes 32k
haystacks take seconds) for lengths the base's window cannot hold. A haystack
is split into the runtime's chunks (``chunk_tokens`` content tokens, each
wrapped as a user turn), every chunk's adapter is concatenated along the rank
plus the bias block, and the question is answered greedily with only the
question in the prompt. In-context rows run only where document + question fit
the base's trained window; elsewhere they are reported as not run (``null``),
which is what a user of the plain base gets: nothing. Scored like ``lorafy
eval``: the answer must contain the number.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from engine.core.base import load_base
from engine.core.prompts import PromptFormat, Tokenize, wrap_chunks
from engine.data.needle import needle_set
from engine.data.records import Record
from engine.eval.evaluate import is_correct
from engine.nn.model import Llama, LoraBatch, load_llama
from engine.research.common import adapters_for
from engine.train.checkpoint import load_hypernet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LongNeedleConfig:
    """Which haystacks to build and how to answer."""

    lengths: tuple[int, ...] = (256, 1024, 4096, 8192, 16384, 32768)
    n_per_depth: int = 5  # x 10 depths = 50 haystacks per length
    seed: int = 21
    prose: bool = False
    # 32, as `lorafy eval`: the base with the haystack in its prompt answers "The special magic number is
    # NNNNNNN" (12+ tokens); the 12 used up to v9 cut the number short and understated the in-context row
    max_new_tokens: int = 32
    max_chunk_rows: int = 96  # encoder rows per forward (bounds GPU memory)
    window: int = 8192  # the base's trained context; in-context runs only below it (0: never, adapter only)


@torch.no_grad()
def greedy(base: Llama, prompts: Sequence[list[int]], lora: LoraBatch | None, stop: set[int], max_new: int,
           pad_id: int) -> list[list[int]]:
    """Greedy continuation of each prompt (full recompute per token; prompts here are short or few)."""
    outs: list[list[int]] = [[] for _ in prompts]
    done = [False] * len(prompts)
    seqs = [list(p) for p in prompts]
    device = base.tok_emb.weight.device
    for _ in range(max_new):
        T = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), T), pad_id, dtype=torch.long, device=device)
        for i, s in enumerate(seqs):  # left-padded; callers pass prompts of one length, so the rows still
            ids[i, T - len(s):] = torch.tensor(s, device=device)  # generating are never padded (finished ones are)
        h = base(ids, lora=lora)
        nxt = base.logits(h[:, -1]).argmax(-1).tolist()
        for i, t in enumerate(nxt):
            if done[i]:
                continue
            if t in stop:
                done[i] = True
                continue
            outs[i].append(t)
            seqs[i].append(t)
        if all(done):
            break
    return outs


def _sync() -> None:
    """Wait for queued GPU work, so wall-clock timings cover it."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def run(cfg: LongNeedleConfig, base: Llama, hypernet, fmt: PromptFormat, tokenize: Tokenize,
        decode: Callable[[list[int]], str], stop: set[int], pad_id: int,
        progress: Callable[[str], None] = print) -> dict:
    """Accuracy per length for adapter and (where it fits) in-context; teach seconds per 1k tokens."""
    count = lambda s: len(tokenize(s))  # noqa: E731
    chunk_tokens = hypernet.cfg.chunk_tokens
    results = []
    for n_tokens in cfg.lengths:
        records: list[Record] = needle_set(n_tokens, cfg.n_per_depth, cfg.seed, prose=cfg.prose,
                                           count_tokens=count, split="test")
        content = [tokenize(r.document) for r in records]
        wrapped = [wrap_chunks(fmt, tokenize, c, chunk_tokens) for c in content]
        question_ids = tokenize(fmt.question(records[0].questions[0].question))
        per_group = max(1, cfg.max_chunk_rows // max(len(w) for w in wrapped))
        ok_adapter, teach_s = [], 0.0
        for g in range(0, len(records), per_group):
            group = wrapped[g:g + per_group]
            _sync()
            t0 = time.perf_counter()
            lora = adapters_for(base, hypernet, group, pad_id)
            _sync()
            teach_s += time.perf_counter() - t0
            outs = greedy(base, [question_ids] * len(group), lora, stop, cfg.max_new_tokens, pad_id)
            for rec, out in zip(records[g:g + per_group], outs):
                ok_adapter.append(is_correct(decode(out), rec.questions[0].answers))
        ok_icl: list[bool] | None = []
        for rec in records:
            ids = tokenize(fmt.in_context(rec.document, rec.questions[0].question))
            if len(ids) + cfg.max_new_tokens > cfg.window:
                ok_icl = None
                break
            out = greedy(base, [ids], None, stop, cfg.max_new_tokens, pad_id)[0]
            ok_icl.append(is_correct(decode(out), rec.questions[0].answers))
        tokens = sum(len(c) for c in content)
        row = {"length": n_tokens, "n": len(records), "mean_tokens": tokens / len(records),
               "chunks": sum(len(w) for w in wrapped) / len(records),
               "adapter": sum(ok_adapter) / len(ok_adapter),
               "in_context": None if ok_icl is None else sum(ok_icl) / len(ok_icl),
               "teach_s_per_1k_tokens": teach_s / tokens * 1000}
        results.append(row)
        progress(json.dumps(row))
    return {"config": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.__dict__.items()}, "results": results}


def plot(report: dict, path: Path, title: str) -> Path:
    """Accuracy vs haystack length (log scale), adapter and in-context; the base's window marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["results"]
    xs = [r["length"] for r in rows]
    fig, ax = plt.subplots(figsize=(5.5, 3.4), dpi=120)
    ax.plot(xs, [r["adapter"] for r in rows], "o-", color="#e07a1f", label="adapter (question only)")
    icl = [(r["length"], r["in_context"]) for r in rows if r["in_context"] is not None]
    if icl:
        short = report["config"].get("max_new_tokens", 12) < 32  # runs before v9's fix cut in-context answers short
        ax.plot(*zip(*icl), "s-", color="#3e7cb1",
                label="document in the prompt" + (" (12-token answers: a lower bound)" if short else ""))
    if report["config"]["window"] > 0:
        ax.axvline(report["config"]["window"], color="#9aa5b1", ls="--", lw=1)
        ax.text(report["config"]["window"], 0.02, " base window", fontsize=7, color="#5a6570")
    for r in rows:
        ax.annotate(f"{r['adapter']:.0%}", (r["length"], r["adapter"]), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=7)
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs, [f"{x // 1024}k" if x >= 1024 else str(x) for x in xs])
    ax.set_ylim(-0.02, 1.12)
    ax.set_xlabel("haystack tokens")
    ax.set_ylabel("exact match")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="center right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.research.needle_long", description=__doc__.splitlines()[0])
    p.add_argument("hypernet", type=Path, help="hypernetwork directory (bundle or checkpoint)")
    p.add_argument("--base", help="llama GGUF (default: the embedded base)")
    p.add_argument("--lengths", default="256,1024,4096,8192,16384,32768")
    p.add_argument("--per-depth", type=int, default=5)
    p.add_argument("--prose", action="store_true", help="standard-library prose as the filler")
    p.add_argument("--out", type=Path, required=True, help="JSON path (a PNG is written beside it)")
    p.add_argument("--adapter-only", action="store_true",
                   help="skip the in-context rows (on a CPU they cost minutes per haystack; reported as null, window 0)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from transformers import AutoTokenizer

    spec = load_base(Path(args.base) if args.base else None)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    dtype = torch.bfloat16 if cuda else torch.float32
    base = load_llama(spec, dtype=dtype, device=device)
    hypernet, meta = load_hypernet(args.hypernet, spec.sha256)
    hypernet = hypernet.to(device=device).eval()  # float32 weights; bf16 matmuls under autocast (as in training)
    tok = AutoTokenizer.from_pretrained(str(spec.path.parent), gguf_file=spec.path.name)
    tokenize = lambda s: tok(s, add_special_tokens=False)["input_ids"]  # noqa: E731
    stop = {spec.eos_id, *tokenize("<|im_end|>")}
    cfg = LongNeedleConfig(lengths=tuple(int(x) for x in args.lengths.split(",")), n_per_depth=args.per_depth,
                           prose=args.prose, window=0 if args.adapter_only else spec.context_length)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext()
    with autocast:
        report = run(cfg, base, hypernet, PromptFormat(spec.chat_template), tokenize,
                     lambda ids: tok.decode(ids, skip_special_tokens=True), stop, spec.eos_id)
    report["meta"] = {"hypernet": str(args.hypernet), "step": meta.get("step"), "device": str(device),
                      "gpu": torch.cuda.get_device_name() if cuda else None, "dtype": str(dtype)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    plot(report, args.out.with_suffix(".png"), f"Needle in a haystack, torch path ({report['meta']['gpu'] or 'cpu'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
