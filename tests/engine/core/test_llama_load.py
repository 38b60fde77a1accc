"""Every llama.cpp load goes through engine.core.llama_load, which never repacks weights (the AMX crash)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.core.llama_load import LlamaModel, LoadConfig, capture_log, load_vocab, model_params

ROOT = Path(__file__).resolve().parents[3]
LOADER = ROOT / "engine" / "core" / "llama_load.py"
# Anything that builds llama.cpp model parameters or loads a model by itself.
FORBIDDEN = {"Llama", "llama_model_load_from_file", "llama_load_model_from_file", "llama_model_default_params",
             "LlamaModel"}


def _python_files() -> list[Path]:
    dirs = ("engine", "export", "desktop", "tests", "bench", "packaging")
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py") if p != LOADER)


def _llama_cpp_uses(tree: ast.AST) -> list[str]:
    """Names from llama_cpp that a module calls or imports (``llama_cpp.Llama(``, ``from llama_cpp import Llama``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("llama_cpp"):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and "llama" in node.value.id.lower():
            if node.value.id in ("llama_cpp", "lc", "_lc", "llama_cpp_internals", "internals"):
                found.append(node.attr)
    return found


def test_no_module_loads_llama_cpp_models_by_itself():
    offenders = []
    for path in _python_files():
        uses = set(_llama_cpp_uses(ast.parse(path.read_text(encoding="utf-8"), str(path)))) & FORBIDDEN
        if uses:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(uses)}")
    assert not offenders, "load llama.cpp models through engine.core.llama_load only:\n" + "\n".join(offenders)


def test_the_scan_would_catch_a_direct_load():
    bad = "import llama_cpp\nllm = llama_cpp.Llama(model_path='m.gguf')\nfrom llama_cpp import Llama\n"
    assert set(_llama_cpp_uses(ast.parse(bad))) & FORBIDDEN == {"Llama"}


def _imports_llama_cpp_itself(tree: ast.AST) -> bool:
    """``import llama_cpp`` / ``from llama_cpp import x`` (a submodule import after llama_cpp_module() is fine)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "llama_cpp" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "llama_cpp" and node.level == 0 \
                and not all(a.name.startswith("_") for a in node.names):
            return True
    return False


def test_the_product_imports_llama_cpp_through_the_loader():
    """llama_cpp_module() opens the shared C++ runtime first; a bare import would skip that on a build that needs it."""
    product = [p for p in _python_files() if not p.is_relative_to(ROOT / "tests")]
    offenders = [str(p.relative_to(ROOT)) for p in product
                 if _imports_llama_cpp_itself(ast.parse(p.read_text(encoding="utf-8"), str(p)))]
    assert not offenders, "use engine.core.llama_load.llama_cpp_module():\n" + "\n".join(offenders)
    assert _imports_llama_cpp_itself(ast.parse("import llama_cpp\n"))
    assert _imports_llama_cpp_itself(ast.parse("from llama_cpp import llama_backend_init\n"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the shared C++ runtime is opened on Linux only")
def test_llama_cpp_module_opens_the_shared_cxx_runtime_first():
    code = ("import sys; from engine.core.llama_load import llama_cpp_module; "
            "before = 'libstdc++' in open('/proc/self/maps').read(); llama_cpp_module(); "
            "print(before, 'libstdc++' in open('/proc/self/maps').read(), 'llama_cpp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    before, after, imported = out.stdout.split()
    assert before == "False" and after == "True" and imported == "True"


def test_model_params_keep_weights_in_the_plain_cpu_buffer():
    p = model_params(n_gpu_layers=0)
    assert p.use_extra_bufts is False and p.n_gpu_layers == 0 and p.vocab_only is False
    assert model_params(vocab_only=True).vocab_only is True


def test_load_config_rejects_nonsense(tmp_path):
    with pytest.raises(ValueError, match="must be positive"):
        LoadConfig(tmp_path / "m.gguf", n_ctx=0)
    with pytest.raises(Exception, match="no such model file"):
        LlamaModel(LoadConfig(tmp_path / "missing.gguf"))


def _load_log(path: Path, **kw) -> list[str]:
    lines: list[str] = []
    restore = capture_log(lines.append)
    try:
        LlamaModel(LoadConfig(path, n_ctx=256, n_threads=1, **kw)).close()
    finally:
        restore()
    return lines


@pytest.mark.real_base
def test_no_repacked_buffer_type_is_even_tried(embedded_spec):
    """llama.cpp names the repack buffer types it considers (CPU_REPACK, AMX, ...) only when extra bufts are on.

    On CPUs where Q4_1 is not repacked the extra-bufts load still logs "preferred buffer type CPU_REPACK",
    so this test fails on any CPU if the product's setting flips.
    """
    ours = "".join(_load_log(embedded_spec.path))
    assert "REPACK" not in ours and "AMX" not in ours, ours[-2000:]
    assert "model buffer size" in ours  # the log was captured at all
    extra = "".join(_load_log(embedded_spec.path, use_extra_bufts=True))
    assert "REPACK" in extra or "AMX" in extra


@pytest.mark.real_base
def test_adapter_on_the_real_base_evaluates(embedded_spec, make_adapter, tmp_path):
    """On AMX CPUs with repacked weights this segfaulted; it must give finite logits that the adapter changes."""
    from engine.infer.runtime import Runtime, RuntimeConfig
    from export.gguf_adapter import write_gguf_adapter
    path = write_gguf_adapter(make_adapter(embedded_spec, seed=3, b_std=0.03), tmp_path / "a.gguf", embedded_spec)
    with Runtime(RuntimeConfig(embedded_spec.path, n_ctx=128, n_threads=2, n_gpu_layers=0), embedded_spec) as rt:
        ids = rt.tokenize("The kettle weighs")
        plain = rt.logits(ids)
        rt.set_active([(rt.load_adapter(path), 1.0)])
        adapted = rt.logits(ids)
    assert np.isfinite(adapted).all() and np.abs(adapted - plain).max() > 1e-3


@pytest.mark.real_base
def test_vocab_only_tokenizes_like_the_runtime(embedded_spec):
    with load_vocab(embedded_spec.path) as v:
        assert v.ctx is None
        ids = v.tokenize("Hello world".encode(), add_bos=False, special=True)
    assert len(ids) >= 2
