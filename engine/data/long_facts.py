"""Long fact documents: a held-out fact document buried in standard-library prose, longer than the base's window.

In-context answering cannot run on these (the text does not fit the prompt); an adapter taught from the
whole text still can. The prose comes from the same split as the facts, so test sets use test sentences.
"""
from __future__ import annotations

import dataclasses
import random

from engine.data.facts import FactsConfig, facts_set
from engine.data.needle import depth_fraction, prose_pool
from engine.data.records import Record, TokenCounter, approx_tokens


def bury(record: Record, n_tokens: int, depth: int, rng: random.Random, split: str,
         count_tokens: TokenCounter = approx_tokens) -> Record:
    """``record``'s document placed at ``depth`` (0-9) of about ``n_tokens`` tokens of prose; same questions."""
    pool = prose_pool(split)
    i = rng.randrange(len(pool))
    filler: list[str] = []
    need = n_tokens - count_tokens(record.document)
    while True:
        while need > 0:  # per-sentence counts steer; the joined text is re-counted below
            filler.append(pool[i % len(pool)])
            need -= count_tokens(filler[-1])
            i += 1
        at = round(depth_fraction(depth) * len(filler))
        text = "\n\n".join(p for p in (" ".join(filler[:at]), record.document, " ".join(filler[at:])) if p)
        need = n_tokens - count_tokens(text)
        if need <= 0:
            break
    return dataclasses.replace(record, id=f"{record.id}-in-{n_tokens}", document=text, kind="facts_long")


def long_facts_set(n: int, n_tokens: int, seed: int, split: str,
                   count_tokens: TokenCounter = approx_tokens) -> list[Record]:
    """``n`` fact documents of ``split`` (80-400 tokens each), each buried at depth ``i % 10`` in ~n_tokens of prose."""
    return [bury(r, n_tokens, i % 10, random.Random(f"long_facts:{split}:{seed}:{i}"), split, count_tokens)
            for i, r in enumerate(facts_set(n, seed, split, FactsConfig(max_tokens=400), count_tokens))]
