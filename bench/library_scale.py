"""A library of N documents on the user's path: teach a folder, time the automatic choice, score the answers.

Half the documents are synthetic fact documents (``engine.data.facts``, test split: questions with known answers), half
real text (README, changelog, NEWS, *.txt, *.md under /usr/share/doc, gunzipped, cut to ~3,000 characters; python3*
packages, the held-out python3-doc family among them, are never read). They are written into a folder and taught as
``lorafy watch --once`` teaches one. Measured: teach rate, bytes on disk, resident memory, ``Lorafy.choose`` latency
and whether it picks the question's memory, answer accuracy by mode as ``lorafy eval`` scores it (run_eval)::

    python bench/library_scale.py --docs 1000 --questions 40 --json docs/results/library/library_1000.json \\
        --plot docs/results/library/library_1000.png   # without --home: a temporary folder, removed at the end
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOC_NAME = re.compile(r"^(README|NEWS|CHANGES|changelog|FAQ|HISTORY)|\.(txt|md)(\.gz)?$", re.I)
NOT_TEXT = re.compile(r"\.(html?|pdf|ps|dvi|png|jpe?g|gif|svg|xpm|css|js|info)(\.gz)?$", re.I)
# auto / passages_auto activate the adapter of the best chosen memory only (AnswerConfig.max_memory_adapters, the
# product's default); the *_stacked modes activate every chosen memory's adapter, side by side in the same run
MODES = ("lora", "auto", "auto_stacked", "passages", "passages_auto", "passages_auto_stacked")
MODE_WORDS = {"lora": "right memory (by hand)", "auto": "automatic choice (best)",
              "auto_stacked": "automatic choice (all stacked)", "passages": "passages only",
              "passages_auto": "best memory + passages", "passages_auto_stacked": "chosen stacked + passages",
              "all": "all memories active"}


@dataclass(frozen=True)
class LibraryBenchConfig:
    """What the benchmark builds, teaches and asks."""

    docs: int = 1000
    questions: int = 40  # answered in every mode (a seeded sample of the synthetic questions)
    real_fraction: float = 0.5
    real_root: Path = Path("/usr/share/doc")
    max_real_chars: int = 3000
    min_real_chars: int = 300
    seed: int = 0
    max_tokens: int = 32  # answer length, as `lorafy eval`
    all_limit: int = 16  # "all memories active" stacks every adapter in llama.cpp: run only up to this many

    def __post_init__(self) -> None:
        if self.docs < 2 or self.questions < 1 or not 0.0 <= self.real_fraction < 1.0 \
                or not 0 < self.min_real_chars <= self.max_real_chars:
            raise ValueError(f"need docs >= 2, questions >= 1, 0 <= real_fraction < 1, 0 < min_real_chars <= "
                             f"max_real_chars; got {self.docs}, {self.questions}, {self.real_fraction}, "
                             f"{self.min_real_chars}, {self.max_real_chars}")

    @property
    def n_real(self) -> int:
        return int(self.docs * self.real_fraction)


def cut_text(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at the last line break inside the limit when there is one.

    >>> cut_text("one\\ntwo\\nthree", 9), cut_text("short", 9)
    ('one\\ntwo', 'short')
    """
    if len(text) <= limit:
        return text.strip()
    head = text[:limit]
    return (head[:head.rfind("\n")] if head.rfind("\n") > limit // 2 else head).strip()


def real_candidates(root: Path) -> list[Path]:
    """Text files under ``root`` by name (README*, changelog*, NEWS*, *.txt, *.md, gzipped or not), package by
    package, sorted; python3* packages (the held-out python3-doc family and CPython's own) are not entered."""
    from engine.data.corpus_sources import english_path, is_test_source

    out = []
    for package in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("python3")):
        for folder, dirs, files in os.walk(package):
            dirs.sort()
            paths = [Path(folder) / f for f in sorted(files) if DOC_NAME.search(f) and not NOT_TEXT.search(f)]
            out += [p for p in paths if not p.is_symlink() and english_path(str(p))
                    and not is_test_source(str(p), package.name)]
    return out


