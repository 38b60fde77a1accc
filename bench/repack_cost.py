"""What llama.cpp's weight repacking (extra CPU buffer types) would gain or break: prompt processing, side by side.

Lorafy loads every model with ``use_extra_bufts`` off (engine.core.llama_load). This benchmark loads the same
base both ways, each in its own child process (on AMX CPUs the repacked load segfaults), and measures
prompt-processing tokens/s without an adapter and with a LoRA adapter active::

    python bench/repack_cost.py [--base PATH] [--threads N] [--tokens 512,2048] [--json out.json]

A row whose child died shows the signal instead of a number. Each row also compares the last token's logits of
the two loads (max |difference| and whether the next token is the same): speed only counts if the answer holds.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEXT = ("The harbour ferry leaves at twenty to eight on weekdays and the café on the pier opens an hour "
        "earlier. Tickets are sold on board; a return costs less than two singles. ")


def _measure(base: str, extra: bool, adapter: str | None, threads: int, n_tokens: int, repeats: int, q) -> None:
    import ctypes

    from engine.core.llama_load import LlamaModel, LoadConfig, llama_cpp_module

    llama_cpp = llama_cpp_module()

    m = LlamaModel(LoadConfig(Path(base), n_ctx=n_tokens + 8, n_batch=512, n_threads=threads, use_extra_bufts=extra))
    if adapter:
        ptr = llama_cpp.llama_adapter_lora_init(m.model, adapter.encode())
        arr = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(ptr)
        llama_cpp.llama_set_adapters_lora(m.ctx, arr, 1, (ctypes.c_float * 1)(1.0))
    ids = (m.tokenize((TEXT * (n_tokens // 20 + 2)).encode(), add_bos=False, special=False))[:n_tokens]
    times = []
    for _ in range(repeats):
        m.clear_memory()
        t0 = time.perf_counter()
        for i in range(0, len(ids), 512):
            chunk = (llama_cpp.llama_token * len(ids[i:i + 512]))(*ids[i:i + 512])
            if llama_cpp.llama_decode(m.ctx, llama_cpp.llama_batch_get_one(chunk, len(chunk))) != 0:
                raise RuntimeError("llama_decode failed")
        times.append(time.perf_counter() - t0)
    import numpy as np

    n_vocab = llama_cpp.llama_vocab_n_tokens(m.vocab)
    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(m.ctx, -1), shape=(n_vocab,)).copy()
    q.put((len(ids) / statistics.median(times), logits))


def run_child(*args) -> tuple[float, "object"] | str:
    """(tokens/s, the last token's logits) from a child process, or why it died."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_measure, args=(*args, q))
    p.start()
    out, t_end = None, time.monotonic() + 600
    while out is None and time.monotonic() < t_end:  # read before join (200 KB of logits), stop if the child died
        try:
            out = q.get(timeout=1)
        except queue.Empty:
            if not p.is_alive():
                break
    p.join(60)
    if p.exitcode != 0 or out is None:
        return f"crashed (exit {p.exitcode})"
    return out


def cpu_label() -> tuple[str, str]:
    """(CPU model, the llama.cpp-relevant instruction-set flags) as ``lorafy doctor`` reads them."""
    from desktop.doctor import cpu_info

    info = cpu_info()
    return info["model"], " ".join(info["flags"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default=None, help="GGUF base (default: the embedded SmolLM2)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", default="512,2048")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    import numpy as np

    from engine.core.adapter import LoraAdapter
    from engine.core.base import load_base, read_spec
    from export.gguf_adapter import write_gguf_adapter

    spec = read_spec(Path(args.base)) if args.base else load_base()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rng, r = np.random.default_rng(0), 8  # a seeded random rank-8 adapter, big enough to change the output
        ad = LoraAdapter(A=rng.normal(0, spec.d_ff ** -0.5, (spec.n_layer, r, spec.d_ff)).astype(np.float32),
                         B=rng.normal(0, 0.03, (spec.n_layer, spec.d_model, r)).astype(np.float32), scale=1.0)
        adapter = str(write_gguf_adapter(ad, Path(tmp) / "a.gguf", spec))
        for n in (int(t) for t in args.tokens.split(",")):
            for label, ad in (("base", None), ("base + adapter", adapter)):
                off = run_child(str(spec.path), False, ad, args.threads, n, args.repeats)
                on = run_child(str(spec.path), True, ad, args.threads, n, args.repeats)
                both = isinstance(on, tuple) and isinstance(off, tuple)
                # the answer must not change with the buffer type: repacked weights with a LoRA fallback included
                delta = float(np.abs(on[1] - off[1]).max()) if both else None
                same_top = bool(on[1].argmax() == off[1].argmax()) if both else None
                speed = lambda x: x[0] if isinstance(x, tuple) else x  # noqa: E731
                rows.append({"tokens": n, "model": label, "repack_off_tok_s": speed(off), "repack_on_tok_s": speed(on),
                             "on_over_off": speed(on) / speed(off) if both else None,
                             "max_abs_logit_diff": delta, "same_next_token": same_top})
    cpu, flags = cpu_label()
    info = {"cpu": cpu, "flags": flags, "threads": args.threads, "base": spec.path.name}
    fmt = lambda v: f"{v:9.0f}" if isinstance(v, float) else f"{v:>9}"  # noqa: E731
    print(f"prompt processing, tokens/s — {info['cpu']} ({info['flags']}), {args.threads} threads, {spec.path.name}")
    print(f"{'tokens':>6} {'model':<15} {'repack off (Lorafy)':>20} {'repack on':>20} {'on / off':>9} "
          f"{'max |dlogit|':>12} {'same token':>10}")
    for r in rows:
        ratio = f"{r['on_over_off']:.2f}x" if r["on_over_off"] else "-"
        diff = f"{r['max_abs_logit_diff']:.3f}" if r["max_abs_logit_diff"] is not None else "-"
        same = {True: "yes", False: "NO", None: "-"}[r["same_next_token"]]
        print(f"{r['tokens']:>6} {r['model']:<15} {fmt(r['repack_off_tok_s']):>20} {fmt(r['repack_on_tok_s']):>20} "
              f"{ratio:>9} {diff:>12} {same:>10}")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
