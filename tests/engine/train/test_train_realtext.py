"""Training on real text: realtext records in the mixture, the student reading the text, a tiny run's realtext eval."""
from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from engine.train.batches import BatchConfig, build_batch, context_for
from engine.data.realtext import RealtextConfig, make_records, write_records_xz
from engine.core.prompts import PromptFormat
from engine.train.config import TrainConfig
from engine.train.loop import train
from engine.train.mixture import sample_records

from tests.realtext_fixture import fixture_docs

CONFIG = Path(__file__).resolve().parents[3] / "engine/train/configs/d2l_tiny.json"


@pytest.fixture(scope="module")
def records():
    return make_records(fixture_docs(), RealtextConfig(), seed=0, common=frozenset())


@pytest.fixture(scope="module")
def tokenize(tiny_spec):
    from engine.core.llama_load import load_vocab

    llm = load_vocab(tiny_spec.path)
    return lambda text: llm.tokenize(text.encode(), add_bos=False, special=True)


def test_sample_records_draws_realtext_only_when_asked(records):
    count = lambda s: len(s) // 4  # noqa: E731
    cfg = TrainConfig(out_dir="x", needle_frac=0.2, skill_frac=0.2, realtext_frac=0.4, realtext_path="r.jsonl.xz")
    mixed = sample_records(cfg, random.Random(0), 40, "train", count, records)
    kinds = [r.kind for r in mixed]
    assert 8 <= kinds.count("realtext") <= 26 and "facts" in kinds and "needle" in kinds
    assert all(r in records for r in mixed if r.kind == "realtext")
    # realtext_frac 0 draws nothing more from the generator: the stream of older configs is unchanged
    old = TrainConfig(out_dir="x", needle_frac=0.2, skill_frac=0.2)
    a = sample_records(old, random.Random(3), 12, "train", count)
    b = sample_records(replace(old, realtext_path="r.jsonl.xz"), random.Random(3), 12, "train", count, records)
    assert a == b
    with pytest.raises(ValueError, match="realtext"):
        sample_records(cfg, random.Random(0), 40, "train", count, [])
    with pytest.raises(ValueError, match="realtext_path"):
        TrainConfig(out_dir="x", realtext_frac=0.3)
    with pytest.raises(ValueError, match="at most 1"):
        TrainConfig(out_dir="x", needle_frac=0.5, skill_frac=0.3, realtext_frac=0.3, realtext_path="r")


def test_student_rows_read_the_text_with_student_context(records, tiny_spec, tokenize):
    fmt = PromptFormat(tiny_spec.chat_template)
    rec = records[0]
    cfg = BatchConfig(chunk_tokens=128, min_chunk_tokens=16, questions_per_doc=3, max_chunks=2)
    plain = build_batch([rec], fmt, tokenize, cfg, random.Random(0))
    seen = build_batch([rec], fmt, tokenize, replace(cfg, student_context_frac=1.0), random.Random(0))
    para = tokenize(rec.document.split("\n\n")[1])  # a paragraph of the document
    has = lambda row: any(row[i:i + len(para)] == para for i in range(len(row) - len(para) + 1))  # noqa: E731
    assert not any(has(r) for r in plain.student_ids.tolist())
    assert seen.student_ids.shape[1] > plain.student_ids.shape[1]
    texts = [context_for(rec.document, qa.answers[0], 4 * cfg.chunk_tokens) for qa in rec.questions]
    assert all(qa.answers[0] in t for qa, t in zip(rec.questions, texts))
    assert bool((seen.student_ids == seen.teacher_ids).all())  # the teacher reads what the student reads
    assert seen.kl_mask.any() and seen.ce_mask.all()  # still distilled and trained on the gold target


def test_long_documents_and_long_pairs_stay_bounded(records, tiny_spec, tokenize):
    """A teacher row reads at most teacher_max_chars of the document; an overlong question + target is left out."""
    from engine.data.records import QA, Record

    fmt = PromptFormat(tiny_spec.chat_template)
    rec = records[0]
    long_doc = "\n\n".join([rec.document] + [f"Filler paragraph {i} about nothing in particular." for i in range(1500)])
    assert len(long_doc) > 16384
    long_qa = QA("Fill in the blank: " + "x" * 700, (rec.questions[0].answers[0],), rec.questions[0].answers[0])
    big = Record("big", long_doc, (long_qa,) + tuple(rec.questions), rec.kind)
    cfg = BatchConfig(chunk_tokens=128, min_chunk_tokens=16, questions_per_doc=50, max_chunks=2)
    b = build_batch([big], fmt, tokenize, cfg, random.Random(0))
    assert b.student_ids.shape[0] == len(rec.questions)  # the 700-character question is not drawn
    assert b.teacher_ids.shape[1] < len(tokenize(long_doc)) // 3  # the teacher reads the window, not the manual
    loose = build_batch([big], fmt, tokenize, replace(cfg, max_qa_chars=10_000, teacher_max_chars=10**7),
                        random.Random(0))
    assert loose.student_ids.shape[0] == len(rec.questions) + 1
    assert loose.teacher_ids.shape[1] > len(tokenize(long_doc)) - 64
    only_long = Record("only-long", rec.document, (long_qa,), rec.kind)  # nothing shorter left: the long one is kept
    assert build_batch([only_long], fmt, tokenize, cfg, random.Random(0)).student_ids.shape[0] == 1


