"""Pointer supervision of the copy slots: where answers start in a chunk, and the loss on the slots' attention."""
from __future__ import annotations

import math
import random

import pytest
import torch

from engine.batches import BatchConfig, answer_forms, answer_starts, build_batch
from engine.data.facts import FactsConfig, make_document
from engine.data.needle import NeedleConfig, make_needle
from engine.data.skills import SkillsConfig, make_skill
from engine.hypernet import copy_pointer_nll
from engine.prompts import PromptFormat


@pytest.fixture(scope="module")
def tok(embedded_spec):
    import llama_cpp

    llm = llama_cpp.Llama(str(embedded_spec.path), vocab_only=True, verbose=False)
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
