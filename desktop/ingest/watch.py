"""The indexer: keep the library in step with watched folders (watchdog hints, rescans, the durable queue); Qt-free.

Filesystem events are only hints. A hinted path is looked at after a debounce;
it is hashed only once its size and mtime have stayed the same for
``settle_s``, and looked at again if they changed while hashing. Rescans (at
start and every ``rescan_s``) catch missed events; a dead observer is
restarted; a missing root is *offline*, never "everything deleted". Jobs run
one at a time: read the bytes, parse them in the sandbox, teach through the
model owner (the one thread that drives the model), commit in one transaction.
The tray app, ``lorafy watch`` and ``lorafy teach FILE`` all use this class.
"""
from __future__ import annotations

import errno
import fnmatch
import hashlib
import logging
import os
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from desktop.names import check_name, name_from
from desktop.ingest.parsers import PARSER_VERSION, ParseLimits, ParseRefused, format_of
from desktop.ingest.queue import IngestQueue, Job, display_path, fs_path
from desktop.ingest.sandbox import parse_in_sandbox
from desktop.store.library import Item, Library, LibraryError, Provenance

log = logging.getLogger(__name__)
IGNORED_NAMES = ("~$*", ".~lock.*#", "*.swp", "*.swo", "*.swx", "*~", "*.tmp", "*.temp", "*.part", "*.partial",
                 "*.crdownload", "*.download", ".DS_Store", "Thumbs.db", "desktop.ini", "4913", "*.gguf", "*.onnx")


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


def is_ignored(name: str) -> bool:
    """Editor/sync temp files, dotfiles, models: never taught.

    >>> [is_ignored(n) for n in ("~$report.docx", ".~lock.a.odt#", "a.txt.swp", "notes.md", ".hidden", "x.gguf")]
    [True, True, True, False, True, True]
    """
    return name.startswith(".") or any(fnmatch.fnmatchcase(name, pat) for pat in IGNORED_NAMES)


def pipeline_id(svc: Any) -> str:
    """The (parser, base, hypernetwork) identity that with a file's sha256 keys its adapter."""
    from engine.infer.onnx_hypernet import default_bundle

    bundle = Path(svc.cfg.hypernet_dir or default_bundle(svc.spec)).resolve()
    config = bundle / "config.json"  # changes with every exported checkpoint
    ident = hashlib.sha256(config.read_bytes()).hexdigest()[:16] if config.is_file() else bundle.name
    return f"p{PARSER_VERSION}:{svc.spec.sha256[:16]}:{ident}"


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words.

    >>> file_kind(stat.S_IFIFO), file_kind(stat.S_IFCHR)
    ('a named pipe (FIFO)', 'a character device')
    """
    for test, words in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return words
    return "not a regular file"


def not_regular(mode: int) -> str:
    """The refusal reason for a path that is not a regular file."""
    return f"{file_kind(mode)}, not a regular file; Lorafy does not read it"


def _hash(path: bytes, limit: int) -> tuple[bytes, str]:
    """The file's bytes (at most ``limit + 1``: more means over the cap) and their sha256.

    Opened non-blocking and checked with fstat before any read: a FIFO, device or socket is refused
    (ParseRefused), never read. The read is sized by the file, not the cap: ``read(limit + 1)`` would allocate the
    whole cap (64 MiB) for every small file. A file that grows meanwhile comes back short; callers compare with a
    later stat and look again.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with open(fd, "rb", closefd=True) as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ParseRefused(not_regular(st.st_mode))
        data = f.read(min(limit, st.st_size) + 1)
    return data, hashlib.sha256(data).hexdigest()


def adapter_damage(path: Path) -> str:
    """Why an adapter file is unusable ("" if it is sound): missing, not matching its content name, or invalid."""
    from engine.core.adapter_file import validate_adapter_file
    from desktop.store.library import sha256_file

    try:
        if len(path.stem) == 64 and sha256_file(path) != path.stem:
            return "its bytes no longer match their checksum"
        validate_adapter_file(path, None)
    except FileNotFoundError:
        return "the file is missing"
    except Exception as e:  # AdapterFileError and anything a damaged file makes the reader raise
        return f"{type(e).__name__}: {e}"
    return ""


def _within(path: bytes, root: bytes) -> bool:
    return path == root or path.startswith(root.rstrip(b"/") + b"/")


