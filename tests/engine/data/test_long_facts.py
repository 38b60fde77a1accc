"""Long fact documents: the fact text is kept whole, the prose is from the same split, sizes and depths hold."""
from __future__ import annotations

import random

from engine.data.facts import facts_set
from engine.data.long_facts import bury, long_facts_set
from engine.data.needle import prose_pool
from engine.data.records import approx_tokens


def test_buried_document_keeps_text_and_questions_at_the_depth():
    rec = facts_set(1, seed=3, split="test")[0]
    first = bury(rec, 3000, 0, random.Random(0), "test")
    last = bury(rec, 3000, 9, random.Random(0), "test")
    assert first.document.startswith(rec.document) and last.document.endswith(rec.document)
    assert first.questions == rec.questions and first.kind == "facts_long"
    assert 3000 <= approx_tokens(first.document) <= 3300


def test_long_set_is_reproducible_and_uses_only_its_split_prose():
    a = long_facts_set(3, 9000, seed=5, split="test")
    assert a == long_facts_set(3, 9000, seed=5, split="test")
    assert all(approx_tokens(r.document) > 8192 for r in a)  # longer than the base's window
    train = set(prose_pool("train"))
    shorts = facts_set(3, seed=5, split="test")
    for r, short in zip(a, shorts):
        prose = r.document.replace(short.document, "")
        assert short.document in r.document
        assert not any(s in prose for s in list(train)[:2000] if len(s) > 60)
