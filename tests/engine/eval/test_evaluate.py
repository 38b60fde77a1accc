"""run_eval with fake teach/answer callables: the opt-in auto and all modes teach every record first and keep old modes as they were."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.eval.evaluate import parse_modes, run_eval, summarise


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


def test_answer_kinds_and_their_breakdown(tmp_path):
    from engine.eval.evaluate import Row, answer_kind, plot

    assert answer_kind(["E68"]) == answer_kind(["March 14", "14 March"]) == "number"
    assert answer_kind(["", "Vanguard Partners"]) == "name" and answer_kind(["scarlet"]) == "word"
    rows = [Row("r", "q1", "lora", "12", True, 0.1, "number"), Row("r", "q2", "lora", "Bob", False, 0.1, "name"),
            Row("r", "q3", "lora", "Ann", True, 0.1, "name"), Row("r", "q1", "icl", "x", False, 0.3, "number")]
    s = summarise(rows)
    assert s["lora"]["by_kind"] == {"name": {"accuracy": 0.5, "n": 2}, "number": {"accuracy": 1.0, "n": 1}}
    assert s["icl"]["by_kind"] == {"number": {"accuracy": 0.0, "n": 1}}
    assert plot(s, tmp_path / "p.png", "t").stat().st_size > 1000
    rows, _ = run(("lora",))
    assert all(r.kind for r in rows)  # run_eval labels every row
