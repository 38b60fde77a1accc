"""Does a memory that is not relevant hurt? The right memory's accuracy with 0, 2, 8 other memories also active.

Every record of a data set is taught as a memory (on the user's path: ``Lorafy.teach_text``), then each
question of the first ``--limit`` records is asked with its own memory active plus ``n`` irrelevant ones
(the next ``n`` records, cyclically), under two weightings: every active memory at 1.0, and every active
memory at 1/(n+1) (their mean delta)::

    python bench/irrelevant_memories.py bench/data/facts_test_20.jsonl --limit 10 --adapters compact \\
        --threads 2 --json irrelevant_compact.json

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
    p.add_argument("--json", type=Path, dest="json_out")
    return p.parse_args(argv)


def measure(svc, records, counts: list[int], limit: int, max_tokens: int) -> dict:
    """Accuracy (and answers counted) per weighting and number of irrelevant memories."""
    from engine.eval.evaluate import is_correct

    keys = [svc.teach_text(r.document, name=f"irrelevant-{r.id}", kind="memory", source="bench").id for r in records]
    out: dict = {}
    for weighting in WEIGHTINGS:
        for n in counts:
            if n == 0 and weighting != WEIGHTINGS[0]:
                continue  # one memory at 1/1 is the 1.0 case
            right = total = 0
            for i, rec in enumerate(records[:limit]):
                use = [keys[i]] + [keys[j] for j in others(i, len(records), n)]
                for qa in rec.questions:
                    text = "".join(svc.generate(svc.prompt(qa.question), use, weights_for(weighting, len(use)),
                                                max_tokens=max_tokens))
                    right, total = right + is_correct(text, qa.answers), total + 1
            out.setdefault(weighting, {})[str(n)] = {"accuracy": right / total, "n": total}
            print(f"weights {weighting:>4}  +{n} irrelevant: {right / total:6.1%} of {total}", flush=True)
    return out


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
            results = measure(svc, records, counts, args.limit or len(records), args.max_tokens)
            sizes = [svc.library.adapter_path(i).stat().st_size for i in svc.library.items()]
        finally:
            svc.close()
    report = {"dataset": args.dataset.name, "records_taught": len(records), "records_asked": args.limit or len(records),
              "adapters": args.adapters, "rank_cap": args.rank_cap, "energy": args.energy, "dtype": args.adapter_dtype,
              "adapter_bytes_mean": sum(sizes) / len(sizes), "seconds": round(time.time() - t0, 1), "results": results}
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
