"""The torch base model: parity with transformers' Llama, with llama.cpp on the real base, and tokenizer parity."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.core.gguf_weights import permute_qk, unpermute_qk
from engine.core.prompts import PromptFormat
from engine.nn.model import Llama, LlamaConfig, LoraBatch, load_llama

PROMPTS = [
    "What is the capital of France?", "Write a haiku about the sea.", "List three prime numbers.",
    "Who wrote Hamlet?", "Explain photosynthesis in one sentence.", "Translate 'good morning' to Spanish.",
    "What is 12 times 7?", "Name a mammal that can fly.", "How many legs does a spider have?",
    "Give me a synonym for happy.", "What colour is the sky on a clear day?", "Summarise: the cat sat on the mat.",
    "What is the boiling point of water in Celsius?", "Who painted the Mona Lisa?", "Spell 'necessary'.",
    "What is the largest planet?", "Say hello in French.", "What day comes after Monday?",
    "Describe a tree in five words.", "What is the opposite of cold?",
]


def test_qk_permutation_round_trip():
    w = np.random.default_rng(0).standard_normal((3 * 8, 5)).astype(np.float32)
    np.testing.assert_array_equal(unpermute_qk(permute_qk(w, 3), 3), w)
    assert not np.array_equal(permute_qk(w, 3), w)


def test_matches_transformers_llama_on_tiny_random_config():
    from transformers import LlamaConfig as HFConfig
    from transformers import LlamaForCausalLM

    cfg = LlamaConfig(vocab_size=97, n_layer=2, d_model=32, d_ff=64, n_head=4, n_kv_head=2, rope_theta=10000.0)
    torch.manual_seed(0)
    hf = LlamaForCausalLM(HFConfig(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, rope_theta=10000.0,
                                   rms_norm_eps=1e-5, tie_word_embeddings=True)).eval()
    ours = Llama(cfg).eval()
    names = {"self_attn.q_proj": "wq", "self_attn.k_proj": "wk", "self_attn.v_proj": "wv", "self_attn.o_proj": "wo",
             "mlp.gate_proj": "w_gate", "mlp.up_proj": "w_up", "mlp.down_proj": "w_down",
             "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"}
    state = {"tok_emb.weight": hf.model.embed_tokens.weight, "norm.weight": hf.model.norm.weight}
    for i, layer in enumerate(hf.model.layers):
        for hf_name, our in names.items():
            state[f"layers.{i}.{our}.weight"] = layer.get_submodule(hf_name).weight
    ours.load_state_dict(state, strict=True)
    ids = torch.randint(0, 97, (2, 11))
    with torch.no_grad():
        want = hf(ids).logits
        got = ours.logits(ours(ids))
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


def test_lora_argument_changes_only_when_nonzero(tiny_spec):
    model = load_llama(tiny_spec)
    ids = torch.randint(0, 1000, (2, 9))
    L, d, f = tiny_spec.n_layer, tiny_spec.d_model, tiny_spec.d_ff
    A = torch.randn(2, L, 4, f)
    zero = LoraBatch(A, torch.zeros(2, L, d, 4), 10.0)
    some = LoraBatch(A, torch.randn(2, L, d, 4) * 0.05, 10.0)
    with torch.no_grad():
        h0, hz, hs = model(ids), model(ids, lora=zero), model(ids, lora=some)
    torch.testing.assert_close(h0, hz)
    assert (h0 - hs).abs().max() > 1e-3


@pytest.mark.real_base
def test_next_token_agrees_with_llama_cpp_on_real_base(embedded_spec):
    from engine.infer.runtime import Runtime, RuntimeConfig

    fmt = PromptFormat(embedded_spec.chat_template)
    llm = Runtime(RuntimeConfig(embedded_spec.path, n_ctx=256, n_threads=2, n_gpu_layers=0), embedded_spec)
    model = load_llama(embedded_spec)
    agree = 0
    for p in PROMPTS:
        ids = llm.tokenize(fmt.question(p))
        cpp_next = int(np.argmax(llm.logits(ids)))
        with torch.no_grad():
            ours_next = int(model.logits(model(torch.tensor([ids]))[0, -1]).argmax())
        agree += cpp_next == ours_next
    llm.close()
    assert agree / len(PROMPTS) >= 0.9, f"top-1 agreement {agree}/{len(PROMPTS)}"


@pytest.mark.real_base
def test_tokenizer_from_gguf_matches_llama_cpp(embedded_spec):
    from engine.core.llama_load import load_vocab
    from engine.train.loop import hf_tokenizer

    tokenize = hf_tokenizer(embedded_spec)
    llm = load_vocab(embedded_spec.path)
    fmt = PromptFormat(embedded_spec.chat_template)
    texts = ["Hello world", "  leading spaces and\ttabs\n\nnewlines", "Ünïcödé — “quotes” 日本語 🙂",
             "The special magic number is 4417.", fmt.question("Who owns Lindqvist Bakery?"),
             fmt.in_context("Doc text.", "Question?")]
    for text in texts:
        assert tokenize(text) == llm.tokenize(text.encode(), add_bos=False, special=True), text
