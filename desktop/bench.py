"""Measure what Lorafy exists for, side by side in one run: teach vs prefill, question cost, hot-swap, memory, quality, ingestion, hypernet variants.

Every row pairs our figure with the comparison measured in the same process
on the user's path (ONNX Runtime + llama.cpp, no torch) and their ratio,
always ``ours / comparison``: below 1 is better for times and bytes, above 1
for accuracy and throughput. Targets from issue 9 are printed as pass/fail,
never asserted. ``run`` is the ``lorafy bench`` command; the measuring
functions take a built service and return plain dicts.

>>> Row("teach", "256 tok", "s", 0.5, 2.0, "prefill").ratio
0.25
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from engine.data.records import Record, TokenCounter

if TYPE_CHECKING:  # the service is built by the caller (cli.py); only its type is named here
    from desktop.service import Lorafy
    from engine.base import BaseSpec
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SECTIONS = ("teach", "question", "swap", "memory", "quality", "ingest", "variants")
DEFAULT_SIZES = (256, 1024, 4096, 16384)
QUICK_SIZES = (256, 1024)
EVAL_SET = "facts_test_20.jsonl"
TOO_LONG = "n/a: exceeds window"
KV_BYTES_F16 = 2  # llama.cpp's default K/V cache type is f16
TARGET_TOKENS = 4096  # where the issue sets the TTFT and memory targets

# What each section's comparison column holds (printed above its rows).
VERSUS = {
    "teach": "ours: tokenize + hypernetwork + GGUF write + hot-load | vs: llama.cpp prefill of the in-context prompt",
    "question": "ours: adapter active, question alone | vs: document in the prompt (base only)",
    "swap": "ours: set_active + KV reset + first token | vs: base loaded anew with the adapter + first token",
    "memory": "adapter file vs f16 KV cache of the same document; RSS vs RSS with none",
    "quality": "accuracy (contains an accepted answer) vs the in-context mode, same questions",
    "ingest": "teach a folder of small files vs prefilling each file once",
    "variants": "int8 ONNX hypernetwork (dynamic quantization: int8 weights, int8 activations at run time) vs the shipped fp32",
}


@dataclass(frozen=True)
class BenchConfig:
    """What one bench run measures and how often."""

    sizes: tuple[int, ...] = DEFAULT_SIZES  # document sizes in tokens
    skip: frozenset[str] = frozenset()
    repeats: int = 3  # teach / prefill / question timings: median of this many
    once_from: int = 4096  # documents this long are timed once (each run lasts seconds)
    swap_repeats: int = 20
    reload_repeats: int = 5
    answer_tokens: int = 20
    active_counts: tuple[int, ...] = (1, 4, 16)
    library_counts: tuple[int, ...] = (0, 10, 100)
    eval_set: Path | None = None  # None: bench/data/facts_test_20.jsonl, rebuilt from its seed if absent
    eval_limit: int | None = None
    eval_max_tokens: int = 32
    ingest_files: int = 100
    variant_tokens: int = 1024
    progress: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(sorted(set(self.sizes))))
        if not self.sizes or min(self.sizes) < 32:
            raise ValueError(f"sizes must be token counts >= 32, got {self.sizes}")
        bad = set(self.skip) - set(SECTIONS)
        if bad:
            raise ValueError(f"unknown section(s) {sorted(bad)} in --skip; choose from {', '.join(SECTIONS)}")
        if min(self.repeats, self.swap_repeats, self.reload_repeats, self.answer_tokens, self.ingest_files) < 1:
            raise ValueError("repeats, answer_tokens and ingest_files must be >= 1")
        if 0 not in self.library_counts or min(self.active_counts) < 1:
            raise ValueError("library_counts must include 0 (the reference) and active_counts must be >= 1")

    def reps(self, n_tokens: int) -> int:
        return 1 if n_tokens >= self.once_from else self.repeats

    @classmethod
    def quick(cls, **kw) -> "BenchConfig":
        """A smoke run (under 5 minutes on 2 CPU cores): two sizes, one repeat, 3 eval documents, 10 files."""
        base = dict(sizes=QUICK_SIZES, repeats=1, swap_repeats=5, reload_repeats=2, eval_limit=3, ingest_files=10)
        return cls(**{**base, **kw})


@dataclass(frozen=True)
class Row:
    """One line of the table: our figure, the comparison from the same run, and the ratio ours / comparison."""

    section: str
    name: str
    unit: str  # s | bytes | accuracy | files/min | rel
    ours: float | None
    comparison: float | None
    vs: str  # what the comparison is
    note: str = ""
    target: str = ""  # e.g. "<= 1.0x"; empty where none applies
    ok: bool | None = None  # target met; None where not evaluated

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.comparison:
            return None
        return self.ours / self.comparison

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def with_target(row: Row, text: str, max_ratio: float | None = None, max_ours: float | None = None) -> Row:
    """``row`` with a target: the ratio at most ``max_ratio`` and/or our figure at most ``max_ours``.

    >>> with_target(Row("t", "x", "s", 0.5, 2.0, "p"), "<= 1.0x", max_ratio=1.0).ok
    True
    """
    checks = []
    if max_ratio is not None:
        checks.append(None if row.ratio is None else row.ratio <= max_ratio)
    if max_ours is not None:
        checks.append(None if row.ours is None else row.ours <= max_ours)
    ok = None if None in checks else all(checks)
    return replace(row, target=text, ok=ok)


# -- pure helpers ---------------------------------------------------------------------------------

def sized_document(n_tokens: int, count_tokens: TokenCounter, seed: int = 0) -> Record:
    """A needle-in-a-haystack document of about ``n_tokens`` tokens (within ~2 %) and its one question.

    >>> from engine.data.records import approx_tokens
    >>> abs(approx_tokens(sized_document(200, approx_tokens).document) - 200) <= 4
    True
    """
    from engine.data.needle import NeedleConfig, make_needle

    rng = random.Random(f"bench:{n_tokens}:{seed}")
    return make_needle(NeedleConfig(n_tokens=n_tokens, depth=5), rng, count_tokens, split="test",
                       record_id=f"bench-{n_tokens}t-{seed}")


def small_documents(n: int, seed: int = 0) -> list[Record]:
    """``n`` short facts documents (80-500 tokens) of the held-out split, reproducible from ``seed``."""
    from engine.data.facts import facts_set

    return facts_set(n, seed=seed, split="test")


def kv_cache_bytes(n_tokens: int, n_layer: int, n_kv_head: int, head_dim: int, bytes_per_value: int = KV_BYTES_F16) -> int:
    """Bytes the K and V caches hold for ``n_tokens``: 2 * n_layer * n_tokens * n_kv_head * head_dim * bytes.

    >>> kv_cache_bytes(4096, n_layer=30, n_kv_head=3, head_dim=64)  # SmolLM2-135M, f16 cache
    94371840
    """
    return 2 * n_layer * n_tokens * n_kv_head * head_dim * bytes_per_value


def max_rel_err(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max |want| (0 when both are all zero).

    >>> max_rel_err(np.array([1.0, 2.5]), np.array([1.0, 2.0]))
    0.25
    """
    err = float(np.abs(got - want).max())
    return err / max(float(np.abs(want).max()), 1e-30) if err else 0.0


