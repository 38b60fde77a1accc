"""Atomic file writes: temp file, fsync, rename, fsync dir.

Nothing half-written is ever visible under the final name: data goes to a
hidden temp file in the destination's directory (same filesystem, so the
rename is atomic), is flushed to disk, then renamed over the destination; the
directory is fsynced so the rename itself survives a crash.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_bytes(d / "x.bin", b"hi").read_bytes()
b'hi'
"""
from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path
from typing import Iterator

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"


def temp_name(path: Path) -> Path:
    """A fresh hidden name next to ``path``: ``.<name>.<random>.tmp``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def fsync_dir(directory: Path) -> None:
    """fsync a directory so a rename inside it is durable (a no-op where unsupported, e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a closed file's data to disk (read-only descriptor where the mode allows no writing)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except PermissionError:
        fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_private(path: Path, mode: int) -> None:
    """Create an empty file with ``mode`` (never pre-existing, never wider than ``mode``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.close(fd)


def _remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        logger.warning("could not remove temp file %s: %s", path, e)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, mode: int = 0o600) -> Iterator[Path]:
    """Yield an empty temp file's path next to ``path``; on success it is fsynced and renamed onto ``path``.

    The temp file is created with ``mode`` before anything is written, so its
    contents are never readable by others; write to it by name (reopening
    with ``"wb"`` keeps the mode). On any exception it is deleted and the
    exception propagates; ``path`` is then untouched.
    """
    path = Path(path)
    tmp = temp_name(path)
    _create_private(tmp, mode)
    try:
        yield tmp
        fsync_file(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, mode: int = 0o600) -> Path:
    """Write ``data`` to ``path`` atomically with file mode ``mode``; return the path."""
    path = Path(path)
    with atomic_path(path, mode) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
    return path
