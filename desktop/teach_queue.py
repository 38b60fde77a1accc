"""The app's teach path behind one small interface: queue files, folders and texts, teach them one by one on the model owner.

Qt-free. :class:`TeachQueue` is what the app talks to; :class:`OwnerTeachQueue`
is a simple implementation that submits ``svc.teach_file`` / ``svc.teach_text``
jobs through :class:`desktop.owner.ModelOwner`, one at a time (so questions
can run between jobs and ``pause`` takes effect after the current one). The
ingestion issue's ``Indexer`` (durable queue + folder watcher) replaces it by
satisfying the same protocol, or through a thin adapter, in ``desktop/app.py``.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Protocol

from desktop.owner import ModelOwner

log = logging.getLogger(__name__)

STATES = ("queued", "teaching", "ready", "failed")
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".rst", ".org", ".csv", ".tsv", ".json", ".jsonl", ".yaml",
                           ".yml", ".toml", ".ini", ".log", ".tex", ".html", ".htm", ".xml", ".py", ".js", ".ts",
                           ".c", ".h", ".cpp", ".java", ".go", ".rs", ".sh", ".sql"})
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class TeachJob:
    """One file or text to teach, and where it stands."""

    id: str
    name: str
    kind: str  # memory (a file) or skill (an instruction)
    source: str  # file path, or "text"
    state: str = "queued"
    done: int = 0  # chunks taught so far
    total: int = 0  # chunks in all (0 until teaching starts)
    error: str = ""  # why it failed, in words
    item_id: str = ""  # the library item once ready


@dataclass(frozen=True)
class QueueStatus:
    """Counts of the current batch (since the queue was last idle)."""

    queued: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    paused: bool = False

    @property
    def total(self) -> int:
        return self.queued + self.running + self.done + self.failed

    @property
    def busy(self) -> bool:
        return bool(self.queued or self.running)

    def label(self) -> str:
        """``teaching 3 of 12``, ``paused (3 of 12)`` or ``idle``.

        >>> QueueStatus(queued=9, running=1, done=2).label()
        'teaching 3 of 12'
        """
        if not self.busy:
            return "paused" if self.paused else "idle"
        n = f"{self.done + self.failed + self.running} of {self.total}"
        return f"paused ({n})" if self.paused else f"teaching {n}"


@dataclass(frozen=True)
class TeachEvent:
    """Something changed: ``kind`` in queued, started, progress, done, failed, batch_done, paused, resumed."""

    kind: str
    job: TeachJob | None
    status: QueueStatus


OnEvent = Callable[[TeachEvent], None]


class TeachQueue(Protocol):
    """What the app needs from a teach queue; events may arrive on any thread."""

    def add_paths(self, paths: Iterable[Path]) -> list[TeachJob]: ...
    def add_text(self, text: str, name: str, kind: str = "skill") -> TeachJob: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def status(self) -> QueueStatus: ...
    def jobs(self) -> list[TeachJob]: ...
    def dismiss(self, job_id: str) -> None: ...
    def close(self) -> None: ...


def is_text_file(path: Path) -> bool:
    """No NUL byte in the first 8 KiB (a cheap binary check)."""
    with open(path, "rb") as f:
        return b"\x00" not in f.read(SNIFF_BYTES)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files given directly, plus text-like files (by suffix) found under given folders; hidden entries skipped."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out.extend(Path(root) / n for n in sorted(names)
                           if not n.startswith(".") and Path(n).suffix.lower() in TEXT_SUFFIXES)
        else:
            out.append(p)
    return out


def refusal(path: Path, max_bytes: int) -> str:
    """Why ``path`` cannot be taught ("" when it can)."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            return "not a file"
        if size > max_bytes:
            return f"larger than the maximum file size ({size / 2**20:.1f} MB > {max_bytes / 2**20:.1f} MB; see Settings)"
        if size == 0:
            return "the file is empty"
        if not is_text_file(path):
            return "not a text file (Lorafy teaches plain text)"
    except OSError as e:
        return f"cannot read it ({e.strerror or e})"
    return ""


