"""PEFT export: file layout, and parity of our LoRA math with PEFT's (layer delta and a loaded PeftModel)."""
from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest
import torch

from engine.core.lora import apply_lora, delta_weight, llama_cpp_alpha
from export.peft_adapter import CONFIG_NAME, KEY_A, KEY_B, WEIGHTS_NAME, write_peft_adapter

peft = pytest.importorskip("peft")
transformers = pytest.importorskip("transformers")


@pytest.fixture
def adapter(tiny_spec, make_adapter):
    return make_adapter(tiny_spec, rank=4, seed=3, meta={"kind": "memory", "source": "/home/someone/notes.txt"})


@pytest.fixture
def folder(tmp_path, adapter, tiny_spec):
    return write_peft_adapter(adapter, tmp_path / "peft", tiny_spec)


def tiny_hf_llama(spec, seed: int = 0):
    """A random transformers LlamaForCausalLM with the tiny base's MLP shape (small vocab: only down_proj matters)."""
    torch.manual_seed(seed)
    cfg = transformers.LlamaConfig(vocab_size=128, hidden_size=spec.d_model, intermediate_size=spec.d_ff,
                                   num_hidden_layers=spec.n_layer, num_attention_heads=spec.n_head,
                                   num_key_value_heads=spec.n_kv_head, max_position_embeddings=64, tie_word_embeddings=True)
    return transformers.LlamaForCausalLM(cfg).eval()


def test_folder_layout_and_config(folder, adapter, tiny_spec):
    from safetensors.numpy import load_file

    assert sorted(os.listdir(folder)) == [CONFIG_NAME, WEIGHTS_NAME]
    assert all(stat.S_IMODE(os.stat(folder / f).st_mode) == 0o600 for f in os.listdir(folder))
    cfg = json.loads((folder / CONFIG_NAME).read_text())
    assert (cfg["peft_type"], cfg["task_type"], cfg["r"], cfg["target_modules"]) == ("LORA", "CAUSAL_LM", 4, ["down_proj"])
    assert cfg["lora_alpha"] == pytest.approx(llama_cpp_alpha(adapter.scale, 4))
    assert (cfg["bias"], cfg["lora_dropout"]) == ("none", 0.0)
    assert "/" not in cfg["base_model_name_or_path"] and str(tiny_spec.path.parent) not in json.dumps(cfg)
    tensors = load_file(folder / WEIGHTS_NAME)
    assert len(tensors) == 2 * tiny_spec.n_layer
    np.testing.assert_array_equal(tensors[KEY_A.format(i=1)], adapter.A[1])  # (R, d_ff)
    np.testing.assert_array_equal(tensors[KEY_B.format(i=1)], adapter.B[1])  # (d_model, R)
    assert b"/home" not in (folder / WEIGHTS_NAME).read_bytes()


def test_rewrite_replaces_previous_export(folder, tiny_spec, make_adapter, tmp_path):
    from safetensors.numpy import load_file

    second = make_adapter(tiny_spec, rank=2, seed=4)
    write_peft_adapter(second, folder, tiny_spec)
    np.testing.assert_array_equal(load_file(folder / WEIGHTS_NAME)[KEY_A.format(i=0)], second.A[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["peft"]  # no temp or old folders left


def test_refuses_to_replace_a_foreign_folder(tmp_path, adapter, tiny_spec):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep me")
    with pytest.raises(Exception, match="not a Lorafy PEFT export"):
        write_peft_adapter(adapter, tmp_path / "mine", tiny_spec)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_delta_matches_peft_get_delta_weight(adapter, tiny_spec):
    """Our delta_weight(A, B, scale) == PEFT's lora Linear delta with r=R, lora_alpha=scale*R."""
    from peft.tuners.lora import Linear as LoraLinear
    from peft.tuners.lora import LoraConfig

    R = adapter.rank
    base = torch.nn.Linear(tiny_spec.d_ff, tiny_spec.d_model, bias=False)
    cfg = LoraConfig(r=R, lora_alpha=llama_cpp_alpha(adapter.scale, R))
    layer = LoraLinear(base, "default", config=cfg, r=R, lora_alpha=cfg.lora_alpha)
    with torch.no_grad():
        layer.lora_A["default"].weight.copy_(torch.from_numpy(adapter.A[0]))
        layer.lora_B["default"].weight.copy_(torch.from_numpy(adapter.B[0]))
    ours = delta_weight(adapter.A[0].astype(np.float64), adapter.B[0].astype(np.float64), adapter.scale)
    theirs = layer.get_delta_weight("default").detach().double().numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-7)


def test_peft_loaded_adapter_matches_apply_lora(folder, adapter, tiny_spec):
    """PeftModel.from_pretrained on our folder: each down_proj's output delta == engine.core.lora.apply_lora."""
    model = peft.PeftModel.from_pretrained(tiny_hf_llama(tiny_spec), str(folder)).eval()
    x = torch.from_numpy(np.random.default_rng(5).normal(size=(1, 7, tiny_spec.d_ff)).astype(np.float32))
    for i in range(tiny_spec.n_layer):
        down = model.base_model.model.model.layers[i].mlp.down_proj
        with torch.no_grad():
            delta = (down(x) - down.base_layer(x)).numpy()  # (1, T, d_model)
        ours = apply_lora(x.numpy(), adapter.A[i][None], adapter.B[i][None], adapter.scale)
        np.testing.assert_allclose(delta, ours, rtol=1e-4, atol=1e-6)


def test_peft_model_equals_merged_weights(folder, adapter, tiny_spec):
    """Whole-model check of names and transposes: PEFT logits == logits of the base with W_down += delta_weight."""
    ids = torch.tensor([[1, 5, 9, 17, 33, 65]])
    merged = tiny_hf_llama(tiny_spec)
    with torch.no_grad():
        for i, layer in enumerate(merged.model.layers):
            layer.mlp.down_proj.weight += torch.from_numpy(delta_weight(adapter.A[i], adapter.B[i], adapter.scale))
        want = merged(ids).logits
        got = peft.PeftModel.from_pretrained(tiny_hf_llama(tiny_spec), str(folder)).eval()(ids).logits
        base = tiny_hf_llama(tiny_spec)(ids).logits
    assert (want - base).abs().max() > 1e-3  # the adapter does something
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)
