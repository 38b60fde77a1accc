"""Ingestion test helpers: a model-free stand-in for desktop.service.Lorafy, and the library's invariants.

The stand-in makes real library commits of seeded random adapters on the tiny base.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

from desktop.store.library import Item, Library
from export.gguf_adapter import write_gguf_adapter


class FakeService:
    """teach_text writes a real, valid GGUF adapter (seeded by the text) through Library.commit_adapter; no model runs."""

    def __init__(self, home: Path, spec, make_adapter):
        self.library = Library(home)
        self.spec = spec
        self.make_adapter = make_adapter
        self.taught: list[str] = []  # texts, in teaching order
        self.forgotten: list[str] = []  # item ids
        self.fail_times = 0  # raise RuntimeError on the next N teach calls

    def teach_text(self, text, name, kind="memory", source="text", progress=None, provenance=None) -> Item:
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("simulated model failure")
        if not text.strip():
            raise ValueError("cannot teach an empty text")
        seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
        adapter = self.make_adapter(self.spec, rank=2, seed=seed)
        self.taught.append(text)
        if progress:
            progress(1, 1)
        item = Item(id=self.library.new_id(), name=name, kind=kind, source=source, tokens=len(text.split()), chunks=1,
                    created=time.time(), adapter="", base_sha256=self.spec.sha256)
        return self.library.commit_adapter(item, lambda p: write_gguf_adapter(adapter, p, self.spec), self.spec, provenance)

    def forget(self, key: str) -> Item:
        self.forgotten.append(key)
        return self.library.remove(key)

    def close(self) -> None:
        pass


def inline_parse(data: bytes, name: str, limits):
    """desktop.ingest.sandbox.parse_in_sandbox without the child process (for loops where spawning dominates)."""
    from desktop.ingest.parsers import parse_bytes

    return parse_bytes(data, name, limits)


def temp_files(home: Path) -> list[str]:
    """Lorafy temp files (``.<name>.tmp``) left under the home or its adapters folder."""
    return sorted(p.name for d in (home, home / "adapters") for p in d.iterdir() if p.name.endswith(".tmp"))


def check_library(lib: Library) -> None:
    """The library's invariants: every listed adapter exists, validates (engine.core.adapter_file) and matches its recorded
    sha256 and content name; adapters/ holds nothing else; the database passes ``PRAGMA integrity_check``."""
    from desktop.store.db import connection
    from desktop.store.library import sha256_file
    from engine.core.adapter_file import validate_adapter_file

    items = lib.items()
    with connection(lib.db_path) as con:
        rows = {r["file"]: r["sha256"] for r in con.execute("SELECT file, sha256 FROM adapters")}
        integrity = "; ".join(r[0] for r in con.execute("PRAGMA integrity_check"))
    assert integrity == "ok", integrity
    for item in items:
        assert item.adapter in rows, f"item {item.id} lists an unrecorded adapter {item.adapter}"
        validate_adapter_file(lib.adapter_path(item), None)
    for file, sha in rows.items():
        assert file == f"{sha}.gguf" and sha256_file(lib.adapters_dir / file) == sha, file
    assert sorted(p.name for p in lib.adapters_dir.iterdir()) == sorted({i.adapter for i in items})
