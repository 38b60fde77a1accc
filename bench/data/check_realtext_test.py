"""Check a real-text test set: every accepted answer occurs in its document; print size and answer-kind counts."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path


def check(path: Path) -> int:
    """Print counts for the JSONL set at ``path``; return the number of answers missing from their document."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    words = [len(r["document"].split()) for r in records]
    kinds: Counter[str] = Counter()
    missing = 0
    ids = set()
    for r in records:
        if r["id"] in ids:
            print(f"duplicate id {r['id']}")
            missing += 1
        ids.add(r["id"])
        low = r["document"].lower()
        for q in r["questions"]:
            kinds[q.get("answer_kind", "?")] += 1
            for a in q["answers"]:
                if a.lower() not in low:
                    print(f"MISSING {r['id']}: {q['question']!r} -> {a!r}")
                    missing += 1
    nq = sum(len(r["questions"]) for r in records)
    buckets = Counter("short" if w < 400 else "medium" if w < 1200 else "long" for w in words)
    print(f"docs {len(records)}  questions {nq}  per doc {min(len(r['questions']) for r in records)}-"
          f"{max(len(r['questions']) for r in records)}")
    print(f"words min {min(words)}  median {statistics.median(words):.0f}  max {max(words)}  "
          f"short(<400) {buckets['short']}  medium(400-1199) {buckets['medium']}  long(>=1200) {buckets['long']}")
    print("answer kinds " + "  ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"answers missing from their document: {missing}")
    return missing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("path", type=Path, nargs="?",
                    default=Path(__file__).resolve().parent / "realtext_test_30.jsonl")
    sys.exit(1 if check(ap.parse_args().path) else 0)


if __name__ == "__main__":
    main()
