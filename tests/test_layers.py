"""Imports only flow down the layers: desktop -> export -> engine; inside engine, research -> train -> nn -> core."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What each package may import from the project (itself included). Every import counts, lazy ones too.
ALLOWED = {
    "engine.core": {"engine.core"},
    "engine.data": {"engine.data"},
    "engine.infer": {"engine.core", "engine.infer"},
    "engine.eval": {"engine.core", "engine.data", "engine.eval"},
    "engine.nn": {"engine.core", "engine.nn"},
    "engine.train": {"engine.core", "engine.data", "engine.nn", "engine.train"},
    "engine.research": {"engine.core", "engine.data", "engine.eval", "engine.nn", "engine.train", "engine.research"},
    "export": {"engine.core", "engine.infer", "engine.nn", "engine.train", "export"},
    "desktop": {"engine.core", "engine.data", "engine.infer", "engine.eval", "engine.nn", "engine.train", "export",
                "desktop"},
}


def package_of(module: str) -> str | None:
    """The layer a dotted module name belongs to (its longest prefix in ALLOWED)."""
    parts = module.split(".")
    for n in (2, 1):
        if ".".join(parts[:n]) in ALLOWED:
            return ".".join(parts[:n])
    return None


def project_imports(source: str) -> list[str]:
    """Dotted names of the project modules a source imports (``from engine.core import base`` -> engine.core.base)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [f"{node.module}.{a.name}" for a in node.names]
    return [m for m in found if m.split(".")[0] in ("engine", "export", "desktop")]


def violations(module: str, source: str) -> list[str]:
    layer = package_of(module)
    return [f"{module} imports {name}" for name in project_imports(source)
            if layer and package_of(name) not in ALLOWED[layer]]


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_imports_flow_down_the_layers():
    paths = sorted(p for d in ("engine", "export", "desktop") for p in (ROOT / d).rglob("*.py"))
    assert len(paths) > 60
    bad = [v for p in paths for v in violations(_module_name(p), p.read_text(encoding="utf-8"))]
    assert not bad, "\n".join(bad)


def test_every_engine_module_sits_in_a_role_package():
    loose = sorted(p.name for p in (ROOT / "engine").glob("*.py") if p.name != "__init__.py")
    assert not loose, f"engine/ holds only role sub-packages, not modules: {loose}"


def test_the_check_catches_an_upward_import():
    assert violations("engine.core.base", "from engine.nn.model import Llama\n") == [
        "engine.core.base imports engine.nn.model.Llama"]
    assert violations("engine.train.loop", "def f():\n    from engine.research import probe\n") == [
        "engine.train.loop imports engine.research.probe"]
    assert violations("engine.infer.runtime", "import desktop.cli\n") == ["engine.infer.runtime imports desktop.cli"]
    assert violations("desktop.cli", "from engine.core import base\nfrom export.gguf_adapter import x\n") == []
