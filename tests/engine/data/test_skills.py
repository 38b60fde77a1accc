"""Tests for the skills generator (engine.data.skills) and the skill evaluation runner (engine.eval.evaluate_skills)."""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from engine.data import skills as sk
from engine.data.records import SPLITS, read_jsonl, to_json
from engine.eval import evaluate_skills as ev

BENCH = Path(__file__).resolve().parents[3] / "bench/data/skills_test.jsonl"
BASE_LIKE = ("", "I am not sure what you mean.", "Sure, here is the answer to your question.")


# ---------------------------------------------------------------------------- tasks


def test_task_inventory():
    tasks = sk.tasks()
    assert len(tasks) >= 100
    assert len({t.id for t in tasks}) == len(tasks)
    assert len({t.family for t in tasks}) >= 30  # genuinely distinct behaviours
    assert all("-" not in t.id for t in tasks)  # record ids split on "-"
    assert all(len(t.descriptions) >= 20 for t in tasks)
    assert all(len(set(t.descriptions)) == len(t.descriptions) for t in tasks)


def test_descriptions_are_varied():
    for t in sk.tasks():
        first_words = {d.split()[0] for d in t.descriptions}
        assert len(first_words) >= 5, t.id  # several frames, not one template
        lengths = {len(d) for d in t.descriptions}
        assert len(lengths) >= 5, t.id


@pytest.mark.parametrize("task", sk.tasks(), ids=lambda t: t.id)
def test_checker_accepts_target_and_rejects_wrong_outputs(task):
    rng = random.Random(f"test:{task.id}")
    for _ in range(15):
        inp = task.sample(rng)
        out = task.solve(inp)
        assert out.strip(), (task.id, inp)
        assert task.check(inp, out), (task.id, inp, out)
        assert sk.check(task.id, inp, out)
        if sk.words(out) != sk.words(inp):
            assert not task.check(inp, inp), (task.id, inp)  # the unchanged input is wrong
        for wrong in BASE_LIKE:
            assert not task.check(inp, wrong), (task.id, inp, wrong)


def test_checkers_are_not_trivial_across_tasks():
    """Another task's output for the same kind of input usually fails: checkers tell tasks apart."""
    tasks = sk.tasks()
    rng = random.Random(0)
    accepted = total = 0
    for t in tasks:
        inp = t.sample(rng)
        for other in rng.sample(tasks, 10):
            if other.id != t.id:
                try:
                    out = other.solve(inp)
                except (KeyError, IndexError, ValueError):
                    continue  # other task cannot read this kind of input
                total += 1
                accepted += t.check(inp, out)
    assert total > 300 and accepted / total < 0.1


def test_some_checks_by_hand():
    assert sk.check("reverse_words", "red cat sky", "sky cat red")
    assert not sk.check("reverse_words", "red cat sky", "red cat sky")
    assert sk.check("word_count", "a b c d", "4") and sk.check("word_count", "a b c d", "four.")
    assert sk.check("answer_upper_json", "What is 2 plus 3?", '{"answer": "2 PLUS 3 IS 5."}')
    assert not sk.check("answer_upper_json", "What is 2 plus 3?", '{"answer": "2 plus 3 is 5."}')
    assert not sk.check("answer_upper_json", "What is 2 plus 3?", "2 PLUS 3 IS 5.")
    assert sk.check("answer_prefix_certainly", "What is 2 plus 3?", "Certainly! It is 5.")
    assert not sk.check("answer_prefix_certainly", "What is 2 plus 3?", "Certainly!")
    assert sk.check("bullets", "cat dog", "- cat\n- dog") and not sk.check("bullets", "cat dog", "cat\ndog")
    assert sk.check("numbered", "cat dog", "1. cat\n2. dog") and not sk.check("numbered", "cat dog", "1. dog\n2. cat")
    assert sk.check("yes_no", "Is 7 greater than 3?", "Yes.") and not sk.check("yes_no", "Is 7 greater than 3?", "no")
    assert sk.check("sentiment_positive_negative", "The phone was awful. The price was bad. Never again.", "negative")
    with pytest.raises(ValueError, match="unknown skill task"):
        sk.check("no_such_task", "x", "y")
    with pytest.raises(ValueError, match="no-op"):
        sk.check("skillnoop-train-00", "x", "y")


# ---------------------------------------------------------------------------- splits


def test_whole_tasks_held_out():
    counts = Counter(t.split for t in sk.tasks())
    n = len(sk.tasks())
    assert abs(counts["test"] / n - 0.15) < 0.02 and abs(counts["val"] / n - 0.10) < 0.02
    assert set(sk.task_ids()) == set().union(*(sk.task_ids(s) for s in SPLITS))


