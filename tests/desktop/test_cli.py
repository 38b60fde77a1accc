"""The ``lorafy`` command line end to end on the tiny base and the tiny hypernetwork bundle (llama.cpp + ONNX Runtime)."""
from __future__ import annotations

import contextlib
import io
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.store.library import Library
from engine.core.prompts import split_ids

COMMANDS = ("teach", "ask", "chat", "list", "forget", "export", "eval", "demo", "train")
NOTES = "Lindqvist Bakery opened on Harbour Street in 1998. Its owner, Petra Lindqvist, bakes 300 cinnamon buns.\n"
LONG = " ".join(f"Shelf {i} of the archive holds the letters of year {1900 + i}." for i in range(30))  # > 64 tokens
NOTES_NAME = "bakery 2023/24"  # a slash: exports must still land inside --out
SKILL = "Always answer in upper case."
REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests/data/eval_sample.jsonl"  # a hand-written two-record eval set
EVAL_RECORDS = [
    {"id": "bakery", "document": "Lindqvist Bakery is owned by Petra Lindqvist.",
     "questions": [{"question": "Who owns Lindqvist Bakery?", "answers": ["Petra Lindqvist", "Petra"]}]},
    {"id": "printer", "document": "The office printer on floor 3 is called Heron.",
     "questions": [{"question": "What is the printer on floor 3 called?", "answers": ["Heron"]}]},
]


def file_mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(scope="module")
def common(tiny_spec, tiny_bundle) -> list[str]:
    """Global options: the tiny base and bundle, one CPU thread (the test machine has two cores)."""
    return ["--base", str(tiny_spec.path), "--hypernet", str(tiny_bundle[0]), "--threads", "1", "--cpu"]


def lorafy(capsys, home: Path, common: list[str], *argv: str) -> tuple[int, str, str]:
    """Run ``lorafy --home HOME <common> ARGV``; return (exit code, stdout, stderr)."""
    capsys.readouterr()
    rc = main(["--home", str(home), *common, *argv])
    out, err = capsys.readouterr()
    return rc, out, err


@dataclass(frozen=True)
class Taught:
    home: Path
    files: Path
    notes: dict  # stdout of `teach notes.txt --name NOTES_NAME --json`
    skill_and_long: dict  # stdout of `teach --text SKILL long.txt --json`


@pytest.fixture(scope="module")
def taught(tmp_path_factory, common) -> Taught:
    """One home with a short memory (notes), a skill, and a memory longer than one chunk (long)."""
    home, files = tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("files")
    (files / "notes.txt").write_text(NOTES)
    (files / "long.txt").write_text(LONG)
    outputs = []
    for argv in (["teach", str(files / "notes.txt"), "--name", NOTES_NAME, "--json"],
                 ["teach", "--text", SKILL, str(files / "long.txt"), "--json"]):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["--home", str(home), *common, *argv]) == 0
        outputs.append(buf.getvalue())
    return Taught(home, files, json.loads(outputs[0]), json.loads(outputs[1]))


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert f"\n    {command} " in out, command


def test_teach_file_prints_one_json_object_and_writes_private_files(taught):
    item = taught.notes["items"][0]
    assert len(taught.notes["items"]) == 1
    assert (item["name"], item["kind"], item["chunks"]) == (NOTES_NAME, "memory", 1)
    assert item["tokens"] > 10 and item["id"] and item["adapter"].endswith(".gguf")
    assert item["teach_seconds"] < 2.0  # teaching only: loading the base and the ONNX session is not counted
    adapter = taught.home / "adapters" / item["adapter"]
    assert adapter.is_file() and adapter.read_bytes()[:4] == b"GGUF"
    assert file_mode(adapter) == 0o600
    assert file_mode(taught.home) == 0o700
    assert file_mode(taught.home / "lorafy.db") == 0o600


def test_teach_text_is_a_skill(taught):
    skill = taught.skill_and_long["items"][0]
    assert (skill["name"], skill["kind"], skill["source"]) == (SKILL, "skill", "text")
    assert (taught.home / "adapters" / skill["adapter"]).is_file()


def test_long_document_is_taught_in_several_chunks(taught):
    long = taught.skill_and_long["items"][1]
    assert long["name"] == "long" and long["tokens"] > 64
    assert long["chunks"] > 1
    assert long["chunks"] == len(split_ids(range(long["tokens"]), 64, 25))  # chunk_tokens 64, short tail merged


def test_list_json_shows_memory_and_skill(taught, common, capsys):
    rc, out, _ = lorafy(capsys, taught.home, common, "list", "--json")
    assert rc == 0
    kinds = {i["name"]: i["kind"] for i in json.loads(out)["items"]}
    assert kinds[NOTES_NAME] == "memory" and kinds[SKILL] == "skill"


