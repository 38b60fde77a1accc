"""Does a memory that is not relevant hurt? The right memory's accuracy with 0, 2, 8 other memories also active.

Every record of a data set is taught as a memory (on the user's path: ``Lorafy.teach_text``), then each
question of the first ``--limit`` records is asked with its own memory active plus ``n`` irrelevant ones
(the next ``n`` records, cyclically), under two weightings: every active memory at 1.0, and every active
memory at 1/(n+1) (their mean delta); and as answers are made (``best match``): of the n+1 memories only the
question's best BM25 match is active::

    python bench/irrelevant_memories.py bench/data/facts_test_20.jsonl --limit 10 --adapters compact \\
        --threads 2 --json irrelevant_compact.json

``--shared-bias`` measures a different layout: every memory's adapter holds only its document part (the
hypernetwork's learned bias block, identical for every document, removed before compacting) and one
bias adapter is active once, however many memories are. With the shipped layout the bias block, whose
delta is about 4.5x the document part's (median over layers, facts_test_20), is added once per active memory.

Taught memories live in a temporary library that is removed at the end.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WEIGHTINGS = ("1.0", "1/n")  # n = number of active memories
# the product's answer (AnswerConfig.max_memory_adapters = 1): of the checked memories only the question's best match
# (BM25 over their passages) is active, at 1.0
BEST = "best match"


def others(i: int, n_records: int, n: int) -> list[int]:
    """The ``n`` irrelevant records for record ``i``: the next ones, cyclically.

    >>> others(3, 5, 2), others(4, 5, 2)
    ([4, 0], [0, 1])
    """
    if n >= n_records:
        raise ValueError(f"{n} irrelevant memories need at least {n + 1} records, got {n_records}")
    return [(i + j) % n_records for j in range(1, n + 1)]


def weights_for(weighting: str, n_active: int) -> list[float]:
    """Per-memory weights of one weighting for ``n_active`` memories.

    >>> weights_for("1.0", 3), weights_for("1/n", 4)
    ([1.0, 1.0, 1.0], [0.25, 0.25, 0.25, 0.25])
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}; use one of {WEIGHTINGS}")
    return [1.0 if weighting == "1.0" else 1.0 / n_active] * n_active


def ask_all(svc, records, limit: int, counts: list[int], ask, best=None) -> dict:
    """Accuracy per weighting and count; ``ask(use_indices, weights, question)`` returns the answer text.

    ``best(use_indices, question)``, if given, adds the weighting BEST: only the memory it returns is active."""
    from engine.eval.evaluate import is_correct

    out: dict = {}
    for weighting in WEIGHTINGS + ((BEST,) if best else ()):
        for n in counts:
            if n == 0 and weighting != WEIGHTINGS[0]:
                continue  # one memory at 1/1 is the 1.0 case
            right = total = 0
            for i, rec in enumerate(records[:limit]):
                use = [i] + others(i, len(records), n)
                for qa in rec.questions:
                    active = [best(use, qa.question)] if weighting == BEST else use
                    weights = [1.0] if weighting == BEST else weights_for(weighting, len(use))
                    right += is_correct(ask(active, weights, qa.question), qa.answers)
                    total += 1
            out.setdefault(weighting, {})[str(n)] = {"accuracy": right / total, "n": total}
            print(f"weights {weighting:>4}  +{n} irrelevant: {right / total:6.1%} of {total}", flush=True)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dataset", type=Path)
    p.add_argument("--limit", type=int, default=None, help="ask the questions of the first N records only")
    p.add_argument("--counts", default="0,2,8", help="irrelevant memories to add (comma-separated)")
    p.add_argument("--adapters", choices=("compact", "full"), default="compact")
    p.add_argument("--rank-cap", type=int, default=32)
    p.add_argument("--energy", type=float, default=1.0)
    p.add_argument("--adapter-dtype", choices=("f16", "f32"), default="f16")
    p.add_argument("--max-tokens", type=int, default=24)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--shared-bias", action="store_true", help="document-only adapters plus one bias adapter")
    p.add_argument("--json", type=Path, dest="json_out")
    return p.parse_args(argv)


