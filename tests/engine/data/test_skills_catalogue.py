"""Tests for the widened skill catalogue (engine.data.skills.families): size, family hold-out, mutations, sets."""
from __future__ import annotations

import filecmp
import random
from collections import Counter
from pathlib import Path

import pytest

from engine.data import skills as sk
from engine.data.eval_sets import SETS
from engine.data.records import read_jsonl, write_jsonl

BENCH = Path(__file__).resolve().parents[3] / "bench/data"


def test_catalogue_size():
    tasks = sk.tasks()
    assert len(tasks) >= 400
    assert len({t.family for t in tasks}) >= 150
    assert sum(t.catalogue == 1 for t in tasks) == 127  # the first catalogue is unchanged
    for t in tasks:
        assert len(t.descriptions) >= 20 and len(set(t.descriptions)) == len(t.descriptions), t.id


def test_first_catalogue_splits_unchanged():
    """The first catalogue's ids and splits are those the shipped bench sets were drawn from."""
    first = {t.id: t.split for t in sk.tasks() if t.catalogue == 1}
    assert Counter(first.values()) == {"train": 95, "test": 19, "val": 13}
    assert first["answer_json"] == "test" and first["reverse_words"] == "train"


def test_no_new_family_in_two_splits():
    splits: dict[str, set[str]] = {}
    for t in sk.tasks():
        splits.setdefault(t.family, set()).add(t.split)
    mixed = {f for f, s in splits.items() if len(s) > 1}
    # only families of the first catalogue, held out by task, span splits
    assert mixed <= {t.family for t in sk.tasks() if t.catalogue == 1}
    family_held = {t.family for t in sk.tasks() if t.holdout == "family"}
    assert not mixed & family_held
    for split in ("val", "test"):
        fams = sk.held_out_families(split)
        assert len(fams) >= 10
        assert all(t.split == split for t in sk.tasks() if t.family in fams)
    assert not set(sk.held_out_families("val")) & set(sk.held_out_families("test"))


@pytest.mark.parametrize("family", sorted({t.family for t in sk.tasks() if t.catalogue == 2}))
def test_every_new_family_has_a_rejected_mutation(family):
    tasks = [t for t in sk.tasks() if t.family == family and t.catalogue == 2]
    for t in tasks:
        rng = random.Random(f"mut:{t.id}")
        for _ in range(8):
            inp = t.sample(rng)
            out = t.solve(inp)
            assert t.check(inp, out), (t.id, inp, out)
            wrong = t.mutant(inp)
            assert wrong is not None, t.id
            assert wrong != out and not t.check(inp, wrong), (t.id, inp, out, wrong)


def test_loose_styles_only_on_format_only_content():
    for t in sk.tasks():
        if any(s.loose for s in t.styles):
            assert t.core.name == "answer" or t.core.name.startswith(("min_words", "max_words", "sentences")), t.id


def test_some_new_checks_by_hand():
    assert sk.check("max_words_5", "What is the capital of France?", "Paris.")
    assert not sk.check("max_words_5", "What is the capital of France?", "The capital city of France is Paris.")
    assert sk.check("to_german_colour", "white", "Weiss") and sk.check("to_french_noun", "cat", "le chat")
    assert not sk.check("to_spanish_day", "Monday", "Martes")
    assert sk.check("date_words_to_iso", "March 5, 2024", "2024-03-05")
    assert sk.check("weekday_of_date", "2024-03-05", "Tuesday")
    assert sk.check("km_to_m", "3 km", "3000 m") and not sk.check("km_to_m", "3 km", "300 m")
    assert sk.check("answer_signoff_alex", "What is 2 plus 3?", "2 plus 3 is 5.\n\u2014 Alex")
    assert not sk.check("answer_signoff_alex", "What is 2 plus 3?", "2 plus 3 is 5. Alex")
    assert sk.check("answer_formal_good_day", "What is 2 plus 3?", "Good day. The sum is 5.")
    assert not sk.check("answer_formal_good_day", "What is 2 plus 3?", "Good day. It's 5.")
    assert sk.check("bullets_3", "What do bees make?", "* Honey.\n* Bees make it.\n* It is sweet.")
    assert not sk.check("bullets_3", "What do bees make?", "* Honey.\n* Bees make it.")
    assert sk.check("equation_form", "What is 7 times 3?", "7 x 3 = 21")
    assert not sk.check("equation_form", "What is 7 times 3?", "7 x 3 = 24")
    assert sk.check("answer_json_key_result", "What is 2 plus 3?", '{"result": "5"}')


def test_family_eval_set_reproducible_and_held_out():
    recs = read_jsonl(BENCH / "skills_test_families.jsonl")
    assert recs == sk.skills_family_eval_set(seed=19, split="test", descs_per_task=5, n_inputs=3)
    assert len(recs) >= 150
    fams = {sk.get_task(sk.task_of(r.id)).family for r in recs}
    assert fams == set(sk.held_out_families("test"))
    trained = {t.family for t in sk.tasks() if t.split == "train"}
    assert not fams & trained
    for r in recs:
        assert sk.held_out_kind(sk.task_of(r.id), r.document) == "task"
        assert all(sk.check(r.id, q.question, q.target) for q in r.questions)
    with pytest.raises(ValueError, match="val or test"):
        sk.skills_family_eval_set(split="train")


@pytest.mark.parametrize("name", ["skills_test.jsonl", "skills_test_small.jsonl", "skills_test_families.jsonl"])
def test_skill_bench_files_regenerate_byte_identical(tmp_path, name):
    write_jsonl(tmp_path / name, SETS[name]())
    assert filecmp.cmp(tmp_path / name, BENCH / name, shallow=False)


def test_determinism_and_new_tasks_in_training_stream():
    cfg = sk.SkillsConfig(noop_frac=0.0)
    a = sk.skills_set(300, seed=4, split="train", cfg=cfg)
    assert a == sk.skills_set(300, seed=4, split="train", cfg=cfg)
    key = lambda ts: [(t.id, t.family, t.split, t.holdout, t.descriptions) for t in ts]  # noqa: E731
    assert key(sk.tasks()) == key(sk.tasks.__wrapped__())  # rebuilt from scratch: same ids, splits, descriptions
    drawn = [sk.get_task(sk.task_of(r.id)) for r in a]
    assert sum(t.catalogue == 2 for t in drawn) > 150  # family-uniform draws reach the widened catalogue
    assert all(t.split == "train" for t in drawn)


def test_sample_records_draws_new_tasks():
    pytest.importorskip("torch")
    from engine.data.records import approx_tokens
    from engine.train.config import TrainConfig
    from engine.train.mixture import sample_records
    cfg = TrainConfig(out_dir="unused", skill_frac=1.0, needle_frac=0.0)
    recs = sample_records(cfg, random.Random(0), 120, "train", approx_tokens)
    tasks = [sk.get_task(sk.task_of(r.id)) for r in recs if r.kind == sk.KIND]
    assert len(tasks) == 120 and sum(t.catalogue == 2 for t in tasks) > 40
    assert len({t.family for t in tasks}) > 60
