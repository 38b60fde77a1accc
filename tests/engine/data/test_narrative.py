"""Tests for the narrative facts generator (engine.data.narrative) and its hook in the training mixture."""
from __future__ import annotations

import random
import re

import pytest

from engine.data import facts, narrative, narrative_registers, narrative_tables
from engine.data.records import SPLITS, approx_tokens


@pytest.fixture(scope="module")
def docs() -> dict[str, list[narrative.NarrativeDocument]]:
    cfg = narrative.NarrativeConfig()
    return {split: [narrative.sample_narrative(cfg, random.Random(f"n:{split}:{i}"), split) for i in range(120)]
            for split in SPLITS}


def _canon(text: str) -> str:
    """One spelling for the formats a value is accepted in: 1,234/1234, 7:40 pm/19:40, 12 March/March 12, EA 12/EA12."""
    m = re.fullmatch(r"(\d+):(\d\d)( [ap]m)?", text)
    if m:
        hour = int(m[1]) % 12 + (12 if m[3] == " pm" else 0) if m[3] else int(m[1])
        return f"{hour:02d}:{m[2]}"
    return "".join(sorted(text.replace(",", "").replace(" ", "")))  # same characters, any order


def _variant_of(answer: str, first: str) -> bool:
    """An accepted answer that re-formats the written one (1,234/1234, 07:40/7:40 am, March 12/12 March)."""
    return _canon(answer) == _canon(first)


def test_deterministic_for_a_seed():
    cfg = narrative.NarrativeConfig()
    assert narrative.narrative_set(4, seed=3, split="train") == narrative.narrative_set(4, seed=3, split="train")
    assert narrative.narrative_set(4, seed=3, split="train") != narrative.narrative_set(4, seed=4, split="train")
    a = narrative.make_narrative(cfg, random.Random(7), "val")
    assert a == narrative.make_narrative(cfg, random.Random(7), "val")


def test_answers_in_document(docs):
    for split_docs in docs.values():
        for d in split_docs:
            rec, doc = d.record, d.record.document.lower()
            assert rec.kind == "facts" and 3 <= len(rec.questions) <= 8
            assert len({q.question for q in rec.questions}) == len(rec.questions)
            for q in rec.questions:
                assert q.answers[0].lower() in doc, (q, rec.document)
                assert q.answers[0].lower() in q.target.lower()
                for a in q.answers:  # every accepted answer is written, or re-formats the written one
                    assert a.lower() in doc or _variant_of(a, q.answers[0]), (a, q)


def test_distractors_present_marked_and_not_the_answer(docs):
    n = 0
    for split_docs in docs.values():
        for d in split_docs:
            doc = d.record.document.lower()
            gold = {q.answers[0] for q in d.record.questions}
            for answer, old in d.distractors:
                n += 1
                assert answer in gold and old.lower() in doc
                assert old != answer and answer.lower() not in old.lower() and old.lower() not in answer.lower()
                assert not any(a.lower() in old.lower() for q in d.record.questions for a in q.answers
                               if q.answers[0] == answer)
    assert n > 150  # most documents carry at least one


def test_lengths_registers_and_second_entities(docs):
    cfg = narrative.NarrativeConfig()
    all_docs = [d for ds in docs.values() for d in ds]
    words = [len(d.record.document.split()) for d in all_docs]
    assert all(cfg.min_words <= w <= cfg.max_words for w in words)
    assert min(words) < 200 and max(words) > 300
    assert {d.register for d in all_docs} == set(narrative_registers.register_names())
    assert len({d.schema for d in all_docs}) == len(facts.schemas())
    # questions about a second entity of the same kind, named in its question
    assert sum(len({q.question.split()[-1] for q in d.record.questions}) > 1 for d in all_docs) > 30


def test_every_schema_attribute_but_species_has_talk():
    keys = {(s.name, a.key) for s in facts.schemas() for a in s.attrs}
    assert keys - set(narrative_tables.TALK) == {("pet", "species")}
    assert set(narrative_tables.TALK) <= keys


def test_test_names_never_in_train_split(docs):
    train = facts.entity_names("train")
    for split in ("val", "test"):
        for d in docs[split]:
            words = set(re.findall(r"[A-Z][A-Za-z']+", d.record.document))
            assert not words & train, (words & train, d.register)
    coined = [narrative.make_narrative(narrative.NarrativeConfig(coined_names=1.0), random.Random(i), "test")
              for i in range(30)]
    held = facts.entity_names("train") | facts.entity_names("val")
    for r in coined:
        assert not set(re.findall(r"[A-Z][A-Za-z']+", r.document)) & held


def test_max_tokens_with_a_counter():
    cfg = narrative.NarrativeConfig(max_tokens=300)
    for i in range(30):
        rec = narrative.make_narrative(cfg, random.Random(i), "train", count_tokens=approx_tokens)
        assert approx_tokens(rec.document) <= 300


def test_config_validation():
    with pytest.raises(ValueError, match="min_words"):
        narrative.NarrativeConfig(min_words=700)
    with pytest.raises(ValueError, match="min_questions"):
        narrative.NarrativeConfig(min_questions=5, max_questions=4)
    with pytest.raises(ValueError, match="distractor_frac"):
        narrative.NarrativeConfig(distractor_frac=1.5)
    with pytest.raises(ValueError, match="max_tokens"):
        narrative.NarrativeConfig(max_tokens=50)


def test_shipped_eval_set_matches_the_generator():
    from pathlib import Path

    from engine.data.eval_sets import SETS
    from engine.data.records import read_jsonl

    path = Path(__file__).resolve().parents[3] / "bench/data/narrative_test_30.jsonl"
    assert read_jsonl(path) == SETS["narrative_test_30.jsonl"]()


def test_sample_records_mixes_narrative_only_when_asked():
    pytest.importorskip("torch")
    from engine.train.config import TrainConfig
    from engine.train.mixture import sample_records

    plain = sample_records(TrainConfig(out_dir="unused"), random.Random(3), 40, "train", approx_tokens)
    zero = sample_records(TrainConfig(out_dir="unused", narrative_frac=0.0, narrative={"second_entity": 1.0}),
                          random.Random(3), 40, "train", approx_tokens)
    assert zero == plain  # narrative_frac 0 draws nothing extra: the old stream is unchanged
    full = sample_records(TrainConfig(out_dir="unused", needle_frac=0.0, narrative_frac=1.0), random.Random(3), 20,
                          "train", approx_tokens)
    assert all(r.kind == "facts" and r.id.startswith("narrative-train-") for r in full)
    with pytest.raises(ValueError, match="narrative_frac"):
        TrainConfig(out_dir="unused", narrative_frac=1.5)
