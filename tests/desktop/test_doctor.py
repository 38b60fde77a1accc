"""`lorafy doctor`: a report of models, llama.cpp, ONNX Runtime and disk, with a teach + ask self-check that can fail."""
from __future__ import annotations

import json
import shutil

import pytest

from desktop.cli import main
from desktop.doctor import cpu_info, disk_info, format_report


@pytest.fixture(scope="module")
def common(tiny_spec, tiny_bundle) -> list[str]:
    return ["--base", str(tiny_spec.path), "--hypernet", str(tiny_bundle[0]), "--threads", "1", "--cpu"]


def test_doctor_json_reports_everything_and_passes(tmp_path, common, capsys):
    home = tmp_path / "home"
    assert main(["--home", str(home), *common, "doctor", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["ok"] is True and r["errors"] == []
    assert r["base"]["sha256_ok"] and r["hypernet"]["matches_base"]
    assert r["llama_cpp"]["weights_repacked"] is False and "CPU" in r["llama_cpp"]["system_info"]
    assert "CPUExecutionProvider" in r["onnxruntime"]["in_use"]
    sc = r["self_check"]
    assert sc["ok"] and sc["n_gpu_layers"] == 0 and sc["teach_s"] > 0 and sc["answer"]
    assert not home.exists()  # the self-check taught into a temporary home, never the user's library


def test_doctor_text_ends_with_a_verdict(tmp_path, common, capsys):
    assert main(["--home", str(tmp_path), *common, "doctor", "--no-self-check"]) == 0
    out = capsys.readouterr().out
    assert "llama.cpp" in out and "not repacked" in out and out.strip().endswith("OK: Lorafy works here.")


def test_doctor_fails_on_a_hypernetwork_for_another_base(tmp_path, tiny_bundle, tiny_spec, capsys):
    bundle = shutil.copytree(tiny_bundle[0], tmp_path / "bundle")
    cfg = json.loads((bundle / "config.json").read_text())
    cfg["base_sha256"] = "0" * 64
    (bundle / "config.json").write_text(json.dumps(cfg))
    rc = main(["--home", str(tmp_path / "h"), "--base", str(tiny_spec.path), "--hypernet", str(bundle),
               "--threads", "1", "--cpu", "doctor"])
    out = capsys.readouterr().out
    assert rc == 1 and "DOES NOT match the base" in out and "FAIL" in out and "PROBLEM" in out


def test_disk_and_cpu_info(tmp_path):
    (tmp_path / "adapters").mkdir()
    (tmp_path / "adapters" / "a.gguf").write_bytes(b"x" * 1000)
    d = disk_info(tmp_path)
    assert d["adapters"] == 1 and d["adapter_bytes"] == 1000 and d["free_bytes"] > 0
    c = cpu_info()
    assert c["cores"] >= 1 and isinstance(c["flags"], list)


def test_format_report_shows_a_failed_self_check():
    r = {"python": "3.12", "platform": "x", "cpu": {"model": "c", "cores": 2, "flags": []}, "errors": [],
         "llama_cpp": {"llama_cpp_python": "0", "system_info": "CPU", "gpu_offload": False, "weights_repacked": False},
         "onnxruntime": {"version": "1", "available": ["CPUExecutionProvider"], "in_use": None},
         "disk": {"home": "/h", "adapters": 0, "adapter_bytes": 0, "free_bytes": 1}, "self_check": {"ok": False, "error": "boom"},
         "ok": False}
    text = format_report(r)
    assert "FAIL — boom" in text and text.endswith("PROBLEM: see the lines above.")
