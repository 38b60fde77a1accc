"""The library database and the ingestion queue: no duplicate work, edits replace, deletes after a grace period, crash recovery."""
from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from ingest_fakes import FakeService

from desktop.ingest.watch import Indexer, InlineOwner, WatchConfig
from desktop.store.db import connection
from desktop.store.library import Item, Library, LibraryError
from engine.core.adapter_file import validate_adapter_file

FAST = WatchConfig(debounce_s=0.0, settle_s=0.0, grace_s=0.0, poll_s=0.01, recover_min_age_s=0.0)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def setup(tmp_path, tiny_spec, make_adapter):
    """(service, indexer over tmp/docs, docs folder)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    return svc, Indexer(InlineOwner(svc), [docs], FAST, pipeline="test"), docs


def jobs(svc) -> list[tuple[str, int]]:
    with connection(svc.library.db_path) as con:
        return [(r["state"], r["attempts"]) for r in con.execute("SELECT state, attempts FROM jobs ORDER BY id")]


def check_invariants(lib: Library) -> None:
    """Every listed adapter exists, validates and matches its content name; nothing else is in adapters/."""
    items = lib.items()
    for item in items:
        validate_adapter_file(lib.adapter_path(item), None)
    with connection(lib.db_path) as con:
        rows = {r["file"]: r["sha256"] for r in con.execute("SELECT file, sha256 FROM adapters")}
    from engine.core.base import sha256_file
    for file, sha in rows.items():
        assert sha256_file(lib.adapters_dir / file) == sha and file == f"{sha}.gguf"
    assert sorted(p.name for p in lib.adapters_dir.iterdir()) == sorted({i.adapter for i in items})
    assert lib.quick_check() == "ok"


def test_duplicate_events_and_copies_make_no_new_work(setup):
    svc, ix, docs = setup
    (docs / "a.txt").write_text("Petra owns the bakery on Harbour Street.")
    ix.run_once()
    assert len(svc.taught) == 1
    ix.hint(docs / "a.txt", 0.0)
    ix.hint(docs / "a.txt", 0.0)
    ix.run_once()
    (docs / "copy of a.txt").write_text("Petra owns the bakery on Harbour Street.")
    ix.run_once()
    assert len(svc.taught) == 1 and jobs(svc) == [("done", 1)]
    a, b = (ix.queue.document(os.fsencode(docs / n)) for n in ("a.txt", "copy of a.txt"))
    assert a.status == b.status == "indexed" and a.item_id == b.item_id
    check_invariants(svc.library)


def test_renames_of_unchanged_files_make_no_new_work(setup):
    svc, ix, docs = setup
    for i in range(5):
        (docs / f"f{i}.md").write_text(f"# Note {i}\nfact number {i}\n")
    ix.run_once()
    before = {i.id for i in svc.library.items()}
    for i in range(5):
        os.rename(docs / f"f{i}.md", docs / f"renamed {i}.md")
    ix.run_once()
    assert len(svc.taught) == 5 and svc.forgotten == []
    assert {i.id for i in svc.library.items()} == before
    assert sorted(Path(d.display).name for d in ix.queue.documents()) == [f"renamed {i}.md" for i in range(5)]
    check_invariants(svc.library)


def test_edit_replaces_the_adapter(setup):
    svc, ix, docs = setup
    f = docs / "notes.txt"
    f.write_text("The bakery opens at seven.")
    ix.run_once()
    old = svc.library.items()[0]
    f.write_text("The bakery opens at eight.")
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    ix.run_once()
    (new,) = svc.library.items()
    assert new.id != old.id and svc.forgotten == [old.id]
    assert not svc.library.adapter_path(old).exists() and svc.library.adapter_path(new).is_file()
    assert ix.queue.document(os.fsencode(f)).item_id == new.id
    check_invariants(svc.library)


def test_delete_is_forgotten_only_after_the_grace_period(tmp_path, tiny_spec, make_adapter):
    docs = tmp_path / "docs"
    docs.mkdir()
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    ix = Indexer(InlineOwner(svc), [docs], WatchConfig(debounce_s=0, settle_s=0, grace_s=0.6, poll_s=0.01), pipeline="t")
    (docs / "a.txt").write_text("short lived fact")
    ix.run_once()
    (item,) = svc.library.items()
    (docs / "a.txt").unlink()
    ix._rescan()
    ix._purge_missing(ix.cfg.grace_s)
    assert svc.library.items() == [item] and ix.queue.document(os.fsencode(docs / "a.txt")).missing_since
    time.sleep(0.7)
    ix._purge_missing(ix.cfg.grace_s)
    assert svc.library.items() == [] and svc.forgotten == [item.id]
    assert not svc.library.adapter_path(item).exists() and ix.queue.documents() == []


def test_save_by_rename_within_the_grace_period_keeps_the_item(tmp_path, tiny_spec, make_adapter):
    docs = tmp_path / "docs"
    docs.mkdir()
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    ix = Indexer(InlineOwner(svc), [docs], WatchConfig(debounce_s=0, settle_s=0, grace_s=30, poll_s=0.01), pipeline="t")
    (docs / "a.txt").write_text("kept fact")
    ix.run_once()
    (docs / "a.txt").rename(docs / "a.txt~")  # editor: move away, write anew, delete the backup
    ix._rescan()
    (docs / "a.txt").write_text("kept fact")
    (docs / "a.txt~").unlink()
    ix.hint(docs / "a.txt", 0.0)  # what the observer's "created" event does
    ix._drain(None, 10)
    ix._purge_missing(ix.cfg.grace_s)
    assert len(svc.taught) == 1 and svc.forgotten == [] and len(svc.library.items()) == 1
    assert ix.queue.document(os.fsencode(docs / "a.txt")).missing_since is None


def test_refusals_are_per_file_and_the_queue_keeps_going(setup):
    svc, ix, docs = setup
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (docs / "good.txt").write_text("a fine fact")
    (docs / "weird\nname ü.md").write_text("# T\nunicode name")
    (docs / os.fsdecode(b"bad\xff.txt")).write_text("undecodable name bytes")  # not UTF-8: kept as bytes
    ix.run_once()
    status = {Path(d.display).name: (d.status, d.reason) for d in ix.queue.documents()}
    assert status["empty.txt"] == ("refused", "the file is empty")
    assert status["binary.txt"][0] == "refused" and "binary" in status["binary.txt"][1]
    assert status["good.txt"][0] == status["weird\nname ü.md"][0] == status["bad\ufffd.txt"][0] == "indexed"
    assert len(svc.taught) == 3


def test_failures_are_retried_then_reported(setup):
    svc, ix, docs = setup
    svc.fail_times = 5
    (docs / "a.txt").write_text("unlucky fact")
    ix.run_once()
    doc = ix.queue.documents()[0]
    assert doc.status == "failed" and "simulated model failure" in doc.reason
    assert jobs(svc) == [("failed", FAST.max_attempts)]


def test_crash_leftovers_are_cleaned_and_the_interrupted_job_runs_once(setup, tiny_spec):
    svc, ix, docs = setup
    (docs / "a.txt").write_text("first fact")
    ix.run_once()
    (docs / "b.txt").write_text("second fact")
    # a crash mid-teach of b.txt: its job was claimed (running), a temp adapter and a renamed but unrecorded adapter remain
    st = os.stat(docs / "b.txt")
    from desktop.ingest.queue import IngestQueue
    q = IngestQueue(svc.library)
    q.observe(os.fsencode(docs / "b.txt"), os.fsencode(docs), __import__("hashlib").sha256(b"second fact").hexdigest(),
              st.st_size, st.st_mtime_ns, "test")
    assert q.claim(3) is not None
    home = svc.library.home
    (home / "adapters" / ".x.0123abcd.tmp").write_bytes(b"GGUF half")
    (home / "adapters" / ("0" * 64 + ".gguf")).write_bytes(b"GGUF unrecorded")
    (home / ".settings.json.89abcdef.tmp").write_bytes(b"x")
    ix.library.unlock()  # the crashed process's lock dies with it
    # reopen: a new process with a new library and indexer
    svc2 = FakeService(home, tiny_spec, svc.make_adapter)
    ix2 = Indexer(InlineOwner(svc2), [docs], FAST, pipeline="test")
    ix2.run_once()
    rec = ix2.recovered
    assert rec.requeued_jobs == 1 and sorted(rec.temp_removed) == [".settings.json.89abcdef.tmp", ".x.0123abcd.tmp"]
    assert rec.orphans_removed == ["0" * 64 + ".gguf"] and rec.quick_check == "ok"  # moved into quarantine/
    assert (home / "quarantine" / ("0" * 64 + ".gguf")).read_bytes() == b"GGUF unrecorded"
    assert svc2.taught == ["second fact"] and jobs(svc2) == [("done", 1), ("done", 2)]
    check_invariants(svc2.library)


def test_a_listed_adapter_whose_file_vanished_is_dropped_and_requeued(setup, tiny_spec):
    svc, ix, docs = setup
    (docs / "a.txt").write_text("fact")
    ix.run_once()
    (item,) = svc.library.items()
    svc.library.adapter_path(item).unlink()
    ix.stop()
    svc2 = FakeService(svc.library.home, tiny_spec, svc.make_adapter)
    ix2 = Indexer(InlineOwner(svc2), [docs], FAST, pipeline="test")
    ix2.run_once()
    assert ix2.recovered.broken_items == [item.id] and svc2.taught == ["fact"]
    check_invariants(svc2.library)


def test_a_second_indexer_does_not_recover_while_the_first_holds_the_lock(setup, tiny_spec):
    svc, ix, docs = setup
    ix.run_once()
    other = Indexer(InlineOwner(FakeService(svc.library.home, tiny_spec, svc.make_adapter)), [docs], FAST, pipeline="test")
    other.run_once()
    assert ix.recovered is not None and other.recovered is None
    ix.stop()
    other.run_once()
    assert other.recovered is not None


def test_an_adapter_that_fails_validation_is_never_recorded(tmp_path, tiny_spec):
    lib = Library(tmp_path / "home")
    item = Item(id="x1", name="n", kind="memory", source="text", tokens=1, chunks=1, created=0.0, adapter="",
                base_sha256="")
    with pytest.raises(Exception, match="GGUF"):
        lib.commit_adapter(item, lambda p: Path(p).write_bytes(b"GGUF but not really"), tiny_spec)
    assert lib.items() == [] and list(lib.adapters_dir.iterdir()) == []


def test_private_file_modes(setup):
    svc, ix, docs = setup
    (docs / "a.txt").write_text("private fact")
    ix.run_once()
    home = svc.library.home
    assert mode(home) == 0o700 and mode(home / "adapters") == 0o700
    for name in ("lorafy.db", "lorafy.db-wal", "lorafy.db-shm", "ingest.lock"):
        if (home / name).exists():
            assert mode(home / name) == 0o600, name
    (item,) = svc.library.items()
    assert mode(svc.library.adapter_path(item)) == 0o600
    assert sorted(os.listdir(docs)) == ["a.txt"]  # nothing written into the watched folder


def test_library_json_is_migrated_and_the_old_api_still_works(tmp_path, tiny_spec, make_adapter):
    home = tmp_path / "home"
    (home / "adapters").mkdir(parents=True)
    from export.gguf_adapter import write_gguf_adapter
    write_gguf_adapter(make_adapter(tiny_spec, rank=2), home / "adapters" / "abc123.gguf", tiny_spec)
    old = {"id": "abc123", "name": "notes", "kind": "memory", "source": "/x/notes.txt", "tokens": 5, "chunks": 1,
           "created": 1.0, "adapter": "abc123.gguf", "base_sha256": "s", "teach_seconds": 0.1}
    (home / "library.json").write_text(json.dumps({"schema_version": 1, "items": [old]}))
    lib = Library(home)
    (item,) = lib.items()
    assert item == Item(**old) and lib.resolve("notes") == item and lib.resolve("abc123") == item
    assert not (home / "library.json").exists() and (home / "library.json.migrated").exists()
    assert Library(home).items() == [item]  # opening again does not migrate twice
    copy = lib.add(Item(**{**old, "id": lib.new_id(), "name": "copy"}))  # two items may share one adapter file
    lib.remove("notes")
    assert lib.adapter_path(copy).is_file()
    lib.remove(copy.id)
    assert not lib.adapter_path(copy).exists() and lib.items() == []
    with pytest.raises(LibraryError, match="no memory or skill"):
        lib.resolve("notes")
