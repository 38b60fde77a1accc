"""Bad inputs through the whole queue (real parse sandbox): each ends as a clear per-file status, the rest is taught.

Parser-level refusals are in test_parsers; empty/binary/invalid names in test_ingest_queue; symlinks and chmod 000
in test_watch. Here: encrypted and truncated PDFs, deeply nested HTML, odd file names, files deleted mid-processing.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from ingest_fakes import FakeService, check_library, temp_files
from make_docs import make_pdf

from desktop.ingest.watch import Indexer, InlineOwner, WatchConfig

FAST = WatchConfig(debounce_s=0.0, settle_s=0.0, grace_s=0.0, poll_s=0.01, recover_min_age_s=0.0)


@pytest.fixture
def setup(tmp_path, tiny_spec, make_adapter):
    docs = tmp_path / "docs"
    docs.mkdir()
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    events = []
    return svc, Indexer(InlineOwner(svc), [docs], FAST, on_event=events.append, pipeline="test"), docs, events


def status(ix: Indexer) -> dict[str, tuple[str, str]]:
    return {Path(d.display).name: (d.status, d.reason) for d in ix.queue.documents()}


def test_damaged_documents_are_refused_with_reasons_and_the_queue_keeps_going(setup):
    svc, ix, docs, _ = setup
    (docs / "locked.pdf").write_bytes(make_pdf(["the secret"], encrypt=True))
    (docs / "truncated.pdf").write_bytes(make_pdf(["Hello there"])[:150])
    (docs / "deep.html").write_bytes(b"<div>" * 20000 + b"the deep fact" + b"</div>" * 20000)
    (docs / "good.pdf").write_bytes(make_pdf(["Harbour Street bakery"]))
    (docs / "tab\tand\nnewline ✓ 日本.txt").write_text("an odd but valid name")
    (docs / "good.txt").write_text("a fine fact")
    ix.run_once()
    st = status(ix)
    assert st["locked.pdf"][0] == "refused" and "password-protected" in st["locked.pdf"][1]
    assert st["truncated.pdf"][0] == "refused" and "damaged" in st["truncated.pdf"][1]
    # nested 20,000 deep: either its text is taught or it is refused saying why; never a crash or a silent drop
    assert st["deep.html"] == ("indexed", "") or (st["deep.html"][0] == "refused" and "nested" in st["deep.html"][1])
    for name in ("good.pdf", "tab\tand\nnewline ✓ 日本.txt", "good.txt"):
        assert st[name] == ("indexed", ""), (name, st[name])
    assert not any("secret" in t for t in svc.taught)
    assert len(svc.taught) == 3 + (st["deep.html"][0] == "indexed")
    sha = ix.queue.document(os.fsencode(docs / "tab\tand\nnewline ✓ 日本.txt")).content_sha256
    item = next(i for i in svc.library.items() if (i.content_sha256, i.pipeline) == (sha, "test"))
    assert item.source == str(docs / "tab\tand\nnewline ✓ 日本.txt")
    check_library(svc.library)


@pytest.mark.parametrize("when", ["before-reading", "while-parsing"])
def test_a_file_deleted_mid_processing_leaves_nothing_and_the_queue_keeps_going(setup, monkeypatch, when):
    svc, ix, docs, events = setup
    (docs / "a.txt").write_text("first fact")
    (docs / "gone.txt").write_text("a fact whose file disappears")
    (docs / "z.txt").write_text("last fact")
    gone = docs / "gone.txt"
    if when == "before-reading":  # the job is claimed, then the file vanishes before its bytes are read
        real_emit = ix._emit

        def emit(kind, path, *a, **k):
            if kind == "started" and path == os.fsencode(gone):
                gone.unlink()
            return real_emit(kind, path, *a, **k)
        monkeypatch.setattr(ix, "_emit", emit)
    else:  # the bytes were read; the file vanishes while the parser runs
        import desktop.ingest.jobs as jobs
        real_parse = jobs.parse_in_sandbox

        def parse(data, name, limits):
            if name == str(gone):
                gone.unlink()
            return real_parse(data, name, limits)
        monkeypatch.setattr(jobs, "parse_in_sandbox", parse)
    ix.run_once()
    assert status(ix) == {"a.txt": ("indexed", ""), "z.txt": ("indexed", "")}
    assert sorted(i.source for i in svc.library.items()) == [str(docs / "a.txt"), str(docs / "z.txt")]
    kinds = [e.kind for e in events if e.path == str(gone)]
    assert "missing" in kinds and "indexed" not in kinds[kinds.index("missing"):]
    check_library(svc.library)
    assert temp_files(svc.library.home) == []


def test_a_file_deleted_mid_processing_keeps_a_clear_status_during_the_grace_period(tmp_path, tiny_spec, make_adapter,
                                                                                    monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    ix = Indexer(InlineOwner(svc), [docs], WatchConfig(debounce_s=0, settle_s=0, grace_s=60, poll_s=0.01,
                                                       recover_min_age_s=0), pipeline="test")
    (docs / "gone.txt").write_text("a fact whose file disappears")
    import desktop.ingest.jobs as jobs
    real_parse = jobs.parse_in_sandbox

    def parse(data, name, limits):
        Path(name).unlink()
        return real_parse(data, name, limits)
    monkeypatch.setattr(jobs, "parse_in_sandbox", parse)
    ix._recover()
    ix._rescan()
    ix._drain(None, 20)
    (doc,) = ix.queue.documents()
    assert doc.missing_since is not None  # shown as missing at once, forgotten after the grace period
    assert ix.status().missing == 1
