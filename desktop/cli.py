"""The ``lorafy`` command line: parse arguments, call the service, print tables or one JSON object.

The parser and the dispatch live here; the command bodies in :mod:`desktop.commands` and
:mod:`desktop.commands_eval`, the service they run on in :mod:`desktop.cli_service`.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from desktop.cli_service import make_service, service
from desktop.commands import (cmd_app, cmd_ask, cmd_chat, cmd_doctor, cmd_export, cmd_export_hypernet, cmd_forget,
                              cmd_list, cmd_serve, cmd_teach, cmd_watch)
from desktop.commands_eval import cmd_demo, cmd_eval, cmd_eval_skills
from desktop.offline import OFFLINE_ENV


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
    add_answer_arguments(a)
    from desktop.store.passages import RetrievalConfig as R  # its defaults are the only ones

    a.add_argument("--k", type=int, help=f"with --auto: at most K memories (default {R.k})")
    a.add_argument("--min-score", type=float, help=f"with --auto: only memories scoring above this (BM25, default {R.min_score})")
    a.add_argument("--min-ratio", type=float,
                   help=f"with --auto: only memories scoring at least this fraction of the best one (default {R.min_ratio})")

    c = sub.add_parser("chat", help="interactive chat in the terminal, streamed")
    c.add_argument("--use", nargs="*", default=[], metavar="ID_OR_NAME")
    c.add_argument("--max-tokens", type=int, default=256)
    add_answer_arguments(c)
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
    ev.add_argument("--modes", default="base,icl,lora", help="comma-separated: base, icl, lora, passages (the best "
                    "passages of all taught in the prompt, --passages of them), passages_lora, passages_auto (those + the own / chosen adapters), auto (memories "
                    "chosen per question among all taught), all (all taught memories active)")
    ev.add_argument("--limit", type=int, default=None, help="only the first N records")
    ev.add_argument("--max-tokens", type=int, default=32)
    ev.add_argument("--adapter-weight", type=float, default=1.0,
                    help="scale of every active adapter (e.g. 0.5 beside passages in the prompt)")
    ev.add_argument("--json", type=Path, dest="json_out", help="write the full report here")
    ev.add_argument("--plot", type=Path, help="write an accuracy bar chart (PNG) here")
    add_adapter_arguments(ev)
    add_passages_argument(ev)

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


def add_answer_arguments(parser: argparse.ArgumentParser) -> None:
    """How memories answer (ask, chat): adapters, passages or both; how many memory adapters; how many passages."""
    parser.add_argument("--mode", choices=("adapters", "passages", "combined"), default=None,
                        help="how memories answer: their adapters, their best passages in the prompt, or both (default: passages)")
    parser.add_argument("--memory-adapters", type=int, default=None, metavar="N",
                        help="at most N memory adapters at once, the best matches first (0: every one; default 1)")
    add_passages_argument(parser)


def add_passages_argument(parser: argparse.ArgumentParser) -> None:
    """``--passages N``: the passages put in the prompt (RetrievalConfig.n_context)."""
    from desktop.store.passages import RetrievalConfig

    parser.add_argument("--passages", type=int, dest="n_context", metavar="N",
                        help=f"passages put in the prompt (passages and combined modes; default {RetrievalConfig.n_context})")


def add_adapter_arguments(parser: argparse.ArgumentParser) -> None:
    """How taught adapters are stored: compacted to a bounded rank (default) or every chunk's block, f16 or f32."""
    parser.add_argument("--adapters", choices=("compact", "full"), default="compact",
                        help="compact: one bounded-rank factorisation per layer (default); full: every chunk's block")
    parser.add_argument("--rank-cap", type=int, default=32, help="compact adapters' largest rank (default 32)")
    parser.add_argument("--energy", type=float, default=1.0,
                        help="compact adapters keep the least rank holding this fraction of every layer's energy")
    parser.add_argument("--adapter-dtype", choices=("f16", "f32"), default="f16", help="adapter tensor storage")


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
