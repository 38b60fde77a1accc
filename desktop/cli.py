"""The ``lorafy`` command line: parse arguments, call the service, print tables or one JSON object."""
from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Iterator

from desktop.offline import OFFLINE_ENV



def default_home() -> Path:
    env = os.environ.get("LORAFY_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("lorafy", appauthor=False))


def lorafy_version() -> str:
    """The installed distribution's version (also inside the PyInstaller bundle, which carries its metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lorafy")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lorafy", description="Teach a local model your documents (memories) and "
                                "instructions (skills): a hypernetwork turns text into LoRA adapters for llama.cpp.")
    p.add_argument("--home", type=Path, default=None, help="library folder (default: $LORAFY_HOME or the user data dir)")
    p.add_argument("--base", type=Path, default=None, help="a llama GGUF base model (default: embedded SmolLM2-135M-Instruct)")
    p.add_argument("--hypernet", type=Path, default=None, help="hypernetwork bundle folder (default: the one shipped for the base)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores)")
    p.add_argument("--cpu", action="store_true", help="do not use a GPU even if one is available")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--version", action="version", version=f"lorafy {lorafy_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="teach a sample document, then ask three ways (no adapter / in prompt / adapter)")
    d.add_argument("--max-tokens", type=int, default=48)

    t = sub.add_parser("teach", help="turn files or folders (memories) or an instruction (--text, a skill) into adapters")
    t.add_argument("files", nargs="*", type=Path, help="text, markdown, code, PDF, DOCX, HTML or EPUB files, or folders")
    t.add_argument("--text", help="an instruction to teach as a skill")
    t.add_argument("--name", help="name of the new item (default: file name)")
    t.add_argument("--json", action="store_true", help="print one JSON object")

    a = sub.add_parser("ask", help="answer a question with chosen adapters, a file in the prompt, or neither")
    a.add_argument("question")
    a.add_argument("--use", nargs="*", default=[], metavar="ID_OR_NAME", help="memories/skills to activate")
    a.add_argument("--context", type=Path, help="put this file in the prompt instead (in-context baseline)")
    a.add_argument("--max-tokens", type=int, default=128)
    a.add_argument("--json", action="store_true")
    a.add_argument("--auto", action="store_true", help="also activate the memories that best match the question")
    from desktop.store.passages import RetrievalConfig as R  # its defaults are the only ones

    a.add_argument("--k", type=int, help=f"with --auto: at most K memories (default {R.k})")
    a.add_argument("--min-score", type=float, help=f"with --auto: only memories scoring above this (BM25, default {R.min_score})")
    a.add_argument("--min-ratio", type=float,
                   help=f"with --auto: only memories scoring at least this fraction of the best one (default {R.min_ratio})")

    c = sub.add_parser("chat", help="interactive chat in the terminal, streamed")
    c.add_argument("--use", nargs="*", default=[], metavar="ID_OR_NAME")
    c.add_argument("--max-tokens", type=int, default=256)
    c.add_argument("--auto", action="store_true",
                   help="also activate the memories that best match each question and the turns before it")

    w = sub.add_parser("watch", help="keep folders taught: new and changed files become memories, deleted ones are forgotten")
    w.add_argument("dirs", nargs="+", type=Path, metavar="DIR")
    w.add_argument("--once", action="store_true", help="process what is there now, then exit")
    w.add_argument("--json", action="store_true", help="with --once: print one JSON object (per-file status)")

    ls = sub.add_parser("list", help="list memories and skills")
    ls.add_argument("--json", action="store_true")
    f = sub.add_parser("forget", help="delete an item and unload its adapter")
    f.add_argument("key", metavar="ID")
    e = sub.add_parser("export", help="write an item's adapter as GGUF or PEFT (it carries its document's content)")
    e.add_argument("key", metavar="ID")
    e.add_argument("--format", choices=("gguf", "peft"), default="gguf")
    e.add_argument("--out", type=Path, required=True)

    ev = sub.add_parser("eval", help="accuracy of base / in-context / adapter on a JSONL data set")
    ev.add_argument("dataset", type=Path)
    ev.add_argument("--modes", default="base,icl,lora", help="comma-separated: base, icl, lora, passages (the best 2 "
                    "passages of all taught in the prompt), passages_lora, passages_auto (those + the own / chosen adapters), auto (memories "
                    "chosen per question among all taught), all (all taught memories active)")
    ev.add_argument("--limit", type=int, default=None, help="only the first N records")
    ev.add_argument("--max-tokens", type=int, default=32)
    ev.add_argument("--adapter-weight", type=float, default=1.0,
                    help="scale of every active adapter (e.g. 0.5 beside passages in the prompt)")
    ev.add_argument("--json", type=Path, dest="json_out", help="write the full report here")
    ev.add_argument("--plot", type=Path, help="write an accuracy bar chart (PNG) here")
    add_adapter_arguments(ev)

    es = sub.add_parser("eval-skills", help="skills (instructions -> adapters): base / in prompt / few-shot / adapter / "
                        "another skill's adapter, scored by each task's checker")
    es.add_argument("dataset", type=Path, help="JSONL of skill records (bench/data/skills_test.jsonl)")
    es.add_argument("--modes", default="base,in_prompt,few_shot,adapter,shuffled")
    es.add_argument("--limit", type=int, default=None, help="only the first N records")
    es.add_argument("--max-tokens", type=int, default=48)
    es.add_argument("--json", type=Path, dest="json_out", help="write the full report here")
    es.add_argument("--plot", type=Path, help="write a success-rate chart (PNG) here")

    sv = sub.add_parser("serve", help="a local OpenAI-compatible server (127.0.0.1 only) for other apps")
    sv.add_argument("--port", type=int, default=None, help="TCP port (default 7745)")
    sv.add_argument("--key", default=os.environ.get("LORAFY_API_KEY"),
                    help="require 'Authorization: Bearer KEY' (default: $LORAFY_API_KEY, else no key); a key given "
                    "here is visible to other users in `ps`: prefer $LORAFY_API_KEY or --key-file")
    sv.add_argument("--key-file", type=Path, default=None,
                    help="read the bearer key from this file (its first line), instead of --key")
    sv.add_argument("--host", default="127.0.0.1", help="a loopback address: 127.0.0.1 or ::1 (others are refused)")
    sv.add_argument("--max-tokens", type=int, default=256, help="answer length when a request gives none")

    bp = sub.add_parser("bench", help="measure teach vs prefill, question cost, hot-swap, memory, quality, ingestion, variants")
    from desktop.bench.cli import add_arguments as add_bench_arguments
    add_bench_arguments(bp)

    app = sub.add_parser("app", help="the desktop app: chat window, drag-and-drop teaching, tray-icon background teaching")
    app.add_argument("paths", nargs="*", type=Path, help="files or folders to teach (handed to the running app if one is open)")
    app.add_argument("--selftest", action="store_true",
                     help="open the window (offscreen without a display), teach and ask once in a temporary home, exit 0 if it worked")

    dr = sub.add_parser("doctor", help="what Lorafy runs on here (models, llama.cpp build, GPU, ONNX Runtime, disk) "
                        "and a two-second teach + ask self-check")
    dr.add_argument("--json", action="store_true", help="print the report as one JSON object (for bug reports)")
    dr.add_argument("--no-self-check", action="store_true", help="only describe, do not teach and ask")
    tr = sub.add_parser("train", help="meta-train a hypernetwork (needs the [train] extra and ideally a GPU)")
    tr.add_argument("args", nargs=argparse.REMAINDER, help="arguments for python -m engine.train")
    x = sub.add_parser("export-hypernet", help="export a trained checkpoint to a runtime bundle (ONNX graph + fp16 weights)")
    x.add_argument("checkpoint", type=Path)
    x.add_argument("--out", type=Path, required=True)
    return p


def add_adapter_arguments(parser: argparse.ArgumentParser) -> None:
    """How taught adapters are stored: compacted to a bounded rank (default) or every chunk's block, f16 or f32."""
    parser.add_argument("--adapters", choices=("compact", "full"), default="compact",
                        help="compact: one bounded-rank factorisation per layer (default); full: every chunk's block")
    parser.add_argument("--rank-cap", type=int, default=32, help="compact adapters' largest rank (default 32)")
    parser.add_argument("--energy", type=float, default=1.0,
                        help="compact adapters keep the least rank holding this fraction of every layer's energy")
    parser.add_argument("--adapter-dtype", choices=("f16", "f32"), default="f16", help="adapter tensor storage")


def compact_config(args: argparse.Namespace):
    """The CompactConfig the arguments ask for (None: full rank); defaults when the command has no such arguments."""
    from engine.core.compact import CompactConfig

    if getattr(args, "adapters", "compact") == "full":
        return None
    return CompactConfig(rank_cap=getattr(args, "rank_cap", 32), energy=getattr(args, "energy", 1.0))


def make_service(args: argparse.Namespace, home: Path | None = None):
    from desktop.service import Lorafy, ServiceConfig
    from desktop.store.passages import RetrievalConfig

    given = {k: getattr(args, k, None) for k in ("k", "min_score", "min_ratio")}
    retrieval = RetrievalConfig(**{k: v for k, v in given.items() if v is not None})
    cfg = ServiceConfig(home=home or args.home or default_home(), base_path=args.base, hypernet_dir=args.hypernet,
                        threads=args.threads, n_gpu_layers=0 if args.cpu else -1, use_gpu=not args.cpu,
                        retrieval=retrieval, compact=compact_config(args),
                        adapter_dtype=getattr(args, "adapter_dtype", "f16"))
    return Lorafy(cfg)


@contextmanager
def service(args: argparse.Namespace, home: Path | None = None) -> Iterator:
    svc = make_service(args, home)
    try:
        yield svc
    finally:
        svc.close()


def progress_bar(desc: str, enabled: bool = True):
    """A tqdm bar on stderr driven by (done, total) callbacks; returns (callback, close)."""
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="chunk", file=sys.stderr, disable=not enabled, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def item_row(item) -> dict:
    from dataclasses import asdict

    return asdict(item)


def cmd_teach(svc, args) -> dict:
    if not args.files and not args.text:
        raise SystemExit("lorafy teach: give files to teach or --text \"an instruction\"")
    from desktop.names import check_name, name_from, shown

    items, refused = [], []
    if args.name is not None:
        args.name = check_name(args.name)  # before any teaching
    if args.text:
        items.append(svc.teach_text(args.text, args.name or name_from(args.text[:40]), kind="skill", source="text"))
    if args.files:  # through the ingestion queue and the parse sandbox, like the watcher
        from desktop.ingest.watch import Indexer, InlineOwner, WatchConfig

        indexer = Indexer(InlineOwner(svc), cfg=WatchConfig(settle_s=0.0, recover_min_age_s=60.0))
        for doc in indexer.teach_paths(args.files, name=args.name):
            item = svc.library.item(doc.item_id) if doc.status == "indexed" and doc.item_id else None
            if item is not None:
                items.append(item)
            else:
                reason = doc.reason or ("another Lorafy (the app or `lorafy watch`) is teaching it now"
                                        if doc.status in ("queued", "running") else doc.status)
                refused.append({"path": doc.display, "status": doc.status, "reason": reason})
    out = {"items": [item_row(i) for i in items], "refused": refused}
    if not args.json:
        for i in items:
            print(f"taught {i.kind} {shown(i.name)!r} as {i.id}: {i.tokens} tokens, {i.chunks} chunk(s), {i.teach_seconds:.2f} s")
    for r in refused:
        print(f"lorafy: not taught: {shown(r['path'])}: {shown(r['reason'])}", file=sys.stderr)
    if refused:
        out["_rc"] = 2
    return out


def cmd_watch(svc, args) -> dict:
    from desktop.ingest.watch import Indexer, InlineOwner
    from desktop.names import shown
    from desktop.store.library import LibraryError

    if not svc.library.try_lock():  # the app or another `lorafy watch` drives this home (and ran its recovery)
        raise LibraryError(f"{svc.library.home} is in use by another Lorafy (the app or `lorafy watch`); "
                           "add the folders in the app's settings, or stop the other one first")

    missing = [str(d) for d in args.dirs if not d.is_dir()]
    if missing:
        print(f"lorafy: offline for now (not a folder): {', '.join(missing)}", file=sys.stderr)
    if args.once:
        indexer = Indexer(InlineOwner(svc), args.dirs)
        st = indexer.run_once()
        docs = [d for r in indexer.roots for d in indexer.queue.documents(r)]
        if not args.json:
            for d in docs:
                print(f"{d.status:<8} {shown(d.display)}" + (f" — {shown(d.reason)}" if d.reason else ""))
            print(f"{st.indexed} indexed, {st.refused} refused, {st.failed} failed, {st.queued} queued")
        return {"status": {k: getattr(st, k) for k in ("indexed", "refused", "failed", "queued", "missing")},
                "documents": [{"path": d.display, "status": d.status, "reason": d.reason, "item": d.item_id} for d in docs]}
    from desktop.owner import ModelOwner

    owner = ModelOwner(svc)
    indexer = Indexer(owner, args.dirs, on_event=lambda e: e.kind == "progress" or print(
        f"{e.kind:<8} {shown(e.path)}" + (f" — {shown(e.reason)}" if e.reason else ""), flush=True))
    indexer.start()
    print(f"watching {', '.join(map(str, args.dirs))} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        indexer.stop()
        owner.close()


def cmd_ask(svc, args) -> dict:
    context = args.context.read_bytes().decode("utf-8", errors="replace") if args.context else None  # as teach reads files
    if args.json:
        ans = svc.ask(args.question, use=args.use, context=context, max_tokens=args.max_tokens, auto=args.auto)
        return {"answer": ans.text, "mode": ans.mode, "adapters": ans.adapters, "seconds": round(ans.seconds, 4),
                "first_token_seconds": round(ans.first_token_seconds, 4), "prompt_tokens": ans.prompt_tokens,
                "sources": ans.sources}
    use = svc.with_auto(args.question, args.use) if args.auto else args.use
    if args.auto:
        from desktop.names import shown

        print(f"(memories chosen: {', '.join(shown(svc.library.resolve(k).name) for k in use) or 'none'})",
              file=sys.stderr)
    ans = svc.ask(args.question, use=use, context=context, max_tokens=args.max_tokens,
                  on_piece=lambda piece: print(piece, end="", flush=True))
    print()
    print_sources(ans.sources)
    return {}


def print_sources(sources: list[dict]) -> None:
    """Sources under an answer: memory, file and section, character span, the passage's words."""
    from desktop.names import shown

    if sources:
        print("sources:")
    for n, s in enumerate(sources, 1):
        where = ", ".join(filter(None, [s["source"], s["section"]]))
        print(f"  [{n}] {shown(s['name'])} ({shown(where)}) chars {s['start']}-{s['end']}, score {s['score']:.3g}")
        print(f"      {shown(' '.join(s['snippet'].split()))}")


def cmd_chat(svc, args) -> dict:
    """A conversation in the terminal (stdin may be piped): earlier turns stay in the prompt, oldest dropped first."""
    history: list[dict] = []
    print("lorafy chat — empty line or Ctrl-D to quit" + (f" (active: {', '.join(args.use)})" if args.use else "")
          + (" (memories chosen per question)" if args.auto else ""))
    while True:
        try:
            line = input("you> ").strip()
        except EOFError:
            break
        if not line:
            break
        history.append({"role": "user", "content": line})
        plan = svc.chat_plan(history, args.max_tokens)
        if plan.dropped:
            print(f"({plan.dropped} oldest message(s) left out: the chat no longer fits the context window)",
                  file=sys.stderr)
        use = svc.with_auto(plan.query, args.use) if args.auto else args.use
        if args.auto:
            print(f"(memories chosen: {', '.join(svc.library.resolve(k).name for k in use) or 'none'})", file=sys.stderr)
        print("lorafy> ", end="", flush=True)
        reply = []
        for piece in svc.generate(plan.prompt, use, max_tokens=args.max_tokens):
            reply.append(piece)
            print(piece, end="", flush=True)
        print()
        text = "".join(reply).strip()
        print_sources(svc.sources(plan.query, text, use))
        history.append({"role": "assistant", "content": text})
    return {}


def cmd_list(svc, args) -> dict:
    from desktop.names import shown

    items = svc.library.items()
    if not args.json:
        if not items:
            print("nothing taught yet: try `lorafy teach FILE` or `lorafy teach --text \"...\"`")
        for i in items:
            print(f"{i.id}  {i.kind:<6}  {i.tokens:>7} tok  {i.chunks:>3} ch  {shown(i.name)}")
    return {"items": [item_row(i) for i in items]}


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


def cmd_serve(args) -> int:
    from desktop.owner import ModelOwner
    from desktop.server import DEFAULT_PORT, ServerConfig, serve

    key = args.key
    if args.key_file is not None:
        lines = args.key_file.read_text(encoding="utf-8").splitlines()
        key = lines[0].strip() if lines else ""
    cfg = ServerConfig(host=args.host, port=DEFAULT_PORT if args.port is None else args.port, key=key,
                       default_max_tokens=args.max_tokens)  # refuses a non-loopback host before loading anything
    owner = ModelOwner(make_service(args))
    try:
        owner.call(lambda svc: svc.load())
        serve(owner, cfg, on_ready=lambda s: print(f"lorafy serve: {s.url} (models: GET {s.url}/models; "
                                                    f"{'bearer key required' if cfg.key else 'no key'}; Ctrl-C stops)",
                                                    file=sys.stderr, flush=True))
    except OSError as e:
        if e.errno != errno.EADDRINUSE:
            raise
        raise ValueError(f"port {cfg.port} is in use (another server?); choose one with --port") from e
    finally:
        owner.close()
    return 0


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
            for qa in rec.questions:
                for mode, kw in (("no adapter", {}), ("in prompt", {"context": rec.document}), ("adapter", {"use": [item.id]})):
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


def cmd_forget(svc, args) -> dict:
    item = svc.forget(args.key)
    from desktop.names import shown

    print(f"forgot {item.kind} {shown(item.name)!r} ({item.id})")
    return {}


def cmd_export(svc, args) -> dict:
    path = svc.export(args.key, args.format, args.out)
    from desktop.names import shown

    print(f"wrote {shown(str(path))} — note: an adapter carries its document's content; share it only where the document may go")
    return {}


def cmd_app(args) -> int:
    from desktop.app import AppConfig, run, selftest_config

    if args.selftest:
        with tempfile.TemporaryDirectory(prefix="lorafy-selftest-") as tmp:
            return run(selftest_config(Path(tmp), args.base, args.hypernet, args.threads, args.cpu), selftest=True)
    cfg = AppConfig(home=args.home or default_home(), base_path=args.base, hypernet_dir=args.hypernet,
                    threads=args.threads, cpu=args.cpu, paths=tuple(args.paths))
    return run(cfg)


def cmd_doctor(args) -> int:
    """``lorafy doctor``: the report on stdout (text or one JSON object); exit 1 if the self-check fails."""
    from desktop.doctor import DoctorConfig, format_report, report

    r = report(lambda home: make_service(args, home), args.home or default_home(), args.base, args.hypernet,
               DoctorConfig(self_check=not args.no_self_check))
    print(json.dumps(r) if args.json else format_report(r))
    return 0 if r["ok"] else 1


def cmd_export_hypernet(args) -> int:
    from engine.core.base import load_base
    from engine.train.checkpoint import load_hypernet
    from export.onnx_export import export_bundle

    spec = load_base(args.base)
    hypernet, cfg = load_hypernet(args.checkpoint, spec.sha256)
    print(export_bundle(spec, hypernet, args.out, extra={"step": cfg.get("step")}))
    return 0


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


COMMANDS = {"teach": cmd_teach, "ask": cmd_ask, "chat": cmd_chat, "list": cmd_list, "forget": cmd_forget,
            "export": cmd_export, "eval": cmd_eval, "eval-skills": cmd_eval_skills, "watch": cmd_watch}


def main(argv: list[str] | None = None) -> int:
    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)  # before onnxruntime / transformers are imported
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from desktop.errors import USER_ERRORS

    try:
        if args.command == "train":
            from engine.train.loop import main as train_main
            return train_main(args.args)
        if args.command == "export-hypernet":
            return cmd_export_hypernet(args)
        if args.command == "bench":
            from desktop.bench.cli import run as run_bench
            run_bench(args, lambda home: make_service(args, home))
            return 0
        if args.command == "app":
            return cmd_app(args)
        if args.command == "demo":
            cmd_demo(args)
            return 0
        if args.command == "doctor":
            return cmd_doctor(args)
        if args.command == "serve":
            return cmd_serve(args)
        with service(args) as svc:
            out = COMMANDS[args.command](svc, args)
        rc = out.pop("_rc", 0)  # a command that finished but refused some input exits 2
        if getattr(args, "json", False):
            print(json.dumps(out))
        return rc
    except USER_ERRORS as e:
        print(f"lorafy: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
