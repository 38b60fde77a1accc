"""The llama.cpp runtime: hot-swapped GGUF adapters, parity with the torch model, rejection of bad files."""
from __future__ import annotations

import numpy as np
import pytest

from engine.core.adapter import LoraAdapter
from engine.core.adapter_file import AdapterFileError, scan_gguf
from engine.core.lora import concat_ranks
from engine.core.prompts import render_chat
from engine.infer.runtime import LlamaRuntimeError, Runtime, RuntimeConfig
from export.gguf_adapter import write_gguf_adapter

PROMPT = "<|im_start|>user\nWhat colour is the sky on Mars?<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def adapters_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("adapters")


@pytest.fixture(scope="module")
def rt(tiny_spec):
    with Runtime(RuntimeConfig(tiny_spec.path, n_ctx=256, n_threads=2), tiny_spec) as runtime:
        yield runtime


@pytest.fixture(scope="module")
def ad1(tiny_spec, make_adapter):
    return make_adapter(tiny_spec, seed=11)


@pytest.fixture(scope="module")
def ad2(tiny_spec, make_adapter):
    return make_adapter(tiny_spec, seed=12)


@pytest.fixture(scope="module")
def h1(rt, ad1, tiny_spec, adapters_dir) -> str:
    return rt.load_adapter(write_gguf_adapter(ad1, adapters_dir / "one.gguf", tiny_spec))


@pytest.fixture(scope="module")
def h2(rt, ad2, tiny_spec, adapters_dir) -> str:
    return rt.load_adapter(write_gguf_adapter(ad2, adapters_dir / "two.gguf", tiny_spec))


@pytest.fixture(scope="module")
def torch_tiny(tiny_spec):
    from engine.nn.model import load_llama

    return load_llama(tiny_spec)


@pytest.fixture
def base_only(rt):
    rt.set_active([])
    yield rt
    rt.set_active([])


def torch_logits(model, ids: list[int], adapter: LoraAdapter | None) -> np.ndarray:
    """(T, vocab) float64 logits of the torch reference, optionally with ``adapter`` on every down_proj."""
    import torch

    from engine.nn.model import LoraBatch

    lora = None if adapter is None else LoraBatch(torch.from_numpy(adapter.A)[None], torch.from_numpy(adapter.B)[None],
                                                   adapter.scale)
    with torch.no_grad():
        return model.logits(model(torch.tensor([ids]), lora=lora))[0].double().numpy()


def rel_err(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got - want).max() / np.abs(want).max())


def test_tokenize_follows_metadata(rt, tiny_spec):
    assert len(rt.tokenize("Hello")) == 1  # SmolLM: add_bos_token is False, so no BOS is prepended
    ids = rt.tokenize(PROMPT)
    assert rt.detokenize(ids) == PROMPT
    assert rt.tokenize("<|im_end|>") == [tiny_spec.eos_id]


def test_adapter_changes_logits_and_weight_zero_restores_base(base_only, h1):
    rt = base_only
    ids = rt.tokenize(PROMPT)
    base = rt.logits(ids)
    rt.set_active([(h1, 1.0)])
    with_adapter = rt.logits(ids)
    rt.set_active([(h1, 0.0)])
    weight_zero = rt.logits(ids)
    rt.set_active([])
    removed = rt.logits(ids)
    assert np.abs(with_adapter - base).max() > 0.05
    # equal up to float rounding: the cached prompt prefix leaves only the last token to evaluate
    np.testing.assert_allclose(weight_zero, base, rtol=0, atol=1e-5)
    np.testing.assert_allclose(removed, base, rtol=0, atol=1e-5)


def test_last_position_logits_equal_full_eval(base_only):
    ids = base_only.tokenize(PROMPT)
    np.testing.assert_allclose(base_only.eval_logits(ids)[-1], base_only.logits(ids), atol=1e-5)


