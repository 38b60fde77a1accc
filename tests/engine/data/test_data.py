"""Tests for the offline data generators: records I/O, needle haystacks, facts documents."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from engine.data import facts, needle
from engine.data.records import (QA, SPLITS, Record, approx_tokens, check_split, from_json, read_jsonl, to_json,
                                 write_jsonl)

SAMPLE = Path(__file__).resolve().parents[4] / "shared/examples/eval_sample.jsonl"


# ---------------------------------------------------------------------------- records


def _record(i: int = 0) -> Record:
    qa = QA("Who owns Lindqvist Bakery?", ("Petra Lindqvist", "Lindqvist"), "Petra Lindqvist")
    return Record(f"r{i}", "Petra Lindqvist owns Lindqvist Bakery.", (qa,), "facts")


def test_jsonl_round_trip(tmp_path):
    path = tmp_path / "set.jsonl"
    records = [_record(i) for i in range(3)]
    write_jsonl(path, records)
    assert read_jsonl(path) == records
    assert [p.name for p in tmp_path.iterdir()] == ["set.jsonl"]  # no temp file left behind


def test_eval_format_keys():
    obj = to_json(_record())
    assert set(obj) >= {"id", "document", "questions"}
    assert obj["questions"][0]["answers"] == ["Petra Lindqvist", "Lindqvist"]
    minimal = {"id": "x", "document": "Ann is 7.", "questions": [{"question": "Age?", "answers": ["7"]}]}
    assert from_json(minimal).questions[0].target == "7"


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps(to_json(_record()))
    path.write_text(good + "\n" + '{"id": "oops", "document": "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl, line 2"):
        read_jsonl(path)
    path.write_text(good + "\n\n" + '{"id": "y", "document": "d", "questions": [{"question": "q"}]}\n')
    with pytest.raises(ValueError, match="line 3"):
        read_jsonl(path)


def test_qa_target_must_contain_first_answer():
    with pytest.raises(ValueError, match="target"):
        QA("Who?", ("Petra",), "Lindqvist")


def test_check_split():
    assert check_split("val") == "val"
    with pytest.raises(ValueError, match="train, val, test"):
        check_split("dev")


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared eval sample not present")
def test_reads_shared_eval_sample():
    records = read_jsonl(SAMPLE)
    assert records and all(r.questions for r in records)
    for r in records:
        for q in r.questions:
            assert any(a.lower() in r.document.lower() for a in q.answers)


# ---------------------------------------------------------------------------- needle


def _needle_position(rec: Record) -> float:
    sentence = needle.needle_sentence(int(rec.questions[0].target))
    return rec.document.index(sentence) / (len(rec.document) - len(sentence))


def test_needle_deterministic():
    cfg = needle.NeedleConfig(n_tokens=300, prose=True)
    assert needle.make_needle(cfg, random.Random(5)) == needle.make_needle(cfg, random.Random(5))
    assert needle.make_needle(cfg, random.Random(5)) != needle.make_needle(cfg, random.Random(6))
    assert needle.needle_set(256, 2, seed=1) == needle.needle_set(256, 2, seed=1)
    assert needle.needle_set(256, 2, seed=1) != needle.needle_set(256, 2, seed=2)


@pytest.mark.parametrize("n_tokens", [256, 2000])
@pytest.mark.parametrize("prose", [False, True])
def test_needle_placement_length_and_answer(n_tokens, prose):
    records = needle.needle_set(n_tokens, n_per_depth=1, seed=3, prose=prose)
    assert len(records) == needle.N_DEPTHS
    for depth, rec in enumerate(records):
        (qa,) = rec.questions
        assert qa.answers == (qa.target,) and qa.target.isdigit() and 4 <= len(qa.target) <= 7
        assert rec.document.count("special magic number") == 1
        assert rec.document.count(needle.needle_sentence(int(qa.target))) == 1
        assert abs(_needle_position(rec) - needle.depth_fraction(depth)) <= 0.10
        assert abs(approx_tokens(rec.document) - n_tokens) <= 0.10 * n_tokens
        assert rec.kind == "needle"


def test_needle_set_covers_all_depths():
    records = needle.needle_set(256, n_per_depth=3, seed=0)
    depths = {int(re.search(r"-d(\d)-", r.id).group(1)) for r in records}
    assert depths == set(range(10)) and len(records) == 30
    assert len({r.id for r in records}) == 30


def test_needle_custom_token_counter():
    words = lambda s: len(s.split())  # noqa: E731
    rec = needle.make_needle(needle.NeedleConfig(n_tokens=500, depth=5, prose=True),
                             random.Random(0), count_tokens=words)
    assert abs(words(rec.document) - 500) <= 25


def test_needle_prose_splits_disjoint():
    pools = {s: set(needle.prose_pool(s)) for s in SPLITS}
    assert all(len(p) > 50 for p in pools.values())
    assert not pools["train"] & pools["test"]
    assert not pools["train"] & pools["val"]
    assert not pools["val"] & pools["test"]
    rec = needle.make_needle(needle.NeedleConfig(400, prose=True), random.Random(1), split="test")
    rest = rec.document.replace(needle.needle_sentence(int(rec.questions[0].target)), "")
    rest = " ".join(rest.split())
    while rest:  # the haystack is a sequence of test-pool sentences and nothing else
        match = next(s for s in pools["test"] if rest.startswith(s))
        rest = rest[len(match):].lstrip()


@pytest.mark.parametrize("split", ["train", "test"])
def test_name_needles_hide_one_name_of_their_split(split):
    records = needle.needle_set(256, n_per_depth=2, seed=4, split=split, value="name")
    listed = facts.pools(split)
    names = set()
    for rec in records:
        (qa,) = rec.questions
        first, last = qa.target.split(" ")
        assert qa.question == needle.NAME_QUESTION and qa.answers == (qa.target,)
        assert rec.document.count(needle.name_sentence(qa.target)) == 1
        assert "magic number" not in rec.document
        assert facts.stable_split(first) == facts.stable_split(last) == split
        if split == "test":  # held-out needles use the listed test names only
            assert first in listed.first and last in listed.last
        names.add(qa.target)
    assert len(names) > len(records) // 2
    assert needle.needle_set(256, 2, seed=4, split=split, value="name") == records
    # the number needles' streams are untouched by the name variant
    assert needle.needle_set(256, 2, seed=4, split=split)[0].questions[0].question == needle.QUESTION


def test_needle_config_validation():
    with pytest.raises(ValueError, match="depth"):
        needle.NeedleConfig(n_tokens=100, depth=10)
    with pytest.raises(ValueError, match="n_tokens"):
        needle.NeedleConfig(n_tokens=10)
    with pytest.raises(ValueError, match="value"):
        needle.NeedleConfig(n_tokens=100, value="colour")


# ---------------------------------------------------------------------------- facts


@pytest.fixture(scope="module")
def docs() -> dict[str, list[facts.FactsDocument]]:
    cfg = facts.FactsConfig()
    return {split: [facts.sample_document(cfg, random.Random(f"t:{split}:{i}"), split)
                    for i in range(150)] for split in SPLITS}


def test_facts_deterministic():
    assert facts.facts_set(5, seed=7, split="train") == facts.facts_set(5, seed=7, split="train")
    assert facts.facts_set(5, seed=7, split="train") != facts.facts_set(5, seed=8, split="train")
    assert [r.id for r in facts.facts_set(2, seed=7, split="val")] == ["facts-val-7-0", "facts-val-7-1"]


def test_facts_answers_in_document(docs):
    for split_docs in docs.values():
        for d in split_docs:
            rec = d.record
            assert rec.kind == "facts"
            assert 3 <= len(rec.questions) <= 8
            assert len({q.question for q in rec.questions}) == len(rec.questions)
            for q in rec.questions:
                assert q.answers[0].lower() in rec.document.lower(), (q, rec.document)
                assert q.answers[0].lower() in q.target.lower()


def test_facts_lengths_in_range(docs):
    cfg = facts.FactsConfig()
    lengths = [approx_tokens(d.record.document) for ds in docs.values() for d in ds]
    assert all(cfg.min_tokens <= n <= cfg.max_tokens for n in lengths)
    assert min(lengths) < 200 and max(lengths) > 400  # the range is actually used


def test_facts_templates_held_out(docs):
    names = {s: set(facts.template_names(s)) for s in SPLITS}
    assert not names["train"] & (names["val"] | names["test"])
    assert not names["val"] & names["test"]
    assert sum(map(len, names.values())) == len(facts.TEMPLATES) >= 40
    for split, split_docs in docs.items():
        assert {d.template for d in split_docs} <= names[split]


def test_facts_entities_held_out(docs):
    train = facts.entity_names("train")
    held = facts.entity_names("val") | facts.entity_names("test")
    assert not train & held
    assert not facts.entity_names("val") & facts.entity_names("test")
    for split in ("val", "test"):
        for d in docs[split]:
            words = set(re.findall(r"[A-Z][A-Za-z']+", d.record.document))
            assert not words & train, (words & train, d.template)


def test_facts_every_split_has_several_schemas(docs):
    assert len(facts.schemas()) >= 14
    for split_docs in docs.values():
        assert len({d.schema for d in split_docs}) >= 3


def test_facts_schema_and_template_coverage():
    for sch in facts.schemas():
        assert len(sch.attrs) >= 7
        assert all(len(a.questions) >= 3 for a in sch.attrs)
        # >= 4 surface forms per schema across all splits
        assert sum(t.fits(sch.name) for t in facts.TEMPLATES) >= 4


def test_facts_config_validation():
    with pytest.raises(ValueError, match="min_questions"):
        facts.FactsConfig(min_questions=5, max_questions=4)
    with pytest.raises(ValueError, match="n_distractors"):
        facts.FactsConfig(n_distractors=(3, 1))
    with pytest.raises(ValueError, match="min_tokens"):
        facts.FactsConfig(min_tokens=600)
    with pytest.raises(ValueError, match="coined_names"):
        facts.FactsConfig(coined_names=1.5)


def test_coined_names_are_open_ended_and_stay_in_their_split():
    cfg = facts.FactsConfig(coined_names=1.0)
    recs = [facts.make_document(cfg, random.Random(f"coined:{i}"), "train") for i in range(60)]
    words = {w for r in recs for w in re.findall(r"[A-Z][a-z]{2,}", r.document)}
    listed = facts.entity_names("train") | facts.entity_names("val") | facts.entity_names("test")
    coined = words - listed
    assert len(coined) > 300  # fresh names in every document, not a fixed list
    for split in SPLITS:
        pool = facts.coined_pools(random.Random(split), split)
        names = pool.names()
        assert len(names) >= 5 * 20 and all(facts.stable_split(n) == split for n in names)
        assert not names & (listed - facts.entity_names(split))
    for r in recs:  # every question is still answered by the document
        assert all(q.answers[0].lower() in r.document.lower() for q in r.questions)


def test_coined_names_off_keeps_documents_unchanged():
    a = facts.make_document(facts.FactsConfig(), random.Random(5), "val")
    b = facts.make_document(facts.FactsConfig(coined_names=0.0), random.Random(5), "val")
    assert a == b
