"""ONNX export of the hypernetwork: torch vs ONNX Runtime parity, a weight-free graph, a self-describing bundle.

The reference is :class:`engine.nn.d2l.ChunkToLora` in torch with the fp16-rounded
weights the bundle stores (loaded back with engine.train.checkpoint.load_hypernet);
ONNX Runtime runs the bundle through :class:`engine.infer.onnx_hypernet.OnnxHypernet`.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.core.lora import delta_weight
from engine.infer.onnx_hypernet import (CONFIG_FILE, GRAPH_FILE, INPUT_NAME, ONNX_SCHEMA_VERSION, OPSET, OUTPUT_NAMES,
                                        WEIGHTS_FILE, HypernetError, OnnxHypernet, SessionConfig)

onnx = pytest.importorskip("onnx")

SEQ_LENS = (4, 40, 200)  # the tiny bundle skips 3 template tokens
MAX_REL_ERR = 1e-4
ORT_CPU = SessionConfig(threads=1, use_gpu=False)


@pytest.fixture(scope="module")
def bundle(tiny_bundle):
    return tiny_bundle[0]


@pytest.fixture(scope="module")
def ort_hypernet(bundle, tiny_spec) -> OnnxHypernet:
    return OnnxHypernet(bundle, tiny_spec, ORT_CPU)


@pytest.fixture(scope="module")
def torch_reference(bundle, tiny_spec):
    """ChunkToLora in float32 with the hypernetwork weights as stored in the bundle (fp16-rounded)."""
    from engine.nn.d2l import ChunkToLora
    from engine.nn.model import load_llama
    from engine.train.checkpoint import load_hypernet

    hypernet, _ = load_hypernet(bundle, tiny_spec.sha256)
    return ChunkToLora(load_llama(tiny_spec, dtype=torch.float32), hypernet.eval()).eval()


def rel_err(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max |want|."""
    return float(np.abs(got - want).max() / np.abs(want).max())


def test_reference_uses_the_fp16_rounded_weights(torch_reference, tiny_bundle):
    _, original = tiny_bundle
    stored = torch_reference.hypernet.state_dict()
    for name, w in original.state_dict().items():
        torch.testing.assert_close(stored[name], w.detach().half().float(), rtol=0, atol=0, msg=name)


@pytest.mark.parametrize("T", SEQ_LENS)
def test_onnx_runtime_matches_torch(T, ort_hypernet, torch_reference, tiny_spec):
    ids = np.random.default_rng(T).integers(0, tiny_spec.vocab_size, T)
    got_a, got_b = ort_hypernet.chunk_lora(ids.tolist())  # (L, r, d_ff), (L, d_model, r)
    with torch.no_grad():
        want_a, want_b = (t.numpy() for t in torch_reference(torch.from_numpy(ids)[None]))
    assert got_a.shape == want_a.shape == (tiny_spec.n_layer, 4, tiny_spec.d_ff)
    assert got_b.shape == want_b.shape == (tiny_spec.n_layer, tiny_spec.d_model, 4)
    err_a, err_b = rel_err(got_a, want_a), rel_err(got_b, want_b)
    print(f"T={T}: max relative error A {err_a:.2e}, B {err_b:.2e}")
    assert np.abs(want_b).max() > 0  # head_b random: a real comparison, not 0 vs 0
    assert err_a < MAX_REL_ERR and err_b < MAX_REL_ERR


