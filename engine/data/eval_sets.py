"""Write the fixed, held-out evaluation sets shipped in bench/data (``python -m engine.data.eval_sets OUT_DIR``).

Everything comes from the *test* split (templates and entity names never seen
in training; for skills, held-out tasks and held-out descriptions of trained
tasks) with fixed seeds, so the files are reproducible byte for byte.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from engine.data.facts import FactsConfig, facts_set
from engine.data.long_facts import long_facts_set
from engine.data.narrative import narrative_set
from engine.data.needle import needle_set
from engine.data.records import write_jsonl
from engine.data.skills import skills_eval_set, skills_family_eval_set

SETS = {
    "facts_test_20.jsonl": lambda: facts_set(20, seed=7, split="test", cfg=FactsConfig(max_tokens=400)),
    "facts_test_long_8.jsonl": lambda: facts_set(8, seed=8, split="test", cfg=FactsConfig(min_tokens=400, max_tokens=500)),
    "needle_256_10.jsonl": lambda: needle_set(256, n_per_depth=1, seed=9, split="test"),
    "facts_test_50.jsonl": lambda: facts_set(50, seed=10, split="test", cfg=FactsConfig(max_tokens=400)),  # many docs: auto choice
    "skills_test.jsonl": lambda: skills_eval_set(seed=11, split="test"),
    "skills_test_small.jsonl": lambda: skills_eval_set(seed=15, split="test", n_desc_tasks=14, descs_per_task=1, n_inputs=3),
    # held-out whole families of the widened skill catalogue (unseen kinds of instruction), 5 descriptions a task
    "skills_test_families.jsonl": lambda: skills_family_eval_set(seed=19, split="test", descs_per_task=5, n_inputs=3),
    # needle in a haystack, 10 depths each (approx_tokens: ~4 characters a token)
    "needle_256_50.jsonl": lambda: needle_set(256, n_per_depth=5, seed=12, split="test"),
    "needle_1k_20.jsonl": lambda: needle_set(1024, n_per_depth=2, seed=13, split="test"),
    "needle_4k_20.jsonl": lambda: needle_set(4096, n_per_depth=2, seed=14, split="test"),
    # 50 each (at least 50 per length on the user path up to 4k); supersets of the 20-record sets
    "needle_1k_50.jsonl": lambda: needle_set(1024, n_per_depth=5, seed=13, split="test"),
    "needle_4k_50.jsonl": lambda: needle_set(4096, n_per_depth=5, seed=14, split="test"),
    # a name instead of a number: any token of the vocabulary, not ten digits (test-split names)
    "needle_name_256_50.jsonl": lambda: needle_set(256, n_per_depth=5, seed=17, split="test", value="name"),
    # fact documents buried in ~12k tokens of test-split docstring prose: longer than the base's 8k window
    # (the prose depends on the Python version's standard library; the shipped file is the reference)
    "facts_long_12k_10.jsonl": lambda: long_facts_set(10, 12288, seed=16, split="test"),
    # facts told as human prose (e-mails, minutes, diaries, news...) with marked non-answer values of the same type
    "narrative_test_30.jsonl": lambda: narrative_set(30, seed=18, split="test"),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir", type=Path)
    args = p.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, make in SETS.items():
        write_jsonl(args.out_dir / name, make())
        print(args.out_dir / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
