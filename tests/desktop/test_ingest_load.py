"""Load on the live watcher (watchdog, the indexer thread, ModelOwner): 200 files at once, 100 renames, a busy file.

The fake service commits real GGUF adapters without a model; parsing runs inline (the sandbox's ~70 ms start per
file is tested in test_parsers and would dominate 200 files on a busy CI core).
"""
from __future__ import annotations

import os
import resource
import time
import tracemalloc
from pathlib import Path

import pytest
from ingest_fakes import FakeService, check_library, inline_parse

from desktop.ingest.watch import Indexer, WatchConfig
from desktop.owner import ModelOwner

N_DROP, N_RENAME = 200, 100
FILE_BYTES = 4096
# tracemalloc peak (all threads) while 200 files are taught: ~2 MiB alone, ~5 MiB under pytest (log capture);
# reading each file with a cap-sized (64 MiB) buffer, as the indexer once did, made it 64+ MiB
PEAK_BOUND = 12 << 20
LIVE = WatchConfig(debounce_s=0.2, settle_s=0.1, grace_s=0.5, rescan_s=60, poll_s=0.05, recover_min_age_s=0)


@pytest.fixture(autouse=True)
def no_sandbox(monkeypatch):
    monkeypatch.setattr("desktop.ingest.jobs.parse_in_sandbox", inline_parse)


def wait_for(cond, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def live(tmp_path, tiny_spec, make_adapter):
    docs = tmp_path / "docs"
    docs.mkdir()
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    owner = ModelOwner(svc)
    ix = Indexer(owner, [docs], LIVE, pipeline="t")
    ix.start()
    try:
        yield svc, ix, docs
    finally:
        ix.stop()
        owner.close()


def indexed(ix: Indexer) -> dict[str, str]:
    return {Path(d.display).name: d.item_id for d in ix.queue.documents() if d.status == "indexed"}


def test_200_files_at_once_then_100_renames(live):
    svc, ix, docs = live
    filler = "lorem ipsum dolor sit amet " * (FILE_BYTES // 27)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        for i in range(N_DROP):
            (docs / f"note {i:03d}.txt").write_text(f"note {i}: {filler}")
        wait_for(lambda: len(indexed(ix)) == N_DROP, 50, f"{N_DROP} indexed files")
        took = time.monotonic() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    rss_delta = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0  # KiB; only grows past an earlier peak
    items = svc.library.items()
    assert len(svc.taught) == N_DROP and len(set(svc.taught)) == N_DROP  # each file taught once
    assert len(items) == N_DROP and len({i.adapter for i in items}) == N_DROP  # exactly 200 adapters, no duplicates
    assert len(os.listdir(svc.library.adapters_dir)) == N_DROP
    check_library(svc.library)
    print(f"{N_DROP} files ({FILE_BYTES} B each) indexed in {took:.1f} s; tracemalloc peak {peak / 2**20:.1f} MiB, "
          f"max RSS grew {rss_delta / 1024:.1f} MiB")
    assert peak < PEAK_BOUND, f"peak {peak / 2**20:.1f} MiB"

    before = {i.id for i in items}
    t0 = time.monotonic()
    for i in range(N_RENAME):
        os.rename(docs / f"note {i:03d}.txt", docs / f"renamed {i:03d}.txt")
    want = {f"renamed {i:03d}.txt" for i in range(N_RENAME)} | {f"note {i:03d}.txt" for i in range(N_RENAME, N_DROP)}
    wait_for(lambda: set(indexed(ix)) == want and len(ix.queue.documents()) == N_DROP, 60, "the renames")
    time.sleep(LIVE.grace_s + 0.5)  # past the grace period of the old names: nothing may be forgotten
    assert len(svc.taught) == N_DROP and svc.forgotten == []  # zero new adapters
    assert {i.id for i in svc.library.items()} == before and set(indexed(ix)) == want
    print(f"{N_RENAME} renames settled in {time.monotonic() - t0:.1f} s, no new adapter")
    check_library(svc.library)


def test_a_file_rewritten_20_times_is_taught_at_most_twice(tmp_path, tiny_spec, make_adapter):
    """20 writes in 10 s (every 0.5 s) against a 2 s debounce, scaled 5x down: every 0.1 s, debounce 0.4 s."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "other.txt").write_text("a quiet file")
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    owner = ModelOwner(svc)
    ix = Indexer(owner, [docs], WatchConfig(debounce_s=0.4, settle_s=0.2, grace_s=0.5, rescan_s=60, poll_s=0.05,
                                            recover_min_age_s=0), pipeline="t")
    ix.start()
    try:
        wait_for(lambda: "other.txt" in indexed(ix), 20, "the start-up scan")
        busy = docs / "busy.md"
        t0 = time.monotonic()
        for k in range(20):
            busy.write_text(f"# Draft\nrevision {k} of the busy note\n")
            time.sleep(max(0.0, t0 + 0.1 * (k + 1) - time.monotonic()))
        wrote = time.monotonic() - t0
        final = "# Draft\nrevision 19 of the busy note\n"
        wait_for(lambda: final in svc.taught and "busy.md" in indexed(ix), 20, "the final revision")
        time.sleep(1.0)  # anything still pending would show up now
    finally:
        ix.stop()
        owner.close()
    regenerations = [t for t in svc.taught if "busy note" in t]
    print(f"20 writes in {wrote:.1f} s -> {len(regenerations)} regeneration(s)")
    assert 1 <= len(regenerations) <= 2 and regenerations[-1] == final
    (item,) = [i for i in svc.library.items() if i.source.endswith("busy.md")]  # older ones were replaced
    check_library(svc.library)
