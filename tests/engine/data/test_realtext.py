"""Questions on real text: verbatim-span answers, targets that hold them, ambiguity filters, determinism, files."""
from __future__ import annotations

import json
import random

import pytest

from engine.data import realtext
from engine.data.corpus import write_corpus
from engine.data.realtext import (RealtextConfig, find_spans, make_questions, make_records, read_records_xz,
                                  sentences, write_records_xz)

from tests.realtext_fixture import fixture_docs


@pytest.fixture(scope="module")
def rows():
    return fixture_docs()


def test_fixture_questions_are_verbatim_spans_with_targets_that_hold_them(rows):
    records = make_records(rows, RealtextConfig(), seed=0, common=frozenset())
    assert len(records) >= 3 and {r.kind for r in records} == {"realtext"}
    by_id = {r["id"]: r for r in rows}
    n = 0
    for rec in records:
        assert rec.document == by_id[rec.id]["text"]
        assert 3 <= len(rec.questions) <= 12
        for qa in rec.questions:
            n += 1
            assert qa.answers[0] in rec.document  # verbatim, case and all
            assert qa.answers[0] in qa.target
            assert qa.answers[0].lower() not in qa.question.lower()
    assert n >= 15
    questions = {qa.question: qa.answers[0] for rec in records for qa in rec.questions}
    assert questions["What does timeout do, in a few words?"] == "run a command with a time limit"
    assert questions["Who wrote timeout, according to the document?"] == "Padraig Brady"
    assert questions["Which option of timeout does this: diagnose to stderr any signal sent upon timeout?"] == "--verbose"
    assert "2022-04-07" in questions.values()  # a release date of gzip's NEWS


def test_generation_is_deterministic_and_seeded(rows):
    a = make_records(rows, RealtextConfig(), seed=0, common=frozenset())
    b = make_records(rows, RealtextConfig(), seed=0, common=frozenset())
    c = make_records(rows, RealtextConfig(max_questions=4, min_questions=1), seed=1, common=frozenset())
    assert a == b
    assert [r.questions for r in a] != [r.questions for r in c]


def test_spans_of_each_kind():
    got = {k: s for k, s, _ in find_spans(
        "Version 2.4.1 was released on 2021-09-03 by Jean-loup Gailly; mail bug-gzip@gnu.org, see "
        "https://gnu.org/gzip or /etc/gzip.conf, run --best for 64 KiB blocks and set GZIP_OPT or max_size.")}
    assert got["version"] == "2.4.1" and got["date"] == "2021-09-03" and got["email"] == "bug-gzip@gnu.org"
    assert got["url"] == "https://gnu.org/gzip" and got["path"] == "/etc/gzip.conf" and got["option"] == "--best"
    assert got["number"] == "64 KiB" and got["name"] == "Jean-loup Gailly"
    assert {s for k, s, _ in find_spans("max_size or GZIP_OPT")} == {"max_size", "GZIP_OPT"}


def test_ambiguous_and_common_answers_are_not_asked():
    doc = ("The cache size defaults to 64 MiB on servers. The cache size defaults to 16 MiB on laptops.\n\n"
           "The tool was written by Ada Lovelace in London. It reads files from /var/lib/tool/cache quickly and well.")
    qas = make_questions(doc, "tool(1)", random.Random(0), RealtextConfig(min_questions=1))
    assert not any(q.question.startswith("What does the cache size default to") for q in qas)  # two values
    assert any(q.answers[0] == "Ada Lovelace" for q in qas)
    common = frozenset({"Ada Lovelace"})
    assert not any(q.answers[0] == "Ada Lovelace"
                   for q in make_questions(doc, "tool(1)", random.Random(0), RealtextConfig(min_questions=1), common))
    twice = "Set it to 4096 for speed in all cases.\n\nSet it to 4096 for speed in all cases."
    assert not make_questions(twice, "", random.Random(0), RealtextConfig(min_questions=1))  # blank not unique