def failure_reason(e: Exception) -> str:
    """A teach error as a per-file reason: a full disk says so in words, anything else names the exception."""
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return "the disk is full (no space left to write the adapter); free some space, then teach the file again"
    return f"{type(e).__name__}: {e}"


class InlineOwner:
    """A stand-in for desktop.owner.ModelOwner that runs calls on the caller's thread (CLI one-shot runs)."""

    def __init__(self, svc: Any):
        self.svc = svc

    def call(self, fn: Callable[[Any], Any], timeout: float | None = None) -> Any:
        return fn(self.svc)


class Indexer:
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
        self._observer: Any = None
        self._observed: tuple[bytes, ...] = ()
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
        self._stop_observer()
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

    def _add_one(self, path: bytes, folder: bytes | None, name: str | None) -> str:
        """Check a named or found file as the watcher would (no symlink out of ``folder``, regular files only), then
        hash and record it; a refusal is recorded with its reason and nothing is opened."""
        root = self._root_of(path)
        try:
            st = self._stat_inside(path, folder) if folder is not None else os.stat(path)
        except FileNotFoundError:
            reason = "a broken symlink; Lorafy does not follow it" if os.path.islink(path) else "no such file"
            return self._refuse_path(path, root, reason)
        except ParseRefused as e:
            return self._refuse_path(path, root, str(e))
        except OSError as e:
            reason = f"cannot read the file ({e.strerror or e}); check its permissions"
            return self._refuse_path(path, root, reason)
        if st is None or not stat.S_ISREG(st.st_mode):
            reason = not_regular(st.st_mode if st is not None else stat.S_IFDIR)
            return self._refuse_path(path, root, reason)
        self._drop_if_damaged(path)
        return self._observe_now(path, root, name=name, explicit=True)

    def _drop_if_damaged(self, path: bytes) -> None:
        """Teaching a file again whose adapter is damaged (truncated, bit-flipped) forgets the broken item so the file
        is taught afresh, instead of answering "taught" with the broken adapter."""
        doc = self.queue.document(path)
        item = self.library.item(doc.item_id) if doc and doc.status == "indexed" and doc.item_id else None
        if item is None:
            return
        why = adapter_damage(self.library.adapter_path(item))
        if why:
            log.warning("the adapter of %r is damaged (%s); teaching %s again", item.name, why, display_path(path))
            try:
                self.owner.call(lambda svc: svc.forget(item.id))
            except LibraryError:
                pass

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
        while not self._stop.is_set() and not self._paused.is_set() and self._work_one(None):
            self._look_due(time.monotonic())

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

    # -- looking at paths ----------------------------------------------------------------------------------
    def _root_of(self, path: bytes) -> bytes | None:
        found = [r for r in self.roots if _within(path, r)]
        return max(found, key=len) if found else None

    def _ignored(self, path: bytes, root: bytes) -> bool:
        rel = os.path.relpath(path, root)
        home = os.fsencode(str(self.library.home.resolve()))
        return any(is_ignored(display_path(part)) for part in rel.split(b"/")) or _within(path, home)

    def _look_due(self, now: float) -> None:
        with self._lock:
            due = [p for p, t in self._hints.items() if t <= now]
            for p in due:
                del self._hints[p]
        for p in due:
            root = self._root_of(p)
            if root is not None and self._is_online(root) and not self._ignored(p, root):
                self._look(p, root, now)

    def _is_online(self, root: bytes) -> bool:
        online = os.path.isdir(root)
        if self._online.get(root) != online:
            self._online[root] = online
            self._emit("online" if online else "offline", root)
        return online

    def _look(self, path: bytes, root: bytes, now: float) -> None:
        """Decide what a hinted path needs: nothing, a later look, a refusal, a grace period, or hashing."""
        if format_of(display_path(path)) is None and self.queue.document(path) is None:
            return
        try:
            st = self._stat_inside(path, root)
        except FileNotFoundError:
            self._settling.pop(path, None)
            if self.queue.mark_missing(path):
                self._emit("missing", path)
            return
        except ParseRefused as e:
            self._refuse_path(path, root, str(e))
            return
        if st is None or format_of(display_path(path)) is None:
            return
        doc = self.queue.document(path)
        if doc and doc.content_sha256 and (doc.size, doc.mtime_ns) == (st.st_size, st.st_mtime_ns):
            if doc.missing_since is not None:
                self.queue.observe(path, root, doc.content_sha256, doc.size, doc.mtime_ns, doc.pipeline)
            if doc.pipeline == self.pipeline:
                return
        if st.st_size > self.cfg.limits.max_bytes:
            reason = f"the file is {st.st_size:,} bytes, over the {self.cfg.limits.max_bytes:,}-byte limit"
            self._refuse_path(path, root, reason, st.st_size, st.st_mtime_ns)
            return
        key = (st.st_size, st.st_mtime_ns)
        seen = self._settling.get(path)
        first = self._changing_since.setdefault(path, now)
        if (seen is None or seen[:2] != key) and now - first > self.cfg.max_settle_s:
            self._changing_since.pop(path, None)
            self._settling.pop(path, None)
            reason = (f"the file kept changing for over {self.cfg.max_settle_s:g} s; not taught this time "
                      "(Lorafy looks again once it stops changing)")
            self._refuse_path(path, root, reason, st.st_size, st.st_mtime_ns)
            return
        if seen is None or seen[:2] != key:
            self._settling[path] = (*key, now)
            self.hint(path, self.cfg.settle_s)
        elif now - seen[2] < self.cfg.settle_s:
            self.hint(path, seen[2] + self.cfg.settle_s - now)
        else:
            del self._settling[path]
            if self._observe_now(path, root) != "changing":
                self._changing_since.pop(path, None)

    def _stat_inside(self, path: bytes, root: bytes) -> os.stat_result | None:
        """stat a regular file, following a symlink only if it stays inside ``root``; None for folders.

        FIFOs, devices and sockets raise ParseRefused (a clear status; they are never opened)."""
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            try:
                target = os.fsencode(os.path.realpath(path, strict=True))
            except (OSError, RuntimeError) as e:
                raise ParseRefused("a symlink loop or a broken symlink; Lorafy does not follow it") from e
            if not _within(target, os.fsencode(os.path.realpath(root))):
                raise ParseRefused("a symlink to a file outside the watched folder; Lorafy does not follow it")
            st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            return None
        if not stat.S_ISREG(st.st_mode):
            raise ParseRefused(not_regular(st.st_mode))
        return st

    def _observe_now(self, path: bytes, root: bytes | None, name: str | None = None, explicit: bool = False) -> str:
        """Hash the file and record it; if it changed while hashing, look again later.

        Returns what it caused: queued, waiting, linked, unchanged (IngestQueue.observe), refused, missing or changing.
        """
        try:
            st = os.stat(path)
            data, sha = _hash(path, self.cfg.limits.max_bytes)
            after = os.stat(path)
        except FileNotFoundError:
            if self.queue.mark_missing(path):
                self._emit("missing", path)
            return "missing"
        except ParseRefused as e:
            return self._refuse_path(path, root, str(e))
        except OSError as e:
            reason = f"cannot read the file ({e.strerror or e}); check its permissions"
            return self._refuse_path(path, root, reason)
        if after.st_size > self.cfg.limits.max_bytes:  # a dropped file skips _look's size check
            reason = f"the file is {after.st_size:,} bytes, over the {self.cfg.limits.max_bytes:,}-byte limit"
            return self._refuse_path(path, root, reason, after.st_size, after.st_mtime_ns)
        if (st.st_size, st.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
            self.hint(path, self.cfg.settle_s)
            return "changing"
        what = self.queue.observe(path, root, sha, after.st_size, after.st_mtime_ns, self.pipeline, name, explicit)
        if what in ("queued", "linked"):
            self._emit(what, path)
        if what == "linked":
            self._forget_orphans()
        return what

    # -- rescans ----------------------------------------------------------------------------------------------
    def _walk(self, top: bytes) -> Iterable[bytes]:
        home = os.fsencode(str(self.library.home.resolve()))
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            dirnames[:] = [d for d in dirnames if not is_ignored(display_path(d)) and
                           not _within(os.path.join(dirpath, d), home)]
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

    # -- jobs ----------------------------------------------------------------------------------------------------
    def _work_one(self, document_ids: list[int] | None) -> bool:
        job = self.queue.claim(self.cfg.max_attempts, document_ids)
        if job is None:
            return False
        self._current, self._progress = display_path(job.path), None
        try:
            self._run_job(job)
        finally:
            self._current, self._progress = None, None
        return True

    def _run_job(self, job: Job) -> None:
        self._emit("started", job.path)
        try:
            data, sha = _hash(job.path, self.cfg.limits.max_bytes)
        except FileNotFoundError:
            self.queue.cancel(job, "the file was deleted")
            self.hint(job.path, 0.0)
            return
        except ParseRefused as e:
            return self._refuse(job, str(e))
        except OSError as e:
            return self._refuse(job, f"cannot read the file ({e.strerror or e}); check its permissions")
        if sha != job.content_sha256:
            self.queue.cancel(job, "the file changed")
            self.hint(job.path, 0.0)
            return
        try:
            doc = parse_in_sandbox(data, display_path(job.path), self.cfg.limits)
        except ParseRefused as e:
            return self._refuse(job, str(e))
        self._teach(job, doc)

    def _teach(self, job: Job, doc) -> None:
        name = job.name or name_from(Path(display_path(job.path)).stem)
        prov = Provenance(job.content_sha256, job.pipeline, doc.sections, self.queue.committer(job))

        def progress(done: int, total: int) -> None:
            self._progress = (done, total)
            if self.on_event is not None:  # not logged: one per chunk
                try:
                    self.on_event(IndexEvent("progress", display_path(job.path), reason=f"{done}/{total}"))
                except Exception:
                    log.exception("indexer event callback failed")

        try:
            item: Item = self.owner.call(lambda svc: svc.teach_text(doc.text, name, "memory", display_path(job.path),
                                                                    progress, provenance=prov))
        except ValueError as e:  # nothing teachable (e.g. only whitespace after parsing)
            return self._refuse(job, str(e))
        except Exception as e:
            log.exception("teaching %s failed", display_path(job.path))
            reason = failure_reason(e)
            retry = self.queue.fail(job, reason, self.cfg.max_attempts)
            self._emit("failed", job.path, reason=reason + (" (will retry)" if retry else ""))
            return
        self._emit("indexed", job.path, item_id=item.id)
        self._forget_orphans(replaced_by=item.id)
        if not os.path.lexists(job.path):  # deleted while it was parsed or taught: its grace period starts now
            self.hint(job.path, 0.0)

    def _refuse(self, job: Job, reason: str) -> None:
        self.queue.refuse(job, reason)
        self._emit("refused", job.path, reason=reason)

    # -- watchdog ------------------------------------------------------------------------------------------------
    def _ensure_observer(self) -> None:
        online = tuple(r for r in self.roots if self._is_online(r))
        if self._observer is not None and self._observer.is_alive() and online == self._observed:
            return
        if self._observer is not None:
            log.info("restarting the file observer for %d folder(s)", len(online))
            self._next_rescan = 0.0  # events may have been missed
        self._stop_observer()
        if not online:
            return
        from watchdog.observers import Observer

        observer = Observer()
        handler = _Hints(self)
        for root in online:
            observer.schedule(handler, fs_path(root), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer, self._observed = observer, online

    def _stop_observer(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(5)
            self._observer, self._observed = None, ()

    def _refuse_path(self, path: bytes, root: bytes | None, reason: str, size: int = -1, mtime_ns: int = -1) -> str:
        """A file refused before it became a job (:meth:`_refuse` is for jobs): record ``path`` as refused for ``reason`` and tell the listeners; returns the status "refused"."""
        self.queue.refuse_path(path, root, reason, size, mtime_ns)
        self._emit("refused", path, reason=reason)
        return "refused"

    def _emit(self, kind: str, path: bytes, item_id: str | None = None, reason: str = "",
              old_item_id: str | None = None) -> None:
        log.info("%s %s %s", kind, display_path(path), reason)
        if self.on_event is not None:
            try:
                self.on_event(IndexEvent(kind, display_path(path), item_id, reason, old_item_id))
            except Exception:
                log.exception("indexer event callback failed")


class _Hints:
    """watchdog handler: every event only hints paths (files) or asks for a rescan (folders)."""

    def __init__(self, indexer: Indexer):
        self.indexer = indexer

    def dispatch(self, event: Any) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory:
            if event.event_type in ("created", "moved", "deleted"):
                self.indexer.request_rescan()
            return
        for p in (event.src_path, getattr(event, "dest_path", "")):
            if p:
                self.indexer.hint(p)
