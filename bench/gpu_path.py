"""The user's path on the CPU and on the GPU, side by side in one run: teach, time to first token, decode, swap.

Builds one Lorafy service (its ONNX hypernetwork teaches the adapters) and two llama.cpp runtimes of
the same base: all layers on the CPU (``n_gpu_layers=0``) and all offloaded (``-1``; the GPU row is
skipped on a build without GPU offload). Prints a table with the ratio GPU / CPU and writes JSON::

    python bench/gpu_path.py [--base PATH] [--threads N] [--json out.json]

Rows: teach ms per 1k tokens (hypernetwork on ONNX Runtime's providers in use + GGUF write + load
into that runtime), prefill time to first token at 4k and 16k tokens (16k is past SmolLM2's 8k
training window: a timing, not an answer), decode tokens/s, switch + first token with one adapter,
and with 16 adapters active.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.repack_cost import TEXT, cpu_label  # noqa: E402

PROMPT_Q = "What time does the ferry leave on weekdays?"


def timed(fn, *a) -> float:
    t0 = time.perf_counter()
    fn(*a)
    return time.perf_counter() - t0


def doc_of(rt, n_tokens: int) -> list[int]:
    ids = rt.tokenize(TEXT * (n_tokens // 30 + 2))
    return ids[:n_tokens]


def measure(rt, adapters: list[Path], prompt: str, repeats: int, sizes: tuple[int, ...]) -> dict:
    """Figures for one runtime (adapters already taught as files)."""
    out: dict = {}
    for n in sizes:
        ids = doc_of(rt, n)
        rt.set_active([])
        out[f"ttft_{n}_s"] = statistics.median(timed(rt.logits, ids) for _ in range(max(1, repeats - 1)))
    handles = [rt.load_adapter(p) for p in adapters]
    t0 = time.perf_counter(); first = None; n_tok = 0
    rt.set_active([(handles[0], 1.0)])
    for _ in rt.generate(prompt, max_tokens=64, stop_on_eos=False):
        n_tok += 1
        first = first or time.perf_counter()
    out["decode_tok_s"] = (n_tok - 1) / (time.perf_counter() - first)

    def switch_first(pairs) -> None:
        rt.set_active(pairs)
        next(iter(rt.generate(prompt, max_tokens=1, stop_on_eos=False)))

    swaps = [timed(switch_first, [(handles[i % 2], 1.0)]) for i in range(repeats * 4)]
    out["swap_first_token_s"] = statistics.median(swaps)
    k = min(16, len(handles))
    out["active16_first_token_s"] = statistics.median(
        timed(switch_first, [(h, 1.0 / k) for h in handles[:k]]) for _ in range(repeats))
    rt.set_active([])
    for h in handles:
        rt.unload_adapter(h)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, default=None)
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", default="4096,16384", help="prompt lengths for the first-token rows")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    sizes = tuple(int(x) for x in args.sizes.split(","))

    from engine.core.llama_load import llama_cpp_module

    llama_cpp = llama_cpp_module()
    from desktop.service import Lorafy, ServiceConfig
    from engine.infer.runtime import Runtime, RuntimeConfig

    cpu, flags = cpu_label()
    results: dict = {"machine": {"cpu": cpu, "flags": flags, "threads": args.threads,
                                 "gpu_offload": bool(llama_cpp.llama_supports_gpu_offload())}, "rows": {}}
    with tempfile.TemporaryDirectory() as tmp:
        svc = Lorafy(ServiceConfig(home=Path(tmp) / "home", base_path=args.base, threads=args.threads,
                                   n_gpu_layers=0, use_gpu=True))
        svc.load()
        results["machine"]["onnx_providers"] = list(svc.hypernet.providers)
        spec, fmt = svc.spec, svc.fmt
        doc1k = svc.runtime.detokenize(doc_of(svc.runtime, 1024))
        items = [svc.teach_text(doc1k if i == 0 else f"Note {i}: " + TEXT, f"m{i}") for i in range(16)]
        adapters = [svc.library.adapter_path(it) for it in items]
        teach_s = statistics.median(timed(svc.teach_text, doc1k, f"t{i}") for i in range(args.repeats))
        prompt = fmt.question(PROMPT_Q)
        svc.close()
        devices = [("cpu", 0)] + ([("gpu", -1)] if results["machine"]["gpu_offload"] else [])
        for label, layers in devices:
            cfg = RuntimeConfig(spec.path, n_ctx=max(sizes) + 64, n_threads=args.threads, n_gpu_layers=layers)
            with Runtime(cfg, spec) as rt:
                load_s = statistics.median(timed(rt.load_adapter, adapters[0]) for _ in range(args.repeats))
                row = {"teach_ms_per_1k": 1000 * (teach_s + load_s) * 1024 / items[0].tokens}
                row.update(measure(rt, adapters, prompt, args.repeats, sizes))
                results["rows"][label] = row
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


def print_table(results: dict) -> None:
    m, rows = results["machine"], results["rows"]
    print(f"user path — {m['cpu']} ({m['flags']}), threads {m['threads'] or 'all'}, "
          f"hypernet on {', '.join(m.get('onnx_providers', []))}")
    sizes = sorted(int(k[5:-2]) for k in rows["cpu"] if k.startswith("ttft_"))
    names = ([("teach_ms_per_1k", "teach, ms per 1k tokens")]
             + [(f"ttft_{n}_s", f"first token after a {n}-token prompt, s") for n in sizes]
             + [("decode_tok_s", "decode, tokens/s"), ("swap_first_token_s", "switch adapter + first token, s"),
                ("active16_first_token_s", "16 adapters active: switch + first token, s")])
    print(f"{'':<44} {'CPU':>10} {'GPU':>10} {'GPU / CPU':>10}")
    for key, label in names:
        cpu = rows["cpu"][key]
        gpu = rows.get("gpu", {}).get(key)
        ratio = f"{gpu / cpu:.3f}" if gpu is not None and cpu else "-"
        print(f"{label:<44} {cpu:>10.4g} {(f'{gpu:.4g}' if gpu is not None else '-'):>10} {ratio:>10}")


if __name__ == "__main__":
    sys.exit(main())