def rss_bytes() -> int | None:
    """Resident memory of this process: VmRSS from /proc/self/status, else psutil, else None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.Process().memory_info().rss)


def timed(fn: Callable, *args, **kw) -> tuple[float, Any]:
    """(wall seconds, result) of one call."""
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, out


def median_seconds(fn: Callable[[], Any], n: int) -> float:
    return statistics.median(timed(fn)[0] for _ in range(n))


def time_generation(rt: "Runtime", prompt: str, max_tokens: int) -> tuple[float, float]:
    """(seconds to the first piece, seconds for all ``max_tokens``) of a greedy answer; EOS does not stop it."""
    t0, first = time.perf_counter(), None
    for _ in rt.generate(prompt, max_tokens=max_tokens, stop_on_eos=False):
        first = first if first is not None else time.perf_counter() - t0
    total = time.perf_counter() - t0
    return (first if first is not None else total), total


def median_pair(pairs: Sequence[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def _bar(cfg: BenchConfig, desc: str, total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False, disable=not cfg.progress)


# -- the run --------------------------------------------------------------------------------------

@dataclass
class Taught:
    """A sized document taught cfg.reps(n) times: median timings; the last item stays in the library."""

    tokens: int
    chunks: int
    make_s: float  # tokenize + hypernetwork + GGUF write + library record (median)
    load_s: float  # load_adapter + set_active (median)
    adapter_bytes: int
    item: Any  # desktop.library.Item

    @property
    def teach_s(self) -> float:
        return self.make_s + self.load_s


@dataclass
class Bench:
    """One run's shared state: the service, the scratch folder, the documents and what was taught."""

    svc: "Lorafy"
    cfg: BenchConfig
    work: Path
    docs: dict[int, Record] = field(default_factory=dict)
    taught: dict[int, Taught] = field(default_factory=dict)
    prefill: dict[int, tuple[int, float | None]] = field(default_factory=dict)  # size -> (prompt tokens, s)
    setup: dict = field(default_factory=dict)
    quality: dict | None = None  # evaluate.summarise() of the quality section

    @property
    def rt(self) -> "Runtime":
        return self.svc.runtime

    def count(self, text: str) -> int:
        return len(self.svc.tokenize(text))

    def fits(self, prompt_tokens: int, new_tokens: int) -> bool:
        return prompt_tokens + new_tokens <= self.rt.n_ctx


def measure(svc: "Lorafy", cfg: BenchConfig, work: Path) -> dict:
    """Run every section not in ``cfg.skip`` on ``svc``; scratch files go under ``work``."""
    b = Bench(svc, cfg, Path(work))
    b.setup = measure_setup(b)
    sections: dict[str, dict] = {}
    for name in SECTIONS:
        if name in cfg.skip:
            sections[name] = {"skipped": True, "rows": []}
            continue
        log.info("bench section %s", name)
        seconds, (rows, details) = timed(SECTION_FUNCS[name], b)
        sections[name] = {"rows": [r.to_dict() for r in rows], "details": details, "seconds": seconds}
    svc.activate([])
    targets = [r for s in sections.values() for r in s["rows"] if r["target"]]
    return {"schema_version": SCHEMA_VERSION, "machine": machine_info(svc), "config": _config_dict(cfg),
            "setup": b.setup, "sections": sections, "targets": targets}


def measure_setup(b: Bench) -> dict:
    """One-time costs, kept out of every per-document figure: base check and load, session creation, first runs."""
    svc = b.svc
    t_spec, _ = timed(lambda: svc.spec)
    t_rt, rt = timed(lambda: svc.runtime)
    t_hn, _ = timed(lambda: svc.hypernet)
    rss0 = rss_bytes()
    warm = "The sky is blue. The grass is green. " * 8
    t_first, item = timed(svc.teach_text, warm, "bench-warmup")
    svc.forget(item.id)
    t_prefill, _ = timed(rt.logits, svc.tokenize(svc.prompt("What colour is the sky?", warm)))
    return {"base_check_s": t_spec, "base_load_s": t_rt, "session_create_s": t_hn, "first_teach_s": t_first,
            "first_prefill_s": t_prefill, "rss_after_setup_bytes": rss0}


def ensure_taught(b: Bench) -> None:
    """Build and teach each sized document once (its timing repeats included); later sections reuse them."""
    if b.taught:
        return
    bar = _bar(b.cfg, "teach", sum(b.cfg.reps(n) for n in b.cfg.sizes))
    for n in b.cfg.sizes:
        b.docs[n] = sized_document(n, b.count)
        b.taught[n] = teach_sized(b, n, bar)
    bar.close()
    b.svc.activate([])


