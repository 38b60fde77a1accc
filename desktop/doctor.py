"""`lorafy doctor`: what Lorafy runs on here, and a two-second teach + ask self-check with a pass/fail line.

The report is plain data (``report()`` -> dict); ``format_report`` turns it into the text that the CLI
prints and the app shows under Help -> Diagnostics. Nothing here touches the network or the user's
library: the self-check teaches into a temporary home that is deleted afterwards.
"""
from __future__ import annotations

import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

SELF_CHECK_TEXT = "The Kestrel K2 kettle weighs 1.3 kg. It was designed by Ilse Marwick in Tromsø."
SELF_CHECK_QUESTION = "Who designed the Kestrel K2 kettle?"
CPU_FLAGS = ("avx2", "avx512f", "avx512_vnni", "amx_tile", "amx_int8", "neon", "sve")


@dataclass(frozen=True)
class DoctorConfig:
    """What the doctor looks at: the service settings it checks and whether to run the self-check."""

    self_check: bool = True
    max_tokens: int = 16


def cpu_info() -> dict:
    """CPU model, cores and the instruction-set flags that matter to llama.cpp (Linux /proc/cpuinfo; else platform)."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith("model name") and ":" in line:
                name = line.split(":", 1)[1].strip()
            if line.startswith(("flags", "Features")) and ":" in line:
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    import os

    return {"model": name, "cores": os.cpu_count(), "machine": platform.machine(),
            "flags": [f for f in CPU_FLAGS if f in flags]}


def qt_info() -> dict:
    """The Qt bindings the app runs on, and why they cannot run it for long (None when they can)."""
    try:
        import PySide6

        from desktop.qt_safety import qt_problem
    except ImportError as e:
        return {"pyside6": None, "problem": f"PySide6 is not installed ({e}); the app needs it"}
    return {"pyside6": PySide6.__version__, "problem": qt_problem()}


def llama_info() -> dict:
    """llama.cpp build: version, the CPU features it was compiled with, GPU offload, and Lorafy's load setting."""
    from engine.core.llama_load import USE_EXTRA_BUFTS, llama_cpp_module

    llama_cpp = llama_cpp_module()

    system = llama_cpp.llama_print_system_info().decode(errors="replace").strip()
    return {"llama_cpp_python": llama_cpp.__version__, "system_info": system,
            "gpu_offload": bool(llama_cpp.llama_supports_gpu_offload()),
            "weights_repacked": bool(USE_EXTRA_BUFTS)}


def onnx_info(session_providers: list[str] | None) -> dict:
    import onnxruntime

    return {"version": onnxruntime.__version__, "available": list(onnxruntime.get_available_providers()),
            "in_use": session_providers}


def disk_info(home: Path) -> dict:
    """The library folder, its adapters' bytes and the free space on its disk."""
    files = list((home / "adapters").glob("*.gguf"))
    used, count = sum(p.stat().st_size for p in files), len(files)
    probe = home if home.exists() else home.parent
    free = shutil.disk_usage(probe).free if probe.exists() else None
    return {"home": str(home), "exists": home.exists(), "adapters": count, "adapter_bytes": used, "free_bytes": free}


def self_check(make_service: Callable[[Path], object], cfg: DoctorConfig) -> dict:
    """Teach a two-sentence memory into a temporary home and ask about it with the adapter; time both."""
    with tempfile.TemporaryDirectory(prefix="lorafy-doctor-") as tmp:
        svc = make_service(Path(tmp) / "home")
        try:
            t0 = time.perf_counter()
            svc.load()
            load_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            item = svc.teach_text(SELF_CHECK_TEXT, "doctor-check")
            teach_s = time.perf_counter() - t1
            answer = svc.ask(SELF_CHECK_QUESTION, use=[item.id], max_tokens=cfg.max_tokens)
            info = {"providers": list(svc.hypernet.providers), "n_gpu_layers": svc.runtime.offloaded_layers,
                    "n_layer": svc.spec.n_layer}
        finally:
            svc.close()
    ok = bool(answer.text.strip())
    return {"ok": ok, "load_s": round(load_s, 3), "teach_s": round(teach_s, 3), "answer_s": round(answer.seconds, 3),
            "answer": answer.text, "knows_designer": "marwick" in answer.text.lower(), **info}


