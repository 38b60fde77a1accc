"""The exceptions a user can cause and fix (bad file, unknown item, wrong base): shown as one line, exit code 2."""
from __future__ import annotations

from desktop.store.library import LibraryError
from desktop.store.passages import PassageIndexError
from engine.core.adapter import AdapterError
from engine.core.base import BaseModelError
from engine.infer.onnx_hypernet import HypernetError

USER_ERRORS: tuple[type[BaseException], ...] = (
    AdapterError, BaseModelError, HypernetError, LibraryError, FileNotFoundError, IsADirectoryError,
    PermissionError, ValueError, PassageIndexError,
)