def measure(svc, records, counts: list[int], limit: int, max_tokens: int) -> dict:
    """Accuracy (and answers counted) per weighting and number of irrelevant memories, the service's own adapters."""
    keys = [svc.teach_text(r.document, name=f"irrelevant-{r.id}", kind="memory", source="bench").id for r in records]

    def ask(use: list[int], weights: list[float], question: str) -> str:
        return "".join(svc.generate(svc.prompt(question), [keys[j] for j in use], weights, max_tokens=max_tokens))

    def best(use: list[int], question: str) -> int:
        record_of = {keys[j]: j for j in use}
        return record_of[svc.best_memories(question, list(record_of), 1)[0]]

    return ask_all(svc, records, limit, counts, ask, best)


def measure_shared_bias(svc, records, counts: list[int], limit: int, max_tokens: int, out_dir: Path) -> dict:
    """The same, with document-only adapters (compacted when the service compacts) and one bias adapter."""
    from engine.core.adapter import LoraAdapter
    from engine.core.compact import compact_adapter
    from engine.core.prompts import wrap_chunks
    from export.gguf_adapter import write_gguf_adapter

    rb, rt, handles = int(svc.hypernet.config["hypernet"]["bias_rank"]), svc.runtime, []
    for i, rec in enumerate(records):
        chunks = wrap_chunks(svc.fmt, svc.tokenize, svc.tokenize(rec.document), svc.hypernet.chunk_tokens)
        full = svc.hypernet.adapter(chunks)  # bias block first, then one block per chunk
        doc = LoraAdapter(A=full.A[:, rb:].copy(), B=full.B[:, :, rb:].copy(), scale=full.scale)
        doc = compact_adapter(doc, svc.cfg.compact) if svc.cfg.compact is not None else doc
        handles.append(rt.load_adapter(str(write_gguf_adapter(doc, out_dir / f"doc{i}.gguf", svc.spec,
                                                              svc.cfg.adapter_dtype)), svc.spec))
    bias = LoraAdapter(A=full.A[:, :rb].copy(), B=full.B[:, :, :rb].copy(), scale=full.scale)
    bias_h = rt.load_adapter(str(write_gguf_adapter(bias, out_dir / "bias.gguf", svc.spec, svc.cfg.adapter_dtype)),
                             svc.spec)

    def ask(use: list[int], weights: list[float], question: str) -> str:
        rt.set_active([(bias_h, 1.0)] + [(handles[j], w) for j, w in zip(use, weights)])
        return "".join(rt.generate(svc.prompt(question), max_tokens=max_tokens))

    return ask_all(svc, records, limit, counts, ask)


def main(argv: list[str] | None = None) -> int:
    from desktop.service import Lorafy, ServiceConfig
    from engine.core.compact import CompactConfig
    from engine.data.records import read_jsonl

    args = parse_args(argv)
    counts = [int(c) for c in args.counts.split(",")]
    records = read_jsonl(args.dataset)
    compact = None if args.adapters == "full" else CompactConfig(rank_cap=args.rank_cap, energy=args.energy)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as home:
        svc = Lorafy(ServiceConfig(home=Path(home), threads=args.threads, use_gpu=False, n_gpu_layers=0,
                                   compact=compact, adapter_dtype=args.adapter_dtype))
        try:
            limit = args.limit or len(records)
            if args.shared_bias:
                results = measure_shared_bias(svc, records, counts, limit, args.max_tokens, Path(home))
                sizes = [p.stat().st_size for p in Path(home).glob("doc*.gguf")]
            else:
                results = measure(svc, records, counts, limit, args.max_tokens)
                sizes = [svc.library.adapter_path(i).stat().st_size for i in svc.library.items()]
        finally:
            svc.close()
    report = {"dataset": args.dataset.name, "records_taught": len(records), "records_asked": args.limit or len(records),
              "adapters": args.adapters, "shared_bias": args.shared_bias, "rank_cap": args.rank_cap, "energy": args.energy, "dtype": args.adapter_dtype,
              "adapter_bytes_mean": sum(sizes) / len(sizes), "seconds": round(time.time() - t0, 1), "results": results}
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
