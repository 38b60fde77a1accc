"""Sources and automatic memory choice on the tiny base: the passage index filled by teach, used by ask, eval and the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.service import Lorafy, ServiceConfig

FILLER = {  # section title -> filler words, so each section is its own passage (~90 words)
    "Introduction": "The cooperative grew from a handful of neighbours who shared tools, seeds and advice. ",
    "Opening hours": "Members volunteer in shifts and keep a paper logbook by the door for every visit. ",
    "History": "Old photographs on the wall show the orchard before the new road was built nearby. ",
}
FACT = "The tool library in Sorrel Lane lends ladders and closes at seven on Fridays."
DOCS = {
    "printer": "The office printer on floor 3 is called Heron. It jams on Mondays and its toner comes from Oslo.",
    "river": "The river Aln floods every spring near the old watermill, and the ferry stops running in March.",
    "chess": "The chess club meets on Thursdays in the library basement; its champion is Ruth Okafor.",
}
SKILL = "Always answer in upper case."


def sectioned_document() -> tuple[str, list[tuple[str, int, int]], int]:
    """Three ~90-word sections; the fact sits in the middle of "Opening hours". Returns (text, sections, fact offset)."""
    text, sections = "", []
    for title, filler in FILLER.items():
        start = len(text)
        body = filler * 6 + (FACT + " " + filler * 2 if title == "Opening hours" else "")
        text += f"{title}\n\n{body.strip()}\n\n"
        sections.append((title, start, len(text)))
    return text, sections, text.index(FACT)


def config(home: Path, spec, bundle) -> ServiceConfig:
    return ServiceConfig(home=home, base_path=spec.path, hypernet_dir=bundle[0], threads=1, n_gpu_layers=0,
                         use_gpu=False)


@pytest.fixture(scope="module")
def lib(tmp_path_factory, tiny_spec, tiny_bundle):
    """A service with the sectioned memory (from a file), three short memories and a skill."""
    home, files = tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("files")
    svc = Lorafy(config(home, tiny_spec, tiny_bundle))
    text, sections, _ = sectioned_document()
    (files / "tools.txt").write_text(text)
    items = {"tools": svc.teach_text(text, "tools", source=str(files / "tools.txt"), sections=sections)}
    for name, doc in DOCS.items():
        (files / f"{name}.txt").write_text(doc)
        items[name] = svc.teach_text(doc, name, source=str(files / f"{name}.txt"))
    items["skill"] = svc.teach_text(SKILL, "upper", kind="skill")
    yield svc, items, files
    svc.close()


def test_teach_indexes_memories_only(lib):
    svc, items, _ = lib
    assert svc.passages.item_ids() == {items[k].id for k in ("tools", *DOCS)}
    assert len(svc.passages.passages(items["tools"].id)) == 3  # one a section


def test_source_points_to_the_passage_holding_the_fact(lib):
    svc, items, files = lib
    text, _, fact_at = sectioned_document()
    ans = svc.ask("When does the tool library in Sorrel Lane close on Fridays?", use=["tools", "upper"], max_tokens=4)
    assert ans.sources, "an answer made with a memory cites passages"
    top = ans.sources[0]
    assert top["item_id"] == items["tools"].id and top["name"] == "tools"
    assert top["source"] == str(files / "tools.txt") and top["section"] == "Opening hours"
    assert top["start"] <= fact_at and fact_at + len(FACT) <= top["end"]
    assert FACT in text[top["start"]:top["end"]] and "Sorrel Lane" in top["snippet"]
    assert top["score"] > 0 and all(s["item_id"] == items["tools"].id for s in ans.sources)  # active memories only


def test_answers_without_memories_have_no_sources(lib):
    svc, _, _ = lib
    assert svc.ask("When does the tool library close?", max_tokens=2).sources == []
    assert svc.ask("When does the tool library close?", use=["upper"], max_tokens=2).sources == []


@pytest.mark.parametrize("question, want", [
    ("When does the tool library in Sorrel Lane close?", "tools"),
    ("What is the office printer on floor 3 called?", "printer"),
    ("When does the river Aln flood?", "river"),
    ("Who is the champion of the chess club?", "chess"),
])
def test_auto_choice_picks_the_right_memory_and_keeps_skills(lib, question, want):
    svc, items, _ = lib
    assert svc.choose(question)[0].name == want
    assert [i.name for i in svc.choose(question, k=1)] == [want]
    ans = svc.ask(question, use=["upper"], auto=True, max_tokens=2)
    assert ans.mode == "auto" and ans.adapters[0] == "upper" and ans.adapters[1] == want
    assert len(ans.adapters) <= 1 + svc.cfg.retrieval.k
    assert ans.sources[0]["name"] == want


def test_auto_choice_threshold_and_no_match(lib):
    svc, _, _ = lib
    assert svc.choose("Quantum zebra xylophone?") == []
    assert svc.choose("What is the printer called?", min_score=1e9) == []
    assert [i.name for i in svc.choose("printer floor", among=["river", "chess"])] == []


def test_forget_drops_the_passages(tmp_path, tiny_spec, tiny_bundle):
    svc = Lorafy(config(tmp_path / "home", tiny_spec, tiny_bundle))
    try:
        item = svc.teach_text(DOCS["river"], "river")
        assert svc.passages.item_ids() == {item.id}
        svc.forget("river")
        assert svc.passages.item_ids() == set() and svc.choose("river Aln") == []
    finally:
        svc.close()


def run_cli(capsys, home: Path, tiny_spec, tiny_bundle, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["--home", str(home), "--base", str(tiny_spec.path), "--hypernet", str(tiny_bundle[0]),
               "--threads", "1", "--cpu", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_ask_auto_shows_sources(lib, capsys, tiny_spec, tiny_bundle):
    svc, items, _ = lib
    home = svc.library.home
    q = "Who is the champion of the chess club?"
    rc, out, err = run_cli(capsys, home, tiny_spec, tiny_bundle, "ask", q, "--auto", "--k", "1", "--max-tokens", "2",
                           "--json")
    assert rc == 0, err
    got = json.loads(out)
    assert got["mode"] == "auto" and got["adapters"] == ["chess"]
    assert got["sources"][0]["item_id"] == items["chess"].id and "Ruth Okafor" in got["sources"][0]["snippet"]
    rc, out, err = run_cli(capsys, home, tiny_spec, tiny_bundle, "ask", q, "--auto", "--max-tokens", "2")
    assert rc == 0, err
    assert "memories chosen: chess" in err and "sources:" in out and "[1] chess (" in out


def three_document_set(tmp_path: Path) -> Path:
    """DOCS as an eval set, one question each (answers never produced: only the modes' wiring is tested)."""
    records = [{"id": name, "document": doc, "questions": [{"question": q, "answers": ["zzz-never"]}]}
               for (name, doc), q in zip(DOCS.items(), ["What is the printer on floor 3 called?",
                                                        "When does the river Aln flood?", "Who is the chess champion?"])]
    dataset = tmp_path / "many.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in records))
    return dataset


def test_eval_auto_and_all_modes_on_many_documents(capsys, tmp_path, tiny_spec, tiny_bundle):
    dataset, report = three_document_set(tmp_path), tmp_path / "r.json"
    rc, out, err = run_cli(capsys, tmp_path / "home", tiny_spec, tiny_bundle, "eval", str(dataset), "--modes",
                           "lora,auto,all", "--max-tokens", "1", "--json", str(report))
    assert rc == 0, err
    full = json.loads(report.read_text())
    assert list(full["summary"]) == ["lora", "auto", "all"] and all(s["n"] == 3 for s in full["summary"].values())
    assert full["meta"]["auto_choice"]["right_memory_first"] == 1.0  # retrieval, so even an untrained hypernet gets it
    assert "auto chose the question's own memory 100.0%" in out
    home = tmp_path / "home"
    svc = Lorafy(config(home, tiny_spec, tiny_bundle))
    assert svc.library.items() == [] and svc.passages.item_ids() == set()


def test_a_refused_index_write_leaves_no_item_and_no_adapter(tmp_path, tiny_spec, tiny_bundle, monkeypatch):
    from desktop.store.passages import PassageIndexError

    svc = Lorafy(config(tmp_path / "home", tiny_spec, tiny_bundle))
    try:
        def locked(*args, **kwargs):
            raise PassageIndexError("database is locked")

        monkeypatch.setattr(svc.passages, "add", locked)
        with pytest.raises(PassageIndexError):
            svc.teach_text(DOCS["river"], "river")
        assert svc.library.items() == [] and list(svc.library.adapters_dir.iterdir()) == []
    finally:
        svc.close()


def test_streamed_replies_drop_leading_whitespace_only():
    from desktop.service import lstrip_pieces

    assert list(lstrip_pieces([" ", " Zur", "ab", " Pillai"])) == ["Zur", "ab", " Pillai"]
    assert list(lstrip_pieces(["\n", "", "It", " is", "  "])) == ["It", " is", "  "]
    assert list(lstrip_pieces([" ", "  "])) == []


def test_passage_context_is_the_best_passage_of_the_given_memories(lib):
    svc, items, _ = lib
    ctx = svc.passage_context("Who is the champion of the chess club?", [i.id for i in items.values()])
    assert ctx is not None and ctx.startswith(DOCS["chess"][:30])
    assert svc.passage_context("Who is the champion of the chess club?", [items["river"].id]) != ctx
    assert svc.passage_context("Quantum zebra xylophone?", [i.id for i in items.values()]) is None


def test_eval_passage_modes(capsys, tmp_path, tiny_spec, tiny_bundle):
    dataset, report = three_document_set(tmp_path), tmp_path / "r.json"
    rc, out, err = run_cli(capsys, tmp_path / "home", tiny_spec, tiny_bundle, "eval", str(dataset), "--modes",
                           "passages,passages_lora,passages_auto", "--max-tokens", "1", "--json", str(report))
    assert rc == 0, err
    full = json.loads(report.read_text())
    assert list(full["summary"]) == ["passages", "passages_lora", "passages_auto"]
    assert all(s["n"] == 3 for s in full["summary"].values())


def test_eval_scales_every_active_adapter_by_the_adapter_weight(lib, monkeypatch):
    svc, items, _ = lib
    seen: list[list[float]] = []
    real = svc.runtime.set_active
    monkeypatch.setattr(svc.runtime, "set_active", lambda pairs: (seen.append([w for _, w in pairs]), real(pairs))[1])
    with svc.evaluating(1, adapter_weight=0.25) as (teach, answer, _fits):
        key = teach("r1", DOCS["river"])
        answer("passages_lora", "Which river?", None, key)
        answer("lora", "Which river?", None, key)
        answer("passages", "Which river?", None, key)
        assert seen[-3:] == [[0.25], [0.25], []]
    with pytest.raises(ValueError, match="weights"):
        svc.ask("Which river?", use=[items["river"].id], auto=True, weights=[0.5])


@pytest.mark.parametrize("mode", ["adapters", "passages", "combined"])
def test_answer_setup_puts_passages_and_adapters_to_use_per_mode(lib, mode):
    from desktop.service import AnswerConfig

    svc, items, _ = lib
    messages = [{"role": "user", "content": "Who is the champion of the chess club?"}]
    setup = svc.answer_setup(messages, 8, use=[items["skill"].id], auto=True,
                             answer=AnswerConfig(mode=mode, memory_weight=0.5))
    chess, skill = items["chess"].id, items["skill"].id
    assert setup.keys[0] == skill and chess in setup.keys  # checked first, then chosen
    assert setup.query == "Who is the champion of the chess club?"  # passages never join the query
    has_passage = "Ruth Okafor" in setup.plan.prompt
    assert setup.passages is has_passage is (mode != "adapters")
    memories = [k for k in setup.keys if k != skill]
    if mode == "passages":
        assert setup.use == [skill] and setup.weights == [1.0]
    else:  # one memory adapter (AnswerConfig.max_memory_adapters): the best match of the question
        assert setup.use == [skill, chess] and setup.weights == [1.0, 0.5]
        assert setup.keys == (setup.use if mode == "adapters" else [skill] + memories)
    # nothing chosen (no word shared with any passage): the question alone, whatever the mode
    plain = svc.answer_setup([{"role": "user", "content": "Quantum zebra xylophone?"}], 8, auto=True,
                             answer=AnswerConfig(mode=mode))
    assert plain.keys == [] and not plain.passages and "Document:" not in plain.plan.prompt


@pytest.mark.parametrize("mode", ["adapters", "combined"])
def test_memory_adapters_are_limited_to_the_best_matches(lib, mode):
    """Checked memories beyond max_memory_adapters answer through their passages only (or not, in adapters mode)."""
    from desktop.service import AnswerConfig

    svc, items, _ = lib
    checked = [items["river"].id, items["chess"].id]  # the user's order: the less relevant one first
    messages = [{"role": "user", "content": "Who is the champion of the chess club?"}]
    one = svc.answer_setup(messages, 8, use=checked, answer=AnswerConfig(mode=mode))
    assert one.use == [items["chess"].id] and one.weights == [1.0]
    assert one.keys == ([items["chess"].id] if mode == "adapters" else checked)
    every = svc.answer_setup(messages, 8, use=checked, answer=AnswerConfig(mode=mode, max_memory_adapters=0))
    assert every.use == every.keys == checked and every.weights == [1.0, 1.0]
    # no word of the question in either: the user's order decides
    other = svc.answer_setup([{"role": "user", "content": "Quantum zebra xylophone?"}], 8, use=checked[::-1],
                             answer=AnswerConfig(mode=mode, max_memory_adapters=1))
    assert other.use == [items["chess"].id]
    with pytest.raises(ValueError, match="max_memory_adapters"):
        AnswerConfig(max_memory_adapters=-1)


def test_eval_auto_modes_activate_the_best_chosen_memory_unless_told_otherwise(lib, monkeypatch):
    svc, items, _ = lib
    seen: list[int] = []
    real = svc.runtime.set_active
    monkeypatch.setattr(svc.runtime, "set_active", lambda pairs: (seen.append(len(pairs)), real(pairs))[1])
    monkeypatch.setattr(svc, "choose", lambda q, among=None: [items["chess"], items["river"]])
    svc.answer_in_mode("auto", "Who is the champion of the chess club?", max_tokens=1)
    svc.answer_in_mode("passages_auto", "Who is the champion of the chess club?", max_tokens=1)
    svc.answer_in_mode("auto", "Who is the champion of the chess club?", max_tokens=1, max_adapters=0)
    assert seen[-3:] == [1, 1, 2]


def test_loaded_adapters_are_capped_least_recently_used_first(lib, monkeypatch):
    from dataclasses import replace

    from desktop.service import ServiceConfig

    svc, items, _ = lib
    river, chess = items["river"].id, items["chess"].id
    svc.activate([])
    monkeypatch.setattr(svc, "cfg", replace(svc.cfg, max_loaded_adapters=1))
    loaded = lambda: set(svc._handles)  # noqa: E731
    svc.activate([river])
    first = svc._handles[river]
    svc.activate([chess])
    assert loaded() == {chess} and first not in svc.runtime._state.adapters  # unloaded from llama.cpp too
    svc.activate([river, chess])  # the active ones stay, over the cap
    assert loaded() == {river, chess} and len(svc.runtime.active) == 2
    svc.activate([chess])
    assert loaded() == {chess}  # river was used less recently than chess
    svc.activate([])
    assert loaded() == {chess} and svc.runtime.active == ()
    with pytest.raises(ValueError, match="max_loaded_adapters"):
        ServiceConfig(home=svc.cfg.home, max_loaded_adapters=0)


def test_answer_config_refuses_unknown_modes():
    from desktop.service import AnswerConfig

    with pytest.raises(ValueError, match="answer mode"):
        AnswerConfig(mode="magic")
    with pytest.raises(ValueError, match="memory_weight"):
        AnswerConfig(memory_weight=-1)


def test_demo_asks_four_ways_including_as_the_app_answers(capsys, tmp_path, tiny_spec, tiny_bundle):
    """The main job's table: no adapter, in prompt, adapter, and the memory as the app answers (its passages)."""
    from desktop.service import AnswerConfig

    rc, out, err = run_cli(capsys, tmp_path / "home", tiny_spec, tiny_bundle, "demo", "--max-tokens", "2")
    assert rc == 0, err
    app_mode = f"memory, as the app answers ({AnswerConfig().mode})"
    for mode in ("no adapter", "in prompt", "adapter", app_mode):
        assert f"\n  {mode} " in out
    assert f"{app_mode}: " in out.splitlines()[-1]  # counted in the summary line
