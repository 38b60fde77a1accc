"""How often the passages an answer reads hold a correct answer: recall of the library's BM25 search, no model run.

Every record of each data set is indexed as a memory of one library (``PassageIndex``, the passages the app
cuts); each question's best ``n`` passages over the whole library are searched as ``lorafy ask`` searches them,
and a question counts when one of its accepted answers is written in them (case-insensitive). Words per
question is what the prompt then holds::

    python bench/passage_recall.py bench/data/realtext_test_30.jsonl bench/data/realtext_val_16.jsonl \\
        --sizes 80-200,40-100,120-300 --n 1,2,3,4 --json passage_recall.json
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def recall(records: list[dict], min_words: int, max_words: int, ns: list[int], db: Path) -> dict:
    """{n: {"recall": share of questions whose n best passages hold an answer, "words": mean words}} for one set."""
    from desktop.store.passages import PassageConfig, PassageIndex

    index = PassageIndex(db, PassageConfig(min_words, max_words))
    for rec in records:
        index.add(rec["id"], rec["document"])
    ids = [rec["id"] for rec in records]
    found, words, total = {n: 0 for n in ns}, {n: 0 for n in ns}, 0
    for rec in records:
        for qa in rec["questions"]:
            hits = index.search(qa["question"], ids, limit=max(ns))
            total += 1
            for n in ns:
                text = "\n\n".join(h.text for h in hits[:n])
                words[n] += len(text.split())
                found[n] += any(a.lower() in text.lower() for a in qa["answers"])
    return {n: {"recall": found[n] / max(total, 1), "words": words[n] / max(total, 1)} for n in ns} | {"questions": total}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sets", nargs="+", type=Path, help="JSONL data sets (id, document, questions with answers)")
    p.add_argument("--sizes", default="80-200", help="passage sizes MIN-MAX words, comma-separated (80-200 ships)")
    p.add_argument("--n", default="1,2,3,4", help="passages per question, comma-separated (2 ships)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    sizes = [tuple(int(x) for x in s.split("-")) for s in args.sizes.split(",")]
    ns = [int(x) for x in args.n.split(",")]
    out: dict = {}
    print(f"{'set':<22}{'passage words':>14}{'questions':>10}" + "".join(f"{f'n={n}':>16}" for n in ns))
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.sets:
            records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            for lo, hi in sizes:
                res = recall(records, lo, hi, ns, Path(tmp) / f"{path.stem}_{lo}_{hi}.db")
                out.setdefault(path.stem, {})[f"{lo}-{hi}"] = res
                cells = "".join(f"{res[n]['recall']:>9.1%} {res[n]['words']:>4.0f}w" for n in ns)
                print(f"{path.stem:<22}{f'{lo}-{hi}':>14}{res['questions']:>10}{cells}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