def teach_sized(b: Bench, n: int, bar) -> Taught:
    """Teach document ``n`` cfg.reps(n) times (make the adapter, then hot-load it); keep the last item."""
    svc, doc, samples = b.svc, b.docs[n].document, []
    for _ in range(b.cfg.reps(n)):
        t_make, item = timed(svc.teach_text, doc, f"bench-{n}")
        t_load, _ = timed(svc.activate, [item.id])
        samples.append((t_make, t_load, item))
        bar.update(1)
    for _, _, item in samples[:-1]:
        svc.forget(item.id)
    item = samples[-1][2]
    return Taught(tokens=b.count(doc), chunks=item.chunks, make_s=statistics.median(s[0] for s in samples),
                  load_s=statistics.median(s[1] for s in samples),
                  adapter_bytes=svc.library.adapter_path(item).stat().st_size, item=item)


def measure_prefill(b: Bench, n: int) -> tuple[int, float | None]:
    """(tokens, seconds) of llama.cpp prefilling the in-context prompt of document ``n``; None past the window."""
    if n not in b.prefill:
        doc = b.docs[n]
        ids = b.svc.tokenize(b.svc.prompt(doc.questions[0].question, doc.document))
        seconds = None
        if b.fits(len(ids), b.cfg.answer_tokens):
            b.svc.activate([])
            seconds = median_seconds(lambda: b.rt.logits(ids), b.cfg.reps(n))
        b.prefill[n] = (len(ids), seconds)
    return b.prefill[n]


# -- sections: each returns (rows, details) -------------------------------------------------------

def section_teach(b: Bench) -> tuple[list[Row], dict]:
    ensure_taught(b)
    rows, by_size = [], []
    for n, t in b.taught.items():
        prompt_tokens, prefill_s = measure_prefill(b, n)
        row = Row("teach", f"{n} tok ({t.chunks} chunk{'s' * (t.chunks > 1)})", "s", t.teach_s, prefill_s,
                  "prefill", note=TOO_LONG if prefill_s is None else f"prefill of {prompt_tokens} prompt tokens")
        sub_second = n <= 256
        rows.append(with_target(row, "<= 1.0x" + (", < 1 s" if sub_second else ""), max_ratio=1.0,
                                max_ours=1.0 if sub_second else None))
        by_size.append({"size": n, "tokens": t.tokens, "chunks": t.chunks, "teach_s": t.teach_s, "make_s": t.make_s,
                        "hot_load_s": t.load_s, "prefill_s": prefill_s, "prompt_tokens": prompt_tokens,
                        "repeats": b.cfg.reps(n)})
    return rows, {"by_size": by_size, "note": "session creation is one-time: see setup.session_create_s"}


def section_question(b: Bench) -> tuple[list[Row], dict]:
    ensure_taught(b)
    k, rows, by_size = b.cfg.answer_tokens, [], []
    bar = _bar(b.cfg, "questions", len(b.taught))
    for n, t in b.taught.items():
        ad, icl, prompt_tokens = question_costs(b, n, t)
        note = TOO_LONG if icl is None else f"{prompt_tokens} prompt tokens in context"
        first = Row("question", f"{n} tok: first token", "s", ad[0], icl and icl[0], "in-context", note=note)
        if n == TARGET_TOKENS:
            first = with_target(first, "<= 0.1x", max_ratio=0.1)
        rows += [first, Row("question", f"{n} tok: {k}-token answer", "s", ad[1], icl and icl[1], "in-context", note=note)]
        by_size.append({"size": n, "adapter_ttft_s": ad[0], "adapter_total_s": ad[1], "icl_ttft_s": icl and icl[0],
                        "icl_total_s": icl and icl[1], "icl_prompt_tokens": prompt_tokens})
        bar.update(1)
    bar.close()
    return rows, {"by_size": by_size, "answer_tokens": k}


def question_costs(b: Bench, n: int, t: Taught) -> tuple[tuple[float, float], tuple[float, float] | None, int]:
    """(adapter (ttft, total), in-context (ttft, total) or None past the window, in-context prompt tokens)."""
    svc, doc, k, reps = b.svc, b.docs[n], b.cfg.answer_tokens, b.cfg.reps(n)
    question = doc.questions[0].question
    svc.activate([t.item.id])
    ad = median_pair([time_generation(b.rt, svc.prompt(question), k) for _ in range(reps)])
    svc.activate([])
    icl_prompt = svc.prompt(question, doc.document)
    prompt_tokens = b.count(icl_prompt)
    if not b.fits(prompt_tokens, k):
        return ad, None, prompt_tokens
    return ad, median_pair([time_generation(b.rt, icl_prompt, k) for _ in range(reps)]), prompt_tokens


def section_swap(b: Bench) -> tuple[list[Row], dict]:
    ensure_taught(b)
    rt, cfg, n = b.rt, b.cfg, min(b.taught)
    other = b.svc.teach_text(sized_document(n, b.count, seed=1).document, f"bench-{n}-other")
    paths = [b.svc.library.adapter_path(i) for i in (b.taught[n].item, other)]
    handles = [rt.load_adapter(p) for p in paths]
    prompt = b.svc.prompt("What is the special magic number?")
    ids = b.svc.tokenize(prompt)
    bar = _bar(cfg, "hot-swap", 2 * cfg.swap_repeats + cfg.reload_repeats)
    try:
        swap, set_only = swap_times(rt, handles, prompt, cfg.swap_repeats, bar)
        reload = []
        for _ in range(cfg.reload_repeats):
            reload.append(timed(reload_first_token, rt, paths[0], ids)[0])
            bar.update(1)
        many = many_active(rt, paths[0], prompt, cfg)
    finally:
        rt.set_active([])
        for h in handles:
            rt.unload_adapter(h)
        bar.close()
    reload_s = statistics.median(reload)
    rows = [with_target(Row("swap", f"2 adapters ({n} tok): switch + first token", "s", swap, reload_s, "reload",
                            note=f"median of {cfg.swap_repeats}; reload median of {cfg.reload_repeats}"),
                        "<= 50 ms, <= 0.05x", max_ratio=0.05, max_ours=0.050),
            Row("swap", "switch alone (set_active + KV reset)", "s", set_only, reload_s, "reload")]
    base = many[0]
    for m in many[1:]:
        rows.append(Row("swap", f"{m['active']} active: set + first token", "s", m["switch_first_s"],
                        base["switch_first_s"], "base only"))
        rows.append(Row("swap", f"{m['active']} active: per generated token", "s", m["per_token_s"], base["per_token_s"],
                        "base only"))
    return rows, {"swap_s": swap, "set_active_s": set_only, "reload_s": reload_s, "reload_all_s": reload, "many": many,
                  "prompt_tokens": len(ids), "adapter_tokens": n}