def report(make_service: Callable[[Path], object], home: Path, base_path: Path | None, hypernet_dir: Path | None,
           cfg: DoctorConfig = DoctorConfig()) -> dict:
    """Everything ``lorafy doctor`` shows, as plain data. Problems become ``errors`` lines, never exceptions."""
    from engine.core.base import load_base
    from engine.infer.onnx_hypernet import default_bundle, read_bundle_config

    out: dict = {"python": sys.version.split()[0], "platform": platform.platform(), "cpu": cpu_info(), "errors": []}
    try:
        spec = load_base(base_path)  # checks the sha256 of the embedded base
        out["base"] = {"path": str(spec.path), "name": spec.name, "sha256": spec.sha256, "sha256_ok": True,
                       "layers": spec.n_layer, "context_length": spec.context_length}
        bundle = Path(hypernet_dir) if hypernet_dir else default_bundle(spec)
        bcfg = read_bundle_config(bundle)
        out["hypernet"] = {"path": str(bundle), "step": bcfg.get("step"), "name": bcfg.get("name", bundle.name),
                           "matches_base": bcfg.get("base_sha256") == spec.sha256}
    except Exception as e:  # noqa: BLE001 - the doctor reports, it does not crash
        out["errors"].append(f"model files: {e}")
    out["qt"] = qt_info()
    if out["qt"]["problem"]:
        out["errors"].append(f"Qt: {out['qt']['problem']}")
    out["llama_cpp"] = llama_info()
    out["onnxruntime"] = onnx_info(None)
    out["disk"] = disk_info(home)
    if cfg.self_check and not out["errors"]:
        try:
            out["self_check"] = self_check(make_service, cfg)
            out["onnxruntime"]["in_use"] = out["self_check"]["providers"]
        except Exception as e:  # noqa: BLE001
            out["self_check"] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    out["ok"] = not out["errors"] and out.get("self_check", {"ok": True})["ok"]
    return out


def _mb(n: int | None) -> str:
    return "?" if n is None else f"{n / 1e6:,.1f} MB"


def format_report(r: dict) -> str:
    """The report as aligned text lines (CLI and the app's Diagnostics dialog)."""
    cpu, lc, ort, disk = r["cpu"], r["llama_cpp"], r["onnxruntime"], r["disk"]
    lines = [f"{'system':<14} Python {r['python']} on {r['platform']}",
             f"{'cpu':<14} {cpu['model']} ({cpu['cores']} cores; {' '.join(cpu['flags']) or 'no listed extensions'})"]
    if "base" in r:
        b = r["base"]
        lines.append(f"{'base':<14} {b['name']} ({b['layers']} layers, {b['context_length']} tokens) "
                     f"sha256 {b['sha256'][:12]}… ok — {b['path']}")
    if "hypernet" in r:
        h = r["hypernet"]
        lines.append(f"{'hypernetwork':<14} {h['name']} step {h['step']} "
                     f"({'matches the base' if h['matches_base'] else 'DOES NOT match the base'}) — {h['path']}")
    qt = r.get("qt") or {}
    if qt:
        lines.append(f"{'qt':<14} PySide6 {qt.get('pyside6') or 'missing'}"
                     + ("" if qt.get("problem") else " (ok)"))
    gpu = "GPU offload available" if lc["gpu_offload"] else "CPU only (no GPU backend in this build)"
    lines.append(f"{'llama.cpp':<14} llama-cpp-python {lc['llama_cpp_python']}, {gpu}; "
                 f"weights {'repacked' if lc['weights_repacked'] else 'not repacked (safe with adapters on every CPU)'}")
    lines.append(f"{'':<14} {lc['system_info']}")
    lines.append(f"{'onnxruntime':<14} {ort['version']}; available {', '.join(ort['available'])}"
                 + (f"; in use {', '.join(ort['in_use'])}" if ort.get("in_use") else ""))
    lines.append(f"{'library':<14} {disk['home']}: {disk['adapters']} adapters, {_mb(disk['adapter_bytes'])}; "
                 f"{_mb(disk['free_bytes'])} free")
    lines += [f"{'error':<14} {e}" for e in r["errors"]]
    sc = r.get("self_check")
    if sc is not None:
        if "error" in sc:
            lines.append(f"{'self-check':<14} FAIL — {sc['error']}")
        else:
            lines.append(f"{'self-check':<14} {'PASS' if sc['ok'] else 'FAIL'} — load {sc['load_s']:.2f} s, "
                         f"teach {sc['teach_s']:.2f} s, ask {sc['answer_s']:.2f} s; "
                         f"{sc['n_gpu_layers']} of {sc['n_layer']} layers on the GPU; "
                         f"answer: {sc['answer'].strip()[:60]!r}")
    lines.append("OK: Lorafy works here." if r["ok"] else "PROBLEM: see the lines above.")
    return "\n".join(lines)

