"""Crash safety of ingestion: SIGKILL at random points, an advancing I/O failure point, and a full disk.

Every scenario ends with the library's invariants (ingest_fakes.check_library): listed adapters exist, validate and
match their hashes, nothing unlisted or temporary is left, ``PRAGMA integrity_check`` passes. The fake service commits
real GGUF adapters without running a model; parsing runs inline (the sandbox is tested in test_parsers).
"""
from __future__ import annotations

import errno
import hashlib
import math
import multiprocessing
import os
import random
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest
from ingest_fakes import FakeService, check_library, inline_parse, temp_files

import export.gguf_adapter as gguf_adapter
from desktop.ingest.queue import IngestQueue
from desktop.ingest.watch import Indexer, InlineOwner, WatchConfig
from desktop.store.db import connection

FAST = WatchConfig(debounce_s=0.0, settle_s=0.0, grace_s=0.0, poll_s=0.01, recover_min_age_s=0.0)
KILL_ITERATIONS = int(os.environ.get("LORAFY_KILL_ITERATIONS", "50"))  # a benchmark run may ask for more
N_FILES = 4


@pytest.fixture(autouse=True)
def no_sandbox(monkeypatch):
    monkeypatch.setattr("desktop.ingest.jobs.parse_in_sandbox", inline_parse)


@pytest.fixture
def commit_log(monkeypatch):
    """Count commits per content: the job's commit hook also inserts into a test table, in the same transaction."""
    real = IngestQueue.committer

    def committer(self, job):
        record = real(self, job)

        def logged(con: sqlite3.Connection, item) -> None:
            record(con, item)
            con.execute("CREATE TABLE IF NOT EXISTS test_commits (content_sha256 TEXT NOT NULL)")
            con.execute("INSERT INTO test_commits VALUES (?)", (job.content_sha256,))
        return logged

    monkeypatch.setattr(IngestQueue, "committer", committer)


def commits(lib) -> Counter:
    with connection(lib.db_path) as con:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'test_commits'").fetchone():
            return Counter()
        return Counter(r[0] for r in con.execute("SELECT content_sha256 FROM test_commits"))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write(path: Path, text: str, stamp: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(stamp, stamp))  # distinct mtimes even on coarse clocks


def _teach_folder(home: Path, docs: Path, spec, make_adapter, finished=None) -> None:
    """The killed process: a fresh service and indexer over ``docs``, one `watch --once` pass.

    ``finished`` (a shared double) receives the child's own ``time.monotonic()`` at the end, so that the parent learns
    how long a run really took, not how long it slept before a kill that came too late.
    """
    Indexer(InlineOwner(FakeService(home, spec, make_adapter)), [docs], FAST, pipeline="test").run_once()
    if finished is not None:
        finished.value = time.monotonic()


def _check_settled(svc: FakeService, ix: Indexer, contents: dict[str, str]) -> None:
    """Every file is indexed with an item of its current content; no other item (orphans forgotten)."""
    docs = {Path(d.display).name: d for d in ix.queue.documents()}
    assert sorted(docs) == sorted(contents)
    items = {i.id: i for i in svc.library.items()}
    for name, text in contents.items():
        d = docs[name]
        assert (d.status, d.content_sha256) == ("indexed", sha(text)), (name, d.status, d.reason)
        assert items[d.item_id].content_sha256 == sha(text)
    assert sorted(i.content_sha256 for i in items.values()) == sorted(sha(t) for t in contents.values())
    check_library(svc.library)
    assert temp_files(svc.library.home) == []


def _restart_and_check(home: Path, docs: Path, spec, make_adapter, contents: dict[str, str]) -> int:
    """Restart after a (possible) kill: recover, finish the work, check; return how many jobs the kill interrupted."""
    lib_before = FakeService(home, spec, make_adapter).library
    with connection(lib_before.db_path) as con:
        interrupted = con.execute("SELECT COUNT(*) FROM jobs WHERE state = 'running'").fetchone()[0]
    done_before = commits(lib_before)
    svc = FakeService(home, spec, make_adapter)
    ix = Indexer(InlineOwner(svc), [docs], FAST, pipeline="test")
    ix.run_once()
    assert ix.recovered is not None and ix.recovered.quick_check == "ok"
    ix.library.unlock()
    _check_settled(svc, ix, contents)
    done = commits(svc.library)
    assert all(n == 1 for n in done.values()), "a content was committed twice"
    # the restart taught exactly what the killed process had not committed, once each
    assert Counter(sha(t) for t in svc.taught) == done - done_before
    assert {sha(t) for t in contents.values()} <= set(done)
    return interrupted


