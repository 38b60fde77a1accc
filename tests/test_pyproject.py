"""pyproject.toml lists every package of the tree, so a non-editable install ships them all."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for top in ("engine", "export", "desktop")
             for p in (ROOT / top).rglob("__init__.py")}
    assert listed == found
