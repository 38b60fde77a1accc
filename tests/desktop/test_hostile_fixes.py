"""Defects an adversarial pass found in teach/watch/forget/export and the home: each test failed before its fix."""
from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest
from ingest_fakes import FakeService, inline_parse

import desktop.ingest.jobs as jobs_mod
from desktop.ingest.watch import Indexer, InlineOwner, WatchConfig

ONE_SHOT = WatchConfig(settle_s=0.0, recover_min_age_s=60.0)


@pytest.fixture
def svc(tmp_path, tiny_spec, make_adapter, monkeypatch):
    monkeypatch.setattr(jobs_mod, "parse_in_sandbox", inline_parse)
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


def add_item(svc, text: str, name: str):
    return svc.teach_text(text, name)


def test_recovery_never_deletes_adapters_it_does_not_list(svc, tmp_path):
    item = add_item(svc, "kept", "kept")
    lib = svc.library
    adapter = lib.adapter_path(item)
    foreign = lib.adapters_dir / "users-own.gguf"
    foreign.write_bytes(b"GGUF not ours")
    user_tmp = lib.adapters_dir / ".draft.tmp"
    user_tmp.write_bytes(b"someone's temp")
    own_tmp = lib.adapters_dir / f".{item.id}.0123abcd.tmp"
    own_tmp.write_bytes(b"half-written")
    old = time.time() - 3600
    for p in (adapter, foreign, user_tmp, own_tmp):
        os.utime(p, (old, old))
    for name in ("lorafy.db", "lorafy.db-wal", "lorafy.db-shm"):  # the damaged-database advice: move it away
        if (lib.home / name).exists():
            (lib.home / name).rename(tmp_path / name)
    from desktop.store.library import Library

    rec = Library(lib.home).recover(min_age_s=60)
    q = lib.home / "quarantine"
    assert sorted(p.name for p in q.iterdir()) == sorted([adapter.name, "users-own.gguf", ".draft.tmp"])
    assert (q / adapter.name).read_bytes()[:4] == b"GGUF" and not own_tmp.exists()
    assert sorted(rec.orphans_removed) == sorted([adapter.name, "users-own.gguf", ".draft.tmp"])


def test_existing_home_keeps_its_mode(tmp_path, caplog):
    from desktop.store.library import Library

    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    with caplog.at_level("WARNING"):
        Library(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert "readable or writable by other users" in caplog.text
    fresh = tmp_path / "a" / "fresh"
    Library(fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    assert stat.S_IMODE((fresh / "adapters").stat().st_mode) == 0o700


def test_forget_needs_a_name_a_full_id_or_a_long_prefix(svc):
    from desktop.store.library import LibraryError

    a = add_item(svc, "first text", "first")
    lib = svc.library
    for key in ("", " ", a.id[0], a.id[:5]):
        with pytest.raises(LibraryError):
            lib.remove(key)
    assert lib.items() == [a]
    named = add_item(svc, "second text", a.id[:6])  # a name that is also a prefix of another id: the name wins
    assert lib.resolve(a.id[:6]) == named
    assert lib.resolve(a.id) == a and lib.resolve("first") == a
    lib.remove(named.id)
    assert lib.resolve(a.id[:6]) == a


def test_export_into_the_home_is_refused(svc):
    from desktop.service import Lorafy, ServiceConfig

    a = add_item(svc, "text", "victim")
    s = Lorafy(ServiceConfig(home=svc.library.home))
    for out in (s.library.home, s.library.home / "adapters", s.library.home / "x" / ".."):
        with pytest.raises(ValueError, match="inside the Lorafy home"):
            s.export(a.id, "gguf", out)
    assert [p.name for p in s.library.adapters_dir.iterdir()] == [a.adapter]


def test_corrupt_database_gives_one_clear_error(svc, capsys, tmp_path):
    from desktop.cli import main

    add_item(svc, "text", "a")
    db = svc.library.db_path
    for name in ("lorafy.db-wal", "lorafy.db-shm"):
        (db.parent / name).unlink(missing_ok=True)
    data = bytearray(db.read_bytes())
    page = 4096
    for i in range(page, len(data), 7):  # every page past the header scrambled
        data[i] = (data[i] * 31 + 7) % 256
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    for argv in (["list"], ["forget", "a"], ["teach", str(tmp_path / "nothing.txt")], ["export", "a", "--out", str(tmp_path / "o")]):
        capsys.readouterr()
        rc = main(["--home", str(db.parent), *argv])
        err = capsys.readouterr().err
        assert rc == 2 and "the library database is damaged" in err and "Traceback" not in err, (argv, err)
    assert db.read_bytes() == before


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_teaching_again_regenerates_a_damaged_adapter(svc, tmp_path, damage):
    from engine.core.adapter_file import validate_adapter_file

    f = tmp_path / "a.txt"
    f.write_text("a fact worth keeping")
    (doc,) = teach(svc, [f])
    item = svc.library.item(doc.item_id)
    path = svc.library.adapter_path(item)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) - 100] ^= 0x01
    os.chmod(path, 0o600)
    path.write_bytes(bytes(data))
    (doc,) = teach(svc, [f])
    assert doc.status == "indexed"
    again = svc.library.item(doc.item_id)
    validate_adapter_file(svc.library.adapter_path(again), None)
    assert len(svc.library.items()) == 1 and len(svc.taught) == 2