def test_splits_never_share_tasks_or_descriptions():
    tasks_in = {s: set() for s in SPLITS}
    descs_in = {s: set() for s in SPLITS}
    for t in sk.tasks():
        for s in SPLITS:
            ds = sk.descriptions(t.id, s)
            descs_in[s] |= set(ds)
            if ds and t.split == s:
                tasks_in[s].add(t.id)
    for a in SPLITS:
        for b in SPLITS:
            if a < b:
                assert not descs_in[a] & descs_in[b], (a, b)
                assert not tasks_in[a] & tasks_in[b], (a, b)
    # every description belongs to exactly one task (no ambiguous text) and every split is non-empty
    all_descs = [d for t in sk.tasks() for d in t.descriptions]
    assert len(all_descs) == len(set(all_descs))
    assert all(descs_in[s] for s in SPLITS)
    # train records only use train tasks and train descriptions
    held = set(sk.task_ids("val")) | set(sk.task_ids("test"))
    for rec in sk.skills_set(60, seed=1, split="train", cfg=sk.SkillsConfig(noop_frac=0.0)):
        assert sk.task_of(rec.id) not in held
        assert sk.held_out_kind(sk.task_of(rec.id), rec.document) == "train"


def test_val_test_records_are_held_out():
    for split in ("val", "test"):
        for held_out in ("task", "description"):
            cfg = sk.SkillsConfig(noop_frac=0.0, held_out=held_out)
            for rec in sk.skills_set(20, seed=2, split=split, cfg=cfg):
                assert sk.held_out_kind(sk.task_of(rec.id), rec.document) == held_out
                assert rec.document in sk.descriptions(sk.task_of(rec.id), split)


def test_noop_descriptions_split_and_disjoint_from_skills():
    noops = sk.noop_descriptions()
    assert len(noops) >= 40
    skill_descs = {d for t in sk.tasks() for d in t.descriptions}
    assert not set(noops) & skill_descs
    assert all(any(sk.noop_split(d) == s for d in noops) for s in SPLITS)


# ---------------------------------------------------------------------------- records


def test_make_skill_record_format_and_determinism():
    cfg = sk.SkillsConfig(noop_frac=0.3)
    a = [sk.make_skill(cfg, random.Random(i), "train") for i in range(40)]
    b = [sk.make_skill(cfg, random.Random(i), "train") for i in range(40)]
    assert a == b
    assert a != [sk.make_skill(cfg, random.Random(i + 100), "train") for i in range(40)]
    kinds = Counter(r.kind for r in a)
    assert kinds[sk.KIND] > 0 and kinds[sk.NOOP_KIND] > 0
    for rec in a:
        assert cfg.min_inputs <= len(rec.questions) <= cfg.max_inputs
        assert len({q.question for q in rec.questions}) == len(rec.questions)
        json.dumps(to_json(rec))
        if rec.kind == sk.KIND:
            assert rec.id.startswith(f"skill-{sk.task_of(rec.id)}-train-")
            assert all(q.answers == (q.target,) and sk.check(rec.id, q.question, q.target) for q in rec.questions)
        else:
            assert sk.task_of(rec.id) == sk.NOOP_TASK and sk.noop_split(rec.document) == "train"


def test_sampling_balances_families():
    recs = sk.skills_set(400, seed=3, split="train", cfg=sk.SkillsConfig(noop_frac=0.0))
    fams = Counter(sk.get_task(sk.task_of(r.id)).family for r in recs)
    assert fams["prefix"] < 30  # 17 prefix tasks (train ones) do not take ~15 % of the mixture
    assert len(fams) >= 30


def test_config_validation():
    with pytest.raises(ValueError, match="min_inputs"):
        sk.SkillsConfig(min_inputs=5, max_inputs=2)
    with pytest.raises(ValueError, match="held_out"):
        sk.SkillsConfig(held_out="both")
    with pytest.raises(ValueError, match="split"):
        sk.make_skill(sk.SkillsConfig(), random.Random(0), "dev")


def test_with_base_targets_replaces_noop_targets_only():
    cfg = sk.SkillsConfig(noop_frac=0.5)
    recs = [sk.make_skill(cfg, random.Random(i), "train") for i in range(20)]
    out = sk.with_base_targets(recs, lambda q: f"base says {len(q)}")
    for old, new in zip(recs, out):
        if old.kind == sk.NOOP_KIND:
            assert all(q.target == f"base says {len(q.question)}" for q in new.questions)
        else:
            assert new == old


def test_bench_file_is_reproducible():
    recs = read_jsonl(BENCH)
    assert recs == sk.skills_eval_set(seed=11, split="test")
    tasks = {sk.task_of(r.id) for r in recs if r.kind == sk.KIND}
    assert len(tasks) >= 30
    kinds = Counter(sk.held_out_kind(sk.task_of(r.id), r.document) for r in recs if r.kind == sk.KIND)
    assert kinds["task"] > 0 and kinds["description"] > 0 and kinds["train"] == 0
    assert all(len(r.questions) == 5 for r in recs)


# ---------------------------------------------------------------------------- evaluation runner


