"""IndexerQueue (Qt-free, model-free): files through the Indexer's durable queue, watched folders, edits, pasted skills, pause, batch events; settings and conversations files."""
from __future__ import annotations

import json
import os
import time

import pytest
from ingest_fakes import FakeService

from desktop.ingest.teach_queue import IndexerQueue, QueueStatus
from desktop.ingest.watch import WatchConfig
from desktop.owner import ModelOwner
from desktop.store.conversations import ConversationStore, Message
from desktop.store.settings import Settings, SettingsError, load_settings, save_settings

FAST = WatchConfig(debounce_s=0.05, settle_s=0.05, grace_s=0.2, rescan_s=60, poll_s=0.02, recover_min_age_s=0)


def wait(pred, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


@pytest.fixture
def make_queue(tmp_path, tiny_spec, make_adapter):
    """``make_queue(folders=())`` -> (started IndexerQueue, FakeService, events list); closed after the test."""
    made = []

    def make(folders=(), start=True):
        svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
        owner = ModelOwner(svc)
        events = []
        q = IndexerQueue(owner, folders, on_event=events.append, cfg=FAST, pipeline="t")
        made.append((q, owner))
        if start:
            q.start()
        return q, svc, events

    yield make
    for q, owner in made:
        q.close()
        owner.close()


def test_dropped_files_teach_in_order_with_a_reason_for_the_refused_one(make_queue, tmp_path):
    q, svc, events = make_queue()
    files = []
    for i, text in enumerate(["one", " \n", "three"]):
        files.append(tmp_path / f"f{i}.txt")
        files[-1].write_text(text)
    jobs = q.add_paths(files)
    assert [(j.name, j.state) for j in jobs] == [("f0", "queued"), ("f1", "queued"), ("f2", "queued")]
    assert wait(lambda: events and events[-1].kind == "batch_done")
    assert svc.taught == ["one", "three"] and not q.status().busy
    (failed,) = q.jobs()
    assert (failed.name, failed.state) == ("f1", "failed") and "empty" in failed.error
    kinds = [e.kind for e in events]
    assert kinds.count("batch_done") == 1 and kinds.count("done") == 2 and kinds.count("failed") == 1
    assert (events[-1].status.done, events[-1].status.failed) == (2, 1)
    assert q.add_paths([files[0]]) == []  # taught before: linked, nothing new
    (tmp_path / "copy.txt").write_text("one")
    assert q.add_paths([tmp_path / "copy.txt"]) == [] and svc.taught == ["one", "three"]  # same content: no new job
    q.dismiss(failed.id)
    assert q.jobs() == []


def test_a_watched_folder_teaches_new_files_and_an_edit_replaces_the_item(make_queue, tmp_path):
    folder = tmp_path / "teach"
    folder.mkdir()
    (folder / "a.md").write_text("first version")
    q, svc, events = make_queue([folder])
    assert wait(lambda: [i.name for i in svc.library.items()] == ["a"])
    old = svc.library.items()[0].id
    (folder / "a.md").write_text("second version")
    assert wait(lambda: any(e.kind == "replaced" for e in events))
    (ev,) = [e for e in events if e.kind == "replaced"]
    (new,) = svc.library.items()
    assert (ev.old_item_id, ev.item_id) == (old, new.id) and new.id != old and svc.forgotten == [old]
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.txt").write_text("in the second folder")
    q.set_folders([folder, other])
    assert wait(lambda: sorted(i.name for i in svc.library.items()) == ["a", "b"])


def test_pause_holds_files_until_resume_and_skills_teach_at_once(make_queue, tmp_path):
    q, svc, events = make_queue()
    assert wait(lambda: q.indexer.status().state == "running")
    q.pause()
    (tmp_path / "held.txt").write_text("held back")
    q.add_paths([tmp_path / "held.txt"])
    assert q.status().paused and q.status().label() == "paused (0 of 1)"
    job = q.add_text("Answer in French.", "french")
    assert wait(lambda: [i.name for i in svc.library.items()] == ["french"])
    assert svc.library.items()[0].kind == "skill" and "held back" not in svc.taught
    q.resume()
    assert wait(lambda: "held back" in svc.taught)
    assert any(e.kind == "done" and e.job.id == job.id for e in events)
    with pytest.raises(ValueError, match="empty"):
        q.add_text("   ", "x")


def test_a_queued_file_can_be_cancelled_and_taught_again_when_given_again(make_queue, tmp_path):
    from desktop.ingest.queue import CANCELLED

    q, svc, events = make_queue()
    assert wait(lambda: q.indexer.status().state == "running")
    q.pause()  # keeps both files queued
    for name in ("keep", "skip", "twin"):
        (tmp_path / f"{name}.txt").write_text(f"{name} text" if name != "twin" else "skip text")  # twin: same content
    jobs = {j.name: j for j in q.add_paths([tmp_path / "keep.txt", tmp_path / "skip.txt", tmp_path / "twin.txt"])}
    assert {j.state for j in jobs.values()} == {"queued"}
    assert q.cancel(jobs["skip"].id) and not q.cancel(jobs["skip"].id)  # only a queued file
    assert not q.cancel("doc:/no/such/file.txt")
    (cancelled,) = [j for j in q.jobs() if j.name == "skip"]
    assert cancelled.state == "failed" and cancelled.error == CANCELLED
    assert any(e.kind == "failed" and e.job and e.job.name == "skip" for e in events)
    q.resume()
    assert wait(lambda: sorted(svc.taught) == ["keep text", "skip text"])  # the twin took the job over
    q.indexer.hint(str(tmp_path / "skip.txt"), delay=0.0)  # looked at again as a watcher would
    time.sleep(0.5)
    assert [d.reason for d in q.indexer.queue.unfinished()] == [CANCELLED]  # unchanged: stays cancelled
    q.add_paths([tmp_path / "skip.txt"])  # given again (a drop, `lorafy teach`): taught, linked to the same content
    assert wait(lambda: q.indexer.queue.unfinished() == [])


def test_a_dropped_file_over_the_size_limit_is_refused_with_the_reason(make_queue, tmp_path):
    q, svc, events = make_queue()
    q.max_file_bytes = 10
    (tmp_path / "big.txt").write_text("x" * 20)
    (job,) = q.add_paths([tmp_path / "big.txt"])
    assert job.state == "failed" and "over the 10-byte limit" in job.error
    assert [j.error for j in q.jobs()] == [job.error] and svc.taught == []
    assert [e.kind for e in events if e.job and e.job.name == "big"] == ["failed"]


def test_status_label():
    assert QueueStatus().label() == "idle" and QueueStatus(paused=True).label() == "paused"
    assert QueueStatus(queued=2, running=1, done=1, current="notes", progress=(3, 8)).label() == \
        "teaching 2 of 4 (notes 3/8)"


def test_settings_round_trip_private_and_damaged(tmp_path):
    s = Settings(watched_folders=("/a",), gpu_offload=False, max_file_mb=3.5, active=("x",))
    path = save_settings(tmp_path, s)
    assert load_settings(tmp_path) == s and os.stat(path).st_mode & 0o777 == 0o600
    assert load_settings(tmp_path / "none") == Settings()
    path.write_text("{broken")
    with pytest.raises(SettingsError, match="damaged"):
        load_settings(tmp_path)
    with pytest.raises(SettingsError):
        Settings(max_file_mb=0)


def test_conversations_persist_privately(tmp_path):
    store = ConversationStore(tmp_path)
    conv = store.new()
    conv.messages += [Message("user", "hi"), Message("assistant", "hello", adapters=["notes"],
                                                     sources=[{"name": "notes", "snippet": "s"}])]
    path = store.save(conv)
    assert os.stat(path).st_mode & 0o777 == 0o600 and os.stat(store.dir).st_mode & 0o777 == 0o700
    again = ConversationStore(tmp_path).all()
    assert len(again) == 1 and again[0].messages == conv.messages
    raw = json.loads(path.read_text())
    raw["messages"][1]["from_a_newer_lorafy"] = 1
    path.write_text(json.dumps(raw))
    assert ConversationStore(tmp_path).all()[0].messages == conv.messages