def test_tiny_run_trains_on_realtext_and_logs_its_eval(tmp_path, records, tiny_spec, tokenize):
    write_records_xz(tmp_path / "train.jsonl.xz", records)
    write_records_xz(tmp_path / "val.jsonl.xz", records[:2])
    raw = json.loads(CONFIG.read_text())
    cfg = TrainConfig.from_json(CONFIG, out_dir=str(tmp_path / "run"), base_path=str(tiny_spec.path), steps=3,
                                eval_every=3, realtext_frac=0.5, realtext_path=str(tmp_path / "train.jsonl.xz"),
                                realtext_val_path=str(tmp_path / "val.jsonl.xz"),
                                batch={**raw["batch"], "student_context_frac": 0.5})
    last = train(cfg, tokenize=tokenize)
    assert last["step"] == 3 and last["loss"] > 0
    rows = [json.loads(line) for line in (tmp_path / "run/metrics.jsonl").read_text().splitlines()]
    ev = [r["eval"] for r in rows if "eval" in r][-1]
    assert {"realtext_adapter_q_acc", "realtext_icl_q_acc", "realtext_adapter_ce", "needle_adapter_q_acc"} <= set(ev)


def test_length_groups_cost_the_fewest_padded_tokens():
    import itertools

    from engine.train.batches import length_groups

    rng = random.Random(5)
    for _ in range(30):
        lens = [rng.choice([rng.randint(20, 60), rng.randint(300, 700)]) for _ in range(rng.randint(1, 9))]
        for g in (1, 2, 3):
            groups = length_groups(lens, g)
            assert sorted(i for grp in groups for i in grp) == list(range(len(lens))) and len(groups) <= g
            cost = sum(len(grp) * max(lens[i] for i in grp) for grp in groups)
            # against every split of the sorted rows into at most g contiguous runs
            s = sorted(lens)
            best = min(sum((b - a) * s[b - 1] for a, b in zip((0, *cuts), (*cuts, len(s))))
                       for k in range(min(g, len(s))) for cuts in itertools.combinations(range(1, len(s)), k))
            assert cost == best
    assert length_groups([], 3) == []
    with pytest.raises(ValueError):
        length_groups([1], 0)


def test_grouped_rows_give_the_logits_and_gradients_of_one_padded_run(records, tiny_spec, tokenize):
    """Student rows that read the text run apart from the short ones; the loss and its gradient do not change."""
    import torch

    from engine.core.prompts import wrapper_ids
    from engine.nn.hypernet import Hypernet, HypernetConfig
    from engine.train.loop import batch_config
    from engine.nn.model import load_llama
    from engine.train.objective import compute_loss

    fmt = PromptFormat(tiny_spec.chat_template)
    raw = json.loads(CONFIG.read_text())
    cfg = TrainConfig.from_json(CONFIG, out_dir="x", base_path=str(tiny_spec.path))
    bcfg = replace(batch_config(cfg, tiny_spec), student_context_frac=0.5, questions_per_doc=4)
    batch = build_batch(records[:3], fmt, tokenize, bcfg, random.Random(1))
    s, t = batch.student_lens.tolist(), batch.teacher_lens.tolist()
    assert max(s) > 2 * min(s) and batch.student_ids.shape[1] == max(s) and batch.teacher_ids.shape[1] == max(t)
    torch.manual_seed(0)
    base = load_llama(tiny_spec)
    pre, suf = wrapper_ids(fmt, tokenize)
    hcfg = {k: v for k, v in raw["hypernet"].items() if k not in ("copy_start",)}
    hn = Hypernet(HypernetConfig(n_layer=tiny_spec.n_layer, d_model=tiny_spec.d_model, d_ff=tiny_spec.d_ff,
                                 skip_head=len(pre), skip_tail=len(suf), **hcfg))
    runs = {}
    for groups in (1, 3):
        hn.zero_grad()
        loss, _ = compute_loss(base, hn, batch, replace(cfg, length_groups=groups))
        loss.backward()
        runs[groups] = (loss.item(), [p.grad.clone() for p in hn.parameters() if p.grad is not None])
    assert abs(runs[1][0] - runs[3][0]) < 1e-4 * max(1.0, abs(runs[1][0]))
    for a, b in zip(runs[1][1], runs[3][1]):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-3)


def test_a_student_row_reads_a_bounded_window_even_of_one_long_paragraph(records, tiny_spec, tokenize):
    """A haystack without blank lines (a needle document) must not put its whole length into the student's row."""
    from engine.data.records import QA, Record
    from engine.train.batches import char_window

    rng = random.Random(3)
    words = [rng.choice(["river", "stone", "lamp", "quiet", "north", "seven", "paper"]) for _ in range(4000)]
    words[2500] = "code 48213."
    hay = " ".join(words)
    window = context_for(hay, "48213", 2048)
    assert len(window) <= 2048 and "48213" in window and window in hay
    assert char_window("aa bb cc dd ee ff gg", "dd", 8) == "cc dd ee"
    fmt = PromptFormat(tiny_spec.chat_template)
    rec = Record("hay", hay, (QA("What is the code?", ("48213",), "48213"),), "needle")
    cfg = BatchConfig(chunk_tokens=128, min_chunk_tokens=16, questions_per_doc=1, max_chunks=2,
                      student_context_frac=1.0)
    b = build_batch([rec], fmt, tokenize, cfg, random.Random(0))
    assert b.student_lens.item() < len(tokenize(window)) + 64 < len(tokenize(hay)) // 4