def swap_times(rt: "Runtime", handles: Sequence[str], prompt: str, n: int, bar) -> tuple[float, float]:
    """Medians of (switch B -> A + first token, switch A -> B alone) over two loaded adapters A, B; each call switches."""
    a, b = handles

    def switch_and_answer() -> None:
        rt.set_active([(a, 1.0)])
        for _ in rt.generate(prompt, max_tokens=1, stop_on_eos=False):
            pass

    both, alone = [], []
    rt.set_active([(a, 1.0)])
    for _ in range(n):
        alone.append(timed(rt.set_active, [(b, 1.0)])[0])
        both.append(timed(switch_and_answer)[0])
        bar.update(2)
    return statistics.median(both), statistics.median(alone)


def reload_first_token(rt: "Runtime", adapter: Path, ids: Sequence[int]) -> None:
    """What hot-swapping avoids: load the base anew with the adapter (same context and threads), then the prompt."""
    from engine.runtime import Runtime

    with Runtime(rt.config, rt.spec) as fresh:
        fresh.set_active([(fresh.load_adapter(adapter), 1.0)])
        fresh.logits(list(ids))


def many_active(rt: "Runtime", path: Path, prompt: str, cfg: BenchConfig) -> list[dict]:
    """Switch + first token and per-token decode time with 0 (base) and each of cfg.active_counts adapters active."""
    handles = [rt.load_adapter(path) for _ in range(max(cfg.active_counts))]
    out = []
    try:
        for k in (0, *cfg.active_counts):
            pairs = [(h, 1.0 / k) for h in handles[:k]]

            def switch_first(pairs=pairs) -> None:
                rt.set_active(pairs)
                for _ in rt.generate(prompt, max_tokens=1, stop_on_eos=False):
                    pass

            first = median_seconds(switch_first, cfg.swap_repeats)
            ttft, total = median_pair([time_generation(rt, prompt, cfg.answer_tokens) for _ in range(cfg.repeats)])
            out.append({"active": k, "switch_first_s": first, "per_token_s": (total - ttft) / max(1, cfg.answer_tokens - 1)})
    finally:
        rt.set_active([])
        for h in handles:
            rt.unload_adapter(h)
    return out


def section_memory(b: Bench) -> tuple[list[Row], dict]:
    ensure_taught(b)
    spec, rows, by_size = b.svc.spec, [], []
    for n, t in b.taught.items():
        kv = kv_cache_bytes(t.tokens, spec.n_layer, spec.n_kv_head, spec.head_dim)
        row = Row("memory", f"{n} tok: adapter file", "bytes", t.adapter_bytes, kv, "f16 KV cache",
                  note=f"rank {rank_of(b, t)}, float32")
        rows.append(with_target(row, "<= 0.05x", max_ratio=0.05) if n == TARGET_TOKENS else row)
        by_size.append({"size": n, "tokens": t.tokens, "adapter_bytes": t.adapter_bytes, "kv_bytes": kv})
    rss = library_rss(b)
    for where in ("disk", "loaded"):
        ref = rss[where][0]
        for k, v in rss[where].items():
            if k:
                label = "in library, on disk only" if where == "disk" else "loaded, not active"
                rows.append(Row("memory", f"RSS, {k} adapters {label}", "bytes", v, ref, "RSS with 0",
                                note=f"copies of the {min(b.taught)}-tok adapter"))
    return rows, {"by_size": by_size, "rss": rss, "library_adapter": b.taught[min(b.taught)].item.adapter,
                  "kv_formula": "2 * n_layer * n_tokens * n_kv_head * head_dim * 2 bytes (f16)"}


def rank_of(b: Bench, t: Taught) -> int:
    hp = b.svc.hypernet.config["hypernet"]
    return int(hp["bias_rank"]) + int(hp["rank"]) * t.chunks


def library_rss(b: Bench) -> dict[str, dict[int, int | None]]:
    """RSS with 0/10/100 copies of the smallest adapter in the library: on disk only, then loaded into llama.cpp."""
    svc, counts = b.svc, sorted(b.cfg.library_counts)
    src = b.taught[min(b.taught)].item
    copies, out = [], {"disk": {}, "loaded": {}}
    for k in range(counts[-1] + 1):
        if k in counts:
            out["disk"][k] = rss_bytes()
        if k < counts[-1]:
            copies.append(copy_into_library(svc, src, f"bench-copy-{k}"))
    handles = []
    try:
        for k in range(counts[-1] + 1):
            if k in counts:
                out["loaded"][k] = rss_bytes()
            if k < counts[-1]:
                handles.append(b.rt.load_adapter(svc.library.adapter_path(copies[k])))
    finally:
        for h in handles:
            b.rt.unload_adapter(h)
        for item in copies:
            svc.library.remove(item.id)
    return out


def copy_into_library(svc: "Lorafy", src, name: str):
    """A new library item whose adapter file is a byte copy of ``src``'s."""
    item = replace(src, id=svc.library.new_id(), name=name)
    item = replace(item, adapter=f"{item.id}.gguf")
    shutil.copyfile(svc.library.adapter_path(src), svc.library.adapter_path(item))
    return svc.library.add(item)


def eval_records(cfg: BenchConfig) -> list[Record]:
    """The fixed eval set: cfg.eval_set, else bench/data/facts_test_20.jsonl, else rebuilt from its recorded seed."""
    from engine.data.records import read_jsonl

    path = cfg.eval_set or Path(__file__).resolve().parents[1] / "bench" / "data" / EVAL_SET
    if path.is_file():
        records = read_jsonl(path)
    elif cfg.eval_set is None:
        from engine.data.eval_sets import SETS

        records = SETS[EVAL_SET]()
    else:
        raise FileNotFoundError(f"{path}: no eval set here; pass --eval-set FILE.jsonl or leave it out")
    return records[: cfg.eval_limit]


