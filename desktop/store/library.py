"""The library of taught items (memories and skills) and their adapter files, kept in ``<home>/lorafy.db``.

Adapters are immutable files ``<home>/adapters/<sha256>.gguf`` named by their
content. :meth:`Library.commit_adapter` is the one way a new adapter becomes
visible: write to a temp file, fsync, rename to its content name, validate,
then one transaction records the item (and, for files, the ingestion job and
sections); only after that may the runtime load it. :meth:`Library.recover`
(on start) re-queues interrupted jobs, removes its own temp files, moves
adapters it does not list (and other temp files) into ``<home>/quarantine/``
(never deleting what it did not make), and runs ``PRAGMA quick_check``. A ``library.json`` from an earlier
Lorafy is migrated on first open.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import stat
import time
import uuid
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from desktop.store.db import DB_NAME, connection, init_db, transaction
from engine.core.atomic import TEMP_SUFFIX, fsync_dir, fsync_file  # every temp file is ".<something>.tmp"
from engine.core.base import sha256_file

log = logging.getLogger(__name__)
INDEX_SCHEMA_VERSION = 1  # of the legacy library.json
KINDS = ("memory", "skill")
LEGACY_INDEX = "library.json"
LOCK_NAME = "ingest.lock"
QUARANTINE = "quarantine"  # files recovery found in the home but did not make: moved here, never deleted
MIN_ID_PREFIX = 6  # shortest id prefix that names an item
OWN_TEMP = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")  # the temp names Lorafy writes (engine.core.atomic, commit_adapter)


class LibraryError(Exception):
    """A library item is unknown or ambiguous, or the database is damaged."""


@dataclass(frozen=True)
class Item:
    """One taught text and its adapter."""

    id: str
    name: str
    kind: str  # memory (a document) or skill (an instruction)
    source: str  # file path or "text"
    tokens: int
    chunks: int
    created: float
    adapter: str  # file name inside home/adapters
    base_sha256: str
    teach_seconds: float = 0.0
    content_sha256: str = ""  # sha256 of the source file's bytes ("" for texts and skills)
    pipeline: str = ""  # ingestion pipeline that made it (parser version, base, hypernet)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LibraryError(f"unknown kind {self.kind!r}; expected one of {KINDS}")


ITEM_FIELDS = tuple(f.name for f in fields(Item))


@dataclass(frozen=True)
class Provenance:
    """Where an item's text came from, recorded in the same transaction as the item.

    ``sections``: objects with title/start/end/page (desktop.ingest.parsers.Section).
    ``record``: called inside that transaction with (connection, item), e.g. to mark its job done.
    """

    content_sha256: str = ""
    pipeline: str = ""
    sections: Sequence[Any] = ()
    record: Callable[[sqlite3.Connection, Item], None] | None = None


@dataclass(frozen=True)
class Recovery:
    """What :meth:`Library.recover` found and repaired."""

    quick_check: str
    requeued_jobs: int
    temp_removed: list[str] = field(default_factory=list)
    orphans_removed: list[str] = field(default_factory=list)
    broken_items: list[str] = field(default_factory=list)  # items whose adapter file was missing (dropped, re-queued)


def _make_private_dir(path: Path) -> bool:
    """Create ``path`` (and missing parents) with mode 0700; True if it was made here. An existing folder is left as
    it is: Lorafy never changes the mode of a folder it did not make."""
    if path.is_dir():
        return False
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return False
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask
    return True


def make_home(home: Path) -> Path:
    """Create the home and its adapters folder 0700 if missing; return the home.

    A home that already exists keeps its mode (a shared or sticky folder stays so); if others may read or
    write it, a warning says so.
    """
    home = Path(home).expanduser()
    made = _make_private_dir(home)
    _make_private_dir(home / "adapters")
    if not made:
        mode = stat.S_IMODE(home.stat().st_mode)
        if mode & 0o077:
            log.warning("%s is readable or writable by other users (mode %o); your taught documents live there: "
                        "use a private folder (chmod 700) or another --home", home, mode)
    return home


def damaged_message(db_path: Path, detail: str) -> str:
    """The one message for a damaged database, with a recovery that loses nothing."""
    return (f"{db_path}: the library database is damaged ({' '.join(detail.split())[:200]}). Nothing was changed. "
            f"Restore a backup of {db_path.name}, or move {db_path.name} (and any {db_path.name}-wal, "
            f"{db_path.name}-shm) out of the folder to start a new index: Lorafy then moves the adapters it no longer "
            f"lists into {db_path.parent / QUARANTINE} (nothing is deleted) and teaches watched folders again")


def _item(row: sqlite3.Row) -> Item:
    return Item(**{k: row[k] for k in ITEM_FIELDS})


class Library:
    """Items of one home in its SQLite database; every call opens its own short connection (any thread)."""

    def __init__(self, home: Path):
        self.home = make_home(home)
        self.db_path = self.home / DB_NAME
        self._lock_fd: int | None = None
        try:
            init_db(self.db_path)
            check = self.quick_check()
        except RuntimeError as e:
            raise LibraryError(f"{self.db_path}: cannot open the library ({e})") from e
        except sqlite3.DatabaseError as e:
            raise LibraryError(damaged_message(self.db_path, str(e))) from e
        if check != "ok":
            raise LibraryError(damaged_message(self.db_path, check))
        self._migrate_json()

    @property
    def adapters_dir(self) -> Path:
        return self.home / "adapters"

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection to the home's database; damage found while using it raises LibraryError (one message)."""
        try:
            with connection(self.db_path) as con:
                yield con
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and "malformed" not in str(e) and "not a database" not in str(e):
                raise
            raise LibraryError(damaged_message(self.db_path, str(e))) from e

    # -- the interface the CLI, the app and the server use --------------------------------------
    def items(self) -> list[Item]:
        with self.connect() as con:
            return [_item(r) for r in con.execute("SELECT * FROM items ORDER BY created, rowid")]

    def item(self, item_id: str) -> Item | None:
        with self.connect() as con:
            row = con.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
        return _item(row) if row else None

    def new_id(self) -> str:
        return uuid.uuid4().hex[:10]

    def add(self, item: Item) -> Item:
        """Record an item whose adapter file is already in ``adapters_dir`` (replaces an item with the same id)."""
        path = self.adapter_path(item)
        if not path.is_file():
            raise LibraryError(f"{path}: no such adapter file; write it before adding the item")
        with self.connect() as con, transaction(con):
            self._insert(con, item, sha256_file(path), path.stat().st_size)
        return item

    def _insert(self, con: sqlite3.Connection, item: Item, sha: str, size: int) -> None:
        con.execute("INSERT OR IGNORE INTO adapters (file, sha256, size, created) VALUES (?, ?, ?, ?)",
                    (item.adapter, sha, size, time.time()))
        cols = ", ".join(ITEM_FIELDS)
        updates = ", ".join(f"{k} = excluded.{k}" for k in ITEM_FIELDS if k != "id")
        con.execute(f"INSERT INTO items ({cols}) VALUES ({', '.join('?' * len(ITEM_FIELDS))}) "
                    f"ON CONFLICT (id) DO UPDATE SET {updates}", [getattr(item, k) for k in ITEM_FIELDS])

    def resolve(self, key: str) -> Item:
        """Find an item by full id or exact name, else by an id prefix of at least ``MIN_ID_PREFIX`` characters;
        raise LibraryError if none or several match (an empty key matches nothing)."""
        if not key or not key.strip():
            raise LibraryError("give a memory or skill by its name or id; see `lorafy list`")
        items = self.items()
        exact = [i for i in items if i.id == key] or [i for i in items if i.name == key]
        found = exact or ([i for i in items if i.id.startswith(key)] if len(key) >= MIN_ID_PREFIX else [])
        if not found and 0 < len(key) < MIN_ID_PREFIX and any(i.id.startswith(key) for i in items):
            raise LibraryError(f"{key!r} is too short to name an item: give its name, its full id or at least "
                               f"{MIN_ID_PREFIX} characters of the id; see `lorafy list`")
        if not found:
            raise LibraryError(f"no memory or skill called {key!r}; see `lorafy list`")
        if len(found) > 1:
            raise LibraryError(f"{key!r} matches {len(found)} items ({', '.join(i.id for i in found)}); use the id")
        return found[0]

    def remove(self, key: str) -> Item:
        """Forget an item: drop it from the database, then delete its adapter file unless another item shares it."""
        item = self.resolve(key)
        with self.connect() as con, transaction(con):
            con.execute("DELETE FROM items WHERE id = ?", (item.id,))
            shared = con.execute("SELECT 1 FROM items WHERE adapter = ? LIMIT 1", (item.adapter,)).fetchone()
            if not shared:
                con.execute("DELETE FROM adapters WHERE file = ?", (item.adapter,))
        if not shared:
            self.adapter_path(item).unlink(missing_ok=True)
        return item

    def adapter_path(self, item: Item) -> Path:
        return self.adapters_dir / item.adapter

    def sections(self, item_id: str) -> list:
        """The item's sections (desktop.ingest.parsers.Section) in text order; [] for texts and skills."""
        from desktop.ingest.parsers import Section

        with self.connect() as con:
            rows = con.execute("SELECT title, start_char, end_char, page FROM sections WHERE item_id = ? ORDER BY idx",
                               (item_id,)).fetchall()
        return [Section(r["title"], r["start_char"], r["end_char"], r["page"]) for r in rows]

    # -- committing a new adapter ----------------------------------------------------------------
    def commit_adapter(self, item: Item, write: Callable[[Path], Any], spec=None,
                       provenance: Provenance | None = None) -> Item:
        """Make ``write(path)``'s adapter part of the library; return the recorded item.

        Order: write to a temp file, fsync, rename to ``<sha256>.gguf``, validate
        (engine.core.adapter_file), then one transaction inserts the adapter, the item,
        its sections and ``provenance.record``. A crash at any point leaves either
        nothing or a file that :meth:`recover` removes; never a listed, broken adapter.
        """
        from engine.core.adapter_file import validate_adapter_file

        tmp = self.adapters_dir / f".{item.id}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            write(tmp)
            fsync_file(tmp)
            sha, size = sha256_file(tmp), tmp.stat().st_size
            final = self.adapters_dir / f"{sha}.gguf"
            os.chmod(tmp, 0o600)
            os.replace(tmp, final)  # same bytes if it already exists: content-addressed
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(self.adapters_dir)
        try:
            validate_adapter_file(final, spec)
        except Exception:
            self._drop_if_unreferenced(final.name)
            raise
        prov = provenance or Provenance()
        item = replace(item, adapter=final.name, content_sha256=prov.content_sha256 or item.content_sha256,
                       pipeline=prov.pipeline or item.pipeline)
        try:
            with self.connect() as con, transaction(con):
                self._insert(con, item, sha, size)
                con.executemany("INSERT INTO sections (item_id, idx, title, page, start_char, end_char) "
                                "VALUES (?, ?, ?, ?, ?, ?)",
                                [(item.id, i, s.title, s.page, s.start, s.end) for i, s in enumerate(prov.sections)])
                if prov.record is not None:
                    prov.record(con, item)
        except Exception:  # nothing recorded: the new file must not stay behind as an orphan
            self._drop_if_unreferenced(final.name)
            raise
        return item

    def _drop_if_unreferenced(self, file: str) -> None:
        with self.connect() as con:
            used = con.execute("SELECT 1 FROM adapters WHERE file = ?", (file,)).fetchone()
        if not used:
            (self.adapters_dir / file).unlink(missing_ok=True)

    # -- start-up recovery -----------------------------------------------------------------------
    def try_lock(self) -> bool:
        """Take the home's ingestion lock (one indexer per home runs recovery); False if another process holds it."""
        if self._lock_fd is not None:
            return True
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks here; recovery's age guard still protects writers
            return True
        fd = os.open(self.home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def quick_check(self) -> str:
        with self.connect() as con:
            return "; ".join(r[0] for r in con.execute("PRAGMA quick_check"))

    def recover(self, min_age_s: float = 60.0) -> Recovery:
        """Repair what a crash can leave: re-queue running jobs, drop items whose file is gone, delete Lorafy's temp
        files and quarantine unlisted adapter files older than ``min_age_s`` (younger ones may belong to a live
        writer)."""
        check = self.quick_check()
        if check != "ok":
            raise LibraryError(damaged_message(self.db_path, check))
        now = time.time()
        with self.connect() as con, transaction(con):
            requeued = con.execute("UPDATE jobs SET state = 'queued', updated = ? WHERE state = 'running'", (now,)).rowcount
            con.execute("UPDATE documents SET status = 'queued' WHERE status = 'running'")
            broken = [r["id"] for r in con.execute("SELECT id, adapter FROM items")
                      if not (self.adapters_dir / r["adapter"]).is_file()]
            for item_id in broken:
                self._requeue_documents_of(con, item_id, now)
                con.execute("DELETE FROM items WHERE id = ?", (item_id,))
            con.execute("DELETE FROM adapters WHERE file NOT IN (SELECT adapter FROM items)")
            referenced = {r[0] for r in con.execute("SELECT file FROM adapters")}
        temps, orphans = self._sweep_files(referenced, now - min_age_s)
        if requeued or broken or temps or orphans:
            log.warning("recovered %s: %d job(s) re-queued, %d broken item(s), %d temp and %d orphan file(s) removed",
                        self.home, requeued, len(broken), len(temps), len(orphans))
        return Recovery(check, requeued, temps, orphans, broken)

    @staticmethod
    def _requeue_documents_of(con: sqlite3.Connection, item_id: str, now: float) -> None:
        for d in con.execute("SELECT id, content_sha256, pipeline FROM documents WHERE item_id = ?", (item_id,)).fetchall():
            con.execute("UPDATE documents SET status = 'queued', item_id = NULL, updated = ? WHERE id = ?", (now, d["id"]))
            con.execute("INSERT INTO jobs (document_id, content_sha256, pipeline, state, created, updated) "
                        "VALUES (?, ?, ?, 'queued', ?, ?)", (d["id"], d["content_sha256"], d["pipeline"], now, now))

    def _sweep_files(self, referenced: set[str], older_than: float) -> tuple[list[str], list[str]]:
        """Temp files Lorafy writes (``.<name>.<8 hex>.tmp``) are deleted; adapters the database does not list and
        other ``.*.tmp`` files are moved into ``<home>/quarantine/`` (never deleted: they may be the user's, or the
        library of a database that was moved away). Files younger than ``older_than`` are left alone."""
        temps, orphans = [], []
        for folder in (self.home, self.adapters_dir):
            for p in folder.iterdir():
                try:
                    old = stat.S_ISREG(p.lstat().st_mode) and p.lstat().st_mtime <= older_than
                except OSError:
                    continue
                if not old:
                    continue
                if OWN_TEMP.match(p.name):
                    p.unlink(missing_ok=True)
                    temps.append(p.name)
                elif p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX) or (
                        folder == self.adapters_dir and p.suffix == ".gguf" and p.name not in referenced):
                    self.quarantine(p)
                    orphans.append(p.name)
        return temps, orphans

    def quarantine(self, path: Path) -> Path:
        """Move a file into ``<home>/quarantine/`` under a name not taken yet; return where it went."""
        qdir = self.home / QUARANTINE
        _make_private_dir(qdir)
        dest, n = qdir / path.name, 1
        while dest.exists():
            dest, n = qdir / f"{path.stem}.{n}{path.suffix}", n + 1
        os.replace(path, dest)
        log.warning("moved %s into %s (Lorafy does not list it; nothing was deleted)", path, dest)
        return dest

    # -- migration from library.json --------------------------------------------------------------
    def _migrate_json(self) -> None:
        """Move items from an earlier Lorafy's library.json into the database (once; the JSON is kept as .migrated)."""
        old = self.home / LEGACY_INDEX
        if not old.exists():
            return
        try:
            items = [Item(**row) for row in json.loads(old.read_text())["items"]]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise LibraryError(f"{old}: library index is damaged ({e}); move it away to start afresh") from e
        with self.connect() as con, transaction(con):
            for item in items:
                path = self.adapter_path(item)
                if not path.is_file():
                    log.warning("%s: adapter %s of %r is missing; not migrated", old, path, item.name)
                    continue
                self._insert(con, item, sha256_file(path), path.stat().st_size)
        os.replace(old, self.home / f"{LEGACY_INDEX}.migrated")
        log.info("migrated %d item(s) from %s into %s", len(items), old, self.db_path)


def now() -> float:
    return time.time()
