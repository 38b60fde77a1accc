"""``lorafy bench --quick`` end to end on the tiny base and the tiny hypernetwork bundle, so the harness cannot rot.

The run happens once, in a subprocess where torch cannot be imported (the
bench measures the user's path). Figures on a random 2-layer model mean
nothing: the tests check that every section measures, pairs and reports.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.bench.config import SECTIONS, BenchConfig, Row, with_target
from desktop.bench.measure import kv_cache_bytes, sized_document
from desktop.bench.report import fmt_value
from engine.data.records import approx_tokens

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import argparse, importlib.abc, sys
from pathlib import Path

class BlockTraining(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("torch", "transformers", "peft"):
            raise ImportError(f"{name} is blocked: lorafy bench must not import it")
        return None

sys.meta_path.insert(0, BlockTraining())
from desktop.bench.cli import add_arguments, run
from desktop.service import Lorafy, ServiceConfig

base, bundle, *argv = sys.argv[1:]
parser = argparse.ArgumentParser()
add_arguments(parser)
run(parser.parse_args(argv), lambda home: Lorafy(ServiceConfig(home=home, base_path=Path(base), hypernet_dir=Path(bundle),
                                                               threads=1, n_gpu_layers=0, use_gpu=False)))
assert "torch" not in sys.modules
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory, tiny_spec, tiny_bundle):
    """One quick run with torch unimportable; 4096 tokens exceeds the tiny base's 2048-token window (the n/a path)."""
    out = tmp_path_factory.mktemp("bench_out")
    argv = ["--quick", "--sizes", "256,4096", "--json", str(out / "b.json"), "--plot", str(out / "b.png")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tiny_spec.path), str(tiny_bundle[0]), *argv], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "b.json").read_text()), proc.stdout, out


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def test_every_section_has_numbers_and_ratios(report):
    results, _, _ = report
    assert results["schema_version"] == 1 and set(results["sections"]) == set(SECTIONS)
    for name, sec in results["sections"].items():
        assert sec["rows"], f"section {name} has no rows"
        assert all(is_number(r["ours"]) for r in sec["rows"]), name
        assert any(is_number(r["ratio"]) for r in sec["rows"]), f"section {name} has no ratio"


def test_window_and_targets(report):
    results, _, _ = report
    teach = {r["name"].split()[0]: r for r in results["sections"]["teach"]["rows"]}
    assert is_number(teach["256"]["comparison"]) and teach["256"]["target"] == "<= 1.0x, < 1 s"
    assert teach["4096"]["comparison"] is None and teach["4096"]["note"] == "n/a: exceeds window"
    first_4k = next(r for r in results["sections"]["question"]["rows"] if r["name"] == "4096 tok: first token")
    assert first_4k["target"] == "<= 0.1x" and first_4k["ok"] is None  # no in-context figure past the window
    assert {r["target"] for r in results["targets"]} >= {"<= 1.0x, < 1 s", "<= 50 ms, <= 0.05x", "<= 0.05x"}


def test_machine_setup_and_variants(report):
    results, _, _ = report
    m = results["machine"]
    assert m["cores"] >= 1 and m["cpu"] and m["llama_cpp"] and m["onnxruntime"] and m["onnx_providers"]
    assert is_number(results["setup"]["session_create_s"])
    int8 = results["sections"]["variants"]["details"]["int8"]
    assert 0 <= int8["max_rel_err_A"] < 0.5 and int8["disk_bytes"] > 0
    rss = results["sections"]["memory"]["details"]["rss"]
    assert set(rss["disk"]) == set(rss["loaded"]) == set(rss["used"]) == {"0", "10", "100"}  # JSON object keys
    rows = {r["name"]: r for r in results["sections"]["memory"]["rows"]}
    setup = rows["RSS after set-up"]
    assert setup["target"] == "<= 1 GB" and setup["ours"] == results["setup"]["rss_after_setup_bytes"]
    assert setup["comparison"] == results["setup"]["rss_base_only_bytes"] > 0 and setup["ok"] is (setup["ours"] <= 1e9)
    assert rows["RSS, 100 adapters activated one after another (<= 32 kept loaded)"]["target"] == "<= 1.2 GB"


