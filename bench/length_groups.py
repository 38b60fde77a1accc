"""Tokens the base runs over per training step: every row padded to the batch's longest, against length groups.

Builds the first ``--steps`` batches of a training recipe exactly as the run does (``StepBatches``: same records,
chunks and questions) and counts, for the student rows (with gradients) and the teacher rows (no gradients), the
tokens of one padded run (rows x longest row) and of ``--groups`` groups of similar length
(``engine.train.batches.length_groups``, each group padded to its own longest row). Real tokens (no padding) are
the floor. No model runs: these are the tokens each forward pass would process::

    python bench/length_groups.py engine/train/configs/d2l_smollm2_ctx.json --steps 20 --groups 3 \\
        --set realtext_path='"stage/realtext/realtext_train.jsonl.xz"' --json length_groups.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def padded_tokens(lens: list[int], groups: int) -> int:
    """Tokens of ``lens`` rows run in at most ``groups`` groups, each padded to its own longest row."""
    from engine.train.batches import length_groups

    return sum(len(g) * max(lens[i] for i in g) for g in length_groups(lens, groups))


def count(cfg_path: Path, steps: int, groups: int, overrides: list[str]) -> dict:
    from tqdm import tqdm

    from engine.core.base import load_base
    from engine.core.prompts import PromptFormat
    from engine.train.config import TrainConfig, parse_overrides
    from engine.train.loop import StepBatches, batch_config, hf_tokenizer

    cfg = TrainConfig.from_json(cfg_path, **parse_overrides(overrides))
    spec = load_base(Path(cfg.base_path) if cfg.base_path else None)
    data = StepBatches(cfg, PromptFormat(spec.chat_template), hf_tokenizer(spec), batch_config(cfg, spec), start=0,
                       rank=0, world=1)
    rows = {k: {"real": 0, "one": 0, "grouped": 0, "rows": 0} for k in ("student", "teacher")}
    for i in tqdm(range(min(steps, len(data))), desc="batches", unit="batch"):
        b = data[i]
        for kind, lens in (("student", b.student_lens.tolist()), ("teacher", b.teacher_lens.tolist())):
            r = rows[kind]
            r["rows"] += len(lens)
            r["real"] += sum(lens)
            r["one"] += len(lens) * max(lens)
            r["grouped"] += padded_tokens(lens, groups)
    n = min(steps, len(data))
    return {"config": str(cfg_path), "steps": n, "groups": groups, "batch_docs": cfg.batch_docs,
            "student_context_frac": cfg.batch.get("student_context_frac", 0.0),
            "per_step": {k: {f: v / n for f, v in r.items()} for k, r in rows.items()}}


def table(res: dict) -> str:
    lines = [f"{res['config']}: {res['steps']} batches of {res['batch_docs']} documents, "
             f"students read the text {res['student_context_frac']:.0%} of the time",
             f"{'rows':<9}{'rows/step':>10}{'real tokens':>13}{'one padded run':>16}"
             f"{res['groups']:>4} groups{'ratio':>8}"]
    for kind, r in res["per_step"].items():
        lines.append(f"{kind:<9}{r['rows']:>10.0f}{r['real']:>13,.0f}{r['one']:>16,.0f}{r['grouped']:>11,.0f}"
                     f"{r['one'] / max(r['grouped'], 1):>7.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", type=Path)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--groups", type=int, default=3)
    p.add_argument("--set", action="append", default=[], metavar="FIELD=JSON", help="a TrainConfig override")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    res = count(args.config, args.steps, args.groups, args.set)
    print(table(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