def test_sigkill_at_random_points_then_restart(tmp_path, tiny_spec, make_adapter, commit_log):
    """Kill a teaching process at a random moment, restart, check the invariants; KILL_ITERATIONS times."""
    rng = random.Random(1234)
    home, docs = tmp_path / "home", tmp_path / "docs"
    docs.mkdir()
    contents = {f"f{k}.txt": f"file {k} first version" for k in range(N_FILES)}
    stamp = time.time_ns()
    for name, text in contents.items():
        stamp += 10**6
        write(docs / name, text, stamp)
    FakeService(home, tiny_spec, make_adapter)  # create the home before the first child
    ctx = multiprocessing.get_context("fork")  # the child inherits the patches and imports: starts in milliseconds
    finished = ctx.Value("d", 0.0, lock=False)  # CLOCK_MONOTONIC is system-wide: the child's stamp is comparable
    estimate, killed, rounds, interrupted_jobs, t_start = math.inf, 0, 0, 0, time.monotonic()
    it = 0
    # rounds 0-2 calibrate (none is killed); then kill rounds go on until KILL_ITERATIONS were run and at least half
    # of them landed mid-run, at most 2 * KILL_ITERATIONS (a machine where kills never land still fails the test)
    while it < 3 or (rounds < KILL_ITERATIONS or killed < KILL_ITERATIONS // 2) and rounds < 2 * KILL_ITERATIONS:
        # round 0 teaches every file; rounds 1 and 2 time an edit round (the faster one is the estimate: one slow
        # first round, e.g. cold caches, once made most kills land after the child had finished)
        calibrating = it < 3
        if it:  # each round edits two files (new content: new adapters, the old ones are forgotten)
            for name in rng.sample(sorted(contents), 2):
                contents[name] = f"{name} version {it}"
                stamp += 10**6
                write(docs / name, contents[name], stamp)
        finished.value = 0.0
        child = ctx.Process(target=_teach_folder, args=(home, docs, tiny_spec, make_adapter, finished))
        t0 = time.monotonic()
        child.start()
        if not calibrating:
            rounds += 1
            time.sleep(rng.uniform(0.0, estimate))
            child.kill()
        child.join(30)
        assert child.exitcode is not None, "the teaching process hung"
        if child.exitcode == -signal.SIGKILL:
            killed += 1
        else:
            assert child.exitcode == 0 and finished.value > t0
            took = finished.value - t0  # the run itself, not the sleep before a kill that came too late
            if it in (1, 2):
                estimate = min(estimate, took)
            elif it > 2:
                estimate = 0.8 * estimate + 0.2 * took
        interrupted_jobs += _restart_and_check(home, docs, tiny_spec, make_adapter, contents)
        it += 1
    elapsed = time.monotonic() - t_start
    print(f"{rounds} rounds, {killed} killed mid-run, {interrupted_jobs} running jobs interrupted, "
          f"{elapsed:.1f} s; calibrated run {estimate * 1000:.0f} ms")
    assert killed >= KILL_ITERATIONS // 2, f"only {killed} of {rounds} kills landed mid-run"
    assert interrupted_jobs >= 1, "no kill landed while a job was running"


class FailAt:
    """Make the Nth write/fsync/replace (counted together) raise; ``sticky``: every later one too (a dying disk)."""

    def __init__(self, n: int, sticky: bool, err: int = errno.EIO):
        self.n, self.sticky, self.err, self.calls, self.raised = n, sticky, err, 0, 0

    def wrap(self, fn, partial_write: bool = False):
        def wrapper(*args, **kwargs):
            self.calls += 1
            if self.calls == self.n or (self.sticky and self.calls > self.n):
                self.raised += 1
                if partial_write:  # a write dies half-way: some bytes reach the temp file first
                    Path(args[0]).write_bytes(b"GGUF\x03\x00")
                raise OSError(self.err, os.strerror(self.err))
            return fn(*args, **kwargs)
        return wrapper

    def install(self, monkeypatch) -> None:
        monkeypatch.setattr(os, "fsync", self.wrap(os.fsync))
        monkeypatch.setattr(os, "replace", self.wrap(os.replace))
        monkeypatch.setattr(gguf_adapter, "_write", self.wrap(gguf_adapter._write, partial_write=True))


def some_files(docs: Path, names: str = "abc") -> dict[str, str]:
    docs.mkdir()
    contents = {f"{n}.txt": f"fact {n} for the failure loop" for n in names}
    for name, text in contents.items():
        (docs / name).write_text(text)
    return contents


@pytest.mark.parametrize("sticky", [False, True], ids=["once", "from-then-on"])
def test_advancing_failure_point(tmp_path, tiny_spec, make_adapter, monkeypatch, sticky):
    """N = 1, 2, ...: the Nth write/fsync/replace fails; the run goes on; the library stays consistent; it heals."""
    n = 0
    while True:
        n += 1
        assert n < 200, "the failure loop does not terminate"
        home, docs = tmp_path / f"home{n}", tmp_path / f"docs{n}"
        contents = some_files(docs, "ab")
        svc = FakeService(home, tiny_spec, make_adapter)
        fail = FailAt(n, sticky)
        with monkeypatch.context() as m:
            fail.install(m)
            ix = Indexer(InlineOwner(svc), [docs], FAST, pipeline="test")
            ix.run_once()
            ix.library.unlock()
        check_library(svc.library)
        assert temp_files(home) == []
        if not fail.raised:
            break
        st = {Path(d.display).name: d for d in ix.queue.documents()}
        for d in st.values():
            assert d.status == "indexed" or (d.status == "failed" and "Input/output error" in d.reason), (d.status, d.reason)
        if not sticky:  # one failure: the retry succeeds within the same run
            _check_settled(svc, ix, contents)
        else:  # restart on a healthy disk; `lorafy teach DIR` re-teaches what failed
            svc2 = FakeService(home, tiny_spec, make_adapter)
            ix2 = Indexer(InlineOwner(svc2), [docs], FAST, pipeline="test")
            ix2.teach_paths([docs])
            ix2.library.unlock()
            _check_settled(svc2, ix2, contents)
    # the clean run made this many calls; every one of them was a failure point once
    assert fail.calls == n - 1 and n - 1 >= 6 * len(contents), f"only {n - 1} failure points"
    print(f"sticky={sticky}: {n - 1} failure points")


def test_disk_full_is_a_clean_per_file_error_and_keeps_the_old_state(tmp_path, tiny_spec, make_adapter, monkeypatch):
    docs = tmp_path / "docs"
    contents = some_files(docs)
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    ix = Indexer(InlineOwner(svc), [docs], FAST, pipeline="test")
    ix.run_once()
    before = {i.id: i for i in svc.library.items()}
    files_before = sorted(os.listdir(svc.library.adapters_dir))
    (docs / "a.txt").write_text("fact a, edited while the disk is full")
    os.utime(docs / "a.txt", ns=(time.time_ns() + 10**9,) * 2)
    (docs / "d.txt").write_text("a new fact while the disk is full")
    fail = FailAt(1, sticky=True, err=errno.ENOSPC)
    with monkeypatch.context() as m:
        m.setattr(gguf_adapter, "_write", fail.wrap(gguf_adapter._write, partial_write=True))
        ix.run_once()
    st = {Path(d.display).name: d for d in ix.queue.documents()}
    for name in ("a.txt", "d.txt"):
        assert st[name].status == "failed" and "disk is full" in st[name].reason, st[name].reason
    assert {n: st[n].status for n in ("b.txt", "c.txt")} == {"b.txt": "indexed", "c.txt": "indexed"}
    # old state intact: a.txt's previous adapter is still listed, valid, and a.txt still points at it
    assert {i.id: i for i in svc.library.items()} == before and st["a.txt"].item_id in before
    assert sorted(os.listdir(svc.library.adapters_dir)) == files_before
    check_library(svc.library)
    assert temp_files(svc.library.home) == [] and fail.raised >= 2
    # space is back: teaching the folder again replaces a.txt's adapter and teaches d.txt
    ix.teach_paths([docs])
    contents.update({"a.txt": "fact a, edited while the disk is full", "d.txt": "a new fact while the disk is full"})
    _check_settled(svc, ix, contents)
