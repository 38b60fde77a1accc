"""The app's teach path behind one small interface: files, folders and watched folders through the ingestion Indexer, pasted instructions as skills.

Qt-free. :class:`TeachQueue` is what the app talks to; :class:`IndexerQueue`
implements it around :class:`desktop.ingest.watch.Indexer`, so dropped files and the
watched "teach folders" share one durable queue, the parse sandbox and the
content-sha dedup with ``lorafy watch`` and ``lorafy teach FILE``. Pasted
instructions are taught as skills through the model owner. Events (any
thread) are turned into :class:`TeachEvent`s with batch counts for the tray.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Protocol, Sequence

from desktop.ingest.queue import CANCELLED, Document
from desktop.ingest.watch import Indexer, IndexEvent, WatchConfig
from engine.core.memory import return_free_memory

log = logging.getLogger(__name__)

STATES = ("queued", "teaching", "ready", "failed")
DOC_STATES = {"queued": "queued", "running": "teaching", "refused": "failed", "failed": "failed"}
PROGRESS_EVERY_S = 0.1  # progress events are passed on at most this often per file (the last one always)
RETRYING = "(will retry)"  # the Indexer's mark on a failure it re-queued


@dataclass(frozen=True)
class TeachJob:
    """One file or text to teach, and where it stands."""

    id: str  # "doc:<path>" for files, a random id for pasted texts
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
    """Counts of the current batch (since the queue was last idle) and the file being taught."""

    queued: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    paused: bool = False
    current: str = ""  # name of the file or skill being taught
    progress: tuple[int, int] | None = None  # its (chunks done, chunks total)

    @property
    def total(self) -> int:
        return self.queued + self.running + self.done + self.failed

    @property
    def busy(self) -> bool:
        return bool(self.queued or self.running)

    def label(self) -> str:
        """``teaching 3 of 12``, ``paused (3 of 12)`` or ``idle``; the current file's chunks when known.

        >>> QueueStatus(queued=9, running=1, done=2).label()
        'teaching 3 of 12'
        >>> QueueStatus(queued=1, running=1, current="notes", progress=(2, 5)).label()
        'teaching 1 of 2 (notes 2/5)'
        """
        if not self.busy:
            return "paused" if self.paused else "idle"
        n = f"{self.done + self.failed + self.running} of {self.total}"
        if self.paused:
            return f"paused ({n})"
        now = f" ({self.current} {self.progress[0]}/{self.progress[1]})" if self.current and self.progress else ""
        return f"teaching {n}{now}"


@dataclass(frozen=True)
class TeachEvent:
    """Something changed. ``kind``: queued, started, progress, done, failed, replaced (``item_id`` took the place of
    ``old_item_id``, an edited file), removed (``old_item_id`` forgotten: its file was deleted), changed, batch_done,
    paused, resumed."""

    kind: str
    job: TeachJob | None
    status: QueueStatus
    item_id: str = ""
    old_item_id: str = ""


OnEvent = Callable[[TeachEvent], None]


class TeachQueue(Protocol):
    """What the app needs from a teach queue; events may arrive on any thread."""

    max_file_bytes: int

    def start(self) -> None: ...
    def add_paths(self, paths: Iterable[Path]) -> list[TeachJob]: ...
    def add_text(self, text: str, name: str, kind: str = "skill") -> TeachJob: ...
    def set_folders(self, folders: Sequence[Path]) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def status(self) -> QueueStatus: ...
    def jobs(self) -> list[TeachJob]: ...
    def cancel(self, job_id: str) -> bool: ...
    def dismiss(self, job_id: str) -> None: ...
    def close(self) -> None: ...


def doc_job_id(path: str) -> str:
    """The job id of a file of the ingestion queue (its displayed path)."""
    return f"doc:{path}"


def doc_job(doc: Document, progress: tuple[int, int] | None = None) -> TeachJob:
    """A document of the ingestion queue as a job row (``progress`` when it is the one being taught)."""
    done, total = progress or (0, 0)
    return TeachJob(id=doc_job_id(doc.display), name=doc.name or Path(doc.display).stem, kind="memory",
                    source=doc.display, state=DOC_STATES.get(doc.status, "ready"), done=done, total=total,
                    error=doc.reason, item_id=doc.item_id or "")


class IndexerQueue:
    """The app's teach queue around an Indexer (which owns the durable queue and the folder watcher).

    ``folders`` are watched from :meth:`start` on; dropped paths are queued at
    once (taught when the worker reaches them). The home's ingestion lock must
    already be held by this process (the app takes it); :meth:`close` releases it.
    """

    def __init__(self, owner, folders: Sequence[Path] = (), on_event: OnEvent | None = None,
                 cfg: WatchConfig | None = None, max_file_bytes: int | None = None, pipeline: str | None = None):
        self.owner = owner
        self.on_event = on_event or (lambda e: None)
        self.indexer = Indexer(owner, folders, cfg, on_event=self._on_index, pipeline=pipeline)  # None: the service's
        if max_file_bytes is not None:
            self.max_file_bytes = max_file_bytes
        self._lock = threading.RLock()
        self._start_lock = threading.Lock()
        self._skills: dict[str, TeachJob] = {}  # pasted instructions not yet in the library (or failed)
        self._dismissed: set[tuple[str, str]] = set()  # (path, reason) of failures the user dismissed
        self._told: set[tuple[str, str]] = set()  # (path, reason) of failures already announced
        self._batch = [0, 0]  # done, failed in the current batch
        self._idle = True
        self._paused = False
        self._closed = False
        self._last_progress = 0.0
        self._progress: dict[str, tuple[int, int]] = {}  # skill job id -> (done, total)

    # -- the protocol ---------------------------------------------------------------------------
    @property
    def max_file_bytes(self) -> int:
        return self.indexer.cfg.limits.max_bytes

    @max_file_bytes.setter
    def max_file_bytes(self, n: int) -> None:
        cfg = self.indexer.cfg
        self.indexer.cfg = replace(cfg, limits=replace(cfg.limits, max_bytes=int(n)))

    def start(self) -> None:
        """Recover, scan and watch the folders on a worker thread (the pipeline id waits for the model to load)."""
        threading.Thread(target=self._start, name="lorafy-indexer-start", daemon=True).start()

    def _start(self) -> None:
        try:
            _ = self.indexer.pipeline  # an owner call
            with self._start_lock:
                if not self._closed:
                    self.indexer.start()
        except Exception as e:
            log.exception("could not start the indexer")
            job = TeachJob(id="indexer", name="watched folders", kind="memory", source="", state="failed",
                           error=f"could not start teaching: {e}")
            self._emit("failed", job)

    def add_paths(self, paths: Iterable[Path]) -> list[TeachJob]:
        """Queue files and folders (their readable files); content taught before links to its item, no job.

        Returns the new jobs: queued, or failed with the reason when refused at once.
        """
        added = self.indexer.add_paths([Path(p) for p in paths])
        return [replace(doc_job(d), state="failed" if what == "refused" else "queued")
                for d, what in added if what in ("queued", "waiting", "refused")]

    def add_text(self, text: str, name: str, kind: str = "skill") -> TeachJob:
        """Teach a pasted instruction through the model owner (not held by pause: the user just asked for it)."""
        if not text.strip():
            raise ValueError("nothing to teach: the text is empty")
        job = TeachJob(id=uuid.uuid4().hex[:10], name=name.strip() or text.strip()[:40], kind=kind, source="text")
        with self._lock:
            self._skills[job.id] = job
        self._emit("queued", job)

        def teach(svc):
            self._emit("started", self._set(job.id, state="teaching"))
            return svc.teach_text(text, job.name, kind=kind, source="text",
                                  progress=lambda d, t: self._skill_progress(job.id, d, t))

        self.owner.submit(teach).add_done_callback(lambda f: self._skill_done(job.id, f))
        return job

    def set_folders(self, folders: Sequence[Path]) -> None:
        """Watch exactly these folders (a folder dropped from the list keeps its memories)."""
        self.indexer.set_roots([Path(f) for f in folders])

    def pause(self) -> None:
        self._paused = True
        self.indexer.pause()
        self._emit("paused", None)

    def resume(self) -> None:
        self._paused = False
        self.indexer.resume()
        self._emit("resumed", None)

    def status(self) -> QueueStatus:
        st = self.indexer.status()
        with self._lock:
            skills = list(self._skills.values())
            done, failed = self._batch
        teaching = [j for j in skills if j.state == "teaching"]
        current, progress = (Path(st.current).stem, st.progress) if st.current else ("", None)
        if teaching and not current:
            current, progress = teaching[0].name, self._progress.get(teaching[0].id)
        return QueueStatus(queued=st.queued + sum(j.state == "queued" for j in skills), running=st.running + len(teaching),
                           done=done, failed=failed, paused=self._paused, current=current, progress=progress)

    def jobs(self) -> list[TeachJob]:
        """Files not (yet) in the library and pasted skills still teaching or failed, oldest first."""
        st = self.indexer.status()
        out = []
        for d in self.indexer.queue.unfinished():
            if d.status in ("refused", "failed") and (d.display, d.reason) in self._dismissed:
                continue
            out.append(doc_job(d, st.progress if d.status == "running" and st.current == d.display else None))
        with self._lock:
            return out + [replace(j, done=self._progress.get(j.id, (0, 0))[0], total=self._progress.get(j.id, (0, 0))[1])
                          for j in self._skills.values()]

    def cancel(self, job_id: str) -> bool:
        """Take a file that is still queued out of the queue (a file being taught finishes); True if it was queued."""
        doc = next((d for d in self.indexer.queue.unfinished() if doc_job_id(d.display) == job_id), None)
        if doc is None or doc.status != "queued" or not self.indexer.queue.cancel_queued(doc.path):
            return False
        self._emit("failed", replace(doc_job(doc), state="failed", error=CANCELLED))
        return True

    def dismiss(self, job_id: str) -> None:
        """Hide a failed job (a refused file shows again only if it changes and is refused anew)."""
        with self._lock:
            if job_id in self._skills and self._skills[job_id].state == "failed":
                del self._skills[job_id]
                return
        for j in self.jobs():
            if j.id == job_id and j.state == "failed":
                self._dismissed.add((j.source, j.error))

    def close(self) -> None:
        """Finish the file being taught, stop watching and release the home's lock (queued files stay queued)."""
        with self._start_lock:
            self._closed = True
            self.indexer.stop()

    # -- indexer events (worker, owner or caller threads) ------------------------------------------
    def _on_index(self, ev: IndexEvent) -> None:
        job = TeachJob(id=doc_job_id(ev.path), name=Path(ev.path).stem, kind="memory", source=ev.path,
                       item_id=ev.item_id or "", error=ev.reason)
        if ev.kind == "progress":
            done, _, total = ev.reason.partition("/")
            now = time.monotonic()
            if now - self._last_progress < PROGRESS_EVERY_S and done != total:
                return
            self._last_progress = now
            self._emit("progress", replace(job, state="teaching", done=int(done), total=int(total), error=""))
        elif ev.kind in ("queued", "started"):
            self._emit(ev.kind, replace(job, state="queued" if ev.kind == "queued" else "teaching"))
        elif ev.kind == "indexed":
            self._emit("done", replace(job, state="ready"))
        elif ev.kind in ("refused", "failed") and not ev.reason.endswith(RETRYING):
            with self._lock:
                first = (ev.path, ev.reason) not in self._told  # a rescan refuses an oversized file again: say it once
                self._told.add((ev.path, ev.reason))
            self._emit("failed" if first else "changed", replace(job, state="failed"))
        elif ev.kind in ("replaced", "removed"):
            self._emit(ev.kind, job, item_id=ev.item_id or "", old_item_id=ev.old_item_id or "")
        else:  # linked, missing, offline, online, a failure that will be retried
            self._emit("changed", job)

    # -- pasted skills ---------------------------------------------------------------------------
    def _set(self, job_id: str, **changes) -> TeachJob:
        with self._lock:
            job = self._skills[job_id] = replace(self._skills[job_id], **changes)
            return job

    def _skill_progress(self, job_id: str, done: int, total: int) -> None:
        self._progress[job_id] = (done, total)
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_EVERY_S or done == total:
            self._last_progress = now
            self._emit("progress", self._set(job_id, done=done, total=total))

    def _skill_done(self, job_id: str, fut) -> None:
        self._progress.pop(job_id, None)
        err = fut.exception()
        if err is None:
            item = fut.result()
            with self._lock:
                job = replace(self._skills.pop(job_id), state="ready", item_id=item.id)
            self._emit("done", job)
        else:
            log.warning("teaching skill %s failed: %s", job_id, err)
            self._emit("failed", self._set(job_id, state="failed", error=str(err) or type(err).__name__))

    # -- events and batches ------------------------------------------------------------------------
    def _emit(self, kind: str, job: TeachJob | None, item_id: str = "", old_item_id: str = "") -> None:
        with self._lock:
            if kind in ("queued", "started") and self._idle:  # a new batch starts
                self._batch, self._idle = [0, 0], False
            if kind in ("done", "failed") and job is not None and job.id != "indexer":
                self._batch[kind == "failed"] += 1
        try:
            status = self.status()
            self.on_event(TeachEvent(kind, job, status, item_id, old_item_id))
            if kind in ("done", "failed") and not status.busy:
                with self._lock:
                    finished, self._idle = not self._idle, True
                if finished:
                    return_free_memory()  # the batch's activations (skills taught here, files in the Indexer's step)
                    self.on_event(TeachEvent("batch_done", None, status))
        except Exception:  # a broken listener must not stop teaching
            log.exception("teach event listener failed")
