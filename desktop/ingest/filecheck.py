"""What the indexer may read and how: ignored names, regular-file checks, capped hashing, damaged adapters, reasons.

Pure helpers of :class:`desktop.ingest.watch.Indexer` and its job runner (:mod:`desktop.ingest.jobs`); Qt-free.
"""
from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import stat
from pathlib import Path

from desktop.ingest.parsers import ParseRefused

IGNORED_NAMES = ("~$*", ".~lock.*#", "*.swp", "*.swo", "*.swx", "*~", "*.tmp", "*.temp", "*.part", "*.partial",
                 "*.crdownload", "*.download", ".DS_Store", "Thumbs.db", "desktop.ini", "4913", "*.gguf", "*.onnx")


def is_ignored(name: str) -> bool:
    """Editor/sync temp files, dotfiles, models: never taught.

    >>> [is_ignored(n) for n in ("~$report.docx", ".~lock.a.odt#", "a.txt.swp", "notes.md", ".hidden", "x.gguf")]
    [True, True, True, False, True, True]
    """
    return name.startswith(".") or any(fnmatch.fnmatchcase(name, pat) for pat in IGNORED_NAMES)


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


def read_hashed(path: bytes, limit: int) -> tuple[bytes, str]:
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


def is_within(path: bytes, root: bytes) -> bool:
    """Whether ``path`` is ``root`` or lies under it.

    >>> is_within(b"/a/b/c", b"/a/b/"), is_within(b"/a/bc", b"/a/b"), is_within(b"/a/b", b"/a/b")
    (True, False, True)
    """
    return path == root or path.startswith(root.rstrip(b"/") + b"/")


def failure_reason(e: Exception) -> str:
    """A teach error as a per-file reason: a full disk says so in words, anything else names the exception."""
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return "the disk is full (no space left to write the adapter); free some space, then teach the file again"
    return f"{type(e).__name__}: {e}"