def test_base_logits_match_torch(base_only, torch_tiny):
    ids = base_only.tokenize(PROMPT)
    assert rel_err(base_only.eval_logits(ids), torch_logits(torch_tiny, ids, None)) < 1e-3


def test_adapter_delta_matches_torch(base_only, h1, ad1, torch_tiny):
    """(with adapter - without) agrees between llama.cpp (GGUF adapter, alpha/rank) and torch (LoraBatch, scale)."""
    rt = base_only
    ids = rt.tokenize(PROMPT)
    base = rt.eval_logits(ids)
    rt.set_active([(h1, 1.0)])
    cpp_delta = rt.eval_logits(ids) - base  # (T, vocab)
    torch_delta = torch_logits(torch_tiny, ids, ad1) - torch_logits(torch_tiny, ids, None)
    assert rel_err(cpp_delta, torch_delta) < 1e-2


def test_user_weight_scales_the_adapter(base_only, h1, ad1, torch_tiny):
    rt = base_only
    ids = rt.tokenize(PROMPT)
    rt.set_active([(h1, 0.5)])
    cpp = rt.eval_logits(ids)
    base = torch_logits(torch_tiny, ids, None)
    half = torch_logits(torch_tiny, ids, LoraAdapter(ad1.A, ad1.B, ad1.scale * 0.5))
    assert rel_err(cpp - base, half - base) < 1e-2


def test_two_active_adapters_equal_their_rank_concatenation(base_only, h1, h2, ad1, ad2, tiny_spec, adapters_dir):
    rt = base_only
    A, B = concat_ranks([ad1.A, ad2.A], [ad1.B, ad2.B], np.concatenate)
    h12 = rt.load_adapter(write_gguf_adapter(LoraAdapter(A, B, ad1.scale), adapters_dir / "both.gguf", tiny_spec))
    ids = rt.tokenize(PROMPT)
    rt.set_active([(h1, 1.0), (h2, 1.0)])
    together = rt.eval_logits(ids)
    rt.set_active([(h12, 1.0)])
    concatenated = rt.eval_logits(ids)
    rt.unload_adapter(h12)
    base = (rt.set_active([]), rt.eval_logits(ids))[1]
    assert np.abs(together - base).max() > 0.05
    assert rel_err(together - base, concatenated - base) < 1e-3


def test_switching_100_times_never_reloads_and_is_deterministic(base_only, h1, h2):
    rt = base_only
    want = {}
    for h in (h1, h2):
        rt.set_active([(h, 1.0)])
        want[h] = "".join(rt.generate(PROMPT, max_tokens=4))
    assert want[h1] != want[h2]
    for i in range(100):
        h = (h1, h2)[i % 2]
        rt.set_active([(h, 1.0)])
        assert "".join(rt.generate(PROMPT, max_tokens=4)) == want[h]
    assert rt.base_loads == 1


