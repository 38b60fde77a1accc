"""The ``lorafy`` commands that measure: eval (memories), eval-skills (skills) and the three-way demo.

Each prints a table and returns its JSON object (eval and eval-skills can also write a full report and a chart).
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from functools import partial
from importlib.resources import files
from pathlib import Path

from desktop.cli_service import service


def eval_meta(svc, args, n_records: int, t0: float) -> dict:
    """What an evaluation report records about its run (data set, base, hypernetwork, time)."""
    return {"dataset": args.dataset.name, "records": n_records, "base": svc.spec.name,
            "hypernet": str(svc.hypernet.bundle.name), "seconds": round(time.time() - t0, 1), "max_tokens": args.max_tokens}


def cmd_eval(svc, args) -> dict:
    from tqdm import tqdm

    from engine.data.records import read_jsonl
    from engine.eval.evaluate import parse_modes, plot, report, run_eval, summarise

    modes = parse_modes(args.modes)
    records = read_jsonl(args.dataset)[: args.limit]
    n_q = sum(len(r.questions) for r in records) * len(modes)
    bar = tqdm(total=n_q, desc="eval", unit="answer", file=sys.stderr)
    t0 = time.time()
    choices: list = []  # (right key, chosen keys) of every auto answer
    sizes: list[int] = []  # adapter file bytes of every taught record

    def teach_sized(teach, rec_id: str, document: str) -> str:
        key = teach(rec_id, document)
        sizes.append(svc.library.adapter_path(svc.library.resolve(key)).stat().st_size)
        return key

    with svc.evaluating(args.max_tokens, choices, args.adapter_weight) as (teach, answer, fits):
        rows = run_eval(records, modes, partial(teach_sized, teach), answer, on_row=lambda r: bar.update(1),
                        fits_context=fits)
    bar.close()
    summary = summarise(rows)
    meta = eval_meta(svc, args, len(records), t0)
    meta["adapter_weight"] = args.adapter_weight
    if sizes:
        meta["adapter_bytes"] = {"mean": sum(sizes) / len(sizes), "max": max(sizes), "n": len(sizes)}
    if choices:
        meta["auto_choice"] = {"k": svc.cfg.retrieval.k, "right_memory_chosen": sum(r in c for r, c in choices) / len(choices),
                               "right_memory_first": sum(bool(c) and c[0] == r for r, c in choices) / len(choices),
                               "mean_chosen": sum(len(c) for _, c in choices) / len(choices)}
    full = report(rows, meta)
    if args.json_out:
        args.json_out.write_text(json.dumps(full, indent=1) + "\n")
    if args.plot:
        plot(summary, args.plot, f"{args.dataset.name}: {len(records)} docs, {len(rows) // len(modes)} questions")
    print(f"{'mode':<14} {'accuracy':>9} {'n':>5} {'s/answer':>9}")
    for mode, s in summary.items():
        kinds = "  ".join(f"{k} {v['accuracy']:.0%} of {v['n']}" for k, v in s["by_kind"].items())
        print(f"{mode:<14} {s['accuracy']:>9.1%} {s['n']:>5} {s['mean_seconds']:>9.2f}   {kinds}")
    if choices:
        c = meta["auto_choice"]
        print(f"auto chose the question's own memory {c['right_memory_chosen']:.1%} of the time "
              f"(ranked first {c['right_memory_first']:.1%}; {c['mean_chosen']:.2f} memories on average, k={c['k']})")
    if sizes:
        print(f"adapter files: {meta['adapter_bytes']['mean'] / 1e6:.2f} MB on average, "
              f"{meta['adapter_bytes']['max'] / 1e6:.2f} MB at most")
    return {}


def cmd_eval_skills(svc, args) -> dict:
    from tqdm import tqdm

    from engine.data.records import read_jsonl
    from engine.eval.evaluate_skills import parse_modes, plot, report, run_skill_eval, summarise

    modes = parse_modes(args.modes)
    records = read_jsonl(args.dataset)[: args.limit]
    bar = tqdm(desc="eval-skills", unit="answer", file=sys.stderr)
    t0 = time.time()
    with svc.skill_evaluating(args.max_tokens) as (teach, answer):
        rows = run_skill_eval(records, modes, teach, answer, on_row=lambda r: bar.update(1))
    bar.close()
    summary = summarise(rows)
    meta = eval_meta(svc, args, len(records), t0)
    if args.json_out:
        args.json_out.write_text(json.dumps(report(rows, meta), indent=1) + "\n")
    if args.plot:
        plot(summary, args.plot, f"{args.dataset.name}: {len(records)} skills")
    print(f"{'mode':<10} {'success':>8} {'n':>5}")
    for mode, m in summary["modes"].items():
        print(f"{mode:<10} {m['accuracy']:>8.1%} {m['n']:>5}")
    for kind, per_mode in summary.get("held_out", {}).items():
        print(f"  held out: {kind:<12} " + "  ".join(f"{m} {v['accuracy']:.0%}" for m, v in per_mode.items()))
    return {"summary": summary}


def cmd_demo(args) -> dict:
    from engine.data.records import read_jsonl
    from engine.eval.evaluate import is_correct

    records = read_jsonl(Path(str(files("engine").joinpath("samples/demo.jsonl"))))
    with tempfile.TemporaryDirectory(prefix="lorafy-demo-") as tmp, service(args, home=Path(tmp)) as svc:
        print(f"base: {svc.spec.name} ({svc.spec.path.name})")
        svc.load()
        for rec in records:  # a fact document, then a needle in a haystack (held-out samples)
            print(f"\ndocument {rec.id} ({len(svc.tokenize(rec.document))} tokens): {rec.document[:110]}...")
            t0 = time.perf_counter()
            item = svc.teach_text(rec.document, rec.id)
            print(f"taught in {time.perf_counter() - t0:.2f} s -> adapter rank {svc.hypernet.layout.rank(item.chunks)}, "
                  f"{svc.library.adapter_path(item).stat().st_size / 1e6:.1f} MB\n")
            rows = []
            as_app = f"memory, as the app answers ({svc.cfg.answer.mode})"  # AnswerConfig: passages by default
            for qa in rec.questions:
                for mode, kw in (("no adapter", {}), ("in prompt", {"context": rec.document}), ("adapter", {"use": [item.id]}),
                                 (as_app, {"use": [item.id], "answer": svc.cfg.answer})):
                    svc.runtime.forget_cache()  # every row reads its prompt from the start: first-token times compare
                    ans = svc.ask(qa.question, max_tokens=args.max_tokens, **kw)
                    rows.append((qa.question, mode, ans, is_correct(ans.text, qa.answers)))
            print_demo_table(rows)
    return {}


def print_demo_table(rows) -> None:
    width = 52
    print(f"{'question / mode':<{width}} {'right':>5} {'1st tok':>8} {'total':>7}  answer")
    last_q = None
    for q, mode, ans, ok in rows:
        if q != last_q:
            print(f"\n{q}")
            last_q = q
        text = " ".join(ans.text.split())[:70]
        print(f"  {mode:<{width - 2}} {'yes' if ok else 'no':>5} {ans.first_token_seconds:>7.2f}s {ans.seconds:>6.2f}s  {text}")
    by_mode: dict[str, list[bool]] = {}
    for _, mode, _, ok in rows:
        by_mode.setdefault(mode, []).append(ok)
    print("\n" + "   ".join(f"{m}: {sum(v)}/{len(v)} right" for m, v in by_mode.items()))