@pytest.mark.parametrize("how, want_mode, want_adapters", [
    (["--use", NOTES_NAME], "adapter", [NOTES_NAME]),
    (["--context", "notes.txt"], "icl", []),
    ([], "base", []),
])
def test_ask_json_modes(how, want_mode, want_adapters, taught, common, capsys):
    how = [str(taught.files / a) if a.endswith(".txt") else a for a in how]
    rc, out, err = lorafy(capsys, taught.home, common, "ask", "Who owns the bakery?", *how, "--max-tokens", "3", "--json")
    assert rc == 0, err
    answer = json.loads(out)
    assert (answer["mode"], answer["adapters"]) == (want_mode, want_adapters)
    assert isinstance(answer["answer"], str) and answer["prompt_tokens"] > 0


def test_export_gguf_and_peft(taught, common, capsys, tmp_path):
    """Both formats land inside --out under the item's name, its slash made safe."""
    rc, _, err = lorafy(capsys, taught.home, common, "export", NOTES_NAME, "--format", "gguf", "--out", str(tmp_path))
    assert rc == 0, err
    rc, _, err = lorafy(capsys, taught.home, common, "export", NOTES_NAME, "--format", "peft", "--out", str(tmp_path))
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bakery 2023_24", "bakery 2023_24.gguf"]
    assert (tmp_path / "bakery 2023_24.gguf").read_bytes()[:4] == b"GGUF"
    peft = tmp_path / "bakery 2023_24"
    assert sorted(os.listdir(peft)) == ["adapter_config.json", "adapter_model.safetensors"]
    from engine.core.adapter_file import validate_adapter_file

    r = json.loads((peft / "adapter_config.json").read_text())["r"]
    assert r == validate_adapter_file(tmp_path / "bakery 2023_24.gguf", None).rank  # the same adapter both ways
    assert 1 <= r <= 2 + 4  # compacted from the bias block + one chunk (a numerically zero part is dropped)


def test_forget_removes_item_and_file(taught, common, capsys):
    long = taught.skill_and_long["items"][1]
    rc, _, err = lorafy(capsys, taught.home, common, "forget", "long")
    assert rc == 0, err
    assert not (taught.home / "adapters" / long["adapter"]).exists()
    _, out, _ = lorafy(capsys, taught.home, common, "list", "--json")
    assert "long" not in {i["name"] for i in json.loads(out)["items"]}
    rc, out, err = lorafy(capsys, taught.home, common, "ask", "Which shelf?", "--use", "long", "--json")
    assert rc == 2 and out == ""
    assert "no memory or skill called 'long'" in err and "lorafy list" in err


def check_eval(capsys, common, tmp_path: Path, dataset: Path) -> None:
    """Run ``lorafy eval`` on ``dataset``; check the report (summary + one row per question and mode) and the PNG."""
    records = [json.loads(line) for line in dataset.read_text().splitlines() if line.strip()]
    questions = sorted((r["id"], q["question"]) for r in records for q in r["questions"])
    report, png = tmp_path / "report.json", tmp_path / "accuracy.png"
    rc, out, err = lorafy(capsys, tmp_path / "home", common, "eval", str(dataset), "--max-tokens", "1",
                          "--json", str(report), "--plot", str(png))
    assert rc == 0, err
    full = json.loads(report.read_text())
    assert set(full["summary"]) == {"base", "icl", "lora"}
    for s in full["summary"].values():
        assert 0.0 <= s["accuracy"] <= 1.0 and s["n"] == len(questions)
    for m in ("base", "icl", "lora"):
        rows = [r for r in full["rows"] if r["mode"] == m]
        assert sorted((r["record"], r["question"]) for r in rows) == questions
        assert all(isinstance(r["answer"], str) and isinstance(r["correct"], bool) for r in rows)
    assert len(full["rows"]) == 3 * len(questions)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "accuracy" in out
    home = tmp_path / "home"  # eval forgets what it taught: the library and adapters folder are empty again
    assert Library(home).items() == []
    assert list((home / "adapters").iterdir()) == []


def test_eval_writes_report_and_plot(common, capsys, tmp_path):
    dataset = tmp_path / "two.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in EVAL_RECORDS))
    check_eval(capsys, common, tmp_path, dataset)


def test_eval_on_the_hand_written_sample(common, capsys, tmp_path):
    check_eval(capsys, common, tmp_path, SAMPLE)


@pytest.mark.parametrize("make", ["missing", "not_gguf"])
def test_bad_base_path_exits_2_naming_the_file(make, capsys, tmp_path):
    base = tmp_path / "model.gguf"
    if make == "not_gguf":
        base.write_text("hello")
    rc = main(["--home", str(tmp_path / "home"), "--base", str(base), "ask", "hi", "--json"])
    out, err = capsys.readouterr()
    assert rc == 2 and out == ""
    assert str(base) in err and err.startswith("lorafy: ")


