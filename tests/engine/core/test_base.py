"""Base model discovery, sha check, metadata and clear errors for bad files."""
from __future__ import annotations

import shutil

import pytest

from engine.core.base import EMBEDDED_SHA256, BaseModelError, embedded_base_path, load_base, read_spec


def test_embedded_base_found_and_verified():
    spec = load_base()
    assert spec.path == embedded_base_path()
    assert spec.sha256 == EMBEDDED_SHA256
    assert (spec.arch, spec.n_layer, spec.d_model, spec.d_ff) == ("llama", 30, 576, 1536)
    assert (spec.n_head, spec.n_kv_head, spec.head_dim) == (9, 3, 64)
    assert spec.rope_theta == 100000.0 and spec.tied_embeddings and spec.vocab_size == 49152
    assert "<|im_start|>" in spec.chat_template


def test_missing_path_names_the_file(tmp_path):
    with pytest.raises(BaseModelError, match="no-such.gguf"):
        load_base(tmp_path / "no-such.gguf")


def test_not_a_gguf(tmp_path):
    bad = tmp_path / "notes.gguf"
    bad.write_text("hello, I am not a model")
    with pytest.raises(BaseModelError, match="notes.gguf.*bad magic"):
        load_base(bad)


def test_truncated_gguf_is_a_clear_error(tmp_path):
    src = embedded_base_path()
    cut = tmp_path / "cut.gguf"
    with open(src, "rb") as f:
        cut.write_bytes(f.read(4096))
    with pytest.raises(BaseModelError, match="cut.gguf"):
        load_base(cut)


def test_unsupported_architecture(tmp_path):
    from gguf import GGUFWriter

    path = tmp_path / "mamba.gguf"
    w = GGUFWriter(str(path), "mamba")
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    with pytest.raises(BaseModelError, match="mamba.*not supported"):
        read_spec(path)


def test_copy_of_base_by_path_has_same_hash(tmp_path):
    dst = tmp_path / "copy.gguf"
    shutil.copy(embedded_base_path(), dst)
    spec = load_base(dst)
    assert spec.sha256 == EMBEDDED_SHA256 and spec.path == dst