def section_quality(b: Bench) -> tuple[list[Row], dict]:
    from engine.evaluate import MODES, run_eval, summarise

    svc, cfg = b.svc, b.cfg
    records = eval_records(cfg)
    bar = _bar(cfg, "quality", sum(len(r.questions) for r in records) * len(MODES))
    with svc.evaluating(cfg.eval_max_tokens) as (teach, answer, fits):
        rows = run_eval(records, MODES, teach, answer, on_row=lambda r: bar.update(1), fits_context=fits)
    bar.close()
    svc.activate([])
    s = summarise(rows)
    b.quality = s
    icl = s["icl"]
    out = []
    for mode in ("lora", "base"):
        out.append(Row("quality", f"{mode} accuracy", "accuracy", s[mode]["accuracy"], icl["accuracy"], "in-context",
                       note=f"n={s[mode]['n']}"))
        out.append(Row("quality", f"{mode} seconds per answer", "s", s[mode]["mean_seconds"], icl["mean_seconds"],
                       "in-context", note="incl. the first hot-load per document" if mode == "lora" else ""))
    return out, {"summary": s, "records": len(records), "max_tokens": cfg.eval_max_tokens,
                 "rows": [asdict(r) for r in rows]}


def section_ingest(b: Bench) -> tuple[list[Row], dict]:
    svc, n = b.svc, b.cfg.ingest_files
    folder = b.work / "ingest"
    folder.mkdir(parents=True, exist_ok=True)
    docs = small_documents(n)
    paths = [folder / f"doc-{i:03d}.txt" for i in range(n)]
    for path, rec in zip(paths, docs):
        path.write_text(rec.document, encoding="utf-8")
    bar = _bar(b.cfg, "ingest", 2 * n)
    t0 = time.perf_counter()
    tokens = 0
    for path in paths:  # what a folder watcher does per file: read, teach
        item = svc.teach_text(path.read_bytes().decode("utf-8", errors="replace"), path.stem, "memory", str(path))
        tokens += item.tokens
        bar.update(1)
    teach_s = time.perf_counter() - t0
    prefill_s = 0.0
    for path, rec in zip(paths, docs):
        ids = svc.tokenize(svc.prompt(rec.questions[0].question, path.read_text(encoding="utf-8")))
        prefill_s += timed(b.rt.logits, ids)[0]
        bar.update(1)
    bar.close()
    row = Row("ingest", f"{n} files: files per minute", "files/min", 60 * n / teach_s, 60 * n / prefill_s,
              "prefill each once", note=f"{tokens} tokens, {tokens / teach_s:.0f} tok/s taught")
    return [row], {"files": n, "tokens": tokens, "teach_s": teach_s, "prefill_s": prefill_s,
                   "teach_tokens_per_s": tokens / teach_s}


FP16_LEFT_OUT = ("left out: making a float16 graph needs a converter (onnxconverter-common) that is not a dependency, "
                 "and fp16 matmuls pay off only on a GPU provider")


def section_variants(b: Bench) -> tuple[list[Row], dict]:
    from engine.prompts import PromptFormat, encode_chunks

    svc, cfg, fp32 = b.svc, b.cfg, b.svc.hypernet
    doc = b.docs.get(cfg.variant_tokens) or sized_document(cfg.variant_tokens, b.count)
    chunks = encode_chunks(PromptFormat(svc.spec.chat_template), svc.tokenize, doc.document, fp32.chunk_tokens)
    ref = fp32.adapter(chunks)
    base = {"disk_bytes": bundle_bytes(fp32.bundle), "session_s": b.setup["session_create_s"],
            "teach_s": median_seconds(lambda: teach_with(b, fp32.chunk_lora, chunks, ref), cfg.repeats),
            "lora_accuracy": b.quality["lora"]["accuracy"] if b.quality else None}
    details = {"doc_tokens": b.count(doc.document), "chunks": len(chunks), "fp32": base, "fp16": FP16_LEFT_OUT,
               "teach_note": "hypernetwork + GGUF write + hot-load; chunks tokenized once beforehand"}
    try:
        graph = make_int8(b, b.work / "variants")
    except ImportError as e:  # onnx (for onnxruntime.quantization) is a [train] extra
        details["int8"] = f"left out: {e}; install onnx to quantize"
        return [Row("variants", f"fp32: teach {details['doc_tokens']} tok", "s", base["teach_s"], None, "-",
                    note=details["int8"])], details
    runner = graph.pop("runner")
    graph["teach_s"] = median_seconds(lambda: teach_with(b, runner.chunk_lora, chunks, ref), cfg.repeats)
    got = variant_adapter(runner.chunk_lora, chunks, ref, bias_rank(b))
    graph["max_rel_err_A"], graph["max_rel_err_B"] = max_rel_err(got.A, ref.A), max_rel_err(got.B, ref.B)
    graph["lora_accuracy"] = variant_accuracy(b, runner.chunk_lora, ref) if "quality" not in cfg.skip else None
    details["int8"] = graph
    return variant_rows(details, base, graph), details


def variant_rows(details: dict, fp32: dict, int8: dict) -> list[Row]:
    """The int8 graph against fp32: size, session, teach time, parity of A / B, adapter accuracy."""
    tok = details["doc_tokens"]
    return [
        Row("variants", "int8: on disk", "bytes", int8["disk_bytes"], fp32["disk_bytes"], "fp32",
            note="int8 holds the base weights; fp32 reads them from the GGUF"),
        Row("variants", "int8: weights in memory", "bytes", int8["disk_bytes"], int8["fp32_weight_bytes"], "fp32"),
        Row("variants", "int8: session creation", "s", int8["session_s"], fp32["session_s"], "fp32",
            note=f"quantizing took {int8['quantize_s']:.0f} s once"),
        Row("variants", f"int8: teach {tok} tok ({details['chunks']} chunks)", "s", int8["teach_s"], fp32["teach_s"],
            "fp32", note=details["teach_note"]),
        Row("variants", "int8: max rel err of A", "rel", int8["max_rel_err_A"], None, "fp32",
            note=f"B: {int8['max_rel_err_B']:.2e}; max |int8 - fp32| / max |fp32|"),
        Row("variants", "int8: lora accuracy", "accuracy", int8["lora_accuracy"], fp32["lora_accuracy"], "fp32",
            note="same eval set as quality"),
    ]


