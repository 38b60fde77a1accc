"""The indexer: keep the library in step with watched folders (watchdog hints, rescans, the durable queue); Qt-free.

Filesystem events are only hints. A hinted path is looked at after a debounce;
it is hashed only once its size and mtime have stayed the same for
``settle_s``, and looked at again if they changed while hashing. Rescans (at
start and every ``rescan_s``) catch missed events; a dead observer is
restarted; a missing root is *offline*, never "everything deleted". Jobs run
one at a time: read the bytes, parse them in the sandbox, teach through the
model owner (the one thread that drives the model), commit in one transaction.
The tray app, ``lorafy watch`` and ``lorafy teach FILE`` all use this class.

Its parts: looking at one path (:mod:`desktop.ingest.look`), running one job
(:mod:`desktop.ingest.jobs`), the watchdog observer (:mod:`desktop.ingest.observer`)
and the file checks they share (:mod:`desktop.ingest.filecheck`).
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from desktop.names import check_name
from desktop.ingest.filecheck import is_ignored, is_within
from desktop.ingest.jobs import JobRunner
from desktop.ingest.look import PathLooker
from desktop.ingest.observer import FolderObserver
from desktop.ingest.parsers import PARSER_VERSION, ParseLimits, format_of
from desktop.ingest.queue import IngestQueue, display_path
from desktop.store.library import Library, LibraryError
from engine.core.memory import return_free_memory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchConfig:
    """How the indexer waits, rescans and retries (seconds)."""

    debounce_s: float = 2.0  # quiet time after the last event for a path before looking at it
    settle_s: float = 1.0  # size and mtime must stay unchanged this long before hashing
    rescan_s: float = 300.0  # full rescan period (catches missed events)
    grace_s: float = 10.0  # a deleted file's adapter survives this long (editor save-by-rename)
    poll_s: float = 0.25  # worker wake-up period when idle
    max_attempts: int = 3  # a job that fails unexpectedly is retried this many times in all
    recover_min_age_s: float = 60.0  # start-up cleanup leaves younger temp/orphan files alone (a live writer's)
    max_settle_s: float = 60.0  # a file still changing after this long is reported (not waited for) until it settles
    limits: ParseLimits = field(default_factory=ParseLimits)

    def __post_init__(self) -> None:
        if min(self.debounce_s, self.settle_s, self.grace_s, self.recover_min_age_s, self.max_settle_s) < 0:
            raise ValueError("watch delays must be >= 0")
        if self.rescan_s <= 0 or self.poll_s <= 0 or self.max_attempts < 1:
            raise ValueError("rescan_s and poll_s must be > 0 and max_attempts >= 1")


@dataclass(frozen=True)
class IndexEvent:
    """Something that happened to one file. kind: queued, linked, started, progress (reason ``done/total`` chunks),
    indexed, refused, failed, removed, missing, offline, online, replaced (an edit's new item; ``old_item_id`` was
    forgotten)."""

    kind: str
    path: str
    item_id: str | None = None
    reason: str = ""
    old_item_id: str | None = None


@dataclass(frozen=True)
class IndexerStatus:
    """A snapshot for a tray icon or a status line: per-file counts and the job in progress."""

    state: str  # stopped, running, paused
    queued: int
    running: int
    indexed: int
    refused: int
    failed: int
    missing: int
    current: str | None  # the file being taught
    progress: tuple[int, int] | None  # (chunks done, chunks total) of the current file
    roots: tuple[tuple[str, bool], ...]  # (folder, online)

    @property
    def done(self) -> int:
        return self.indexed


def pipeline_id(svc: Any) -> str:
    """The (parser, base, hypernetwork) identity that with a file's sha256 keys its adapter."""
    from engine.infer.onnx_hypernet import default_bundle

    bundle = Path(svc.cfg.hypernet_dir or default_bundle(svc.spec)).resolve()
    config = bundle / "config.json"  # changes with every exported checkpoint
    ident = hashlib.sha256(config.read_bytes()).hexdigest()[:16] if config.is_file() else bundle.name
    return f"p{PARSER_VERSION}:{svc.spec.sha256[:16]}:{ident}"


class InlineOwner:
    """A stand-in for desktop.owner.ModelOwner that runs calls on the caller's thread (CLI one-shot runs)."""

    def __init__(self, svc: Any):
        self.svc = svc

    def call(self, fn: Callable[[Any], Any], timeout: float | None = None) -> Any:
        return fn(self.svc)


