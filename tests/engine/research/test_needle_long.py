"""The long-haystack needle evaluation (torch path): batched greedy decoding, chunking, the window rule, the plot."""
from __future__ import annotations

import json

import torch

from engine.core.prompts import PromptFormat
from engine.nn.hypernet import Hypernet, HypernetConfig
from engine.nn.model import LoraBatch, load_llama
from engine.research.needle_long import LongNeedleConfig, greedy, plot, run


def _hypernet(spec, chunk_tokens: int = 40) -> Hypernet:
    torch.manual_seed(0)
    hn = Hypernet(HypernetConfig(n_layer=spec.n_layer, d_model=spec.d_model, d_ff=spec.d_ff, rank=4, bias_rank=2,
                                 latent_dim=32, n_latents=4, n_blocks=1, n_heads=2, chunk_tokens=chunk_tokens))
    with torch.no_grad():  # a fresh hypernet writes zero adapters; give it some so rows differ
        hn.head_b.weight.normal_(0, 0.05)
    return hn.eval()


def _tokenize(text: str) -> list[int]:
    return [3 + ord(c) % 400 for c in text]


def test_batched_greedy_equals_one_row_at_a_time(tiny_spec):
    base = load_llama(tiny_spec)
    torch.manual_seed(1)
    L, d, dff, r = tiny_spec.n_layer, tiny_spec.d_model, tiny_spec.d_ff, 4
    lora = LoraBatch(torch.randn(3, L, r, dff) * 0.3, torch.randn(3, L, d, r) * 0.3, 8.0)
    prompt = list(range(5, 17))
    stop = {7, 11, 13}  # some rows stop early, so finished rows get left-padded while others go on
    batched = greedy(base, [prompt] * 3, lora, stop, max_new=8, pad_id=0)
    for i in range(3):
        one = LoraBatch(lora.A[i:i + 1], lora.B[i:i + 1], lora.scale)
        assert greedy(base, [prompt], one, stop, max_new=8, pad_id=0)[0] == batched[i]
    assert len({tuple(b) for b in batched}) > 1, "the adapters should change the answers"


def test_run_chunks_haystacks_and_skips_in_context_beyond_the_window(tiny_spec, tmp_path):
    base, hn = load_llama(tiny_spec), _hypernet(tiny_spec)
    fmt = PromptFormat(tiny_spec.chat_template)
    cfg = LongNeedleConfig(lengths=(60, 300), n_per_depth=1, max_new_tokens=3, window=350, max_chunk_rows=16)
    lines = []
    report = run(cfg, base, hn, fmt, _tokenize, lambda ids: " ".join(map(str, ids)), {2}, 0, progress=lines.append)
    short, long = report["results"]
    assert short["n"] == long["n"] == 10 and len(lines) == 2
    # content is split into 40-token chunks (the tail under 25 tokens joins the previous one)
    assert long["chunks"] >= long["mean_tokens"] // 40 - 1 and long["chunks"] > short["chunks"]
    assert short["in_context"] is not None  # ~160 tokens fit 350
    assert long["in_context"] is None  # document + question exceed the window: not run, not scored as 0
    for row in (short, long):
        assert 0.0 <= row["adapter"] <= 1.0 and row["teach_s_per_1k_tokens"] > 0
    json.dumps(report)
    assert plot(report, tmp_path / "n.png", "t").stat().st_size > 1000


def test_answers_are_scored_by_the_number(tiny_spec, monkeypatch):
    """A decoder that always says the right number scores 1.0; one that says another number scores 0."""
    import engine.research.needle_long as nl

    base, hn = load_llama(tiny_spec), _hypernet(tiny_spec)
    fmt = PromptFormat(tiny_spec.chat_template)
    cfg = LongNeedleConfig(lengths=(60,), n_per_depth=1, max_new_tokens=1, window=10_000)
    records = nl.needle_set(60, 1, cfg.seed, count_tokens=lambda s: len(_tokenize(s)), split="test")
    answers = iter([r.questions[0].answers[0] for r in records] * 2)  # adapter pass, then in-context pass
    right = run(cfg, base, hn, fmt, _tokenize, lambda ids: f"It is {next(answers)}.", {2}, 0, progress=lambda s: None)
    assert right["results"][0]["adapter"] == 1.0 and right["results"][0]["in_context"] == 1.0
    wrong = run(cfg, base, hn, fmt, _tokenize, lambda ids: "It is 12.", {2}, 0, progress=lambda s: None)
    assert wrong["results"][0]["adapter"] == 0.0



def test_window_0_runs_the_adapter_only_and_still_plots(tiny_spec, tmp_path):
    """--adapter-only (window 0): no in-context row is run (null, not 0), and the plot has no window line."""
    base, hn = load_llama(tiny_spec), _hypernet(tiny_spec)
    report = run(LongNeedleConfig(lengths=(60,), n_per_depth=1, max_new_tokens=2, window=0), base, hn,
                 PromptFormat(tiny_spec.chat_template), _tokenize, lambda ids: "x", {2}, 0, progress=lambda s: None)
    assert report["results"][0]["in_context"] is None and report["config"]["window"] == 0
    assert plot(report, tmp_path / "a.png", "t").stat().st_size > 1000
