"""The indexer end to end: a live watcher on a temp folder (threads, watchdog, ModelOwner), and `lorafy watch --once` / `teach DIR`."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from ingest_fakes import FakeService
from make_docs import make_docx, make_pdf

from desktop.cli import main
from desktop.ingest.filecheck import is_ignored
from desktop.ingest.watch import Indexer, InlineOwner, WatchConfig
from desktop.owner import ModelOwner

LIVE = WatchConfig(debounce_s=0.1, settle_s=0.1, grace_s=0.5, rescan_s=60, poll_s=0.05, recover_min_age_s=0)


def wait_for(cond, timeout: float = 20.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if (got := cond()):
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def by_name(ix: Indexer) -> dict[str, tuple[str, str]]:
    return {Path(d.display).name: (d.status, d.reason) for d in ix.queue.documents()}


def test_ignore_rules():
    for name in ("~$report.docx", ".~lock.notes.odt#", "a.swp", "notes.txt~", "x.tmp", "big.part", "f.crdownload",
                 ".DS_Store", ".hidden.md", "adapter.gguf", "model.onnx"):
        assert is_ignored(name), name
    assert not any(is_ignored(n) for n in ("notes.txt", "report.docx", "a~b.md"))


def test_live_watcher_teaches_edits_and_forgets(tmp_path, tiny_spec, make_adapter):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "early.txt").write_text("present before start")
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    owner = ModelOwner(svc)
    events = []
    ix = Indexer(owner, [docs], LIVE, on_event=events.append, pipeline="t")
    ix.start()
    try:
        wait_for(lambda: by_name(ix).get("early.txt", ("",))[0] == "indexed", what="the start-up scan")
        (docs / "sub" / "notes.md").write_text("# Bakery\nPetra owns it.")
        (docs / "report.docx").write_bytes(make_docx([("Intro", "the report")]))
        (docs / "paper.pdf").write_bytes(make_pdf(["page one text"]))
        for junk in ("~$report.docx", ".hidden.txt", "notes.md.swp", "adapter.gguf", "draft.txt.part"):
            (docs / junk).write_bytes(b"junk")
        (docs / "fake.txt").write_bytes(bytes(range(256)))
        os.symlink(tmp_path / "outside.txt", docs / "link.txt")
        (tmp_path / "outside.txt").write_text("secret outside the root")
        os.symlink(docs / "loop.txt", docs / "loop.txt")
        wait_for(lambda: len([s for s, _ in by_name(ix).values() if s in ("indexed", "refused")]) == 7, what="7 files")
        st = by_name(ix)
        assert {n: s for n, (s, _) in st.items()} == {
            "early.txt": "indexed", "notes.md": "indexed", "report.docx": "indexed", "paper.pdf": "indexed",
            "fake.txt": "refused", "link.txt": "refused", "loop.txt": "refused"}
        assert "outside the watched folder" in st["link.txt"][1] and "loop" in st["loop.txt"][1]
        assert len(svc.taught) == 4 and not any("secret" in t for t in svc.taught)
        status = ix.status()
        assert (status.state, status.indexed, status.refused, status.queued, status.running) == ("running", 4, 3, 0, 0)

        old = {i.source: i.id for i in svc.library.items()}
        (docs / "early.txt").write_text("edited after start")  # edit -> a new adapter replaces the old
        wait_for(lambda: svc.forgotten == [old[str(docs / "early.txt")]], what="the edit")
        (docs / "sub" / "notes.md").unlink()  # delete -> forgotten after the grace period
        wait_for(lambda: len(svc.forgotten) == 2, what="the delete")
        assert svc.forgotten[1] == old[str(docs / "sub" / "notes.md")]

        ix.pause()
        (docs / "later.txt").write_text("written while paused")
        time.sleep(1.0)
        assert ix.status().state == "paused" and "written while paused" not in svc.taught
        ix.resume()
        wait_for(lambda: "written while paused" in svc.taught, what="resume")
    finally:
        ix.stop()
        owner.close()
    kinds = {e.kind for e in events}
    assert {"indexed", "refused", "replaced", "removed", "started"} <= kinds
    assert ix.status().state == "stopped"
    assert sorted(os.listdir(docs / "sub")) == []  # nothing written into the watched folder


def test_a_missing_root_is_offline_not_deleted(tmp_path, tiny_spec, make_adapter):
    docs = tmp_path / "usb"
    docs.mkdir()
    (docs / "a.txt").write_text("on the stick")
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    events = []
    ix = Indexer(InlineOwner(svc), [docs], WatchConfig(debounce_s=0, settle_s=0, grace_s=0), on_event=events.append,
                 pipeline="t")
    ix.run_once()
    shutil.move(docs, tmp_path / "unplugged")
    st = ix.run_once()
    assert len(svc.library.items()) == 1 and svc.forgotten == [] and st.roots == ((str(docs), False),)
    assert "offline" in {e.kind for e in events}
    shutil.move(tmp_path / "unplugged", docs)
    ix.run_once()
    assert len(svc.taught) == 1 and by_name(ix) == {"a.txt": ("indexed", "")}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions and a non-root user")
def test_unreadable_file_is_refused(tmp_path, tiny_spec, make_adapter):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "locked.txt").write_text("no access")
    os.chmod(docs / "locked.txt", 0)
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    ix = Indexer(InlineOwner(svc), [docs], WatchConfig(debounce_s=0, settle_s=0), pipeline="t")
    ix.run_once()
    status, reason = by_name(ix)["locked.txt"]
    assert status == "refused" and "permission" in reason.lower()


def test_forget_root_forgets_its_memories(tmp_path, tiny_spec, make_adapter):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("one")
    (docs / "b.txt").write_text("two")
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    ix = Indexer(InlineOwner(svc), [docs], WatchConfig(debounce_s=0, settle_s=0), pipeline="t")
    ix.run_once()
    assert len(ix.forget_root(docs)) == 2 and svc.library.items() == [] and ix.queue.documents() == []
    assert sorted(os.listdir(docs)) == ["a.txt", "b.txt"]  # the user's files are untouched


# -- the real service on the tiny base: lorafy watch --once, lorafy teach DIR ------------------------------------
@pytest.fixture(scope="module")
def common(tiny_spec, tiny_bundle) -> list[str]:
    return ["--base", str(tiny_spec.path), "--hypernet", str(tiny_bundle[0]), "--threads", "1", "--cpu"]


def test_cli_watch_once_and_teach_folder(tmp_path, common, capsys):
    docs, home = tmp_path / "docs", tmp_path / "home"
    docs.mkdir()
    (docs / "notes.txt").write_text("Lindqvist Bakery is owned by Petra Lindqvist.")
    (docs / "paper.pdf").write_bytes(make_pdf(["The printer on floor 3 is called Heron."]))
    (docs / "bad.txt").write_bytes(bytes(range(256)))
    assert main(["--home", str(home), *common, "watch", str(docs), "--once", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    st = {Path(d["path"]).name: d["status"] for d in out["documents"]}
    assert st == {"notes.txt": "indexed", "paper.pdf": "indexed", "bad.txt": "refused"}
    assert out["status"]["indexed"] == 2 and out["status"]["refused"] == 1
    rc = main(["--home", str(home), *common, "ask", "Who owns it?", "--use", "paper", "--max-tokens", "2", "--json"])
    assert rc == 0 and json.loads(capsys.readouterr().out)["mode"] == "adapter"

    (docs / "more.md").write_text("# Hours\nOpen at seven.")
    rc = main(["--home", str(home), *common, "teach", str(docs), "--json"])  # a folder: only new content is taught
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and [r["path"] for r in out["refused"]] == [str(docs / "bad.txt")]
    assert sorted(i["name"] for i in out["items"]) == ["more", "notes", "paper"]
    assert {i["name"]: i["content_sha256"] != "" for i in out["items"]} == {"more": True, "notes": True, "paper": True}
    rc = main(["--home", str(home), *common, "list", "--json"])
    assert len(json.loads(capsys.readouterr().out)["items"]) == 3  # teaching the folder again made no duplicates
