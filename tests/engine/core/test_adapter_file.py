"""GGUF adapter files: round trip, atomic 0600 writes, and rejection of every malformed file we can think of."""
from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from engine.core import adapter_file as af
from engine.core.adapter_file import (AdapterFileError, is_probably_adapter, read_adapter, scan_gguf,
                                      validate_adapter_file)
from export.gguf_adapter import write_gguf_adapter


@pytest.fixture
def adapter(tiny_spec, make_adapter):
    return make_adapter(tiny_spec, rank=4, seed=1, meta={"kind": "memory", "hypernet": "d2l-tiny",
                                                          "source": "/home/someone/secret.txt"})


@pytest.fixture
def written(tmp_path, adapter, tiny_spec) -> Path:
    return write_gguf_adapter(adapter, tmp_path / "a.gguf", tiny_spec, dtype="f32")  # exact round trips


def test_default_storage_is_f16(tmp_path, adapter, tiny_spec):
    path = write_gguf_adapter(adapter, tmp_path / "a16.gguf", tiny_spec)
    assert validate_adapter_file(path, tiny_spec).dtype == "F16"
    np.testing.assert_allclose(read_adapter(path, tiny_spec).B, adapter.B, rtol=1e-3, atol=1e-6)


def write_raw(path: Path, tensors: dict[str, np.ndarray], alpha=8.0, general_type="adapter",
              adapter_type="lora", arch="llama") -> Path:
    """A foreign adapter written straight with GGUFWriter (no Lorafy keys, no checksum)."""
    from gguf import GGUFWriter

    w = GGUFWriter(str(path), arch)
    if general_type is not None:
        w.add_type(general_type)
    if adapter_type is not None:
        w.add_string(af.KEY_ADAPTER_TYPE, adapter_type)
    if alpha is not None:
        w.add_float32(af.KEY_LORA_ALPHA, alpha)
    for name, x in tensors.items():
        w.add_tensor(name, x)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def raw_tensors(adapter, dtype=np.float32) -> dict[str, np.ndarray]:
    out = {}
    for i in range(adapter.n_layer):
        a, b = af.layer_names(i)
        out[a], out[b] = adapter.A[i].astype(dtype), adapter.B[i].astype(dtype)
    return out


def assert_rejected(path: Path, spec, match: str | None = None) -> AdapterFileError:
    with pytest.raises(AdapterFileError, match=match) as e:
        validate_adapter_file(path, spec)
    assert str(path) in str(e.value)
    return e.value


def test_round_trip_is_exact(written, adapter, tiny_spec):
    back = read_adapter(written, tiny_spec)
    np.testing.assert_array_equal(back.A, adapter.A)
    np.testing.assert_array_equal(back.B, adapter.B)
    assert back.scale == adapter.scale
    info = validate_adapter_file(written, tiny_spec)
    assert (info.n_layer, info.rank, info.d_ff, info.d_model, info.dtype) == (2, 4, 128, 64, "F32")
    assert info.alpha == pytest.approx(adapter.scale * 4)  # llama_cpp_alpha: scale * R
    assert back.meta == {"kind": "memory", "hypernet": "d2l-tiny", "base_sha256": tiny_spec.sha256}


def test_no_source_path_in_file(written):
    data = written.read_bytes()
    assert b"secret" not in data and b"/home" not in data


def test_written_with_mode_0600(written):
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600


def test_scanner_agrees_with_gguf_reader(written):
    from gguf import GGUFReader

    layout = scan_gguf(written, written.read_bytes())
    reader = GGUFReader(written)
    assert set(layout.kv) == set(reader.fields) - {"GGUF.version", "GGUF.tensor_count", "GGUF.kv_count"}
    assert layout.data_start == reader.data_offset
    for t in reader.tensors:
        np.testing.assert_array_equal(af.tensor_array(written, written.read_bytes(), layout, layout.tensors[t.name]), t.data)