def test_sentences_keep_abbreviations_together():
    assert sentences("Use e.g. gzip. Then stop.\n\nNAME") == ["Use e.g. gzip.", "Then stop.", "NAME"]


def test_xz_round_trip_and_cli(tmp_path, rows, capsys):
    records = make_records(rows, RealtextConfig(), seed=0, common=frozenset())
    write_records_xz(tmp_path / "r.jsonl.xz", records)
    assert read_records_xz(tmp_path / "r.jsonl.xz") == records
    write_corpus(tmp_path / "corpus", rows)
    out = tmp_path / "train.jsonl.xz"
    assert realtext.main(["make", "--corpus", str(tmp_path / "corpus"), "--out", str(out), "--split", "train"]) == 0
    report = json.loads(capsys.readouterr().out)
    again = tmp_path / "again.jsonl.xz"
    realtext.main(["make", "--corpus", str(tmp_path / "corpus"), "--out", str(again), "--split", "train"])
    assert out.read_bytes() == again.read_bytes()  # deterministic file
    assert report["records"] == len(read_records_xz(out)) > 0 and set(report["families"]) <= {"man", "debian-doc", "pypi-readme"}
    realtext.main(["make", "--corpus", str(tmp_path / "corpus"), "--out", str(tmp_path / "val.jsonl.xz"), "--split", "val"])
    assert read_records_xz(tmp_path / "val.jsonl.xz") == []  # the fixture has no validation family


def test_questions_asked_in_place_of_a_span():
    from engine.data.realtext import insitu_question, wh_phrase

    ask = insitu_question
    assert ask("To choose a different locale for the cluster, use the option --locale.", "--locale", "option") == \
        "To choose a different locale for the cluster, use which option?"
    assert ask("The proxy was written by Ada Lovelace in London last spring.", "Ada Lovelace", "name") == \
        "The proxy was written by whom in London last spring?"
    assert ask("By default the listener can connect to up to 50 processes at once.", "50 processes", "number") == \
        "By default the listener can connect to up to how many processes at once?"
    assert ask("The first public release of the tool came out in 1998 after two years of work.", "1998", "number") == \
        "The first public release of the tool came out in which year after two years of work?"
    # the clause ends the question: what follows a full stop is left out
    assert ask("Settings are read from /etc/tool.conf when it starts. Later ones win.", "/etc/tool.conf", "path") == \
        "Settings are read from which path when it starts?"
    # not asked: bracketed, glued to a sign, an option list running on, too little prose
    assert ask("Report bugs to <https://bugs.example.org/tool> as soon as you can.", "https://bugs.example.org/tool", "url") is None
    assert ask("Fixed the crash reported in #48213 when the cache was full.", "48213", "number") is None
    assert ask("--quiet Suppress all normal output and print errors only.", "--quiet", "option") is None
    assert ask("-- Colin Watson <cjwatson@debian.org> Mon, 05 Aug 2019 10:52:30 +0100", "05 Aug 2019", "date") is None
    assert wh_phrase("version", "3.0.2", "now require CMake ") == ("now require CMake ", "which version")


def test_insitu_questions_join_the_mixture_only_when_asked(rows):
    plain = make_records(rows, RealtextConfig(), seed=0, common=frozenset())
    mixed = make_records(rows, RealtextConfig(max_insitu=4, max_cloze=3), seed=0, common=frozenset())
    fill = lambda recs: sum(qa.question.startswith("Fill in the blank") for r in recs for qa in r.questions)  # noqa: E731
    asked = [qa for r in mixed for qa in r.questions if qa.question.endswith("?") and not qa.question.startswith("Fill")]
    assert fill(mixed) < fill(plain) and len(asked) > sum(
        qa.question.endswith("?") and not qa.question.startswith("Fill") for r in plain for qa in r.questions)
    by_id = {r["id"]: r["text"] for r in rows}
    for rec in mixed:
        for qa in rec.questions:
            assert qa.answers[0] in by_id[rec.id] and qa.answers[0].lower() not in qa.question.lower()
