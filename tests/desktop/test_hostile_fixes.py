"""Defects an adversarial pass found in teach/watch/forget/export and the home: each test failed before its fix."""
from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest
from ingest_fakes import FakeService, inline_parse

import desktop.ingest.watch as watch_mod
from desktop.ingest.watch import Indexer, InlineOwner, WatchConfig

ONE_SHOT = WatchConfig(settle_s=0.0, recover_min_age_s=60.0)


@pytest.fixture
def svc(tmp_path, tiny_spec, make_adapter, monkeypatch):
    monkeypatch.setattr(watch_mod, "parse_in_sandbox", inline_parse)
    return FakeService(tmp_path / "home", tiny_spec, make_adapter)


def teach(svc, paths, cfg=ONE_SHOT):
    return Indexer(InlineOwner(svc), cfg=cfg, pipeline="t").teach_paths(paths)


def test_teach_dir_does_not_follow_a_symlink_out_of_the_folder(svc, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the launch code is 0000")
    d = tmp_path / "d"
    d.mkdir()
    (d / "real.txt").write_text("a real note")
    os.symlink(secret, d / "notes.txt")
    docs = {Path(x.display).name: x for x in teach(svc, [d])}
    assert docs["notes.txt"].status == "refused" and "outside the watched folder" in docs["notes.txt"].reason
    assert docs["real.txt"].status == "indexed"
    assert svc.taught == ["a real note"]


def test_teach_dir_follows_a_symlink_that_stays_inside(svc, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "real.txt").write_text("inside")
    os.symlink(d / "real.txt", d / "alias.txt")
    docs = {Path(x.display).name: x.status for x in teach(svc, [d])}
    assert docs == {"alias.txt": "indexed", "real.txt": "indexed"}


def test_teach_fifo_is_refused_without_opening_it(svc, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    os.mkfifo(d / "pipe.txt")
    (d / "after.txt").write_text("taught after the pipe")
    out = []
    t = threading.Thread(target=lambda: out.append(teach(svc, [d])), daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), "teach DIR hung on a FIFO"
    docs = {Path(x.display).name: x for x in out[0]}
    assert docs["pipe.txt"].status == "refused" and "FIFO" in docs["pipe.txt"].reason
    assert docs["after.txt"].status == "indexed"


def test_teach_dev_zero_is_refused(svc):
    (doc,) = teach(svc, [Path("/dev/zero")])
    assert doc.status == "refused" and "character device" in doc.reason
    assert svc.library.items() == []


def test_watch_reports_a_fifo(svc, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    os.mkfifo(d / "pipe.md")
    ix = Indexer(InlineOwner(svc), [d], ONE_SHOT, pipeline="t")
    st = ix.run_once(timeout=20)
    (doc,) = ix.queue.documents()
    assert doc.status == "refused" and "FIFO" in doc.reason and st.refused == 1


def test_killed_teach_leaves_no_stuck_job(svc, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("hello there")
    ix = Indexer(InlineOwner(svc), cfg=ONE_SHOT, pipeline="t")
    ix.add_paths([f])
    assert ix.queue.claim(3) is not None  # a `teach` killed here leaves the job running
    from desktop.store.library import Library

    again = FakeService.__new__(FakeService)
    again.__dict__.update(svc.__dict__, library=Library(svc.library.home))
    (doc,) = teach(again, [f])
    assert doc.status == "indexed", (doc.status, doc.reason)


def test_watch_once_ends_while_a_file_keeps_changing(svc, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    log = d / "app.log.txt"
    log.write_text("start\n")
    stop = threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            n += 1
            with open(log, "a") as f:
                f.write(f"line {n}\n")
            time.sleep(0.05)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        cfg = WatchConfig(settle_s=0.3, max_settle_s=1.0, recover_min_age_s=60.0, poll_s=0.05)
        ix = Indexer(InlineOwner(svc), [d], cfg, pipeline="t")
        t0 = time.monotonic()
        ix.run_once(timeout=30)
        took = time.monotonic() - t0
    finally:
        stop.set()
        t.join()
    (doc,) = ix.queue.documents()
    assert took < 10 and doc.status == "refused" and "kept changing" in doc.reason
