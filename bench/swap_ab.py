"""Switch + first token on the embedded base: KV cache parked per adapter set vs every switch starting empty (A/B).

Usage: python bench/swap_ab.py [--threads 2] [--repeats 30] [--json OUT]. Two seeded random rank-8 adapters
are written to a temporary folder; each repeat switches to the other adapter on two runtimes in turn
(park_sets=8, and park_sets=0: every switch starts from an empty cache, as before 2026-12-07), once with the
same question (as the `lorafy bench` swap row) and once with a new question each time (only the chat
template's opening is shared). Prints wall-clock medians and minima and the median CPU time of the process (which other load on a shared
machine inflates less).
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.core.adapter import LoraAdapter
from engine.core.base import load_base
from engine.core.prompts import PromptFormat
from engine.infer.runtime import Runtime, RuntimeConfig
from export.gguf_adapter import write_gguf_adapter

QUESTIONS = ["What is the special magic number?", "Who built the harbour bridge?", "When does the ferry stop running?",
             "Which colour is the front door?", "Where is the chess club meeting?", "How old is the lighthouse?"]


def adapter(spec, seed: int, rank: int = 8) -> LoraAdapter:
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, spec.d_ff ** -0.5, (spec.n_layer, rank, spec.d_ff)).astype(np.float32)
    b = rng.normal(0.0, 0.02, (spec.n_layer, spec.d_model, rank)).astype(np.float32)
    return LoraAdapter(A=a, B=b, scale=1.0, meta={})


def switch_first(rt: Runtime, handle: str, prompt: str) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of switching to ``handle`` and producing the first token."""
    t0, c0 = time.perf_counter(), time.process_time()
    rt.set_active([(handle, 1.0)])
    for _ in rt.generate(prompt, max_tokens=1, stop_on_eos=False):
        pass
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    spec = load_base()
    fmt = PromptFormat(spec.chat_template)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [write_gguf_adapter(adapter(spec, s), Path(tmp) / f"a{s}.gguf", spec) for s in (1, 2)]
        runtimes = {name: Runtime(RuntimeConfig(spec.path, n_ctx=4096, n_threads=args.threads, n_gpu_layers=0,
                                                park_sets=park), spec) for name, park in (("parked", 8), ("empty", 0))}
        handles = {name: [rt.load_adapter(p) for p in paths] for name, rt in runtimes.items()}
        times: dict[str, list[tuple[float, float]]] = {f"{n}/{q}": [] for n in runtimes for q in ("same", "new")}
        for kind in ("same", "new"):  # every call switches to the other adapter
            for i in range(args.repeats):
                question = QUESTIONS[0] if kind == "same" else f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"
                for name, rt in runtimes.items():
                    times[f"{name}/{kind}"].append(switch_first(rt, handles[name][i % 2], fmt.question(question)))
        for rt in runtimes.values():
            rt.close()
    ms = lambda xs: round(1e3 * xs, 2)  # noqa: E731
    out = {k: {"median_ms": ms(statistics.median(w for w, _ in v)), "min_ms": ms(min(w for w, _ in v)),
               "cpu_median_ms": ms(statistics.median(c for _, c in v)), "n": len(v)} for k, v in times.items()}

    print(json.dumps({"threads": args.threads, **out}, indent=1))
    if args.json:
        args.json.write_text(json.dumps({"threads": args.threads, **out}, indent=1) + "\n")


if __name__ == "__main__":
    main()
