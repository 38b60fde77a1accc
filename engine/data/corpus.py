"""Build a corpus of human-written English documentation from a Debian system (``python -m engine.data.corpus build``).

Sources, each a *family* (the unit of the train/val/test split):

- ``man``: English man pages (/usr/share/man/man[1-8]), roff stripped by :mod:`engine.data.textclean`;
- ``debian-doc``: README*, NEWS*, changelog*, FAQ* files under /usr/share/doc;
- ``pypi-readme``: long descriptions in the METADATA of installed Python distributions (and of local wheels);
- ``info``: GNU info manuals (/usr/share/info), the VALIDATION family: never trained on;
- ``html-manual``: HTML manuals of ``-doc`` packages (git-doc, debian-reference, debian-handbook, sqlite3-doc, ...);
- ``python-docs``: the python3-doc manual is the TEST family; the builder recognises and drops it, so it is in
  neither the corpus' train nor its val split.

Steps: extract text, clean (markup, licence paragraphs and sections, non-English, mostly-code and too short
documents dropped), cut long documents at headings and paragraphs into pieces of ``min_words..max_words``,
deduplicate (exact hash of normalised text, then near-duplicates by MinHash over word 5-shingles), and write::

    DIR/corpus.jsonl     {"id", "family", "split", "title", "text", "source", "package", "licence", "sha256", "n_words"}
    DIR/manifest.jsonl   the same without "text"
    DIR/counts.json      documents and words per family and split

Sources are visited in an order fixed by hashing their paths, so the output is deterministic for a given
set of installed files, and ``--max-docs`` (per family) keeps a spread sample rather than the first files
alphabetically.

The sources (families, discovery, extraction) are in :mod:`engine.data.corpus_sources`, the text filters (cleaning,
cutting, deduplication) in :mod:`engine.data.corpus_text`; this module builds, writes and reads the corpus.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from engine.data.corpus_sources import (FAMILIES, TEST_FAMILY, Source, debian_licence, default_roots, discover,
                                        dpkg_owners, extract, is_test_source, read_text, split_of)
from engine.data.corpus_text import NearDup, clean_blocks, cut_pieces, normalise, piece_ok, render, text_sha256
from engine.data.records import write_rows_jsonl
from engine.data.textclean import HEADING, Block

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CorpusConfig:
    """What the builder keeps."""

    min_words: int = 100
    max_words: int = 2500
    target_words: int = 700  # long documents are cut into pieces of about this many words (at headings, paragraphs)
    max_pieces_per_source: int = 24  # one huge manual does not swamp a family
    max_code_frac: float = 0.5  # share of a piece's words in code blocks / code-looking lines
    min_stopword_frac: float = 0.15  # English function words among the words (non-English text has few)
    max_non_ascii_frac: float = 0.05
    near_dup_threshold: float = 0.7  # estimated Jaccard of word 5-shingles above which a piece is a duplicate
    max_docs: int | None = None  # per family
    exclude_projects: tuple[str, ...] = ("lorafy",)  # Python projects left out (this project's own README)
    max_source_chars: int = 400_000  # only the head of a huge file (a changelog of decades) is read
    max_docs_per_package: int = 100  # one package (a cloud SDK's thousands of pages, perl's modules) does not swamp a family

    def __post_init__(self) -> None:
        if not 0 < self.min_words <= self.target_words <= self.max_words:
            raise ValueError("need 0 < min_words <= target_words <= max_words")
        if not 0 < self.near_dup_threshold <= 1:
            raise ValueError("near_dup_threshold must be in (0, 1]")
        if self.max_docs is not None and self.max_docs < 1:
            raise ValueError("max_docs must be >= 1 (or None for no limit)")


@dataclass
class Doc:
    """One piece of cleaned text with its provenance."""

    family: str
    title: str
    text: str
    source: str
    package: str
    licence: str
    n_words: int = 0
    meta: dict = field(default_factory=dict)


def order_key(src: Source) -> str:
    """Deterministic, path-hashed visiting order (spread over packages, stable between runs)."""
    return hashlib.sha256(f"{src.path}::{src.member}".encode()).hexdigest()


def build_docs(sources: list[Source], cfg: CorpusConfig, read: Callable[[Source], str],
               licence_of: Callable[[str], str], progress: Callable[[Iterable], Iterable] = lambda x: x,
               drops: Counter | None = None) -> list[Doc]:
    """Extract, clean, cut and deduplicate ``sources`` -> documents; ``drops`` counts why pieces were dropped."""
    drops = drops if drops is not None else Counter()
    exact: set[str] = set()
    near = NearDup(cfg.near_dup_threshold)
    per_family: Counter = Counter()
    per_package: Counter = Counter()
    seen_projects: set[tuple[str, str]] = set()
    docs: list[Doc] = []
    for src in progress(sorted(sources, key=lambda s: (FAMILIES.index(s.family) if s.family in FAMILIES else 99,
                                                       order_key(s)))):
        if cfg.max_docs is not None and per_family[src.family] >= cfg.max_docs:
            continue
        if per_package[(src.family, src.package)] >= cfg.max_docs_per_package:
            drops["package-cap"] += 1
            continue
        if is_test_source(src.path, src.package):
            drops["test-family"] += 1
            continue
        if src.reader == "metadata" and src.package in cfg.exclude_projects:
            drops["excluded-project"] += 1
            continue
        if src.reader == "metadata" and (src.family, src.package) in seen_projects:
            drops["same-project"] += 1  # one description per Python project (wheels of many versions)
            continue
        try:
            text = read(src)
        except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as e:
            log.debug("skip %s: %s", src.path, e)
            drops["unreadable"] += 1
            continue
        if len(text) > cfg.max_source_chars:
            text = text[:text.rfind("\n", 0, cfg.max_source_chars) + 1 or cfg.max_source_chars]
        title, blocks, own_licence = extract(src, text)
        if src.reader == "metadata":
            seen_projects.add((src.family, src.package))
        blocks = clean_blocks(blocks)
        if not blocks:
            drops["empty"] += 1
            continue
        whole = normalise(render(blocks))
        if text_sha256(whole) in exact:
            drops["exact-dup"] += 1
            continue
        exact.add(text_sha256(whole))
        licence = own_licence or licence_of(src.package)
        pieces = cut_pieces(blocks, cfg)
        kept = 0
        for i, piece in enumerate(pieces):
            if kept >= cfg.max_pieces_per_source:
                drops["cap"] += len(pieces) - i
                break
            why = piece_ok(piece, cfg)
            if not why and near.seen(render(piece)):
                why = "near-dup"
            if why:
                drops[why] += 1
                continue
            if (kept >= cfg.max_pieces_per_source or per_package[(src.family, src.package)] >= cfg.max_docs_per_package
                    or (cfg.max_docs is not None and per_family[src.family] >= cfg.max_docs)):
                drops["cap"] += 1
                continue
            if i > 0 and title and not (piece[0].kind == HEADING and piece[0].text == title):
                piece = [Block(HEADING, title)] + piece  # a later piece says what it is part of
            body = render(piece)
            docs.append(Doc(src.family, title, body, src.path + (f"!{src.member}" if src.member else ""),
                            src.package, licence, len(body.split()), {"piece": i}))
            per_family[src.family] += 1
            per_package[(src.family, src.package)] += 1
            kept += 1
    return docs


def doc_rows(docs: list[Doc]) -> list[dict]:
    """Corpus rows with ids unique per family (``man-000123``) and their split."""
    rows = []
    counters: Counter = Counter()
    for d in docs:
        counters[d.family] += 1
        rows.append({"id": f"{d.family}-{counters[d.family]:06d}", "family": d.family, "split": split_of(d.family),
                     "title": d.title, "source": d.source, "package": d.package, "licence": d.licence,
                     "sha256": text_sha256(d.text), "n_words": d.n_words, "text": d.text})
    return rows


def count_rows(rows: list[dict]) -> dict:
    out: dict = {"schema_version": SCHEMA_VERSION, "families": {}, "splits": {}}
    for r in rows:
        for key, name in (("families", r["family"]), ("splits", r["split"])):
            c = out[key].setdefault(name, {"docs": 0, "words": 0})
            c["docs"] += 1
            c["words"] += r["n_words"]
    return out


def write_corpus(out: Path, rows: list[dict]) -> dict:
    """Write corpus.jsonl, manifest.jsonl and counts.json into ``out``; returns the counts."""
    out.mkdir(parents=True, exist_ok=True)
    leaked = [r["id"] for r in rows if r["split"] == "test" or r["family"] == TEST_FAMILY]
    if leaked:
        raise ValueError(f"test-family documents must not be written to the corpus: {leaked[:3]}")
    write_rows_jsonl(out / "corpus.jsonl", rows)
    write_rows_jsonl(out / "manifest.jsonl", ({k: v for k, v in r.items() if k != "text"} for r in rows))
    counts = count_rows(rows)
    write_rows_jsonl(out / "counts.json", [counts])
    return counts


def read_corpus(path: Path, split: str | None = None) -> list[dict]:
    """Rows of ``DIR/corpus.jsonl`` (``path`` is the folder or the file), optionally of one split."""
    path = Path(path)
    if path.is_dir():
        path = path / "corpus.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.data.corpus", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the corpus into a folder")
    b.add_argument("--out", required=True, type=Path)
    b.add_argument("--max-docs", type=int, default=None, help="at most N documents per family")
    b.add_argument("--families", default=",".join(FAMILIES), help="comma-separated families to build")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from tqdm import tqdm

    cfg = CorpusConfig(max_docs=args.max_docs)
    wanted = [f for f in args.families.split(",") if f]
    unknown = set(wanted) - set(FAMILIES)
    if unknown:
        raise SystemExit(f"unknown families {sorted(unknown)}; choose from {', '.join(FAMILIES)}")
    owners = dpkg_owners()
    roots = {f: d for f, d in default_roots().items() if f in wanted}
    sources = discover(roots, owners)
    log.info("%d candidate files: %s", len(sources), dict(Counter(s.family for s in sources)))
    licences: dict[str, str] = {}
    drops: Counter = Counter()
    docs = build_docs(sources, cfg, lambda s: read_text(s.path, s.member),
                      lambda pkg: licences.setdefault(pkg, debian_licence(pkg)),
                      lambda xs: tqdm(list(xs), desc="corpus", unit="file"), drops)
    counts = write_corpus(args.out, doc_rows(docs))
    counts["dropped_pieces"] = dict(sorted(drops.items()))
    write_rows_jsonl(args.out / "counts.json", [counts])
    print(json.dumps(counts, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
