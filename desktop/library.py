"""The library of taught items (memories and skills) kept under the Lorafy home, behind one small interface.

Storage is one JSON index written atomically (temp, fsync, rename) with mode
0600 inside a 0700 home; adapters live in ``home/adapters``. The ingestion
work replaces the backing store without changing this interface.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.atomic import atomic_write_bytes

INDEX_SCHEMA_VERSION = 1
KINDS = ("memory", "skill")


class LibraryError(Exception):
    """A library item is unknown or ambiguous, or the index is damaged."""


@dataclass(frozen=True)
class Item:
    """One taught text and its adapter."""

    id: str
    name: str
    kind: str  # memory (a document) or skill (an instruction)
    source: str  # file path or "text"
    tokens: int
    chunks: int
    created: float
    adapter: str  # file name inside home/adapters
    base_sha256: str
    teach_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LibraryError(f"unknown kind {self.kind!r}; expected one of {KINDS}")


def make_home(home: Path) -> Path:
    """Create the home (0700) and its adapters folder; return the home."""
    home = Path(home).expanduser()
    (home / "adapters").mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    os.chmod(home / "adapters", 0o700)
    return home


class Library:
    """Items of one home; every change rewrites the index atomically."""

    def __init__(self, home: Path):
        self.home = make_home(home)
        self.index = self.home / "library.json"

    @property
    def adapters_dir(self) -> Path:
        return self.home / "adapters"

    def items(self) -> list[Item]:
        if not self.index.exists():
            return []
        try:
            raw = json.loads(self.index.read_text())
            return [Item(**row) for row in raw["items"]]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise LibraryError(f"{self.index}: library index is damaged ({e}); move it away to start afresh") from e

    def _save(self, items: list[Item]) -> None:
        data = {"schema_version": INDEX_SCHEMA_VERSION, "items": [asdict(i) for i in items]}
        atomic_write_bytes(self.index, (json.dumps(data, indent=1) + "\n").encode(), mode=0o600)

    def new_id(self) -> str:
        return uuid.uuid4().hex[:10]

    def add(self, item: Item) -> Item:
        items = [i for i in self.items() if i.id != item.id]
        self._save([*items, item])
        return item

    def resolve(self, key: str) -> Item:
        """Find an item by id, id prefix or exact name; raise LibraryError if none or several match."""
        items = self.items()
        exact = [i for i in items if i.id == key or i.name == key]
        found = exact or [i for i in items if i.id.startswith(key)]
        if not found:
            raise LibraryError(f"no memory or skill called {key!r}; see `lorafy list`")
        if len(found) > 1:
            raise LibraryError(f"{key!r} matches {len(found)} items ({', '.join(i.id for i in found)}); use the id")
        return found[0]

    def remove(self, key: str) -> Item:
        """Forget an item: drop it from the index, then delete its adapter file."""
        item = self.resolve(key)
        self._save([i for i in self.items() if i.id != item.id])
        (self.adapters_dir / item.adapter).unlink(missing_ok=True)
        return item

    def adapter_path(self, item: Item) -> Path:
        return self.adapters_dir / item.adapter


def now() -> float:
    return time.time()
