"""The exceptions a user can cause and fix (bad file, unknown item, wrong base): shown as one line, exit code 2."""
from __future__ import annotations

from engine.adapter import AdapterError
from engine.base import BaseModelError
from engine.onnx_hypernet import HypernetError
from desktop.library import LibraryError
from desktop.passages import PassageIndexError

USER_ERRORS: tuple[type[BaseException], ...] = (
    AdapterError, BaseModelError, HypernetError, LibraryError, FileNotFoundError, IsADirectoryError,
    PermissionError, ValueError, PassageIndexError,
)
