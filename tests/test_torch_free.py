"""The user path (teach, ask) runs with torch, transformers and peft impossible to import."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The torch-free sub-packages: every module in them must import without torch, transformers or peft.
TORCH_FREE_PACKAGES = ("engine.core", "engine.infer", "engine.eval", "engine.data", "desktop")
TORCH_FREE_MODULES = ("export.gguf_adapter", "export.peft_adapter")

SCRIPT = f"""
import importlib, importlib.abc, sys

BLOCKED = ("torch", "transformers", "peft")

class BlockTraining(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is blocked: the user path must not import it")
        return None

sys.meta_path.insert(0, BlockTraining())
import pkgutil
names = list({TORCH_FREE_MODULES!r})
for package in {TORCH_FREE_PACKAGES!r}:
    root = importlib.import_module(package)
    names += [m.name for m in pkgutil.walk_packages(root.__path__, package + ".")]
assert len(names) > 40, names  # the walk found the packages' modules
for name in names:
    importlib.import_module(name)
from desktop.cli import main

home, base, bundle, doc = sys.argv[1:5]
common = ["--home", home, "--base", base, "--hypernet", bundle, "--threads", "1", "--cpu"]
assert main([*common, "teach", doc, "--name", "notes", "--json"]) == 0
assert main([*common, "ask", "Who owns the bakery?", "--use", "notes", "--max-tokens", "4", "--json"]) == 0
leaked = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
assert not leaked, leaked
assert "torch" not in sys.modules
"""


def test_teach_and_ask_without_torch(tiny_spec, tiny_bundle, tmp_path):
    doc = tmp_path / "notes.txt"
    doc.write_text("Lindqvist Bakery opened on Harbour Street in 1998. Its owner is Petra Lindqvist.\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "home"), str(tiny_spec.path),
                           str(tiny_bundle[0]), str(doc)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    taught, answer = (json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{"))
    assert taught["items"][0]["name"] == "notes" and taught["items"][0]["chunks"] == 1
    assert answer["mode"] == "adapter" and answer["adapters"] == ["notes"]