@pytest.mark.parametrize("word_starts,gate", [(False, False), (True, False), (False, True)])
def test_copy_slots_export_and_match_torch(tiny_bundle, tiny_spec, tmp_path, word_starts, gate):
    """A hypernetwork with copy slots (token embeddings mixed into B; with word starts, also the embeddings of a
    looked-up table's tokens; with a gate, scaled by it) runs in ONNX Runtime as in torch."""
    from dataclasses import replace

    from engine.nn.d2l import ChunkToLora
    from engine.nn.hypernet import Hypernet
    from engine.nn.model import load_llama
    from engine.train.checkpoint import load_hypernet
    from export.onnx_export import export_bundle

    _, plain = tiny_bundle
    torch.manual_seed(1)
    extra = {"copy_start": True, "vocab_size": tiny_spec.vocab_size} if word_starts else {}
    extra.update({"copy_gate": True} if gate else {})
    hypernet = Hypernet(replace(plain.cfg, copy_rank=3, **extra)).eval()
    hypernet.load_state_dict(plain.state_dict(), strict=False)
    with torch.no_grad():
        hypernet.copy_gain.fill_(3.0)
        if word_starts:  # a table with ids past fp16's exact integers (2048) must survive the fp16 bundle
            hypernet.set_word_starts(torch.randperm(tiny_spec.vocab_size))
            hypernet.copy_gain_start.fill_(2.0)
        if gate:  # a gate that depends on the chunk: some slots open, some closed
            hypernet.copy_gate.weight.normal_(0.0, 1.0)
            hypernet.copy_gate.bias.fill_(0.0)
    export_bundle(tiny_spec, hypernet, tmp_path)
    ids = np.random.default_rng(0).integers(0, tiny_spec.vocab_size, 40)
    got_a, got_b = OnnxHypernet(tmp_path, tiny_spec, ORT_CPU).chunk_lora(ids.tolist())
    stored, _ = load_hypernet(tmp_path, tiny_spec.sha256)
    assert stored.cfg.copy_rank == 3 and got_a.shape[1] == got_b.shape[2] == 4 + 3
    if word_starts:
        assert torch.equal(stored.copy_start_ids, hypernet.copy_start_ids)
    base = load_llama(tiny_spec)
    with torch.no_grad():
        want_a, want_b = (t.numpy() for t in ChunkToLora(base, stored.eval())(torch.from_numpy(ids)[None]))
        _, plain_b = (t.numpy() for t in ChunkToLora(base, plain.eval())(torch.from_numpy(ids)[None]))
    assert rel_err(got_a, want_a) < MAX_REL_ERR and rel_err(got_b, want_b) < MAX_REL_ERR
    assert rel_err(want_b[..., :4], plain_b) < 5e-3  # the latent slots are unchanged (up to the fp16 bundle)
    assert np.abs(want_b[..., 4:]).max() > 0 and np.abs(want_a[:, 4:]).max() > 0  # a real comparison


def test_graph_file_holds_no_weights(bundle):
    graph = bundle / GRAPH_FILE
    assert graph.stat().st_size < 2 * 1024 * 1024
    proto = onnx.load(str(graph), load_external_data=False)
    named = [i for i in proto.graph.initializer if i.name.startswith(("base.", "hypernet."))]
    assert {i.name for i in named} >= {"base.tok_emb.weight", "hypernet.head_a.weight", "hypernet.b_scale"}
    for init in named:
        assert init.data_location == onnx.TensorProto.EXTERNAL, init.name
        assert not (init.raw_data or init.float_data), init.name
    cfg = json.loads((bundle / CONFIG_FILE).read_text())
    assert sorted(cfg["onnx"]["external_initializers"]) == sorted(i.name for i in named)


def test_config_records_the_graph(bundle, tiny_spec):
    cfg = json.loads((bundle / CONFIG_FILE).read_text())
    section = cfg["onnx"]
    assert (section["schema_version"], section["opset"], section["file"]) == (ONNX_SCHEMA_VERSION, OPSET, GRAPH_FILE)
    assert (section["input"], section["outputs"]) == (INPUT_NAME, list(OUTPUT_NAMES))
    assert section["sha256"] == hashlib.sha256((bundle / GRAPH_FILE).read_bytes()).hexdigest()
    assert cfg["base_sha256"] == tiny_spec.sha256
    assert (cfg["hypernet"]["rank"], cfg["hypernet"]["bias_rank"], cfg["hypernet"]["chunk_tokens"]) == (4, 2, 64)


