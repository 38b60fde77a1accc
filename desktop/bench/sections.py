"""The measuring sections (teach, question, swap, memory, quality, ingest): each returns (rows, details)."""
from __future__ import annotations

import shutil
import statistics
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from desktop.bench.config import (RSS_LIBRARY_TARGET, RSS_SETUP_TARGET, TARGET_TOKENS, TOO_LONG, BenchConfig, Row,
                                  with_target)
from desktop.bench.measure import (Bench, Taught, ensure_taught, eval_records, kv_cache_bytes, measure_prefill,
                                   median_pair, median_seconds, progress_bar, rss_bytes, sized_document,
                                   small_documents, time_generation, timed)
from engine.core.memory import return_free_memory

if TYPE_CHECKING:  # the service is built by the caller (cli.py); only its type is named here
    from desktop.service import Lorafy
    from engine.infer.runtime import Runtime


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
    bar = progress_bar(b.cfg, "questions", len(b.taught))
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
    bar = progress_bar(cfg, "hot-swap", 2 * cfg.swap_repeats + cfg.reload_repeats)
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
            Row("swap", "switch alone (set_active: park + restore KV)", "s", set_only, reload_s, "reload")]
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
    from engine.infer.runtime import Runtime

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
                  note=adapter_note(b, t))
        rows.append(with_target(row, "<= 0.05x", max_ratio=0.05) if n == TARGET_TOKENS else row)
        by_size.append({"size": n, "tokens": t.tokens, "adapter_bytes": t.adapter_bytes, "kv_bytes": kv})
    setup, base_only = b.setup, b.setup.get("rss_base_only_bytes")
    for key, name in (("rss_after_setup_bytes", "RSS after set-up"), ("rss_after_first_teach_bytes", "RSS after a teach")):
        row = Row("memory", name, "bytes", setup.get(key), base_only, "RSS of the base alone",
                  note="base (llama.cpp) + hypernetwork session")
        rows.append(with_target(row, "<= 1 GB", max_ours=RSS_SETUP_TARGET) if key == "rss_after_setup_bytes" else row)
    rss = library_rss(b)
    cap = b.svc.cfg.max_loaded_adapters
    labels = {"disk": "in library, on disk only", "loaded": "loaded at once (llama.cpp), not active",
              "used": f"activated one after another (<= {cap} kept loaded)"}
    for where, label in labels.items():
        ref = rss[where][0]
        for k, v in rss[where].items():
            if k:
                row = Row("memory", f"RSS, {k} adapters {label}", "bytes", v, ref, "RSS with 0",
                          note=f"copies of the {min(b.taught)}-tok adapter")
                used_100 = where == "used" and k == 100
                rows.append(with_target(row, "<= 1.2 GB", max_ours=RSS_LIBRARY_TARGET) if used_100 else row)
    return rows, {"by_size": by_size, "rss": rss, "library_adapter": b.taught[min(b.taught)].item.adapter,
                  "kv_formula": "2 * n_layer * n_tokens * n_kv_head * head_dim * 2 bytes (f16)"}


def rank_of(b: Bench, t: Taught) -> int:
    """Rank of the adapter taught from document ``t``, as the bundle's adapter layout records it (copy slots included)."""
    return b.svc.hypernet.layout.rank(t.chunks)
def adapter_note(b: Bench, t: Taught) -> str:
    """Rank and storage as the adapter file holds them (compact adapters no longer grow with the chunks)."""
    from engine.core.adapter_file import validate_adapter_file

    info = validate_adapter_file(b.svc.library.adapter_path(t.item), b.svc.spec)
    return f"rank {info.rank}, {info.dtype}, {t.chunks} chunks"


def library_rss(b: Bench) -> dict[str, dict[int, int | None]]:
    """RSS with 0/10/100 copies of the smallest adapter in the library: on disk only, loaded into llama.cpp at once,
    then activated one after another by the service (which unloads the least recently used)."""
    svc, counts = b.svc, sorted(b.cfg.library_counts)
    src = b.taught[min(b.taught)].item
    copies, out = [], {"disk": {}, "loaded": {}}
    for k in range(counts[-1] + 1):
        if k in counts:
            out["disk"][k] = rss_bytes()
        if k < counts[-1]:
            copies.append(copy_into_library(svc, src, f"bench-copy-{k}"))
    handles, out["used"] = [], {}
    try:
        for k in range(counts[-1] + 1):
            if k in counts:
                out["loaded"][k] = rss_bytes()
            if k < counts[-1]:
                handles.append(b.rt.load_adapter(svc.library.adapter_path(copies[k])))
        for h in handles:
            b.rt.unload_adapter(h)
        handles = []
        return_free_memory()  # as Lorafy.activate does after unloading
        for k in range(counts[-1] + 1):  # as answers use them: Lorafy.activate keeps cfg.max_loaded_adapters loaded
            if k in counts:
                out["used"][k] = rss_bytes()
            if k < counts[-1]:
                svc.activate([copies[k].id])
        svc.activate([])
    finally:
        for h in handles:
            b.rt.unload_adapter(h)
        for item in copies:
            svc.forget(item.id)
    return out


def copy_into_library(svc: "Lorafy", src, name: str):
    """A new library item whose adapter file is a byte copy of ``src``'s."""
    item = replace(src, id=svc.library.new_id(), name=name)
    item = replace(item, adapter=f"{item.id}.gguf")
    shutil.copyfile(svc.library.adapter_path(src), svc.library.adapter_path(item))
    return svc.library.add(item)


def section_quality(b: Bench) -> tuple[list[Row], dict]:
    from engine.eval.evaluate import MODES, run_eval, summarise

    svc, cfg = b.svc, b.cfg
    records = eval_records(cfg)
    bar = progress_bar(cfg, "quality", sum(len(r.questions) for r in records) * len(MODES))
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
    bar = progress_bar(b.cfg, "ingest", 2 * n)
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