def bias_rank(b: Bench) -> int:
    return int(b.svc.hypernet.config["hypernet"]["bias_rank"])


def bundle_bytes(bundle: Path) -> int:
    """Bytes of a bundle's files (graph, own weights, config); the base weights come from the GGUF."""
    return sum(p.stat().st_size for p in Path(bundle).iterdir() if p.is_file())


def variant_adapter(chunk_lora: Callable, chunks: Sequence[Sequence[int]], ref, rb: int):
    """An adapter from another graph's per-chunk (A, B), laid out like OnnxHypernet.adapter: bias block, then chunks.

    The bias block (learned, the same for every document) and the scale are taken from ``ref``, an fp32 adapter.
    """
    from engine.adapter import LoraAdapter

    As, Bs = [ref.A[:, :rb]], [ref.B[:, :, :rb]]  # (L, rb, d_ff), (L, d_model, rb)
    for ids in chunks:
        a, b = chunk_lora(ids)  # (L, r, d_ff), (L, d_model, r)
        As.append(a)
        Bs.append(b)
    return LoraAdapter(A=np.ascontiguousarray(np.concatenate(As, axis=1)), B=np.ascontiguousarray(np.concatenate(Bs, axis=2)),
                       scale=ref.scale, meta={**ref.meta, "n_chunks": str(len(chunks))})


def teach_with(b: Bench, chunk_lora: Callable, chunks, ref) -> float:
    """Seconds to make an adapter with ``chunk_lora``, write it and hot-load it; the adapter is dropped afterwards."""
    from export.gguf_adapter import write_gguf_adapter

    path = b.work / "variants" / f"teach-{time.monotonic_ns()}.gguf"
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    write_gguf_adapter(variant_adapter(chunk_lora, chunks, ref, bias_rank(b)), path, b.svc.spec)
    handle = b.rt.load_adapter(path)
    b.rt.set_active([(handle, 1.0)])
    seconds = time.perf_counter() - t0
    b.rt.set_active([])
    b.rt.unload_adapter(handle)
    path.unlink()
    return seconds


def variant_accuracy(b: Bench, chunk_lora: Callable, ref) -> float:
    """Adapter-mode accuracy on the quality eval set with adapters made by ``chunk_lora``."""
    from engine.evaluate import run_eval, summarise
    from engine.prompts import PromptFormat, encode_chunks
    from export.gguf_adapter import write_gguf_adapter

    svc, rt, cfg = b.svc, b.rt, b.cfg
    fmt, handles = PromptFormat(svc.spec.chat_template), []

    def teach(rec_id: str, document: str) -> str:
        chunks = encode_chunks(fmt, svc.tokenize, document, svc.hypernet.chunk_tokens)
        path = write_gguf_adapter(variant_adapter(chunk_lora, chunks, ref, bias_rank(b)),
                                  b.work / "variants" / f"eval-{rec_id}.gguf", svc.spec)
        handles.append(rt.load_adapter(path))
        return handles[-1]

    def answer(mode: str, question: str, document: str | None, handle: str | None) -> str:
        rt.set_active([(handle, 1.0)])
        return "".join(rt.generate(svc.prompt(question), max_tokens=cfg.eval_max_tokens)).strip()

    records = eval_records(cfg)
    bar = _bar(cfg, "int8 quality", sum(len(r.questions) for r in records))
    try:
        rows = run_eval(records, ("lora",), teach, answer, on_row=lambda r: bar.update(1))
    finally:
        bar.close()
        rt.set_active([])
        for h in handles:
            rt.unload_adapter(h)
    return summarise(rows)["lora"]["accuracy"]


class GraphHypernet:
    """A self-contained ONNX hypernetwork graph (weights inside, e.g. the int8 variant): one chunk -> (A, B)."""

    def __init__(self, path: Path, threads: int | None, providers: Sequence[str]):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = threads or 0
        self.session = ort.InferenceSession(str(path), opts, providers=list(providers))

    def chunk_lora(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        from engine.onnx_hypernet import INPUT_NAME, OUTPUT_NAMES

        a, b = self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: np.asarray(ids, dtype=np.int64)[None, :]})
        return a, b  # (L, r, d_ff), (L, d_model, r)


def make_int8(b: Bench, out_dir: Path) -> dict:
    """Materialise the shipped graph with its weights, quantize its MatMul/Gather weights to int8, open a session."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_dir.mkdir(parents=True, exist_ok=True)
    fp32_path, int8_path = out_dir / "hypernet.fp32.onnx", out_dir / "hypernet.int8.onnx"
    t0 = time.perf_counter()
    weight_bytes = materialise_graph(b.svc.hypernet.bundle, b.svc.spec, fp32_path)
    quantize_dynamic(fp32_path, int8_path, op_types_to_quantize=["MatMul", "Gather"], per_channel=True,
                     weight_type=QuantType.QInt8)
    quantize_s = time.perf_counter() - t0
    fp32_path.unlink()
    session_s, runner = timed(GraphHypernet, int8_path, b.svc.cfg.threads, b.svc.hypernet.providers)
    return {"runner": runner, "quantize_s": quantize_s, "session_s": session_s, "disk_bytes": int8_path.stat().st_size,
            "fp32_weight_bytes": weight_bytes, "method": "onnxruntime.quantization.quantize_dynamic, QInt8, per channel, "
            "MatMul + Gather weights (activations quantized at run time)"}


def materialise_graph(bundle: Path, spec: "BaseSpec", out: Path) -> int:
    """Write the bundle's graph with every external weight filled in (base from the GGUF, own from safetensors).

    Transpose(weight) nodes are folded into transposed weights so the quantizer sees MatMul(x, W).
    Returns the bytes of float32 weights written.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(Path(bundle) / "hypernet.onnx"), load_external_data=False)
    arrays = bundle_weights(bundle, spec, {i.name for i in model.graph.initializer})
    folded = fold_weight_transposes(model.graph, arrays)
    used = {i for n in model.graph.node for i in n.input}
    inits = [numpy_helper.from_array(arrays[i.name], i.name) if i.name in arrays else i
             for i in model.graph.initializer if i.name in used]
    inits += [numpy_helper.from_array(a, name) for name, a in folded.items()]
    del model.graph.initializer[:]
    model.graph.initializer.extend(inits)
    onnx.save(model, str(out))
    return sum(a.nbytes for name, a in arrays.items() if name in used) + sum(a.nbytes for a in folded.values())