def test_graph_metadata_and_io_names(bundle, tiny_spec, ort_hypernet):
    proto = onnx.load(str(bundle / GRAPH_FILE), load_external_data=False)
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["lorafy.schema_version"] == str(ONNX_SCHEMA_VERSION)
    assert meta["lorafy.base_sha256"] == tiny_spec.sha256
    assert {o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")} == {OPSET}
    assert [i.name for i in ort_hypernet.session.get_inputs()] == [INPUT_NAME]
    assert [o.name for o in ort_hypernet.session.get_outputs()] == list(OUTPUT_NAMES)


def test_refuses_a_bundle_for_another_base(bundle, tiny_spec, tmp_path):
    other = shutil.copytree(bundle, tmp_path / "other")
    cfg = json.loads((other / CONFIG_FILE).read_text())
    cfg["base_sha256"] = "0" * 64
    (other / CONFIG_FILE).write_text(json.dumps(cfg))
    with pytest.raises(HypernetError, match="base"):
        OnnxHypernet(other, tiny_spec, ORT_CPU)


def test_refuses_a_changed_graph(bundle, tiny_spec, tmp_path):
    damaged = shutil.copytree(bundle, tmp_path / "damaged")
    data = bytearray((damaged / GRAPH_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (damaged / GRAPH_FILE).write_bytes(bytes(data))
    with pytest.raises(HypernetError, match="sha256"):
        OnnxHypernet(damaged, tiny_spec, ORT_CPU)


@pytest.mark.parametrize("n_chunks", [1, 3])
def test_adapter_concatenates_bias_and_chunks(n_chunks, ort_hypernet, bundle, tiny_spec):
    from safetensors.numpy import load_file

    rng = np.random.default_rng(n_chunks)
    chunks = [rng.integers(0, tiny_spec.vocab_size, int(n)).tolist() for n in rng.integers(5, 60, n_chunks)]
    adapter = ort_hypernet.adapter(chunks, meta={"kind": "memory"})
    assert adapter.rank == 2 + n_chunks * 4  # bias_rank + n * rank
    assert adapter.scale == 16.0  # 2 * 4^1.5, recorded in config.json
    assert (adapter.meta["n_chunks"], adapter.meta["kind"]) == (str(n_chunks), "memory")
    own = load_file(str(bundle / WEIGHTS_FILE))
    parts = [ort_hypernet.chunk_lora(c) for c in chunks]
    want_a = np.concatenate([own["bias_a"][:, :2].astype(np.float32), *(a for a, _ in parts)], axis=1)
    want_b = np.concatenate([own["bias_b"][:, :, :2].astype(np.float32), *(b for _, b in parts)], axis=2)
    np.testing.assert_array_equal(adapter.A, want_a)  # (L, 2 + n*4, d_ff)
    np.testing.assert_array_equal(adapter.B, want_b)  # (L, d_model, 2 + n*4)
    assert np.abs(adapter.B[:, :, :2]).max() > 0  # the bias block is real


def test_fresh_hypernet_gives_a_zero_delta(bundle, tiny_spec, tmp_path):
    """A fresh hypernetwork's weights, fed to the same weight-free graph (no second export), give delta 0."""
    from engine.nn.hypernet import Hypernet, HypernetConfig
    from engine.train.checkpoint import save_hypernet

    cfg = json.loads((bundle / CONFIG_FILE).read_text())
    torch.manual_seed(1)
    fresh = Hypernet(HypernetConfig(**cfg["hypernet"]))
    assert not fresh.head_b.weight.any() and not fresh.bias_b.any()
    fresh_dir = shutil.copytree(bundle, tmp_path / "fresh")
    save_hypernet(fresh_dir, fresh, tiny_spec.sha256, dtype=torch.float16, extra={"onnx": cfg["onnx"]})
    adapter = OnnxHypernet(fresh_dir, tiny_spec, ORT_CPU).adapter([list(range(10, 40)), list(range(50, 70))])
    assert adapter.rank == 2 + 2 * 4
    assert np.abs(adapter.A).max() > 0  # A is random; only B (and so the delta) is zero
    assert not delta_weight(adapter.A, adapter.B, adapter.scale).any()


def test_config_records_the_adapter_layout(bundle):
    """The tiny hypernetwork: rank 4 -> scale 2 * 4^1.5 = 16, chunks of rank 4, a bias block of rank 2."""
    cfg = json.loads((bundle / CONFIG_FILE).read_text())
    assert cfg["adapter"] == {"scale": 16.0, "chunk_rank": 4, "bias_rank": 2}


def test_the_runtime_reads_the_layout_from_the_bundle(bundle, tiny_spec, tmp_path):
    edited = shutil.copytree(bundle, tmp_path / "edited")
    cfg = json.loads((edited / CONFIG_FILE).read_text())
    cfg["adapter"]["scale"] = 3.5
    (edited / CONFIG_FILE).write_text(json.dumps(cfg))
    hn = OnnxHypernet(edited, tiny_spec, ORT_CPU)
    assert hn.scale == 3.5 and hn.adapter([[5, 6, 7, 8]]).scale == 3.5
    assert hn.layout.rank(3) == 2 + 3 * 4


def test_bundles_without_a_layout_still_load(bundle, tiny_spec, tmp_path):
    """Bundles exported before config.json recorded the layout: computed from the hypernetwork config."""
    old = shutil.copytree(bundle, tmp_path / "old")
    cfg = json.loads((old / CONFIG_FILE).read_text())
    del cfg["adapter"]
    (old / CONFIG_FILE).write_text(json.dumps(cfg))
    hn = OnnxHypernet(old, tiny_spec, ORT_CPU)
    assert (hn.scale, hn.rank, hn.layout.bias_rank) == (16.0, 4, 2)


def test_shipped_bundle_records_v12_layout():
    """v12: rank 8 latent + 8 copy slots per chunk, bias rank 8, scale 2 * 8^1.5."""
    from engine.infer.onnx_hypernet import adapter_layout

    shipped = json.loads((Path(__file__).resolve().parents[2] / "engine/weights/smollm2-135m-instruct"
                          / CONFIG_FILE).read_text())
    layout = adapter_layout(shipped)
    assert (layout.chunk_rank, layout.bias_rank) == (16, 8) and layout.scale == pytest.approx(45.2548339959)
    assert adapter_layout({"hypernet": shipped["hypernet"]}) == layout  # the recorded layout is the computed one


def test_the_session_keeps_its_own_copy_of_the_weights_and_python_drops_its_own(bundle, tiny_spec, ort_hypernet,
                                                                                 monkeypatch):
    """ONNX Runtime's CPU provider copies external initializers: the dequantized arrays are released after a check
    that overwrites them with NaN; where the check fails the session is built again and the arrays are kept."""
    ids = list(range(5, 45))
    want = ort_hypernet.chunk_lora(ids)
    assert ort_hypernet._values == [] and all(np.isfinite(x).all() for x in want)
    monkeypatch.setattr(OnnxHypernet, "_holds_own_copy", lambda self, arrays: False)
    kept = OnnxHypernet(bundle, tiny_spec, ORT_CPU)
    assert len(kept._values) == len(kept.config["onnx"]["external_initializers"])
    got = kept.chunk_lora(ids)  # built from freshly read arrays, not the poisoned ones
    assert all(np.array_equal(g, w) for g, w in zip(got, want))


def test_free_memory_goes_back_to_the_system_where_glibc_allows():
    import platform
    import sys

    from engine.core.memory import return_free_memory

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert return_free_memory() is glibc
