"""Compact adapters: the truncated SVD of the summed per-layer delta against the full delta, rank choice, f16 files."""
from __future__ import annotations

import numpy as np
import pytest

from engine.core.adapter import LoraAdapter
from engine.core.adapter_file import read_adapter, validate_adapter_file
from engine.core.compact import CompactConfig, choose_rank, compact_adapter, energy_rank, layer_svd
from engine.core.lora import delta_weight
from export.gguf_adapter import write_gguf_adapter

D_MODEL, D_FF = 24, 40


def chunked_adapter(seed: int, n_layer: int = 3, ranks=(4, 6, 6), scale: float = 2.5) -> LoraAdapter:
    """Several chunk blocks concatenated along rank, as the hypernetwork writes them."""
    rng = np.random.default_rng(seed)
    A = np.concatenate([rng.standard_normal((n_layer, r, D_FF)) / D_FF ** 0.5 for r in ranks], axis=1)
    B = np.concatenate([rng.standard_normal((n_layer, D_MODEL, r)) * 0.05 for r in ranks], axis=2)
    return LoraAdapter(A=A.astype(np.float32), B=B.astype(np.float32), scale=scale)


def deltas(ad: LoraAdapter) -> np.ndarray:
    return np.stack([delta_weight(ad.A[i].astype(np.float64), ad.B[i].astype(np.float64), ad.scale)
                     for i in range(ad.n_layer)])  # (L, d_model, d_ff)


def test_config_validates():
    with pytest.raises(ValueError, match="rank_cap"):
        CompactConfig(rank_cap=0)
    with pytest.raises(ValueError, match="energy"):
        CompactConfig(energy=0.0)
    with pytest.raises(ValueError, match="energy"):
        CompactConfig(energy=1.5)


@pytest.mark.parametrize("rank", [3, 16])  # the small-core path and the direct path (2R >= d_model)
def test_layer_svd_reproduces_the_delta(rank):
    rng = np.random.default_rng(rank)
    A, B = rng.standard_normal((rank, D_FF)), rng.standard_normal((D_MODEL, rank))
    s = layer_svd(A, B, 1.7)
    np.testing.assert_allclose((s.U * s.S) @ s.Vt, 1.7 * B @ A, rtol=1e-10, atol=1e-10)
    assert np.all(np.diff(s.S) <= 1e-12)  # descending


def test_enough_rank_gives_back_the_full_delta():
    ad = chunked_adapter(0)  # rank 16
    out = compact_adapter(ad, CompactConfig(rank_cap=64))
    assert out.rank == 16 and out.scale == 1.0
    np.testing.assert_allclose(deltas(out), deltas(ad), rtol=0, atol=1e-5 * np.abs(deltas(ad)).max())
    assert out.meta["compact"].startswith("rank 16 to 16")


def test_rank_k_input_comes_back_exactly_at_rank_k():
    """A rank-5 delta written as 16 redundant columns compacts to rank 5 with the same delta."""
    rng = np.random.default_rng(3)
    A5 = rng.standard_normal((2, 5, D_FF)) / D_FF ** 0.5
    B5 = rng.standard_normal((2, D_MODEL, 5)) * 0.05
    mix = rng.standard_normal((5, 16))  # 16 chunks' columns, all inside a 5-dim span
    A = np.einsum("kr,lkf->lrf", mix, A5)  # mix^T @ A5: (L, 16, d_ff)
    B = np.einsum("lmk,kr->lmr", B5, np.linalg.pinv(mix.T))  # B5 @ pinv(mix^T): (L, d_model, 16), B @ A = B5 @ A5
    ad = LoraAdapter(A=A.astype(np.float32), B=B.astype(np.float32), scale=3.0)
    out = compact_adapter(ad, CompactConfig(rank_cap=32, energy=1.0 - 1e-9))
    assert out.rank == 5
    np.testing.assert_allclose(deltas(out), deltas(ad), rtol=0, atol=1e-5 * np.abs(deltas(ad)).max())


def test_truncation_is_the_best_rank_k_approximation():
    ad = chunked_adapter(1)
    out = compact_adapter(ad, CompactConfig(rank_cap=4))
    assert out.rank == 4
    for full, got in zip(deltas(ad), deltas(out)):
        S = np.linalg.svd(full, compute_uv=False)
        err = np.linalg.norm(full - got)  # Eckart-Young: the tail's norm, no more
        assert err == pytest.approx(np.sqrt((S[4:] ** 2).sum()), rel=1e-4)
        assert err > 0.01 * np.linalg.norm(full)  # something was really cut


def test_energy_picks_the_largest_layer_rank_under_the_cap():
    assert energy_rank(np.array([2.0, 1.0, 1.0, 0.0]), 0.5) == 1
    assert energy_rank(np.array([2.0, 1.0, 1.0, 0.0]), 0.9) == 3
    assert energy_rank(np.zeros(3), 0.99) == 1
    ad = chunked_adapter(2)
    svds = [layer_svd(ad.A[i], ad.B[i], ad.scale) for i in range(ad.n_layer)]
    need = max(energy_rank(s.S, 0.9) for s in svds)
    assert 1 < need < 16
    assert choose_rank(svds, CompactConfig(rank_cap=64, energy=0.9)) == need
    assert choose_rank(svds, CompactConfig(rank_cap=2, energy=0.9)) == 2
    assert compact_adapter(ad, CompactConfig(rank_cap=64, energy=0.9)).rank == need


def test_f16_file_is_half_the_bytes_and_reads_back_close(tmp_path, tiny_spec, make_adapter):
    ad = compact_adapter(make_adapter(tiny_spec, rank=8, seed=4), CompactConfig(rank_cap=8))
    p16 = write_gguf_adapter(ad, tmp_path / "a16.gguf", tiny_spec)  # f16 is the default
    p32 = write_gguf_adapter(ad, tmp_path / "a32.gguf", tiny_spec, dtype="f32")
    info = validate_adapter_file(p16, tiny_spec)
    assert info.dtype == "F16" and validate_adapter_file(p32, tiny_spec).dtype == "F32"
    tensor_bytes = 2 * tiny_spec.n_layer * 8 * (tiny_spec.d_ff + tiny_spec.d_model)
    assert p32.stat().st_size - p16.stat().st_size == pytest.approx(tensor_bytes, abs=256)
    back = read_adapter(p16, tiny_spec)
    assert back.scale == pytest.approx(1.0) and back.meta["compact"] == ad.meta["compact"]
    np.testing.assert_allclose(deltas(back), deltas(ad), rtol=0, atol=2e-3 * np.abs(deltas(ad)).max())


def test_f16_overflow_is_refused(tmp_path, tiny_spec, make_adapter):
    ad = make_adapter(tiny_spec, rank=2, seed=5)
    big = LoraAdapter(A=ad.A * 1e6, B=ad.B, scale=ad.scale)
    with pytest.raises(Exception, match="f32"):
        write_gguf_adapter(big, tmp_path / "big.gguf", tiny_spec)
    assert not (tmp_path / "big.gguf").exists()
