"""Resident memory and teaching time of the user's path under three memory settings, each in its own process.

``before``: ONNX Runtime's CPU arena on and no heap trimming (how Lorafy ran until 2026-12-07); ``arena off``: the
arena off only; ``shipped``: the arena off and freed heap pages returned once the hypernetwork session holds its own
copy of the weights, when the teach queue runs dry and after adapters are unloaded (engine.core.memory). The same documents are taught in every setting; the table prints RSS after set-up, after the
teaches and after 100 adapters were activated one after another, beside the median teach time, with ratios to
``before``::

    python bench/memory_paths.py --docs 5 --json docs/results/memory/memory_paths.json
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETTINGS = {"before": {"arena": True, "trim": False}, "arena off": {"arena": False, "trim": False},
            "shipped": {"arena": False, "trim": True}}


def documents(n: int) -> list[str]:
    """``n`` real texts of this repository (README and docs), ~4,000 characters each: the same in every setting."""
    texts = [p.read_text(errors="replace") for p in sorted((ROOT / "docs").rglob("*.md"))] + [(ROOT / "README.md").read_text()]
    joined = "\n\n".join(texts)
    return [joined[i * 4000:(i + 1) * 4000] for i in range(n)]


def measure(setting: dict, n_docs: int, threads: int, queue) -> None:
    """One process: set up the service under ``setting``, teach, activate 100 adapters; put the figures on ``queue``."""
    import engine.core.memory as memory
    import engine.infer.onnx_hypernet as onnx_hypernet
    import desktop.service as service
    from desktop.bench.measure import rss_bytes
    from desktop.bench.sections import copy_into_library

    if not setting["trim"]:
        service.return_free_memory = onnx_hypernet.return_free_memory = memory.return_free_memory = lambda: False
    real_session = onnx_hypernet.SessionConfig

    def session_config(**kw):
        return real_session(**kw, memory_arena=setting["arena"])
    service.SessionConfig = session_config
    with tempfile.TemporaryDirectory() as home:
        svc = service.Lorafy(service.ServiceConfig(home=Path(home), threads=threads, n_gpu_layers=0, use_gpu=False))
        t0 = time.perf_counter()
        svc.load()
        out = {"setup_s": time.perf_counter() - t0, "rss_setup": rss_bytes(), "teach_s": []}
        items = []
        for k, text in enumerate(documents(n_docs)):
            t0 = time.perf_counter()
            items.append(svc.teach_text(text, name=f"doc{k}"))
            out["teach_s"].append(time.perf_counter() - t0)
        memory.return_free_memory()  # what the teach queue does when it runs dry (a no-op where trimming is off)
        out["rss_taught"] = rss_bytes()
        copies = [copy_into_library(svc, items[0], f"copy{k}") for k in range(100)]
        for c in copies:
            svc.activate([c.id])
        svc.activate([])
        out["rss_100_used"] = rss_bytes()
        out["tokens"] = sum(i.tokens for i in items)
        svc.close()
    queue.put(out)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    ctx, results = multiprocessing.get_context("spawn"), {}
    for name, setting in SETTINGS.items():
        q = ctx.Queue()
        proc = ctx.Process(target=measure, args=(setting, args.docs, args.threads, q))
        proc.start()
        results[name] = q.get(timeout=1800)
        proc.join()
        print(f"{name}: done", file=sys.stderr)
    ref = results["before"]
    print(f"\n{'setting':<10} {'RSS set-up':>11} {'RSS taught':>11} {'RSS 100 used':>13} {'teach s (median)':>17}"
          f"   ratios to before")
    for name, r in results.items():
        r["teach_median_s"] = statistics.median(r["teach_s"])
        ratios = [r[k] / ref[k] for k in ("rss_setup", "rss_taught", "rss_100_used")]
        print(f"{name:<10} {r['rss_setup'] / 1e6:>8.0f} MB {r['rss_taught'] / 1e6:>8.0f} MB {r['rss_100_used'] / 1e6:>10.0f} MB"
              f" {r['teach_median_s']:>17.2f}   " + " ".join(f"{x:.2f}x" for x in ratios)
              + f" {r['teach_median_s'] / statistics.median(ref['teach_s']):.2f}x")
    from desktop.doctor import cpu_info

    cpu = cpu_info()
    rep = {"schema_version": 1, "docs": args.docs, "threads": args.threads, "cpu": cpu["model"], "cores": cpu["cores"],
           "date": time.strftime("%Y-%m-%d"), "settings": SETTINGS, "results": results}
    if args.json:
        from engine.core.atomic import atomic_write_bytes

        args.json.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(args.json, (json.dumps(rep, indent=1) + "\n").encode(), 0o644)
    return rep


if __name__ == "__main__":
    main()
