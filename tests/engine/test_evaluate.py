"""run_eval with fake teach/answer callables: the opt-in auto and all modes teach every record first and keep old modes as they were."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.evaluate import parse_modes, run_eval, summarise


@dataclass(frozen=True)
class QA:
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Rec:
    id: str
    document: str
    questions: tuple[QA, ...]


RECORDS = [Rec(f"r{i}", f"doc {i}", (QA(f"q{i}a", (f"ans{i}",)), QA(f"q{i}b", (f"ans{i}",)))) for i in range(3)]


def run(modes):
    log: list[tuple] = []

    def teach(rec_id, document):
        log.append(("teach", rec_id))
        return f"key-{rec_id}"

    def answer(mode, question, document, key):
        log.append(("answer", mode, question, key))
        return f"ans{question[1]}" if mode != "base" else "no idea"

    return run_eval(RECORDS, modes, teach, answer), log


def test_auto_and_all_teach_every_record_before_the_first_question():
    rows, log = run(("lora", "auto", "all"))
    first_answer = next(i for i, e in enumerate(log) if e[0] == "answer")
    assert [e for e in log[:first_answer]] == [("teach", r.id) for r in RECORDS]
    assert sum(e[0] == "teach" for e in log) == len(RECORDS)  # once each, reused by lora
    keys = {(e[1], e[2]): e[3] for e in log if e[0] == "answer"}
    assert keys[("lora", "q1a")] == keys[("auto", "q1a")] == "key-r1" and keys[("all", "q1a")] is None
    assert set(summarise(rows)) == {"lora", "auto", "all"} and all(r.correct for r in rows)


def test_default_modes_teach_per_record_as_before():
    rows, log = run(("base", "lora"))
    assert [e[0] for e in log[:3]] == ["teach", "answer", "answer"]
    assert summarise(rows)["base"]["accuracy"] == 0.0 and summarise(rows)["lora"]["accuracy"] == 1.0
    _, log = run(("base",))
    assert all(e[0] == "answer" and e[3] is None for e in log)


def test_parse_modes():
    assert parse_modes("lora, auto,all") == ("lora", "auto", "all")
    with pytest.raises(ValueError, match="auto"):
        parse_modes("lora,magic")
