"""The durable ingestion queue: per-file documents and teach jobs in the library's database, keyed by (content sha256, pipeline).

A file is *observed* once its bytes are hashed. Unchanged content (a duplicate
event, a rename, a copy of a file already taught) links to the existing item
and makes no job; new content makes one job; an edit keeps the old item until
the new one is committed, then the old one becomes an orphan for the indexer
to forget. Deleted files are marked missing and purged after a grace period.
Every state change is one ``BEGIN IMMEDIATE`` transaction.
"""
from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from desktop.store.db import transaction
from desktop.store.library import Item, Library

DOC_STATUSES = ("queued", "running", "indexed", "refused", "failed")
FINAL = ("indexed", "refused", "failed")


def display_path(path: bytes) -> str:
    """A path for people and logs: undecodable bytes shown as U+FFFD."""
    return path.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Document:
    """One file's row: where it is, what it held when last hashed, and what became of it."""

    id: int
    path: bytes
    root: bytes | None
    content_sha256: str
    pipeline: str
    size: int
    mtime_ns: int
    status: str  # queued, running, indexed, refused, failed
    reason: str  # why refused/failed, for the user
    item_id: str | None
    name: str | None
    updated: float
    missing_since: float | None  # set while the file is gone (purged after the grace period)

    @property
    def display(self) -> str:
        return display_path(self.path)


@dataclass(frozen=True)
class Job:
    """A claimed teach job: the document to read and the content it must still have."""

    id: int
    document_id: int
    path: bytes
    name: str | None
    content_sha256: str
    pipeline: str
    attempts: int


def _doc(row: sqlite3.Row) -> Document:
    return Document(**{k: row[k] for k in Document.__dataclass_fields__})


CANCELLED = "cancelled by you (teach it again, or change it, to teach it)"


