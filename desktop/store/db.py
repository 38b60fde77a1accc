"""The SQLite database of a Lorafy home (``<home>/lorafy.db``): schema, connection settings, transactions.

One file holds the library (items, adapters, sections) and the ingestion queue
(documents, jobs); other parts may add their own tables to the same file.
Every connection uses WAL, synchronous=FULL, foreign keys and a busy timeout;
writers take ``BEGIN IMMEDIATE`` so there is one writer at a time.
Connections are short-lived (one per operation), so any thread may call in.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Iterator

DB_NAME = "lorafy.db"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- adapter files inside <home>/adapters: '<sha256>.gguf' (content-addressed, immutable) or a legacy '<id>.gguf'
CREATE TABLE IF NOT EXISTS adapters (
    file TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    created REAL NOT NULL
);
-- taught items (memories and skills), content_sha256/pipeline are set for items taught from files
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('memory', 'skill')),
    source TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    created REAL NOT NULL,
    adapter TEXT NOT NULL REFERENCES adapters(file),
    base_sha256 TEXT NOT NULL,
    teach_seconds REAL NOT NULL DEFAULT 0,
    content_sha256 TEXT NOT NULL DEFAULT '',
    pipeline TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS items_by_content ON items (content_sha256, pipeline);
-- headings / chapters / pages of an item's source text: character offsets [start_char, end_char)
CREATE TABLE IF NOT EXISTS sections (
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    title TEXT NOT NULL,
    page INTEGER,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    PRIMARY KEY (item_id, idx)
);
-- files seen by the watcher or `lorafy teach FILE`, path as the OS gives it (bytes)
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    root BLOB,
    content_sha256 TEXT NOT NULL DEFAULT '',
    pipeline TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT -1,
    mtime_ns INTEGER NOT NULL DEFAULT -1,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'indexed', 'refused', 'failed', 'missing')),
    reason TEXT NOT NULL DEFAULT '',
    item_id TEXT REFERENCES items(id) ON DELETE SET NULL,
    name TEXT,
    updated REAL NOT NULL,
    missing_since REAL
);
CREATE INDEX IF NOT EXISTS documents_by_content ON documents (content_sha256, pipeline);
CREATE INDEX IF NOT EXISTS documents_by_item ON documents (item_id);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    content_sha256 TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, id);
"""


def _create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite opens it (its -wal/-shm files copy this mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode with WAL, synchronous=FULL, foreign keys and a busy timeout."""
    _create_private(path)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    return con


@contextlib.contextmanager
def connection(path: Path) -> Iterator[sqlite3.Connection]:
    con = connect(path)
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` (the write lock up front) ... ``COMMIT``; rolled back on any exception."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def init_db(path: Path) -> None:
    """Create the tables if needed and record the schema version; refuse a database from a newer Lorafy."""
    with connection(path) as con, transaction(con):
        for statement in SCHEMA.split(";"):
            if statement.strip():
                con.execute(statement)
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            con.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row["value"]) > SCHEMA_VERSION:
            raise RuntimeError(f"{path} was written by a newer Lorafy (schema {row['value']} > {SCHEMA_VERSION}); "
                               "upgrade Lorafy to open it")
