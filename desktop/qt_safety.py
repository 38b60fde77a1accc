"""Detects Qt bindings that drop a reference to None on every call (PySide6 6.12.0 on CPython 3.11), which aborts a long-running app.

On CPython before 3.12 ``None`` is reference-counted like any object. PySide6 6.12.0 returns it from
void methods without the reference it owes, so each ``label.setText(...)`` takes one away; after some
tens of thousands of calls (minutes of an app teaching in the background) CPython aborts with
"none_dealloc: deallocating None". 6.11.3 does not. From CPython 3.12 on ``None`` is immortal and the
bug is harmless. ``pyproject.toml`` keeps PySide6 below 6.12 on Python 3.11; this probe tells a user
whose environment was set up otherwise, before the app starts (``lorafy app``, ``lorafy doctor``).
"""
from __future__ import annotations

import sys
from typing import Callable

FIX = 'pip install "PySide6-Essentials>=6.7,<6.12"'


def drops_none(call: Callable[[], object], n: int = 256) -> bool:
    """True if ``n`` calls of ``call`` leave None with fewer references than before (a binding's refcount bug)."""
    before = sys.getrefcount(None)
    for _ in range(n):
        call()
    return sys.getrefcount(None) < before - n // 2


def qt_problem() -> str | None:
    """Why the installed Qt bindings cannot run the app for long, with the fix; None when they can."""
    if sys.version_info >= (3, 12):  # None is immortal: a dropped reference does no harm
        return None
    import PySide6
    from PySide6.QtCore import QObject

    probe = QObject()
    if not drops_none(lambda: probe.setObjectName("probe")):
        return None
    return (f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} loses a reference to None on every "
            f"call and would abort the app after a while; install an earlier PySide6: {FIX}")
