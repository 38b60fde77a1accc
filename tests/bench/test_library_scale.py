"""bench/library_scale.py end to end on the tiny base and the tiny hypernetwork bundle: 6 documents, 4 questions.

Figures from a random 2-layer model mean nothing; the test checks that every part is measured from what really
happened (the choice rows are Lorafy.choose() results, the counts add up) and that the held-out python3 folder is
never read.
"""
from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER = "HELDOUTMARKER"


def load_script():
    """The script as a module (bench/ is not a package); registered first, as dataclasses need."""
    if "library_scale" not in sys.modules:
        spec = importlib.util.spec_from_file_location("library_scale", ROOT / "bench" / "library_scale.py")
        sys.modules["library_scale"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["library_scale"])
    return sys.modules["library_scale"]


def prose(topic: str, n: int = 40) -> str:
    return "\n".join(f"The {topic} tool keeps line {i} of its notes about {topic} settings and files." for i in range(n))


def decoy() -> str:
    """A real-looking text made of the first synthetic document's questions: BM25 ranks it above that document."""
    from engine.data.facts import FactsConfig, facts_set

    first = facts_set(1, seed=0, split="test", cfg=FactsConfig(max_tokens=400))[0]  # the script's first document
    return "\n".join(q.question for q in first.questions * 4)


@pytest.fixture(scope="module")
def real_root(tmp_path_factory) -> Path:
    """Three readable packages (one a decoy), a held-out python3 package and a file that is not text by name."""
    root = tmp_path_factory.mktemp("doc")
    for package, name, text in (("alpha", "README", decoy()), ("beta", "notes.md", prose("beta"))):
        (root / package).mkdir()
        (root / package / name).write_text(text)
    (root / "gamma").mkdir()
    (root / "gamma" / "changelog.Debian.gz").write_bytes(gzip.compress(prose("gamma", 200).encode()))
    (root / "gamma" / "index.html").write_text(f"<p>{prose('html')}</p>")
    (root / "python3.11-doc").mkdir()
    (root / "python3.11-doc" / "README.txt").write_text(prose(MARKER))
    return root


@pytest.fixture(scope="module")
def argv(tmp_path_factory, tiny_spec, tiny_bundle, real_root):
    out = tmp_path_factory.mktemp("library")
    return out, ["--docs", "6", "--questions", "4", "--threads", "1", "--real-root", str(real_root),
                 "--base", str(tiny_spec.path), "--hypernet", str(tiny_bundle[0]), "--home", str(out / "home")]


@pytest.fixture(scope="module")
def run(argv):
    out, args = argv
    return load_script().main(args + ["--json", str(out / "r.json"), "--plot", str(out / "r.png")]), out


def test_documents_are_mixed_and_the_held_out_folder_is_never_read(run):
    rep, out = run
    assert rep["docs"] == {"written": 6, "synthetic": 3, "real": 3, "taught": 6,
                           "synthetic_questions": rep["docs"]["synthetic_questions"]}
    files = sorted((out / "home-docs").iterdir())
    texts = {f.name: f.read_text() for f in files}
    assert len(files) == 6 and not any(MARKER in t or "<p>" in t for t in texts.values())
    gamma = next(t for n, t in texts.items() if "gamma" in n)
    assert "gamma settings" in gamma and len(gamma) <= 3000  # gunzipped and cut
    assert rep["teach"]["indexed"] == 6 and rep["teach"]["refused"] == rep["teach"]["failed"] == 0


def test_teach_disk_and_memory_figures(run):
    rep, out = run
    t, d = rep["teach"], rep["disk"]
    assert t["wall_s"] > 0 and t["docs_per_s"] == pytest.approx(6 / t["wall_s"]) and t["tokens"] > 0
    adapters = list((out / "home" / "adapters").glob("*.gguf"))
    assert d["adapters_total"] == sum(p.stat().st_size for p in adapters) and d["adapter_files"] == len(adapters)
    assert min(p.stat().st_size for p in adapters) <= d["adapter_median"] <= d["adapter_p95"] <= d["adapter_max"]
    assert d["total"] == d["adapters_total"] + d["library_db"] + d["other"] and d["library_db"] > 0
    assert set(rep["memory"]) == {"after_teach", "library_loaded", "after_answers"}
    assert all(0 < v["rss_mib"] <= v["peak_mib"] for v in rep["memory"].values())


def test_choice_figures_are_recounted_from_the_rows(run):
    rep, _ = run
    rows, c = rep["choice_rows"], rep["choice"]
    assert c["n"] == len(rows) == rep["docs"]["synthetic_questions"] >= 3
    assert all(r["ms"] > 0 for r in rows) and c["max_ms"] == max(r["ms"] for r in rows) >= c["p95_ms"] >= c["p50_ms"]
    assert c["right_first"] == sum(bool(r["chosen"]) and r["chosen"][0] == r["right"] for r in rows) / len(rows)
    assert c["right_chosen"] == sum(r["right"] in r["chosen"] for r in rows) / len(rows)
    assert len({r["right"] for r in rows}) == 3  # one memory per synthetic document
    assert 0 <= c["right_first"] < c["right_chosen"]  # the decoy comes first for some questions, the right one second


def test_answers_in_every_mode(run):
    rep, out = run
    summary, rows = rep["answers"]["summary"], rep["answers"]["rows"]
    assert list(summary) == ["lora", "auto", "auto_stacked", "passages", "passages_auto", "passages_auto_stacked", "all"] and rep["answers"]["not_run"] == {}
    for mode, s in summary.items():
        mine = [r for r in rows if r["mode"] == mode]
        assert s["n"] == len(mine) == 4 and 0.0 <= s["accuracy"] <= 1.0 and s["mean_seconds"] > 0
        assert s["accuracy"] == sum(r["correct"] for r in mine) / 4
    saved = json.loads((out / "r.json").read_text())
    assert saved["choice"] == rep["choice"] and saved["machine"]["cores"] >= 1 and saved["machine"]["cpu"]
    assert (out / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_keeps_what_was_taught(run, argv, tmp_path):
    first, _ = run
    out, args = argv
    with pytest.raises(SystemExit, match="not empty"):
        load_script().main(args)
    again = load_script().main(args + ["--resume", "--questions", "1"])
    assert again["teach"]["resumed_with"] == 6 and again["teach"]["taught_now"] == 0
    assert again["docs"] == first["docs"] and again["choice_rows"] == [
        {**r, "ms": r2["ms"]} for r, r2 in zip(first["choice_rows"], again["choice_rows"])]
    lib = load_script()
    assert lib.write_once(tmp_path / "a.txt", "x\r\ny").read_bytes() == b"x\r\ny"
    assert lib.write_once(tmp_path / "a.txt", "x\r\ny") == tmp_path / "a.txt"  # the same text: left as it is
    with pytest.raises(ValueError, match="new --home"):
        lib.write_once(tmp_path / "a.txt", "other")


def test_config_and_helpers():
    lib = load_script()
    with pytest.raises(ValueError, match="real_fraction"):
        lib.LibraryBenchConfig(real_fraction=1.0)
    assert lib.LibraryBenchConfig(docs=1000).n_real == 500
    assert lib.cut_text("a\n" * 10, 7) == "a\na\na"