def bundle_weights(bundle: Path, spec: "BaseSpec", names: set[str]) -> dict[str, np.ndarray]:
    """float32 arrays of the graph's external weights: base.* dequantized from the GGUF, hypernet.* from safetensors."""
    from safetensors.numpy import load_file

    from engine.gguf_weights import iter_weights
    from engine.onnx_hypernet import WEIGHTS_FILE

    arrays = {f"base.{k}": v for k, v in iter_weights(spec) if f"base.{k}" in names}
    own = load_file(str(Path(bundle) / WEIGHTS_FILE))
    arrays.update({f"hypernet.{k}": v.astype(np.float32) for k, v in own.items() if f"hypernet.{k}" in names})
    return arrays


def fold_weight_transposes(graph, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop each Transpose whose input is a weight in ``arrays``; return its output name -> the transposed weight."""
    folded, keep = {}, []
    for node in graph.node:
        if node.op_type == "Transpose" and node.input[0] in arrays:
            perm = next((list(a.ints) for a in node.attribute if a.name == "perm"), None)
            folded[node.output[0]] = np.ascontiguousarray(np.transpose(arrays[node.input[0]], perm))
        else:
            keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)
    return folded


SECTION_FUNCS: dict[str, Callable[[Bench], tuple[list[Row], dict]]] = {
    "teach": section_teach, "question": section_question, "swap": section_swap, "memory": section_memory,
    "quality": section_quality, "ingest": section_ingest, "variants": section_variants,
}


# -- machine, table, plot -------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(svc: "Lorafy") -> dict:
    import llama_cpp
    import onnxruntime

    rt, hn = svc.runtime, svc.hypernet
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpu": cpu_model(), "cores": os.cpu_count(),
            "platform": platform.platform(), "python": platform.python_version(), "llama_cpp": llama_cpp.__version__,
            "onnxruntime": onnxruntime.__version__, "onnx_providers": list(hn.providers),
            "llama_gpu_offload": bool(llama_cpp.llama_supports_gpu_offload()), "n_gpu_layers": rt.config.n_gpu_layers,
            "threads": rt.config.threads(), "n_ctx": rt.n_ctx, "base": svc.spec.name, "base_file": svc.spec.path.name,
            "base_sha256": svc.spec.sha256, "hypernet": hn.bundle.name, "hypernet_step": hn.config.get("step"),
            "rank_per_chunk": hn.rank, "chunk_tokens": hn.chunk_tokens}


def _config_dict(cfg: BenchConfig) -> dict:
    d = asdict(cfg)
    d["skip"] = sorted(cfg.skip)
    d["eval_set"] = str(cfg.eval_set) if cfg.eval_set else None
    return d


def fmt_value(v: float | None, unit: str) -> str:
    """A figure in its unit, short.

    >>> fmt_value(0.0423, "s"), fmt_value(2.5, "s"), fmt_value(4.05e6, "bytes"), fmt_value(0.5, "accuracy")
    ('42.3 ms', '2.50 s', '4.05 MB', '50%')
    """
    if v is None:
        return "n/a"
    if unit == "s":
        return f"{v * 1e3:.1f} ms" if v < 0.1 else f"{v * 1e3:.0f} ms" if v < 1 else f"{v:.2f} s"
    if unit == "bytes":
        return f"{v / 1e9:.2f} GB" if v >= 1e9 else f"{v / 1e6:.2f} MB" if v >= 1e6 else f"{v / 1e3:.1f} kB"
    if unit == "accuracy":
        return f"{v:.0%}"
    if unit == "files/min":
        return f"{v:.1f}/min"
    return f"{v:.2e}"


def format_table(results: dict) -> str:
    """The fixed-width report: machine line, one-time costs, then each section's rows with targets."""
    m, s = results["machine"], results["setup"]
    lines = [f"Lorafy bench  {m['date']}  {m['cpu']} ({m['cores']} cores, {m['threads']} threads)  "
             f"llama_cpp {m['llama_cpp']}, onnxruntime {m['onnxruntime']} [{', '.join(m['onnx_providers'])}]",
             f"base {m['base']} ({m['base_file']}, n_ctx {m['n_ctx']}), hypernetwork {m['hypernet']}",
             f"one-time: base check {fmt_value(s['base_check_s'], 's')}, base load {fmt_value(s['base_load_s'], 's')}, "
             f"hypernetwork session {fmt_value(s['session_create_s'], 's')}, first teach "
             f"{fmt_value(s['first_teach_s'], 's')}; ratio = ours / comparison", ""]
    head = f"  {'row':<44} {'ours':>10} {'comparison':>11} {'ratio':>8}  {'target':<18} {'ok':<5} note"
    for name, sec in results["sections"].items():
        lines.append(f"{name} — {'skipped' if sec.get('skipped') else VERSUS[name]}")
        if sec["rows"]:
            lines.append(head)
        for r in sec["rows"]:
            ratio = f"{r['ratio']:.3g}x" if r["ratio"] is not None else ""
            ok = {True: "pass", False: "FAIL", None: "-" if r["target"] else ""}[r["ok"]]
            lines.append(f"  {r['name']:<44} {fmt_value(r['ours'], r['unit']):>10} {fmt_value(r['comparison'], r['unit']):>11} "
                         f"{ratio:>8}  {r['target']:<18} {ok:<5} {r['note']}".rstrip())
        lines.append("")
    t = results["targets"]
    counts = [sum(r["ok"] is v for r in t) for v in (True, False, None)]
    lines.append(f"targets: {counts[0]} pass, {counts[1]} fail, {counts[2]} not evaluated (of {len(t)})")
    return "\n".join(lines)


def _bars(ax, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], unit: str) -> None:
    """Grouped bars on a log axis floored a decade below the smallest value, each labelled; a missing value says n/a."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    width, x = 0.8 / len(series), np.arange(len(labels))
    present = [v for _, vs in series for v in vs if v]
    for j, (name, values) in enumerate(series):
        xs = x + (j - (len(series) - 1) / 2) * width
        ax.bar(xs, [np.nan if v is None else v for v in values], width, label=name)
        for xi, v in zip(xs, values):
            text, y = ("n/a", min(present, default=1.0)) if v is None else (fmt_value(v, unit), v)
            ax.text(xi, y, text, ha="center", va="bottom", fontsize=7)
    if present:
        ax.set_yscale("log")
        ax.set_ylim(min(present) / 10, max(present) * 3)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_value(v, unit)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        ax.legend(fontsize=7, loc="upper left")


def plot(results: dict, path: Path) -> Path:
    """PNG with the key comparisons: teach vs prefill, first token adapter vs in-context, hot-swap vs reload, bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sec = results["sections"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), dpi=110)
    panels = [(axes[0][0], "teach", _teach_panel), (axes[0][1], "question", _question_panel),
              (axes[1][0], "swap", _swap_panel), (axes[1][1], "memory", _memory_panel)]
    for ax, name, draw in panels:
        if sec[name].get("skipped"):
            ax.text(0.5, 0.5, f"{name}: skipped", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            draw(ax, sec[name]["details"])
    m = results["machine"]
    fig.suptitle(f"Lorafy bench {m['date'][:10]}: {m['base_file']}, {m['cpu']} ({m['threads']} threads)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def _teach_panel(ax, d: dict) -> None:
    rows = d["by_size"]
    _bars(ax, "teach once (ours) vs one prefill of the document", [f"{r['size']} tok" for r in rows],
          [("teach + hot-load", [r["teach_s"] for r in rows]), ("llama.cpp prefill", [r["prefill_s"] for r in rows])],
          "s")


def _question_panel(ax, d: dict) -> None:
    rows = d["by_size"]
    _bars(ax, "time to first token: adapter vs document in prompt", [f"{r['size']} tok" for r in rows],
          [("adapter", [r["adapter_ttft_s"] for r in rows]), ("in-context", [r["icl_ttft_s"] for r in rows])], "s")


def _swap_panel(ax, d: dict) -> None:
    many = d["many"]
    labels = ["hot-swap", "reload"] + [f"{m['active']} active" if m["active"] else "base" for m in many]
    values = [d["swap_s"], d["reload_s"]] + [m["switch_first_s"] for m in many]
    _bars(ax, "switch + first token: hot-swap vs reload; set k active", labels, [("seconds", values)], "s")


def _memory_panel(ax, d: dict) -> None:
    rows = d["by_size"]
    _bars(ax, "adapter file vs f16 KV cache of the document", [f"{r['size']} tok" for r in rows],
          [("adapter", [r["adapter_bytes"] for r in rows]), ("KV cache", [r["kv_bytes"] for r in rows])], "bytes")


# -- command line ---------------------------------------------------------------------------------

def _csv_ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated token counts like 256,1024, got {text!r}") from None


def _csv_names(text: str) -> frozenset[str]:
    names = frozenset(x.strip() for x in text.split(",") if x.strip())
    if names - set(SECTIONS):
        raise argparse.ArgumentTypeError(f"unknown section(s) {sorted(names - set(SECTIONS))}; choose from {', '.join(SECTIONS)}")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``lorafy bench`` (the global --base/--hypernet/--threads/--cpu reach make_service)."""
    parser.add_argument("--quick", action="store_true", help="a smoke run (< 5 min on 2 CPU cores): sizes 256,1024, "
                        "one repeat, 3 eval documents, 10 ingested files")
    parser.add_argument("--json", type=Path, dest="json_out", metavar="OUT", help="write every figure and the machine here")
    parser.add_argument("--plot", type=Path, metavar="OUT.png", help="write a PNG of the key comparisons here")
    parser.add_argument("--sizes", type=_csv_ints, default=None,
                        help="document sizes in tokens (default 256,1024,4096,16384; with --quick 256,1024)")
    parser.add_argument("--skip", type=_csv_names, default=frozenset(), help=f"sections to leave out: {','.join(SECTIONS)}")
    parser.add_argument("--eval-set", type=Path, default=None,
                        help=f"JSONL eval set for the quality rows (default bench/data/{EVAL_SET})")


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    kw: dict[str, Any] = {"skip": frozenset(args.skip)}
    if args.sizes:
        kw["sizes"] = tuple(args.sizes)
    if args.eval_set:
        kw["eval_set"] = args.eval_set
    return BenchConfig.quick(**kw) if args.quick else BenchConfig(**kw)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (np.generic,)):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def write_json(results: dict, path: Path) -> Path:
    from engine.atomic import atomic_write_bytes

    return atomic_write_bytes(path, (json.dumps(results, indent=1, default=_jsonable) + "\n").encode(), mode=0o644)


def run(args: argparse.Namespace, make_service: Callable[[Path], "Lorafy"]) -> dict:
    """``lorafy bench``: measure in a scratch home (deleted afterwards), print the table, write JSON / PNG if asked."""
    cfg = config_from_args(args)
    with tempfile.TemporaryDirectory(prefix="lorafy-bench-") as tmp:
        svc = make_service(Path(tmp) / "home")
        try:
            results = measure(svc, cfg, Path(tmp))
        finally:
            svc.close()
    print(format_table(results))
    if args.json_out:
        write_json(results, args.json_out)
    if args.plot:
        plot(results, args.plot)
    return results