def test_a_native_parser_abort_names_the_memory_limit(monkeypatch):
    import sys

    import desktop.ingest.sandbox as sandbox
    from desktop.ingest.parsers import ParseLimits, ParseRefused

    monkeypatch.setattr(sandbox, "child_command", lambda: [sys.executable, "-c", "import os; os.abort()"])
    with pytest.raises(ParseRefused) as e:
        sandbox.parse_in_sandbox(b"%PDF-1.4 ...", "bomb.pdf", ParseLimits(memory_mb=512))
    assert "512 MiB memory limit" in str(e.value) and "SIGABRT" in str(e.value)


@pytest.fixture(scope="module")
def common(tiny_spec, tiny_bundle) -> list[str]:
    return ["--base", str(tiny_spec.path), "--hypernet", str(tiny_bundle[0]), "--threads", "1", "--cpu"]


ESC_NAME = "notes\x1b]0;pwned\x07\x1b[2J"


def test_bad_names_are_refused_before_teaching(tmp_path, common, capsys):
    from desktop.cli import main

    f = tmp_path / "a.txt"
    f.write_text("a fact")
    home = tmp_path / "home"
    for name in ("bad\udcff", ESC_NAME, "x" * 500, "  "):
        capsys.readouterr()
        assert main(["--home", str(home), *common, "teach", str(f), "--name", name]) == 2
        err = capsys.readouterr().err
        assert "\x1b" not in err and "name" in err, err
    assert list((home / "adapters").iterdir()) == []


def test_names_and_paths_are_printed_escaped(tmp_path, common, capsys):
    from desktop.cli import main

    d = tmp_path / "d"
    d.mkdir()
    (d / f"{ESC_NAME}.txt").write_text("the escape file")
    home = str(tmp_path / "home")
    capsys.readouterr()
    assert main(["--home", home, *common, "watch", "--once", str(d)]) == 0
    assert main(["--home", home, *common, "list"]) == 0
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\x07" not in out.out + out.err
    assert "indexed" in out.out and "notes" in out.out


def test_export_of_long_and_escaped_names(svc, tmp_path, tiny_spec):
    from desktop.service import Lorafy, ServiceConfig

    long_name = "ж" * 200
    a = svc.teach_text("long", name=long_name)
    b = svc.teach_text("escape", name=ESC_NAME)
    s = Lorafy(ServiceConfig(home=svc.library.home, base_path=tiny_spec.path))
    out = tmp_path / "out"
    p1 = s.export(a.id, "gguf", out)
    p2 = s.export(b.id, "peft", out)
    assert len(p1.name.encode()) <= 255 and p1.is_file()
    assert "\x1b" not in p2.name and "\x07" not in p2.name and p2.is_dir()


def test_a_named_symlink_to_a_folder_is_taught_as_that_folder(svc, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("inside the linked folder")
    os.symlink(real, tmp_path / "link")
    docs = teach(svc, [tmp_path / "link"])
    assert [(Path(d.display).name, d.status) for d in docs] == [("a.txt", "indexed")]
