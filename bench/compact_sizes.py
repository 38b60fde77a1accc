"""Adapter file bytes and compaction seconds by document length: full rank F32 (as before) vs compact F16.

A document of T tokens is taught in ceil(T / chunk_tokens) chunks, and its full adapter has rank
``bias_rank + (rank + copy_rank) * chunks`` (the shipped hypernetwork's config). File sizes depend only on
the ranks, so the factors here are seeded random arrays of the real shapes; the seconds are the time
to compact them on this machine. Compared with the f16 KV cache of the same tokens (``lorafy bench``)::

    python bench/compact_sizes.py --tokens 1024,4096,32768 --json sizes.json
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def full_rank(hp: dict, n_tokens: int) -> int:
    """The uncompacted adapter's rank for a document of ``n_tokens`` tokens.

    >>> full_rank({"bias_rank": 8, "rank": 8, "copy_rank": 8, "chunk_tokens": 512}, 4096)
    136
    """
    chunks = math.ceil(n_tokens / int(hp["chunk_tokens"]))
    return int(hp["bias_rank"]) + (int(hp["rank"]) + int(hp.get("copy_rank", 0))) * chunks


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from desktop.bench.measure import kv_cache_bytes
    from engine.core.adapter import LoraAdapter
    from engine.core.base import load_base
    from engine.core.compact import CompactConfig, compact_adapter
    from engine.infer.onnx_hypernet import default_bundle, read_bundle_config
    from export.gguf_adapter import write_gguf_adapter

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", default="1024,4096,32768")
    p.add_argument("--rank-cap", type=int, default=32)
    p.add_argument("--json", type=Path, dest="json_out")
    args = p.parse_args(argv)
    spec = load_base()
    hp = read_bundle_config(default_bundle(spec))["hypernet"]
    rng, rows = np.random.default_rng(0), []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(t) for t in args.tokens.split(",")):
            r = full_rank(hp, n)
            ad = LoraAdapter(A=rng.standard_normal((spec.n_layer, r, spec.d_ff), dtype=np.float32) * 0.02,
                             B=rng.standard_normal((spec.n_layer, spec.d_model, r), dtype=np.float32) * 0.02, scale=45.25)
            full = write_gguf_adapter(ad, Path(tmp) / "full.gguf", spec, dtype="f32").stat().st_size
            t0 = time.perf_counter()
            small = compact_adapter(ad, CompactConfig(rank_cap=args.rank_cap))
            seconds = time.perf_counter() - t0
            compact = write_gguf_adapter(small, Path(tmp) / "compact.gguf", spec).stat().st_size
            kv = kv_cache_bytes(n, spec.n_layer, spec.n_kv_head, spec.head_dim)
            rows.append({"tokens": n, "full_rank": r, "full_f32_bytes": full, "compact_rank": small.rank,
                         "compact_f16_bytes": compact, "kv_f16_bytes": kv, "compact_seconds": round(seconds, 3),
                         "full_over_kv": round(full / kv, 4), "compact_over_kv": round(compact / kv, 4)})
            print(json.dumps(rows[-1]), flush=True)
    if args.json_out:
        args.json_out.write_text(json.dumps({"rank_cap": args.rank_cap, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