def test_table_and_plot(report):
    _, text, out = report
    for name in SECTIONS:
        assert f"\n{name} — " in text
    assert "n/a: exceeds window" in text and "targets:" in text
    png = out / "b.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_pure_helpers():
    assert kv_cache_bytes(1, n_layer=1, n_kv_head=1, head_dim=1) == 4  # K and V, 2 bytes each
    doc = sized_document(300, approx_tokens)
    assert abs(approx_tokens(doc.document) - 300) <= 6 and doc.questions[0].answers[0] in doc.document
    assert with_target(Row("s", "r", "s", 1.0, None, "x"), "<= 1.0x", max_ratio=1.0).ok is None
    assert fmt_value(None, "s") == "n/a" and fmt_value(0.5, "s") == "500 ms"
    with pytest.raises(ValueError, match="unknown section"):
        BenchConfig(skip=frozenset({"nope"}))


def test_rank_counts_the_copy_slots():
    """v12's chunks carry 8 latent + 8 copy slots: a 3-chunk adapter has rank 8 (bias) + 3 * 16 = 56."""
    from types import SimpleNamespace

    from desktop.bench.measure import Taught
    from desktop.bench.sections import rank_of
    from engine.infer.onnx_hypernet import adapter_layout

    shipped = json.loads((ROOT / "engine/weights/smollm2-135m-instruct/config.json").read_text())
    hypernet = SimpleNamespace(config=shipped, layout=adapter_layout(shipped))
    bench = SimpleNamespace(svc=SimpleNamespace(hypernet=hypernet))
    taught = Taught(tokens=1500, chunks=3, make_s=0.0, load_s=0.0, adapter_bytes=0, item=None)
    assert rank_of(bench, taught) == 56


@pytest.fixture(scope="module")
def copy_bundle(tmp_path_factory, tiny_spec, tiny_bundle):
    """The tiny bundle with 3 copy slots and a word-start table: an integer table among the graph's weights."""
    from dataclasses import replace

    import torch

    from engine.nn.hypernet import Hypernet
    from export.onnx_export import export_bundle

    _, plain = tiny_bundle
    torch.manual_seed(2)
    hypernet = Hypernet(replace(plain.cfg, copy_rank=3, copy_start=True, vocab_size=tiny_spec.vocab_size)).eval()
    hypernet.load_state_dict(plain.state_dict(), strict=False)
    with torch.no_grad():
        hypernet.copy_gain.fill_(3.0)
        hypernet.copy_gain_start.fill_(2.0)
        hypernet.set_word_starts(torch.randperm(tiny_spec.vocab_size))
    out = tmp_path_factory.mktemp("copy_bundle")
    export_bundle(tiny_spec, hypernet, out)
    return out


def test_materialised_graph_keeps_integer_tables_and_matches_the_runtime(copy_bundle, tiny_spec, tmp_path):
    """The int8 variant starts from this graph: the word-start table must stay int64 and the graph compute what
    the runtime computes (a float32 table made an invalid Gather)."""
    import numpy as np
    import onnx

    from desktop.bench.variants import GraphHypernet, materialise_graph
    from engine.infer.onnx_hypernet import OnnxHypernet, SessionConfig

    out = tmp_path / "full.onnx"
    assert materialise_graph(copy_bundle, tiny_spec, out) > 0
    tables = [i for i in onnx.load(str(out)).graph.initializer if list(i.dims) == [tiny_spec.vocab_size]]
    assert [i.data_type for i in tables] == [onnx.TensorProto.INT64]  # the word-start table (its Transpose folded)
    ids = np.random.default_rng(0).integers(0, tiny_spec.vocab_size, 30).tolist()
    want = OnnxHypernet(copy_bundle, tiny_spec, SessionConfig(threads=1, use_gpu=False)).chunk_lora(ids)
    got = GraphHypernet(out, threads=1, providers=["CPUExecutionProvider"]).chunk_lora(ids)
    assert got[0].shape[1] == 4 + 3
    for g, w in zip(got, want):
        assert np.abs(g - w).max() <= 1e-5 * max(1.0, float(np.abs(w).max()))
