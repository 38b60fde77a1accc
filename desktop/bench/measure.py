"""The bench's shared state (service, documents taught once, prefill timings) and its timing helpers."""
from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from desktop.bench.config import EVAL_SET, KV_BYTES_F16, BenchConfig
from engine.data.records import Record, TokenCounter

if TYPE_CHECKING:  # the service is built by the caller (cli.py); only its type is named here
    from desktop.service import Lorafy
    from engine.infer.runtime import Runtime


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


def progress_bar(cfg: BenchConfig, desc: str, total: int):
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
    item: Any  # desktop.store.library.Item

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


def measure_setup(b: Bench) -> dict:
    """One-time costs, kept out of every per-document figure: base check and load, session creation, first runs."""
    svc = b.svc
    t_spec, _ = timed(lambda: svc.spec)
    t_rt, rt = timed(lambda: svc.runtime)
    rss_base = rss_bytes()
    t_hn, _ = timed(lambda: svc.hypernet)
    rss0 = rss_bytes()
    warm = "The sky is blue. The grass is green. " * 8
    t_first, item = timed(svc.teach_text, warm, "bench-warmup")
    rss_taught = rss_bytes()
    svc.forget(item.id)
    t_prefill, _ = timed(rt.logits, svc.tokenize(svc.prompt("What colour is the sky?", warm)))
    return {"base_check_s": t_spec, "base_load_s": t_rt, "session_create_s": t_hn, "first_teach_s": t_first,
            "first_prefill_s": t_prefill, "rss_base_only_bytes": rss_base, "rss_after_setup_bytes": rss0,
            "rss_after_first_teach_bytes": rss_taught}


def ensure_taught(b: Bench) -> None:
    """Build and teach each sized document once (its timing repeats included); later sections reuse them."""
    if b.taught:
        return
    bar = progress_bar(b.cfg, "teach", sum(b.cfg.reps(n) for n in b.cfg.sizes))
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


def eval_records(cfg: BenchConfig) -> list[Record]:
    """The fixed eval set: cfg.eval_set, else bench/data/facts_test_20.jsonl, else rebuilt from its recorded seed."""
    from engine.data.records import read_jsonl

    path = cfg.eval_set or Path(__file__).resolve().parents[2] / "bench" / "data" / EVAL_SET
    if path.is_file():
        records = read_jsonl(path)
    elif cfg.eval_set is None:
        from engine.data.eval_sets import SETS

        records = SETS[EVAL_SET]()
    else:
        raise FileNotFoundError(f"{path}: no eval set here; pass --eval-set FILE.jsonl or leave it out")
    return records[: cfg.eval_limit]


