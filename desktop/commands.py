"""The ``lorafy`` command bodies (all but evaluation): each prints what it did and returns a JSON object or exit code.

Library commands (teach, watch, ask, chat, list, forget, export) get the service and the parsed arguments and
return a dict (``--json`` prints it; ``"_rc"`` is the exit status when not 0); serve, app, doctor and
export-hypernet get the arguments alone and return the exit status. The evaluation commands are in
:mod:`desktop.commands_eval`; the argument parser and dispatch in :mod:`desktop.cli`.
"""
from __future__ import annotations

import errno
import json
import sys
import tempfile
import time
from pathlib import Path

from desktop.cli_service import default_home, make_service


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
    answer = answer_config(svc, args)
    if args.json:
        ans = svc.ask(args.question, use=args.use, context=context, max_tokens=args.max_tokens, auto=args.auto,
                      answer=answer)
        return {"answer": ans.text, "mode": ans.mode, "adapters": ans.adapters, "seconds": round(ans.seconds, 4),
                "first_token_seconds": round(ans.first_token_seconds, 4), "prompt_tokens": ans.prompt_tokens,
                "sources": ans.sources}
    use = svc.with_auto(args.question, args.use) if args.auto else args.use
    if args.auto:
        from desktop.names import shown

        print(f"(memories chosen: {', '.join(shown(svc.library.resolve(k).name) for k in use) or 'none'})",
              file=sys.stderr)
    ans = svc.ask(args.question, use=use, context=context, max_tokens=args.max_tokens, answer=answer,
                  on_piece=lambda piece: print(piece, end="", flush=True))
    print()
    print_sources(ans.sources)
    return {}


def answer_config(svc, args):
    """The service's answer config, with the mode ``--mode`` and the limit ``--memory-adapters`` name."""
    from dataclasses import replace

    given = {"mode": getattr(args, "mode", None), "max_memory_adapters": getattr(args, "memory_adapters", None)}
    return replace(svc.cfg.answer, **{k: v for k, v in given.items() if v is not None})


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
    answer = answer_config(svc, args)
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
        setup = svc.answer_setup(history, args.max_tokens, use=args.use, auto=args.auto, answer=answer)
        if setup.plan.dropped:
            print(f"({setup.plan.dropped} oldest message(s) left out: the chat no longer fits the context window)",
                  file=sys.stderr)
        if args.auto:
            print(f"(memories chosen: {', '.join(svc.library.resolve(k).name for k in setup.keys) or 'none'})",
                  file=sys.stderr)
        print("lorafy> ", end="", flush=True)
        reply = []
        for piece in svc.generate(setup.plan.prompt, setup.use, setup.weights, max_tokens=args.max_tokens):
            reply.append(piece)
            print(piece, end="", flush=True)
        print()
        text = "".join(reply).strip()
        print_sources(svc.sources(setup.query, text, setup.keys))
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
