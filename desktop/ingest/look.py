"""Looking at one path for the indexer: is it in a watched folder, settled, a regular file inside, under the cap?

A hinted path is stat-ed (a symlink is followed only while it stays inside its folder; FIFOs, devices and sockets
are refused unopened), waits until its size and mtime have stayed the same for ``settle_s``, is hashed, and is
recorded in the queue (queued, linked to an item with the same content, or unchanged). A path refused here is
recorded with its reason and never becomes a job. Qt-free.
"""
from __future__ import annotations

import logging
import os
import stat

from desktop.ingest.filecheck import adapter_damage, is_ignored, is_within, not_regular, read_hashed
from desktop.ingest.parsers import ParseRefused, format_of
from desktop.ingest.queue import display_path
from desktop.store.library import LibraryError

log = logging.getLogger(__name__)


class PathLooker:
    """Looking at paths, mixed into :class:`desktop.ingest.watch.Indexer`.

    Uses the indexer's ``roots``, ``library``, ``queue``, ``cfg``, ``owner`` and ``pipeline``, its hint table
    (``_lock``, ``_hints``), settling state (``_settling``, ``_changing_since``), ``_online``, and its ``hint``,
    ``_emit`` and ``_forget_orphans``."""

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

    def _root_of(self, path: bytes) -> bytes | None:
        found = [r for r in self.roots if is_within(path, r)]
        return max(found, key=len) if found else None

    def _ignored(self, path: bytes, root: bytes) -> bool:
        rel = os.path.relpath(path, root)
        home = os.fsencode(str(self.library.home.resolve()))
        return any(is_ignored(display_path(part)) for part in rel.split(b"/")) or is_within(path, home)

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
            if not is_within(target, os.fsencode(os.path.realpath(root))):
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
            data, sha = read_hashed(path, self.cfg.limits.max_bytes)
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

    def _refuse_path(self, path: bytes, root: bytes | None, reason: str, size: int = -1, mtime_ns: int = -1) -> str:
        """A file refused before it became a job (:meth:`_refuse` is for jobs): record ``path`` as refused for ``reason`` and tell the listeners; returns the status "refused"."""
        self.queue.refuse_path(path, root, reason, size, mtime_ns)
        self._emit("refused", path, reason=reason)
        return "refused"
