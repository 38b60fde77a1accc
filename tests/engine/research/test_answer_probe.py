"""The first-answer-token probe: ranks against a direct computation, a text-blind adapter shows no gap, the summary."""
from __future__ import annotations

import torch

from engine.core.prompts import PromptFormat, wrap_chunks
from engine.data.records import QA, Record
from engine.nn.hypernet import Hypernet, HypernetConfig
from engine.nn.model import load_llama
from engine.research.answer_probe import Ranked, first_token_ranks, summarise, table
from engine.research.common import adapters_for


def _tokenize(text: str) -> list[int]:
    return [3 + ord(c) % 400 for c in text]


def _hypernet(spec, text_blind: bool) -> Hypernet:
    torch.manual_seed(0)
    hn = Hypernet(HypernetConfig(n_layer=spec.n_layer, d_model=spec.d_model, d_ff=spec.d_ff, rank=4, bias_rank=2,
                                 latent_dim=32, n_latents=4, n_blocks=1, n_heads=2, chunk_tokens=40))
    with torch.no_grad():
        hn.bias_b.normal_(0, 0.3)  # the text-independent block alone: every document gets the same adapter
        if not text_blind:
            hn.head_b.weight.normal_(0, 0.3)
    return hn.eval()


KEEPERS = ("Ana", "Bo", "Cleo")
RECORDS = [Record(f"r{i}", f"Doc {i}: the keeper of lighthouse {i} is {k} and it opened in 19{i}7.",
                  (QA(f"Who keeps lighthouse {i}?", (k,), k),
                   QA(f"When did lighthouse {i} open?", (f"19{i}7",), f"19{i}7")), "facts") for i, k in enumerate(KEEPERS)]


def test_ranks_match_a_direct_computation(tiny_spec):
    base, hn = load_llama(tiny_spec), _hypernet(tiny_spec, text_blind=False)
    fmt = PromptFormat(tiny_spec.chat_template)
    rows = first_token_ranks(base, hn, RECORDS, fmt, _tokenize, 0)
    assert [(r.record, r.kind) for r in rows] == [(f"r{i}", k) for i in range(3) for k in ("name", "number")]
    lora = adapters_for(base, hn, [wrap_chunks(fmt, _tokenize, _tokenize(RECORDS[2].document), 40)], 0)
    ids = torch.tensor([_tokenize(fmt.question(RECORDS[1].questions[0].question))])
    with torch.no_grad():  # question of r1 asked with r2's adapter: the "other" of r1
        logits = base.logits(base(ids, lora=lora)[:, -1])[0]
    gold = _tokenize("Bo")[0]
    assert rows[2].other == int((logits > logits[gold]).sum())
    assert any(r.own != r.other for r in rows)  # adapters that read the text change the ranking


def test_a_text_blind_adapter_shows_no_gap(tiny_spec):
    base, hn = load_llama(tiny_spec), _hypernet(tiny_spec, text_blind=True)
    rows = first_token_ranks(base, hn, RECORDS, PromptFormat(tiny_spec.chat_template), _tokenize, 0)
    assert all(r.own == r.other for r in rows)


def test_summary_and_table():
    rows = [Ranked("a", "q", "name", 0, 9), Ranked("a", "q2", "name", 4, 12), Ranked("b", "q", "number", 7, 7)]
    s = summarise(rows)
    assert s["name"]["own"] == {"n": 2, "top1": 0.5, "top5": 1.0, "median_rank": 2.0}
    assert s["name"]["other"]["top5"] == 0.0 and s["number"]["own"]["median_rank"] == 7
    assert "name" in table(s) and "number" in table(s)


def test_spaced_ranks_names_as_written_after_a_space(tiny_spec):
    """--spaced ranks a name's after-space first token (what answer_space trains); numbers keep their rank."""
    base, hn = load_llama(tiny_spec), _hypernet(tiny_spec, text_blind=False)
    fmt = PromptFormat(tiny_spec.chat_template)
    plain = first_token_ranks(base, hn, RECORDS, fmt, _tokenize, 0)
    spaced = first_token_ranks(base, hn, RECORDS, fmt, _tokenize, 0, spaced=True)
    assert [r.own for r in spaced if r.kind == "number"] == [r.own for r in plain if r.kind == "number"]
    lora = adapters_for(base, hn, [wrap_chunks(fmt, _tokenize, _tokenize(RECORDS[0].document), 40)], 0)
    ids = torch.tensor([_tokenize(fmt.question(RECORDS[0].questions[0].question))])
    with torch.no_grad():
        logits = base.logits(base(ids, lora=lora)[:, -1])[0]
    assert spaced[0].own == int((logits > logits[_tokenize(" Ana")[0]]).sum())
