"""Pointer supervision of the copy slots: where answers start in a chunk, and the loss on the slots' attention."""
from __future__ import annotations

import math
import random

import pytest
import torch

from engine.core.prompts import PromptFormat
from engine.data.facts import FactsConfig, make_document
from engine.data.needle import NeedleConfig, make_needle
from engine.data.skills import SkillsConfig, make_skill
from engine.nn.hypernet import copy_pointer_nll
from engine.train.batches import BatchConfig, answer_forms, answer_starts, build_batch


@pytest.fixture(scope="module")
def tok(embedded_spec):
    from engine.core.llama_load import load_vocab

    llm = load_vocab(embedded_spec.path)
    return lambda text: llm.tokenize(text.encode(), add_bos=False, special=True)


def test_answer_forms_cover_a_names_two_tokenizations_and_a_numbers_digits(tok):
    name = answer_forms(["Zurab Pillai"], tok)
    assert tok("Zurab Pillai") in name and tok(" Zurab Pillai") in name
    digits = answer_forms(["4417"], tok)
    assert digits == [tok("4417")]  # " 4417" is a space token, then the same digits
    assert answer_starts(tok("The special magic name is Zurab Pillai."), name) == [5]
    assert answer_starts([1, 2, 3, 1, 2], [[1, 2], [3]]) == [0, 2, 3]
    assert answer_starts([1, 2], [[2, 3]]) == []


def test_batches_mark_where_answers_start_in_each_chunk(tok, embedded_spec):
    fmt = PromptFormat(embedded_spec.chat_template)
    rng = random.Random(0)
    recs = [make_needle(NeedleConfig(120, value="name"), rng), make_needle(NeedleConfig(120), rng),
            make_document(FactsConfig(), rng, "train"), make_skill(SkillsConfig(), rng, "train")]
    b = build_batch(recs, fmt, tok, BatchConfig(questions_per_doc=2, max_chunks=1), random.Random(1))
    assert b.copy_targets.shape == b.chunk_ids.shape and not (b.copy_targets & ~b.chunk_mask).any()
    for row, rec in enumerate(recs):
        cols = b.copy_targets[row].nonzero().flatten().tolist()
        if rec.kind == "skill":
            assert cols == []  # an instruction's answers are not spans of it
            continue
        forms = answer_forms([a for qa in rec.questions for a in qa.answers], tok)
        ids = b.chunk_ids[row].tolist()
        assert cols and all(any(ids[c:c + len(f)] == f for f in forms) for c in cols)
    (qa,) = recs[0].questions
    assert b.chunk_ids[0, b.copy_targets[0]].tolist() == [tok(" " + qa.target)[0]]


def test_pointer_nll_is_zero_when_a_slot_points_at_each_target_and_log_t_when_spread():
    N, L, rc, T = 2, 3, 4, 5
    targets = torch.zeros(N, T, dtype=torch.bool)
    targets[0, [1, 3]] = True
    w = torch.zeros(N, L, rc, T)
    w[:, :, 0, 1] = 1.0  # slot 0 on token 1, slot 2 on token 3
    w[:, :, 2, 3] = 1.0
    w[:, :, [1, 3]] = 1.0 / T
    got = copy_pointer_nll(w, targets)
    assert got.shape == (N,) and torch.allclose(got, torch.zeros(N), atol=1e-6)
    spread = copy_pointer_nll(torch.full((N, L, rc, T), 1.0 / T), targets)
    assert torch.allclose(spread, torch.tensor([2 * math.log(T), 0.0]))


def test_answer_space_trains_copied_words_as_written_after_a_space(tok, embedded_spec):
    """answer_space: a name or word answer of a needle or facts record becomes the document's own tokens
    (" Zur" "ab", not "Z" "ur" "ab") and its first token is not distilled (the teacher starts it bare); numbers
    and skills keep their targets."""
    fmt = PromptFormat(embedded_spec.chat_template)
    rng = random.Random(3)
    recs = [make_needle(NeedleConfig(120, value="name"), rng), make_needle(NeedleConfig(120), rng),
            make_skill(SkillsConfig(), rng, "train")]
    plain, spaced = (build_batch(recs, fmt, tok, BatchConfig(questions_per_doc=1, max_chunks=1, answer_space=on),
                                 random.Random(1), distil=True) for on in (False, True))

    def answer(b, q):
        return b.targets[b.q_of_pos == q].tolist()

    name, number = recs[0].questions[0].target, recs[1].questions[0].target
    assert answer(plain, 0) == tok(name + "<|im_end|>") and answer(spaced, 0) == tok(" " + name + "<|im_end|>")
    assert answer(spaced, 0)[0] != tok(name)[0] and answer(spaced, 0)[0] in spaced.chunk_ids[0].tolist()
    assert answer(spaced, 1) == answer(plain, 1) == tok(number + "<|im_end|>")
    assert answer(spaced, 2) == answer(plain, 2)
    assert not spaced.kl_mask[spaced.q_of_pos == 0][0]
    for q in (1, 2):
        assert torch.equal(spaced.kl_mask[spaced.q_of_pos == q], plain.kl_mask[plain.q_of_pos == q])
    facts = make_document(FactsConfig(), random.Random(1), "train")  # word, name and number answers
    fb = build_batch([facts], fmt, tok, BatchConfig(questions_per_doc=8, max_chunks=1, answer_space=True),
                     random.Random(1), distil=True)
    kinds = set()
    for q in range(len(fb.doc_of_q)):
        got, kl = fb.targets[fb.q_of_pos == q].tolist(), fb.kl_mask[fb.q_of_pos == q]
        (target,) = [qa.target for qa in facts.questions
                     if got in (tok(qa.target + "<|im_end|>"), tok(" " + qa.target + "<|im_end|>"))]
        spaced_here = target[:1].isalpha()
        kinds.add(spaced_here)
        assert got == tok((" " if spaced_here else "") + target + "<|im_end|>")
        assert bool(kl[0]) is not spaced_here and kl[1:].all()  # facts answers are distilled after the first token
    assert kinds == {True, False}  # the document had both word and number answers
