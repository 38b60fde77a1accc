"""The real-text corpus builder: roff/markup/HTML cleaning, licence and navigation removal, deduplication, and
the split by family that keeps the python3-doc test family out."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from engine.data import corpus_sources
from engine.data.corpus import CorpusConfig, build_docs, doc_rows, read_corpus, write_corpus
from engine.data.corpus_sources import Source, discover, is_test_source, read_text, split_of
from engine.data.corpus_text import NearDup, clean_blocks, cut_pieces
from engine.data.textclean import CODE, HEADING, PARA, Block, html_blocks, markup_blocks, roff_blocks, roff_inline

from tests.realtext_fixture import FIXTURES, fixture_docs, fixture_sources  # noqa: F401


def test_roff_is_stripped_to_headings_and_prose():
    blocks = roff_blocks((FIXTURES / "timeout.1").read_text())
    heads = [b.text for b in blocks if b.kind == HEADING]
    assert heads[:3] == ["NAME", "SYNOPSIS", "DESCRIPTION"]
    text = "\n".join(b.text for b in blocks)
    assert "timeout - run a command with a time limit" in text
    assert "-k, --kill-after=DURATION" in text
    assert "Written by Padraig Brady." in text
    assert "\\f" not in text and "\\-" not in text and "\\(" not in text
    assert not any(line.startswith((".TH", ".SH", ".TP", ".PP")) for line in text.splitlines())


def test_roff_escapes_fonts_and_mdoc():
    assert roff_inline(r"\fB\-\-all\fR and \(lqquoted\(rq \e \(em done") == "--all and \u201cquoted\u201d \\ \u2014 done"
    mdoc = ".Dd May 1\n.Dt SSH 1\n.Sh NAME\n.Nm ssh\n.Nd remote login\n.Sh DESCRIPTION\n.Nm\nconnects; use\n.Fl v\nor\n.Ux Ns -domain\nsockets.\n"
    blocks = roff_blocks(mdoc)
    assert [b.text for b in blocks] == ["NAME", "ssh - remote login", "DESCRIPTION",
                                        "ssh connects; use -v or UNIX-domain sockets."]


def test_roff_literal_regions_are_code_and_tables_dropped():
    src = ".SH EXAMPLE\nRun it:\n.nf\n  a = 1\n  b = 2\n.fi\nDone.\n.TS\nl l.\nx\ty\n.TE\n"
    blocks = roff_blocks(src)
    assert Block(CODE, "  a = 1\n  b = 2") in blocks
    assert all("x\ty" not in b.text for b in blocks)


def test_markdown_and_rest_markup_is_removed():
    md = "# Title\n\n[![badge](https://x/b.svg)](https://x)\n\nSee [docs](https://ex.org/d) and `code`.\n\n```\nx = 1\n```\n"
    assert markup_blocks(md) == [Block(HEADING, "Title"), Block(PARA, "See docs (https://ex.org/d) and code."),
                                 Block(CODE, "x = 1")]
    rst = "Usage\n=====\n\n.. code-block:: python\n\n   import x\n\nCall :func:`run` with ``--fast``.\n"
    assert markup_blocks(rst) == [Block(HEADING, "Usage"), Block(PARA, "Call run with --fast.")]


def test_html_skips_navigation_and_scripts():
    page = ("<html><head><title>T</title><script>x()</script></head><body><div class='navheader'>Prev Next</div>"
            "<h1>Guide</h1><p>Some <em>text</em> here.</p><pre>ls -l</pre><div class=footer>(c) X</div></body></html>")
    assert html_blocks(page) == [Block(HEADING, "Guide"), Block(PARA, "Some text here."), Block(CODE, "ls -l")]


def test_licence_paragraphs_sections_and_breadcrumbs_are_dropped():
    blocks = [Block(HEADING, "Intro"), Block(PARA, "A tool that sorts files by size."),
              Block(PARA, "Permission is hereby granted, free of charge, to any person obtaining a copy."),
              Block(PARA, "Apache > HTTP Server > Documentation > Version 2.4"),
              Block(HEADING, "COPYRIGHT"), Block(PARA, "Copyright 2022 Someone."), Block(HEADING, "Usage"),
              Block(PARA, "Run it.")]
    assert [b.text for b in clean_blocks(blocks)] == ["Intro", "A tool that sorts files by size.", "Usage", "Run it."]


def test_long_documents_are_cut_at_headings_within_bounds():
    cfg = CorpusConfig(min_words=20, target_words=60, max_words=120)
    blocks = []
    for i in range(6):
        blocks += [Block(HEADING, f"Part {i}"), Block(PARA, " ".join(["word"] * 35))]
    pieces = cut_pieces(blocks, cfg)
    assert len(pieces) >= 3
    assert all(p[0].kind == HEADING for p in pieces)  # cut before headings
    assert all(sum(len(b.text.split()) for b in p) <= cfg.max_words for p in pieces)
    assert [b for p in pieces for b in p] == blocks  # nothing lost


def test_near_duplicates_and_exact_duplicates_are_dropped(tmp_path):
    text = " ".join(f"The parser reads token number {i} and stores it in the table." for i in range(30))
    near = NearDup(0.7)
    assert not near.seen(text)
    assert near.seen(text.replace("number 7 ", "number seven "))
    assert not near.seen(" ".join(f"A different sentence about item {i} with other words." for i in range(30)))
    for name in ("a.md", "b.md", "c.md"):
        (tmp_path / name).write_text("# Tool\n\n" + text + ("\n\nThe end." if name == "c.md" else ""))
    sources = [Source("debian-doc", str(tmp_path / n), "markup", n[0]) for n in ("a.md", "b.md", "c.md")]
    drops: Counter = Counter()
    docs = build_docs(sources, CorpusConfig(min_words=50), lambda s: read_text(s.path), lambda p: "", drops=drops)
    assert len(docs) == 1 and drops["exact-dup"] + drops["near-dup"] == 2


def test_split_by_family_never_leaks_the_test_family(tmp_path):
    assert split_of(corpus_sources.VAL_FAMILY) == "val" and split_of(corpus_sources.TEST_FAMILY) == "test"
    assert {split_of(f) for f in corpus_sources.FAMILIES} == {"train", "val"}
    assert is_test_source("/usr/share/doc/python3.11/html/tutorial/index.html", "python3.11-doc")
    assert is_test_source("/usr/share/info/python3.11.info.gz", "")
    assert is_test_source("/usr/share/doc/python3.11/NEWS.gz", "python3.11")  # the manual's changelog page
    assert is_test_source("/usr/share/man/man1/python3.11.1.gz", "python3.11-minimal")
    assert not is_test_source("/usr/share/doc/python3-pip/README.rst", "python3-pip")
    doc = tmp_path / "usr/share/doc"
    for rel in ("python3.11/html/tutorial/intro.html", "git-doc/user-manual.html"):
        (doc / rel).parent.mkdir(parents=True, exist_ok=True)
        (doc / rel).write_text("<h1>Intro</h1><p>" + "Python is a language that reads well. " * 30 + "</p>")
    found = discover({"html-manual": [doc]}, {str(doc / "python3.11/html/tutorial/intro.html"): "python3-doc"})
    assert [Path(s.path).name for s in found] == ["user-manual.html"]
    leak = [Source("html-manual", str(doc / "python3.11/html/tutorial/intro.html"), "html", "python3-doc")]
    assert build_docs(leak, CorpusConfig(), lambda s: read_text(s.path), lambda p: "") == []
    with pytest.raises(ValueError, match="test-family"):
        write_corpus(tmp_path / "out", [{"id": "x", "family": "python-docs", "split": "test", "n_words": 1}])


def test_language_folders_are_skipped():
    assert corpus_sources.english_path("/usr/share/doc/apache2-doc/manual/en/mod/core.html")
    assert not corpus_sources.english_path("/usr/share/doc/apache2-doc/manual/de/mod/core.html")
    assert not corpus_sources.english_path("/usr/share/doc/apache2-doc/manual/mod/core.html.fr")
    assert not corpus_sources.english_path("/usr/share/doc/debian-handbook/html/zh-CN/index.html")


def test_fixture_builds_a_small_corpus_with_manifest(tmp_path):
    rows = fixture_docs()
    assert {r["family"] for r in rows} == {"man", "debian-doc", "pypi-readme"}
    assert all(r["split"] == "train" for r in rows)
    pluggy = [r for r in rows if r["family"] == "pypi-readme"]
    assert pluggy and pluggy[0]["licence"] == "MIT"  # from METADATA, not the Debian copyright
    counts = write_corpus(tmp_path, rows)
    assert counts["families"]["man"]["docs"] == sum(r["family"] == "man" for r in rows)
    manifest = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert all("text" not in m and len(m["sha256"]) == 64 and m["n_words"] > 0 for m in manifest)
    assert read_corpus(tmp_path, "train") == rows
    assert fixture_docs() == rows  # deterministic