class Indexer(PathLooker, JobRunner):
    """Watch ``roots`` and teach what appears in them; ``start``/``stop``/``pause``/``resume``, ``status``, ``run_once``."""

    def __init__(self, owner: Any, roots: Sequence[Path] = (), cfg: WatchConfig | None = None,
                 library: Library | None = None, on_event: Callable[[IndexEvent], None] | None = None,
                 pipeline: str | None = None):
        self.owner = owner
        self.cfg = cfg or WatchConfig()
        self.library = library or owner.svc.library
        self.queue = IngestQueue(self.library)
        self.roots = [os.fsencode(os.path.abspath(os.fspath(r))) for r in roots]
        self.on_event = on_event
        self._pipeline = pipeline
        self._lock = threading.Lock()
        self._hints: dict[bytes, float] = {}  # path -> monotonic time it is due
        self._settling: dict[bytes, tuple[int, int, float]] = {}  # path -> (size, mtime_ns, first seen unchanged)
        self._changing_since: dict[bytes, float] = {}  # path -> when it was first looked at without settling since
        self._online: dict[bytes, bool] = {}
        self._stop, self._wake, self._paused = threading.Event(), threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._observer = FolderObserver(self)
        self._next_rescan = 0.0
        self._current: str | None = None
        self._progress: tuple[int, int] | None = None
        self.recovered = None  # desktop.store.library.Recovery once this indexer ran start-up recovery
        self._sweep_orphans = False  # after recovery: forget items a crash left unreferenced (edit committed, old kept)

    # -- control -------------------------------------------------------------------------------------
    @property
    def pipeline(self) -> str:
        if self._pipeline is None:
            self._pipeline = self.owner.call(pipeline_id)
        return self._pipeline

    def start(self) -> None:
        """Recover (if this process holds the home's ingestion lock), rescan, watch and work on a background thread."""
        if self._thread is not None:
            return
        self._recover()
        _ = self.pipeline
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="lorafy-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish the current file, stop watching, release the lock."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._observer.stop()
        self.library.unlock()

    def pause(self) -> None:
        """Keep noticing changes but start no new teach job."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()
        self._wake.set()

    def status(self) -> IndexerStatus:
        c = self.queue.counts()
        state = "stopped" if self._thread is None else ("paused" if self._paused.is_set() else "running")
        return IndexerStatus(state, c["queued"], c["running"], c["indexed"], c["refused"], c["failed"], c["missing"],
                             self._current, self._progress,
                             tuple((display_path(r), self._online.get(r, os.path.isdir(r))) for r in self.roots))

    def hint(self, path: str | bytes, delay: float | None = None) -> None:
        """Look at ``path`` after ``delay`` (default: the debounce); a newer hint for the same path postpones it."""
        p = os.fsencode(path)
        with self._lock:
            self._hints[p] = time.monotonic() + (self.cfg.debounce_s if delay is None else delay)
        self._wake.set()

    def request_rescan(self) -> None:
        self._next_rescan = 0.0
        self._wake.set()

    def forget_root(self, root: Path) -> list[str]:
        """Destructive: forget every memory taught from files under ``root`` (ask the user first); return item ids."""
        r = os.fsencode(os.path.abspath(os.fspath(root)))
        self.queue.forget_root(r)
        self.roots = [x for x in self.roots if x != r]
        return self._forget_orphans()

    # -- one-shot runs (lorafy watch --once, lorafy teach FILE) -----------------------------------------
    def run_once(self, timeout: float | None = None) -> IndexerStatus:
        """Scan the roots, teach everything new or changed, drop what was deleted, then return (no thread)."""
        self._recover()
        self._forget_crash_orphans()
        self._rescan()
        self._drain(None, timeout)
        self._purge_missing(grace_s=0.0)
        return self.status()

    def teach_paths(self, paths: Iterable[Path], name: str | None = None, timeout: float | None = None) -> list:
        """Teach files (folders: the readable files in them) through the queue now; return their documents.

        Recovers first (if no other Lorafy holds the home): a job a killed run left "running" is queued again."""
        self._recover()
        docs = [d for d, _ in self.add_paths(paths, name)]
        self._drain([d.id for d in docs], timeout)
        return [self.queue.document(d.path) for d in docs]

    def add_paths(self, paths: Iterable[Path], name: str | None = None) -> list[tuple[Any, str]]:
        """Queue files (folders: the readable files in them) as ``lorafy teach FILE`` does, without waiting: the
        running worker teaches them. Return (document, what observing it caused: see :meth:`_observe_now`)."""
        name = check_name(name) if name is not None else None
        files = [f for p in paths for f in self._expand(os.fsencode(os.path.abspath(os.fspath(p))))]
        seen = [(f, self._add_one(f, folder, name=name if len(files) == 1 else None)) for f, folder in files]
        self._wake.set()
        return [(d, what) for f, what in seen if (d := self.queue.document(f)) is not None]

    def set_roots(self, roots: Sequence[Path]) -> None:
        """Watch these folders from now on (not destructive: memories of a folder no longer watched are kept)."""
        self.roots = [os.fsencode(os.path.abspath(os.fspath(r))) for r in roots]
        self.request_rescan()

    def _expand(self, p: bytes) -> list[tuple[bytes, bytes | None]]:
        """(file, the folder it must stay inside) for a named path: a file names itself (None); a folder's files
        (symlinks are not followed out of it, as under ``watch``)."""
        if not os.path.isdir(p):
            if not os.path.lexists(p):
                raise FileNotFoundError(f"{display_path(p)}: no such file or folder")
            return [(p, None)]
        return [(f, p) for f in sorted(f for f in self._walk(p) if format_of(display_path(f)) is not None)]

    def _drain(self, document_ids: list[int] | None, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            self._look_due(time.monotonic())
            if self._work_one(document_ids):
                continue
            with self._lock:
                waiting = min(self._hints.values(), default=None)
            if waiting is None and not self.queue.queued_jobs(document_ids):
                return
            time.sleep(max(0.01, min(self.cfg.poll_s, (waiting or 0) - time.monotonic())))

    # -- the worker loop ---------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception:  # one bad step must not kill the indexer; the next rescan retries
                log.exception("indexer step failed")
                self._stop.wait(self.cfg.poll_s)
            self._wake.wait(self.cfg.poll_s)
            self._wake.clear()

    def _step(self) -> None:
        self._forget_crash_orphans()
        self._ensure_observer()  # before the rescan: a file written between the two is then seen by one of them
        now = time.monotonic()
        if now >= self._next_rescan:
            self._rescan()
            self._next_rescan = now + self.cfg.rescan_s
        self._look_due(now)
        self._purge_missing(self.cfg.grace_s)
        worked = False
        while not self._stop.is_set() and not self._paused.is_set() and self._work_one(None):
            worked = True
            self._look_due(time.monotonic())
        if worked:  # the queue ran dry: the documents' activations go back to the system (not after each one: the
            return_free_memory()  # next would fault in fresh pages, 1.4x the teaching time; docs/results/memory/)

    def _recover(self) -> None:
        if self.recovered is None and self.library.try_lock():
            self.recovered = self.library.recover(self.cfg.recover_min_age_s)
            self._sweep_orphans = True

    def _forget_crash_orphans(self) -> None:
        """Once after recovery: a crash between committing an edit's new item and forgetting the old one leaves the old
        item unreferenced; nothing else would forget it until the next commit."""
        if self._sweep_orphans:
            self._sweep_orphans = False
            self._forget_orphans()

    # -- rescans ----------------------------------------------------------------------------------------------
    def _walk(self, top: bytes) -> Iterable[bytes]:
        home = os.fsencode(str(self.library.home.resolve()))
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            dirnames[:] = [d for d in dirnames if not is_ignored(display_path(d)) and
                           not is_within(os.path.join(dirpath, d), home)]
            for f in filenames:
                if not is_ignored(display_path(f)):
                    yield os.path.join(dirpath, f)

    def _rescan(self) -> None:
        """Hint every readable file of every online root; mark recorded files that are gone as missing."""
        now = time.monotonic()
        for root in self.roots:
            if not self._is_online(root):
                continue
            seen = set()
            for path in self._walk(root):
                seen.add(path)
                if format_of(display_path(path)) is not None:
                    with self._lock:
                        self._hints.setdefault(path, now)
            for doc in self.queue.documents(root):
                if doc.path not in seen and doc.missing_since is None and not os.path.lexists(doc.path):
                    if self.queue.mark_missing(doc.path):
                        self._emit("missing", doc.path)

    def _purge_missing(self, grace_s: float) -> None:
        due = self.queue.missing_due(grace_s)
        if not due or self._new_paths_pending():
            return
        gone = []
        for doc in due:
            if doc.root is not None and not os.path.isdir(doc.root):
                continue  # offline root: keep everything
            if os.path.lexists(doc.path):
                self.hint(doc.path, 0.0)
                continue
            gone.append(doc.path)
        if gone:
            self.queue.delete_documents(gone)
            self._forget_orphans()

    def _new_paths_pending(self) -> bool:
        """Is a path the indexer has not recorded yet waiting to be looked at? It may be where a missing file was
        renamed to: purging first would forget the item and teach the same content again."""
        with self._lock:
            pending = list(self._hints)  # a settling path always has its next look here too
        return any(self.queue.document(p) is None for p in pending)

    def _forget_orphans(self, replaced_by: str | None = None) -> list[str]:
        forgotten = []
        for item_id in self.queue.orphaned_items():
            try:
                item = self.owner.call(lambda svc, i=item_id: svc.forget(i))
            except LibraryError:
                continue
            forgotten.append(item_id)
            self._emit("replaced" if replaced_by else "removed", os.fsencode(item.source), item_id=replaced_by,
                       old_item_id=item_id)
        return forgotten

    # -- the folder observer ------------------------------------------------------------------------------------
    def _ensure_observer(self) -> None:
        online = tuple(r for r in self.roots if self._is_online(r))
        if self._observer.ensure(online):
            self._next_rescan = 0.0  # events may have been missed

    def _emit(self, kind: str, path: bytes, item_id: str | None = None, reason: str = "",
              old_item_id: str | None = None) -> None:
        log.info("%s %s %s", kind, display_path(path), reason)
        if self.on_event is not None:
            try:
                self.on_event(IndexEvent(kind, display_path(path), item_id, reason, old_item_id))
            except Exception:
                log.exception("indexer event callback failed")

    def _report_progress(self, path: bytes, done: int, total: int) -> None:
        """A teach job's progress: shown by :meth:`status` and told to the listener (not logged: one per chunk)."""
        self._progress = (done, total)
        if self.on_event is not None:
            try:
                self.on_event(IndexEvent("progress", display_path(path), reason=f"{done}/{total}"))
            except Exception:
                log.exception("indexer event callback failed")
