"""Parse a file's bytes in a child process with a time limit and a memory limit, so no input can take the app down.

The parent reads and hashes the bytes; the child (desktop.ingest.child) only
sees those bytes on stdin, caps its own address space and CPU time
(resource.setrlimit), parses, and answers with JSON. A timeout kills it. Any
failure becomes :class:`ParseRefused` with a reason for the user.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from desktop.ingest.parsers import ParsedDoc, ParseLimits, ParseRefused
from desktop.offline import OFFLINE_ENV

log = logging.getLogger(__name__)
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the desktop package
BOOT = f"import sys; sys.path.insert(0, {PACKAGE_ROOT!r}); from desktop.ingest.child import main; main()"
CHILD_ENV = {**OFFLINE_ENV, "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"}


NATIVE_OOM_SIGNALS = tuple(-sig for sig in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, getattr(signal, "SIGTRAP", 5),
                                           signal.SIGILL))
PARSE_CHILD_FLAG = "--parse-child"  # the frozen bundle's executable runs desktop.ingest.child when given this


def child_command() -> list[str]:
    """The child's command line: ``python -c BOOT``, or in a PyInstaller bundle (no python) the bundle's own executable."""
    if getattr(sys, "frozen", False):
        return [sys.executable, PARSE_CHILD_FLAG]
    return [sys.executable, "-c", BOOT]


def _crash_reason(proc: subprocess.CompletedProcess, limits: ParseLimits) -> str:
    err = proc.stderr.decode("utf-8", "replace").strip()
    if "MemoryError" in err or "Cannot allocate memory" in err or "std::bad_alloc" in err:
        return f"parsing needed more than the {limits.memory_mb} MiB memory limit; the file may be malformed or too large"
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"parsing used more than {limits.seconds:g} s of CPU time; the file may be malformed"
    last = err.splitlines()[-1] if err else "no message"
    if proc.returncode in NATIVE_OOM_SIGNALS:  # C/C++ parsers (pdfium) abort or trap when an allocation fails
        name = signal.Signals(-proc.returncode).name
        return (f"the parser stopped ({name}: {last[:120]}), which is how it fails at the {limits.memory_mb} MiB "
                "memory limit of the parse sandbox: the file most likely expands to more than that (a compressed "
                "stream or image that inflates to gigabytes) or is damaged")
    return f"the parser crashed (exit code {proc.returncode}: {last[:200]}); the file may be damaged"


def parse_in_sandbox(data: bytes, name: str, limits: ParseLimits) -> ParsedDoc:
    """Parse ``data`` (the bytes of a file called ``name``) in a child process; raise ParseRefused on any failure."""
    if len(data) > limits.max_bytes:  # refused here too: no point shipping it to a child
        raise ParseRefused(f"the file is {len(data):,} bytes, over the {limits.max_bytes:,}-byte limit; split it or raise max_bytes")
    header = json.dumps({"name": name, "limits": asdict(limits)}).encode() + b"\n"
    try:
        proc = subprocess.run(child_command(), input=header + data, capture_output=True, timeout=limits.seconds,
                              env={**os.environ, **CHILD_ENV})
    except subprocess.TimeoutExpired as e:
        raise ParseRefused(f"parsing took longer than {limits.seconds:g} s and was stopped; "
                           "the file may be malformed (or raise the parse time limit)") from e
    if proc.returncode != 0:
        raise ParseRefused(_crash_reason(proc, limits))
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise ParseRefused("the parser returned no result; the file may be damaged") from e
    if not out["ok"]:
        raise ParseRefused(out["reason"])
    return ParsedDoc.from_json(out["doc"])
