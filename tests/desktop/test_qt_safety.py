"""The probe for Qt bindings that drop references to None, and the installed PySide6 passing it."""
from __future__ import annotations

import ctypes
import sys

import pytest

from desktop.qt_safety import drops_none, qt_problem


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from CPython 3.12 on")
def test_the_probe_sees_a_call_that_drops_a_reference_to_none():
    none = ctypes.py_object(None)
    ctypes.pythonapi.Py_IncRef(none)  # lend the references the faulty call below takes back: nothing is lost
    for _ in range(300):
        ctypes.pythonapi.Py_IncRef(none)
    taken = []

    def faulty() -> None:  # what PySide6 6.12.0's void methods do on CPython 3.11
        ctypes.pythonapi.Py_DecRef(none)
        taken.append(1)

    assert drops_none(faulty, n=256)
    assert not drops_none(lambda: None, n=256)
    for _ in range(300 + 1 - len(taken)):
        ctypes.pythonapi.Py_DecRef(none)  # give back what was lent and not taken


def test_the_installed_pyside6_runs_the_app_for_long():
    assert qt_problem() is None
