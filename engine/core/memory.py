"""Give freed heap memory back to the operating system (glibc's malloc_trim); a no-op where there is none.

Freed buffers of a few MB stay in glibc's heap after their owner is gone: the hypernetwork's half-gigabyte of
dequantized weights once ONNX Runtime has its own copy, adapters unloaded from llama.cpp, and the activations of a
batch of taught documents once the teach queue runs dry (not after each document: the next one's activations would
then fault in fresh pages, 1.4x the teaching time; docs/results/memory/). Trimming at those moments keeps the
resident memory of the app near what it really uses.
"""
from __future__ import annotations

import ctypes
import functools
import sys


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's malloc_trim from the symbols already in the process (no library search, no subprocess), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl and other C libraries have no malloc_trim
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def return_free_memory() -> bool:
    """Ask the C allocator to release free heap pages now; True where that was possible (Linux with glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