def test_truncated_and_flipped_adapters_rejected_base_keeps_answering(base_only, tiny_spec, adapters_dir, h1):
    rt = base_only
    good = adapters_dir / "one.gguf"
    data = good.read_bytes()
    data_start = scan_gguf(good, data).data_start
    before = "".join(rt.generate(PROMPT, max_tokens=4))
    flipped = bytearray(data)
    flipped[data_start + 40] ^= 0x10
    bad_files = {"cut.gguf": data[: len(data) // 2], "header.gguf": data[:4] + b"\x07" + data[5:],
                 "data.gguf": bytes(flipped), "text.gguf": b"not an adapter at all, just text" * 4}
    n_loaded = len(rt._state.adapters)
    for name, content in bad_files.items():
        path = adapters_dir / name
        path.write_bytes(content)
        with pytest.raises(AdapterFileError) as e:
            rt.load_adapter(path)
        assert str(path) in str(e.value)
    assert len(rt._state.adapters) == n_loaded
    assert "".join(rt.generate(PROMPT, max_tokens=4)) == before
    rt.set_active([(h1, 1.0)])  # other adapters keep working too
    assert "".join(rt.generate(PROMPT, max_tokens=4)) != before


def test_unload_active_adapter_restores_base(base_only, ad2, tiny_spec, adapters_dir):
    rt = base_only
    ids = rt.tokenize(PROMPT)
    base = rt.logits(ids)
    h = rt.load_adapter(write_gguf_adapter(ad2, adapters_dir / "tmp.gguf", tiny_spec))
    rt.set_active([(h, 1.0)])
    rt.unload_adapter(h)
    assert rt.active == ()
    np.testing.assert_allclose(rt.logits(ids), base, rtol=0, atol=1e-5)
    with pytest.raises(KeyError, match="load_adapter"):
        rt.set_active([(h, 1.0)])


def test_generation_streams_stops_and_guards(base_only, tiny_spec):
    rt = base_only
    pieces = list(rt.generate(PROMPT, max_tokens=6))
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert len(rt.tokenize("".join(pieces))) <= 6
    messages = [{"role": "user", "content": "What colour is the sky on Mars?"}]
    rendered = render_chat(tiny_spec.chat_template, messages, add_generation_prompt=True)  # adds SmolLM's system turn
    assert "".join(rt.chat(messages, max_tokens=6)) == "".join(rt.generate(rendered, max_tokens=6))
    assert "".join(rt.generate(PROMPT, max_tokens=0)) == ""
    stream = rt.generate(PROMPT, max_tokens=6)
    next(stream)
    rt.logits(rt.tokenize("hi"))
    with pytest.raises(LlamaRuntimeError, match="one generate"):
        list(stream)
    with pytest.raises(ValueError, match="n_ctx"):
        rt.generate(PROMPT, max_tokens=rt.n_ctx)


@pytest.mark.real_base
def test_real_base_delta_correlates_with_torch(embedded_spec, make_adapter, tmp_path):
    """On the Q4_1 SmolLM2 base, llama.cpp's logit delta from a random adapter tracks the (dequantized) torch one.

    llama.cpp quantizes activations to Q8 for Q4_1 matmuls, so *any* change of the
    residual stream flips roundings: the delta carries an adapter-independent noise
    floor of ~1 logit (weight 0 is still bit-exact). The adapter must dominate it:
    b_std 0.01 gives corr ~0.87-0.92, 0.03 gives ~0.98 (5 seeds), 0.05 ~0.99.
    """
    from engine.nn.model import load_llama

    ad = make_adapter(embedded_spec, seed=21, b_std=0.03)
    path = write_gguf_adapter(ad, tmp_path / "real.gguf", embedded_spec)
    with Runtime(RuntimeConfig(embedded_spec.path, n_ctx=128), embedded_spec) as rt:
        answer = list(rt.generate(PROMPT.replace("What colour is the sky on Mars?", "What is the capital of France?"), 24))
        assert "Paris" in "".join(answer) and len(answer) < 24  # stopped at <|im_end|>, not at max_tokens
        ids = rt.tokenize(PROMPT)
        base = rt.eval_logits(ids)
        rt.set_active([(rt.load_adapter(path), 1.0)])
        cpp_delta = rt.eval_logits(ids) - base
    model = load_llama(embedded_spec)
    torch_delta = torch_logits(model, ids, ad) - torch_logits(model, ids, None)
    corr = np.corrcoef(cpp_delta.ravel(), torch_delta.ravel())[0, 1]
    assert corr > 0.9, corr


def fresh_logits(tiny_spec, adapters_dir, prompts: list[list[int]], adapter: str | None) -> list[np.ndarray]:
    """Last-position logits of each prompt, each evaluated from an empty cache (eval_logits resets it)."""
    with Runtime(RuntimeConfig(tiny_spec.path, n_ctx=256, n_threads=2, park_sets=0), tiny_spec) as fresh:
        if adapter is not None:
            fresh.set_active([(fresh.load_adapter(adapters_dir / adapter), 1.0)])
        return [fresh.eval_logits(ids)[-1] for ids in prompts]


def test_cached_prefix_and_parked_sets_give_the_logits_of_a_fresh_evaluation(base_only, h1, h2, tiny_spec,
                                                                              adapters_dir):
    rt = base_only
    first = rt.tokenize(PROMPT)
    longer = rt.tokenize(PROMPT + "Red dust.<|im_end|>\n<|im_start|>user\nAnd at night?<|im_end|>\n"
                                  "<|im_start|>assistant\n")
    other = rt.tokenize("<|im_start|>user\nWhat colour is grass?<|im_end|>\n<|im_start|>assistant\n")
    want = {(name, tuple(ids)): got for name in (None, "one.gguf")
            for ids, got in zip((first, longer, other), fresh_logits(tiny_spec, adapters_dir, [first, longer, other], name))}
    handle = {None: None, "one.gguf": h1}
    # the same runtime: prefix kept, extended, cut; switches park and restore each set's cache
    for name, ids in [(None, first), (None, longer), ("one.gguf", first), (None, longer), ("one.gguf", longer),
                      (None, other), ("one.gguf", other), ("one.gguf", first), (None, first)]:
        rt.set_active([] if name is None else [(handle[name], 1.0)])
        got = rt.logits(ids)
        np.testing.assert_allclose(got, want[(name, tuple(ids))], rtol=0, atol=2e-4)
        assert rt._state.kv == ids
    # an adapter set's cache never serves another set: the parked entries are keyed by the set
    h3 = rt.load_adapter(adapters_dir / "two.gguf")
    rt.set_active([(h3, 1.0)])
    assert rt._state.kv == []
    rt.set_active([(h1, 1.0)])
    assert rt._state.kv == first
    rt.unload_adapter(h3)


def test_generation_after_cached_prompt_equals_fresh_generation(base_only, h1, tiny_spec):
    rt = base_only
    rt.set_active([(h1, 1.0)])
    a = "".join(rt.generate(PROMPT, max_tokens=5))
    assert len(rt._state.kv) > len(rt.tokenize(PROMPT))  # the generated tokens are cached too
    rt.set_active([])
    "".join(rt.generate(PROMPT, max_tokens=5))
    rt.set_active([(h1, 1.0)])
    assert "".join(rt.generate(PROMPT, max_tokens=5)) == a  # cache holds PROMPT + the generated tokens; only the last re-runs
    rt.forget_cache()
    assert rt._state.kv == [] and rt.active == ((h1, 1.0),)  # the cache goes, the adapters stay
    assert "".join(rt.generate(PROMPT, max_tokens=5)) == a  # read from the start: the same answer
def test_compact_f16_adapter_matches_the_full_f32_one(base_only, ad1, ad2, tiny_spec, adapters_dir):
    """Two chunks' blocks merged by truncated SVD (rank kept) and stored as F16 give llama.cpp the same logits."""
    from engine.core.compact import CompactConfig, compact_adapter

    rt = base_only
    A, B = concat_ranks([ad1.A, ad2.A], [ad1.B, ad2.B], np.concatenate)
    full = LoraAdapter(A, B, ad1.scale)
    small = compact_adapter(full, CompactConfig(rank_cap=64))
    h_full = rt.load_adapter(write_gguf_adapter(full, adapters_dir / "full32.gguf", tiny_spec, dtype="f32"))
    h_small = rt.load_adapter(write_gguf_adapter(small, adapters_dir / "compact16.gguf", tiny_spec))
    ids = rt.tokenize(PROMPT)
    base = rt.eval_logits(ids)
    rt.set_active([(h_full, 1.0)])
    want = rt.eval_logits(ids) - base
    rt.set_active([(h_small, 1.0)])
    got = rt.eval_logits(ids) - base
    rt.set_active([])
    rt.unload_adapter(h_full)
    rt.unload_adapter(h_small)
    assert np.abs(want).max() > 0.05
    assert rel_err(got, want) < 1e-2