def test_is_probably_adapter(written, tiny_spec, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    assert is_probably_adapter(written)
    assert not is_probably_adapter(tiny_spec.path)  # a model, not an adapter
    assert not is_probably_adapter(tmp_path / "notes.txt")
    assert not is_probably_adapter(tmp_path / "missing.gguf")


# where to cut a file of n bytes whose tensor data starts at byte s
CUTS = {"empty": lambda n, s: 0, "in-magic": lambda n, s: 3, "in-header": lambda n, s: 23, "after-header": lambda n, s: 24,
        "in-keys": lambda n, s: 100, "before-data": lambda n, s: s - 1, "in-first-tensor": lambda n, s: s + 10,
        "half": lambda n, s: n // 2, "last-byte": lambda n, s: n - 1}


@pytest.mark.parametrize("where", list(CUTS))
def test_truncated_file_rejected(written, tiny_spec, tmp_path, where):
    data = written.read_bytes()
    cut = CUTS[where](len(data), scan_gguf(written, data).data_start)
    bad = tmp_path / "cut.gguf"
    bad.write_bytes(data[:cut])
    assert_rejected(bad, tiny_spec, "truncated|too short")


def test_header_bit_flips_rejected(written, tiny_spec, tmp_path):
    data = written.read_bytes()
    bad = tmp_path / "flip.gguf"
    for pos in range(af.HEADER_SIZE):
        for bit in (0, 3, 7):
            flipped = bytearray(data)
            flipped[pos] ^= 1 << bit
            bad.write_bytes(bytes(flipped))
            assert_rejected(bad, tiny_spec)


def test_any_bit_flip_is_rejected_or_harmless(written, adapter, tiny_spec, tmp_path):
    """One flipped bit anywhere: an error naming the file, or (metadata strings, padding) the same tensors."""
    data = written.read_bytes()
    data_start = scan_gguf(written, data).data_start
    bad = tmp_path / "flip.gguf"
    accepted = 0
    for pos in [*range(data_start), *range(data_start, len(data), 7)]:
        flipped = bytearray(data)
        flipped[pos] ^= 1 << (pos % 8)
        bad.write_bytes(bytes(flipped))
        try:
            back = read_adapter(bad, tiny_spec)
        except AdapterFileError as e:
            assert str(bad) in str(e)
            continue
        accepted += 1
        assert pos < data_start, f"a flip in tensor data at byte {pos} went unnoticed"
        np.testing.assert_array_equal(back.A, adapter.A)
        np.testing.assert_array_equal(back.B, adapter.B)
        assert back.scale == pytest.approx(adapter.scale, rel=1e-6)
    assert accepted < data_start // 2


def test_wrong_layer_count_rejected(tmp_path, tiny_spec, make_adapter):
    three = dataclasses.replace(tiny_spec, n_layer=3)
    path = write_gguf_adapter(make_adapter(three, rank=4), tmp_path / "l3.gguf", three)
    assert_rejected(path, tiny_spec, "layer mismatch")
    two = write_gguf_adapter(make_adapter(tiny_spec, rank=4), tmp_path / "l2.gguf", tiny_spec)
    assert_rejected(two, three, "layer mismatch")


@pytest.mark.parametrize("change", [{"d_ff": 256}, {"d_model": 128, "head_dim": 32}], ids=["d_ff", "d_model"])
def test_wrong_shapes_rejected(tmp_path, tiny_spec, make_adapter, change):
    other = dataclasses.replace(tiny_spec, **change)
    path = write_gguf_adapter(make_adapter(other, rank=4), tmp_path / "wide.gguf", other)
    assert_rejected(path, tiny_spec, "shape mismatch")


def test_nan_rejected(written, tiny_spec, tmp_path):
    data = bytearray(written.read_bytes())
    layout = scan_gguf(written, bytes(data))
    t = layout.tensors[af.LORA_B.format(i=1)]
    start = layout.data_start + t.offset + 4 * 5
    data[start:start + 4] = np.float32(np.nan).tobytes()
    bad = tmp_path / "nan.gguf"
    bad.write_bytes(bytes(data))
    assert_rejected(bad, tiny_spec, "NaN")


def test_foreign_adapter_without_lorafy_keys(tmp_path, adapter, tiny_spec):
    path = write_raw(tmp_path / "foreign.gguf", raw_tensors(adapter), alpha=adapter.scale * 4)
    back = read_adapter(path, tiny_spec)
    np.testing.assert_array_equal(back.A, adapter.A)
    assert back.scale == pytest.approx(adapter.scale)
    assert validate_adapter_file(path, None).n_layer == tiny_spec.n_layer  # self-consistency without a base


def test_f16_adapter_read_as_float32(tmp_path, adapter, tiny_spec):
    path = write_raw(tmp_path / "f16.gguf", raw_tensors(adapter, np.float16))
    back = read_adapter(path, tiny_spec)
    assert back.A.dtype == np.float32 and validate_adapter_file(path, tiny_spec).dtype == "F16"
    np.testing.assert_allclose(back.A, adapter.A, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("kwargs, match", [
    ({"alpha": None}, "adapter.lora.alpha"),
    ({"alpha": -1.0}, "positive"),
    ({"alpha": float("inf")}, "positive"),
    ({"general_type": "model"}, "general.type"),
    ({"general_type": None}, "general.type"),
    ({"adapter_type": "alora"}, "adapter.type"),
    ({"arch": "qwen2"}, "general.architecture"),
])
def test_bad_keys_rejected(tmp_path, adapter, tiny_spec, kwargs, match):
    path = write_raw(tmp_path / "bad.gguf", raw_tensors(adapter), **kwargs)
    assert_rejected(path, tiny_spec, match)


def test_extra_tensor_and_nan_in_foreign_file_rejected(tmp_path, adapter, tiny_spec):
    tensors = raw_tensors(adapter)
    extra = write_raw(tmp_path / "extra.gguf", {**tensors, "blk.0.attn_q.weight.lora_a": tensors[af.LORA_A.format(i=0)]})
    assert_rejected(extra, tiny_spec, "unexpected tensors")
    tensors[af.LORA_A.format(i=1)] = tensors[af.LORA_A.format(i=1)].copy()
    tensors[af.LORA_A.format(i=1)][0, 0] = np.inf
    assert_rejected(write_raw(tmp_path / "inf.gguf", tensors), tiny_spec, "NaN or infinite")


def test_non_gguf_and_missing_files_rejected(tmp_path, tiny_spec):
    (tmp_path / "notes.gguf").write_text("just some text, long enough to have a header" * 3)
    (tmp_path / "empty.gguf").write_bytes(b"")
    assert_rejected(tmp_path / "notes.gguf", tiny_spec, "not a GGUF")
    assert_rejected(tmp_path / "empty.gguf", tiny_spec, "too short")
    assert_rejected(tmp_path / "missing.gguf", tiny_spec, "no such")
    assert_rejected(tiny_spec.path, tiny_spec, "general.type|unexpected tensors")  # the base model itself


def test_failed_write_leaves_nothing_behind(tmp_path, adapter, tiny_spec, make_adapter, monkeypatch):
    target = write_gguf_adapter(adapter, tmp_path / "a.gguf", tiny_spec)
    before = target.read_bytes()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_gguf_adapter(make_adapter(tiny_spec, rank=4, seed=9), target, tiny_spec)
    with pytest.raises(OSError, match="disk full"):
        write_gguf_adapter(adapter, tmp_path / "new.gguf", tiny_spec)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gguf"]
    assert target.read_bytes() == before