class IngestQueue:
    """Documents and jobs of one library; every method is one short connection (safe from any thread)."""

    def __init__(self, library: Library):
        self.library = library

    def document(self, path: bytes) -> Document | None:
        with self.library.connect() as con:
            row = con.execute("SELECT * FROM documents WHERE path = ?", (path,)).fetchone()
        return _doc(row) if row else None

    def documents(self, root: bytes | None = None) -> list[Document]:
        """All documents, or those recorded under ``root``."""
        with self.library.connect() as con:
            rows = con.execute("SELECT * FROM documents" + (" WHERE root = ?" if root is not None else "") + " ORDER BY id",
                               (root,) if root is not None else ()).fetchall()
        return [_doc(r) for r in rows]

    def unfinished(self) -> list[Document]:
        """Documents not (yet) taught: queued, running, refused or failed, oldest first."""
        with self.library.connect() as con:
            rows = con.execute("SELECT * FROM documents WHERE status != 'indexed' ORDER BY id").fetchall()
        return [_doc(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Documents per status (queued, running, indexed, refused, failed) plus ``missing``."""
        with self.library.connect() as con:
            out = {s: 0 for s in DOC_STATUSES}
            out.update({r[0]: r[1] for r in con.execute("SELECT status, COUNT(*) FROM documents GROUP BY status")})
            out["missing"] = con.execute("SELECT COUNT(*) FROM documents WHERE missing_since IS NOT NULL").fetchone()[0]
        return out

    # -- observing files ---------------------------------------------------------------------------
    def observe(self, path: bytes, root: bytes | None, sha: str, size: int, mtime_ns: int, pipeline: str,
                name: str | None = None, explicit: bool = False) -> str:
        """Record a hashed file; return what it caused: unchanged, linked, waiting (same content queued) or queued.

        ``explicit`` (``lorafy teach FILE``, a drop on the app): re-teach content whose item the user forgot, whose job
        failed or whose teaching the user cancelled.
        """
        now = time.time()
        with self.library.connect() as con, transaction(con):
            row = con.execute("SELECT * FROM documents WHERE path = ?", (path,)).fetchone()
            doc = _doc(row) if row else None
            if doc and (doc.content_sha256, doc.pipeline) == (sha, pipeline) and not (
                    explicit and (doc.status == "failed" or (doc.status == "refused" and doc.reason == CANCELLED)
                                  or (doc.status == "indexed" and doc.item_id is None))):
                con.execute("UPDATE documents SET size = ?, mtime_ns = ?, root = coalesce(?, root), missing_since = NULL, "
                            "name = coalesce(?, name) WHERE id = ?", (size, mtime_ns, root, name, doc.id))
                return "unchanged"
            doc_id = self._upsert(con, doc, path, root, sha, size, mtime_ns, pipeline, name, now)
            con.execute("DELETE FROM jobs WHERE document_id = ? AND state = 'queued'", (doc_id,))
            existing = con.execute("SELECT id FROM items WHERE content_sha256 = ? AND pipeline = ? ORDER BY created LIMIT 1",
                                   (sha, pipeline)).fetchone()
            if existing:
                con.execute("UPDATE documents SET status = 'indexed', item_id = ? WHERE id = ?", (existing[0], doc_id))
                return "linked"
            pending = con.execute("SELECT 1 FROM jobs WHERE content_sha256 = ? AND pipeline = ? AND state IN "
                                  "('queued', 'running') LIMIT 1", (sha, pipeline)).fetchone()
            if not pending:
                con.execute("INSERT INTO jobs (document_id, content_sha256, pipeline, state, created, updated) "
                            "VALUES (?, ?, ?, 'queued', ?, ?)", (doc_id, sha, pipeline, now, now))
            return "waiting" if pending else "queued"

    @staticmethod
    def _upsert(con: sqlite3.Connection, doc: Document | None, path: bytes, root: bytes | None, sha: str, size: int,
                mtime_ns: int, pipeline: str, name: str | None, now: float) -> int:
        if doc is None:
            return con.execute("INSERT INTO documents (path, root, content_sha256, pipeline, size, mtime_ns, status, "
                               "name, updated) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
                               (path, root, sha, pipeline, size, mtime_ns, name, now)).lastrowid
        con.execute("UPDATE documents SET root = coalesce(?, root), content_sha256 = ?, pipeline = ?, size = ?, "
                    "mtime_ns = ?, status = 'queued', reason = '', name = coalesce(?, name), updated = ?, "
                    "missing_since = NULL WHERE id = ?", (root, sha, pipeline, size, mtime_ns, name, now, doc.id))
        return doc.id

    def refuse_path(self, path: bytes, root: bytes | None, reason: str, size: int = -1, mtime_ns: int = -1) -> None:
        """Record a file refused before hashing (unreadable, symlink out of the root, over the size cap)."""
        now = time.time()
        with self.library.connect() as con, transaction(con):
            con.execute("INSERT INTO documents (path, root, size, mtime_ns, status, reason, updated) "
                        "VALUES (?, ?, ?, ?, 'refused', ?, ?) ON CONFLICT (path) DO UPDATE SET status = 'refused', "
                        "reason = excluded.reason, size = excluded.size, mtime_ns = excluded.mtime_ns, content_sha256 = '', "
                        "updated = excluded.updated, missing_since = NULL", (path, root, size, mtime_ns, reason, now))
            con.execute("DELETE FROM jobs WHERE state = 'queued' AND document_id = (SELECT id FROM documents WHERE path = ?)",
                        (path,))

    # -- jobs --------------------------------------------------------------------------------------
    def claim(self, max_attempts: int, document_ids: Iterable[int] | None = None) -> Job | None:
        """Take the oldest queued job (optionally only for ``document_ids``); jobs out of attempts end as failed."""
        ids = None if document_ids is None else list(document_ids)
        where = "j.state = 'queued'" + ("" if ids is None else f" AND j.document_id IN ({','.join('?' * len(ids))})")
        now = time.time()
        with self.library.connect() as con, transaction(con):
            while True:
                row = con.execute("SELECT j.*, d.path, d.name FROM jobs j JOIN documents d ON d.id = j.document_id "
                                  f"WHERE {where} ORDER BY j.id LIMIT 1", ids or ()).fetchone()
                if row is None:
                    return None
                if row["attempts"] >= max_attempts:
                    self._end(con, row["id"], row["content_sha256"], row["pipeline"], "failed", "failed",
                              f"gave up after {row['attempts']} attempts: {row['error'] or 'interrupted'}", now)
                    continue
                con.execute("UPDATE jobs SET state = 'running', attempts = attempts + 1, updated = ? WHERE id = ?",
                            (now, row["id"]))
                con.execute("UPDATE documents SET status = 'running', updated = ? WHERE id = ?", (now, row["document_id"]))
                return Job(row["id"], row["document_id"], row["path"], row["name"], row["content_sha256"],
                           row["pipeline"], row["attempts"] + 1)

    @staticmethod
    def _end(con: sqlite3.Connection, job_id: int, sha: str, pipeline: str, job_state: str, doc_status: str,
             reason: str, now: float) -> None:
        con.execute("UPDATE jobs SET state = ?, error = ?, updated = ? WHERE id = ?", (job_state, reason, now, job_id))
        con.execute("UPDATE documents SET status = ?, reason = ?, updated = ? WHERE content_sha256 = ? AND pipeline = ? "
                    "AND status IN ('queued', 'running')", (doc_status, reason, now, sha, pipeline))

    def committer(self, job: Job) -> Callable[[sqlite3.Connection, Item], None]:
        """The hook :meth:`Library.commit_adapter` runs inside its transaction: job done, documents linked to the item."""
        def record(con: sqlite3.Connection, item: Item) -> None:
            now = time.time()
            con.execute("UPDATE jobs SET state = 'done', error = '', updated = ? WHERE id = ?", (now, job.id))
            con.execute("UPDATE documents SET status = 'indexed', reason = '', item_id = ?, updated = ? "
                        "WHERE content_sha256 = ? AND pipeline = ? AND status IN ('queued', 'running')",
                        (item.id, now, job.content_sha256, job.pipeline))
        return record

    def refuse(self, job: Job, reason: str) -> None:
        """The job's content cannot be taught (parser refusal): final, with the reason on every document holding it."""
        with self.library.connect() as con, transaction(con):
            self._end(con, job.id, job.content_sha256, job.pipeline, "failed", "refused", reason, time.time())

    def fail(self, job: Job, error: str, max_attempts: int) -> bool:
        """An unexpected error: re-queue the job (return True) unless it has used ``max_attempts``."""
        retry = job.attempts < max_attempts
        with self.library.connect() as con, transaction(con):
            self._end(con, job.id, job.content_sha256, job.pipeline, "queued" if retry else "failed",
                      "queued" if retry else "failed", error if not retry else "", time.time())
            if retry:
                con.execute("UPDATE jobs SET error = ? WHERE id = ?", (error, job.id))
        return retry

    def cancel(self, job: Job, why: str) -> None:
        """The file changed or vanished since it was hashed: drop the job; the indexer looks at the file again."""
        now = time.time()
        with self.library.connect() as con, transaction(con):
            con.execute("UPDATE jobs SET state = 'done', error = ?, updated = ? WHERE id = ?", (f"cancelled: {why}", now, job.id))
            con.execute("UPDATE documents SET status = 'queued', content_sha256 = '', updated = ? WHERE id = ? AND "
                        "status = 'running'", (now, job.document_id))

    def cancel_queued(self, path: bytes) -> bool:
        """The user's cancel of a file still waiting to be taught: it is shown as refused (``CANCELLED``) and not
        taught until it changes or is given again; False if it is not waiting. A file of the same content waiting
        on this one's job takes the job over."""
        now = time.time()
        with self.library.connect() as con, transaction(con):
            row = con.execute("SELECT * FROM documents WHERE path = ? AND status = 'queued'", (path,)).fetchone()
            if row is None:
                return False
            con.execute("UPDATE documents SET status = 'refused', reason = ?, updated = ? WHERE id = ?",
                        (CANCELLED, now, row["id"]))
            job = con.execute("SELECT id FROM jobs WHERE document_id = ? AND state = 'queued'", (row["id"],)).fetchone()
            if job is not None:
                heir = con.execute("SELECT id FROM documents WHERE content_sha256 = ? AND pipeline = ? AND status = "
                                   "'queued' AND id != ? ORDER BY id LIMIT 1",
                                   (row["content_sha256"], row["pipeline"], row["id"])).fetchone()
                if heir is None:
                    con.execute("DELETE FROM jobs WHERE id = ?", (job[0],))
                else:
                    con.execute("UPDATE jobs SET document_id = ? WHERE id = ?", (heir[0], job[0]))
            return True

    def queued_jobs(self, document_ids: Iterable[int] | None = None) -> int:
        """Jobs waiting to be claimed (a job another process is running does not count)."""
        ids = None if document_ids is None else list(document_ids)
        q = "SELECT COUNT(*) FROM jobs WHERE state = 'queued'"
        if ids is not None:
            q += f" AND document_id IN ({','.join('?' * len(ids))})"
        with self.library.connect() as con:
            return con.execute(q, ids or ()).fetchone()[0]

    # -- deletions ---------------------------------------------------------------------------------
    def mark_missing(self, path: bytes) -> bool:
        """The file is gone: start its grace period (True if it was not already missing)."""
        with self.library.connect() as con, transaction(con):
            return con.execute("UPDATE documents SET missing_since = ? WHERE path = ? AND missing_since IS NULL",
                               (time.time(), path)).rowcount > 0

    def missing_due(self, grace_s: float) -> list[Document]:
        with self.library.connect() as con:
            rows = con.execute("SELECT * FROM documents WHERE missing_since IS NOT NULL AND missing_since <= ?",
                               (time.time() - grace_s,)).fetchall()
        return [_doc(r) for r in rows]

    def delete_documents(self, paths: Iterable[bytes]) -> None:
        with self.library.connect() as con, transaction(con):
            con.executemany("DELETE FROM documents WHERE path = ?", [(p,) for p in paths])

    def forget_root(self, root: bytes) -> int:
        """Drop every document recorded under ``root`` (their items become orphans); return how many."""
        with self.library.connect() as con, transaction(con):
            return con.execute("DELETE FROM documents WHERE root = ?", (root,)).rowcount

    def orphaned_items(self) -> list[str]:
        """Items taught from files that no document points to any more (edited, deleted, forgotten folder)."""
        with self.library.connect() as con:
            return [r[0] for r in con.execute(
                "SELECT id FROM items i WHERE content_sha256 != '' AND NOT EXISTS "
                "(SELECT 1 FROM documents d WHERE d.item_id = i.id) ORDER BY created")]


def fs_path(path: bytes) -> str:
    """``path`` for os functions that want str (undecodable bytes kept via surrogateescape)."""
    return os.fsdecode(path)
