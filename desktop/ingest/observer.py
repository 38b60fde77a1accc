"""The folder observer: a watchdog Observer over the online watched folders whose events are only hints; Qt-free.

A file event hints its path(s) to the indexer (looked at after a debounce); a folder created, moved or deleted asks
for a rescan. :class:`desktop.ingest.watch.Indexer` keeps one and calls :meth:`FolderObserver.ensure` every step,
so a dead observer is restarted and a folder that comes online is watched.
"""
from __future__ import annotations

import logging
from typing import Any, Protocol

from desktop.ingest.queue import fs_path

log = logging.getLogger(__name__)


class HintTarget(Protocol):
    """What the observer tells about changes (the indexer)."""

    def hint(self, path: str | bytes, delay: float | None = None) -> None: ...

    def request_rescan(self) -> None: ...


class FolderObserver:
    """One watchdog Observer at a time, over exactly the folders last passed to :meth:`ensure`."""

    def __init__(self, target: HintTarget):
        self.target = target
        self._observer: Any = None
        self._observed: tuple[bytes, ...] = ()

    def ensure(self, online: tuple[bytes, ...]) -> bool:
        """Watch ``online`` (the watched folders that exist now) with a live observer.

        Returns True when a running observer was replaced or stopped (it died, or the folders changed): events may
        have been missed, so the caller rescans."""
        if self._observer is not None and self._observer.is_alive() and online == self._observed:
            return False
        replaced = self._observer is not None
        if replaced:
            log.info("restarting the file observer for %d folder(s)", len(online))
        self.stop()
        if not online:
            return replaced
        from watchdog.observers import Observer

        observer = Observer()
        handler = _Hints(self.target)
        for root in online:
            observer.schedule(handler, fs_path(root), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer, self._observed = observer, online
        return replaced

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(5)
            self._observer, self._observed = None, ()


class _Hints:
    """watchdog handler: every event only hints paths (files) or asks for a rescan (folders)."""

    def __init__(self, target: HintTarget):
        self.target = target

    def dispatch(self, event: Any) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory:
            if event.event_type in ("created", "moved", "deleted"):
                self.target.request_rescan()
            return
        for p in (event.src_path, getattr(event, "dest_path", "")):
            if p:
                self.target.hint(p)