def test_eval_skills_scores_modes_and_forgets_its_skills(common, capsys, tmp_path):
    """`lorafy eval-skills` runs every mode through the checkers and leaves the library as it was."""
    home = tmp_path / "home"
    rc, out, _ = lorafy(capsys, home, common, "eval-skills", str(REPO / "bench/data/skills_test.jsonl"), "--limit", "3",
                        "--modes", "base,in_prompt,adapter,shuffled", "--max-tokens", "4", "--json", str(tmp_path / "s.json"),
                        "--plot", str(tmp_path / "s.png"))
    assert rc == 0
    report = json.loads((tmp_path / "s.json").read_text())
    assert set(report["summary"]["modes"]) == {"base", "in_prompt", "adapter", "shuffled"}
    assert all(m["n"] == 15 for m in report["summary"]["modes"].values())  # 3 records (two families) x 5 inputs
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Library(home).items() == []


def test_chat_replies_through_the_service_without_leading_space(monkeypatch, capsys):
    """`lorafy chat` streams what the service streams (leading whitespace stripped), never the runtime directly."""
    import argparse

    import types

    from desktop.commands import cmd_chat
    from desktop.service import AnswerConfig, lstrip_pieces

    class FakeService:
        def __init__(self):
            self.calls, self.modes = [], []

        cfg = types.SimpleNamespace(answer=AnswerConfig())

        def answer_setup(self, messages, max_tokens, use=(), auto=False, answer=None):
            self.modes.append((answer.mode, answer.max_memory_adapters))
            plan = types.SimpleNamespace(prompt=f"<{len(messages)} messages>", dropped=0)
            return types.SimpleNamespace(plan=plan, query=messages[-1]["content"], keys=list(use), use=list(use),
                                         weights=[1.0] * len(use))

        def sources(self, question, answer, keys):
            return []

        def generate(self, prompt, use=(), weights=None, max_tokens=128):
            self.calls.append((prompt, list(use), max_tokens))
            return lstrip_pieces([" ", " Zur", "ab"])

    lines = iter(["Who?", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    svc = FakeService()
    cmd_chat(svc, argparse.Namespace(use=["notes"], max_tokens=7, auto=False, mode=None))
    assert "lorafy> Zurab\n" in capsys.readouterr().out
    assert svc.calls == [("<1 messages>", ["notes"], 7)]
    lines = iter(["Who?", ""])
    cmd_chat(svc, argparse.Namespace(use=["notes"], max_tokens=7, auto=False, mode="passages", memory_adapters=2))
    # the service's defaults, then what --mode and --memory-adapters name
    assert svc.modes == [(AnswerConfig().mode, AnswerConfig().max_memory_adapters), ("passages", 2)]


def test_retrieval_flags_default_to_the_retrieval_config(tmp_path):
    from desktop.cli import build_parser
    from desktop.cli_service import make_service
    from desktop.store.passages import RetrievalConfig

    def retrieval(*flags):
        return make_service(build_parser().parse_args(["--home", str(tmp_path), "ask", "q", *flags])).cfg.retrieval

    assert retrieval() == RetrievalConfig()
    assert retrieval("--k", "5", "--min-ratio", "0.2") == RetrievalConfig(k=5, min_ratio=0.2)
    assert retrieval("--passages", "3") == RetrievalConfig(n_context=3)
    for command in (["chat"], ["eval", "set.jsonl"]):
        args = build_parser().parse_args(["--home", str(tmp_path), *command, "--passages", "4"])
        assert make_service(args).cfg.retrieval == RetrievalConfig(n_context=4)


def test_chat_keeps_earlier_turns_and_auto_uses_them(taught, common, capsys, monkeypatch):
    """Piped stdin: the second question's prompt holds the first exchange, and --auto chooses the bakery memory
    for "When did it open?" (no word of it matches alone) because the turn before it names the bakery."""
    from desktop.service import Lorafy

    setups = []
    real = Lorafy.answer_setup
    monkeypatch.setattr(Lorafy, "answer_setup", lambda self, *a, **k: setups.append(real(self, *a, **k)) or setups[-1])
    monkeypatch.setattr("sys.stdin", io.StringIO("Who owns Lindqvist Bakery?\nWhen did it open?\n"))
    rc, out, err = lorafy(capsys, taught.home, common, "chat", "--auto", "--max-tokens", "6")
    assert rc == 0 and len(setups) == 2
    assert setups[1].query.startswith("Who owns Lindqvist Bakery?") and setups[1].passages  # combined: passages too
    first, second = (s.plan for s in setups)
    assert first.dropped == second.dropped == 0 and len(second.messages) == 3
    assert "Who owns Lindqvist Bakery?" in second.prompt and second.messages[1]["role"] == "assistant"
    assert second.messages[1]["content"] in second.prompt and second.prompt.index("Bakery") < second.prompt.index("When")
    assert err.count(f"(memories chosen: {NOTES_NAME})") == 2
    assert out.count("sources:") == 2