class OwnerTeachQueue:
    """Teach jobs one after another through a ModelOwner; in memory only (a restart forgets queued jobs)."""

    def __init__(self, owner: ModelOwner, on_event: OnEvent | None = None, max_file_bytes: int = 20 * 2**20):
        self.owner = owner
        self.on_event = on_event or (lambda e: None)
        self.max_file_bytes = max_file_bytes
        self._lock = threading.RLock()
        self._jobs: dict[str, TeachJob] = {}  # this batch's jobs and earlier failures, in order
        self._pending: deque[str] = deque()
        self._texts: dict[str, str] = {}
        self._running: str | None = None
        self._paused = False
        self._closed = False
        self._earlier_failures: set[str] = set()  # failed jobs kept from earlier batches
        self._announced: frozenset[str] = frozenset()  # the finished jobs of the last batch_done event

    # -- the protocol -----------------------------------------------------------------------
    def add_paths(self, paths: Iterable[Path]) -> list[TeachJob]:
        """Queue files (and text files under folders); unchanged files already taught are skipped."""
        files = expand_paths(paths)
        taught = self._taught_sources()
        added = []
        with self._lock:  # two callers adding the same file queue it once
            for path in files:
                path = path.resolve()
                if self._skip(path, taught):
                    continue
                job = TeachJob(id=uuid.uuid4().hex[:10], name=path.stem, kind="memory", source=str(path))
                why = refusal(path, self.max_file_bytes)
                added.append(self._add(replace(job, state="failed", error=why) if why else job))
        self._pump()
        return added

    def add_text(self, text: str, name: str, kind: str = "skill") -> TeachJob:
        if not text.strip():
            raise ValueError("nothing to teach: the text is empty")
        job = TeachJob(id=uuid.uuid4().hex[:10], name=name.strip() or text.strip()[:40], kind=kind, source="text")
        with self._lock:
            self._texts[job.id] = text
        job = self._add(job)
        self._pump()
        return job

    def pause(self) -> None:
        with self._lock:
            self._paused = True
        self._emit("paused", None)

    def resume(self) -> None:
        with self._lock:
            self._paused = False
        self._emit("resumed", None)
        self._pump()

    def status(self) -> QueueStatus:
        with self._lock:
            states = [j.state for j in self._jobs.values()]
            return QueueStatus(queued=states.count("queued"), running=states.count("teaching"),
                               done=states.count("ready"), failed=states.count("failed"), paused=self._paused)

    def jobs(self) -> list[TeachJob]:
        with self._lock:
            return list(self._jobs.values())

    def dismiss(self, job_id: str) -> None:
        """Drop a failed job from the list (queued or running jobs stay)."""
        with self._lock:
            if job_id in self._jobs and self._jobs[job_id].state == "failed":
                del self._jobs[job_id]

    def close(self) -> None:
        """Stop starting jobs; the running one (if any) finishes on the owner before the owner closes."""
        with self._lock:
            self._closed = True
            self._pending.clear()

    # -- internals --------------------------------------------------------------------------
    def _taught_sources(self) -> dict[str, float]:
        """source path -> newest creation time of an item taught from it."""
        out: dict[str, float] = {}
        for item in self.owner.svc.library.items():
            out[item.source] = max(out.get(item.source, 0.0), item.created)
        return out

    def _skip(self, path: Path, taught: dict[str, float]) -> bool:
        with self._lock:
            if any(j.source == str(path) and j.state in ("queued", "teaching") for j in self._jobs.values()):
                return True
        try:
            return str(path) in taught and path.stat().st_mtime <= taught[str(path)]
        except OSError:
            return False

    def _add(self, job: TeachJob) -> TeachJob:
        with self._lock:
            if not self._busy():  # a new batch starts: forget the last batch's finished jobs
                self._jobs = {k: j for k, j in self._jobs.items() if j.state == "failed"}
                self._earlier_failures = set(self._jobs)
            self._jobs[job.id] = job
            if job.state == "queued":
                self._pending.append(job.id)
        self._emit(job.state if job.state == "failed" else "queued", job)
        return job

    def _busy(self) -> bool:
        return bool(self._pending) or self._running is not None

    def _set(self, job_id: str, **changes) -> TeachJob:
        with self._lock:
            job = self._jobs[job_id] = replace(self._jobs[job_id], **changes)
            return job

    def _pump(self) -> None:
        """Start the next queued job unless one is running, the queue is paused, or it is closed."""
        with self._lock:
            if self._closed or self._paused or self._running is not None or not self._pending:
                if not self._busy() and not self._closed:
                    self._maybe_batch_done()
                return
            job_id = self._running = self._pending.popleft()
        job = self._set(job_id, state="teaching")
        self._emit("started", job)
        try:
            future = self.owner.submit(lambda svc: self._teach(svc, job))
        except RuntimeError as e:  # the owner closed under us
            self._finish(job_id, None, e)
            return
        future.add_done_callback(lambda f: self._finish(job_id, *_outcome(f)))

    def _teach(self, svc, job: TeachJob):
        def progress(done: int, total: int) -> None:
            self._emit("progress", self._set(job.id, done=done, total=total))

        if job.source == "text":
            with self._lock:
                text = self._texts.pop(job.id)
            return svc.teach_text(text, job.name, kind=job.kind, source="text", progress=progress)
        return svc.teach_file(Path(job.source), name=job.name, progress=progress)

    def _finish(self, job_id: str, item, error: BaseException | None) -> None:
        with self._lock:
            self._running = None
        if error is None:
            job = self._set(job_id, state="ready", item_id=item.id, done=max(1, item.chunks), total=max(1, item.chunks))
            self._emit("done", job)
        else:
            log.warning("teaching %s failed: %s", job_id, error)
            job = self._set(job_id, state="failed", error=str(error) or type(error).__name__)
            self._emit("failed", job)
        self._pump()

    def _maybe_batch_done(self) -> None:
        with self._lock:
            finished = frozenset(j.id for j in self._jobs.values()
                                 if j.state in ("ready", "failed") and j.id not in self._earlier_failures)
            if not finished or finished == self._announced:
                return
            self._announced = finished
        self._emit("batch_done", None)

    def _emit(self, kind: str, job: TeachJob | None) -> None:
        try:
            self.on_event(TeachEvent(kind, job, self.status()))
        except Exception:  # a broken listener must not stop teaching
            log.exception("teach event listener failed")


def _outcome(future) -> tuple[object, BaseException | None]:
    err = future.exception()
    return (None, err) if err is not None else (future.result(), None)
