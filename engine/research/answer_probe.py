"""Does an adapter carry the answer or only its form? Rank of the gold answer's first token, own vs another text's adapter.

``python -m engine.research.answer_probe HYPERNET --data bench/data/facts_test_20.jsonl --out probe.json``

For every question the base answers with only the question in its prompt and, in turn, the
document's own adapter and the next document's adapter. At the first answer position it ranks
the gold answer's first token (0 = the model's top choice). The table is per kind of answer
(:func:`engine.eval.evaluate.answer_kind`). Where the own adapter ranks the gold token no better than
another document's, the adapter writes nothing of that kind into the weights: whatever it
answers comes from the question's form. This is what located the facts gap: v10 ranks numbers'
first tokens at median 2 with its own adapter and 4–5 with another's, while names are ranked the
same (median 10–16) with either, on training documents as well as held-out ones.
Torch path; runs on CPU in a few minutes for 20 documents.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import torch

from engine.core.base import load_base
from engine.core.prompts import PromptFormat, Tokenize, wrap_chunks
from engine.data.records import Record, read_jsonl
from engine.eval.evaluate import answer_kind
from engine.nn.model import Llama, load_llama
from engine.research.common import adapters_for
from engine.train.batches import answer_space
from engine.train.checkpoint import load_hypernet
from engine.train.loop import hf_tokenizer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranked:
    """One question: the gold first token's rank with the own and with another document's adapter."""

    record: str
    question: str
    kind: str
    own: int
    other: int


@torch.no_grad()
def first_token_ranks(base: Llama, hypernet, records: Sequence[Record], fmt: PromptFormat, tokenize: Tokenize,
                      pad_id: int, spaced: bool = False) -> list[Ranked]:
    """Rank (0 = top) of each question's gold first token at the first answer position; needs >= 2 records.
    ``spaced``: ranked as a hypernetwork trained with ``BatchConfig.answer_space`` answers (the same rule,
    :func:`engine.train.batches.answer_space`: names and words after a space)."""
    if len(records) < 2:
        raise ValueError("the probe compares against another document's adapter: give it at least 2 records")
    loras = [adapters_for(base, hypernet, [wrap_chunks(fmt, tokenize, tokenize(r.document), hypernet.cfg.chunk_tokens)],
                          pad_id) for r in records]
    device = base.tok_emb.weight.device
    out = []
    for d, rec in enumerate(records):
        for qa in rec.questions:
            ids = torch.tensor([tokenize(fmt.question(qa.question))], device=device)
            text = qa.answers[0]
            gold = tokenize((" " if answer_space(rec.kind, text, spaced) else "") + text)[0]
            ranks = []
            for lora in (loras[d], loras[(d + 1) % len(records)]):
                logits = base.logits(base(ids, lora=lora)[:, -1])[0].float()
                ranks.append(int((logits > logits[gold]).sum()))
            out.append(Ranked(rec.id, qa.question, answer_kind(qa.answers), *ranks))
    return out


def summarise(rows: Sequence[Ranked]) -> dict:
    """Per answer kind and adapter (own / other): n, top-1 and top-5 rates, median rank."""
    out: dict = {}
    for kind in sorted({r.kind for r in rows}):
        sel = [r for r in rows if r.kind == kind]
        out[kind] = {which: {"n": len(sel), "top1": sum(getattr(r, which) == 0 for r in sel) / len(sel),
                             "top5": sum(getattr(r, which) < 5 for r in sel) / len(sel),
                             "median_rank": statistics.median(getattr(r, which) for r in sel)}
                     for which in ("own", "other")}
    return out


def table(summary: dict) -> str:
    lines = [f"{'answer kind':<12} {'n':>4} {'top-1 own/other':>16} {'top-5 own/other':>16} {'median rank own/other':>22}"]
    for kind, s in summary.items():
        o, x = s["own"], s["other"]
        lines.append(f"{kind:<12} {o['n']:>4} {o['top1']:>8.0%} / {x['top1']:<5.0%} {o['top5']:>8.0%} / {x['top5']:<5.0%} "
                     f"{o['median_rank']:>12g} / {x['median_rank']:g}")
    return "\n".join(lines)


def generated_records(n: int, split: str, coined: float, count_tokens) -> list[Record]:
    """``n`` facts documents of ``split`` drawn for the probe (``coined``: share with coined names)."""
    from engine.data.facts import FactsConfig, make_document

    cfg = FactsConfig(max_tokens=400, coined_names=coined)
    return [make_document(cfg, random.Random(f"answer_probe:{split}:{i}"), split, count_tokens=count_tokens)
            for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.research.answer_probe", description=__doc__.splitlines()[0])
    p.add_argument("hypernet", type=Path, help="hypernetwork directory (bundle or checkpoint)")
    p.add_argument("--data", type=Path, help="facts JSONL (e.g. bench/data/facts_test_20.jsonl); else generated")
    p.add_argument("--split", default="train", help="split of generated documents (without --data)")
    p.add_argument("--coined", type=float, default=0.0, help="share of generated documents with coined names")
    p.add_argument("--n", type=int, default=20, help="generated documents")
    p.add_argument("--base", help="llama GGUF (default: the embedded base)")
    p.add_argument("--out", type=Path, help="JSON report")
    p.add_argument("--spaced", action="store_true", help="rank names and words as written after a space")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    spec = load_base(Path(args.base) if args.base else None)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    base = load_llama(spec, dtype=torch.float32, device=device)
    hypernet, meta = load_hypernet(args.hypernet, spec.sha256)
    hypernet = hypernet.to(device).eval()
    tokenize = hf_tokenizer(spec)
    records = (read_jsonl(args.data) if args.data
               else generated_records(args.n, args.split, args.coined, lambda s: len(tokenize(s))))
    rows = first_token_ranks(base, hypernet, records, PromptFormat(spec.chat_template), tokenize, spec.eos_id,
                             spaced=args.spaced)
    summary = summarise(rows)
    print(table(summary))
    if args.out:
        source = str(args.data) if args.data else {"split": args.split, "coined": args.coined, "n": args.n}
        report = {"summary": summary, "meta": {"hypernet": str(args.hypernet), "step": meta.get("step"), "data": source},
                  "rows": [asdict(r) for r in rows]}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
