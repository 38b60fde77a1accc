"""OwnerTeachQueue (Qt-free): refusals with reasons, one job at a time through the owner, pause/resume, batch events; settings and conversations files."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.conversations import ConversationStore, Message
from desktop.library import Library
from desktop.owner import ModelOwner
from desktop.settings import Settings, SettingsError, load_settings, save_settings
from desktop.teach_queue import OwnerTeachQueue, QueueStatus, expand_paths, refusal


@dataclass
class FakeItem:
    id: str
    chunks: int = 1


class FakeService:
    """Teaches by recording; ``gate`` holds each job until the test lets it go."""

    def __init__(self, home: Path):
        self.library = Library(home)
        self.taught: list[str] = []
        self.gate = threading.Event()
        self.gate.set()

    def teach_file(self, path, name=None, progress=None):
        return self._teach(Path(path).read_text(), progress)

    def teach_text(self, text, name, kind="memory", source="text", progress=None):
        return self._teach(text, progress)

    def _teach(self, text, progress):
        self.gate.wait(5)
        if "boom" in text:
            raise ValueError("the hypernetwork refused it")
        progress(1, 1)
        self.taught.append(text)
        return FakeItem(id=f"i{len(self.taught)}")

    def close(self):
        pass


@pytest.fixture
def queue(tmp_path):
    events = []
    owner = ModelOwner(FakeService(tmp_path / "home"))
    q = OwnerTeachQueue(owner, on_event=events.append, max_file_bytes=100)
    yield q, owner.svc, events
    owner.close()


def wait(pred, timeout=5.0):
    ev = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if pred():
            return True
        ev.wait(0.01)
    return pred()


def test_refusals_say_why(tmp_path):
    (tmp_path / "big.txt").write_text("x" * 200)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.txt").write_bytes(b"ab\x00cd")
    (tmp_path / "ok.txt").write_text("fine")
    assert "larger than the maximum file size" in refusal(tmp_path / "big.txt", 100)
    assert refusal(tmp_path / "empty.txt", 100) == "the file is empty"
    assert "not a text file" in refusal(tmp_path / "bin.txt", 100)
    assert "cannot read it" in refusal(tmp_path / "missing.txt", 100)
    assert refusal(tmp_path / "ok.txt", 100) == ""


def test_expand_paths_walks_folders_for_text_files(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / ".hidden").mkdir()
    for rel in ("d/a.md", "d/sub/b.txt", "d/c.png", "d/.hidden/x.txt", "d/.e.txt"):
        (tmp_path / rel).write_text("t")
    assert [p.relative_to(tmp_path).as_posix() for p in expand_paths([tmp_path / "d"])] == ["d/a.md", "d/sub/b.txt"]


def test_jobs_run_in_order_with_events_and_a_failure_reason(queue, tmp_path):
    q, svc, events = queue
    files = []
    for i, text in enumerate(["one", "boom", "three"]):
        files.append(tmp_path / f"f{i}.txt")
        files[-1].write_text(text)
    svc.gate.clear()
    jobs = q.add_paths(files)
    assert [j.state for j in jobs] == ["queued"] * 3
    assert q.status() == QueueStatus(queued=2, running=1)
    assert q.status().label() == "teaching 1 of 3"
    svc.gate.set()
    assert wait(lambda: not q.status().busy)
    assert svc.taught == ["one", "three"]
    by_name = {j.name: j for j in q.jobs()}
    assert by_name["f1"].state == "failed" and "hypernetwork refused" in by_name["f1"].error
    assert by_name["f0"].state == "ready" and by_name["f0"].item_id == "i1"
    kinds = [e.kind for e in events]
    assert kinds.count("batch_done") == 1 and kinds[-1] == "batch_done"
    assert events[-1].status.done == 2 and events[-1].status.failed == 1


def test_pause_holds_the_next_job_until_resume(queue):
    q, svc, events = queue
    q.pause()
    q.add_text("an instruction", "skill-a")
    assert q.status().queued == 1 and q.status().label() == "paused (0 of 1)"
    assert not wait(lambda: svc.taught, timeout=0.2)
    q.resume()
    assert wait(lambda: svc.taught == ["an instruction"])
    with pytest.raises(ValueError, match="empty"):
        q.add_text("   ", "x")


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