def spread(paths: list[Path], root: Path, rng: random.Random) -> list[Path]:
    """``paths`` in a seeded order that takes one file of every package before a second of any."""
    paths, count, nth = list(paths), {}, {}
    rng.shuffle(paths)
    for p in paths:  # nth[p]: how many files of p's package came before it in the shuffled order
        package = p.relative_to(root).parts[0]
        nth[p], count[package] = count.get(package, 0), count.get(package, 0) + 1
    return sorted(paths, key=nth.__getitem__)


def real_texts(cfg: LibraryBenchConfig) -> list[tuple[str, str]]:
    """``cfg.n_real`` (name, text) pairs of distinct real text; raises when the folder holds too few."""
    from engine.data.corpus_sources import read_text

    picked, seen = [], set()
    for path in spread(real_candidates(cfg.real_root), cfg.real_root, random.Random(f"real:{cfg.seed}")):
        if len(picked) == cfg.n_real:
            break
        try:
            text = cut_text(read_text(str(path)), cfg.max_real_chars)
        except (OSError, EOFError, ValueError):  # unreadable or a broken .gz
            continue
        if len(text) >= cfg.min_real_chars and text.count("\ufffd") < 5 and "\x00" not in text and text not in seen:
            seen.add(text)
            picked.append((f"{path.relative_to(cfg.real_root).parts[0]}-{path.name.removesuffix('.gz')}", text))
    if len(picked) < cfg.n_real:
        raise ValueError(f"{cfg.real_root} holds {len(picked)} usable text files, {cfg.n_real} wanted; "
                         "lower --real-fraction or point --real-root at a folder with more")
    return picked


@dataclass(frozen=True)
class Doc:
    """One written document: its file and, for a synthetic one, its record (questions and answers)."""

    path: Path
    record: object | None  # engine.data.records.Record