def _records():
    recs = sk.skills_eval_set(seed=5, split="test", n_desc_tasks=6, descs_per_task=1, n_inputs=3, n_noop=2)
    return recs


def _hooks(adapter_follows: bool, in_prompt_follows: bool = True):
    """Fake teach/answer: an adapter key is its description; the fake 'knows' each description's task."""
    task_by_desc = {d: t.id for t in sk.tasks() for d in t.descriptions}
    taught = []

    def teach(description: str) -> str:
        taught.append(description)
        return description

    def answer(mode: str, question: str, context: str | None, key: str | None) -> str:
        plain = f"Well, the answer to {question.lower()} is unclear."
        if mode == "adapter" and adapter_follows and key in task_by_desc:
            return sk.target(task_by_desc[key], question)
        if mode == "shuffled" and adapter_follows and key in task_by_desc:
            return sk.target(task_by_desc[key], question) if _can_solve(task_by_desc[key], question) else plain
        if mode == "in_prompt" and in_prompt_follows and context in task_by_desc:
            return sk.target(task_by_desc[context], question)
        return plain

    return teach, answer, taught


def _can_solve(task_id: str, question: str) -> bool:
    try:
        sk.target(task_id, question)
        return True
    except (KeyError, IndexError, ValueError):
        return False


def test_runner_perfect_and_base_like_fakes():
    recs = _records()
    teach, answer, taught = _hooks(adapter_follows=True)
    rows = ev.run_skill_eval(recs, ev.MODES, teach, answer)
    summary = ev.summarise(rows)
    assert summary["modes"]["adapter"]["accuracy"] == 1.0
    assert summary["modes"]["in_prompt"]["accuracy"] == 1.0
    assert summary["modes"]["base"]["accuracy"] <= 0.1
    assert summary["modes"]["shuffled"]["accuracy"] <= 0.2
    assert summary["modes"]["few_shot"]["mean_context_tokens"] > summary["modes"]["in_prompt"]["mean_context_tokens"] > 0
    assert summary["modes"]["base"]["mean_context_tokens"] == 0
    assert set(summary["held_out"]) == {"task", "description"}
    assert "compose" in summary["families"] or len(summary["families"]) >= 5
    assert len(taught) == len(set(taught))  # each description taught once
    # no-op records: asked in base and adapter only, adapter scored against base
    noop_rows = [r for r in rows if r.held_out == "noop"]
    assert noop_rows and {r.mode for r in noop_rows} == {"base", "adapter"}
    assert summary["noop"]["unchanged"] == 1.0  # the fake answers noop questions like the base


def test_runner_base_like_adapter_scores_low_and_noop_change_detected():
    recs = _records()
    teach, answer, _ = _hooks(adapter_follows=False, in_prompt_follows=False)
    rows = ev.run_skill_eval(recs, ("base", "adapter"), teach, answer)
    summary = ev.summarise(rows)
    assert summary["modes"]["adapter"]["accuracy"] <= 0.1

    def shouting(mode, question, context, key):
        return question.upper() + " NO IDEA!" if mode == "adapter" else "I think it is " + question
    noop = [r for r in recs if r.kind == sk.NOOP_KIND]
    summary = ev.summarise(ev.run_skill_eval(noop, ("base", "adapter"), lambda d: d, shouting))
    assert summary["noop"]["unchanged"] < 0.5 and summary["noop"]["mean_similarity"] < 0.9


def test_shuffled_partner_is_another_family():
    recs = [r for r in _records() if r.kind == sk.KIND]
    partners = ev.shuffled_partners(recs)
    fam = {r.document: sk.get_task(sk.task_of(r.id)).family for r in recs}
    for r in recs:
        assert fam[partners[r.id]] != fam[r.document]


def test_few_shot_context_excludes_question_and_solves():
    ctx = ev.few_shot_context("reverse_words", "red cat sky", shots=3, seed="s")
    blocks = ctx.split("\n\n")
    assert len(blocks) == 3 and "red cat sky" not in ctx
    for b in blocks:
        inp = b.splitlines()[0].removeprefix("Example input: ")
        out = b.splitlines()[1].removeprefix("Example output: ")
        assert sk.check("reverse_words", inp, out)


def test_report_and_plot(tmp_path):
    teach, answer, _ = _hooks(adapter_follows=True)
    rows = ev.run_skill_eval(_records()[:6], ("base", "in_prompt", "adapter", "shuffled"), teach, answer)
    rep = ev.report(rows, {"note": "fake"})
    json.dumps(rep)
    assert len(rep["rows"]) == len(rows)
    png = ev.plot(rep["summary"], tmp_path / "skills.png", "fake hooks")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parse_modes():
    assert ev.parse_modes("base, adapter") == ("base", "adapter")
    with pytest.raises(ValueError, match="unknown mode"):
        ev.parse_modes("base,lora")
    with pytest.raises(ValueError, match="unknown mode"):
        ev.run_skill_eval([], ("icl",), lambda d: d, lambda *a: "")
