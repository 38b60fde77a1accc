"""A small real-text fixture (a man page, a NEWS head, a package's METADATA) and the corpus documents built from it."""
from __future__ import annotations

from pathlib import Path

from engine.data.corpus import CorpusConfig, build_docs, doc_rows
from engine.data.corpus_sources import Source, read_text

FIXTURES = Path(__file__).resolve().parent / "engine/data/fixtures/realtext"


def fixture_sources() -> list[Source]:
    return [Source("man", str(FIXTURES / "timeout.1"), "roff", "coreutils"),
            Source("debian-doc", str(FIXTURES / "gzip.NEWS"), "markup", "gzip"),
            Source("pypi-readme", str(FIXTURES / "pluggy.METADATA"), "metadata", "pluggy")]


def fixture_docs(cfg: CorpusConfig = CorpusConfig(min_words=40, target_words=150)) -> list[dict]:
    docs = build_docs(fixture_sources(), cfg, lambda s: read_text(s.path), lambda pkg: "GPL-3+")
    return doc_rows(docs)