def write_once(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically, unless an interrupted run of the same seed wrote it there already."""
    from engine.core.atomic import atomic_write_bytes

    if path.exists() and path.read_bytes() != text.encode():
        raise ValueError(f"{path} is not what this seed writes; give a new --home")
    return path if path.exists() else atomic_write_bytes(path, text.encode(), 0o644)


def write_documents(folder: Path, cfg: LibraryBenchConfig) -> list[Doc]:
    """Write the synthetic and real documents as files into ``folder``; synthetic first."""
    from engine.data.facts import FactsConfig, facts_set

    folder.mkdir(parents=True, exist_ok=True)
    records = facts_set(cfg.docs - cfg.n_real, seed=cfg.seed, split="test", cfg=FactsConfig(max_tokens=400))
    docs = [Doc(write_once(folder / f"facts-{i:04d}.txt", r.document), r) for i, r in enumerate(records)]
    for i, (name, text) in enumerate(real_texts(cfg)):
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).removesuffix(".md").removesuffix(".txt")
        suffix = ".md" if name.lower().endswith(".md") else ".txt"
        docs.append(Doc(write_once(folder / f"real-{i:04d}-{stem}{suffix}", text), None))
    return docs


def teach_folder(svc, folder: Path, n: int) -> tuple[dict[str, str], dict]:
    """Teach ``folder`` as `lorafy watch --once` does; return ({file path: item id}, teach figures)."""
    from desktop.ingest.watch import Indexer, InlineOwner

    t0 = time.perf_counter()
    svc.load()  # start-up is not teaching time (teach_text excludes it too)
    load_s = time.perf_counter() - t0
    if not svc.library.try_lock():
        raise RuntimeError(f"{svc.library.home} is in use by another Lorafy; use a fresh --home")
    before = {i.id for i in svc.library.items()}  # taught by an interrupted run (--resume)
    bar = tqdm(total=n, initial=len(before), desc="teach", unit="doc", file=sys.stderr)
    indexer = Indexer(InlineOwner(svc), [folder],
                      on_event=lambda e: e.kind in ("indexed", "refused", "failed") and bar.update(1))
    t0 = time.perf_counter()
    status = indexer.run_once()
    wall = time.perf_counter() - t0
    bar.close()
    svc.library.unlock()
    items = {i.id: i for i in svc.library.items()}
    keys = {d.display: d.item_id for r in indexer.roots for d in indexer.queue.documents(r) if d.item_id in items}
    new = [items[k] for k in set(keys.values()) - before]  # the teach figures are this run's
    tokens = sum(i.tokens for i in new)
    return keys, {"load_s": load_s, "resumed_with": len(before), "indexed": status.indexed, "refused": status.refused,
                  "failed": status.failed, "taught_now": len(new), "wall_s": wall, "docs_per_s": len(new) / wall,
                  "tokens": tokens, "tokens_per_s": tokens / wall, "chunks": sum(i.chunks for i in new),
                  "model_s": sum(i.teach_seconds for i in new)}  # teach_text's own seconds


def disk_usage(home: Path, adapter_files: list[Path]) -> dict:
    """Adapter file sizes (median, p95) and the bytes of everything in the home: adapters, database, the rest."""
    sizes = [p.stat().st_size for p in adapter_files]
    everything = [p for p in home.rglob("*") if p.is_file()]
    db = sum(p.stat().st_size for p in everything if p.name.startswith("lorafy.db"))
    adapters = sum(p.stat().st_size for p in everything if p.parent == home / "adapters")
    total = sum(p.stat().st_size for p in everything)
    return {"adapter_median": float(np.median(sizes)), "adapter_p95": float(np.percentile(sizes, 95)),
            "adapter_max": max(sizes), "adapter_files": len(sizes),
            "adapters_total": adapters, "library_db": db, "other": total - adapters - db, "total": total}


def memory_now() -> dict:
    """This process's resident memory now (VmRSS) and at its peak (VmHWM), in MiB, from /proc/self/status."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {k: int(fields[f].split()[0]) / 1024 for k, f in (("rss_mib", "VmRSS"), ("peak_mib", "VmHWM"))}


def synthetic_questions(docs: list[Doc], keys: dict[str, str]) -> list[tuple[object, object, str]]:
    """Every (record, question, right item id) of the taught synthetic documents."""
    return [(d.record, qa, keys[str(d.path)]) for d in docs if d.record is not None and str(d.path) in keys
            for qa in d.record.questions]


def measure_choice(svc, questions: list[tuple]) -> tuple[list[dict], dict]:
    """Time Lorafy.choose() on every question; rows (question, right, chosen, ms) and their summary."""
    rows = []
    for rec, qa, right in tqdm(questions, desc="choice", unit="question", file=sys.stderr):
        t0 = time.perf_counter()
        chosen = [i.id for i in svc.choose(qa.question)]
        rows.append({"record": rec.id, "question": qa.question, "right": right, "chosen": chosen,
                     "ms": (time.perf_counter() - t0) * 1e3})
    return rows, choice_summary(rows)


def choice_summary(rows: list[dict]) -> dict:
    """Latency percentiles and how often the right memory was chosen first / at all."""
    ms = [r["ms"] for r in rows]
    return {"n": len(rows), "p50_ms": float(np.median(ms)), "p95_ms": float(np.percentile(ms, 95)), "max_ms": max(ms),
            "right_first": sum(bool(r["chosen"]) and r["chosen"][0] == r["right"] for r in rows) / len(rows),
            "right_chosen": sum(r["right"] in r["chosen"] for r in rows) / len(rows),
            "mean_chosen": sum(len(r["chosen"]) for r in rows) / len(rows)}


def sample_records(questions: list[tuple], n: int, seed: int) -> tuple[list, dict[str, str]]:
    """A seeded sample of ``n`` questions as records holding only the sampled questions; {record id: item id}."""
    from engine.data.records import Record

    picked = sorted(random.Random(f"questions:{seed}").sample(range(len(questions)), min(n, len(questions))))
    grouped: dict[str, list] = {}
    for i in picked:
        grouped.setdefault(questions[i][0].id, []).append(questions[i])
    records = [Record(rid, qs[0][0].document, tuple(q for _, q, _ in qs), qs[0][0].kind) for rid, qs in grouped.items()]
    return records, {rid: qs[0][2] for rid, qs in grouped.items()}


def answer_modes(svc, records: list, keys: dict[str, str], modes: tuple[str, ...], max_tokens: int) -> tuple:
    """Score every sampled question in every mode with the scoring of `lorafy eval`; (rows, summary)."""
    from engine.eval.evaluate import run_eval, summarise

    bar = tqdm(total=len(modes) * sum(len(r.questions) for r in records), desc="answers", file=sys.stderr)
    rows = run_eval(records, modes, lambda rid, _doc: keys[rid],
                    lambda mode, q, doc, key: svc.answer_in_mode(
                        mode.removesuffix("_stacked"), q, doc, key, None, max_tokens,
                        max_adapters=0 if mode.endswith("_stacked") else 1).text,
                    on_row=lambda r: bar.update(1))
    bar.close()
    return rows, summarise(rows)


def print_table(rep: dict) -> None:
    t, d, c, m = rep["teach"], rep["disk"], rep["choice"], rep["memory"]
    print(f"\nlibrary of {rep['docs']['taught']} documents ({rep['docs']['synthetic']} synthetic, "
          f"{rep['docs']['real']} real) — {rep['machine']['cpu']}, {rep['machine']['cores']} cores, "
          f"hypernetwork step {rep['machine']['hypernet_step']}, {rep['machine']['date']}")
    print(f"teach       {t['taught_now']} documents in {t['wall_s']:.0f} s wall: {t['docs_per_s']:.3f} documents/s, "
          f"{t['tokens_per_s']:.0f} tokens/s ({t['tokens']} tokens, {t['chunks']} chunks; {t['resumed_with']} taught "
          f"before a resume; {t['indexed']} indexed, {t['refused']} refused, {t['failed']} failed)")
    print(f"disk        adapter median {d['adapter_median'] / 1e3:.0f} kB, p95 {d['adapter_p95'] / 1e3:.0f} kB; "
          f"total {d['total'] / 1e6:.1f} MB (adapters {d['adapters_total'] / 1e6:.1f}, library db "
          f"{d['library_db'] / 1e6:.1f}, other {d['other'] / 1e6:.2f})")
    for stage, v in m.items():
        print(f"memory      {stage:<16} RSS {v['rss_mib']:.0f} MiB, peak {v['peak_mib']:.0f} MiB")
    print(f"choice      {c['n']} questions: p50 {c['p50_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms, max {c['max_ms']:.1f} "
          f"ms; right memory first {c['right_first']:.1%}, among the chosen {c['right_chosen']:.1%} "
          f"({c['mean_chosen']:.2f} chosen on average)")
    print(f"\n{'mode':<28} {'accuracy':>9} {'n':>5} {'s/answer':>9}")
    for mode, s in rep["answers"]["summary"].items():
        print(f"{MODE_WORDS[mode]:<28} {s['accuracy']:>9.1%} {s['n']:>5} {s['mean_seconds']:>9.2f}")
    if rep["answers"]["not_run"]:
        print(f"{MODE_WORDS['all']:<28} not run: {rep['answers']['not_run']['all']}")


def plot(rep: dict, path: Path) -> Path:
    """Accuracy per answer mode beside the choice latency distribution (PNG, written atomically)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from engine.core.atomic import atomic_path

    summary, ms = rep["answers"]["summary"], [r["ms"] for r in rep["choice_rows"]]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 3.8), dpi=120, gridspec_kw={"width_ratios": [3, 2]})
    bars = ax.bar([textwrap.fill(MODE_WORDS[m], 14) for m in summary],
                  [s["accuracy"] for s in summary.values()], color="#3e7cb1")
    for b, s in zip(bars, summary.values()):
        ax.text(b.get_x() + b.get_width() / 2, s["accuracy"] + 0.02,
                f"{s['accuracy']:.0%}\n{s['mean_seconds']:.1f} s/answer", ha="center", fontsize=7)
    ax.set_ylim(0, 1.18)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(f"answer accuracy, {summary[next(iter(summary))]['n']} questions, {rep['docs']['taught']} memories",
                 fontsize=9)
    bx.hist(ms, bins=40, color="#e07a1f")
    c = rep["choice"]
    bx.set_title(f"choice latency: p50 {c['p50_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms ({c['n']} questions)", fontsize=9)
    bx.set_xlabel("ms")
    fig.tight_layout()
    with atomic_path(path, 0o644) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, kind, default in (("--docs", int, 1000), ("--questions", int, 40),
                                ("--real-fraction", float, 0.5), ("--real-root", Path, Path("/usr/share/doc")),
                                ("--seed", int, 0), ("--threads", int, None), ("--base", Path, None),
                                ("--hypernet", Path, None), ("--json", Path, None), ("--plot", Path, None)):
        p.add_argument(flag, type=kind, default=default)
    p.add_argument("--home", type=Path, help="library home (new or empty); the documents go to HOME-docs")
    p.add_argument("--resume", action="store_true", help="go on with the --home of an interrupted run")
    return p.parse_args(argv)


def teach_phase(cfg: LibraryBenchConfig, svc_cfg, docs_dir: Path) -> tuple[list[Doc], dict[str, str], dict]:
    """Write and teach the documents; (documents, {file: item id}, report parts teach/disk/memory)."""
    from desktop.service import Lorafy

    docs = write_documents(docs_dir, cfg)
    svc = Lorafy(svc_cfg)
    try:
        keys, teach = teach_folder(svc, docs_dir, len(docs))
        adapters = sorted({svc.library.adapter_path(i) for i in svc.library.items()})
        return docs, keys, {"teach": teach, "disk": disk_usage(svc.library.home, adapters),
                            "memory": {"after_teach": memory_now()}}
    finally:
        svc.close()


def ask_phase(cfg: LibraryBenchConfig, svc_cfg, questions: list[tuple], n_memories: int, memory: dict) -> dict:
    """Open the library afresh (as the app does), time the choice, score the answers; report parts."""
    from dataclasses import asdict

    from desktop.doctor import cpu_info
    from desktop.service import Lorafy

    svc = Lorafy(svc_cfg)
    try:
        svc.load()
        svc.choose(questions[0][1].question)  # opens the passage index
        memory["library_loaded"] = memory_now()
        choice_rows, choice = measure_choice(svc, questions)
        records, record_keys = sample_records(questions, cfg.questions, cfg.seed)
        modes = MODES + (("all",) if n_memories <= cfg.all_limit else ())
        rows, summary = answer_modes(svc, records, record_keys, modes, cfg.max_tokens)
        memory["after_answers"] = memory_now()
        not_run = {} if "all" in modes else {
            "all": f"{n_memories} memories: llama.cpp would stack {n_memories} adapters (run up to {cfg.all_limit})"}
        cpu = cpu_info()
        where = {"cpu": cpu["model"], "cores": cpu["cores"], "date": datetime.date.today().isoformat(),
                 "threads": svc.cfg.threads, "base": svc.spec.name, "hypernet": svc.hypernet.bundle.name,
                 "hypernet_step": svc.hypernet.config.get("step")}
        return {"machine": where, "memory": memory, "choice": choice, "choice_rows": choice_rows,
                "answers": {"summary": summary, "not_run": not_run, "rows": [asdict(r) for r in rows]}}
    finally:
        svc.close()


def run(cfg: LibraryBenchConfig, svc_cfg, docs_dir: Path) -> dict:
    """Build, teach, measure; the report as plain data."""
    from dataclasses import asdict

    docs, keys, taught = teach_phase(cfg, svc_cfg, docs_dir)
    questions = synthetic_questions(docs, keys)
    asked = ask_phase(cfg, svc_cfg, questions, len(keys), taught.pop("memory"))
    counts = {"written": len(docs), "synthetic": sum(d.record is not None for d in docs),
              "real": sum(d.record is None for d in docs), "taught": len(keys), "synthetic_questions": len(questions)}
    return {"schema_version": 1, "config": {**asdict(cfg), "real_root": str(cfg.real_root)}, "docs": counts,
            **taught, **asked}


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print the table, write the JSON and the PNG if asked; return the report."""
    from desktop.service import ServiceConfig
    from engine.core.atomic import atomic_write_bytes

    args = parse_args(argv)
    cfg = LibraryBenchConfig(docs=args.docs, questions=args.questions, real_fraction=args.real_fraction,
                             real_root=args.real_root, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="lorafy-library-") as scratch:
        home = Path(os.path.abspath(args.home or Path(scratch) / "home"))  # the indexer's spelling of paths
        docs_dir = home.with_name(home.name + "-docs")
        for folder in (home, docs_dir):
            if folder.exists() and any(folder.iterdir()) and not args.resume:
                raise SystemExit(f"{folder} is not empty; give a new folder as --home (or --resume a killed run)")
        rep = run(cfg, ServiceConfig(home=home, base_path=args.base, hypernet_dir=args.hypernet, threads=args.threads,
                                     n_gpu_layers=0, use_gpu=False), docs_dir)
    print_table(rep)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(args.json, (json.dumps(rep, indent=1) + "\n").encode(), 0o644)
    if args.plot is not None:
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        plot(rep, args.plot)
    return rep


if __name__ == "__main__":
    main()
